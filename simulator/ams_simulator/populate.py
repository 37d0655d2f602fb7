"""--populate-nodes / --populate-containers: bulk state written straight into SQLite for benchmarks."""

import hashlib
import io
import math
import os
import tarfile

from . import instance_types, object_meta, repo
from .object_meta import unix_now
from .db import dumps

IMAGE_NAME = "populated-image"
APP_NAME = "populated-app"
INSTANCE_TYPE = "a2.3"
_MAX_NODES = 250


def _package(mode, name, data):
    """A tiny but real package (one YAML file) so exports and fingerprints work."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _store_blob(sim, data):
    sha = hashlib.sha256(data).hexdigest()
    path = sim.blobs.path(sha)
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as handle:
            handle.write(data)
        os.replace(path + ".tmp", path)
    return sha, len(data)


def _nodes(count, per_node):
    size = instance_types.TYPES[INSTANCE_TYPE]
    cpus, memory_gb = 64, 256
    cpu_rate = max(4, math.ceil(per_node * size["cpus"] / cpus) + 1)
    memory_rate = max(2, math.ceil(per_node * size["memory"] / (memory_gb * 10 ** 9)) + 1)
    rows = []
    for index in range(count):
        name = "pop-node-%d" % index
        address = "10.254.%d.%d" % (index // 250, index % 250 + 1)
        data = {"name": name, "address": address, "public_address": address, "network_bridge_mtu": 1500,
                "cpus": cpus, "cpu_allocation_rate": cpu_rate, "memory": "%dGB" % memory_gb,
                "memory_allocation_rate": memory_rate, "is_master": index == 0, "disk_size": "1000GB",
                "gpu_slots": 0, "gpu_encoder_slots": 0, "tags": ["populated"], "unschedulable": False,
                "architecture": "x86_64", "storage_pool": "ams0", "managed": True}
        object_meta.set_status(data, object_meta.NODE, 4)
        private = {"network_name": "amsbr0", "network_subnet": "10.%d.0.1/16" % (index + 1), "storage_device": "",
                   "network_acl_name": ""}
        rows.append((data, private))
    return rows


def _address(node_index, slot):
    slot += 2  # .0.1 is the bridge
    return "10.%d.%d.%d" % (node_index + 1, slot // 256, slot % 256)


def populate(sim, node_count, container_count):
    """Insert nodes, one image, one application and containers in one transaction (once per state dir)."""
    if sim.store.get_meta("populated"):
        return False
    if node_count > _MAX_NODES:
        raise ValueError("--populate-nodes is limited to %d" % _MAX_NODES)
    per_node = math.ceil(container_count / node_count) if node_count else 0
    now = unix_now()
    image_sha, image_size = _store_blob(sim, _package("w:gz", "metadata.yaml", b"architecture: x86_64\n"))
    image_id, app_id = object_meta.new_id(), object_meta.new_id()
    image = {"id": image_id, "name": IMAGE_NAME, "versions": [object_meta.set_status(
        {"version": 0, "fingerprint": image_sha, "size": image_size, "created_at": now, "remote_id": ""},
        object_meta.IMAGE, 3)], "used_by": None, "immutable": False, "default": False, "architecture": "x86_64"}
    object_meta.set_status(image, object_meta.IMAGE, 3)
    manifest = {"name": APP_NAME, "instance-type": INSTANCE_TYPE, "image": IMAGE_NAME}
    app_sha, _size = _store_blob(sim, _package("w:bz2", "manifest.yaml", dumps(manifest).encode()))
    version = {"number": 0, "manifest_version": "", "parent_image_id": image_id, "parent_image_version": 0,
               "published": True, "created_at": now, "boot_activity": "", "required_permissions": None,
               "addons": [], "extra_data": {}, "error_message": "", "video_encoder": "gpu-preferred",
               "watchdog": {"disabled": False, "allowed-packages": None}}
    object_meta.set_status(version, object_meta.VERSION, 3)
    app = {"id": app_id, "name": APP_NAME, "instance_type": INSTANCE_TYPE, "boot_package": "", "parent_image_id":
           image_id, "published": True, "versions": [version], "addons": [], "created_at": now, "immutable": False,
           "tags": None, "resources": {"gpu-slots": -1}, "abi": "x86_64", "inhibit_auto_updates": False}
    object_meta.set_status(app, object_meta.APPLICATION, 2)
    size = instance_types.TYPES[INSTANCE_TYPE]
    resources = instance_types.resources_object(size["cpus"], size["memory"], size["disk"], 0)
    node_rows = _nodes(node_count, per_node)
    containers = []
    for index in range(container_count):
        node_index = index % node_count
        node_name, node_address = node_rows[node_index][0]["name"], node_rows[node_index][0]["address"]
        container_id = object_meta.new_id()
        address = _address(node_index, index // node_count)
        data = {"id": container_id, "name": "ams-" + container_id, "type": "regular", "node": node_name,
                "app_id": app_id, "app_name": APP_NAME, "app_version": 0, "image_id": "", "image_version": 0,
                "created_at": now, "address": address, "public_address": node_address, "services": [],
                "stored_logs": None, "error_message": "", "config": {"platform": "null", "boot_package": "",
                                                                     "boot_activity": "", "metrics_server": ""},
                "resources": resources, "architecture": "x86_64", "tags": []}
        object_meta.set_status(data, object_meta.CONTAINER, 4)
        containers.append((data, {"app_version": 0, "image_version": None, "cpu": size["cpus"],
                                  "memory": size["memory"], "gpu_slots": 0}))
    with sim.store.transaction():
        for data, private in node_rows:
            repo.insert(sim.store, "node", data, private=private)
        if container_count:
            repo.insert(sim.store, "image", image)
            repo.add_version(sim.store, "image", image_id, 0, image_sha, {"architecture": "x86_64"})
            repo.insert(sim.store, "application", app)
            repo.add_version(sim.store, "application", app_id, 0, app_sha, manifest)
            repo.insert_containers(sim.store, containers)
        sim.store.set_meta("populated", "%d nodes, %d containers" % (node_count, container_count))
    return True
