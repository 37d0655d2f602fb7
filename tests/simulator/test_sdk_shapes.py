"""Requests shaped exactly as the AMS Go SDK marshals them are accepted, in strict mode too, and have the same
effect as the minimal request the collection sends.

Go's encoding/json writes every field of the request type: a nil pointer as null, an empty string as "", a zero
number as 0, a nil slice as null; only `omitempty` fields are left out when empty. The bodies below follow the
struct tags of the SDK types named in each test (api/ams/*.go; pkg/ams/client/*.go for how they are sent).
"""

import base64
import json

import pytest

import ams_sim_packages as packages
from ams_sim_client import Api
from ams_simulator.testing import make_client_cert
from conftest import start_simulator

# Keys that differ between two otherwise identical objects made by two requests.
_IDENTITY = {"id", "name", "created_at", "address", "public_address", "services", "node", "is_master", "app_id",
             "fingerprint", "certificate"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("sdk") / "state", client_cert, "--populate-nodes", "2",
                              "--operation-delay", "0.02", "--bootstrap-delay", "0.05",
                              "--container-boot-delay", "0.02")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(sim, client_cert):
    api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "sdk-image", "default": True}))
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("sdk-addon"), meta={"name": "sdk-addon"}))
    for name in ("sdk-app", "own-app"):
        api.ok(api.upload("POST", "/1.0/applications", packages.application(
            {"name": name, "instance-type": "a2.3", "version": "1"})))
        _ready(api, name)
    return api


def _ready(api, name):
    return api.wait_until("/1.0/applications/" + name, lambda app: app["status_code"] in (-1, 2))


def _same(first, second, ignore=()):
    skip = _IDENTITY | set(ignore)
    assert {k: v for k, v in first.items() if k not in skip} == {k: v for k, v in second.items() if k not in skip}


def _last_entry(sim, method, path):
    return [e for e in sim.requests_since(0) if e["method"] == method and e["path"] == path][-1]


def _raw(api, method, path, body, headers=None):
    """Send body exactly as given (the SDK's bytes), without a Content-Type unless one is given."""
    return api.request(method, path, data=json.dumps(body, separators=(",", ":")), headers=headers or {})


def _launched(api, response):
    url = api.ok(response)["resources"]["containers"][0]
    return api.metadata(url)


def test_containers_post_from_an_application(api, sim):
    """api.ContainersPost: app_version/image_version/disk_size are pointers without omitempty (null);
    cpus, memory, gpu-slots, vpu-slots pointers with omitempty; config is a struct (always written)."""
    sdk = {"app_id": "sdk-app", "app_version": None, "image_id": "", "image_version": None, "instance_type": "",
           "node": "", "services": None, "disk_size": None, "cpus": 3, "gpu-slots": 0, "config": {}}
    own = {"app_id": "own-app", "cpus": 3, "gpu-slots": 0}
    container = _launched(api, _raw(api, "POST", "/1.0/containers", sdk))
    assert _last_entry(sim, "POST", "/1.0/containers")["ignored_fields"] == []
    _same(container, _launched(api, api.post("/1.0/containers", json=own)), ignore=("app_name",))
    assert container["resources"] == {"cpus": 3, "memory": "3GB", "disk-size": "3GB"}


