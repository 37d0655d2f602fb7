"""Background operations: created running, applied after a delay in one transaction, then final.

An operation carries an `apply` callable (runs inside the completing transaction), a persisted `rollback`
list of SQL statements (run when it fails, is cancelled, or was interrupted by a restart, so no
half-made object survives), and an optional `after` callable for follow-up timers (bootstrap, boot).
"""

import asyncio
import json
import time
import uuid

from .clock import rfc3339_now
from .db import dumps
from .errors import ApiError, OperationFailed, bad_request, not_found

RUNNING, CANCELLING, SUCCESS, FAILURE, CANCELLED = 103, 104, 200, 400, 401
STATUS_NAMES = {100: "Operation created", 103: "Running", 104: "Cancelling", 200: "Success", 400: "Failure",
                401: "Cancelled"}
_KEEP_FINISHED_SECONDS = 3600
_KEEP_FINISHED_COUNT = 2000
RESTART_ERROR = "operation interrupted: the simulator stopped while it was running"


def list_key(status_code):
    return STATUS_NAMES[status_code].lower()


class _Running:
    def __init__(self, apply, after, rollback):
        self.apply = apply
        self.after = after
        self.rollback = rollback
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
    def create(self, description, resources, apply=None, rollback=(), after=None, fail_with=None, delay=None):
        """Record a running operation (inside the caller's transaction) and schedule its completion."""
        op_id = str(uuid.uuid4())
        now = rfc3339_now()
        data = {
            "id": op_id, "class": "task", "description": description, "created_at": now, "updated_at": now,
            "status": STATUS_NAMES[RUNNING], "status_code": RUNNING, "resources": resources, "metadata": None,
            "may_cancel": True, "err": "", "server_address": "",
        }
        self._seq += 1
        rollback = [list(step) for step in rollback]
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO operations (id, seq, status_code, finished_at, data, rollback) VALUES (?,?,?,?,?,?)",
                (op_id, self._seq, RUNNING, None, dumps(data), json.dumps(rollback)))
        running = _Running(apply, after, rollback)
        self._running[op_id] = running
        running.task = asyncio.get_event_loop().create_task(
            self._complete(op_id, running, self.delay if delay is None else delay, fail_with))
        self.events.publish("operation", data)
        self.events.log("info", "operation created", id=op_id, description=description)
        return data

    def create_external(self, description, resources, metadata=None, op_class="task"):
        """A running operation that the caller ends with `finish_external` (instance waits, exec sessions).

        It cannot be cancelled and has nothing to roll back; a restart marks it failed like any other.
        """
        op_id = str(uuid.uuid4())
        now = rfc3339_now()
        data = {
            "id": op_id, "class": op_class, "description": description, "created_at": now, "updated_at": now,
            "status": STATUS_NAMES[RUNNING], "status_code": RUNNING, "resources": resources, "metadata": metadata,
            "may_cancel": False, "err": "", "server_address": "",
        }
        self._seq += 1
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO operations (id, seq, status_code, finished_at, data, rollback) VALUES (?,?,?,?,?,?)",
                (op_id, self._seq, RUNNING, None, dumps(data), "[]"))
        self._running[op_id] = _Running(None, None, [])
        self.events.publish("operation", data)
        self.events.log("info", "operation created", id=op_id, description=description)
        return data

    def finish_external(self, op_id, error=None, metadata=None):
        """End an operation made by `create_external`: Success, or Failure with `error` as `err`."""
        if op_id not in self._running:
            return
        with self.store.transaction():
            if metadata is not None:
                data = self.get(op_id)
                data["metadata"] = metadata
                self.store.execute("UPDATE operations SET data = ? WHERE id = ?", (dumps(data), op_id))
            self._finish(op_id, FAILURE if error else SUCCESS, error or "")
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
                    if running.apply is not None:
                        running.apply()
                    self._finish(op_id, SUCCESS, "")
            except OperationFailed as exc:
                error = str(exc)
            except ApiError as exc:
                error = exc.message
            except Exception as exc:  # a simulator bug must still end the operation, visibly
                error = "internal simulator error: %r" % (exc,)
        if error is not None:
            with self.store.transaction():
                self._run_rollback(running.rollback)
                self._finish(op_id, FAILURE, error)
        elif running.after is not None:
            running.after()
        self._release(op_id)

    # -- reading ------------------------------------------------------------------------
    def get(self, op_id):
        row = self.store.one("SELECT data FROM operations WHERE id = ?", (op_id,))
        if row is None:
            raise not_found("operation %s not found" % op_id)
        return json.loads(row["data"])

    def list_rows(self):
        return self.store.all("SELECT id, status_code, data FROM operations ORDER BY seq")

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
        running.task.cancel()
        with self.store.transaction():
            self._update(op_id, CANCELLING, "")
        with self.store.transaction():
            self._run_rollback(running.rollback)
            self._finish(op_id, CANCELLED, "operation cancelled")
        self._release(op_id)

    # -- restart recovery ---------------------------------------------------------------
    def fail_interrupted(self):
        """Operations that were running when the process died: undo their effects, mark them failed."""
        rows = self.store.all("SELECT id, rollback FROM operations WHERE status_code < 200")
        with self.store.transaction():
            for row in rows:
                self._run_rollback(json.loads(row["rollback"]))
                self._finish(row["id"], FAILURE, RESTART_ERROR, publish=False)
        return len(rows)

    # -- internals ----------------------------------------------------------------------
    def _run_rollback(self, steps):
        for sql, params in steps:
            self.store.execute(sql, params)

    def _update(self, op_id, status_code, err, publish=True, finished=False):
        data = self.get(op_id)
        data.update(status=STATUS_NAMES[status_code], status_code=status_code, err=err,
                    updated_at=rfc3339_now())
        if finished:
            data["may_cancel"] = False
        self.store.execute("UPDATE operations SET status_code = ?, finished_at = ?, data = ? WHERE id = ?",
                           (status_code, time.time() if finished else None, dumps(data), op_id))
        if publish:
            self.events.publish("operation", data)
            if finished:
                level = "info" if status_code == SUCCESS else "error"
                self.events.log(level, "operation %s" % data["status"].lower(), id=op_id,
                                description=data["description"], err=err)
        return data

    def _finish(self, op_id, status_code, err, publish=True):
        self._update(op_id, status_code, err, publish=publish, finished=True)

    def _release(self, op_id):
        running = self._running.pop(op_id, None)
        if running is not None:
            running.done.set()
        self._prune()

    def _prune(self):
        cutoff = time.time() - _KEEP_FINISHED_SECONDS
        with self.store.transaction():
            self.store.execute("DELETE FROM operations WHERE finished_at IS NOT NULL AND finished_at < ?", (cutoff,))
            self.store.execute(
                "DELETE FROM operations WHERE finished_at IS NOT NULL AND id NOT IN "
                "(SELECT id FROM operations WHERE finished_at IS NOT NULL ORDER BY seq DESC LIMIT ?)",
                (_KEEP_FINISHED_COUNT,))

    def shutdown(self):
        for running in self._running.values():
            if running.task is not None:
                running.task.cancel()
