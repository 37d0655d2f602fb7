"""Fault injection: seeded 503s and connection resets before the handler, lost answers after a write, added
latency (every answer, GET /1.0 too, and each new TLS handshake); GET /1.0 is never faulted."""

import os
import socket
import ssl
import time

import pytest
import requests

from ams_simulator import cli
from ams_simulator.testing import SimulatorError, SimulatorProcess
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
    # Latency is distance, not a fault: GET /1.0 is as far away as the rest.
    assert plain["path"] == "/1.0" and plain["status"] == 200 and plain["fault"] is None and plain["duration_ms"] >= 300
    assert patched["method"] == "PATCH" and patched["status"] == 202 and patched["fault"] is None


def test_latency_makes_a_new_tls_connection_two_round_trips_long(tmp_path, client_cert):
    process = start_simulator(tmp_path / "state", client_cert, "--fault-latency", "0.3")
    context = ssl.create_default_context(cafile=process.ca_cert)
    context.load_cert_chain(client_cert[0], client_cert[1])
    try:
        with socket.create_connection(("127.0.0.1", process.port), timeout=30) as raw:
            started = time.monotonic()
            with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                handshake = time.monotonic() - started
    finally:
        process.stop()
    # A lower bound only: the handshake waits for the server's first flight, sent 2 x 0.3 s late.
    assert handshake >= 0.6


@pytest.mark.parametrize("args, message", [
    (["--fault-503-rate", "1.5"], "between 0 and 1"),
    (["--fault-latency", "-1"], "must not be negative"),
    (["--fault-drop-answer-rate", "2"], "--fault-drop-answer-rate must be between 0 and 1"),
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


def test_faults_before_the_handler_hit_writes_too_and_change_nothing(tmp_path, client_cert):
    """503 and reset hit every method under /1.0/ (unless --fault-methods narrows them) and happen before the
    handler: the request never reached AMS, so a faulted write changes nothing."""
    process = start_simulator(tmp_path / "state", client_cert, "--fault-503-rate", "1",
                              "--fault-methods", "PATCH")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        before = api.metadata("/1.0/config")["config"]["gpu.type"]
        assert api.patch("/1.0/config", json={"name": "gpu.type", "value": "amd"}).status_code == 503
        assert api.metadata("/1.0/config")["config"]["gpu.type"] == before
    finally:
        process.stop()
    process = start_simulator(tmp_path / "state2", client_cert, "--fault-reset-rate", "1", "--fault-methods", "POST")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        with pytest.raises(requests.exceptions.ConnectionError):
            api.post("/1.0/nodes", json={"name": "never", "address": "10.3.0.1"})
        assert api.get("/1.0/nodes/never").status_code == 404
        assert [(e["method"], e["fault"], e["status"]) for e in process.requests_since(0)][-2] == ("POST", "reset",
                                                                                                   None)
    finally:
        process.stop()


def test_drop_answer_carries_out_the_write_and_loses_the_answer(tmp_path, client_cert):
    """--fault-drop-answer-rate: a write that succeeded is carried out, then the connection drops before the
    answer. The request log records `"fault": "drop-answer"` with the status the answer would have had, so a
    blind resend (a second POST) can be told from a re-read (a GET)."""
    process = start_simulator(tmp_path / "state", client_cert, "--fault-drop-answer-rate", "1",
                              "--operation-delay", "0.02")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        mark = process.log_mark()
        with pytest.raises(requests.exceptions.ConnectionError):
            api.post("/1.0/nodes", json={"name": "made", "address": "10.3.0.2"})
        node = api.wait_until("/1.0/nodes/made", lambda meta: meta["status"] == "online")
        assert node["name"] == "made"
        resent = api.post("/1.0/nodes", json={"name": "made", "address": "10.3.0.2"})
        assert resent.status_code == 409
        refused = api.patch("/1.0/config", json={"name": "gpu.type", "value": "quantum"})
        assert refused.status_code == 400
        entries = [(e["method"], e["path"], e["status"], e["fault"]) for e in process.requests_since(mark)]
    finally:
        process.stop()
    assert entries[0] == ("POST", "/1.0/nodes", 202, "drop-answer")
    assert ("POST", "/1.0/nodes", 409, None) in entries
    assert ("PATCH", "/1.0/config", 400, None) in entries
    assert all(fault is None for method, _path, _status, fault in entries if method == "GET")


def test_drop_answer_is_seeded_and_hits_writes_only(tmp_path, client_cert):
    args = ["--fault-drop-answer-rate", "0.5", "--fault-seed", "7", "--operation-delay", "0.01"]

    def run(state):
        process = start_simulator(state, client_cert, *args)
        try:
            api = Api(process.url, process.ca_cert, cert=client_cert[:2])
            outcomes = []
            for index in range(30):
                api.get("/1.0/config")
                try:
                    status = api.patch("/1.0/config", json={"name": "registry.filter", "value": str(index)}).status_code
                except requests.exceptions.ConnectionError:
                    status = "dropped"
                outcomes.append(status)
            logged = [e["fault"] for e in process.requests_since(0) if e["path"] == "/1.0/config"]
        finally:
            process.stop()
        return outcomes, logged

    outcomes, logged = run(tmp_path / "first")
    assert 5 <= outcomes.count("dropped") <= 25 and set(outcomes) == {202, "dropped"}
    assert logged[0::2] == [None] * 30
    assert ["dropped" if fault == "drop-answer" else 202 for fault in logged[1::2]] == outcomes
    assert run(tmp_path / "second")[0] == outcomes


def test_a_missing_request_log_is_an_error_for_the_reader(tmp_path, client_cert):
    """SimulatorProcess never reads a missing log as "no requests": a "no mutating request" check must fail
    then, not pass."""
    idle = SimulatorProcess(str(tmp_path / "idle"))
    with pytest.raises(SimulatorError, match="not started"):
        idle.log_mark()
    process = start_simulator(tmp_path / "state", client_cert)
    try:
        os.unlink(process.request_log)
        with pytest.raises(SimulatorError, match="cannot read the request log"):
            process.mutating_requests_since(0)
    finally:
        process.stop()