def test_containers_post_from_an_image_and_container_delete(api):
    """api.ContainersPost from an image (app_id ""), with services (api.NetworkServiceSpec: port_end omitempty)
    and config fields (all omitempty); then api.ContainerDelete `{"force": false}`."""
    sdk = {"app_id": "", "app_version": None, "image_id": "sdk-image", "image_version": None,
           "instance_type": "a2.3", "node": "", "user_data": "x=1",
           "services": [{"protocols": ["tcp"], "expose": True, "name": "ssh", "port": 22}],
           "disk_size": 4000000000, "memory": 2000000000, "tags": ["t"],
           "config": {"platform": "webrtc", "boot_package": "com.x"}}
    own = {"image_id": "sdk-image", "instance_type": "a2.3", "user_data": "x=1",
           "services": [{"name": "ssh", "port": 22, "protocols": ["tcp"], "expose": True}],
           "disk_size": 4000000000, "memory": 2000000000, "tags": ["t"],
           "config": {"platform": "webrtc", "boot_package": "com.x"}}
    first = _launched(api, _raw(api, "POST", "/1.0/containers", sdk))
    second = _launched(api, api.post("/1.0/containers", json=own))
    _same(first, second)
    assert first["resources"] == {"cpus": 2, "memory": "2GB", "disk-size": "4GB"}
    api.ok(_raw(api, "DELETE", "/1.0/containers/" + first["id"], {"force": False}))
    api.ok(api.delete("/1.0/containers/" + second["id"]))
    assert api.get("/1.0/containers/" + first["id"]).status_code == 404


def test_nodes_post(api):
    """api.NodesPost: no pointers and no omitempty, so every field is written with its zero value."""
    sdk = {"name": "sdk-node", "address": "10.7.0.1", "public_address": "", "trust_password": "",
           "network_bridge_mtu": 0, "storage_device": "", "cpus": 0, "cpu_allocation_rate": 0, "memory": "",
           "memory_allocation_rate": 0, "gpu_slots": 0, "gpu_encoder_slots": 0, "tags": None, "unmanaged": False,
           "storage_pool": "", "network_name": "", "network_subnet": "", "trust_token": "", "network_acl_name": ""}
    api.ok(_raw(api, "POST", "/1.0/nodes", sdk))
    api.ok(api.post("/1.0/nodes", json={"name": "own-node", "address": "10.7.0.2"}))
    _same(api.metadata("/1.0/nodes/sdk-node"), api.metadata("/1.0/nodes/own-node"))


def test_node_patch_and_delete(api, sim):
    """api.NodePatch: every field a pointer without omitempty (null when not set), including the deprecated
    `unscheduable`, `gpus` and `subnet`; api.NodeDelete `{"force": false, "keep_in_cluster": false}`."""
    for name, address in (("sdk-node-p", "10.7.0.3"), ("own-node-p", "10.7.0.4")):
        api.ok(api.post("/1.0/nodes", json={"name": name, "address": address}))
    sdk = {"public_address": None, "cpus": None, "cpu_allocation_rate": None, "memory": None,
           "memory_allocation_rate": None, "gpu_slots": None, "gpu_encoder_slots": None, "tags": ["a"],
           "unschedulable": True, "gpus": None, "subnet": None, "unscheduable": None}
    api.ok(_raw(api, "PATCH", "/1.0/nodes/sdk-node-p", sdk))
    assert _last_entry(sim, "PATCH", "/1.0/nodes/sdk-node-p")["ignored_fields"] == []
    api.ok(api.patch("/1.0/nodes/own-node-p", json={"tags": ["a"], "unschedulable": True}))
    sdk_node, own_node = api.metadata("/1.0/nodes/sdk-node-p"), api.metadata("/1.0/nodes/own-node-p")
    _same(sdk_node, own_node)
    assert (sdk_node["tags"], sdk_node["unschedulable"]) == (["a"], True)
    api.ok(_raw(api, "DELETE", "/1.0/nodes/sdk-node-p", {"force": False, "keep_in_cluster": False}))
    api.ok(api.delete("/1.0/nodes/own-node-p"))
    assert api.get("/1.0/nodes/sdk-node-p").status_code == 404


