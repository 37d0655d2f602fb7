"""Benchmark of the simulator alone: `python simulator/bench.py` (about 30 s, prints a small table).

1. GET /1.0/containers?recursion=1 with 10,000 populated containers: median and p95 over 20 runs of the
   full response received by the client, the server's own handling time (from the request log), and the
   client's JSON parsing time on its own.
2. Requests per second of GET /1.0/config from 50 concurrent keep-alive clients for 5 s.
The client runs on the same machine as the server, so both share the CPU.
"""

import asyncio
import json
import os
import ssl
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import aiohttp  # noqa: E402
import requests  # noqa: E402

from ams_simulator.testing import SimulatorProcess, make_client_cert  # noqa: E402

CONTAINERS, NODES = 10000, 10
LISTING_RUNS = 20
CLIENTS, SECONDS = 50, 5.0


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def bench_listing(sim, cert):
    session = requests.Session()
    session.trust_env = False
    url = sim.url + "/1.0/containers?recursion=1"
    session.get(url, verify=sim.ca_cert, cert=cert, timeout=60).raise_for_status()
    timings, parsing = [], []
    mark = sim.log_mark()
    for _run in range(LISTING_RUNS):
        started = time.perf_counter()
        response = session.get(url, verify=sim.ca_cert, cert=cert, timeout=60)
        received = time.perf_counter()
        body = json.loads(response.content)
        parsing.append(time.perf_counter() - received)
        timings.append(received - started)
        assert len(body["metadata"]) >= CONTAINERS, "listing returned %d containers" % len(body["metadata"])
    server = [entry["duration_ms"] / 1000.0 for entry in sim.requests_since(mark)]
    return {"median": statistics.median(timings), "p95": _percentile(timings, 0.95),
            "server_median": statistics.median(server), "server_p95": _percentile(server, 0.95),
            "parse_median": statistics.median(parsing), "size": len(response.content)}


async def _rps(sim, cert):
    context = ssl.create_default_context(cafile=sim.ca_cert)
    context.load_cert_chain(*cert)
    connector = aiohttp.TCPConnector(ssl=context, limit=CLIENTS)
    counts = [0] * CLIENTS
    errors = [0]
    async with aiohttp.ClientSession(connector=connector) as session:
        async def warm():
            async with session.get(sim.url + "/1.0/version") as reply:
                await reply.read()

        await asyncio.gather(*[warm() for _client in range(CLIENTS)])
        deadline = time.perf_counter() + SECONDS

        async def client(index):
            while time.perf_counter() < deadline:
                async with session.get(sim.url + "/1.0/config") as reply:
                    await reply.read()
                    if reply.status == 200:
                        counts[index] += 1
                    else:
                        errors[0] += 1

        started = time.perf_counter()
        await asyncio.gather(*[client(i) for i in range(CLIENTS)])
        elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, errors[0]


def main():
    with tempfile.TemporaryDirectory(prefix="ams-bench-") as directory:
        cert_path, key_path, _fingerprint = make_client_cert(os.path.join(directory, "client"))
        cert = (cert_path, key_path)
        sim = SimulatorProcess(os.path.join(directory, "state"), extra_args=[
            "--trust-cert", cert_path, "--populate-nodes", str(NODES), "--populate-containers", str(CONTAINERS)])
        started = time.perf_counter()
        sim.start()
        startup = time.perf_counter() - started
        try:
            listing = bench_listing(sim, cert)
            rps, errors = asyncio.run(_rps(sim, cert))
        finally:
            sim.stop()
    rows = [
        ("start with populate (%d nodes, %d containers)" % (NODES, CONTAINERS), "%.2f s" % startup),
        ("GET /1.0/containers?recursion=1, %d runs: median" % LISTING_RUNS, "%.0f ms" % (listing["median"] * 1e3)),
        ("  p95", "%.0f ms" % (listing["p95"] * 1e3)),
        ("  server handling (request log): median / p95",
         "%.0f / %.0f ms" % (listing["server_median"] * 1e3, listing["server_p95"] * 1e3)),
        ("  client json.loads of the body: median", "%.0f ms" % (listing["parse_median"] * 1e3)),
        ("  response size", "%.1f MB" % (listing["size"] / 1e6)),
        ("GET /1.0/config, %d keep-alive clients, %.0f s" % (CLIENTS, SECONDS), "%.0f req/s" % rps),
        ("  non-200 answers", "%d" % errors),
    ]
    width = max(len(name) for name, _value in rows)
    print("%-*s  %s" % (width, "measure", "value"))
    print("-" * (width + 14))
    for name, value in rows:
        print("%-*s  %s" % (width, name, value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
