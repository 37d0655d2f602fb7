"""/1.0/instances: named instances (containers or VMs) with a lifecycle; the same objects as /1.0/containers."""

import json

from aiohttp import web

from .. import container_factory, envelopes, instances, repo, scheduler
from ..errors import bad_request, conflict, not_found
from .common import check_if_match, etag_of, field, read_json, recursion, reject_unknown, sim_of, string_list
from .containers import parse_services

_WHAT = "instance launch"
_FIELDS = ("name", "type", "app_id", "app_version", "image_id", "image_version", "node", "user_data", "addons",
           "services", "resources", "tags", "config", "no_start", "source")
_RESOURCE_FIELDS = ("cpus", "memory", "disk_size", "gpu-slots", "gpu-type", "vpu-slots", "no_disk_reserve")
_CONFIG_FIELDS = ("platform", "boot_package", "boot_activity", "metrics_server", "disable_watchdog", "features",
                  "devmode", "enable_streaming", "display", "security")
_PLATFORMS = ("null", "swrast", "webrtc")
# An instance launched from an image without resources gets what instance type a2.3 gives.
_IMAGE_DEFAULTS = "a2.3"
_FILTERS = ("id", "name", "base", "type", "status", "node", "app_id", "app_name", "app_version", "image_id",
            "image_version", "tags")


def _require_support(request):
    """An older AMS (--without-instances) has no /1.0/instances at all."""
    if getattr(sim_of(request).options, "without_instances", False):
        raise not_found("not found: %s" % request.path)


def _no_wait(request):
    raw = request.query.get("no_wait", "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise bad_request("no_wait must be true or false, got %r" % request.query["no_wait"])
    return raw in ("true", "1")


def _given(body, key):
    """Go decoding: a missing key, null and "" all mean "not given"."""
    value = body.get(key)
    return value is not None and value != ""


def _non_negative(body, key, what):
    value = field(body, key, int, what=what)
    if value is not None and value < 0:
        raise bad_request("%s: field %r must not be negative, got %d" % (what, key, value))
    return value


# -- launch -------------------------------------------------------------------------------
def _resources(body):
    what = "%s: resources" % _WHAT
    res = field(body, "resources", dict, default={}, what=_WHAT)
    reject_unknown(res, _RESOURCE_FIELDS, what)
    cpus = field(res, "cpus", int, what=what)
    if cpus is not None and cpus < 1:
        raise bad_request("%s: field 'cpus' must be at least 1, got %d" % (what, cpus))
    values = {"cpus": cpus}
    for key in ("memory", "disk_size", "gpu-slots", "vpu-slots"):
        values[key] = _non_negative(res, key, what)
    gpu_type = field(res, "gpu-type", str, what=what)
    if gpu_type and gpu_type not in instances.GPU_TYPES:
        raise bad_request("%s: gpu-type must be one of %s, got %r" % (what, ", ".join(instances.GPU_TYPES), gpu_type))
    values["gpu-type"] = gpu_type or ""
    values["no_disk_reserve"] = field(res, "no_disk_reserve", bool, default=False, what=what)
    return values


def _config(body):
    what = "%s: config" % _WHAT
    config = field(body, "config", dict, default={}, what=_WHAT)
    reject_unknown(config, _CONFIG_FIELDS, what)
    for key in ("platform", "boot_package", "boot_activity", "metrics_server", "features"):
        field(config, key, str, what=what)
    for key in ("disable_watchdog", "devmode", "enable_streaming"):
        field(config, key, bool, what=what)
    if config.get("platform") and config["platform"] not in _PLATFORMS:
        raise bad_request("%s: platform must be one of %s, got %r" % (what, ", ".join(_PLATFORMS), config["platform"]))
    display = field(config, "display", dict, default={}, what=what)
    reject_unknown(display, instances.DISPLAY_KEYS, what + ".display")
    display = {key: _non_negative(display, key, what + ".display") or 0 for key in instances.DISPLAY_KEYS}
    security = field(config, "security", dict, default={}, what=what)
    reject_unknown(security, ("delete_protected",), what + ".security")
    protected = field(security, "delete_protected", bool, default=False, what=what + ".security")
    container_config = {key: config[key] for key in ("platform", "boot_package", "boot_activity", "metrics_server",
                                                     "disable_watchdog", "devmode") if config.get(key)}
    extra = {"enable_streaming": bool(config.get("enable_streaming")), "features": config.get("features") or "",
             "display": display, "security": {"delete_protected": protected}}
    return container_config, extra


def _from_application(sim, body, res):
    ref = body["app_id"]
    app = repo.find_application(sim.store, ref)
    if app is None:
        raise bad_request("%s: application %r does not exist" % (_WHAT, ref))
    number = _non_negative(body, "app_version", _WHAT)
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
                                 res["cpus"], res["memory"], res["disk_size"], res["gpu-slots"])
    return dict(app=app, app_version=version["number"], need=need)


