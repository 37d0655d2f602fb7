"""Instances: the /1.0/instances view of the rows in `containers`.

An instance and a container are one object. The `containers` row holds what both views share (in the
container shape); the `instances` row holds the name and what only the instance view has (type, display,
delete protection, GPU type, VPU slots, the desired status). Containers launched through /1.0/containers
have no `instances` row and get the defaults below.
"""

import re

from . import repo
from .errors import Invalid, NotFound
from .sizes import parse_size

# An RFC 1123 host label, like LXD instance names: letters, digits and "-", 1-63 characters,
# neither starting nor ending with "-", not only digits.
NAME_PATTERN = re.compile(r"^(?!-)(?![0-9]+$)[A-Za-z0-9-]{1,63}(?<!-)$")
TYPES = ("container", "vm")
GPU_TYPES = ("amd", "intel", "nvidia")
DESIRED = ("running", "stopped")
DISPLAY_KEYS = ("width", "height", "fps", "density")


def default_extras():
    return {"type": "container", "addons": [], "desired_status": "running",
            "config": {"enable_streaming": False, "features": "",
                       "display": {key: 0 for key in DISPLAY_KEYS}, "security": {"delete_protected": False}},
            "resources": {"gpu-type": "", "vpu-slots": 0, "no_disk_reserve": False}}


def extras(store, instance_id):
    found = repo.find(store, "instance", instance_id)
    return found if found is not None and found["id"] == instance_id else default_extras()


def is_named(store, instance_id):
    """Whether the instance was launched through /1.0/instances (or changed through it)."""
    found = repo.find(store, "instance", instance_id)
    return found is not None and found["id"] == instance_id


def save_extras(store, instance_id, name, data):
    data = dict(data, id=instance_id, name=name)
    repo.insert(store, "instance", data)


def check_name(name):
    if not NAME_PATTERN.match(name):
        raise Invalid("instance name %r is invalid: use 1-63 letters, digits and '-', not starting or ending "
                      "with '-' and not only digits" % name)


def find(store, id_or_name):
    """The container data of the instance with this id (or ams-<id>) or name; None when there is none."""
    found = repo.find(store, "container", id_or_name)
    if found is None:
        named = repo.find(store, "instance", id_or_name)
        if named is not None:
            found = repo.find(store, "container", named["id"])
    return found


def get(store, id_or_name):
    found = find(store, id_or_name)
    if found is None:
        raise NotFound("instance %s not found" % id_or_name)
    return found


def is_delete_protected(store, instance_id):
    return bool(extras(store, instance_id)["config"]["security"]["delete_protected"])


def refuse_if_protected(store, container):
    if is_delete_protected(store, container["id"]):
        raise Invalid("instance %s is delete protected: set config.security.delete_protected to false "
                      "before deleting it" % container["name"])


def _bytes(text):
    try:
        return parse_size(text, "size") if isinstance(text, str) else int(text or 0)
    except Exception:  # a stored size the parser refuses is shown as 0 rather than breaking every listing
        return 0


def view(store, data, extra=None, image_names=None):
    """The Instance object (field names, types and omitted empty values as AMS's Go server writes them)."""
    extra = extra if extra is not None else extras(store, data["id"])
    stored = data.get("config") or {}
    config = {key: stored[key] for key in ("platform", "boot_package", "boot_activity", "metrics_server")
              if stored.get(key)}
    for key in ("disable_watchdog", "devmode"):
        if stored.get(key):
            config[key] = True
    if extra["config"]["enable_streaming"]:
        config["enable_streaming"] = True
    if extra["config"]["features"]:
        config["features"] = extra["config"]["features"]
    config["display"] = dict(extra["config"]["display"])
    config["security"] = {"delete_protected": bool(extra["config"]["security"]["delete_protected"])}
    res = data.get("resources") or {}
    resources = {"cpus": res.get("cpus"), "memory": _bytes(res.get("memory")),
                 "disk-size": _bytes(res.get("disk-size")), "gpu-slots": res.get("gpu-slots"),
                 "gpu-type": extra["resources"]["gpu-type"],
                 "vpu-slots": res.get("vpu-slots") or extra["resources"]["vpu-slots"],
                 "no_disk_reserve": extra["resources"]["no_disk_reserve"]}
    resources = {key: value for key, value in resources.items() if value}
    image_name = ""
    if data["image_id"]:
        if image_names is not None:
            image_name = image_names.get(data["image_id"], "")
        else:
            image = repo.find(store, "image", data["image_id"])
            image_name = image["name"] if image else ""
    result = {
        "id": data["id"], "name": data["name"], "base": data["type"] == "base", "type": extra["type"],
        "status_code": data["status_code"], "status": data["status"], "node": data["node"],
        "app_id": data["app_id"], "app_name": data["app_name"], "app_version": data["app_version"],
        "image_id": data["image_id"], "image_name": image_name, "image_version": data["image_version"],
        "created_at": data["created_at"], "address": data["address"], "public_address": data["public_address"],
        "services": [dict(service) for service in data["services"]] or None, "stored_logs": data["stored_logs"],
        "error_message": data["error_message"], "status_message": data.get("status_message", ""),
        "config": config, "resources": resources, "architecture": data.get("architecture", ""),
    }
    if data.get("tags"):
        result["tags"] = list(data["tags"])
    return result


def all_views(store):
    """Every instance, in creation order (one query per table)."""
    image_names = {image["id"]: image["name"] for image in repo.all_of(store, "image")}
    extra_rows = {extra["id"]: extra for extra in repo.all_of(store, "instance")}
    return [view(store, data, extra_rows.get(data["id"]) or default_extras(), image_names)
            for data in repo.all_of(store, "container")]
