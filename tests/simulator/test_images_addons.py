"""Uploads: images and addons, X-AMS-Request/X-AMS-Fingerprint, archive checks, versions, in-use deletes."""

import hashlib

import pytest

import ams_sim_packages as packages
from ams_simulator.dump import canonical, dump_state


def _state(sim):
    return canonical(dump_state(sim.state_dir))


def test_image_upload_creates_active_image(api):
    data = packages.image()
    api.ok(api.upload("POST", "/1.0/images", data, meta={"name": "img-a", "default": False},
                      fingerprint=hashlib.sha256(data).hexdigest()))
    image = api.metadata("/1.0/images/img-a")
    assert (image["status_code"], image["status"], image["default"], image["used_by"]) == (3, "active", False, None)
    assert image["versions"] == [{"version": 0, "fingerprint": hashlib.sha256(data).hexdigest(), "size": len(data),
                                  "created_at": image["versions"][0]["created_at"], "status_code": 3,
                                  "status": "active", "remote_id": ""}]
    assert api.metadata("/1.0/images/" + image["id"]) == image


def test_fingerprint_mismatch_is_400_and_stores_nothing(api, sim):
    before = _state(sim)
    response = api.upload("POST", "/1.0/images", packages.image(), meta={"name": "img-mismatch"},
                          fingerprint="0" * 64)
    assert response.status_code == 400
    assert "fingerprint mismatch" in response.json()["error"]
    assert _state(sim) == before
    assert api.get("/1.0/images/img-mismatch").status_code == 404


@pytest.mark.parametrize("payload, meta, fragment", [
    (packages.image(kind="zip"), {"name": "img-bad"}, "tar.gz or tar.bz2 or tar.xz (found: zip)"),
    (packages.image(kind="tar"), {"name": "img-bad"}, "found: not a recognised archive"),
    (b"\x1f\x8bnot really gzip", {"name": "img-bad"}, "cannot read"),
    (packages.image(metadata=False), {"name": "img-bad"}, "no metadata.yaml"),
    (packages.image(metadata="a: [unclosed"), {"name": "img-bad"}, "not valid YAML"),
    (packages.image(metadata={"creation_date": 1}), {"name": "img-bad"}, "architecture"),
    (packages.image(), None, "X-AMS-Request: field 'name' is required"),
    (packages.image(), {"default": True}, "'name' is required"),
    (packages.image(), {"name": "img-bad", "colour": 1}, "unknown field(s) X-AMS-Request.colour"),
    (packages.image(), {"name": "img-bad", "default": "yes"}, "'X-AMS-Request.default' must be a boolean"),
    (packages.image(), {"name": "bad/name"}, "invalid"),
], ids=["zip", "plain-tar", "broken-gzip", "no-metadata", "bad-yaml", "no-architecture", "no-request-header",
        "no-name", "unknown-field", "default-not-boolean", "bad-name"])
def test_invalid_image_uploads(api, sim, payload, meta, fragment):
    before = _state(sim)
    response = api.upload("POST", "/1.0/images", payload, meta=meta)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]
    assert _state(sim) == before


def test_upload_needs_octet_stream(api):
    response = api.request("POST", "/1.0/images", data=packages.image(),
                           headers={"Content-Type": "application/json", "X-AMS-Request": '{"name": "img-ct"}'})
    assert response.status_code == 400 and "application/octet-stream" in response.json()["error"]


def test_upload_without_content_type_is_refused(api):
    response = api.request("POST", "/1.0/images", data=packages.image(), headers={"X-AMS-Request": '{"name": "img-n"}'})
    assert response.status_code == 400 and "no Content-Type header" in response.json()["error"]


def test_duplicate_image_is_409(api):
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "img-dup"}))
    response = api.upload("POST", "/1.0/images", packages.image(), meta={"name": "img-dup"})
    assert response.status_code == 409


