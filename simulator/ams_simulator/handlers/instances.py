"""/1.0/instances: named instances (containers or VMs) with a lifecycle; the same objects as /1.0/containers."""

from aiohttp import web

from .. import container_factory, envelopes, extensions, instances, repo, scheduler
from ..errors import bad_request, conflict, not_found
from .common import FORCE, Field, check_if_match, etag_of, read_body, recursion, sim_of
from .containers import SERVICE, launch_operation, parse_services

_WHAT = "instance launch"
_PLATFORMS = ("null", "swrast", "webrtc")
_DISPLAY = {key: Field(int) for key in instances.DISPLAY_KEYS}
_RESOURCES = {"cpus": Field(int, pointer=True), "disk_size": Field(int, pointer=True), "memory": Field(int, pointer=True),
              "gpu-slots": Field(int, pointer=True), "gpu-type": Field(str, pointer=True),
              "vpu-slots": Field(int, pointer=True), "no_disk_reserve": Field(bool, pointer=True)}
_CONFIG = {"platform": Field(str), "boot_package": Field(str), "boot_activity": Field(str),
           "metrics_server": Field(str), "disable_watchdog": Field(bool), "features": Field(str),
           "devmode": Field(bool), "enable_streaming": Field(bool), "display": Field(dict, fields=_DISPLAY),
           "security": Field(dict, fields={"delete_protected": Field(bool, pointer=True)})}
# api.InstancesPost of the AMS SDK: what AMS reads from a launch request.
LAUNCH = {
    "name": Field(str), "type": Field(str), "app_id": Field(str), "app_version": Field(int, pointer=True),
    "image_id": Field(str), "image_version": Field(int, pointer=True), "node": Field(str),
    "user_data": Field(str, pointer=True), "addons": Field(list, items=str), "services": Field(list, items=SERVICE),
    "resources": Field(dict, fields=_RESOURCES), "tags": Field(list, items=str), "config": Field(dict, fields=_CONFIG),
    "no_start": Field(bool), "source": Field(dict, fields={"type": Field(str), "id": Field(str)}),
}
# The container launch and the instance view spell these differently from what an instance launch reads.
LAUNCH_HINTS = {"instance_type": "resources", "cpus": "resources.cpus", "memory": "resources.memory",
                "disk_size": "resources.disk_size", "gpu-slots": "resources.gpu-slots",
                "resources.disk-size": "resources.disk_size"}
# api.InstancePatch.
PATCH = {"desired_status": Field(str, pointer=True),
         "config": Field(dict, fields={"security": Field(dict, fields={"delete_protected": Field(bool, pointer=True)})})}
# An instance launched from an image without resources gets what instance type a2.3 gives.
_IMAGE_DEFAULTS = "a2.3"
_FILTERS = ("id", "name", "base", "type", "status", "node", "app_id", "app_name", "app_version", "image_id",
            "image_version", "tags")


def _require_support(request):
    """An older AMS (--without-instances, or instance_support disabled) has no /1.0/instances at all."""
    extensions.require(sim_of(request), "instance_support", "%s %s" % (request.method, request.path), status=404)


