"""--populate-nodes/--populate-containers: 10,000 containers listed completely (speed is in make bench)."""

import pytest

from ams_sim_client import Api
from conftest import start_simulator

NODES, CONTAINERS = 10, 10000


@pytest.fixture(scope="module")
def big(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("big") / "state", client_cert, "--populate-nodes", NODES,
                              "--populate-containers", CONTAINERS)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def big_api(big, client_cert):
    return Api(big.url, big.ca_cert, cert=client_cert[:2], timeout=60)


def test_populated_objects(big_api):
    nodes = big_api.metadata("/1.0/nodes?recursion=1")
    assert len(nodes) == NODES and all(node["status"] == "online" for node in nodes)
    urls = big_api.metadata("/1.0/containers")
    assert len(urls) == CONTAINERS
    app = big_api.metadata("/1.0/applications/populated-app")
    assert app["status"] == "ready" and app["versions"][0]["published"]
    assert big_api.metadata("/1.0/images/populated-image")["used_by"] == ["populated-app"]


def test_full_listing_is_complete(big_api):
    containers = big_api.metadata("/1.0/containers?recursion=1")
    assert len(containers) == CONTAINERS
    assert len({c["id"] for c in containers}) == CONTAINERS
    per_node = {}
    for container in containers:
        per_node.setdefault(container["node"], set()).add(container["address"])
        assert container["status"] == "running" and container["app_name"] == "populated-app"
    assert {len(addresses) for addresses in per_node.values()} == {CONTAINERS // NODES}


def test_scheduling_still_works_on_top(big_api):
    response = big_api.post("/1.0/containers", json={"app_id": "populated-app"})
    big_api.ok(response)
    url = response.json()["metadata"]["resources"]["containers"][0]
    container = big_api.wait_until(url, lambda c: c["status"] == "running")
    addresses = {c["address"] for c in big_api.metadata("/1.0/containers?recursion=1")
                 if c["node"] == container["node"] and c["id"] != container["id"]}
    assert container["address"] not in addresses


def test_populate_runs_once_per_state_dir(big, client_cert):
    big.stop()
    again = start_simulator(big.state_dir, client_cert, "--populate-nodes", NODES, "--populate-containers",
                            CONTAINERS)
    try:
        api = Api(again.url, again.ca_cert, cert=client_cert[:2], timeout=60)
        assert len(api.metadata("/1.0/containers")) == CONTAINERS + 1
        assert len(api.metadata("/1.0/nodes")) == NODES
    finally:
        again.stop()
