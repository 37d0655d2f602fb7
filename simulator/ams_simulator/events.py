"""Fan-out of notifications to /1.0/events websocket subscribers."""

import asyncio

from .object_meta import rfc3339_now

EVENT_TYPES = ("operation", "logging", "lifecycle")
_QUEUE_LIMIT = 10000


class Subscriber:
    def __init__(self, types):
        self.types = frozenset(types)
        self.queue = asyncio.Queue(maxsize=_QUEUE_LIMIT)
        self.overflowed = False


class EventHub:
    def __init__(self):
        self._subscribers = set()

    def subscribe(self, types):
        subscriber = Subscriber(types)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber):
        self._subscribers.discard(subscriber)

    def publish(self, event_type, metadata):
        message = {"metadata": metadata, "timestamp": rfc3339_now(), "type": event_type}
        for subscriber in list(self._subscribers):
            if event_type not in subscriber.types:
                continue
            try:
                subscriber.queue.put_nowait(message)
            except asyncio.QueueFull:
                # A subscriber that stopped reading is dropped rather than growing memory forever.
                subscriber.overflowed = True
                self._subscribers.discard(subscriber)

    def log(self, level, message, **context):
        self.publish("logging", {"level": level, "message": message, "context": context})

    def lifecycle(self, action, source, **context):
        self.publish("lifecycle", {"action": action, "source": source, "context": context})
