"""/1.0/containers: capacity-based scheduling, addresses, node ports, failures with logs, tasks."""

import ipaddress

import pytest

import ams_sim_packages as packages
from ams_sim_client import Api
from conftest import start_simulator

CONTAINER_KEYS = {"id", "name", "type", "status_code", "status", "node", "app_id", "app_name", "app_version",
                  "image_id", "image_version", "created_at", "address", "public_address", "services", "stored_logs",
                  "error_message", "config", "resources", "architecture", "tags"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("containers") / "state", client_cert,
                              "--operation-delay", "0.02", "--bootstrap-delay", "0.05",
                              "--container-boot-delay", "0.05", "--fail", "container:crashing-app")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(sim, client_cert):
    api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
    # Room for exactly two a2.3 containers (2 cpu, 3GB each): 4 cpus x 1, 6GB x 1.
    api.ok(api.post("/1.0/nodes", json={"name": "small", "address": "10.0.0.2", "public_address": "203.0.113.2",
                                        "cpus": 4, "cpu_allocation_rate": 1, "memory": "6GB",
                                        "memory_allocation_rate": 1, "network_subnet": "192.168.50.1/24"}))
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "base-image", "default": True}))
    api.ok(api.upload("POST", "/1.0/applications", packages.application({"name": "game", "instance-type": "a2.3"})))
    api.wait_until("/1.0/applications/game", lambda app: app["status"] == "ready")
    return api


def _launch(api, **body):
    body.setdefault("image_id", "base-image")
    if "app_id" in body:
        body.pop("image_id")
    else:
        body.setdefault("instance_type", "a2.3")
    return api.post("/1.0/containers", json=body)


def _container(api, response):
    url = response.json()["metadata"]["resources"]["containers"][0]
    return api.wait_until(url, lambda c: c["status_code"] in (-1, 4))


def _remove_all(api):
    for url in api.metadata("/1.0/containers"):
        api.ok(api.delete(url))


def test_capacity_scheduling_and_refusal(api):
    first = _launch(api)
    second = _launch(api)
    api.ok(first)
    api.ok(second)
    containers = [_container(api, first), _container(api, second)]
    assert {c["node"] for c in containers} == {"small"}
    assert all(c["status"] == "running" for c in containers)
    refused = _launch(api)
    assert refused.status_code == 400
    assert "no node has enough free capacity" in refused.json()["error"]
    api.ok(api.post("/1.0/nodes", json={"name": "big", "address": "10.0.0.3", "cpus": 64}))
    third = _launch(api)
    api.ok(third)
    assert _container(api, third)["node"] == "big"
    explicit = _launch(api, node="small")
    assert explicit.status_code == 400 and "node small has not enough free capacity" in explicit.json()["error"]
    api.ok(api.delete("/1.0/containers/" + containers[0]["id"]))
    again = _launch(api, node="small")
    api.ok(again)
    assert _container(api, again)["node"] == "small"
    _remove_all(api)


def test_unschedulable_nodes_are_skipped(api):
    api.ok(api.patch("/1.0/nodes/big", json={"unschedulable": True}))
    try:
        for _round in range(2):
            api.ok(_launch(api))
        refused = _launch(api)
        assert refused.status_code == 400
        direct = _launch(api, node="big")
        assert direct.status_code == 400 and "unschedulable" in direct.json()["error"]
    finally:
        api.ok(api.patch("/1.0/nodes/big", json={"unschedulable": False}))
        _remove_all(api)


def test_container_object_address_and_node_ports(api):
    services = [{"name": "ssh", "port": 22, "protocols": ["tcp"], "expose": True},
                {"name": "adb", "port": 5555, "port_end": 5557, "protocols": ["tcp", "udp"], "expose": False}]
    launched = [_launch(api, node="small", services=services) for _index in range(2)]
    for response in launched:
        api.ok(response)
    first, second = (_container(api, response) for response in launched)
    assert set(first) == CONTAINER_KEYS
    assert first["name"] == "ams-" + first["id"] and first["type"] == "regular"
    assert first["public_address"] == "203.0.113.2"
    assert first["address"] != second["address"]
    for container in (first, second):
        assert ipaddress.ip_address(container["address"]) in ipaddress.ip_network("192.168.50.0/24")
        assert container["address"] != "192.168.50.1"
    ports = []
    for container in (first, second):
        ssh, adb = container["services"]
        assert (ssh["name"], ssh["port"], ssh["expose"]) == ("ssh", 22, True)
        assert adb["node_port_end"] - adb["node_port"] == 2
        ports += [ssh["node_port"]] + list(range(adb["node_port"], adb["node_port_end"] + 1))
    assert len(ports) == len(set(ports)) == 8
    assert all(10000 <= port <= 11000 for port in ports)
    # The SDK's Container.Resources: every key omitempty, so no GPU slot means no "gpu-slots".
    assert first["resources"] == {"cpus": 2, "memory": "3GB", "disk-size": "3GB"}
    _remove_all(api)


