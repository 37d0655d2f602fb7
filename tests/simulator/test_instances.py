"""/1.0/instances: names, launch fields, lifecycle, PATCH/ETag, delete protection, logs, filters, older servers."""

import asyncio
import json

import pytest

import ams_sim_async
import ams_sim_packages as packages
from ams_sim_client import Api
from conftest import start_simulator

INSTANCE_KEYS = {"id", "name", "base", "type", "status_code", "status", "node", "app_id", "app_name", "app_version",
                 "image_id", "image_name", "image_version", "created_at", "address", "public_address", "services",
                 "stored_logs", "error_message", "status_message", "config", "resources", "architecture"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("instances") / "state", client_cert,
                              "--operation-delay", "0.02", "--bootstrap-delay", "0.05",
                              "--container-boot-delay", "0.1", "--populate-nodes", "1",
                              "--fail", "instance:doomed", "--fail", "container:crashing-app")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(sim, client_cert):
    api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
    api.ok(api.post("/1.0/nodes", json={"name": "gpu-node", "address": "10.0.9.2", "cpus": 16, "gpu_slots": 4,
                                        "network_subnet": "192.168.90.1/24"}))
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "inst-image", "default": True}))
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("inst-addon"), meta={"name": "inst-addon"}))
    for name in ("inst-app", "crashing-app"):
        api.ok(api.upload("POST", "/1.0/applications", packages.application({"name": name, "instance-type": "a2.3"})))
        api.wait_until("/1.0/applications/" + name, lambda app: app["status"] == "ready")
    return api


def _launch(api, query=None, **body):
    if "image_id" not in body:
        body.setdefault("app_id", "inst-app")
    return api.post("/1.0/instances", json=body, params=query)


def _instance_url(response):
    return response.json()["metadata"]["resources"]["instances"][0]


def _delete(api, ref):
    api.ok(api.delete("/1.0/instances/" + ref))


def test_extensions_announced(api):
    extensions = api.metadata("/1.0")["api_extensions"]
    for name in ("instance_support", "vm_support", "instance_exec", "container_exec", "container_logs"):
        assert name in extensions


def test_launch_waits_until_running_and_shows_in_both_listings(api):
    response = _launch(api, name="first-one", tags=["canary", "eu"])
    assert response.status_code == 202
    op = api.ok(response)
    url = _instance_url(response)
    assert op["resources"] == {"instances": [url]}
    instance = api.metadata("/1.0/instances/first-one")
    assert instance["status"] == "running" and instance["status_code"] == 4
    assert set(instance) == INSTANCE_KEYS | {"tags"}
    assert instance["name"] == "first-one" and instance["type"] == "container" and instance["base"] is False
    assert instance["tags"] == ["canary", "eu"] and instance["app_name"] == "inst-app"
    assert instance["resources"] == {"cpus": 2, "memory": 3 * 10 ** 9, "disk-size": 3 * 10 ** 9}
    assert instance["config"]["security"] == {"delete_protected": False}
    assert url == "/1.0/instances/" + instance["id"]
    assert api.metadata(url) == instance
    assert url in api.metadata("/1.0/instances")
    assert instance in api.metadata("/1.0/instances", params={"recursion": "1"})
    container = api.metadata("/1.0/containers/" + instance["id"])
    assert container["name"] == "first-one" and container["status"] == "running" and container["type"] == "regular"
    assert "/1.0/containers/" + instance["id"] in api.metadata("/1.0/containers")
    _delete(api, "first-one")
    assert api.get("/1.0/instances/first-one").status_code == 404
    assert api.get("/1.0/containers/" + instance["id"]).status_code == 404


def test_container_launched_through_containers_is_an_instance(api):
    response = api.post("/1.0/containers", json={"app_id": "inst-app"})
    api.ok(response)
    container_id = response.json()["metadata"]["resources"]["containers"][0].rsplit("/", 1)[1]
    api.wait_until("/1.0/containers/" + container_id, lambda c: c["status"] == "running")
    instance = api.metadata("/1.0/instances/ams-" + container_id)
    assert instance["id"] == container_id and instance["name"] == "ams-" + container_id
    assert instance["type"] == "container" and instance["status"] == "running"
    _delete(api, container_id)


