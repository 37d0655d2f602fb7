"""/1.0/applications: bootstrap, manifest validation, versions, publishing, in-place updates, manifests."""


import pytest
import yaml

import ams_sim_packages as packages
from ams_simulator.dump import canonical, dump_state
from ams_sim_client import Api
from conftest import start_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("apps") / "state", client_cert, "--populate-nodes", "1",
                              "--operation-delay", "0.05", "--bootstrap-delay", "0.6",
                              "--fail", "application:doomed-app", "--stale-etag-once", "application/stale-app")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(sim, client_cert):
    api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "android13", "default": True}))
    api.ok(api.upload("POST", "/1.0/images", packages.image(extra=b"12"), meta={"name": "android12"}))
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("ssh-addon"), meta={"name": "ssh-addon"}))
    return api


def _create(api, manifest, **kwargs):
    return api.upload("POST", "/1.0/applications", packages.application(manifest, **kwargs))


def _ready(api, name):
    return api.wait_until("/1.0/applications/" + name, lambda app: app["status_code"] in (-1, 2))


def test_application_bootstraps_through_a_base_container(api):
    response = _create(api, {"name": "app-boot", "instance-type": "a4.3", "boot-package": "com.example.app"})
    assert response.status_code == 202
    app_id = response.json()["metadata"]["resources"]["applications"][0].rsplit("/", 1)[1]
    app = api.metadata("/1.0/applications/" + app_id)
    assert (app["status_code"], app["status"]) == (1, "initializing")
    assert [(v["number"], v["status_code"]) for v in app["versions"]] == [(0, 1)]
    api.ok(response)
    base = [c for c in api.metadata("/1.0/containers?recursion=1") if c["app_id"] == app_id]
    assert [c["type"] for c in base] == ["base"]
    app = _ready(api, "app-boot")
    assert (app["status_code"], app["status"], app["published"]) == (2, "ready", True)
    version = app["versions"][0]
    assert (version["status_code"], version["status"], version["published"]) == (3, "active", True)
    assert app["instance_type"] == "a4.3" and app["boot_package"] == "com.example.app"
    assert app["parent_image_id"] == api.metadata("/1.0/images/android13")["id"]
    assert not [c for c in api.metadata("/1.0/containers?recursion=1") if c["app_id"] == app_id]
    assert api.metadata("/1.0/applications/app-boot") == api.metadata("/1.0/applications/" + app_id)


def test_bootstrap_failure_reports_error(api):
    api.ok(_create(api, {"name": "doomed-app", "instance-type": "a2.3"}))
    app = _ready(api, "doomed-app")
    assert (app["status_code"], app["status"]) == (-1, "error")
    assert app["versions"][0]["status_code"] == -1
    assert "doomed-app" in app["versions"][0]["error_message"]


@pytest.mark.parametrize("manifest, fragment", [
    ({"name": "bad name", "instance-type": "a2.3"}, "must not be empty nor hold spaces"),
    ({"name": "bad:name", "instance-type": "a2.3"}, "must not be empty nor hold spaces"),
    ({"name": "app-v", "instance-type": "a2.3", "version": "x" * 51}, "at most 50"),
    ({"name": "app-v", "instance-type": "a2.3", "version": [1]}, "'version' must be a string"),
    ({"name": "app-v", "instance-type": "a3.3"}, "'instance-type' 'a3.3' is not one of"),
    ({"name": "app-v"}, "'instance-type' is required"),
    ({"name": "app-v", "instance-type": "a2.3", "video-encoder": "hardware"}, "'video-encoder'"),
    ({"name": "app-v", "instance-type": "a2.3", "watchdog": {"enabled": True}}, "'watchdog' has unknown key"),
    ({"name": "app-v", "instance-type": "a2.3", "resources": {"ram": "2GB"}}, "unknown key(s) ram"),
    ({"name": "app-v", "instance-type": "a2.3", "resources": {"cpus": "two"}}, "resources'.cpus"),
    ({"name": "app-v", "instance-type": "a2.3", "image": "android99"}, "image 'android99' does not exist"),
    ({"name": "app-v", "instance-type": "a2.3", "addons": ["nope"]}, "addon 'nope' does not exist"),
    ({"name": "app-v", "instance-type": "a2.3", "colour": "red"}, "unknown key(s) colour"),
    ({"name": "app-v", "instance-type": "a2.3", "tags": "one"}, "'tags' must be a list of strings"),
    ({"instance-type": "a2.3"}, "'name' is required"),
    ("name: [unclosed", "not valid YAML"),
    ("- a\n- b\n", "must be a YAML mapping"),
    (None, "no manifest.yaml"),
], ids=lambda value: None)
def test_manifest_validation(api, sim, manifest, fragment):
    before = canonical(dump_state(sim.state_dir))
    response = _create(api, manifest)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]
    assert canonical(dump_state(sim.state_dir)) == before