def _no_wait(request):
    raw = request.query.get("no_wait", "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise bad_request("no_wait must be true or false, got %r" % request.query["no_wait"])
    return raw in ("true", "1")


def _non_negative(body, key, what):
    value = body.get(key)
    if value is not None and value < 0:
        raise bad_request("%s: field %r must not be negative, got %d" % (what, key, value))
    return value


# -- launch -------------------------------------------------------------------------------
def _resources(body):
    what = "%s: resources" % _WHAT
    res = body.get("resources", {})
    cpus = res.get("cpus")
    if cpus is not None and cpus < 1:
        raise bad_request("%s: field 'cpus' must be at least 1, got %d" % (what, cpus))
    values = {"cpus": cpus}
    for key in ("memory", "disk_size", "gpu-slots", "vpu-slots"):
        values[key] = _non_negative(res, key, what)
    gpu_type = res.get("gpu-type")
    if gpu_type and gpu_type not in instances.GPU_TYPES:
        raise bad_request("%s: gpu-type must be one of %s, got %r" % (what, ", ".join(instances.GPU_TYPES), gpu_type))
    values["gpu-type"] = gpu_type or ""
    values["no_disk_reserve"] = bool(res.get("no_disk_reserve"))
    return values


def _config(body):
    what = "%s: config" % _WHAT
    config = body.get("config", {})
    if config.get("platform") and config["platform"] not in _PLATFORMS:
        raise bad_request("%s: platform must be one of %s, got %r" % (what, ", ".join(_PLATFORMS), config["platform"]))
    display = config.get("display", {})
    display = {key: _non_negative(display, key, what + ".display") or 0 for key in instances.DISPLAY_KEYS}
    protected = bool(config.get("security", {}).get("delete_protected"))
    container_config = {key: config[key] for key in ("platform", "boot_package", "boot_activity", "metrics_server",
                                                     "disable_watchdog", "devmode") if config.get(key)}
    extra = {"enable_streaming": bool(config.get("enable_streaming")), "features": config.get("features") or "",
             "display": display, "security": {"delete_protected": protected}}
    return container_config, extra


def _from_application(sim, body, res):
    ref = body["app_id"]
    app = repo.find(sim.store, "application", ref)
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
    manifest = repo.version_document(sim.store, "application", app["id"], version["number"])
    need = scheduler.requirement(app["instance_type"] or None, app.get("resources") or manifest.get("resources"),
                                 **_sizes(res))
    return dict(app=app, app_version=version["number"], need=need)


def _sizes(res):
    return dict(cpu=res["cpus"], memory=res["memory"], disk=res["disk_size"], gpu_slots=res["gpu-slots"],
                vpu_slots=res["vpu-slots"])


def _from_image(sim, body, res):
    ref = body["image_id"]
    image = repo.find(sim.store, "image", ref)
    if image is None:
        raise bad_request("%s: image %r does not exist" % (_WHAT, ref))
    number = _non_negative(body, "image_version", _WHAT)
    versions = [v["version"] for v in image["versions"]]
    if number is None:
        number = max(versions)
    elif number not in versions:
        raise bad_request("%s: image %s has no version %d" % (_WHAT, image["name"], number))
    need = scheduler.requirement(_IMAGE_DEFAULTS, None, **_sizes(res))
    return dict(image=image, image_version=number, need=need)


def _addons(sim, body):
    names = body.get("addons", [])
    for name in names:
        if not repo.exists(sim.store, "addon", name):
            raise bad_request("%s: addon %r does not exist" % (_WHAT, name))
    return names


def _launch_type(sim, body):
    kind = body.get("type", "container")
    if kind not in instances.TYPES:
        raise bad_request("%s: type must be container or vm, got %r" % (_WHAT, kind))
    if kind == "vm":
        extensions.require(sim, "vm_support", "%s of a virtual machine (type vm)" % _WHAT)
    return kind


async def list_instances(request):
    _require_support(request)
    sim = sim_of(request)
    expand = recursion(request)
    wanted = {key: request.query[key] for key in _FILTERS if key in request.query}
    offset, limit = _page(request)
    if not wanted and not expand and offset == 0 and limit is None:
        return envelopes.sync(["/1.0/instances/" + key for key in repo.keys(sim.store, "container")])
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
    body = await read_body(request, LAUNCH, _WHAT, hints=LAUNCH_HINTS)
    if body.get("source"):
        raise bad_request("%s: creating an instance from another instance (source) is not supported by this "
                          "simulator" % _WHAT)
    name = body.get("name", "")
    if name:
        instances.check_name(name)
    kind = _launch_type(sim, body)
    if ("app_id" in body) == ("image_id" in body):
        raise bad_request("%s: give exactly one of app_id or image_id" % _WHAT)
    res = _resources(body)
    container_config, extra_config = _config(body)
    source = _from_application(sim, body, res) if "app_id" in body else _from_image(sim, body, res)
    addons = _addons(sim, body)
    spec = container_factory.LaunchSpec(
        "regular", node=body.get("node"), services=parse_services(body, _WHAT), config=container_config,
        user_data=body.get("user_data", ""), tags=body.get("tags", []), **source)
    desired = "stopped" if body.get("no_start") else "running"
    extra = {"type": kind, "addons": addons, "desired_status": desired, "config": extra_config,
             "resources": {"gpu-type": res["gpu-type"], "vpu-slots": res["vpu-slots"] or 0,
                           "no_disk_reserve": res["no_disk_reserve"]}}
    with sim.store.transaction():
        if name and instances.find(sim.store, name) is not None:
            raise conflict("an instance named %s already exists" % name)
        data = container_factory.create(sim.store, spec)
        instance_id = data["id"]
        if name:
            data["name"] = name
            repo.save(sim.store, "container", data)
        instances.save_extras(sim.store, instance_id, data["name"], extra)
        resources = {"instances": ["/1.0/instances/" + instance_id]}
        if no_wait:
            op = sim.ops.create("Creating instance", resources,
                                rollback=[repo.undo_step("delete_containers", id=instance_id)],
                                after=lambda: sim.instance_lifecycle.start(instance_id, desired))
        else:
            op = launch_operation(sim, data, "Creating instance", resources)
    sim.events.lifecycle("container-created", "/1.0/containers/" + instance_id)
    if not no_wait:
        sim.instance_lifecycle.start(instance_id, desired, op_id=op["id"])
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
    desired = body.get("desired_status")
    if desired is not None and desired not in instances.DESIRED:
        raise bad_request("%s: desired_status must be running or stopped, got %r" % (what, desired))
    protected = body.get("config", {}).get("security", {}).get("delete_protected")
    if desired is None and protected is None:
        raise bad_request("%s: nothing to change: give desired_status and/or config.security.delete_protected" % what)
    return desired, protected


async def update(request):
    sim = sim_of(request)
    no_wait = _no_wait(request)
    data = _instance(request)
    instance_id = data["id"]
    check_if_match(request, etag_of(instances.view(sim.store, data)))
    desired, protected = _patch_body(await read_body(request, PATCH, "instance update"))
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
        sim.instance_lifecycle.start(instance_id, desired, op_id=None if no_wait else op["id"])
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
    await read_body(request, FORCE, "instance removal", required=False)
    instances.refuse_if_protected(sim.store, data)

    def apply():
        repo.delete_containers(sim.store, id=instance_id)

    def after():
        sim.instance_lifecycle.forget(instance_id, name)
        sim.events.lifecycle("container-deleted", "/1.0/containers/" + instance_id)

    op = sim.ops.create("Deleting instance", {"instances": ["/1.0/instances/" + instance_id]}, apply=apply,
                        after=after)
    return envelopes.async_operation(op)


async def list_logs(request):
    sim = sim_of(request)
    data = _instance(request)
    prefix = "/1.0/instances/%s/logs/" % data["id"]
    return envelopes.sync([prefix + name for name in sorted(repo.container_logs(sim.store, data["id"]))])


async def get_log(request):
    sim = sim_of(request)
    data = _instance(request)
    name = request.match_info["name"]
    logs = repo.container_logs(sim.store, data["id"])
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
