"""/1.0/nodes: add, update (only updatable fields), ETag, delete with force."""

import pytest

import ams_sim_packages as packages

NODE_KEYS = {"name", "address", "public_address", "network_bridge_mtu", "cpus", "cpu_allocation_rate", "memory",
             "memory_allocation_rate", "status_code", "status", "is_master", "disk_size", "gpu_slots",
             "gpu_encoder_slots", "tags", "unschedulable", "architecture", "storage_pool", "managed"}


def test_add_node_goes_created_then_online(api):
    response = api.post("/1.0/nodes", json={"name": "lxd-a", "address": "10.1.0.10", "public_address": "1.2.3.4",
                                            "cpus": 16, "memory": "32GB", "tags": ["gpu"]})
    assert response.status_code == 202
    assert response.json()["metadata"]["resources"] == {"nodes": ["/1.0/nodes/lxd-a"]}
    assert api.metadata("/1.0/nodes/lxd-a")["status_code"] in (1, 4)
    api.ok(response)
    node = api.metadata("/1.0/nodes/lxd-a")
    assert set(node) == NODE_KEYS
    assert (node["status_code"], node["status"]) == (4, "online")
    assert (node["cpus"], node["memory"], node["public_address"], node["tags"]) == (16, "32GB", "1.2.3.4", ["gpu"])
    assert node["is_master"] is False and node["managed"] is True


@pytest.mark.parametrize("body, code, fragment", [
    ({"address": "10.1.0.11"}, 400, "'name' is required"),
    ({"name": "lxd-b"}, 400, "'address' is required"),
    ({"name": "lxd-b", "address": "not-an-ip"}, 400, "IP address"),
    ({"name": "lxd-b", "address": "10.1.0.11", "cpus": "many"}, 400, "'cpus' must be a number"),
    ({"name": "lxd-b", "address": "10.1.0.11", "memory": "lots"}, 400, "size"),
    ({"name": "lxd-b", "address": "10.1.0.11", "colour": "blue"}, 400, "colour"),
    ({"name": "bad name", "address": "10.1.0.11"}, 400, "may only hold"),
    ({"name": "pop-node-0", "address": "10.1.0.11"}, 409, "already exists"),
])
def test_invalid_or_duplicate_nodes(api, body, code, fragment):
    response = api.post("/1.0/nodes", json=body)
    assert response.status_code == code, response.text
    assert fragment in response.json()["error"]


def test_duplicate_address_is_409(api):
    address = api.metadata("/1.0/nodes/pop-node-0")["address"]
    response = api.post("/1.0/nodes", json={"name": "lxd-dup", "address": address})
    assert response.status_code == 409


def test_failing_node_is_not_left_behind(api):
    op = api.wait(api.post("/1.0/nodes", json={"name": "broken-node", "address": "10.1.0.99"}))
    assert op["status_code"] == 400 and "broken-node" in op["err"]
    assert api.get("/1.0/nodes/broken-node").status_code == 404


def test_patch_updatable_fields_with_etag(api):
    api.ok(api.post("/1.0/nodes", json={"name": "lxd-p", "address": "10.1.0.20"}))
    etag = api.get("/1.0/nodes/lxd-p").headers["ETag"]
    response = api.patch("/1.0/nodes/lxd-p", json={"cpu_allocation_rate": 8, "unschedulable": True,
                                                   "tags": ["x"], "memory": "64GB"}, headers={"If-Match": etag})
    api.ok(response)
    node = api.metadata("/1.0/nodes/lxd-p")
    assert (node["cpu_allocation_rate"], node["unschedulable"], node["tags"], node["memory"]) == (8, True, ["x"],
                                                                                                  "64GB")
    stale = api.patch("/1.0/nodes/lxd-p", json={"cpus": 2}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert api.metadata("/1.0/nodes/lxd-p")["cpus"] != 2


def test_stale_etag_once_simulates_a_concurrent_change(api):
    api.ok(api.post("/1.0/nodes", json={"name": "stale-node", "address": "10.1.0.40", "tags": ["mine"]}))
    read = api.get("/1.0/nodes/stale-node")
    first = api.patch("/1.0/nodes/stale-node", json={"cpus": 12}, headers={"If-Match": read.headers["ETag"]})
    assert first.status_code == 412
    reread = api.get("/1.0/nodes/stale-node")
    assert reread.json()["metadata"]["tags"] == ["mine", "concurrent-change"]
    assert reread.headers["ETag"] != read.headers["ETag"]
    api.ok(api.patch("/1.0/nodes/stale-node", json={"cpus": 12}, headers={"If-Match": reread.headers["ETag"]}))
    assert api.metadata("/1.0/nodes/stale-node")["cpus"] == 12


@pytest.mark.parametrize("body, fragment", [
    ({"address": "10.1.0.21"}, "address"),
    ({"storage_pool": "other", "network_name": "br1"}, "network_name, storage_pool"),
    ({"cpus": 0}, "at least 1"),
    ({"unschedulable": "yes"}, "boolean"),
])
def test_patch_rejects_other_fields(api, body, fragment):
    response = api.patch("/1.0/nodes/pop-node-1", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_delete_node_with_containers_needs_force(api):
    api.ok(api.post("/1.0/nodes", json={"name": "lxd-d", "address": "10.1.0.30"}))
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "node-image"}))
    launched = api.post("/1.0/containers", json={"image_id": "node-image", "instance_type": "a2.3", "node": "lxd-d"})
    api.ok(launched)
    container_url = launched.json()["metadata"]["resources"]["containers"][0]
    refused = api.delete("/1.0/nodes/lxd-d")
    assert refused.status_code == 409 and "container" in refused.json()["error"]
    api.ok(api.delete("/1.0/nodes/lxd-d", json={"force": True, "keep_in_cluster": False}))
    assert api.get("/1.0/nodes/lxd-d").status_code == 404
    assert api.get(container_url).status_code == 404


def test_an_if_match_write_while_a_change_is_pending_is_refused(tmp_path, client_cert):
    """A PATCH computed from a read taken before a pending change is applied would undo that change: 412."""
    from conftest import start_simulator
    from ams_sim_client import Api

    sim = start_simulator(tmp_path / "state", client_cert, "--operation-delay", "1.0")
    try:
        api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
        api.ok(api.post("/1.0/nodes", json={"name": "lxd-race", "address": "10.1.0.90", "tags": ["a"]}))
        etag = api.get("/1.0/nodes/lxd-race").headers["ETag"]
        first = api.patch("/1.0/nodes/lxd-race", json={"tags": ["a", "first"]}, headers={"If-Match": etag})
        second = api.patch("/1.0/nodes/lxd-race", json={"tags": ["a", "second"]}, headers={"If-Match": etag})
        assert first.status_code == 202 and second.status_code == 412
        api.ok(first)
        assert api.metadata("/1.0/nodes/lxd-race")["tags"] == ["a", "first"]
        unconditional = api.patch("/1.0/nodes/lxd-race", json={"cpus": 4})
        assert unconditional.status_code == 202
        api.ok(unconditional)
    finally:
        sim.stop()
