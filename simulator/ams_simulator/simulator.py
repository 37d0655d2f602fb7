"""The running simulator: its state store, operations, events, trusted certificates, injected failures and
faults, and the request log; one object every handler reaches through the aiohttp application."""

import asyncio
import os

from . import repo
from .blobs import BlobStore
from .db import open_store
from .events import EventHub
from .exec_sessions import ExecSessions
from .injection import FailureRules, FaultInjector, StaleEtagRules, parse_methods
from .instance_lifecycle import InstanceLifecycle
from .operations import OperationManager
from .request_log import RequestLog
from .tls_bridge import ConnectionRegistry


class Simulator:
    def __init__(self, options):
        self.options = options
        self.state_dir = os.path.abspath(options.state_dir)
        os.makedirs(self.state_dir, exist_ok=True)
        self.store = open_store(self.state_dir)
        self.events = EventHub()
        self.ops = OperationManager(self.store, self.events, options.operation_delay)
        self.registry = ConnectionRegistry()
        self.blobs = BlobStore(self.state_dir)
        self.failures = FailureRules(options.fail or ())
        self.stale_etag = StaleEtagRules(getattr(options, "stale_etag_once", None) or ())
        self.faults = FaultInjector(options.fault_503_rate, options.fault_reset_rate, options.fault_latency,
                                    options.fault_seed, parse_methods(getattr(options, "fault_methods", None)),
                                    getattr(options, "fault_drop_answer_rate", 0.0))
        self.disabled_extensions = frozenset(getattr(options, "disable_extension", None) or ())
        self.request_log_path = os.path.abspath(options.request_log or os.path.join(self.state_dir, "requests.log"))
        self.request_log = RequestLog(self.request_log_path)
        self.trusted = repo.certificate_fingerprints(self.store)
        self._timers = set()
        self.instance_lifecycle = InstanceLifecycle(self)
        self.exec_sessions = ExecSessions(self)

    def later(self, delay, callback):
        """Run callback after delay seconds (follow-up state changes such as a bootstrap finishing)."""
        loop = asyncio.get_event_loop()
        handle = None

        def run():
            self._timers.discard(handle)
            callback()

        handle = loop.call_later(delay, run)
        self._timers.add(handle)
        return handle

    def close(self):
        for handle in list(self._timers):
            handle.cancel()
        self.ops.shutdown()
        self.request_log.close()
        self.store.close()