def test_names_unique_auto_and_valid(api):
    api.ok(_launch(api, name="twin", no_start=True))
    clash = _launch(api, name="twin")
    assert clash.status_code == 409 and "twin already exists" in clash.json()["error"]
    auto = _launch(api, no_start=True)
    api.ok(auto)
    instance = api.metadata(_instance_url(auto))
    assert instance["name"] == "ams-" + instance["id"]
    for bad in ("-lead", "trail-", "has space", "under_score", "x" * 64, "12345"):
        refused = _launch(api, name=bad)
        assert refused.status_code == 400 and "instance name" in refused.json()["error"], bad
    assert _launch(api, name=instance["id"]).status_code == 409
    _delete(api, "twin")
    _delete(api, instance["id"])


def test_launch_fields(api):
    body = {
        "name": "full", "type": "vm", "image_id": "inst-image", "node": "gpu-node", "addons": ["inst-addon"],
        "tags": ["t1"], "user_data": "{\"k\": 1}",
        "services": [{"name": "adb", "port": 5559, "protocols": ["tcp"], "expose": True},
                     {"name": "range", "port": 3000, "port_end": 3002, "protocols": ["udp"], "expose": False}],
        "resources": {"cpus": 4, "memory": 4 * 10 ** 9, "disk_size": 5 * 10 ** 9, "gpu-slots": 1, "gpu-type": "nvidia",
                      "vpu-slots": 2, "no_disk_reserve": True},
        "config": {"platform": "webrtc", "boot_package": "com.example", "disable_watchdog": True, "devmode": True,
                   "enable_streaming": True, "features": "f1,f2", "metrics_server": "10.0.0.45:8086",
                   "display": {"width": 1280, "height": 720, "fps": 60, "density": 240},
                   "security": {"delete_protected": True}},
    }
    api.ok(api.post("/1.0/instances", json=body))
    instance = api.metadata("/1.0/instances/full")
    assert instance["type"] == "vm" and instance["node"] == "gpu-node" and instance["image_name"] == "inst-image"
    assert instance["resources"] == {"cpus": 4, "memory": 4 * 10 ** 9, "disk-size": 5 * 10 ** 9, "gpu-slots": 1,
                                     "gpu-type": "nvidia", "vpu-slots": 2, "no_disk_reserve": True}
    assert instance["config"] == {"platform": "webrtc", "boot_package": "com.example", "disable_watchdog": True,
                                  "devmode": True, "enable_streaming": True, "features": "f1,f2",
                                  "metrics_server": "10.0.0.45:8086",
                                  "display": {"width": 1280, "height": 720, "fps": 60, "density": 240},
                                  "security": {"delete_protected": True}}
    adb, ranged = instance["services"]
    assert adb["name"] == "adb" and adb["port"] == 5559 and 10000 <= adb["node_port"] <= 11000 and adb["expose"]
    assert ranged["node_port_end"] - ranged["node_port"] == 2
    assert adb["node_port"] not in range(ranged["node_port"], ranged["node_port_end"] + 1)
    api.ok(api.patch("/1.0/instances/full", json={"config": {"security": {"delete_protected": False}}}))
    _delete(api, "full")