def test_image_versions_default_and_version_delete(api):
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "img-v", "default": True}))
    api.ok(api.upload("POST", "/1.0/images", packages.image(extra=b"other"), meta={"name": "img-w", "default": True}))
    assert api.metadata("/1.0/images/img-v")["default"] is False
    etag = api.get("/1.0/images/img-v").headers["ETag"]
    api.ok(api.upload("PATCH", "/1.0/images/img-v", packages.image(extra=b"v1"), meta={},
                      headers={"If-Match": etag}))
    image = api.metadata("/1.0/images/img-v")
    assert [v["version"] for v in image["versions"]] == [0, 1]
    stale = api.patch("/1.0/images/img-v", json={"default": True}, headers={"If-Match": etag})
    assert stale.status_code == 412
    api.ok(api.patch("/1.0/images/img-v", json={"default": True}))
    assert api.metadata("/1.0/images/img-v")["default"] is True
    assert api.metadata("/1.0/images/img-w")["default"] is False
    bad = api.patch("/1.0/images/img-v", json={"name": "renamed"})
    assert bad.status_code == 400 and "unknown field(s) name" in bad.json()["error"]
    api.ok(api.delete("/1.0/images/img-v/0"))
    assert [v["version"] for v in api.metadata("/1.0/images/img-v")["versions"]] == [1]
    assert api.delete("/1.0/images/img-v/7").status_code == 404
    only = api.delete("/1.0/images/img-v/1")
    assert only.status_code == 400 and "only version" in only.json()["error"]


def test_image_in_use_needs_force(api):
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "img-used"}))
    api.ok(api.upload("POST", "/1.0/applications", packages.application(
        {"name": "img-user", "instance-type": "a2.3", "image": "img-used"})))
    assert api.metadata("/1.0/images/img-used")["used_by"] == ["img-user"]
    refused = api.delete("/1.0/images/img-used")
    assert refused.status_code == 409 and "img-user" in refused.json()["error"]
    api.ok(api.delete("/1.0/images/img-used", json={"force": True}))
    assert api.get("/1.0/images/img-used").status_code == 404


# -- addons --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["tar.bz2", "zip"])
def test_addon_upload_and_new_version(api, kind):
    name = "addon-" + kind.replace(".", "-")
    data = packages.addon(name, kind=kind)
    api.ok(api.upload("POST", "/1.0/addons", data, meta={"name": name}))
    addon = api.metadata("/1.0/addons/" + name)
    assert addon["name"] == name and addon["used_by"] is None
    assert addon["versions"][0]["fingerprint"] == hashlib.sha256(data).hexdigest()
    etag = api.get("/1.0/addons/" + name).headers["ETag"]
    api.ok(api.upload("PATCH", "/1.0/addons/" + name, packages.addon(name, description="v2", kind=kind), meta={},
                      headers={"If-Match": etag}))
    assert [v["version"] for v in api.metadata("/1.0/addons/" + name)["versions"]] == [0, 1]
    stale = api.upload("PATCH", "/1.0/addons/" + name, packages.addon(name, kind=kind), meta={},
                       headers={"If-Match": etag})
    assert stale.status_code == 412
    api.ok(api.delete("/1.0/addons/%s/0" % name))
    assert [v["version"] for v in api.metadata("/1.0/addons/" + name)["versions"]] == [1]


@pytest.mark.parametrize("payload, meta, fragment", [
    (packages.addon("ad-x", hooks={}), {"name": "ad-x"}, "hooks/ directory"),
    (packages.addon("ad-x", hooks={"install": 0o644}), {"name": "ad-x"}, "executable"),
    (packages.addon("ad-x", manifest="name: ad-x\n"), {"name": "ad-x"}, "'description'"),
    (packages.addon("ad-x", manifest="name: other\ndescription: d\n"), {"name": "ad-x"}, "names addon 'other'"),
    (packages.addon("ad-x", manifest=": : :"), {"name": "ad-x"}, "not valid YAML"),
    (packages.addon("ad-x", kind="tar.gz"), {"name": "ad-x"}, "tar.bz2 or zip"),
    (packages.addon("ad-x"), None, "X-AMS-Request: field 'name' is required"),
], ids=["no-hooks", "hook-not-executable", "no-description", "name-differs", "bad-yaml", "gzip", "no-header"])
def test_invalid_addons(api, sim, payload, meta, fragment):
    before = _state(sim)
    response = api.upload("POST", "/1.0/addons", payload, meta=meta)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]
    assert _state(sim) == before


def test_addon_in_use_cannot_be_deleted(api):
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "img-for-addon"}))
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("ad-used"), meta={"name": "ad-used"}))
    api.ok(api.upload("POST", "/1.0/applications", packages.application(
        {"name": "ad-user", "instance-type": "a2.3", "image": "img-for-addon", "addons": ["ad-used"]})))
    assert api.metadata("/1.0/addons/ad-used")["used_by"] == ["ad-user"]
    refused = api.delete("/1.0/addons/ad-used")
    assert refused.status_code == 409 and "ad-user" in refused.json()["error"]
    api.ok(api.delete("/1.0/applications/ad-user"))
    api.ok(api.delete("/1.0/addons/ad-used"))
    assert api.get("/1.0/addons/ad-used").status_code == 404
