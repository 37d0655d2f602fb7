"""POST /1.0/instances/<id_or_name>/exec, POST /1.0/containers/<id>/exec, GET /1.0/operations/<id>/websocket."""

from aiohttp import web

from .. import envelopes, instances, repo
from ..errors import bad_request, conflict, forbidden, not_found
from ..exec_sessions import MAX_MESSAGE
from .common import field, read_json, reject_unknown, sim_of

_WHAT = "exec"


def _older(request):
    if getattr(sim_of(request).options, "without_instances", False):
        raise not_found("not found: %s" % request.path)


def _body(body):
    reject_unknown(body, ("command", "environment", "interactive", "width", "height"), _WHAT)
    command = field(body, "command", list, required=True, what=_WHAT)
    if not command or not all(isinstance(word, str) for word in command) or not command[0]:
        raise bad_request("%s: command must be a non-empty list of strings, got %r" % (_WHAT, command))
    environment = field(body, "environment", dict, default={}, what=_WHAT)
    bad = sorted(key for key, value in environment.items() if not isinstance(value, str))
    if bad:
        raise bad_request("%s: environment values must be strings (%s)" % (_WHAT, ", ".join(bad)))
    interactive = field(body, "interactive", bool, default=False, what=_WHAT)
    for key in ("width", "height"):
        value = field(body, key, int, what=_WHAT)
        if value is not None and value < 0:
            raise bad_request("%s: field %r must not be negative, got %d" % (_WHAT, key, value))
    return command, environment, interactive


def _start(sim, data, resources, body):
    command, environment, interactive = _body(body)
    if data["status_code"] != 4:
        raise bad_request("instance %s is not running (status %s): commands run only in running instances"
                          % (data["name"], data["status"]))
    op = sim.exec_sessions.start(data, resources, command, environment, interactive)
    return envelopes.async_operation(op)


async def exec_instance(request):
    _older(request)
    sim = sim_of(request)
    data = instances.get(sim.store, request.match_info["id_or_name"])
    body = await read_json(request)
    return _start(sim, data, {"instances": ["/1.0/instances/" + data["id"]]}, body)


async def exec_container(request):
    _older(request)
    sim = sim_of(request)
    data = repo.container(sim.store, request.match_info["id"])
    body = await read_json(request)
    return _start(sim, data, {"containers": ["/1.0/containers/" + data["id"]]}, body)


async def operation_websocket(request):
    sim = sim_of(request)
    op_id = request.match_info["id"]
    session = sim.exec_sessions.get(op_id)
    if session is None:
        operation = sim.ops.get(op_id)  # 404 when there is no such operation
        if operation["status_code"] >= 200:
            raise bad_request("operation %s has finished: its websockets are closed" % op_id)
        raise bad_request("operation %s has no websockets" % op_id)
    fd = session.fd_for(request.query.get("secret", ""))
    if fd is None:
        raise forbidden("wrong or missing secret for the websockets of operation %s" % op_id)
    if fd in session.sockets:
        raise conflict("the websocket of fd %s of operation %s is already connected" % (fd, op_id))
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE, timeout=5.0, autoping=True)
    if not ws.can_prepare(request).ok:
        raise bad_request("/1.0/operations/%s/websocket needs a websocket upgrade request" % op_id)
    await ws.prepare(request)
    session.attach(fd, ws)
    await session.done.wait()
    return ws


def routes(router):
    router.add_post("/1.0/instances/{id_or_name}/exec", exec_instance)
    router.add_post("/1.0/containers/{id}/exec", exec_container)
    router.add_get("/1.0/operations/{id}/websocket", operation_websocket)