@pytest.mark.parametrize("body, message", [
    ({"type": "lxc"}, "type must be container or vm"),
    ({"app_id": "nope"}, "application 'nope' does not exist"),
    ({"image_id": "inst-image", "app_id": "inst-app"}, "exactly one of app_id or image_id"),
    ({"app_id": "", "image_id": ""}, "exactly one of app_id or image_id"),
    ({"addons": ["missing-addon"]}, "addon 'missing-addon' does not exist"),
    ({"node": "no-such-node"}, "node no-such-node does not exist"),
    ({"resources": {"gpu-type": "matrox"}}, "gpu-type must be one of amd, intel, nvidia"),
    ({"resources": {"memory": "3GB"}}, "field 'resources.memory' must be a number"),
    ({"resources": {"cpus": 0}}, "'cpus' must be at least 1"),
    ({"config": {"display": {"width": -1}}}, "'width' must not be negative"),
    ({"config": {"platform": "x11"}}, "platform must be one of"),
    ({"services": [{"name": "s", "port": 70000}]}, "not a valid port range"),
    ({"source": {"type": "instance", "id": "abc"}}, "source"),
])
def test_launch_refusals(api, body, message):
    before = api.metadata("/1.0/instances")
    body.setdefault("name", "refused")
    response = _launch(api, **body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert api.metadata("/1.0/instances") == before


def test_vm_applications_are_not_simulated(api):
    refused = api.request("POST", "/1.0/applications?vm=true", data=packages.application({"name": "vm-app"}))
    assert refused.status_code == 400 and "are not simulated" in refused.json()["error"]
    assert api.get("/1.0/applications/vm-app").status_code == 404


def test_go_style_empty_values_mean_not_given(api):
    body = {"name": "go-style", "type": "", "app_id": "inst-app", "app_version": None, "image_id": "",
            "image_version": None, "node": "", "services": None, "resources": {"disk_size": None},
            "config": {"display": {"width": 0, "height": 0, "fps": 0, "density": 0}, "security": {}}}
    api.ok(api.post("/1.0/instances", json=body))
    instance = api.metadata("/1.0/instances/go-style")
    assert instance["type"] == "container" and instance["services"] is None and instance["status"] == "running"
    _delete(api, "go-style")


def _lifecycle_actions(sim, client_cert, action):
    """Run action() while listening to lifecycle events; the actions seen for containers, in order."""

    async def scenario():
        async with ams_sim_async.session(sim.ca_cert, client_cert[:2]) as session:
            async with session.ws_connect(sim.url + "/1.0/events?type=lifecycle,operation") as ws:
                await asyncio.get_event_loop().run_in_executor(None, action)
                seen = []
                while True:
                    message = await asyncio.wait_for(ws.receive(), 30)
                    event = json.loads(message.data)
                    if event["type"] == "operation":
                        seen.append("operation-" + event["metadata"]["status"].lower())
                    else:
                        seen.append(event["metadata"]["action"])
                    if any(item in ("container-running", "container-stopped", "container-error") for item in seen) \
                            and any(item in ("operation-success", "operation-failure") for item in seen):
                        return seen

    return asyncio.run(scenario())


def test_lifecycle_steps_and_no_wait(sim, client_cert, api):
    seen = _lifecycle_actions(sim, client_cert, lambda: api.ok(_launch(api, name="steps")))
    assert [s for s in seen if s.startswith("container-")] == ["container-created", "container-prepared",
                                                               "container-started", "container-running"]
    assert seen.index("operation-success") > seen.index("container-running")
    seen = _lifecycle_actions(sim, client_cert, lambda: api.ok(
        api.patch("/1.0/instances/steps", json={"desired_status": "stopped"}, params={"no_wait": "true"})))
    assert seen.index("operation-success") < seen.index("container-stopped")
    api.wait_until("/1.0/instances/steps", lambda i: i["status"] == "stopped")
    seen = _lifecycle_actions(sim, client_cert, lambda: api.ok(
        api.patch("/1.0/instances/steps", json={"desired_status": "running"})))
    assert [s for s in seen if s.startswith("container-")] == ["container-started", "container-running"]
    assert seen.index("operation-success") > seen.index("container-running")
    seen = _lifecycle_actions(sim, client_cert, lambda: api.ok(_launch(api, name="lazy", no_start=True)))
    assert [s for s in seen if s.startswith("container-")] == ["container-created", "container-prepared",
                                                               "container-stopped"]
    seen = _lifecycle_actions(sim, client_cert, lambda: api.ok(_launch(api, name="quick", query={"no_wait": "true"})))
    assert seen.index("operation-success") < seen.index("container-running")
    for name in ("steps", "lazy", "quick"):
        _delete(api, name)


def test_patch_status_etag_and_refusals(api):
    api.ok(_launch(api, name="patchy"))
    response = api.get("/1.0/instances/patchy")
    etag = response.headers["ETag"]
    assert etag
    op = api.ok(api.patch("/1.0/instances/patchy", json={"desired_status": "stopped"}, headers={"If-Match": etag}))
    assert op["resources"]["instances"][0].endswith(response.json()["metadata"]["id"])
    assert api.metadata("/1.0/instances/patchy")["status"] == "stopped"
    stale = api.patch("/1.0/instances/patchy", json={"desired_status": "running"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert api.metadata("/1.0/instances/patchy")["status"] == "stopped"
    api.ok(api.patch("/1.0/instances/patchy", json={"desired_status": "stopped"}))
    assert api.metadata("/1.0/instances/patchy")["status"] == "stopped"
    for body, message in (({"desired_status": "paused"}, "desired_status must be running or stopped"),
                          ({}, "nothing to change"),
                          ({"desired_status": None, "config": {"security": {}}}, "nothing to change"),
                          ({"config": {"security": {"delete_protected": "yes"}}}, "must be a boolean")):
        refused = api.patch("/1.0/instances/patchy", json=body)
        assert refused.status_code == 400 and message in refused.json()["error"], body
    api.ok(api.patch("/1.0/instances/patchy", json={"desired_status": "running"}))
    assert api.metadata("/1.0/instances/patchy")["status"] == "running"
    assert api.patch("/1.0/instances/nobody", json={"desired_status": "running"}).status_code == 404
    _delete(api, "patchy")


def test_delete_protection(api):
    api.ok(_launch(api, name="guarded", config={"security": {"delete_protected": True}}))
    instance = api.metadata("/1.0/instances/guarded")
    for path in ("/1.0/instances/guarded", "/1.0/instances/" + instance["id"], "/1.0/containers/" + instance["id"]):
        refused = api.delete(path, json={"force": True})
        assert refused.status_code == 400 and "guarded is delete protected" in refused.json()["error"], path
    assert api.metadata("/1.0/instances/guarded")["status"] == "running"
    etag = api.get("/1.0/instances/guarded").headers["ETag"]
    api.ok(api.patch("/1.0/instances/guarded", json={"config": {"security": {"delete_protected": False}}},
                     headers={"If-Match": etag}))
    current = api.get("/1.0/instances/guarded")
    assert current.json()["metadata"]["config"]["security"]["delete_protected"] is False
    assert current.headers["ETag"] != etag
    assert api.delete("/1.0/instances/guarded", headers={"If-Match": etag}).status_code == 412
    api.ok(api.delete("/1.0/instances/guarded", headers={"If-Match": current.headers["ETag"]}))
    assert api.get("/1.0/instances/guarded").status_code == 404
    api.ok(_launch(api, name="guarded", no_start=True))
    _delete(api, "guarded")


def test_failure_ends_in_error_with_logs(api):
    op = api.wait(_launch(api, name="doomed"))
    assert op["status_code"] == 400 and "doomed failed to start" in op["err"]
    instance = api.metadata("/1.0/instances/doomed")
    assert instance["status"] == "error" and instance["status_code"] == -1
    assert "simulated failure" in instance["error_message"]
    assert instance["stored_logs"] == ["android.log", "console.log", "container.log", "system.log"]
    logs = api.metadata("/1.0/instances/doomed/logs")
    assert logs == ["/1.0/instances/%s/logs/%s" % (instance["id"], name) for name in instance["stored_logs"]]
    text = api.get(logs[1])
    assert text.status_code == 200 and "boot aborted" in text.text
    assert api.get("/1.0/instances/doomed/logs/nope.log").status_code == 404
    refused = api.patch("/1.0/instances/doomed", json={"desired_status": "running"})
    assert refused.status_code == 400 and "error state" in refused.json()["error"]
    _delete(api, "doomed")
    crashing = api.wait(_launch(api, name="crash-by-app", app_id="crashing-app"))
    assert crashing["status_code"] == 400
    assert api.metadata("/1.0/instances/crash-by-app")["status"] == "error"
    _delete(api, "crash-by-app")


def test_filters_and_paging(api):
    api.ok(_launch(api, name="filter-a", tags=["red", "big"]))
    api.ok(_launch(api, name="filter-b", tags=["red"], no_start=True, type="vm"))
    listed = api.metadata("/1.0/instances", params={"recursion": "1", "tags": "red"})
    assert sorted(i["name"] for i in listed) == ["filter-a", "filter-b"]
    assert [i["name"] for i in api.metadata("/1.0/instances", params={"recursion": "1", "tags": "red,big"})] == \
        ["filter-a"]
    assert [i["name"] for i in api.metadata("/1.0/instances", params={"recursion": "1", "type": "vm"})] == \
        ["filter-b"]
    stopped = api.metadata("/1.0/instances", params={"recursion": "1", "status": "stopped", "app_name": "inst-app"})
    assert [i["name"] for i in stopped] == ["filter-b"]
    by_name = api.metadata("/1.0/instances", params={"name": "filter-a"})
    assert by_name == ["/1.0/instances/" + api.metadata("/1.0/instances/filter-a")["id"]]
    everything = api.metadata("/1.0/instances")
    assert api.metadata("/1.0/instances", params={"offset": "1", "limit": "1"}) == everything[1:2]
    assert api.get("/1.0/instances", params={"limit": "x"}).status_code == 400
    _delete(api, "filter-a")
    _delete(api, "filter-b")


@pytest.fixture(scope="module")
def older(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("older") / "state", client_cert, "--operation-delay", "0.02",
                              "--populate-nodes", "1", "--populate-containers", "1", "--without-instances")
    yield process
    process.stop()


def test_older_server_has_no_instances(older, client_cert):
    api = Api(older.url, older.ca_cert, cert=client_cert[:2])
    extensions = api.metadata("/1.0")["api_extensions"]
    for name in ("instance_support", "vm_support", "instance_exec", "container_exec"):
        assert name not in extensions
    assert "container_logs" in extensions
    for method, path in (("GET", "/1.0/instances"), ("POST", "/1.0/instances"), ("GET", "/1.0/instances/x"),
                         ("PATCH", "/1.0/instances/x"), ("DELETE", "/1.0/instances/x"),
                         ("GET", "/1.0/instances/x/logs")):
        response = api.request(method, path, json={"app_id": "populated-app"})
        assert response.status_code == 404, (method, path)
        assert response.json()["type"] == "error"
    assert len(api.metadata("/1.0/containers")) == 1


@pytest.fixture(scope="module")
def no_vm(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("novm") / "state", client_cert, "--operation-delay", "0.02",
                              "--populate-nodes", "1", "--populate-containers", "1",
                              "--without-extension", "vm_support")
    yield process
    process.stop()


def test_vm_needs_vm_support(no_vm, client_cert):
    api = Api(no_vm.url, no_vm.ca_cert, cert=client_cert[:2])
    assert "vm_support" not in api.metadata("/1.0")["api_extensions"]
    assert "instance_support" in api.metadata("/1.0")["api_extensions"]
    refused = api.post("/1.0/instances", json={"app_id": "populated-app", "type": "vm"})
    assert refused.status_code == 400 and "vm_support" in refused.json()["error"]
    refused = api.request("POST", "/1.0/applications?vm=true", data=packages.application({"name": "vm-app"}))
    assert refused.status_code == 400 and "needs the vm_support API extension" in refused.json()["error"]
    op = api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "plain"}))
    assert op["status_code"] == 200
    assert len(api.metadata("/1.0/instances")) == 2


