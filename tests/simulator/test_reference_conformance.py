"""Where the simulator once answered differently from the API reference (ams-http-api) or, where that is silent,
the swagger: each test quotes the words it follows."""

import io
import tarfile

import pytest
import yaml

import ams_sim_packages as packages
from ams_sim_client import Api
from conftest import start_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("reference") / "state", client_cert, "--populate-nodes", "1",
                              "--operation-delay", "0.02", "--bootstrap-delay", "0.05",
                              "--container-boot-delay", "0.02")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(sim, client_cert):
    api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "ref-image", "default": True}))
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("ref-addon"), meta={"name": "ref-addon"}))
    api.ok(api.upload("PATCH", "/1.0/addons/ref-addon", packages.addon("ref-addon", description="v1"), meta={}))
    return api


def _create(api, manifest, **kwargs):
    api.ok(api.upload("POST", "/1.0/applications", packages.application(manifest, **kwargs)))
    return _ready(api, manifest["name"] if isinstance(manifest, dict) else "versioned")


def _ready(api, name):
    return api.wait_until("/1.0/applications/" + name, lambda app: app["status_code"] in (-1, 2))


def test_version_addons_are_objects_with_name_and_version(api):
    """Swagger, ApplicationVersion: `addons: description: List of addons enabled for the version ... items:
    $ref: '#/definitions/ApplicationAddon'`, and ApplicationAddon has `name` and `version`. The application's
    own `addons` stays a list of names."""
    app = _create(api, {"name": "ref-addons", "instance-type": "a2.3", "addons": ["ref-addon"]})
    assert app["versions"][0]["addons"] == [{"name": "ref-addon", "version": 1}]
    assert app["addons"] == ["ref-addon"]


def test_resources_unset_show_gpu_slots_minus_one(api):
    """The reference's application example: `"resources": { // Application resources  "gpu-slots": -1 }` for an
    application whose manifest sets no resources (its instance type decides)."""
    assert _create(api, {"name": "ref-nores", "instance-type": "a2.3"})["resources"] == {"gpu-slots": -1}
    with_resources = _create(api, {"name": "ref-res", "instance-type": "a2.3",
                                   "resources": {"cpus": 4, "memory": "4GB"}})
    assert with_resources["resources"] == {"cpus": 4, "memory": "4GB", "gpu-slots": -1}


def test_export_is_an_image_with_metadata_and_rootfs(api):
    """GET /1.0/applications/<id or name>/<version>: "Export an application version image ... As a result, an
    application image that contains a piece of metadata.yaml and RootFS will be generated"."""
    package = packages.application({"name": "ref-export", "instance-type": "a2.3"})
    api.ok(api.upload("POST", "/1.0/applications", package))
    app = _ready(api, "ref-export")
    response = api.get("/1.0/applications/ref-export/0")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="ref-export_0.tar"'
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:") as image:
        names = image.getnames()
        metadata = yaml.safe_load(image.extractfile("metadata.yaml"))
        packaged = image.extractfile("rootfs/var/lib/anbox/application/package.tar.bz2").read()
    assert names[0] == "metadata.yaml" and all(n == "metadata.yaml" or n.startswith("rootfs/") for n in names)
    assert metadata["architecture"] == "x86_64" and metadata["creation_date"] == app["versions"][0]["created_at"]
    assert packaged == package


@pytest.mark.parametrize("text, version", [("1.0", "1.0"), ("1.10", "1.10"), ("2", "2"), ('"1.0"', "1.0")])
def test_unquoted_manifest_version_is_its_text(api, text, version):
    """Manifest `version` is a string of at most 50 characters; AMS's Go YAML decoder takes an unquoted
    `version: 1.10` as the string "1.10" (a YAML number to Python)."""
    name = "ref-v" + text.replace(".", "-").replace('"', "q")
    manifest = "name: %s\ninstance-type: a2.3\nversion: %s\n" % (name, text)
    api.ok(api.upload("POST", "/1.0/applications", packages.application(manifest)))
    app = _ready(api, name)
    assert app["versions"][0]["manifest_version"] == version
    assert yaml.safe_load(api.get("/1.0/applications/%s/manifest" % name).text)["version"] == version


def test_certificate_objects_hold_only_the_reference_keys(api, client_cert):
    """GET /1.0/certificates/<fingerprint>: `{"certificate": ..., "fingerprint": "<fingerprint>"}`; the SDK's
    Certificate has the same two fields (no `name`)."""
    certificate = api.metadata("/1.0/certificates/" + client_cert[2])
    assert set(certificate) == {"certificate", "fingerprint"}
    assert all(set(item) == {"certificate", "fingerprint"}
               for item in api.metadata("/1.0/certificates?recursion=1"))


def test_certificate_registration_refuses_unknown_fields_in_strict_mode_like_every_endpoint(api):
    """Every endpoint decodes alike; strict mode refuses an unknown field here too (AMS ignores it)."""
    response = api.post("/1.0/certificates", json={"certificate": "x", "name": "me"})
    assert response.status_code == 400 and "unknown field(s) name" in response.json()["error"]