def test_application_archive_kinds(api):
    wrong = _create(api, {"name": "app-gz", "instance-type": "a2.3"}, kind="tar.gz")
    assert wrong.status_code == 400 and "tar.bz2 or zip" in wrong.json()["error"]
    api.ok(_create(api, {"name": "app-zip", "instance-type": "a2.3"}, kind="zip"))
    assert _ready(api, "app-zip")["status"] == "ready"


def test_duplicate_application_is_409(api):
    api.ok(_create(api, {"name": "app-dup", "instance-type": "a2.3"}))
    assert _create(api, {"name": "app-dup", "instance-type": "a2.3"}).status_code == 409


def test_new_version_manifests_and_export(api):
    first = packages.application({"name": "app-ver", "instance-type": "a2.3", "version": "1.0"})
    api.ok(api.upload("POST", "/1.0/applications", first))
    _ready(api, "app-ver")
    busy = api.upload("PATCH", "/1.0/applications/app-ver", packages.application(
        {"name": "other-name", "instance-type": "a2.3"}))
    assert busy.status_code == 400 and "other-name" in busy.json()["error"]
    second = packages.application({"name": "app-ver", "instance-type": "a4.3", "version": "1.1",
                                   "image": "android12", "watchdog": {"disabled": True}})
    api.ok(api.upload("PATCH", "/1.0/applications/app-ver", second))
    app = _ready(api, "app-ver")
    assert [(v["number"], v["status"], v["manifest_version"]) for v in app["versions"]] == [
        (0, "active", "1.0"), (1, "active", "1.1")]
    assert app["instance_type"] == "a4.3"
    latest = yaml.safe_load(api.get("/1.0/applications/app-ver/manifest").text)
    assert latest == {"name": "app-ver", "version": "1.1", "image": "android12", "instance-type": "a4.3",
                      "video-encoder": "gpu-preferred", "watchdog": {"disabled": True, "allowed-packages": []},
                      "abi": "x86_64"}
    v0 = yaml.safe_load(api.get("/1.0/applications/app-ver/0/manifest").text)
    assert v0["image"] == "android13" and v0["instance-type"] == "a2.3" and v0["version"] == "1.0"
    assert api.get("/1.0/applications/app-ver/9/manifest").status_code == 404