def test_restart_carries_on_a_pending_transition(tmp_path, client_cert):
    process = start_simulator(tmp_path / "state", client_cert, "--operation-delay", "0.02",
                              "--container-boot-delay", "1.0", "--populate-nodes", "1", "--populate-containers", "1")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "sleeper"},
                        params={"no_wait": "true"}))
        api.wait_until("/1.0/instances/sleeper", lambda i: i["status"] == "running", timeout=60)
        api.ok(api.patch("/1.0/instances/sleeper", json={"desired_status": "stopped"}, params={"no_wait": "true"}))
        process.kill()
        process.start()
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        api.wait_until("/1.0/instances/sleeper", lambda i: i["status"] == "stopped", timeout=60)
    finally:
        process.stop()


def test_cancelled_or_interrupted_launch_leaves_no_instance(tmp_path, client_cert):
    """A launch that waits for its instance can be cancelled, and a restart interrupts it: either way the
    operation undoes the launch, as every other operation does."""
    process = start_simulator(tmp_path / "state", client_cert, "--operation-delay", "0.02",
                              "--container-boot-delay", "30", "--populate-nodes", "1", "--populate-containers", "1")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        response = api.post("/1.0/instances", json={"app_id": "populated-app", "name": "cancelled"})
        assert response.status_code == 202
        op = response.json()["metadata"]
        assert op["may_cancel"] is True
        assert api.metadata("/1.0/instances/cancelled")["status"] == "created"
        assert api.delete("/1.0/operations/" + op["id"]).status_code == 202
        final = api.metadata("/1.0/operations/" + op["id"])
        assert (final["status_code"], final["err"]) == (401, "operation cancelled")
        assert api.get("/1.0/instances/cancelled").status_code == 404
        response = api.post("/1.0/containers", json={"app_id": "populated-app"})
        container = response.json()["metadata"]["resources"]["containers"][0]
        assert api.metadata(container)["status"] == "created"
        process.kill()
        process.start()
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        interrupted = api.metadata("/1.0/operations/" + response.json()["metadata"]["id"])
        assert interrupted["status_code"] == 400 and "interrupted" in interrupted["err"]
        assert api.get(container).status_code == 404
    finally:
        process.stop()


