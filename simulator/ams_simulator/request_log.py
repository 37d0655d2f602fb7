"""One JSON line per request, flushed at once, so tests can count what a client sent.

``in_flight`` in an entry is how many requests the server was handling when that one
started, itself included: the peak over a run is the client's concurrency."""

import json
import threading


class RequestLog:
    def __init__(self, path):
        self.path = path
        self._handle = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self.in_flight = 0

    def begin(self):
        """A request starts; returns the number in flight, this one included."""
        self.in_flight += 1
        return self.in_flight

    def end(self):
        self.in_flight -= 1

    def write(self, entry):
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._lock:
            self._handle.write(line)
            self._handle.flush()

    def close(self):
        self._handle.close()
