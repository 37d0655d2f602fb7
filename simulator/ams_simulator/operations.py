"""Background operations: created running, applied after a delay in one transaction, then final.

An operation carries an `apply` callable (runs inside the completing transaction), a persisted `rollback`
list of undo steps (repo.undo_step; run when it fails, is cancelled, or was interrupted by a restart, so no
half-made object survives), and an optional `after` callable for follow-up timers (bootstrap, boot).
"""

import asyncio
import time
import uuid

from . import repo
from .errors import ApiError, DomainError, OperationFailed, bad_request
from .object_meta import rfc3339_now

RUNNING, CANCELLING, SUCCESS, FAILURE, CANCELLED = 103, 104, 200, 400, 401
STATUS_NAMES = {100: "Operation created", 103: "Running", 104: "Cancelling", 200: "Success", 400: "Failure",
                401: "Cancelled"}
_KEEP_FINISHED_SECONDS = 3600
_KEEP_FINISHED_COUNT = 2000
RESTART_ERROR = "operation interrupted: the simulator stopped while it was running"


def list_key(status_code):
    return STATUS_NAMES[status_code].lower()


class _Running:
    def __init__(self, apply, after, rollback, on_cancel=None):
        self.apply = apply
        self.after = after
        self.rollback = rollback
        self.on_cancel = on_cancel
        self.done = asyncio.Event()
        self.task = None


