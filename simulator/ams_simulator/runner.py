"""Serving: TLS listener (through the bridge), optional unix socket, ready file, clean SIGTERM."""

import asyncio
import json
import os
import resource
import signal
import sys

from aiohttp import web

from . import populate, startup
from .app import build_app
from .certs import ensure_server_certificates
from .simulator import Simulator
from .tls_bridge import make_server_context, start_tls_server


def _raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
        except (ValueError, OSError):
            pass


def _write_ready(path, info):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(info, handle)
    os.replace(tmp, path)


async def serve(options):
    _raise_fd_limit()
    ready_path = os.path.join(os.path.abspath(options.state_dir), "ready.json")
    os.makedirs(options.state_dir, exist_ok=True)
    if os.path.exists(ready_path):
        os.unlink(ready_path)
    paths = ensure_server_certificates(os.path.abspath(options.state_dir))
    sim = Simulator(options)
    password = startup.effective_trust_password(sim, options.trust_password)
    startup.trust_certificate_files(sim, options.trust_cert)
    startup.recover(sim)
    if options.populate_nodes or options.populate_containers:
        populate.populate(sim, options.populate_nodes, options.populate_containers)

    runner = web.AppRunner(build_app(sim), access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    context = make_server_context(paths["server.crt"], paths["server.key"])
    tcp = await start_tls_server(options.host, options.port, context, runner.server, sim.registry,
                                 round_trip=sim.faults.latency)
    port = tcp.sockets[0].getsockname()[1]
    unix_socket = None
    if options.unix_socket:
        unix_socket = os.path.abspath(options.unix_socket)
        if os.path.exists(unix_socket):
            os.unlink(unix_socket)
        await web.UnixSite(runner, unix_socket).start()

    host = options.host if ":" not in options.host else "[%s]" % options.host
    info = {
        "url": "https://%s:%d" % (host, port), "port": port, "ca_cert": paths["ca.crt"],
        "server_cert": paths["server.crt"], "unix_socket": unix_socket, "request_log": sim.request_log_path,
        "trust_password": password, "pid": os.getpid(),
    }
    _write_ready(ready_path, info)
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()

    stop = asyncio.Event()
    loop = asyncio.get_event_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()

    tcp.close()
    sim.ops.shutdown()
    await runner.cleanup()
    sim.close()
    if os.path.exists(ready_path):
        os.unlink(ready_path)
    if unix_socket and os.path.exists(unix_socket):
        os.unlink(unix_socket)