def _from_image(sim, body, res):
    ref = body["image_id"]
    image = repo.find_image(sim.store, ref)
    if image is None:
        raise bad_request("%s: image %r does not exist" % (_WHAT, ref))
    number = _non_negative(body, "image_version", _WHAT)
    versions = [v["version"] for v in image["versions"]]
    if number is None:
        number = max(versions)
    elif number not in versions:
        raise bad_request("%s: image %s has no version %d" % (_WHAT, image["name"], number))
    need = scheduler.requirement(_IMAGE_DEFAULTS, None, res["cpus"], res["memory"], res["disk_size"],
                                 res["gpu-slots"])
    return dict(image=image, image_version=number, need=need)


def _addons(sim, body):
    names = string_list(body, "addons", _WHAT) or []
    for name in names:
        if repo.find_addon(sim.store, name) is None:
            raise bad_request("%s: addon %r does not exist" % (_WHAT, name))
    return names


def _launch_type(sim, body):
    kind = field(body, "type", str, what=_WHAT) or "container"
    if kind not in instances.TYPES:
        raise bad_request("%s: type must be container or vm, got %r" % (_WHAT, kind))
    if kind == "vm" and "vm_support" not in _extensions(sim):
        raise bad_request("%s: this AMS does not support virtual machines (no vm_support extension)" % _WHAT)
    return kind


def _extensions(sim):
    from .server import announced_extensions  # late: server imports nothing from here, keep it that way
    return announced_extensions(sim.options)


async def list_instances(request):
    _require_support(request)
    sim = sim_of(request)
    expand = recursion(request)
    wanted = {key: request.query[key] for key in _FILTERS if key in request.query}
    offset, limit = _page(request)
    if not wanted and not expand and offset == 0 and limit is None:
        rows = sim.store.all("SELECT id FROM containers ORDER BY rowid")
        return envelopes.sync(["/1.0/instances/" + row["id"] for row in rows])
    selected = [item for item in instances.all_views(sim.store) if _matches(item, wanted)]
    selected = selected[offset:] if limit is None else selected[offset:offset + limit]
    if expand:
        return envelopes.sync(selected)
    return envelopes.sync(["/1.0/instances/" + item["id"] for item in selected])


def _page(request):
    values = []
    for key in ("offset", "limit"):
        raw = request.query.get(key)
        if raw is None or raw == "":
            values.append(None)
            continue
        try:
            number = int(raw)
        except ValueError:
            raise bad_request("%s must be a whole number, got %r" % (key, raw))
        if number < 0:
            raise bad_request("%s must not be negative, got %d" % (key, number))
        values.append(number)
    return values[0] or 0, values[1]


def _matches(item, wanted):
    for key, raw in wanted.items():
        if key == "tags":
            tags = set(item.get("tags") or ())
            if not all(tag.strip() in tags for tag in raw.split(",") if tag.strip()):
                return False
        elif key == "base":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise bad_request("base must be true or false, got %r" % raw)
            if item["base"] != (raw.lower() in ("true", "1")):
                return False
        elif str(item[key]) != raw:
            return False
    return True


