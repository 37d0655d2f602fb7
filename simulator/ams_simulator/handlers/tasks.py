"""/1.0/tasks: one task per container, as AMS tracks container work.  The reference lists task objects
even without recursion (there is no /1.0/tasks/<id>), so both recursion levels return objects."""

import hashlib

from .. import envelopes, object_meta, repo
from .common import recursion, sim_of

_CONTAINER_TO_TASK = {-1: 8, 0: -1, 1: 0, 2: 2, 3: 3, 4: 4, 5: 6, 6: 9}
_ALPHABET = "0123456789abcdefghijklmnopqrstuv"


def task_id(container_id):
    number = int.from_bytes(hashlib.sha256(("task:" + container_id).encode()).digest()[:12], "big")
    return "".join(_ALPHABET[(number >> (5 * i)) & 31] for i in range(19, -1, -1))


def task_object(container):
    code = _CONTAINER_TO_TASK.get(container["status_code"], -1)
    return {"id": task_id(container["id"]), "status": object_meta.TASK[code], "object_id": container["id"],
            "object_type": "container"}


async def list_tasks(request):
    sim = sim_of(request)
    recursion(request)
    return envelopes.sync([task_object(container) for container in repo.all_of(sim.store, "container")])


def routes(router):
    router.add_get("/1.0/tasks", list_tasks)
