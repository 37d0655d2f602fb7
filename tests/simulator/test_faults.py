"""Fault injection: seeded 503s and connection resets, added latency; GET /1.0 is never faulted."""

import pytest
import requests

from ams_simulator import cli
from ams_sim_client import Api
from conftest import start_simulator

REQUESTS = 200


def _run_sequence(process, client_cert):
    """GET /1.0/version REQUESTS times; returns the outcome of each ('ok', '503' or 'reset')."""
    api = Api(process.url, process.ca_cert, cert=client_cert[:2], timeout=10)
    outcomes = []
    for _request in range(REQUESTS):
        try:
            response = api.get("/1.0/version")
        except requests.exceptions.ConnectionError:
            outcomes.append("reset")
            continue
        if response.status_code == 503:
            body = response.json()
            assert body == {"type": "error", "error": body["error"], "error_code": 503, "metadata": {}}
            outcomes.append("503")
        else:
            assert response.status_code == 200
            outcomes.append("ok")
    return outcomes


@pytest.fixture(scope="module")
def faulty_args():
    return ["--fault-503-rate", "0.3", "--fault-reset-rate", "0.2", "--fault-seed", "42"]


def test_rates_are_respected_and_seeded(tmp_path_factory, client_cert, faulty_args):
    first = start_simulator(tmp_path_factory.mktemp("faults") / "state", client_cert, *faulty_args)
    try:
        mark = first.log_mark()
        outcomes = _run_sequence(first, client_cert)
        logged = [entry["fault"] for entry in first.requests_since(mark)]
        api = Api(first.url, first.ca_cert, cert=client_cert[:2])
        assert all(api.get("/1.0").status_code == 200 for _request in range(50))
    finally:
        first.stop()
    count_503, count_reset = outcomes.count("503"), outcomes.count("reset")
    # Expected 60 answers with 503 and 0.7 * 0.2 * 200 = 28 resets; bounds are many deviations wide.
    assert 30 <= count_503 <= 90
    assert 8 <= count_reset <= 55
    assert [fault or "ok" for fault in logged] == outcomes

    second = start_simulator(tmp_path_factory.mktemp("faults-again") / "state", client_cert, *faulty_args)
    try:
        assert _run_sequence(second, client_cert) == outcomes
    finally:
        second.stop()


def test_latency_and_method_filter(tmp_path, client_cert):
    process = start_simulator(tmp_path / "state", client_cert, "--fault-latency", "0.3", "--fault-503-rate", "1",
                              "--fault-methods", "GET,HEAD")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        mark = process.log_mark()
        assert api.get("/1.0").status_code == 200
        assert api.get("/1.0/config").status_code == 503
        assert api.patch("/1.0/config", json={"name": "gpu.type", "value": "amd"}).status_code == 202
        plain, delayed, patched = process.requests_since(mark)[:3]
    finally:
        process.stop()
    assert delayed["path"] == "/1.0/config" and delayed["duration_ms"] >= 300 and delayed["fault"] == "503"
    assert plain["path"] == "/1.0" and plain["status"] == 200 and plain["fault"] is None
    assert patched["method"] == "PATCH" and patched["status"] == 202 and patched["fault"] is None


@pytest.mark.parametrize("args, message", [
    (["--fault-503-rate", "1.5"], "between 0 and 1"),
    (["--fault-latency", "-1"], "must not be negative"),
    (["--fail", "widget:x"], "--fail kind must be one of"),
    (["--fail", "application"], "KIND:NAME"),
    (["--populate-containers", "5"], "needs --populate-nodes"),
    (["--port", "70000"], "between 0 and 65535"),
    (["--stale-etag-once", "image/x"], "kind must be one of"),
    (["--fault-methods", "GET,FETCH"], "--fault-methods takes"),
    (["--stale-etag-once", "node:x"], "KIND/NAME"),
    (["--host", "8.8.8.8"], "not a loopback address"),
    (["--host", "::"], "not a loopback address"),
])
def test_bad_knobs_are_refused(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as stopped:
        cli.parse(["--state-dir", str(tmp_path)] + args)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_loopback_hosts_are_accepted(tmp_path):
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert cli.parse(["--state-dir", str(tmp_path), "--host", host]).host == host
