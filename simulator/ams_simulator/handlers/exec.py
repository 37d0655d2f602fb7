"""POST /1.0/instances/<id_or_name>/exec, POST /1.0/containers/<id>/exec, GET /1.0/operations/<id>/websocket."""

from aiohttp import web

from .. import envelopes, extensions, instances, repo
from ..errors import bad_request, conflict, forbidden
from ..exec_sessions import MAX_MESSAGE
from .common import Field, read_body, sim_of

_WHAT = "exec"
# api.InstanceExecPost (api.ContainerExecPost has the same fields).
EXEC = {"command": Field(list, items=str), "environment": Field(dict), "interactive": Field(bool),
        "width": Field(int), "height": Field(int)}


def _require(request, name):
    """An older AMS (--without-instances, or the extension disabled) has no exec endpoint at all."""
    extensions.require(sim_of(request), name, "%s %s" % (request.method, request.path), status=404)


def _body(body):
    command = body.get("command")
    if not command or not command[0]:
        raise bad_request("%s: command must be a non-empty list of strings, got %r" % (_WHAT, command))
    environment = body.get("environment", {})
    bad = sorted(key for key, value in environment.items() if not isinstance(value, str))
    if bad:
        raise bad_request("%s: environment values must be strings (%s)" % (_WHAT, ", ".join(bad)))
    for key in ("width", "height"):
        value = body.get(key)
        if value is not None and value < 0:
            raise bad_request("%s: field %r must not be negative, got %d" % (_WHAT, key, value))
    return command, environment, bool(body.get("interactive"))


def _start(sim, data, resources, body):
    command, environment, interactive = _body(body)
    if data["status_code"] != 4:
        raise bad_request("instance %s is not running (status %s): commands run only in running instances"
                          % (data["name"], data["status"]))
    op = sim.exec_sessions.start(data, resources, command, environment, interactive)
    return envelopes.async_operation(op)


async def exec_instance(request):
    _require(request, "instance_support")
    _require(request, "instance_exec")
    sim = sim_of(request)
    data = instances.get(sim.store, request.match_info["id_or_name"])
    body = await read_body(request, EXEC, _WHAT)
    return _start(sim, data, {"instances": ["/1.0/instances/" + data["id"]]}, body)


async def exec_container(request):
    _require(request, "container_exec")
    sim = sim_of(request)
    data = repo.get(sim.store, "container", request.match_info["id"])
    body = await read_body(request, EXEC, _WHAT)
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
