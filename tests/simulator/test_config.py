"""/1.0/config: rendering, one {name, value} per PATCH, validation, ETag."""

import json

import pytest

from ams_simulator.dump import canonical, dump_state
from conftest import start_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    """Its own simulator: the first test checks untouched defaults."""
    process = start_simulator(tmp_path_factory.mktemp("config") / "state", client_cert, "--operation-delay", "0.02")
    yield process
    process.stop()


def test_every_reference_key_with_its_default(api):
    config = api.metadata("/1.0/config")["config"]
    expected = {
        "application.addons": "", "application.auto_publish": True, "application.default_abi": "",
        "application.max_published_versions": 3, "container.default_platform": "", "container.features": "",
        "container.security_updates": False, "core.proxy_http": "", "core.proxy_https": "",
        "core.proxy_ignore_hosts": "", "core.trust_password": True, "gpu.allocation_mode": "all", "gpu.type": "none",
        "images.allow_insecure": False, "images.auth": True, "images.update_interval": "5m",
        "images.url": "https://images.anbox-cloud.io/stable/", "images.version_lockstep": "true",
        "registry.filter": "", "registry.fingerprint": "", "registry.mode": "pull", "registry.update_interval": "5s",
        "registry.url": "https://127.0.0.1:3000", "scheduler.strategy": "spread",
    }
    for key, value in expected.items():
        assert config[key] == value, key
        assert type(config[key]) is type(value), key


@pytest.mark.parametrize("name, sent, rendered", [
    ("container.security_updates", "true", True),
    ("container.security_updates", "false", False),
    ("application.max_published_versions", "5", 5),
    ("application.max_published_versions", "4", 4),
    ("core.proxy_http", "http://proxy:3128", "http://proxy:3128"),
    ("scheduler.strategy", "binpack", "binpack"),
    ("scheduler.strategy", "spread", "spread"),
    ("core.trust_password", "", False),
    ("core.trust_password", "sim-trust-pw", True),
])
def test_patch_renders_like_ams(api, name, sent, rendered):
    api.ok(api.patch("/1.0/config", json={"name": name, "value": sent}))
    assert api.metadata("/1.0/config")["config"][name] == rendered


@pytest.mark.parametrize("body, fragment", [
    ({"name": "no.such.key", "value": "1"}, "unknown configuration item"),
    ({"name": "container.security_updates", "value": "maybe"}, "true or false"),
    ({"name": "application.max_published_versions", "value": "many"}, "whole number"),
    ({"name": "scheduler.strategy", "value": "random"}, "must be one of"),
    ({"name": "gpu.type"}, "must be one of"),
    ({"value": "x"}, "'name' is required"),
    ({"name": "gpu.type", "value": "amd", "extra": 1}, "unknown field(s) extra"),
    ({"config": {"gpu.type": "amd"}}, "unknown field(s) config"),
    ({"name": "container.security_updates", "value": True}, "field 'value' must be a string"),
    ({"name": "application.max_published_versions", "value": 4}, "field 'value' must be a string"),
])
def test_invalid_patches_are_400_and_change_nothing(api, body, fragment):
    """The reference's payload is `{"name": "application.auto_publish", "value": "false"}` and the swagger's
    ConfigPost has `value: type: string`: a JSON boolean or number does not decode into it (400). A missing
    value decodes as "" (Go's zero value), which a key with fixed choices refuses."""
    before = api.metadata("/1.0/config")
    response = api.patch("/1.0/config", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert api.metadata("/1.0/config") == before


def test_stale_etag_is_412(api):
    etag = api.get("/1.0/config").headers["ETag"]
    api.ok(api.patch("/1.0/config", json={"name": "registry.filter", "value": "a,b"}))
    fresh = api.get("/1.0/config").headers["ETag"]
    assert fresh != etag
    stale = api.patch("/1.0/config", json={"name": "registry.filter", "value": "c"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["error_code"] == 412
    api.ok(api.patch("/1.0/config", json={"name": "registry.filter", "value": "c"}, headers={"If-Match": fresh}))


def test_dump_shows_the_effective_configuration(api, sim):
    before = canonical(dump_state(sim.state_dir))
    assert {"key": "gpu.allocation_mode", "value": "all"} in json.loads(before)["config"]
    api.ok(api.patch("/1.0/config", json={"name": "gpu.allocation_mode", "value": "one"}))
    assert canonical(dump_state(sim.state_dir)) != before
    api.ok(api.patch("/1.0/config", json={"name": "gpu.allocation_mode", "value": "all"}))
    assert canonical(dump_state(sim.state_dir)) == before