async def create(request):
    _require_support(request)
    sim = sim_of(request)
    no_wait = _no_wait(request)
    body = await read_json(request)
    reject_unknown(body, _FIELDS, _WHAT)
    if body.get("source"):
        raise bad_request("%s: creating an instance from another instance (source) is not supported by this "
                          "simulator" % _WHAT)
    name = field(body, "name", str, what=_WHAT) or ""
    if name:
        instances.check_name(name)
    kind = _launch_type(sim, body)
    if _given(body, "app_id") == _given(body, "image_id"):
        raise bad_request("%s: give exactly one of app_id or image_id" % _WHAT)
    field(body, "app_id", str, what=_WHAT)
    field(body, "image_id", str, what=_WHAT)
    res = _resources(body)
    container_config, extra_config = _config(body)
    source = _from_application(sim, body, res) if _given(body, "app_id") else _from_image(sim, body, res)
    addons = _addons(sim, body)
    no_start = field(body, "no_start", bool, default=False, what=_WHAT)
    spec = container_factory.LaunchSpec(
        "regular", node=field(body, "node", str, what=_WHAT) or None, services=parse_services(body, _WHAT),
        config=container_config, user_data=field(body, "user_data", str, default="", what=_WHAT),
        tags=string_list(body, "tags", _WHAT) or [], **source)
    extra = {"type": kind, "addons": addons, "desired_status": "stopped" if no_start else "running",
             "config": extra_config,
             "resources": {"gpu-type": res["gpu-type"], "vpu-slots": res["vpu-slots"] or 0,
                           "no_disk_reserve": res["no_disk_reserve"]}}
    with sim.store.transaction():
        if name and instances.find(sim.store, name) is not None:
            raise conflict("an instance named %s already exists" % name)
        data = container_factory.create(sim.store, spec)
        instance_id = data["id"]
        if name:
            data["name"] = name
            repo.save_container(sim.store, data)
        instances.save_extras(sim.store, instance_id, data["name"], extra)
        resources = {"instances": ["/1.0/instances/" + instance_id]}
        if no_wait:
            op = sim.ops.create(
                "Creating instance", resources,
                rollback=[("DELETE FROM node_ports WHERE container_id = ?", [instance_id]),
                          ("DELETE FROM instances WHERE id = ?", [instance_id]),
                          ("DELETE FROM containers WHERE id = ?", [instance_id])],
                after=lambda: sim.instance_lifecycle.schedule(instance_id))
        else:
            op = sim.ops.create_external("Creating instance", resources)
    if not no_wait:
        sim.instance_lifecycle.finish_operation_when_settled(op["id"], instance_id, extra["desired_status"])
        sim.instance_lifecycle.schedule(instance_id)
    sim.events.lifecycle("container-created", "/1.0/containers/" + instance_id)
    return envelopes.async_operation(op)


# -- one instance -------------------------------------------------------------------------
def _instance(request):
    _require_support(request)
    return instances.get(sim_of(request).store, request.match_info["id_or_name"])


async def get(request):
    sim = sim_of(request)
    data = instances.view(sim.store, _instance(request))
    return envelopes.sync(data, etag=etag_of(data))


def _patch_body(body):
    what = "instance update"
    reject_unknown(body, ("desired_status", "config"), what)
    desired = field(body, "desired_status", str, what=what) or None
    if desired is not None and desired not in instances.DESIRED:
        raise bad_request("%s: desired_status must be running or stopped, got %r" % (what, desired))
    config = field(body, "config", dict, default={}, what=what)
    reject_unknown(config, ("security",), what + ": config")
    security = field(config, "security", dict, default={}, what=what + ": config")
    reject_unknown(security, ("delete_protected",), what + ": config.security")
    protected = field(security, "delete_protected", bool, what=what + ": config.security")
    if desired is None and protected is None:
        raise bad_request("%s: nothing to change: give desired_status and/or config.security.delete_protected" % what)
    return desired, protected


