"""TLS, auth levels (guest, untrusted, trusted, local) and certificate registration."""

import base64
import json
import os
import subprocess
import sys

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ams_simulator.testing import make_client_cert
from ams_sim_client import Api, unix_request
from conftest import SIMULATOR_DIR, TRUST_PASSWORD


def _der_b64(cert_path):
    with open(cert_path, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode()


@pytest.fixture
def stranger(tmp_path):
    cert, key, fingerprint = make_client_cert(str(tmp_path), name="stranger")
    return cert, key, fingerprint


def test_ready_file_describes_the_server(sim):
    with open(os.path.join(sim.state_dir, "ready.json")) as handle:
        info = json.load(handle)
    assert set(info) == {"url", "port", "ca_cert", "server_cert", "unix_socket", "request_log", "trust_password",
                         "pid"}
    assert info["url"] == "https://127.0.0.1:%d" % info["port"]
    assert info["trust_password"] == TRUST_PASSWORD
    assert os.path.exists(info["ca_cert"]) and os.path.exists(info["server_cert"])


def test_server_certificate_names_localhost_and_loopback(sim):
    with open(sim.server_cert, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}


def test_guest_sees_public_endpoints_only(sim):
    guest = Api(sim.url, sim.ca_cert)
    assert guest.metadata("/1.0")["auth"] == "guest"
    assert guest.metadata("/1.0/version")["version"]
    assert guest.metadata("/") == ["/1.0"]
    for path in ("/1.0/config", "/1.0/containers", "/1.0/operations", "/1.0/certificates", "/1.0/no-such-thing"):
        response = guest.get(path)
        assert response.status_code == 403, path
        assert response.json()["type"] == "error" and response.json()["error_code"] == 403


def test_untrusted_client_completes_handshake_and_is_refused(sim, stranger):
    untrusted = Api(sim.url, sim.ca_cert, cert=stranger[:2])
    assert untrusted.metadata("/1.0")["auth"] == "untrusted"
    response = untrusted.patch("/1.0/config", json={"name": "gpu.type", "value": "nvidia"})
    assert response.status_code == 403
    assert "not trusted" in response.json()["error"]


def test_trusted_client(api):
    meta = api.metadata("/1.0")
    assert meta["auth"] == "trusted" and meta["api_version"] == "1.0" and meta["auth_methods"] == ["2waySSL"]


def test_wrong_trust_password_is_403_and_nothing_is_stored(sim, stranger, api):
    untrusted = Api(sim.url, sim.ca_cert, cert=stranger[:2])
    response = untrusted.post("/1.0/certificates", json={"certificate": _der_b64(stranger[0]),
                                                         "trust-password": "wrong"})
    assert response.status_code == 403
    assert response.json()["error"] == "wrong trust password"
    assert "/1.0/certificates/" + stranger[2] not in api.metadata("/1.0/certificates")


def test_registration_with_trust_password_makes_client_trusted(sim, stranger, api):
    untrusted = Api(sim.url, sim.ca_cert, cert=stranger[:2])
    response = untrusted.post("/1.0/certificates", json={"certificate": _der_b64(stranger[0]),
                                                         "trust-password": TRUST_PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["metadata"] is None
    assert untrusted.metadata("/1.0")["auth"] == "trusted"
    listing = api.metadata("/1.0/certificates")
    assert "/1.0/certificates/" + stranger[2] in listing
    cert = api.metadata("/1.0/certificates/" + stranger[2])
    assert cert["fingerprint"] == stranger[2] and cert["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    again = untrusted.post("/1.0/certificates", json={"certificate": _der_b64(stranger[0])})
    assert again.status_code == 409

    api.ok(api.delete("/1.0/certificates/" + stranger[2]))
    assert untrusted.metadata("/1.0")["auth"] == "untrusted"


def test_guest_can_register_with_password(sim, tmp_path):
    cert, key, fingerprint = make_client_cert(str(tmp_path), name="guest-registered", key_type="rsa")
    guest = Api(sim.url, sim.ca_cert)
    response = guest.post("/1.0/certificates", json={"certificate": _der_b64(cert), "trust-password": TRUST_PASSWORD})
    assert response.status_code == 200, response.text
    assert Api(sim.url, sim.ca_cert, cert=(cert, key)).metadata("/1.0")["auth"] == "trusted"


@pytest.mark.parametrize("body, message", [
    ({"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "without the PEM header"),
    ({"certificate": "not base64 !!"}, "not valid base64"),
    ({"certificate": base64.b64encode(b"garbage").decode()}, "not a DER X.509"),
    ({"certificate": 12}, "must be a string"),
    ({}, "'certificate' is required"),
])
def test_bad_certificate_bodies_are_400(api, body, message):
    response = api.post("/1.0/certificates", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_underscore_trust_password_is_rejected_clearly(sim, stranger):
    untrusted = Api(sim.url, sim.ca_cert, cert=stranger[:2])
    response = untrusted.post("/1.0/certificates", json={"certificate": _der_b64(stranger[0]),
                                                         "trust_password": TRUST_PASSWORD})
    assert response.status_code == 400
    assert "trust-password" in response.json()["error"]


def test_local_socket_is_trusted(sim):
    status, body = unix_request(sim.unix_socket, "GET", "/1.0")
    assert status == 200 and body["metadata"]["auth"] == "trusted"
    status, body = unix_request(sim.unix_socket, "GET", "/1.0/config")
    assert status == 200 and "core.trust_password" in body["metadata"]["config"]


def test_request_log_records_auth_levels(sim, stranger):
    mark = sim.log_mark()
    Api(sim.url, sim.ca_cert).get("/1.0")
    Api(sim.url, sim.ca_cert, cert=stranger[:2]).get("/1.0/config")
    unix_request(sim.unix_socket, "GET", "/1.0/version")
    entries = sim.requests_since(mark)
    assert [(e["method"], e["path"], e["status"], e["auth"]) for e in entries] == [
        ("GET", "/1.0", 200, "guest"), ("GET", "/1.0/config", 403, "untrusted"), ("GET", "/1.0/version", 200, "local")]
    for entry in entries:
        assert set(entry) == {"ts", "method", "path", "query", "status", "duration_ms", "auth", "fault",
                              "ignored_fields", "if_match", "in_flight", "connection"}
        assert entry["fault"] is None and entry["duration_ms"] >= 0 and entry["ignored_fields"] == []
    guest, untrusted, local = entries
    # Two clients, two TLS connections; the unix socket has none.
    assert guest["connection"] >= 1 and untrusted["connection"] > guest["connection"] and local["connection"] is None


def test_wrong_ca_fails_verification(sim, tmp_path):
    other_ca, _key, _fingerprint = make_client_cert(str(tmp_path), name="not-the-ca")
    with pytest.raises(requests.exceptions.SSLError):
        Api(sim.url, other_ca).get("/1.0")


def test_non_loopback_host_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ams_simulator", "--state-dir", str(tmp_path), "--host", "0.0.0.0",
                             "--port", "0"], capture_output=True, text=True, timeout=30,
                            env=dict(os.environ, PYTHONPATH=SIMULATOR_DIR), check=False)
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr
    assert not os.path.exists(tmp_path / "state.db")
