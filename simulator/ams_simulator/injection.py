"""What a start can make go wrong on purpose: --fail (objects that fail), --stale-etag-once (a concurrent change
before a PATCH) and the seeded faults (--fault-*).

The faults: before the handler (the request never reaches AMS, so nothing changes) answer 503, or reset the
connection; after the handler, on writes only (POST, PUT, PATCH, DELETE) that succeeded, drop the connection
instead of sending the answer (the change was made; the client cannot know it); plus a fixed latency. One random
generator, seeded by --fault-seed, decides them all in request order.
"""

import random

from . import repo

FAIL_KINDS = ("application", "container", "instance", "node", "image", "addon")
STALE_ETAG_KINDS = ("application", "node")
CONCURRENT_TAG = "concurrent-change"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def parse_specs(specs, flag, separator, kinds):
    """{(kind, name)} from KIND<separator>NAME specs; ValueError naming the flag when one is malformed."""
    rules = set()
    shape = "KIND%sNAME" % separator
    for spec in specs:
        kind, sep, name = spec.partition(separator)
        if not sep or not name:
            raise ValueError("%s takes %s, got %r" % (flag, shape, spec))
        if kind not in kinds:
            raise ValueError("%s kind must be one of %s, got %r" % (flag, ", ".join(kinds), kind))
        rules.add((kind, name))
    return rules


class FailureRules:
    """--fail KIND:NAME: named objects whose creation or bootstrap ends in error."""

    def __init__(self, specs=()):
        self._rules = parse_specs(specs, "--fail", ":", FAIL_KINDS)

    def matches(self, kind, *names):
        return any((kind, name) in self._rules for name in names if name)


class StaleEtagRules:
    """--stale-etag-once KIND/NAME: the first PATCH with If-Match on that object meets a concurrent change.

    The object really changes (its tags gain "concurrent-change"), so the client's ETag is stale and the PATCH
    gets 412; a client that re-reads and retries succeeds.  Lets tests cover ETag recovery.
    """

    def __init__(self, specs=()):
        self._pending = parse_specs(specs, "--stale-etag-once", "/", STALE_ETAG_KINDS)

    def change_concurrently(self, store, request, kind, name):
        """When a rule for this object is pending and the request carries If-Match: change the object."""
        if "If-Match" not in request.headers or (kind, name) not in self._pending:
            return False
        self._pending.discard((kind, name))
        with store.transaction():
            data = repo.get(store, kind, name)
            data["tags"] = list(data["tags"] or []) + [CONCURRENT_TAG]
            repo.save(store, kind, data)
        return True


def parse_methods(text):
    """'GET,HEAD' -> ('GET', 'HEAD'); None or '' means every method."""
    if not text:
        return None
    methods = tuple(item.strip().upper() for item in text.split(",") if item.strip())
    unknown = [method for method in methods if method not in METHODS]
    if unknown or not methods:
        raise ValueError("--fault-methods takes a comma-separated list of %s, got %r" % (", ".join(METHODS), text))
    return methods


class FaultInjector:
    def __init__(self, rate_503=0.0, rate_reset=0.0, latency=0.0, seed=None, methods=None, rate_drop_answer=0.0):
        for name, rate in (("--fault-503-rate", rate_503), ("--fault-reset-rate", rate_reset),
                           ("--fault-drop-answer-rate", rate_drop_answer)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError("%s must be between 0 and 1, got %s" % (name, rate))
        if latency < 0:
            raise ValueError("--fault-latency must not be negative, got %s" % latency)
        self.rate_503 = rate_503
        self.rate_reset = rate_reset
        self.rate_drop_answer = rate_drop_answer
        self.latency = latency
        self.methods = methods
        self._rng = random.Random(seed)

    @property
    def active(self):
        return bool(self.rate_503 or self.rate_reset or self.latency or self.rate_drop_answer)

    def applies_to(self, method, path):
        """API paths under /1.0/ only (and only the --fault-methods, when given), never GET /1.0, so a client
        can always connect and negotiate."""
        if not path.startswith("/1.0/") or (self.methods is not None and method not in self.methods):
            return False
        return not (method == "GET" and path == "/1.0/")

    def draw(self):
        """Decide the fault before the handler, for every method that applies: None, "503" or "reset" (one draw
        each, in that order)."""
        if self.rate_503 and self._rng.random() < self.rate_503:
            return "503"
        if self.rate_reset and self._rng.random() < self.rate_reset:
            return "reset"
        return None

    def draw_drop_answer(self, method):
        """After the handler of a write that succeeded: whether to drop the connection instead of answering."""
        return bool(self.rate_drop_answer and method in WRITES and self._rng.random() < self.rate_drop_answer)