class OperationManager:
    def __init__(self, store, events, delay):
        self.store = store
        self.events = events
        self.delay = delay
        self._running = {}
        self._seq = int(time.time() * 1000)

    # -- creation -----------------------------------------------------------------------
    def _record(self, description, resources, rollback, may_cancel, metadata=None, op_class="task"):
        """Store a new running operation (joining the caller's transaction, if any) and announce it."""
        op_id = str(uuid.uuid4())
        now = rfc3339_now()
        data = {
            "id": op_id, "class": op_class, "description": description, "created_at": now, "updated_at": now,
            "status": STATUS_NAMES[RUNNING], "status_code": RUNNING, "resources": resources, "metadata": metadata,
            "may_cancel": may_cancel, "err": "", "server_address": "",
        }
        self._seq += 1
        with self.store.transaction():
            repo.insert_operation(self.store, op_id, self._seq, RUNNING, data, rollback)
        return data

    def _announce(self, data):
        self.events.publish("operation", data)
        self.events.log("info", "operation created", id=data["id"], description=data["description"])

    def create(self, description, resources, apply=None, rollback=(), after=None, fail_with=None, delay=None):
        """Record a running operation (inside the caller's transaction) and schedule its completion."""
        rollback = [list(step) for step in rollback]
        data = self._record(description, resources, rollback, True)
        running = _Running(apply, after, rollback)
        self._running[data["id"]] = running
        running.task = asyncio.get_event_loop().create_task(
            self._complete(data["id"], running, self.delay if delay is None else delay, fail_with))
        self._announce(data)
        return data

    def create_external(self, description, resources, metadata=None, op_class="task", rollback=(), on_cancel=None):
        """A running operation that the caller ends with `finish_external` (instance waits, exec sessions).

        With `on_cancel` it may be cancelled: its rollback steps run, then on_cancel (which stops whatever was
        going to finish it).  The rollback steps also run when a restart interrupts it; a failure reported
        through finish_external keeps what was made (an instance that failed to start stays, in error).
        """
        rollback = [list(step) for step in rollback]
        data = self._record(description, resources, rollback, on_cancel is not None, metadata, op_class)
        self._running[data["id"]] = _Running(None, None, rollback, on_cancel)
        self._announce(data)
        return data

    def finish_external(self, op_id, error=None, metadata=None):
        """End an operation made by `create_external`: Success, or Failure with `error` as `err`."""
        if op_id not in self._running:
            return
        with self.store.transaction():
            self._finish(op_id, FAILURE if error else SUCCESS, error or "", metadata=metadata)
        self._release(op_id)

    def is_running(self, op_id):
        return op_id in self._running

    async def _complete(self, op_id, running, delay, fail_with):
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return
        error = fail_with
        if error is None:
            try:
                with self.store.transaction():
                    try:
                        if running.apply is not None:
                            running.apply()
                    except OperationFailed as exc:
                        if not exc.keep_changes:
                            raise
                        self._finish(op_id, FAILURE, str(exc))
                    else:
                        self._finish(op_id, SUCCESS, "")
            except OperationFailed as exc:
                error = str(exc)
            except (ApiError, DomainError) as exc:
                error = str(exc)
            except Exception as exc:  # a simulator bug must still end the operation, visibly
                error = "internal simulator error: %r" % (exc,)
        if error is not None:
            with self.store.transaction():
                self._run_rollback(running.rollback)
                self._finish(op_id, FAILURE, error)
        if error is None and running.after is not None:
            running.after()
        self._release(op_id)

    # -- reading ------------------------------------------------------------------------
    def get(self, op_id):
        return repo.operation(self.store, op_id)

    def listed(self):
        """(id, status_code, data) of every operation, oldest first."""
        return repo.operations(self.store)

    async def wait(self, op_id, timeout):
        """Long-poll: return the operation once final, or as it is when `timeout` seconds pass (<0: forever)."""
        data = self.get(op_id)
        running = self._running.get(op_id)
        if data["status_code"] >= 200 or running is None:
            return data
        try:
            if timeout < 0:
                await running.done.wait()
            else:
                await asyncio.wait_for(running.done.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        return self.get(op_id)

    # -- cancel -------------------------------------------------------------------------
    def cancel(self, op_id):
        data = self.get(op_id)
        running = self._running.get(op_id)
        if data["status_code"] >= 200 or running is None:
            raise bad_request("operation %s already finished with status %s" % (op_id, data["status"]))
        if not data["may_cancel"]:
            raise bad_request("operation %s cannot be cancelled" % op_id)
        if running.task is not None:
            running.task.cancel()
        with self.store.transaction():
            self._update(op_id, CANCELLING, "")
        with self.store.transaction():
            self._run_rollback(running.rollback)
            self._finish(op_id, CANCELLED, "operation cancelled")
        self._release(op_id)
        if running.on_cancel is not None:
            running.on_cancel()

    # -- restart recovery ---------------------------------------------------------------
    def fail_interrupted(self):
        """Operations that were running when the process died: undo their effects, mark them failed."""
        unfinished = repo.unfinished_operations(self.store)
        with self.store.transaction():
            for op_id, steps in unfinished:
                repo.undo(self.store, steps)
                self._finish(op_id, FAILURE, RESTART_ERROR, publish=False)
        return len(unfinished)

    # -- internals ----------------------------------------------------------------------
    def _run_rollback(self, steps):
        repo.undo(self.store, steps)

    def _update(self, op_id, status_code, err, publish=True, finished=False, metadata=None):
        data = self.get(op_id)
        data.update(status=STATUS_NAMES[status_code], status_code=status_code, err=err,
                    updated_at=rfc3339_now())
        if metadata is not None:
            data["metadata"] = metadata
        if finished:
            data["may_cancel"] = False
        repo.update_operation(self.store, op_id, status_code, time.time() if finished else None, data)
        if publish:
            self.events.publish("operation", data)
            if finished:
                level = "info" if status_code == SUCCESS else "error"
                self.events.log(level, "operation %s" % data["status"].lower(), id=op_id,
                                description=data["description"], err=err)
        return data

    def _finish(self, op_id, status_code, err, publish=True, metadata=None):
        self._update(op_id, status_code, err, publish=publish, finished=True, metadata=metadata)

    def _release(self, op_id):
        running = self._running.pop(op_id, None)
        if running is not None:
            running.done.set()
        self._prune()

    def _prune(self):
        cutoff = time.time() - _KEEP_FINISHED_SECONDS
        with self.store.transaction():
            repo.prune_operations(self.store, cutoff, _KEEP_FINISHED_COUNT)

    def shutdown(self):
        for running in self._running.values():
            if running.task is not None:
                running.task.cancel()
