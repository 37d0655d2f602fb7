"""--stale-etag-once KIND/NAME: the first PATCH with If-Match on that object meets a concurrent change.

The object really changes (its tags gain "concurrent-change"), so the client's ETag is stale and the
PATCH gets 412; a client that re-reads and retries succeeds.  Lets tests cover ETag recovery.
"""

from . import repo

KINDS = ("application", "node")
CONCURRENT_TAG = "concurrent-change"


class StaleEtagRules:
    def __init__(self, specs=()):
        self._pending = set()
        for spec in specs:
            kind, sep, name = spec.partition("/")
            if not sep or not name:
                raise ValueError("--stale-etag-once takes KIND/NAME, got %r" % (spec,))
            if kind not in KINDS:
                raise ValueError("--stale-etag-once kind must be one of %s, got %r" % (", ".join(KINDS), kind))
            self._pending.add((kind, name))

    def change_concurrently(self, store, request, kind, name):
        """When a rule for this object is pending and the request carries If-Match: change the object."""
        if "If-Match" not in request.headers or (kind, name) not in self._pending:
            return False
        self._pending.discard((kind, name))
        with store.transaction():
            if kind == "node":
                node = repo.node(store, name)
                node["tags"] = list(node["tags"]) + [CONCURRENT_TAG]
                repo.save_node(store, node)
            else:
                app = repo.application(store, name)
                app["tags"] = list(app["tags"] or []) + [CONCURRENT_TAG]
                repo.save_application(store, app)
        return True
