"""How request fields are decoded: AMS's way by default (Go encoding/json: unknown fields ignored, null and ""
not given), recorded in the request log; --strict-fields refuses unknown fields; the old node spelling."""

import json

import pytest

import ams_sim_packages as packages
from ams_sim_client import Api
from ams_simulator.testing import SimulatorProcess, make_client_cert
from conftest import TRUST_PASSWORD, start_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    """Lenient, as AMS is (the default of the simulator)."""
    process = start_simulator(tmp_path_factory.mktemp("lenient") / "state", client_cert, "--populate-nodes", "1",
                              "--operation-delay", "0.02", "--bootstrap-delay", "0.05",
                              "--container-boot-delay", "0.02", strict_fields=False)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(sim, client_cert):
    api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "lenient-image", "default": True}))
    return api


def _entry(sim, mark):
    entries = [e for e in sim.requests_since(mark) if e["method"] != "GET"]
    assert len(entries) == 1, entries
    return entries[0]


def test_reference_spelling_of_launch_resources_is_ignored_as_ams_does(api, sim):
    """The API text's example sends `cpu` and `gpu_slots`; AMS reads the SDK's `cpus` and `gpu-slots` and
    ignores the rest: the container gets its instance type's resources, and the log says what was ignored."""
    mark = sim.log_mark()
    response = api.post("/1.0/containers", json={"image_id": "lenient-image", "instance_type": "a2.3", "cpu": 3,
                                                 "gpu_slots": 1, "config": {"colour": "red", "platform": "null"}})
    url = api.ok(response)["resources"]["containers"][0]
    assert api.metadata(url)["resources"] == {"cpus": 2, "memory": "3GB", "disk-size": "3GB"}
    assert _entry(sim, mark)["ignored_fields"] == ["config.colour", "cpu", "gpu_slots"]
    assert "POST /1.0/containers: ignored unknown field(s) config.colour, cpu, gpu_slots" in sim.stderr_text()
    api.ok(api.delete(url))


def test_sdk_spelling_of_launch_resources_is_read(api, sim):
    mark = sim.log_mark()
    response = api.post("/1.0/containers", json={"image_id": "lenient-image", "instance_type": "a2.3", "cpus": 3,
                                                 "gpu-slots": 0})
    url = api.ok(response)["resources"]["containers"][0]
    assert api.metadata(url)["resources"] == {"cpus": 3, "memory": "3GB", "disk-size": "3GB"}
    assert _entry(sim, mark)["ignored_fields"] == []
    api.ok(api.delete(url))


def test_null_and_empty_strings_are_not_given(api, sim):
    """Go's zero values: null (and "") for an unknown field carries nothing, so nothing is recorded; for a
    known one it means "not given" (here: no node, no user data, the latest image version)."""
    mark = sim.log_mark()
    response = api.post("/1.0/containers", json={"image_id": "lenient-image", "instance_type": "a2.3", "node": "",
                                                 "user_data": None, "image_version": None, "colour": None,
                                                 "shade": ""})
    url = api.ok(response)["resources"]["containers"][0]
    container = api.metadata(url)
    assert (container["image_version"], container["node"]) == (0, "pop-node-0")
    assert _entry(sim, mark)["ignored_fields"] == []
    api.ok(api.delete(url))


def test_wrong_types_are_still_400(api):
    """A known field of the wrong JSON type does not decode (Go's decoder fails), in lenient mode too."""
    response = api.post("/1.0/containers", json={"image_id": "lenient-image", "instance_type": "a2.3",
                                                 "cpus": "3"})
    assert response.status_code == 400 and "'cpus' must be a number" in response.json()["error"]


def test_unknown_header_fields_and_empty_header(api, sim):
    """X-AMS-Request is decoded the same way; an empty header is accepted (the SDK sends one)."""
    mark = sim.log_mark()
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("lenient-addon"),
                      meta={"name": "lenient-addon", "colour": "red"}))
    assert _entry(sim, mark)["ignored_fields"] == ["X-AMS-Request.colour"]
    api.ok(api.upload("PATCH", "/1.0/addons/lenient-addon", packages.addon("lenient-addon"),
                      headers={"X-AMS-Request": ""}))
    assert [v["version"] for v in api.metadata("/1.0/addons/lenient-addon")["versions"]] == [0, 1]


def test_certificate_registration_with_the_underscore_spelling(sim, client_cert, tmp_path):
    """`trust_password` is not what AMS reads (`trust-password`): it is ignored, so the registration is not
    authorised; the 403 says why."""
    cert_path, key_path, _fingerprint = make_client_cert(str(tmp_path), name="newcomer")
    with open(cert_path, encoding="ascii") as handle:
        body = "".join(line for line in handle.read().splitlines() if "-----" not in line)
    stranger = Api(sim.url, sim.ca_cert, cert=(cert_path, key_path))
    refused = stranger.post("/1.0/certificates", json={"certificate": body, "trust_password": TRUST_PASSWORD})
    assert refused.status_code == 403 and "spelled 'trust-password'" in refused.json()["error"]
    accepted = stranger.post("/1.0/certificates", json={"certificate": body, "trust-password": TRUST_PASSWORD,
                                                        "name": "ignored"})
    assert accepted.status_code == 200, accepted.text


