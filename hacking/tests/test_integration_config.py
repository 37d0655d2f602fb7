"""Tests of integration_config.py, which gives the integration targets their connection variables."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

SCRIPT = Path(__file__).resolve().parents[1] / "integration_config.py"
AMS_ENVIRONMENT = ("AMS_URL", "AMS_CLIENT_CERT", "AMS_CLIENT_KEY", "AMS_CA_CERT", "AMS_SERVER_CERT",
                   "AMS_TRUST_PASSWORD", "AMS_TEST_IMAGE", "AMS_TEST_NODE",
                   "AMS_TEST_NODE_ADDRESS", "AMS_TEST_NODE_TRUST_PASSWORD")


def write_config(output, *arguments, **environment):
    env = {name: value for name, value in os.environ.items() if name not in AMS_ENVIRONMENT}
    env.update(environment)
    return subprocess.run([sys.executable, str(SCRIPT), str(output), "--prefix", "it-1234"] + list(arguments),
                          capture_output=True, text=True, env=env, check=False)


def test_simulator_variables_come_from_its_ready_file(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    ready = state / "ready.json"
    ready.write_text(json.dumps({
        "url": "https://127.0.0.1:4242", "ca_cert": "/s/ca.crt", "server_cert": "/s/server.crt",
        "request_log": "/s/requests.log", "trust_password": "pw: with 'quotes' # and more",
    }), encoding="utf-8")
    output = tmp_path / "integration_config.yml"
    completed = write_config(output, "--ready", str(ready), "--client-cert", "c.crt", "--client-key", "c.key")
    assert completed.returncode == 0, completed.stderr
    assert yaml.safe_load(output.read_text(encoding="utf-8")) == {
        "ams_url": "https://127.0.0.1:4242",
        "ams_client_cert": os.path.abspath("c.crt"),
        "ams_client_key": os.path.abspath("c.key"),
        "ams_ca_cert": "/s/ca.crt",
        "ams_server_cert": "/s/server.crt",
        "ams_trust_password": "pw: with 'quotes' # and more",
        "ams_request_log": "/s/requests.log",
        "ams_state_dir": str(state),
        "ams_simulator": True,
        "ams_resource_prefix": "it-1234",
    }


def test_real_ams_variables_come_from_the_environment(tmp_path):
    output = tmp_path / "integration_config.yml"
    completed = write_config(output, AMS_URL="unix:/var/snap/ams/common/server/unix.socket", AMS_TRUST_PASSWORD="s")
    assert completed.returncode == 0, completed.stderr
    assert yaml.safe_load(output.read_text(encoding="utf-8")) == {
        "ams_url": "unix:/var/snap/ams/common/server/unix.socket",
        "ams_trust_password": "s",
        "ams_simulator": False,
        "ams_resource_prefix": "it-1234",
    }


def test_real_cluster_resources_come_from_the_environment(tmp_path):
    output = tmp_path / "integration_config.yml"
    completed = write_config(output, AMS_URL="https://ams.example:8444", AMS_TEST_IMAGE="bullseye",
                             AMS_TEST_NODE_ADDRESS="10.0.0.9", AMS_TEST_NODE_TRUST_PASSWORD="lxd pw")
    assert completed.returncode == 0, completed.stderr
    assert yaml.safe_load(output.read_text(encoding="utf-8")) == {
        "ams_url": "https://ams.example:8444",
        "ams_test_image": "bullseye",
        "ams_test_node_address": "10.0.0.9",
        "ams_test_node_trust_password": "lxd pw",
        "ams_simulator": False,
        "ams_resource_prefix": "it-1234",
    }


def test_without_url_or_simulator_it_says_what_is_missing(tmp_path):
    completed = write_config(tmp_path / "out.yml")
    assert completed.returncode != 0
    assert "AMS_URL is not set" in completed.stderr and "Traceback" not in completed.stderr


def test_incomplete_ready_file_is_named(tmp_path):
    ready = tmp_path / "ready.json"
    ready.write_text(json.dumps({"url": "https://127.0.0.1:1"}), encoding="utf-8")
    completed = write_config(tmp_path / "out.yml", "--ready", str(ready), "--client-cert", "c", "--client-key", "k")
    assert completed.returncode != 0
    assert "ready.json lacks the key" in completed.stderr and "Traceback" not in completed.stderr
