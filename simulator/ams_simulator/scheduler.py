"""Placing containers on nodes by capacity, and handing out addresses and node ports."""

import ipaddress

from . import instance_types, repo
from .errors import bad_request
from .sizes import parse_size

NODE_PORT_FIRST, NODE_PORT_LAST = 10000, 11000
ONLINE = 4


class Requirement:
    def __init__(self, cpus, memory, disk, gpu_slots, vpu_slots=0):
        self.cpus = cpus
        self.memory = memory
        self.disk = disk
        self.gpu_slots = gpu_slots
        self.vpu_slots = vpu_slots  # reported on the container; nodes have no VPUs to schedule them on

    def describe(self):
        return "%s cpu, %.1fGB memory%s" % (self.cpus, self.memory / 1e9,
                                            ", %d gpu slot(s)" % self.gpu_slots if self.gpu_slots > 0 else "")


def requirement(instance_type, resources=None, cpu=None, memory=None, disk=None, gpu_slots=None, vpu_slots=None):
    """Instance-type sizes, overridden by application `resources`, overridden by explicit launch values."""
    base = instance_types.TYPES.get(instance_type) or {"cpus": 0, "memory": 0, "disk": 3 * 10 ** 9, "gpu_slots": 0}
    resources = resources or {}
    cpus = resources.get("cpus", base["cpus"])
    mem = parse_size(resources["memory"], "resources.memory") if "memory" in resources else base["memory"]
    dsk = parse_size(resources["disk-size"], "resources.disk-size") if "disk-size" in resources else base["disk"]
    gpu = resources.get("gpu-slots", base["gpu_slots"])
    gpu = base["gpu_slots"] if gpu is None or gpu < 0 else gpu
    vpu = resources.get("vpu-slots") or 0
    return Requirement(cpu if cpu is not None else cpus, memory if memory is not None else mem,
                       disk if disk is not None else dsk, gpu_slots if gpu_slots is not None else gpu,
                       vpu_slots if vpu_slots is not None else vpu)


def node_capacity(node):
    """(cpu, memory bytes, gpu slots) the scheduler may hand out on this node."""
    return (node["cpus"] * node["cpu_allocation_rate"],
            parse_size(node["memory"], "node memory") * node["memory_allocation_rate"],
            node["gpu_slots"])


def _usage(store):
    return repo.node_usage(store)


def _free(node, used):
    cpu, memory, gpu = node_capacity(node)
    used_cpu, used_memory, used_gpu = used.get(node["name"], (0, 0, 0))
    return cpu - used_cpu, memory - used_memory, gpu - used_gpu


def _fits(free, need):
    return free[0] >= need.cpus and free[1] >= need.memory and free[2] >= need.gpu_slots


def place(store, need, strategy, node_name=None):
    """The node to launch on; 400 with the reason when none fits."""
    used = _usage(store)
    if node_name is not None:
        node = repo.find(store, "node", node_name)
        if node is None:
            raise bad_request("node %s does not exist" % node_name)
        if node["status_code"] != ONLINE:
            raise bad_request("node %s is not online (status %s)" % (node_name, node["status"]))
        if node["unschedulable"]:
            raise bad_request("node %s is unschedulable" % node_name)
        if not _fits(_free(node, used), need):
            raise bad_request("node %s has not enough free capacity for the container (needs %s)"
                              % (node_name, need.describe()))
        return node
    candidates = [node for node in repo.all_of(store, "node")
                  if node["status_code"] == ONLINE and not node["unschedulable"]]
    if not candidates:
        raise bad_request("no online, schedulable node to launch the container on")
    fitting = [(node, _free(node, used)) for node in candidates]
    fitting = [(node, free) for node, free in fitting if _fits(free, need)]
    if not fitting:
        raise bad_request("no node has enough free capacity for the container (needs %s)" % need.describe())
    if strategy == "binpack":
        fitting.sort(key=lambda item: (item[1][0], item[1][1], item[0]["name"]))
    else:
        fitting.sort(key=lambda item: (-item[1][0], -item[1][1], item[0]["name"]))
    return fitting[0][0]


def allocate_address(store, node_name):
    private = repo.node_private(store, node_name)
    interface = ipaddress.ip_interface(private["network_subnet"])
    taken = repo.addresses_on(store, node_name)
    taken.add(str(interface.ip))
    for host in interface.network.hosts():
        text = str(host)
        if text not in taken:
            return text
    raise bad_request("node %s has no free address left in %s" % (node_name, interface.network))


def allocate_node_ports(store, node_name, container_id, services):
    """Give each service a node_port block from 10000-11000 unique on the node; records them."""
    taken = repo.node_ports_on(store, node_name)
    result = []
    for service in services:
        width = service.get("port_end", service["port"]) - service["port"] + 1
        start = _free_block(taken, width)
        if start is None:
            raise bad_request("node %s has no free node port block of %d in %d-%d"
                              % (node_name, width, NODE_PORT_FIRST, NODE_PORT_LAST))
        ports = range(start, start + width)
        taken.update(ports)
        repo.take_node_ports(store, node_name, container_id, ports)
        entry = dict(service)
        entry["node_port"] = start
        if "port_end" in service:
            entry["node_port_end"] = start + width - 1
        result.append(entry)
    return result


def _free_block(taken, width):
    start = NODE_PORT_FIRST
    while start + width - 1 <= NODE_PORT_LAST:
        clash = [port for port in range(start, start + width) if port in taken]
        if not clash:
            return start
        start = clash[-1] + 1
    return None


def strategy(store):
    return repo.config_value(store, "scheduler.strategy", "spread")
