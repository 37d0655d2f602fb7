"""/1.0/containers: launching, listing, removing containers; their stored logs."""

import json

from aiohttp import web

from .. import container_factory, envelopes, extensions, instance_types, instances, repo, scheduler
from ..errors import bad_request, not_found
from .common import FORCE, Field, check_if_match, etag_of, field, read_body, recursion, sim_of

SERVICE = {"name": Field(str), "port": Field(int), "port_end": Field(int), "protocols": Field(list, items=str),
           "expose": Field(bool)}
_CONFIG = {"platform": Field(str), "boot_package": Field(str), "boot_activity": Field(str),
           "metrics_server": Field(str), "disable_watchdog": Field(bool), "features": Field(str, unmodelled=True),
           "devmode": Field(bool)}
# api.ContainersPost of the AMS SDK: what AMS reads from a launch request.
LAUNCH = {
    "app_id": Field(str), "app_version": Field(int, pointer=True), "image_id": Field(str),
    "image_version": Field(int, pointer=True), "instance_type": Field(str), "node": Field(str),
    "user_data": Field(str, pointer=True), "addons": Field(list, items=str, unmodelled=True),
    "services": Field(list, items=SERVICE), "disk_size": Field(int, pointer=True), "cpus": Field(int, pointer=True),
    "memory": Field(int, pointer=True), "gpu-slots": Field(int, pointer=True), "vpu-slots": Field(int, pointer=True),
    "tags": Field(list, items=str), "config": Field(dict, fields=_CONFIG), "no_start": Field(bool, unmodelled=True),
}
# The API text's example spells these differently from what AMS reads.
LAUNCH_HINTS = {"cpu": "cpus", "gpu_slots": "gpu-slots", "vpu_slots": "vpu-slots"}
_PLATFORMS = ("null", "swrast", "webrtc")
_WHAT = "container launch"


def parse_services(body, what=_WHAT):
    """The services of a decoded launch request (SERVICE items), checked."""
    result = []
    for index, service in enumerate(body.get("services", [])):
        where = "%s: services[%d]" % (what, index)
        port = field(service, "port", int, required=True, what=where)
        port_end = service.get("port_end")
        if not 1 <= port <= 65535 or (port_end is not None and not port <= port_end <= 65535):
            raise bad_request("%s: port %s-%s is not a valid port range" % (where, port, port_end))
        protocols = service.get("protocols", ["tcp"])
        if not set(protocols) <= {"tcp", "udp"}:
            raise bad_request("%s: protocols must be a list of tcp/udp, got %s" % (where, json.dumps(protocols)))
        entry = {"name": service.get("name", ""), "port": port, "protocols": protocols,
                 "expose": service.get("expose", False)}
        if port_end is not None:
            entry["port_end"] = port_end
        result.append(entry)
    return result


def _config(body):
    config = body.get("config", {})
    if config.get("platform") not in (None,) + _PLATFORMS:
        raise bad_request("%s: config.platform must be one of %s" % (_WHAT, ", ".join(_PLATFORMS)))
    return config


def _sizes(body):
    """Explicit resources of the launch request (None where not given), checked."""
    for key, minimum in (("cpus", 1), ("memory", 1), ("disk_size", 1), ("gpu-slots", 0), ("vpu-slots", 0)):
        if body.get(key) is not None and body[key] < minimum:
            raise bad_request("%s: field %r must be at least %d, got %d" % (_WHAT, key, minimum, body[key]))
    return dict(cpu=body.get("cpus"), memory=body.get("memory"), disk=body.get("disk_size"),
                gpu_slots=body.get("gpu-slots"), vpu_slots=body.get("vpu-slots"))


def _version_number(body, key):
    value = body.get(key)
    if value is not None and value < 0:
        raise bad_request("%s: field %r must not be negative" % (_WHAT, key))
    return value


def _from_application(sim, body):
    ref = body["app_id"]
    app = repo.find(sim.store, "application", ref)
    if app is None:
        raise bad_request("%s: application %r does not exist" % (_WHAT, ref))
    if "instance_type" in body or "image_id" in body or "image_version" in body:
        raise bad_request("%s: give either app_id or image_id (+ instance_type), not both" % _WHAT)
    number = _version_number(body, "app_version")
    if number is not None:
        version = next((v for v in app["versions"] if v["number"] == number), None)
        if version is None:
            raise bad_request("%s: application %s has no version %d" % (_WHAT, app["name"], number))
        if version["status_code"] != 3:
            raise bad_request("%s: version %d of application %s is %s, not active"
                              % (_WHAT, number, app["name"], version["status"]))
    else:
        published = [v for v in app["versions"] if v["published"] and v["status_code"] == 3]
        if not published:
            raise bad_request("%s: application %s has no published version (status %s); publish one or give "
                              "app_version" % (_WHAT, app["name"], app["status"]))
        version = max(published, key=lambda v: v["number"])
    manifest = repo.version_document(sim.store, "application", app["id"], version["number"])
    need = scheduler.requirement(app["instance_type"] or None, app.get("resources") or manifest.get("resources"),
                                 **_sizes(body))
    return dict(app=app, app_version=version["number"], need=need)


