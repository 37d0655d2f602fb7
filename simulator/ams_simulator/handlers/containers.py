"""/1.0/containers: launching, listing, removing containers; their stored logs."""

import json

from aiohttp import web

from .. import container_factory, envelopes, instance_types, instances, lifecycle, repo, scheduler
from ..errors import bad_request, not_found
from .common import check_if_match, etag_of, field, read_json, recursion, reject_unknown, sim_of

_FIELDS = ("app_id", "app_version", "image_id", "image_version", "instance_type", "user_data", "node", "services",
           "disk_size", "cpu", "memory", "gpu_slots", "config", "tags")
_CONFIG_FIELDS = ("platform", "boot_package", "boot_activity", "metrics_server", "disable_watchdog", "devmode")
_PLATFORMS = ("null", "swrast", "webrtc")
_WHAT = "container launch"


def parse_services(body, what=_WHAT):
    services = field(body, "services", list, default=[], what=what)
    result = []
    for index, service in enumerate(services):
        where = "%s: services[%d]" % (what, index)
        if not isinstance(service, dict):
            raise bad_request("%s must be an object" % where)
        reject_unknown(service, ("name", "port", "port_end", "protocols", "expose"), where)
        name = field(service, "name", str, required=True, what=where)
        port = field(service, "port", int, required=True, what=where)
        port_end = field(service, "port_end", int, what=where)
        if not 1 <= port <= 65535 or (port_end is not None and not port <= port_end <= 65535):
            raise bad_request("%s: port %s-%s is not a valid port range" % (where, port, port_end))
        protocols = field(service, "protocols", list, default=["tcp"], what=where)
        if not protocols or not set(protocols) <= {"tcp", "udp"}:
            raise bad_request("%s: protocols must be a list of tcp/udp, got %s" % (where, json.dumps(protocols)))
        entry = {"name": name, "port": port, "protocols": protocols,
                 "expose": field(service, "expose", bool, default=False, what=where)}
        if port_end is not None:
            entry["port_end"] = port_end
        result.append(entry)
    return result


def _config(body):
    config = field(body, "config", dict, default={}, what=_WHAT)
    reject_unknown(config, _CONFIG_FIELDS, "%s: config" % _WHAT)
    for key in ("platform", "boot_package", "boot_activity", "metrics_server"):
        field(config, key, str, what="%s: config" % _WHAT)
    for key in ("disable_watchdog", "devmode"):
        field(config, key, bool, what="%s: config" % _WHAT)
    if config.get("platform") not in (None,) + _PLATFORMS:
        raise bad_request("%s: config.platform must be one of %s" % (_WHAT, ", ".join(_PLATFORMS)))
    return {key: value for key, value in config.items() if value is not None}


def _non_negative(body, key):
    value = field(body, key, int, what=_WHAT)
    if value is not None and value < 0:
        raise bad_request("%s: field %r must not be negative" % (_WHAT, key))
    return value


def _from_application(sim, body):
    ref = field(body, "app_id", str, required=True, what=_WHAT)
    app = repo.find_application(sim.store, ref)
    if app is None:
        raise bad_request("%s: application %r does not exist" % (_WHAT, ref))
    if "instance_type" in body or "image_id" in body or "image_version" in body:
        raise bad_request("%s: give either app_id or image_id (+ instance_type), not both" % _WHAT)
    number = _non_negative(body, "app_version")
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
    manifest = repo.version_manifest(sim.store, app["id"], version["number"])
    need = scheduler.requirement(app["instance_type"] or None, app.get("resources") or manifest.get("resources"),
                                 field(body, "cpu", int, what=_WHAT), _non_negative(body, "memory"),
                                 _non_negative(body, "disk_size"), _non_negative(body, "gpu_slots"))
    return dict(app=app, app_version=version["number"], need=need)


