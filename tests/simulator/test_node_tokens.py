"""Adding nodes with LXD join tokens: a token in LXD's format is taken, an expired one is refused by the
operation (no node is left), an unreadable one with 400; no answer repeats the token. And a new node that
stays initializing for a while after its operation (--node-online-delay)."""

import base64
import json

import pytest

import ams_sim_packages as packages
from ams_simulator import join_tokens
from ams_simulator.testing import make_join_token

from conftest import start_simulator
from ams_sim_client import Api


def _body(name, address, token):
    return {"name": name, "address": address, "trust_token": token}


def test_a_valid_token_adds_the_node(api):
    token = make_join_token(["10.3.0.10:8443"])
    op = api.ok(api.post("/1.0/nodes", json=_body("tok-a", "10.3.0.10", token)))
    node = api.metadata("/1.0/nodes/tok-a")
    assert node["status"] == "online"
    assert "trust_token" not in node
    assert token not in json.dumps(op) + json.dumps(node)


def test_url_safe_unpadded_tokens_are_read_too():
    document = join_tokens.decode(make_join_token(["10.3.0.11:8443"]))
    text = base64.urlsafe_b64encode(json.dumps({key: document[key] for key in join_tokens.FIELDS}).encode())
    assert join_tokens.decode(text.decode().rstrip("="))["addresses"] == ["10.3.0.11:8443"]


def test_an_expired_token_fails_the_operation_and_leaves_no_node(api):
    token = make_join_token(["10.3.0.12:8443"], expires_at="2021-03-04T05:06:07Z")
    op = api.wait(api.post("/1.0/nodes", json=_body("tok-expired", "10.3.0.12", token)))
    assert op["status_code"] == 400
    assert "refused the trust token: token has expired (at 2021-03-04T05:06:07Z)" in op["err"]
    assert token not in op["err"]
    assert api.get("/1.0/nodes/tok-expired").status_code == 404
    # The address is free again: a fresh token adds the node.
    api.ok(api.post("/1.0/nodes", json=_body("tok-expired", "10.3.0.12", make_join_token(["10.3.0.12:8443"]))))


@pytest.mark.parametrize("token, reason", [
    ("not-a-join-token", "it does not hold a JSON object"),
    ("%%%", "it is not base64"),
    (base64.b64encode(b'{"client_name": "ams"}').decode(), "it lacks fingerprint, addresses, secret, expires_at"),
    (base64.b64encode(json.dumps({"client_name": "ams", "fingerprint": "xyz", "addresses": ["a:1"], "secret": "s",
                                  "expires_at": "0001-01-01T00:00:00Z"}).encode()).decode(),
     "fingerprint is not a SHA-256 fingerprint"),
    (base64.b64encode(json.dumps({"client_name": "ams", "fingerprint": "ab" * 32, "addresses": ["a:1"],
                                  "secret": "s", "expires_at": "tomorrow"}).encode()).decode(),
     "expires_at 'tomorrow' is not an RFC 3339 time"),
])
def test_an_unreadable_token_is_400_and_not_repeated(api, token, reason):
    response = api.post("/1.0/nodes", json=_body("tok-bad", "10.3.0.13", token))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error == "node: invalid trust token: %s (expected the output of 'lxc config trust add')" % reason
    assert token not in error
    assert api.get("/1.0/nodes/tok-bad").status_code == 404


def test_an_empty_token_is_not_given(api):
    api.ok(api.post("/1.0/nodes", json=_body("tok-empty", "10.3.0.14", "")))


def test_a_token_of_the_wrong_type_is_400(api):
    response = api.post("/1.0/nodes", json=_body("tok-type", "10.3.0.15", 42))
    assert response.status_code == 400 and "'trust_token' must be a string" in response.json()["error"]


@pytest.fixture(scope="module")
def slow_sim(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("slow-nodes") / "state", client_cert,
                              "--node-online-delay", "0.5", "--operation-delay", "0.01")
    yield process
    process.stop()


def test_a_new_node_is_initializing_until_the_delay_has_passed(slow_sim, client_cert):
    api = Api(slow_sim.url, slow_sim.ca_cert, cert=client_cert[:2])
    api.ok(api.post("/1.0/nodes", json=_body("slow-a", "10.3.1.10", make_join_token(["10.3.1.10:8443"]))))
    assert api.metadata("/1.0/nodes/slow-a")["status"] == "initializing"
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "slow-image"}))
    refused = api.post("/1.0/containers", json={"image_id": "slow-image", "instance_type": "a2.3", "node": "slow-a"})
    assert refused.status_code == 400 and "slow-a" in refused.json()["error"]
    assert api.wait_until("/1.0/nodes/slow-a", lambda node: node["status"] == "online")["status_code"] == 4


def test_a_node_still_initializing_at_a_restart_comes_online(tmp_path_factory, client_cert):
    state = tmp_path_factory.mktemp("restart-nodes") / "state"
    process = start_simulator(state, client_cert, "--node-online-delay", "3600", "--operation-delay", "0.01")
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        api.ok(api.post("/1.0/nodes", json=_body("slow-b", "10.3.1.11", make_join_token(["10.3.1.11:8443"]))))
        assert api.metadata("/1.0/nodes/slow-b")["status"] == "initializing"
    finally:
        process.stop()
    process = start_simulator(state, client_cert)
    try:
        api = Api(process.url, process.ca_cert, cert=client_cert[:2])
        assert api.metadata("/1.0/nodes/slow-b")["status"] == "online"
    finally:
        process.stop()