def _from_image(sim, body):
    ref = body["image_id"]
    image = repo.find(sim.store, "image", ref)
    if image is None:
        raise bad_request("%s: image %r does not exist" % (_WHAT, ref))
    instance_type = field(body, "instance_type", str, required=True, what=_WHAT)
    if instance_type not in instance_types.TYPES:
        raise bad_request("%s: instance_type %r is not one of %s" % (_WHAT, instance_type,
                                                                     ", ".join(instance_types.NAMES)))
    number = _version_number(body, "image_version")
    versions = [v["version"] for v in image["versions"]]
    if number is None:
        number = max(versions)
    elif number not in versions:
        raise bad_request("%s: image %s has no version %d" % (_WHAT, image["name"], number))
    need = scheduler.requirement(instance_type, None, **_sizes(body))
    return dict(image=image, image_version=number, need=need)


async def list_containers(request):
    sim = sim_of(request)
    if recursion(request):
        return envelopes.sync_raw(repo.listing(sim.store, "container"))
    return envelopes.sync(["/1.0/containers/" + container_id for container_id in repo.keys(sim.store, "container")])


async def create(request):
    sim = sim_of(request)
    body = await read_body(request, LAUNCH, _WHAT, hints=LAUNCH_HINTS)
    if ("app_id" in body) == ("image_id" in body):
        raise bad_request("%s: give exactly one of app_id or image_id" % _WHAT)
    source = _from_application(sim, body) if "app_id" in body else _from_image(sim, body)
    spec = container_factory.LaunchSpec(
        "regular", node=body.get("node"), services=parse_services(body), config=_config(body),
        user_data=body.get("user_data", ""), tags=body.get("tags", []), **source)
    with sim.store.transaction():
        data = container_factory.create(sim.store, spec)
        op = launch_operation(sim, data, "Creating container", {"containers": ["/1.0/containers/" + data["id"]]})
    sim.events.lifecycle("container-created", "/1.0/containers/" + data["id"])
    sim.instance_lifecycle.start(data["id"], "running", op_id=op["id"])
    return envelopes.async_operation(op)


def launch_operation(sim, data, description, resources):
    """The operation of a launch that waits for the new container to rest in its desired status: it fails with
    the container's error_message when it fails to start (the container stays, in error); cancelling it or a
    restart interrupting it removes the container."""
    container_id = data["id"]
    return sim.ops.create_external(description, resources,
                                   rollback=[repo.undo_step("delete_containers", id=container_id)],
                                   on_cancel=lambda: sim.instance_lifecycle.forget(container_id, data["name"]))


async def get(request):
    data = repo.get(sim_of(request).store, "container", request.match_info["id"])
    return envelopes.sync(data, etag=etag_of(data))


async def delete(request):
    sim = sim_of(request)
    data = repo.get(sim.store, "container", request.match_info["id"])
    container_id = data["id"]
    check_if_match(request, etag_of(data))
    await read_body(request, FORCE, "container removal", required=False)
    instances.refuse_if_protected(sim.store, data)

    def apply():
        repo.delete_containers(sim.store, id=container_id)

    def after():
        sim.instance_lifecycle.forget(container_id, data["name"])
        sim.events.lifecycle("container-deleted", "/1.0/containers/" + container_id)

    op = sim.ops.create("Deleting container", {"containers": ["/1.0/containers/" + container_id]}, apply=apply,
                        after=after)
    return envelopes.async_operation(op)


def _logs(sim, container):
    return repo.container_logs(sim.store, container["id"])


async def list_logs(request):
    sim = sim_of(request)
    extensions.require(sim, "container_logs", "reading container logs", status=404)
    container = repo.get(sim.store, "container", request.match_info["id"])
    prefix = "/1.0/containers/%s/logs/" % container["id"]
    return envelopes.sync([prefix + name for name in sorted(_logs(sim, container))])


async def get_log(request):
    sim = sim_of(request)
    extensions.require(sim, "container_logs", "reading container logs", status=404)
    container = repo.get(sim.store, "container", request.match_info["id"])
    name = request.match_info["name"]
    logs = _logs(sim, container)
    if name not in logs:
        raise not_found("container %s has no log file %s" % (container["id"], name))
    return web.Response(text=logs[name], content_type="text/plain")


def routes(router):
    router.add_get("/1.0/containers", list_containers)
    router.add_post("/1.0/containers", create)
    router.add_get("/1.0/containers/{id}", get)
    router.add_delete("/1.0/containers/{id}", delete)
    router.add_get("/1.0/containers/{id}/logs", list_logs)
    router.add_get("/1.0/containers/{id}/logs/{name}", get_log)
