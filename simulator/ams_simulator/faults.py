"""Seeded fault injection.

Before the handler (the request never reaches AMS, so nothing changes): answer 503, or reset the connection.
After the handler, on writes only (POST, PUT, PATCH, DELETE): drop the connection instead of sending the answer
(the change was made; the client cannot know it).  Plus a fixed latency.  One random generator, seeded by
--fault-seed, decides them all in request order.
"""

import random

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


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
        """After the handler of a write: whether to drop the connection instead of answering."""
        return bool(self.rate_drop_answer and method in WRITES and self._rng.random() < self.rate_drop_answer)
