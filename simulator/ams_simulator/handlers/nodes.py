"""/1.0/nodes: LXD nodes of the cluster."""

import ipaddress
import re

from .. import envelopes, object_meta, repo
from ..errors import bad_request, conflict
from ..sizes import parse_size
from .common import Field, check_if_match, etag_of, field, read_body, recursion, sim_of, string_list

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_NUMBER = (int, float)
# api.NodesPost of the AMS SDK (no pointers: a zero value is "not given").
CREATE = {"name": Field(str), "address": Field(str), "public_address": Field(str), "trust_password": Field(str),
          "network_bridge_mtu": Field(int), "storage_device": Field(str), "cpus": Field(int),
          "cpu_allocation_rate": Field(_NUMBER), "memory": Field(str), "memory_allocation_rate": Field(_NUMBER),
          "gpu_slots": Field(int), "gpu_encoder_slots": Field(int), "tags": Field(list, items=str),
          "unmanaged": Field(bool), "storage_pool": Field(str), "network_name": Field(str),
          "network_subnet": Field(str), "trust_token": Field(str, unmodelled=True), "network_acl_name": Field(str)}
# api.NodePatch of the AMS SDK (pointers: null is "not given"; 0, false and [] are values).
PATCH = {"public_address": Field(str, pointer=True), "cpus": Field(int, pointer=True),
         "cpu_allocation_rate": Field(_NUMBER, pointer=True), "memory": Field(str, pointer=True),
         "memory_allocation_rate": Field(_NUMBER, pointer=True), "gpu_slots": Field(int, pointer=True),
         "gpu_encoder_slots": Field(int, pointer=True), "tags": Field(list, pointer=True, items=str),
         "unschedulable": Field(bool, pointer=True), "unscheduable": Field(bool, pointer=True),
         "gpus": Field(list, unmodelled=True), "subnet": Field(str, pointer=True, unmodelled=True)}
# AMS before 1.20 (--legacy-unscheduable) knows only the old spelling.
LEGACY_PATCH = {key: value for key, value in PATCH.items() if key != "unschedulable"}
DELETE = {"force": Field(bool), "keep_in_cluster": Field(bool)}
UNSCHEDULABLE, LEGACY_UNSCHEDULABLE = "unschedulable", "unscheduable"
DEFAULTS = {"cpus": 8, "cpu_allocation_rate": 4, "memory": "16GB", "memory_allocation_rate": 2,
            "network_bridge_mtu": 1500, "gpu_slots": 0, "gpu_encoder_slots": 0, "storage_pool": "ams0",
            "disk_size": "100GB", "network_name": "amsbr0", "network_subnet": "192.168.100.1/24"}


def _address(value, what):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise bad_request("%s must be an IP address, got %r" % (what, value))
    return value


def _positive_int(body, key, what, minimum=1):
    value = field(body, key, int, what=what)
    if value is not None and value < minimum:
        raise bad_request("%s: field %r must be at least %d, got %d" % (what, key, minimum, value))
    return value


def _rate(body, key, what):
    value = field(body, key, (int, float), what=what)
    if value is not None and value <= 0:
        raise bad_request("%s: field %r must be greater than 0, got %s" % (what, key, value))
    return value


def validate_updates(body, what):
    """Checked values of the updatable node fields present in body."""
    updates = {}
    if "public_address" in body:
        updates["public_address"] = _address(field(body, "public_address", str, required=True, what=what),
                                             "public_address")
    for key in ("cpus",):
        if key in body:
            updates[key] = _positive_int(body, key, what)
    for key in ("gpu_slots", "gpu_encoder_slots"):
        if key in body:
            updates[key] = _positive_int(body, key, what, minimum=0)
    for key in ("cpu_allocation_rate", "memory_allocation_rate"):
        if key in body:
            updates[key] = _rate(body, key, what)
    if "memory" in body:
        memory = field(body, "memory", str, required=True, what=what)
        parse_size(memory, "%s: field 'memory'" % what)
        updates["memory"] = memory
    if "tags" in body:
        updates["tags"] = string_list(body, "tags", what) or []
    if UNSCHEDULABLE in body:
        updates[UNSCHEDULABLE] = body[UNSCHEDULABLE]
    return {key: value for key, value in updates.items() if value is not None}


def render(sim, data):
    """The node object as this server reports it: AMS before 1.20 spells `unscheduable`."""
    if sim.options.legacy_unscheduable:
        data = dict(data)
        data[LEGACY_UNSCHEDULABLE] = data.pop(UNSCHEDULABLE)
    return data


async def list_nodes(request):
    sim = sim_of(request)
    if recursion(request):
        if sim.options.legacy_unscheduable:
            return envelopes.sync([render(sim, node) for node in repo.all_of(sim.store, "node")])
        return envelopes.sync_raw(repo.listing(sim.store, "node"))
    return envelopes.sync(["/1.0/nodes/" + name for name in repo.keys(sim.store, "node")])