@pytest.fixture(scope="module")
def lenient(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("lenient-instances") / "state", client_cert,
                              "--operation-delay", "0.02", "--container-boot-delay", "0.02", "--populate-nodes", "1",
                              "--populate-containers", "1", strict_fields=False)
    yield process
    process.stop()


def test_unknown_fields_are_ignored_and_logged(lenient, client_cert):
    """As AMS's Go decoder does: the container launch's spellings are not what an instance launch reads."""
    api = Api(lenient.url, lenient.ca_cert, cert=client_cert[:2])
    mark = lenient.log_mark()
    api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "loose", "cpus": 4, "shade": None,
                                            "resources": {"disk-size": 10 ** 10, "memory": 4 * 10 ** 9},
                                            "config": {"security": {"delete_protected": False, "lock": True}}}))
    instance = api.metadata("/1.0/instances/loose")
    assert instance["resources"]["memory"] == 4 * 10 ** 9 and instance["resources"]["cpus"] == 2
    assert instance["resources"]["disk-size"] == 3 * 10 ** 9
    entries = [e for e in lenient.requests_since(mark) if e["method"] == "POST"]
    assert entries[0]["ignored_fields"] == ["config.security.lock", "cpus", "resources.disk-size"]
    mark = lenient.log_mark()
    api.ok(api.patch("/1.0/instances/loose", json={"desired_status": "stopped", "force": True}))
    assert [e for e in lenient.requests_since(mark) if e["method"] == "PATCH"][0]["ignored_fields"] == ["force"]
    assert api.metadata("/1.0/instances/loose")["status"] == "stopped"
    api.ok(api.delete("/1.0/instances/loose"))


