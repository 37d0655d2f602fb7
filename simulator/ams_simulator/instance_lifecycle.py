"""How an instance (or container) moves between statuses, one step per --container-boot-delay.

    created -> prepared -> started -> running        (launch)
    created -> prepared -> stopped                   (launch with no_start)
    stopped -> started -> running                    (desired_status: running)
    running -> stopped                               (desired_status: stopped)

A step that would reach `running` ends in `error` (with `error_message` and stored logs) when a
`--fail container:...` or `--fail instance:...` rule matches. Every step is one transaction; the desired
status is stored, so a restarted simulator carries on where it stopped. Operations that wait for an
instance (launch and PATCH without `no_wait`) register a waiter that settles when the instance reaches a
resting status.
"""

import asyncio

from . import instances, object_meta, repo
from .object_meta import rfc3339_now

ERROR, CREATED, PREPARED, STARTED, RUNNING, STOPPED = -1, 1, 2, 3, 4, 5
_CODES = {"running": RUNNING, "stopped": STOPPED}


def failure_logs(container, reason):
    stamp = rfc3339_now()
    return {
        "android.log": "--------- beginning of main\n%s E AndroidRuntime: FATAL EXCEPTION: main\n"
                       "%s E AndroidRuntime: %s\n" % (stamp, stamp, reason),
        "console.log": "%s Anbox container %s console\n%s boot aborted\n" % (stamp, container["name"], stamp),
        "container.log": "%s lxc %s: start failed: %s\n" % (stamp, container["name"], reason),
        "system.log": "%s anbox-init: bootstrap of %s failed: %s\n" % (stamp, container["name"], reason),
    }


class InstanceLifecycle:
    def __init__(self, sim):
        self.sim = sim
        self._timers = {}
        self._waiters = {}

    # -- driving ------------------------------------------------------------------------
    def start(self, instance_id, desired, op_id=None):
        """Set the instance on its way to `desired`; operation `op_id` (made with create_external) ends
        when it rests there, or fails with its error_message."""
        if op_id is not None:
            self.finish_operation_when_settled(op_id, instance_id, desired)
        self.schedule(instance_id)

    def schedule(self, instance_id):
        """Arm the next step for this instance unless one is already pending."""
        if instance_id in self._timers:
            return

        def step():
            self._timers.pop(instance_id, None)
            self._advance(instance_id)

        self._timers[instance_id] = self.sim.later(self.sim.options.container_boot_delay, step)

    def _next_status(self, data, desired):
        code = data["status_code"]
        if code == CREATED:
            return PREPARED
        if code == PREPARED:
            return STARTED if desired == "running" else STOPPED
        if code == STARTED:
            return RUNNING if desired == "running" else STOPPED
        if code == RUNNING and desired == "stopped":
            return STOPPED
        if code == STOPPED and desired == "running":
            return STARTED
        return None

    def _fails(self, data):
        sim = self.sim
        image_name = ""
        if data["image_id"]:
            image = repo.find(sim.store, "image", data["image_id"])
            image_name = image["name"] if image else ""
        return (sim.failures.matches("container", data["app_name"], data["app_id"], image_name, data["image_id"])
                or sim.failures.matches("instance", data["name"], data["id"]))

    def _advance(self, instance_id):
        sim = self.sim
        with sim.store.transaction():
            data = repo.find(sim.store, "container", instance_id)
            if data is None:
                return
            desired = instances.extras(sim.store, instance_id)["desired_status"]
            new = self._next_status(data, desired)
            if new is None:
                settled = data["status_code"]
            else:
                if new == RUNNING and self._fails(data):
                    kind = "instance" if instances.is_named(sim.store, instance_id) else "container"
                    reason = "%s %s failed to start (simulated failure)" % (kind, data["name"])
                    logs = failure_logs(data, reason)
                    data["error_message"] = reason
                    data["stored_logs"] = sorted(logs)
                    repo.set_container_logs(sim.store, instance_id, logs)
                    new = ERROR
                object_meta.set_status(data, object_meta.CONTAINER, new)
                repo.save(sim.store, "container", data)
                settled = new if new in (RUNNING, STOPPED, ERROR) and self._next_status(data, desired) is None \
                    else None
        if new is not None:
            if new in (STOPPED, ERROR):
                sim.exec_sessions.terminate_instance(instance_id)
            sim.events.lifecycle("container-" + data["status"], "/1.0/containers/" + instance_id)
        if settled is None:
            self.schedule(instance_id)
        else:
            self._settle(instance_id, data)

    def resume(self):
        """After a restart: instances on their way somewhere carry on."""
        count = 0
        for data in repo.all_of(self.sim.store, "container"):
            if data["type"] != "regular":
                continue
            desired = instances.extras(self.sim.store, data["id"])["desired_status"]
            if self._next_status(data, desired) is not None:
                self.schedule(data["id"])
                count += 1
        return count

    # -- waiting ------------------------------------------------------------------------
    def wait_for(self, instance_id, desired):
        """A future resolved with None once the instance rests in `desired`, or with an error text."""
        future = asyncio.get_event_loop().create_future()
        self._waiters.setdefault(instance_id, []).append((desired, future))
        return future

    def _settle(self, instance_id, data):
        for desired, future in self._waiters.pop(instance_id, []):
            if future.done():
                continue
            if data["status_code"] == ERROR:
                future.set_result(data["error_message"] or "instance %s ended in error" % data["name"])
            elif data["status_code"] == _CODES[desired]:
                future.set_result(None)
            else:
                future.set_result("instance %s is %s, not %s: its desired status was changed meanwhile"
                                  % (data["name"], data["status"], desired))

    def forget(self, instance_id, name):
        """The instance is gone: drop its pending step and fail whoever waits for it."""
        handle = self._timers.pop(instance_id, None)
        if handle is not None:
            handle.cancel()
        self.sim.exec_sessions.terminate_instance(instance_id)
        for _desired, future in self._waiters.pop(instance_id, []):
            if not future.done():
                future.set_result("instance %s was deleted" % name)

    def finish_operation_when_settled(self, op_id, instance_id, desired):
        """End operation `op_id` (made with create_external) once the instance rests in `desired`."""
        future = self.wait_for(instance_id, desired)

        def done(fut):
            self.sim.ops.finish_external(op_id, error=fut.result())

        future.add_done_callback(done)
