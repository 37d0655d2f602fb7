"""Response envelopes (sync, async, error), status codes for malformed requests, recursion."""

import re

import pytest

import ams_sim_packages as packages

SYNC_KEYS = {"type", "status", "status_code", "operation", "error_code", "error", "metadata"}
ASYNC_KEYS = SYNC_KEYS
ERROR_KEYS = {"type", "error", "error_code", "metadata"}
OPERATION_KEYS = {"id", "class", "description", "created_at", "updated_at", "status", "status_code", "resources",
                  "metadata", "may_cancel", "err", "server_address"}


def test_sync_envelope(api):
    body = api.get("/1.0/version").json()
    assert set(body) == SYNC_KEYS
    assert (body["type"], body["status"], body["status_code"], body["operation"], body["error_code"],
            body["error"]) == ("sync", "Success", 200, "", 0, "")


def test_async_envelope_and_location(api):
    response = api.patch("/1.0/config", json={"name": "core.proxy_http", "value": "http://proxy:3128"})
    assert response.status_code == 202
    body = response.json()
    assert set(body) == ASYNC_KEYS
    assert (body["type"], body["status"], body["status_code"]) == ("async", "Operation created", 100)
    assert re.fullmatch(r"1\.0/operations/[0-9a-f-]{36}", body["operation"])  # no leading slash, as AMS sends
    assert response.headers["Location"] == "/" + body["operation"]
    op = body["metadata"]
    assert set(op) == OPERATION_KEYS
    assert op["status_code"] == 103 and op["status"] == "Running" and op["class"] == "task"
    assert api.ok(response)["status"] == "Success"


def test_error_envelope(api):
    response = api.get("/1.0/nodes/no-such-node")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["type"] == "error" and body["error_code"] == 404 and "no-such-node" in body["error"]


@pytest.mark.parametrize("method, path, kwargs, code", [
    ("GET", "/1.0/nothing-here", {}, 404),
    ("GET", "/1.0/applications/nope", {}, 404),
    ("GET", "/1.0/images/nope", {}, 404),
    ("GET", "/1.0/addons/nope", {}, 404),
    ("GET", "/1.0/containers/nope", {}, 404),
    ("GET", "/1.0/operations/00000000-0000-0000-0000-000000000000", {}, 404),
    ("GET", "/1.0/certificates/abc", {}, 404),
    ("PUT", "/1.0/config", {"json": {}}, 400),
    ("POST", "/1.0/nodes", {"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400),
    ("POST", "/1.0/nodes", {"json": [1, 2]}, 400),
    ("POST", "/1.0/nodes", {"json": {"name": 5, "address": "10.0.0.1"}}, 400),
    ("PATCH", "/1.0/config", {"json": {"name": "no.such.key", "value": "x"}}, 400),
    ("GET", "/1.0/containers?recursion=x", {}, 400),
])
def test_bad_requests_get_error_envelopes(api, method, path, kwargs, code):
    response = api.request(method, path, **kwargs)
    assert response.status_code == code, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["error_code"] == code and body["error"]


COLLECTIONS = ("/1.0/addons", "/1.0/applications", "/1.0/certificates", "/1.0/containers", "/1.0/images",
               "/1.0/nodes")


@pytest.fixture(scope="module")
def populated(api):
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "rec-image", "default": True}))
    api.ok(api.upload("POST", "/1.0/addons", packages.addon("rec-addon"), meta={"name": "rec-addon"}))
    api.ok(api.upload("POST", "/1.0/applications", packages.application(
        {"name": "rec-app", "instance-type": "a2.3", "addons": ["rec-addon"]})))
    api.wait_until("/1.0/applications/rec-app", lambda app: app["status"] == "ready")
    launched = api.ok(api.post("/1.0/containers", json={"image_id": "rec-image", "instance_type": "a2.3"}))
    # A container moves through created/started/running on its own; compare only once it has settled.
    container = launched["resources"]["containers"][0]
    api.wait_until(container, lambda c: c["status"] == "running")
    return api


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_recursion_levels(populated, collection):
    urls = populated.metadata(collection)
    objects = populated.metadata(collection + "?recursion=1")
    assert urls and all(isinstance(url, str) and url.startswith(collection + "/") for url in urls)
    assert len(objects) == len(urls) and all(isinstance(obj, dict) for obj in objects)
    for url in urls:
        single = populated.metadata(url)
        assert single in objects


def test_recursion_on_operations_groups_by_status(populated):
    grouped = populated.metadata("/1.0/operations")
    # The reference's example lists "1.0/operations/5d2a6807-..." (no leading slash), like `operation`.
    assert "success" in grouped and all(url.startswith("1.0/operations/") for url in grouped["success"])
    expanded = populated.metadata("/1.0/operations?recursion=1")
    assert {op["id"] for op in expanded["success"]} == {url.rsplit("/", 1)[1] for url in grouped["success"]}


def test_tasks_are_listed_as_objects(populated):
    tasks = populated.metadata("/1.0/tasks")
    # Only the keys the reference shows (and the SDK's Task has): no status_code.
    assert tasks and set(tasks[0]) == {"id", "status", "object_id", "object_type"}
    assert populated.metadata("/1.0/tasks?recursion=1") == tasks
    container_ids = {url.rsplit("/", 1)[1] for url in populated.metadata("/1.0/containers")}
    assert {task["object_id"] for task in tasks} == container_ids


def test_etag_on_single_objects(populated):
    for path in ("/1.0/config", "/1.0/nodes/pop-node-0", "/1.0/images/rec-image", "/1.0/addons/rec-addon",
                 "/1.0/applications/rec-app"):
        response = populated.get(path)
        assert re.fullmatch(r"[0-9a-f]{64}", response.headers["ETag"]), path