def test_node_fields_not_in_the_patch_type_are_ignored(api, sim):
    """api.NodePatch has no `name` or `storage_pool`: AMS ignores them and applies the rest."""
    mark = sim.log_mark()
    api.ok(api.patch("/1.0/nodes/pop-node-0", json={"name": "renamed", "storage_pool": "x", "tags": ["kept"]}))
    assert _entry(sim, mark)["ignored_fields"] == ["name", "storage_pool"]
    node = api.metadata("/1.0/nodes/pop-node-0")
    assert (node["name"], node["storage_pool"], node["tags"]) == ("pop-node-0", "ams0", ["kept"])


def test_strict_mode_refuses_unknown_fields_and_changes_nothing(tmp_path, client_cert):
    process = start_simulator(tmp_path / "state", client_cert, "--populate-nodes", "1", strict_fields=True)
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        before = api.metadata("/1.0/nodes/pop-node-0")
        response = api.patch("/1.0/nodes/pop-node-0", json={"tags": ["x"], "unschedulabel": True})
        assert response.status_code == 400
        assert "unknown field(s) unschedulabel" in response.json()["error"]
        assert api.metadata("/1.0/nodes/pop-node-0") == before
        assert process.requests_since(0)[-2]["status"] == 400
    finally:
        process.stop()


@pytest.mark.parametrize("env, strict_fields, expected", [
    ("1", None, 400), ("", None, 202), ("true", False, 202), ("0", True, 400),
])
def test_strict_fields_from_the_environment_or_the_parameter(tmp_path, client_cert, monkeypatch, env,
                                                             strict_fields, expected):
    """AMS_SIMULATOR_STRICT_FIELDS sets the default; SimulatorProcess(strict_fields=...) overrides it."""
    monkeypatch.setenv("AMS_SIMULATOR_STRICT_FIELDS", env)
    process = SimulatorProcess(str(tmp_path / "state"), extra_args=["--trust-cert", client_cert[0],
                                                                    "--populate-nodes", "1"],
                               strict_fields=strict_fields).start()
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        assert api.patch("/1.0/nodes/pop-node-0", json={"colour": "red"}).status_code == expected
    finally:
        process.stop()


def test_bad_environment_value_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("AMS_SIMULATOR_STRICT_FIELDS", "maybe")
    process = SimulatorProcess(str(tmp_path / "state"))
    with pytest.raises(Exception) as raised:
        process.start()
    assert "AMS_SIMULATOR_STRICT_FIELDS must be one of" in str(raised.value)


def test_legacy_unscheduable_spelling(tmp_path, client_cert):
    """AMS before 1.20 spells the node field `unscheduable`; the SDK still carries both (the old one
    deprecated). With --legacy-unscheduable nodes report and read only the old spelling."""
    process = start_simulator(tmp_path / "state", client_cert, "--populate-nodes", "1", "--legacy-unscheduable",
                              "--operation-delay", "0.02", strict_fields=False)
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        node = api.metadata("/1.0/nodes/pop-node-0")
        assert node["unscheduable"] is False and "unschedulable" not in node
        api.ok(api.patch("/1.0/nodes/pop-node-0", json={"unscheduable": True}))
        node = api.metadata("/1.0/nodes/pop-node-0")
        assert node["unscheduable"] is True
        assert api.metadata("/1.0/nodes?recursion=1") == [node]
        etag = api.get("/1.0/nodes/pop-node-0").headers["ETag"]
        mark = process.log_mark()
        api.ok(api.patch("/1.0/nodes/pop-node-0", json={"unschedulable": False}, headers={"If-Match": etag}))
        assert process.requests_since(mark)[0]["ignored_fields"] == ["unschedulable"]
        assert api.metadata("/1.0/nodes/pop-node-0")["unscheduable"] is True
        api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "legacy-image"}))
        launch = api.post("/1.0/containers", json={"image_id": "legacy-image", "instance_type": "a2.3"})
        assert launch.status_code == 400 and "no online, schedulable node" in launch.json()["error"]
    finally:
        process.stop()


def test_current_spelling_accepts_the_deprecated_alias(api):
    api.ok(api.patch("/1.0/nodes/pop-node-0", json={"unscheduable": True}))
    node = api.metadata("/1.0/nodes/pop-node-0")
    assert node["unschedulable"] is True and "unscheduable" not in node
    api.ok(api.patch("/1.0/nodes/pop-node-0", json={"unschedulable": False, "unscheduable": True}))
    assert api.metadata("/1.0/nodes/pop-node-0")["unschedulable"] is False


def test_request_log_lines_are_json_with_ignored_fields(api, sim):
    assert api.get("/1.0/version").status_code == 200
    with open(sim.request_log, encoding="utf-8") as handle:
        entries = [json.loads(line) for line in handle]
    assert entries and all(isinstance(entry["ignored_fields"], list) for entry in entries)


def test_request_log_tells_whether_an_if_match_header_was_sent(api, sim):
    node = "/1.0/nodes/" + api.get("/1.0/nodes?recursion=1").json()["metadata"][0]["name"]
    etag = api.get(node).headers["ETag"]
    mark = sim.log_mark()
    api.ok(api.patch(node, json={"tags": ["with-etag"]}, headers={"If-Match": etag}))
    api.ok(api.patch(node, json={"tags": ["without-etag"]}))
    patches = [entry for entry in sim.requests_since(mark) if entry["method"] == "PATCH"]
    assert [entry["if_match"] for entry in patches] == [True, False]
