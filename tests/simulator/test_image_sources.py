"""POST /1.0/images with a JSON body: an image imported by name from the image server's catalogue (the
operation fails for a name the server does not have), or published from an instance (instance_publish)."""

import json

import pytest

import ams_sim_packages as packages
from ams_simulator import image_server
from ams_sim_client import Api
from conftest import start_simulator


def test_import_an_image_of_the_catalogue(api):
    name = "jammy:android13:amd64"
    response = api.post("/1.0/images", json={"name": name, "default": False})
    assert response.status_code == 202, response.text
    api.ok(response)
    image_id = response.json()["metadata"]["resources"]["images"][0].rsplit("/", 1)[-1]
    image = api.metadata("/1.0/images/" + image_id)
    architecture, remote_id, size, fingerprint = image_server.lookup(name)
    shown = (image["name"], image["architecture"], image["immutable"], image["default"])
    assert shown == (name, architecture, True, False)
    assert [(v["version"], v["fingerprint"], v["size"], v["remote_id"], v["status"]) for v in image["versions"]] \
        == [(0, fingerprint, size, remote_id, "active")]
    # By name too, as clients address images.
    assert api.metadata("/1.0/images/" + name)["id"] == image_id


def test_import_as_the_sdk_marshals_it(api):
    # ImportImage sends every field of api.ImagesPost: path and type empty, no source.
    name = "jammy:android14:arm64"
    api.ok(api.post("/1.0/images", json={"name": name, "path": "", "default": True, "type": ""}))
    assert api.metadata("/1.0/images/" + name)["default"] is True


def test_import_of_a_name_the_image_server_lacks_fails_the_operation_and_leaves_nothing(api):
    op = api.wait(api.post("/1.0/images", json={"name": "jammy:android99:amd64"}))
    assert op["status_code"] == 400
    assert op["err"].startswith("failed to import image jammy:android99:amd64: the image server "
                                "https://images.anbox-cloud.io/stable/ has no image named jammy:android99:amd64 "
                                "(it has ")
    assert "jammy:android13:amd64" in op["err"]
    assert api.get("/1.0/images/jammy:android99:amd64").status_code == 404


def test_import_of_an_existing_name_is_409(api):
    api.ok(api.post("/1.0/images", json={"name": "jammy:android15:amd64"}))
    again = api.post("/1.0/images", json={"name": "jammy:android15:amd64"})
    assert again.status_code == 409 and "already exists" in again.json()["error"]


def test_an_imported_image_takes_no_upload(api):
    import ams_sim_packages as packages
    api.ok(api.post("/1.0/images", json={"name": "jammy:aaos13:amd64"}))
    etag = api.get("/1.0/images/jammy:aaos13:amd64").headers["ETag"]
    refused = api.upload("PATCH", "/1.0/images/jammy:aaos13:amd64", packages.image(), meta={},
                         headers={"If-Match": etag})
    assert refused.status_code == 400 and "immutable" in refused.json()["error"]


@pytest.mark.parametrize("body, fragment", [
    ({"name": "x", "source": {"type": "upload"}}, "sends the image tarball as the request body"),
    ({"name": "x", "source": {"type": "mirror"}}, "unknown source type 'mirror'"),
    ({"default": True}, "'name' is required"),
    ({"name": "x", "source": "instance"}, "must be an object"),
])
def test_bad_json_creations_are_400(api, body, fragment):
    response = api.post("/1.0/images", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]


# -- publishing an instance (instance_publish) -------------------------------------------------------

@pytest.fixture(scope="module")
def publisher(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("publish") / "state", client_cert,
                              "--operation-delay", "0.02", "--container-boot-delay", "0.05",
                              "--populate-nodes", "1", "--fail", "image:doomed-golden")
    api = Api(process.url, process.ca_cert, cert=client_cert[:2])
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "pub-base"}))
    yield api
    process.stop()


def _instance(api, name, no_start):
    api.ok(api.post("/1.0/instances", json={"name": name, "image_id": "pub-base", "no_start": no_start}))
    wanted = "stopped" if no_start else "running"
    return api.wait_until("/1.0/instances/" + name, lambda item: item["status"] == wanted)


def _publish(api, name, instance, force=False, default=False):
    source = {"type": "instance", "instance": instance}
    if force:
        source["force"] = True
    return api.post("/1.0/images", json={"name": name, "default": default, "source": source})


def test_instance_publish_is_announced(publisher):
    assert "instance_publish" in publisher.metadata("/1.0")["api_extensions"]


def test_publish_a_stopped_instance(publisher):
    instance = _instance(publisher, "pub-stopped", no_start=True)
    response = _publish(publisher, "golden-stopped", instance["id"], default=True)
    op = publisher.ok(response)
    assert op["resources"]["instances"] == ["/1.0/instances/" + instance["id"]]
    image = publisher.metadata("/1.0/images/golden-stopped")
    assert (image["default"], image["immutable"], image["architecture"]) == (True, False, "x86_64")
    assert [version["version"] for version in image["versions"]] == [0]
    assert publisher.metadata("/1.0/instances/pub-stopped")["status"] == "stopped"


def test_a_running_instance_needs_force(publisher):
    _instance(publisher, "pub-running", no_start=False)
    refused = _publish(publisher, "golden-running", "pub-running")
    assert refused.status_code == 400
    assert refused.json()["error"] == ("instance pub-running is running: stop it before publishing it, or set "
                                       "source.force to have it stopped first")
    assert publisher.get("/1.0/images/golden-running").status_code == 404
    publisher.ok(_publish(publisher, "golden-running", "pub-running", force=True))
    assert publisher.metadata("/1.0/instances/pub-running")["status"] == "stopped"
    assert publisher.metadata("/1.0/images/golden-running")["name"] == "golden-running"


def test_publish_refusals(publisher):
    _instance(publisher, "pub-twice", no_start=True)
    publisher.ok(_publish(publisher, "golden-twice", "pub-twice"))
    assert _publish(publisher, "golden-twice", "pub-twice").status_code == 409
    missing = _publish(publisher, "golden-missing", "no-such-instance")
    assert missing.status_code == 404 and "instance no-such-instance not found" in missing.json()["error"]
    unnamed = publisher.post("/1.0/images", json={"name": "golden-x", "source": {"type": "instance"}})
    assert unnamed.status_code == 400 and "'instance' is required" in unnamed.json()["error"]


def test_a_failed_publication_leaves_no_image(publisher):
    _instance(publisher, "pub-doomed", no_start=True)
    op = publisher.wait(_publish(publisher, "doomed-golden", "pub-doomed"))
    assert op["status_code"] == 400 and "simulated failure" in op["err"]
    assert publisher.get("/1.0/images/doomed-golden").status_code == 404


@pytest.mark.parametrize("flags", [("--without-extension", "instance_publish"), ("--without-instances",)])
def test_an_older_ams_has_no_instance_publish(tmp_path_factory, client_cert, flags):
    process = start_simulator(tmp_path_factory.mktemp("no-publish") / "state", client_cert, *flags)
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        assert "instance_publish" not in api.metadata("/1.0")["api_extensions"]
        refused = api.post("/1.0/images", json={"name": "g", "source": {"type": "instance", "instance": "x"}})
        assert refused.status_code == 400 and "instance_publish" in refused.json()["error"]
    finally:
        process.stop()