def test_application_patch_in_place(api):
    """api.ApplicationPatch (UpdateApplicationWithDetails, Content-Type application/json): image,
    instance-type, tags, addons, inhibit_auto_updates, watchdog, boot_activity, required_permissions,
    manifest_version and features are pointers without omitempty (null); resources (api.ApplicationResourcesPost,
    every field a pointer with omitempty), services, video_encoder, hooks, bootstrap and node_selector are
    omitempty."""
    sdk = {"image": None, "instance-type": "a4.3", "tags": ["x"], "addons": ["sdk-addon"],
           "resources": {"cpus": 3, "memory": "4GB", "no_disk_reserve": True}, "inhibit_auto_updates": None,
           "watchdog": None, "boot_activity": None, "required_permissions": None, "manifest_version": None,
           "features": None}
    own = {"instance-type": "a4.3", "tags": ["x"], "addons": ["sdk-addon"],
           "resources": {"cpus": 3, "memory": "4GB", "no_disk_reserve": True}}
    api.ok(_raw(api, "PATCH", "/1.0/applications/sdk-app", sdk, {"Content-Type": "application/json"}))
    api.ok(api.patch("/1.0/applications/own-app", json=own))
    sdk_app, own_app = api.metadata("/1.0/applications/sdk-app"), api.metadata("/1.0/applications/own-app")
    _same(sdk_app, own_app, ignore=("versions",))
    assert sdk_app["resources"] == {"cpus": 3, "memory": "4GB", "gpu-slots": -1, "no_disk_reserve": True}
    assert len(sdk_app["versions"]) == 1


def test_application_patch_creating_a_version(api):
    """api.ApplicationPatch with boot_activity set (a field that creates a new version with the
    application_partial_updates extension), every other pointer null."""
    sdk = {"image": None, "instance-type": None, "tags": None, "addons": None, "inhibit_auto_updates": None,
           "watchdog": None, "boot_activity": "com.x.Main", "required_permissions": None, "manifest_version": None,
           "features": None}
    api.ok(_raw(api, "PATCH", "/1.0/applications/sdk-app", sdk, {"Content-Type": "application/json"}))
    api.ok(api.patch("/1.0/applications/own-app", json={"boot_activity": "com.x.Main"}))
    sdk_app, own_app = _ready(api, "sdk-app"), _ready(api, "own-app")
    for app in (sdk_app, own_app):
        assert [(v["number"], v["boot_activity"]) for v in app["versions"]] == [(0, ""), (1, "com.x.Main")]
    _same(sdk_app["versions"][1], own_app["versions"][1])


def test_application_upload_and_version_requests(api):
    """Application uploads: the SDK sends an empty X-AMS-Request (no details) and `?vm=false`. Then
    api.ApplicationVersionPatch `{"published": ...}` and api.ApplicationVersionDelete / api.ApplicationDelete
    `{"force": false}`."""
    package = packages.application({"name": "sdk-upload", "instance-type": "a2.3"})
    api.ok(api.request("POST", "/1.0/applications?vm=false", data=package, headers={
        "Content-Type": "application/octet-stream", "X-AMS-Request": "", "X-AMS-Fingerprint": ""}))
    _ready(api, "sdk-upload")
    api.ok(api.request("PATCH", "/1.0/applications/sdk-upload", data=packages.application(
        {"name": "sdk-upload", "instance-type": "a2.3", "version": "2"}),
        headers={"Content-Type": "application/octet-stream", "X-AMS-Request": ""}))
    _ready(api, "sdk-upload")
    api.ok(_raw(api, "PATCH", "/1.0/applications/sdk-upload/0", {"published": False}))
    assert [v["published"] for v in api.metadata("/1.0/applications/sdk-upload")["versions"]] == [False, True]
    api.ok(_raw(api, "DELETE", "/1.0/applications/sdk-upload/0", {"force": False}))
    assert [v["number"] for v in api.metadata("/1.0/applications/sdk-upload")["versions"]] == [1]
    api.ok(_raw(api, "DELETE", "/1.0/applications/sdk-upload", {"force": False}))
    assert api.get("/1.0/applications/sdk-upload").status_code == 404