def test_in_place_updates_with_etag(api):
    """The reference's JSON PATCH example `{"tags": [ "game" ], "instance-type": "a4.3"}`; the other names as the
    SDK's ApplicationPatch spells them (`inhibit_auto_updates`, `resources` with `cpus`, `gpu-slots`, ...).
    A resources PATCH changes the keys it gives (the SDK's pointers): the others stay."""
    api.ok(_create(api, {"name": "app-patch", "instance-type": "a2.3", "tags": ["a"]}))
    _ready(api, "app-patch")
    etag = api.get("/1.0/applications/app-patch").headers["ETag"]
    fields = {"instance-type": "a6.3", "tags": ["game"], "addons": ["ssh-addon"], "resources": {"cpus": 3},
              "inhibit_auto_updates": True, "image": "android12"}
    api.ok(api.patch("/1.0/applications/app-patch", json=fields, headers={"If-Match": etag}))
    app = api.metadata("/1.0/applications/app-patch")
    assert (app["instance_type"], app["tags"], app["addons"], app["resources"], app["inhibit_auto_updates"]) == (
        "a6.3", ["game"], ["ssh-addon"], {"cpus": 3, "gpu-slots": -1}, True)
    assert app["parent_image_id"] == api.metadata("/1.0/images/android12")["id"]
    assert len(app["versions"]) == 1
    stale = api.patch("/1.0/applications/app-patch", json={"tags": []}, headers={"If-Match": etag})
    assert stale.status_code == 412
    api.ok(api.patch("/1.0/applications/app-patch", json={"instance-type": "a8.3", "resources": {
        "memory": "4GB", "disk-size": "8GB", "gpu-slots": 1, "vpu-slots": 1, "no_disk_reserve": True}}))
    app = api.metadata("/1.0/applications/app-patch")
    assert app["instance_type"] == "a8.3"
    assert app["resources"] == {"cpus": 3, "memory": "4GB", "disk-size": "8GB", "gpu-slots": 1, "vpu-slots": 1,
                                "no_disk_reserve": True}
    # null leaves a key as it is; 0 and false are values, which the SDK's ApplicationResources omits (omitempty).
    api.ok(api.patch("/1.0/applications/app-patch", json={"resources": {
        "memory": None, "disk-size": None, "gpu-slots": -1, "vpu-slots": 0, "no_disk_reserve": False}}))
    assert api.metadata("/1.0/applications/app-patch")["resources"] == {
        "cpus": 3, "memory": "4GB", "disk-size": "8GB", "gpu-slots": -1}
    manifest = yaml.safe_load(api.get("/1.0/applications/app-patch/manifest").text)
    assert (manifest["instance-type"], manifest["tags"], manifest["addons"], manifest["resources"],
            manifest["image"]) == ("a8.3", ["game"], ["ssh-addon"], {"cpus": 3, "memory": "4GB", "disk-size": "8GB"},
                                   "android12")
    assert api.metadata("/1.0/addons/ssh-addon")["used_by"] == ["app-patch"]


def test_stale_etag_once_on_an_application(api):
    api.ok(_create(api, {"name": "stale-app", "instance-type": "a2.3"}))
    _ready(api, "stale-app")
    without_etag = api.get("/1.0/applications/stale-app")
    first = api.patch("/1.0/applications/stale-app", json={"tags": ["t"]},
                      headers={"If-Match": without_etag.headers["ETag"]})
    assert first.status_code == 412
    reread = api.get("/1.0/applications/stale-app")
    assert reread.json()["metadata"]["tags"] == ["concurrent-change"]
    api.ok(api.patch("/1.0/applications/stale-app", json={"tags": ["t"]}, headers={"If-Match": reread.headers["ETag"]}))
    assert api.metadata("/1.0/applications/stale-app")["tags"] == ["t"]


