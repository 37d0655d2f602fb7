"""Helpers for tests and CI: run a simulator process, make client certificates, read the request log."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from .certs import make_client_cert
from .join_tokens import make as make_join_token

__all__ = ["SimulatorProcess", "SimulatorError", "make_client_cert", "make_join_token"]

_READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SimulatorError(RuntimeError):
    pass


class SimulatorProcess:
    """A simulator in a child process. `start()` returns once it serves; `stop()` sends SIGTERM.

    strict_fields: True refuses unknown JSON fields with 400 (--strict-fields), False ignores them as AMS does
    (--no-strict-fields), None leaves it to the AMS_SIMULATOR_STRICT_FIELDS environment variable (off when
    unset).
    """

    def __init__(self, state_dir, port=0, trust_password="sim-trust-pw", extra_args=(), python=sys.executable,
                 start_timeout=30.0, strict_fields=None):
        self.state_dir = os.path.abspath(str(state_dir))
        self.strict_fields = strict_fields
        self.port = port
        self.trust_password = trust_password
        self.extra_args = list(extra_args)
        self.python = python
        self.start_timeout = start_timeout
        self.process = None
        self.url = None
        self.ca_cert = None
        self.server_cert = None
        self.request_log = None
        self.unix_socket = None
        self.pid = None
        self._stderr = None

    @property
    def ready_file(self):
        return os.path.join(self.state_dir, "ready.json")

    def command(self):
        command = [self.python, "-m", "ams_simulator", "--state-dir", self.state_dir, "--port", str(self.port)]
        if self.trust_password is not None:
            command += ["--trust-password", self.trust_password]
        if self.strict_fields is not None:
            command.append("--strict-fields" if self.strict_fields else "--no-strict-fields")
        return command + [str(arg) for arg in self.extra_args]

    def start(self):
        if self.process is not None and self.process.poll() is None:
            raise SimulatorError("simulator already running (pid %d)" % self.process.pid)
        os.makedirs(self.state_dir, exist_ok=True)
        if os.path.exists(self.ready_file):
            os.unlink(self.ready_file)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, env.get("PYTHONPATH")]))
        self._stderr = tempfile.TemporaryFile(prefix="ams-simulator-stderr-")
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=self._stderr, env=env)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SimulatorError("simulator exited with status %s before it was ready:\n%s"
                                     % (self.process.returncode, self.stderr_text()))
            if os.path.exists(self.ready_file):
                self._load_ready()
                return self
            time.sleep(0.02)
        self.kill()
        raise SimulatorError("simulator not ready after %.0f s:\n%s" % (self.start_timeout, self.stderr_text()))

    def _load_ready(self):
        with open(self.ready_file, encoding="utf-8") as handle:
            info = json.load(handle)
        self.url = info["url"]
        self.port = info["port"]
        self.ca_cert = info["ca_cert"]
        self.server_cert = info["server_cert"]
        self.request_log = info["request_log"]
        self.unix_socket = info["unix_socket"]
        self.trust_password = info["trust_password"]
        self.pid = info["pid"]
        self.ready = info

    def stderr_text(self):
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def stop(self, timeout=15.0):
        """SIGTERM and wait; returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise SimulatorError("simulator ignored SIGTERM for %.0f s:\n%s" % (timeout, self.stderr_text()))
        return self.process.returncode

    def kill(self):
        """SIGKILL (to test crash consistency)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
        return False

    # -- request log ----------------------------------------------------------------------
    def _log_lines(self):
        """Every line of the request log. A missing log is an error, never an empty list: a check such as
        "no mutating request" must not pass because nothing could be read."""
        if not self.request_log:
            raise SimulatorError("no request log: the simulator was not started (call start() first)")
        try:
            with open(self.request_log, encoding="utf-8") as handle:
                return handle.readlines()
        except OSError as exc:
            raise SimulatorError("cannot read the request log %s: %s" % (self.request_log, exc.strerror))

    def log_mark(self):
        """Number of requests logged so far; pass it to requests_since()."""
        return len(self._log_lines())

    def requests_since(self, mark):
        return [json.loads(line) for line in self._log_lines()[mark:] if line.strip()]

    def mutating_requests_since(self, mark):
        return [entry for entry in self.requests_since(mark) if entry["method"] not in _READ_ONLY_METHODS]
