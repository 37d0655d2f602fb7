"""Making container rows: placement, address, node ports, the public object."""

from . import instance_types, object_meta, repo, scheduler
from .object_meta import unix_now


class LaunchSpec:
    """Everything needed to create one container."""

    def __init__(self, kind, need, app=None, app_version=None, image=None, image_version=None, node=None,
                 services=(), config=None, user_data="", tags=None):
        self.kind = kind  # "regular" or "base"
        self.need = need
        self.app = app
        self.app_version = app_version
        self.image = image
        self.image_version = image_version
        self.node = node
        self.services = list(services)
        self.config = config or {}
        self.user_data = user_data
        self.tags = tags or []


def create(store, spec, initial_status=1):
    """Insert the container (inside the caller's transaction); returns its public object."""
    node = scheduler.place(store, spec.need, scheduler.strategy(store), spec.node)
    container_id = object_meta.new_id()
    address = scheduler.allocate_address(store, node["name"])
    services = scheduler.allocate_node_ports(store, node["name"], container_id, spec.services)
    app = spec.app or {}
    config = {"platform": "null", "boot_package": app.get("boot_package", ""), "boot_activity": "",
              "metrics_server": ""}
    config.update(spec.config)
    data = {
        "id": container_id, "name": "ams-" + container_id, "type": spec.kind,
        "node": node["name"], "app_id": app.get("id", ""), "app_name": app.get("name", ""),
        "app_version": spec.app_version if spec.app else 0,
        "image_id": spec.image["id"] if spec.image else "", "image_version": spec.image_version or 0,
        "created_at": unix_now(), "address": address, "public_address": node["public_address"],
        "services": services, "stored_logs": None, "error_message": "", "config": config,
        "resources": instance_types.resources_object(spec.need.cpus, spec.need.memory, spec.need.disk,
                                                     spec.need.gpu_slots, spec.need.vpu_slots),
        "architecture": "x86_64", "tags": spec.tags,
    }
    object_meta.set_status(data, object_meta.CONTAINER, initial_status)
    repo.insert_containers(store, [(data, {
        "app_version": data["app_version"] if spec.app else None,
        "image_version": data["image_version"] if spec.image else None,
        "cpu": spec.need.cpus, "memory": spec.need.memory, "gpu_slots": spec.need.gpu_slots})])
    return data