@pytest.mark.parametrize("body, fragment", [
    ({"colour": "red"}, "unknown field(s) colour"),
    ({"instance_type": "a8.3"}, "instance_type (AMS reads 'instance-type')"),
    ({"instance-type": "z9"}, "not one of"),
    ({"image": "android99"}, "does not exist"),
    ({"addons": ["nope"]}, "do not exist"),
    ({"tags": "x"}, "must be a list"),
    ({"tags": [1]}, "must be a list of strings"),
    ({"resources": {"ram": 1}}, "unknown field(s) resources.ram"),
    ({"resources": {"no-disk-reserve": True}}, "resources.no-disk-reserve (AMS reads 'no_disk_reserve')"),
    ({"resources": {"memory": 4000}}, "'resources.memory' must be a string"),
    ({"resources": {"memory": "lots"}}, "must be a size"),
    ({"resources": {"cpus": 0}}, "resources.cpus must be at least 1"),
])
def test_invalid_in_place_updates(api, body, fragment):
    response = api.patch("/1.0/applications/app-boot", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


def _published(api, name):
    return [v["number"] for v in api.metadata("/1.0/applications/" + name)["versions"] if v["published"]]


def _numbers(api, name):
    return [v["number"] for v in api.metadata("/1.0/applications/" + name)["versions"]]


def test_auto_publish_and_max_published_versions(api):
    """The reference: `application.max_published_versions` "Limit the number of stored application versions";
    the swagger: "If the number of application versions exceeds this configuration, AMS automatically cleans up
    older versions". The oldest version is deleted once a new one is made; auto_publish publishes new ones."""
    api.ok(api.patch("/1.0/config", json={"name": "application.max_published_versions", "value": "2"}))
    try:
        api.ok(_create(api, {"name": "app-pub", "instance-type": "a2.3", "version": "0"}))
        _ready(api, "app-pub")
        api.ok(api.upload("PATCH", "/1.0/applications/app-pub", packages.application(
            {"name": "app-pub", "instance-type": "a2.3", "version": "1"})))
        _ready(api, "app-pub")
        assert _published(api, "app-pub") == [0, 1]
        api.ok(api.patch("/1.0/applications/app-pub/1", json={"published": False}))
        assert _published(api, "app-pub") == [0]
        api.ok(api.upload("PATCH", "/1.0/applications/app-pub", packages.application(
            {"name": "app-pub", "instance-type": "a2.3", "version": "2"})))
        _ready(api, "app-pub")
        assert _numbers(api, "app-pub") == [1, 2] and _published(api, "app-pub") == [2]
        assert api.get("/1.0/applications/app-pub/0/manifest").status_code == 404
        api.ok(api.patch("/1.0/config", json={"name": "application.auto_publish", "value": "false"}))
        api.ok(api.upload("PATCH", "/1.0/applications/app-pub", packages.application(
            {"name": "app-pub", "instance-type": "a2.3", "version": "3"})))
        app = _ready(api, "app-pub")
        assert app["versions"][-1]["status"] == "active"
        assert _numbers(api, "app-pub") == [2, 3] and _published(api, "app-pub") == [2]
        assert api.patch("/1.0/applications/app-pub/3", json={"published": "yes"}).status_code == 400
    finally:
        api.ok(api.patch("/1.0/config", json={"name": "application.auto_publish", "value": "true"}))
        api.ok(api.patch("/1.0/config", json={"name": "application.max_published_versions", "value": "3"}))


def test_versions_in_use_are_not_cleaned_up(api):
    """Choice where the reference is silent: a version containers use is kept, the next oldest goes."""
    api.ok(api.patch("/1.0/config", json={"name": "application.max_published_versions", "value": "2"}))
    try:
        api.ok(_create(api, {"name": "app-keep", "instance-type": "a2.3", "version": "0"}))
        _ready(api, "app-keep")
        api.ok(api.post("/1.0/containers", json={"app_id": "app-keep", "app_version": 0}))
        for number in (1, 2):
            api.ok(api.upload("PATCH", "/1.0/applications/app-keep", packages.application(
                {"name": "app-keep", "instance-type": "a2.3", "version": str(number)})))
            _ready(api, "app-keep")
        assert _numbers(api, "app-keep") == [0, 2]
    finally:
        api.ok(api.patch("/1.0/config", json={"name": "application.max_published_versions", "value": "3"}))
        api.ok(api.delete("/1.0/applications/app-keep", json={"force": True}))


def test_version_delete_and_application_delete_with_containers(api):
    api.ok(_create(api, {"name": "app-del", "instance-type": "a2.3"}))
    _ready(api, "app-del")
    api.ok(api.upload("PATCH", "/1.0/applications/app-del", packages.application(
        {"name": "app-del", "instance-type": "a2.3", "version": "2"})))
    _ready(api, "app-del")
    api.ok(api.post("/1.0/containers", json={"app_id": "app-del", "app_version": 0}))
    refused = api.delete("/1.0/applications/app-del/0")
    assert refused.status_code == 409
    api.ok(api.delete("/1.0/applications/app-del/0", json={"force": True}))
    assert [v["number"] for v in api.metadata("/1.0/applications/app-del")["versions"]] == [1]
    only = api.delete("/1.0/applications/app-del/1")
    assert only.status_code == 400
    api.ok(api.post("/1.0/containers", json={"app_id": "app-del"}))
    refused = api.delete("/1.0/applications/app-del")
    assert refused.status_code == 409 and "container" in refused.json()["error"]
    api.ok(api.delete("/1.0/applications/app-del", json={"force": True}))
    assert api.get("/1.0/applications/app-del").status_code == 404
    assert not [c for c in api.metadata("/1.0/containers?recursion=1") if c["app_name"] == "app-del"]


def test_update_while_bootstrapping_is_409(api):
    api.ok(_create(api, {"name": "app-busy", "instance-type": "a2.3"}))
    response = api.upload("PATCH", "/1.0/applications/app-busy", packages.application(
        {"name": "app-busy", "instance-type": "a2.3", "version": "2"}))
    assert response.status_code == 409