async def update(request):
    sim = sim_of(request)
    no_wait = _no_wait(request)
    data = _instance(request)
    instance_id = data["id"]
    check_if_match(request, etag_of(instances.view(sim.store, data)))
    desired, protected = _patch_body(await read_json(request))
    wait = False
    with sim.store.transaction():
        extra = instances.extras(sim.store, instance_id)
        if desired is not None:
            if data["status"] != desired:
                _check_can_move(data, desired)
                wait = True
            extra["desired_status"] = desired
        if protected is not None:
            extra["config"]["security"]["delete_protected"] = protected
        instances.save_extras(sim.store, instance_id, data["name"], extra)
        resources = {"instances": ["/1.0/instances/" + instance_id]}
        if wait and not no_wait:
            op = sim.ops.create_external("Updating instance", resources)
        else:
            op = sim.ops.create("Updating instance", resources)
    if wait:
        if not no_wait:
            sim.instance_lifecycle.finish_operation_when_settled(op["id"], instance_id, desired)
        sim.instance_lifecycle.schedule(instance_id)
    return envelopes.async_operation(op)


def _check_can_move(data, desired):
    code = data["status_code"]
    if code == -1:
        raise bad_request("instance %s is in error state (%s); it cannot be %s" % (
            data["name"], data["error_message"], "started" if desired == "running" else "stopped"))
    if code in (1, 2, 3):
        raise bad_request("instance %s is %s; wait until it is running or stopped before changing its status"
                          % (data["name"], data["status"]))


async def delete(request):
    sim = sim_of(request)
    data = _instance(request)
    instance_id, name = data["id"], data["name"]
    check_if_match(request, etag_of(instances.view(sim.store, data)))
    body = await read_json(request, required=False)
    reject_unknown(body, ("force",), "instance removal")
    field(body, "force", bool, what="instance removal")
    instances.refuse_if_protected(sim.store, data)
    return envelopes.async_operation(remove(sim, instance_id, name, "Deleting instance",
                                            {"instances": ["/1.0/instances/" + instance_id]}))


def remove(sim, instance_id, name, description, resources):
    """The operation that deletes one instance/container after --operation-delay."""

    def apply():
        repo.delete_container_rows(sim.store, "id = ?", (instance_id,))

    def after():
        sim.instance_lifecycle.forget(instance_id, name)
        sim.events.lifecycle("container-deleted", "/1.0/containers/" + instance_id)

    return sim.ops.create(description, resources, apply=apply, after=after)


def _logs(sim, data):
    row = sim.store.one("SELECT logs FROM containers WHERE id = ?", (data["id"],))
    return json.loads(row["logs"]) if row else {}


async def list_logs(request):
    sim = sim_of(request)
    data = _instance(request)
    prefix = "/1.0/instances/%s/logs/" % data["id"]
    return envelopes.sync([prefix + name for name in sorted(_logs(sim, data))])


async def get_log(request):
    sim = sim_of(request)
    data = _instance(request)
    name = request.match_info["name"]
    logs = _logs(sim, data)
    if name not in logs:
        raise not_found("instance %s has no log file %s" % (data["name"], name))
    return web.Response(text=logs[name], content_type="text/plain")


def routes(router):
    router.add_get("/1.0/instances", list_instances)
    router.add_post("/1.0/instances", create)
    router.add_get("/1.0/instances/{id_or_name}", get)
    router.add_patch("/1.0/instances/{id_or_name}", update)
    router.add_delete("/1.0/instances/{id_or_name}", delete)
    router.add_get("/1.0/instances/{id_or_name}/logs", list_logs)
    router.add_get("/1.0/instances/{id_or_name}/logs/{name}", get_log)
