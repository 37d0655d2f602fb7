# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every TLS mistake a user can make is explained in one sentence that says what to fix."""

from __future__ import annotations

import datetime
import os
import socket
import threading

import pytest
import trustme

from ams_simulator.testing import make_client_cert


def _server_identity(state_dir, *names, expired=False):
    """Pre-place a CA and server certificate in a simulator state dir (it reuses what it finds)."""
    os.makedirs(state_dir, exist_ok=True)
    ca = trustme.CA()
    now = datetime.datetime.now(datetime.timezone.utc)
    window = {}
    if expired:
        window = {'not_before': now - datetime.timedelta(days=60), 'not_after': now - datetime.timedelta(days=1)}
    leaf = ca.issue_cert(*names, **window)
    ca.cert_pem.write_to_path(os.path.join(state_dir, 'ca.crt'))
    ca.private_key_pem.write_to_path(os.path.join(state_dir, 'ca.key'))
    leaf.private_key_pem.write_to_path(os.path.join(state_dir, 'server.key'))
    with open(os.path.join(state_dir, 'server.crt'), 'wb') as handle:
        for blob in leaf.cert_chain_pems:
            handle.write(blob.bytes())
    return ca


def _assert_clean_failure(run, *fragments):
    assert run.failed, run.output
    assert 'Traceback' not in run.output
    for fragment in fragments:
        assert fragment in run.msg, run.msg


def test_trusted_client_over_https(ansible, simulator):
    run = ansible.run('ams_server_info', simulator.connection)
    assert not run.failed, run.output
    assert run.result['server']['auth'] == 'trusted'


def test_wrong_ca(ansible, simulator, tmp_path):
    other = trustme.CA()
    other.cert_pem.write_to_path(str(tmp_path / 'other-ca.crt'))
    args = dict(simulator.connection, ca_cert=str(tmp_path / 'other-ca.crt'))
    run = ansible.run('ams_server_info', args)
    _assert_clean_failure(run, 'could not be verified', 'other-ca.crt')


def test_untrusted_client_certificate(ansible, simulator_factory):
    simulator = simulator_factory(trusted=False)
    run = ansible.run('ams_config', dict(simulator.connection, config={}))
    _assert_clean_failure(run, 'does not trust the client certificate', 'ams_certificate', 'trust_password')
    assert run.result['status_code'] == 403


def test_expired_client_certificate(ansible, simulator, tmp_path):
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=400)
    cert, key, _fingerprint = make_client_cert(str(tmp_path), name='old', days_valid=30, not_before=long_ago)
    run = ansible.run('ams_server_info', dict(simulator.connection, client_cert=cert, client_key=key))
    _assert_clean_failure(run, 'old.crt', 'expired on')


def test_expired_server_certificate(ansible, simulator_factory, tmp_path):
    state_dir = str(tmp_path / 'state')
    _server_identity(state_dir, '127.0.0.1', 'localhost', expired=True)
    simulator = simulator_factory(state_dir=state_dir)
    run = ansible.run('ams_server_info', simulator.connection)
    _assert_clean_failure(run, 'server certificate', 'has expired')


def test_hostname_mismatch(ansible, simulator_factory, tmp_path):
    state_dir = str(tmp_path / 'state')
    _server_identity(state_dir, 'ams.example.test')
    simulator = simulator_factory(state_dir=state_dir)
    run = ansible.run('ams_server_info', simulator.connection)
    _assert_clean_failure(run, 'does not name this host')


def test_key_that_does_not_match_the_certificate(ansible, simulator, tmp_path):
    _cert, other_key, _fingerprint = make_client_cert(str(tmp_path), name='other')
    run = ansible.run('ams_server_info', dict(simulator.connection, client_key=other_key))
    _assert_clean_failure(run, 'does not match client_cert', 'other.key')


@pytest.mark.parametrize('make_path', [
    lambda tmp: str(tmp / 'missing.key'),
    str,  # a directory: unreadable as a file, even for root
])
def test_unreadable_key_file(ansible, simulator, tmp_path, make_path):
    path = make_path(tmp_path)
    run = ansible.run('ams_server_info', dict(simulator.connection, client_key=path))
    _assert_clean_failure(run, 'client_key file %s cannot be read' % path)


def test_validate_certs_false_works_but_warns(ansible, simulator):
    args = dict(simulator.connection, validate_certs=False)
    del args['ca_cert']
    run = ansible.run('ams_server_info', args)
    assert not run.failed, run.output
    assert any('validate_certs is false' in warning for warning in run.result.get('warnings', []))


def test_pinned_server_certificate(ansible, simulator, tmp_path):
    with open(simulator.server_cert, encoding='ascii') as handle:
        leaf = handle.read().split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n'
    (tmp_path / 'pinned.crt').write_text(leaf)
    run = ansible.run('ams_server_info', dict(simulator.connection, server_cert=str(tmp_path / 'pinned.crt')))
    assert not run.failed, run.output
    assert run.result['server']['auth'] == 'trusted'


def test_pinned_certificate_that_is_not_the_server_s(ansible, simulator):
    run = ansible.run('ams_server_info', dict(simulator.connection, ca_cert=simulator.client_cert))
    _assert_clean_failure(run, 'not the pinned certificate', 'ca_cert')


class _NotTLSListener:
    """A TCP server on a loopback port that answers every connection with ``reply`` and closes it."""

    def __init__(self, reply):
        self.reply = reply
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(('127.0.0.1', 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.received = b''
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            with connection:
                self.connections += 1
                connection.settimeout(5)
                try:
                    self.received += connection.recv(4096)
                    connection.sendall(self.reply)
                except OSError:
                    pass

    def close(self):
        self.server.close()
        self._thread.join(5)


PLAIN_HTTP = (b'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 45\r\nConnection: close\r\n'
              b'\r\nClient sent an HTTP request to an HTTPS server')
GARBAGE = b'\x00\x01garbage that is not a TLS record\xff\xfe' * 4


@pytest.mark.parametrize('reply', [PLAIN_HTTP, GARBAGE], ids=['plain-http', 'garbage'])
def test_a_listener_that_does_not_speak_tls_is_named(ansible, simulator, reply):
    listener = _NotTLSListener(reply)
    try:
        url = 'https://127.0.0.1:%d' % listener.port
        run = ansible.run('ams_server_info', dict(simulator.connection, url=url, request_timeout=5))
    finally:
        listener.close()
    _assert_clean_failure(run, url, 'does not speak TLS on that port', 'scheme and port')
    # The client really reached the listener and began a TLS handshake (a ClientHello record: 0x16 0x03).
    assert listener.connections >= 1
    assert listener.received[:2] == b'\x16\x03'