def test_nodes_without_recursion_are_urls(api):
    """The reference contradicts itself here: "The default value is 0 which means that collection member URLs
    are returned", while its GET /1.0/nodes example (no recursion in the curl line) shows node objects. The
    simulator follows the general rule, as for every collection with a member URL (/1.0/nodes/<name>), and
    documents the choice; `?recursion=1` gives the objects."""
    assert api.metadata("/1.0/nodes") == ["/1.0/nodes/pop-node-0"]
    assert [node["name"] for node in api.metadata("/1.0/nodes?recursion=1")] == ["pop-node-0"]


def test_partial_updates_extension_is_offered(api):
    """"To use those fields that would create a new application version on application update, the server
    requires application_partial_updates extension." The simulator offers it, as current AMS does."""
    assert "application_partial_updates" in api.metadata("/1.0")["api_extensions"]


@pytest.mark.parametrize("body, check", [
    ({"boot_activity": "com.x.Main"}, lambda version, manifest: version["boot_activity"] == "com.x.Main"
     and manifest["boot-activity"] == "com.x.Main"),
    ({"video_encoder": "software"}, lambda version, manifest: version["video_encoder"] == "software"
     and manifest["video-encoder"] == "software"),
    ({"manifest_version": "2.0"}, lambda version, manifest: version["manifest_version"] == "2.0"
     and manifest["version"] == "2.0"),
    ({"required_permissions": ["android.permission.CAMERA"]},
     lambda version, manifest: version["required_permissions"] == ["android.permission.CAMERA"]),
    ({"watchdog": {"disabled": True}}, lambda version, manifest: version["watchdog"]["disabled"] is True
     and manifest["watchdog"] == {"disabled": True, "allowed-packages": []}),
    ({"services": [{"name": "adb", "port": 5555, "port_end": 5556, "protocols": ["tcp"], "expose": False}]},
     lambda version, manifest: manifest["services"] == [{"name": "adb", "port": 5555, "port-end": 5556,
                                                         "protocols": ["tcp"], "expose": False}]),
])
def test_fields_that_create_a_new_version(api, body, check):
    """The reference's table: services, watchdog, boot_activity, required_permissions, video_encoder and
    manifest_version "Will create a new application version": the PATCH makes version 1 from version 0's
    package and manifest with the field changed; it bootstraps like an upload."""
    name = "ref-partial-" + next(iter(body)).replace("_", "-")
    _create(api, {"name": name, "instance-type": "a2.3", "version": "1.0"})
    api.ok(api.patch("/1.0/applications/" + name, json=dict(body, tags=["both"])))
    app = _ready(api, name)
    assert [(v["number"], v["status"]) for v in app["versions"]] == [(0, "active"), (1, "active")]
    assert app["tags"] == ["both"]
    manifest = yaml.safe_load(api.get("/1.0/applications/%s/1/manifest" % name).text)
    assert check(app["versions"][1], manifest)
    assert manifest["name"] == name and manifest["instance-type"] == "a2.3"


def test_partial_update_checks_the_values(api):
    _create(api, {"name": "ref-partial-bad", "instance-type": "a2.3"})
    response = api.patch("/1.0/applications/ref-partial-bad", json={"video_encoder": "hardware"})
    assert response.status_code == 400 and "'video-encoder' 'hardware'" in response.json()["error"]
    assert len(api.metadata("/1.0/applications/ref-partial-bad")["versions"]) == 1


def test_without_the_extension(tmp_path, client_cert):
    """--disable-extension NAME starts an AMS without that extension: it is not listed, and what needs it is
    refused (zip_archive_support: zip packages; container_logs: the logs endpoints; application_partial_updates:
    the fields that create a version)."""
    process = start_simulator(tmp_path / "state", client_cert, "--populate-nodes", "1", "--operation-delay", "0.02",
                              "--bootstrap-delay", "0.05", "--container-boot-delay", "0.02",
                              "--disable-extension", "application_partial_updates",
                              "--disable-extension", "zip_archive_support", "--disable-extension", "container_logs")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        offered = api.metadata("/1.0")["api_extensions"]
        assert not {"application_partial_updates", "zip_archive_support", "container_logs"} & set(offered)
        assert "application_manifest_download" in offered
        api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "plain", "default": True}))
        zipped = api.upload("POST", "/1.0/applications", packages.application(
            {"name": "zipped", "instance-type": "a2.3"}, kind="zip"))
        assert zipped.status_code == 400 and "zip_archive_support" in zipped.json()["error"]
        _create(api, {"name": "old-ams", "instance-type": "a2.3"})
        refused = api.patch("/1.0/applications/old-ams", json={"boot_activity": "x"})
        assert refused.status_code == 400 and "application_partial_updates" in refused.json()["error"]
        api.ok(api.patch("/1.0/applications/old-ams", json={"tags": ["in-place"]}))
        url = api.ok(api.post("/1.0/containers", json={"app_id": "old-ams"}))["resources"]["containers"][0]
        assert api.get(url + "/logs").status_code == 404
    finally:
        process.stop()


def test_unknown_extension_name_is_refused(tmp_path):
    from ams_simulator.cli import parse
    with pytest.raises(SystemExit):
        parse(["--state-dir", str(tmp_path), "--disable-extension", "teleportation"])