def test_strict_fields_refuse_them(api):
    refused = _launch(api, name="strict", cpus=4)
    assert refused.status_code == 400
    assert "unknown field(s) cpus (AMS reads 'resources.cpus')" in refused.json()["error"]
    assert api.get("/1.0/instances/strict").status_code == 404
    api.ok(_launch(api, name="strict", no_start=True))
    refused = api.patch("/1.0/instances/strict", json={"desired_status": "running", "force": True})
    assert refused.status_code == 400 and "unknown field(s) force" in refused.json()["error"]
    assert api.metadata("/1.0/instances/strict")["status"] == "stopped"
    _delete(api, "strict")


@pytest.fixture(scope="module")
def disabled(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("disabled") / "state", client_cert, "--operation-delay", "0.02",
                              "--container-boot-delay", "0.02", "--populate-nodes", "1", "--populate-containers", "1",
                              "--disable-extension", "instance_support", "--disable-extension", "container_exec")
    yield process
    process.stop()


def test_disabled_extensions(disabled, client_cert):
    """--disable-extension works on the instance extensions one by one."""
    api = Api(disabled.url, disabled.ca_cert, cert=client_cert[:2])
    extensions = api.metadata("/1.0")["api_extensions"]
    assert "instance_support" not in extensions and "container_exec" not in extensions
    assert "vm_support" in extensions and "instance_exec" in extensions
    container = api.metadata("/1.0/containers")[0]
    for method, path in (("GET", "/1.0/instances"), ("POST", "/1.0/instances"),
                         ("GET", "/1.0/instances/" + container.rsplit("/", 1)[1]),
                         ("POST", "/1.0/instances/%s/exec" % container.rsplit("/", 1)[1]),
                         ("POST", container + "/exec")):
        response = api.request(method, path, json={"command": ["true"]})
        assert response.status_code == 404 and "API extension" in response.json()["error"], (method, path)