def test_explicit_resources_override_the_instance_type(api):
    """The SDK's ContainersPost (what AMS reads): `cpus`, `gpu-slots`, `vpu-slots`; `memory` and `disk_size` in
    bytes. The API text's example spells `cpu` and `gpu_slots`, which AMS ignores."""
    response = _launch(api, node="big", cpus=3, memory=2 * 10 ** 9, disk_size=5 * 10 ** 9, **{"gpu-slots": 0})
    api.ok(response)
    assert _container(api, response)["resources"] == {"cpus": 3, "memory": "2GB", "disk-size": "5GB"}
    response = _launch(api, node="big", **{"vpu-slots": 1})
    api.ok(response)
    assert _container(api, response)["resources"] == {"cpus": 2, "memory": "3GB", "disk-size": "3GB",
                                                      "vpu-slots": 1}
    _remove_all(api)


def test_reference_spellings_of_launch_resources_are_refused_in_strict_mode(api):
    response = api.post("/1.0/containers", json={"image_id": "base-image", "instance_type": "a2.3", "cpu": 3,
                                                 "gpu_slots": 1})
    assert response.status_code == 400
    assert "unknown field(s) cpu (AMS reads 'cpus'), gpu_slots (AMS reads 'gpu-slots')" in response.json()["error"]


def test_launch_from_application(api):
    response = _launch(api, app_id="game", config={"platform": "webrtc"})
    api.ok(response)
    container = _container(api, response)
    app = api.metadata("/1.0/applications/game")
    assert (container["app_id"], container["app_name"], container["app_version"]) == (app["id"], "game", 0)
    assert container["config"]["platform"] == "webrtc"
    _remove_all(api)


def test_failing_container_has_error_and_logs(api):
    """The reference: an operation's `err` is "The error string should the operation have failed", and status
    400 "Failure" is a "negative action result". The launch operation ("Creating container") ends in Failure
    with the reason when the container fails to start; the container stays, in error, with its log files."""
    api.ok(api.upload("POST", "/1.0/applications", packages.application(
        {"name": "crashing-app", "instance-type": "a2.3"})))
    api.wait_until("/1.0/applications/crashing-app", lambda app: app["status"] == "ready")
    response = _launch(api, app_id="crashing-app")
    operation = api.wait(response)
    assert (operation["status_code"], operation["status"]) == (400, "Failure")
    assert "failed to start (simulated failure)" in operation["err"]
    container = api.metadata(operation["resources"]["containers"][0])
    assert (container["status_code"], container["status"]) == (-1, "error")
    assert "simulated failure" in container["error_message"]
    assert container["stored_logs"] == ["android.log", "console.log", "container.log", "system.log"]
    logs = api.metadata("/1.0/containers/%s/logs" % container["id"])
    assert logs == ["/1.0/containers/%s/logs/%s" % (container["id"], name) for name in container["stored_logs"]]
    text = api.get(logs[0])
    assert text.status_code == 200 and "FATAL EXCEPTION" in text.text
    assert api.get("/1.0/containers/%s/logs/nope.log" % container["id"]).status_code == 404
    task = next(t for t in api.metadata("/1.0/tasks") if t["object_id"] == container["id"])
    assert task["status"] == "error"
    _remove_all(api)


@pytest.mark.parametrize("body, fragment", [
    ({"app_id": "game", "image_id": "base-image"}, "exactly one of"),
    ({}, "exactly one of"),
    ({"image_id": "nope", "instance_type": "a2.3"}, "image 'nope' does not exist"),
    ({"image_id": "base-image"}, "'instance_type' is required"),
    ({"image_id": "base-image", "instance_type": "huge"}, "not one of"),
    ({"image_id": "base-image", "instance_type": "a2.3", "image_version": 5}, "no version 5"),
    ({"app_id": "nope"}, "application 'nope' does not exist"),
    ({"app_id": "game", "app_version": 7}, "no version 7"),
    ({"image_id": "base-image", "instance_type": "a2.3", "node": "ghost"}, "node ghost does not exist"),
    ({"image_id": "base-image", "instance_type": "a2.3", "services": [{"name": "x", "port": 70000}]}, "port range"),
    ({"image_id": "base-image", "instance_type": "a2.3", "services": [{"name": "x", "port": 0}]}, "'port' is required"),
    ({"image_id": "base-image", "instance_type": "a2.3", "cpus": 0}, "'cpus' must be at least 1"),
    ({"image_id": "base-image", "instance_type": "a2.3", "cpus": "2"}, "'cpus' must be a number"),
    ({"image_id": "base-image", "instance_type": "a2.3", "config": {"platform": "x11"}}, "config.platform"),
    ({"image_id": "base-image", "instance_type": "a2.3", "colour": 1}, "unknown field(s) colour"),
    ({"image_id": "base-image", "instance_type": "a2.3", "config": {"colour": 1}}, "unknown field(s) config.colour"),
])
def test_invalid_launches(api, body, fragment):
    before = api.metadata("/1.0/containers")
    response = api.post("/1.0/containers", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]
    assert api.metadata("/1.0/containers") == before


def test_delete_container_and_unknown(api):
    response = _launch(api)
    api.ok(response)
    container = _container(api, response)
    api.ok(api.delete("/1.0/containers/" + container["id"]))
    assert api.get("/1.0/containers/" + container["id"]).status_code == 404
    assert api.delete("/1.0/containers/" + container["id"]).status_code == 404
