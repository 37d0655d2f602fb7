"""Restart persistence, SIGKILL consistency, the state dump tool."""

import json
import os
import subprocess
import sys
import threading
import time

import ams_sim_packages as packages
from ams_simulator import dump
from ams_simulator.dump import canonical, dump_state
from ams_simulator.operations import RESTART_ERROR
from ams_sim_client import Api
from conftest import SIMULATOR_DIR, start_simulator


def test_restart_keeps_everything(tmp_path, client_cert):
    state = tmp_path / "state"
    first = start_simulator(state, client_cert, "--populate-nodes", "1", "--bootstrap-delay", "0.05")
    api = Api(first.url, first.ca_cert, cert=client_cert[:2])
    api.ok(api.patch("/1.0/config", json={"name": "scheduler.strategy", "value": "binpack"}))
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "persist-image", "default": True}))
    api.ok(api.upload("POST", "/1.0/applications", packages.application({"name": "persist", "instance-type": "a2.3"})))
    api.wait_until("/1.0/applications/persist", lambda app: app["status"] == "ready")
    launched = api.post("/1.0/containers", json={"app_id": "persist"})
    api.ok(launched)
    api.wait_until(launched.json()["metadata"]["resources"]["containers"][0], lambda c: c["status"] == "running")
    with open(first.ca_cert, "rb") as handle:
        ca = handle.read()
    before = canonical(dump_state(str(state)))
    assert first.stop() == 0
    assert not os.path.exists(state / "ready.json")
    _check_dump_command(state, before)

    second = start_simulator(state, client_cert)
    try:
        with open(second.ca_cert, "rb") as handle:
            assert handle.read() == ca
        api = Api(second.url, second.ca_cert, cert=client_cert[:2])
        assert api.metadata("/1.0/config")["config"]["scheduler.strategy"] == "binpack"
        assert api.metadata("/1.0/applications/persist")["status"] == "ready"
        assert canonical(dump_state(str(state))) == before
    finally:
        second.stop()


def test_sigkill_mid_operation_leaves_consistent_state(tmp_path, client_cert):
    state = tmp_path / "state"
    first = start_simulator(state, client_cert, "--populate-nodes", "1", "--operation-delay", "30")
    api = Api(first.url, first.ca_cert, cert=client_cert[:2])
    before = canonical(dump_state(str(state)))
    node_op = api.post("/1.0/nodes", json={"name": "half-made", "address": "10.5.5.5"})
    image = api.upload("POST", "/1.0/images", packages.image(), meta={"name": "half-image"})
    config = api.patch("/1.0/config", json={"name": "gpu.type", "value": "amd"})
    assert api.metadata("/1.0/nodes/half-made")["status"] == "created"
    first.kill()

    second = start_simulator(state, client_cert, "--operation-delay", "0.01")
    try:
        api = Api(second.url, second.ca_cert, cert=client_cert[:2])
        for response in (node_op, image, config):
            op = api.metadata("/" + response.json()["operation"])
            assert (op["status_code"], op["err"]) == (400, RESTART_ERROR)
        assert api.get("/1.0/nodes/half-made").status_code == 404
        assert api.get("/1.0/images/half-image").status_code == 404
        assert api.metadata("/1.0/config")["config"]["gpu.type"] == "none"
        assert canonical(dump_state(str(state))) == before
        assert os.listdir(state / "blobs") == [], "an upload of an interrupted operation was kept"
        api.ok(api.post("/1.0/nodes", json={"name": "half-made", "address": "10.5.5.5"}))
    finally:
        second.stop()


def test_restart_resumes_bootstrap(tmp_path, client_cert):
    state = tmp_path / "state"
    first = start_simulator(state, client_cert, "--populate-nodes", "1", "--bootstrap-delay", "30")
    api = Api(first.url, first.ca_cert, cert=client_cert[:2])
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "img", "default": True}))
    api.ok(api.upload("POST", "/1.0/applications", packages.application({"name": "slowboot", "instance-type": "a2.3"})))
    assert api.metadata("/1.0/applications/slowboot")["status"] == "initializing"
    first.kill()
    second = start_simulator(state, client_cert, "--bootstrap-delay", "0.05")
    try:
        api = Api(second.url, second.ca_cert, cert=client_cert[:2])
        app = api.wait_until("/1.0/applications/slowboot", lambda app: app["status"] == "ready")
        assert app["versions"][0]["status"] == "active"
        assert [c["type"] for c in api.metadata("/1.0/containers?recursion=1")] == []
    finally:
        second.stop()


def test_sigterm_stops_promptly_with_pending_waits(tmp_path, client_cert):
    state = tmp_path / "state"
    process = start_simulator(state, client_cert, "--operation-delay", "60")
    api = Api(process.url, process.ca_cert, cert=client_cert[:2], timeout=60)
    response = api.patch("/1.0/config", json={"name": "gpu.type", "value": "amd"})
    waiter = threading.Thread(target=lambda: _ignore_errors(api.get, "/" + response.json()["operation"] + "/wait"))
    waiter.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert process.stop() == 0
    assert time.monotonic() - started < 10
    waiter.join(30)


def _ignore_errors(function, *args):
    try:
        function(*args)
    except Exception:  # the server went away under the waiting request, as intended
        pass


def _check_dump_command(state, expected):
    env = dict(os.environ, PYTHONPATH=SIMULATOR_DIR)
    result = subprocess.run([sys.executable, "-m", "ams_simulator.dump", "--state-dir", str(state)],
                            capture_output=True, text=True, timeout=30, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected + "\n"
    data = json.loads(result.stdout)
    assert [node["name"] for node in data["nodes"]] == ["pop-node-0"]
    assert [app["data"]["name"] for app in data["applications"]] == ["persist"]
    assert "operations" not in data
    assert "sim-trust-pw" not in result.stdout
    secret = next(row for row in data["config"] if row["key"] == "core.trust_password")
    assert set(secret["value"]) == {"sha256"}
    assert dump.main(["--state-dir", str(state / "none")]) == 1