def test_image_requests(api, sim):
    """api.ImagesPost as X-AMS-Request of an upload: `{"name", "path": "", "default": false, "type": ""}`
    (source omitempty); api.ImagePatch as X-AMS-Request of a re-upload: `{"default": null, "force_sync": false}`;
    SetDefaultImage's JSON PATCH `{"default": true, "force_sync": false}`; api.ImageDelete `{"force": false}`."""
    sdk_meta = {"name": "sdk-img", "path": "", "default": False, "type": ""}
    api.ok(api.upload("POST", "/1.0/images", packages.image(extra=b"s"), meta=sdk_meta))
    assert _last_entry(sim, "POST", "/1.0/images")["ignored_fields"] == []
    api.ok(api.upload("POST", "/1.0/images", packages.image(extra=b"o"), meta={"name": "own-img"}))
    _same(api.metadata("/1.0/images/sdk-img"), api.metadata("/1.0/images/own-img"), ignore=("versions",))
    api.ok(api.upload("PATCH", "/1.0/images/sdk-img", packages.image(extra=b"s1"),
                      meta={"default": None, "force_sync": False}))
    api.ok(api.upload("PATCH", "/1.0/images/own-img", packages.image(extra=b"o1"), meta={}))
    for name in ("sdk-img", "own-img"):
        image = api.metadata("/1.0/images/" + name)
        assert ([v["version"] for v in image["versions"]], image["default"]) == ([0, 1], False)
    api.ok(_raw(api, "PATCH", "/1.0/images/sdk-img", {"default": True, "force_sync": False},
                {"Content-Type": "application/json"}))
    assert api.metadata("/1.0/images/sdk-img")["default"] is True
    assert api.metadata("/1.0/images/sdk-image")["default"] is False
    api.ok(api.patch("/1.0/images/sdk-image", json={"default": True}))
    api.ok(_raw(api, "DELETE", "/1.0/images/sdk-img", {"force": False}))
    api.ok(api.delete("/1.0/images/own-img"))
    assert api.get("/1.0/images/sdk-img").status_code == 404


def test_addon_requests(api):
    """api.AddonsPost `{"name"}` and api.AddonPatch `{}` as X-AMS-Request; DeleteAddon sends no body."""
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("sdk-addon-2"), meta={"name": "sdk-addon-2"}))
    api.ok(api.upload("PATCH", "/1.0/addons/sdk-addon-2", packages.addon("sdk-addon-2", description="v1"), meta={}))
    assert [v["version"] for v in api.metadata("/1.0/addons/sdk-addon-2")["versions"]] == [0, 1]
    api.ok(api.request("DELETE", "/1.0/addons/sdk-addon-2"))
    assert api.get("/1.0/addons/sdk-addon-2").status_code == 404


def test_certificates_post_and_config_patch(api, tmp_path):
    """CertificatesPost (`trust-password` omitempty, so a trusted client sends only `certificate`) and
    api.ConfigPost `{"name", "value"}` (both strings)."""
    cert_path, _key, fingerprint = make_client_cert(str(tmp_path), name="sdk-client")
    with open(cert_path, encoding="ascii") as handle:
        pem = handle.read()
    der = base64.b64decode("".join(line for line in pem.splitlines() if "-----" not in line))
    response = _raw(api, "POST", "/1.0/certificates", {"certificate": base64.b64encode(der).decode()})
    assert response.status_code == 200 and response.json()["metadata"] is None
    assert api.metadata("/1.0/certificates/" + fingerprint)["fingerprint"] == fingerprint
    api.ok(_raw(api, "PATCH", "/1.0/config", {"name": "registry.filter", "value": "a,b"}))
    assert api.metadata("/1.0/config")["config"]["registry.filter"] == "a,b"
    api.ok(_raw(api, "PATCH", "/1.0/config", {"name": "registry.filter", "value": ""}))
    assert api.metadata("/1.0/config")["config"]["registry.filter"] == ""
