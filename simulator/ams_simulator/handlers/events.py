"""/1.0/events: websocket notifications (operation, logging, lifecycle)."""

import asyncio

from aiohttp import WSMsgType, web

from ..envelopes import dumps
from ..errors import bad_request
from ..events import EVENT_TYPES
from .common import sim_of


def _types(request):
    raw = request.query.get("type", "")
    wanted = [item.strip() for item in raw.split(",") if item.strip()] or list(EVENT_TYPES)
    unknown = [item for item in wanted if item not in EVENT_TYPES]
    if unknown:
        raise bad_request("unknown event type(s) %s; valid: %s" % (", ".join(unknown), ", ".join(EVENT_TYPES)))
    return wanted


async def events(request):
    sim = sim_of(request)
    types = _types(request)
    ws = web.WebSocketResponse(heartbeat=30)
    if not ws.can_prepare(request).ok:
        raise bad_request("/1.0/events needs a websocket upgrade request")
    await ws.prepare(request)
    subscriber = sim.events.subscribe(types)

    async def forward():
        while True:
            message = await subscriber.queue.get()
            await ws.send_str(dumps(message))

    sender = asyncio.get_event_loop().create_task(forward())
    try:
        async for message in ws:
            if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                break
    finally:
        sender.cancel()
        sim.events.unsubscribe(subscriber)
        await ws.close()
    return ws


def routes(router):
    router.add_get("/1.0/events", events)
