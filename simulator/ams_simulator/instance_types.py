"""Anbox Cloud instance types (cpu cores, memory, disk, gpu slots), from the Anbox instance-type table."""

from .sizes import format_size

_GB = 10 ** 9

TYPES = {}
for _cores in (2, 4, 6, 8, 10):
    TYPES["a%d.3" % _cores] = {"cpus": _cores, "memory": 3 * _GB, "disk": 3 * _GB, "gpu_slots": 0}
    TYPES["g%d.3" % _cores] = {"cpus": _cores, "memory": 3 * _GB, "disk": 3 * _GB, "gpu_slots": 1}

NAMES = tuple(sorted(TYPES, key=lambda name: (name[0], int(name[1:].split(".")[0]))))


def resources_object(cpus, memory, disk, gpu_slots, vpu_slots=0):
    """The `resources` block of a container object, as the SDK's Container.Resources marshals it (every
    field omitempty, so no GPU or VPU slots means no key)."""
    resources = {"cpus": cpus, "memory": format_size(memory), "disk-size": format_size(disk)}
    if gpu_slots:
        resources["gpu-slots"] = gpu_slots
    if vpu_slots:
        resources["vpu-slots"] = vpu_slots
    return resources
