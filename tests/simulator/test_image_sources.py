"""POST /1.0/images with a JSON body: an image imported by name from the image server's catalogue (the
operation fails for a name the server does not have), or published from an instance (instance_publish)."""

import json

import pytest

from ams_simulator import image_server


def test_import_an_image_of_the_catalogue(api):
    name = "jammy:android13:amd64"
    response = api.post("/1.0/images", json={"name": name, "default": False})
    assert response.status_code == 202, response.text
    api.ok(response)
    image_id = response.json()["metadata"]["resources"]["images"][0].rsplit("/", 1)[-1]
    image = api.metadata("/1.0/images/" + image_id)
    architecture, remote_id, size, fingerprint = image_server.lookup(name)
    assert (image["name"], image["architecture"], image["immutable"], image["default"]) == (name, architecture,
                                                                                           True, False)
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
