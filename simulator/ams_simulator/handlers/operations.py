"""/1.0/operations: list, get, cancel, long-poll wait."""

import math

from .. import envelopes
from ..errors import bad_request
from ..operations import list_key
from .common import recursion, sim_of


async def list_operations(request):
    sim = sim_of(request)
    expand = recursion(request)
    groups = {}
    for op_id, status_code, data in sim.ops.listed():
        # The reference lists operation URLs without the leading slash, like the async envelope's `operation`.
        item = data if expand else "1.0/operations/" + op_id
        groups.setdefault(list_key(status_code), []).append(item)
    return envelopes.sync(groups)


async def get(request):
    return envelopes.sync(sim_of(request).ops.get(request.match_info["id"]))


async def cancel(request):
    sim_of(request).ops.cancel(request.match_info["id"])
    return envelopes.sync({}, status=202)


def _timeout(request):
    raw = request.query.get("timeout", "-1")
    try:
        value = float(raw)
    except ValueError:
        raise bad_request("timeout must be a number of seconds (-1 waits forever), got %r" % raw)
    if math.isnan(value) or value in (float("inf"), float("-inf")):
        raise bad_request("timeout must be a finite number of seconds, got %r" % raw)
    return -1.0 if value < 0 else value


async def wait(request):
    sim = sim_of(request)
    timeout = _timeout(request)
    return envelopes.sync(await sim.ops.wait(request.match_info["id"], timeout))


def routes(router):
    router.add_get("/1.0/operations", list_operations)
    router.add_get("/1.0/operations/{id}", get)
    router.add_delete("/1.0/operations/{id}", cancel)
    router.add_get("/1.0/operations/{id}/wait", wait)