def _from_image(sim, body):
    ref = field(body, "image_id", str, required=True, what=_WHAT)
    image = repo.find_image(sim.store, ref)
    if image is None:
        raise bad_request("%s: image %r does not exist" % (_WHAT, ref))
    instance_type = field(body, "instance_type", str, required=True, what=_WHAT)
    if instance_type not in instance_types.TYPES:
        raise bad_request("%s: instance_type %r is not one of %s" % (_WHAT, instance_type,
                                                                     ", ".join(instance_types.NAMES)))
    number = _non_negative(body, "image_version")
    versions = [v["version"] for v in image["versions"]]
    if number is None:
        number = max(versions)
    elif number not in versions:
        raise bad_request("%s: image %s has no version %d" % (_WHAT, image["name"], number))
    need = scheduler.requirement(instance_type, None, field(body, "cpu", int, what=_WHAT),
                                 _non_negative(body, "memory"), _non_negative(body, "disk_size"),
                                 _non_negative(body, "gpu_slots"))
    return dict(image=image, image_version=number, need=need)


async def list_containers(request):
    sim = sim_of(request)
    if recursion(request):
        return envelopes.sync_raw(sim.store.json_array("SELECT data FROM containers ORDER BY rowid"))
    rows = sim.store.all("SELECT id FROM containers ORDER BY rowid")
    return envelopes.sync(["/1.0/containers/" + row["id"] for row in rows])


async def create(request):
    sim = sim_of(request)
    body = await read_json(request)
    reject_unknown(body, _FIELDS, _WHAT)
    if ("app_id" in body) == ("image_id" in body):
        raise bad_request("%s: give exactly one of app_id or image_id" % _WHAT)
    if field(body, "cpu", int, what=_WHAT) is not None and body["cpu"] < 1:
        raise bad_request("%s: field 'cpu' must be at least 1" % _WHAT)
    source = _from_application(sim, body) if "app_id" in body else _from_image(sim, body)
    spec = container_factory.LaunchSpec(
        "regular", node=field(body, "node", str, what=_WHAT), services=parse_services(body), config=_config(body),
        user_data=field(body, "user_data", str, default="", what=_WHAT),
        tags=[str(tag) for tag in (field(body, "tags", list, default=[], what=_WHAT))], **source)
    with sim.store.transaction():
        data = container_factory.create(sim.store, spec)
        container_id = data["id"]
        op = sim.ops.create(
            "Creating container", {"containers": ["/1.0/containers/" + container_id]},
            rollback=[("DELETE FROM node_ports WHERE container_id = ?", [container_id]),
                      ("DELETE FROM containers WHERE id = ?", [container_id])],
            after=lambda: lifecycle.schedule_boot(sim, container_id))
    sim.events.lifecycle("container-created", "/1.0/containers/" + container_id)
    return envelopes.async_operation(op)


async def get(request):
    data = repo.container(sim_of(request).store, request.match_info["id"])
    return envelopes.sync(data, etag=etag_of(data))


async def delete(request):
    sim = sim_of(request)
    data = repo.container(sim.store, request.match_info["id"])
    container_id = data["id"]
    check_if_match(request, etag_of(data))
    body = await read_json(request, required=False)
    reject_unknown(body, ("force",), "container removal")
    field(body, "force", bool, what="container removal")
    instances.refuse_if_protected(sim.store, data)

    def apply():
        repo.delete_container_rows(sim.store, "id = ?", (container_id,))

    def after():
        sim.instance_lifecycle.forget(container_id, data["name"])
        sim.events.lifecycle("container-deleted", "/1.0/containers/" + container_id)

    op = sim.ops.create("Deleting container", {"containers": ["/1.0/containers/" + container_id]}, apply=apply,
                        after=after)
    return envelopes.async_operation(op)


def _logs(sim, container):
    row = sim.store.one("SELECT logs FROM containers WHERE id = ?", (container["id"],))
    return json.loads(row["logs"]) if row else {}


async def list_logs(request):
    sim = sim_of(request)
    container = repo.container(sim.store, request.match_info["id"])
    prefix = "/1.0/containers/%s/logs/" % container["id"]
    return envelopes.sync([prefix + name for name in sorted(_logs(sim, container))])


async def get_log(request):
    sim = sim_of(request)
    container = repo.container(sim.store, request.match_info["id"])
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
