"""One JSON line per request, flushed at once, so tests can count what a client sent."""

import json
import threading


class RequestLog:
    def __init__(self, path):
        self.path = path
        self._handle = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, entry):
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._lock:
            self._handle.write(line)
            self._handle.flush()

    def close(self):
        self._handle.close()