async def create(request):
    sim = sim_of(request)
    what = "node"
    body = await read_body(request, CREATE, what)
    name = field(body, "name", str, required=True, what=what)
    if not _NAME.match(name):
        raise bad_request("node: name %r may only hold letters, digits, '.', '_' and '-'" % name)
    address = _address(field(body, "address", str, required=True, what=what), "address")
    settings = dict(DEFAULTS)
    settings.update(validate_updates(body, what))
    for key in ("network_bridge_mtu",):
        if key in body:
            settings[key] = _positive_int(body, key, what, minimum=576)
    for key in ("storage_pool", "network_name", "storage_device", "network_acl_name"):
        if key in body:
            settings[key] = field(body, key, str, what=what)
    if "network_subnet" in body:
        subnet = field(body, "network_subnet", str, what=what)
        try:
            interface = ipaddress.ip_interface(subnet)
        except ValueError:
            raise bad_request("node: network_subnet must look like 192.168.100.1/24, got %r" % subnet)
        if interface.network.num_addresses < 4:
            raise bad_request("node: network_subnet %s is too small" % subnet)
        settings["network_subnet"] = subnet
    unmanaged = field(body, "unmanaged", bool, default=False, what=what)
    if repo.find(sim.store, "node", name) is not None:
        raise conflict("node %s already exists" % name)
    if repo.node_with_address(sim.store, address):
        raise conflict("a node with address %s already exists" % address)

    is_first = repo.count(sim.store, "node") == 0
    data = {
        "name": name, "address": address, "public_address": settings.get("public_address", address),
        "network_bridge_mtu": settings["network_bridge_mtu"], "cpus": settings["cpus"],
        "cpu_allocation_rate": settings["cpu_allocation_rate"], "memory": settings["memory"],
        "memory_allocation_rate": settings["memory_allocation_rate"], "is_master": is_first,
        "disk_size": settings["disk_size"], "gpu_slots": settings["gpu_slots"],
        "gpu_encoder_slots": settings["gpu_encoder_slots"], "tags": settings.get("tags", []),
        "unschedulable": False, "architecture": "x86_64", "storage_pool": settings["storage_pool"],
        "managed": not unmanaged,
    }
    object_meta.set_status(data, object_meta.NODE, 1)
    private = {"network_name": settings["network_name"], "network_subnet": settings["network_subnet"],
               "storage_device": settings.get("storage_device", ""),
               "network_acl_name": settings.get("network_acl_name", "")}

    def apply():
        current = repo.get(sim.store, "node", name)
        repo.save(sim.store, "node", object_meta.set_status(current, object_meta.NODE, 4))

    fail = None
    if sim.failures.matches("node", name):
        fail = "failed to add node %s: LXD at %s did not respond (simulated failure)" % (name, address)
    with sim.store.transaction():
        repo.insert(sim.store, "node", data, private=private)
        op = sim.ops.create("Creating node", {"nodes": ["/1.0/nodes/" + name]}, apply=apply,
                            rollback=[repo.undo_step("delete", kind="node", key=name)], fail_with=fail)
    return envelopes.async_operation(op)


async def get(request):
    sim = sim_of(request)
    data = render(sim, repo.get(sim.store, "node", request.match_info["name"]))
    return envelopes.sync(data, etag=etag_of(data))


async def patch(request):
    sim = sim_of(request)
    name = request.match_info["name"]
    current = repo.get(sim.store, "node", name)
    legacy = sim.options.legacy_unscheduable
    body = await read_body(request, LEGACY_PATCH if legacy else PATCH, "node %s" % name,
                           hints={UNSCHEDULABLE: LEGACY_UNSCHEDULABLE} if legacy else None)
    # The old spelling is what AMS before 1.20 reads, and a deprecated alias after it.
    if LEGACY_UNSCHEDULABLE in body:
        value = body.pop(LEGACY_UNSCHEDULABLE)
        body.setdefault(UNSCHEDULABLE, value)
    updates = validate_updates(body, "node %s" % name)
    if sim.stale_etag.change_concurrently(sim.store, request, "node", name):
        current = repo.get(sim.store, "node", name)
    check_if_match(request, etag_of(render(sim, current)))

    def apply():
        node = repo.get(sim.store, "node", name)
        node.update(updates)
        repo.save(sim.store, "node", node)

    op = sim.ops.create("Updating node %s" % name, {"nodes": ["/1.0/nodes/" + name]}, apply=apply)
    return envelopes.async_operation(op)


async def delete(request):
    sim = sim_of(request)
    name = request.match_info["name"]
    current = repo.get(sim.store, "node", name)
    body = await read_body(request, DELETE, "node removal", required=False)
    force = body.get("force", False)
    check_if_match(request, etag_of(render(sim, current)))
    in_use = repo.count_containers(sim.store, node=name)
    if in_use and not force:
        raise conflict("node %s still hosts %d container(s); remove them first or use force" % (name, in_use))

    def apply():
        repo.delete_containers(sim.store, node=name)
        repo.delete(sim.store, "node", name)

    op = sim.ops.create("Deleting node", {"nodes": ["/1.0/nodes/" + name]}, apply=apply)
    return envelopes.async_operation(op)


def routes(router):
    router.add_get("/1.0/nodes", list_nodes)
    router.add_post("/1.0/nodes", create)
    router.add_get("/1.0/nodes/{name}", get)
    router.add_patch("/1.0/nodes/{name}", patch)
    router.add_delete("/1.0/nodes/{name}", delete)
