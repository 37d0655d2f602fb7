# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trust passwords and key material never show up in results, warnings, -vvv output or diffs."""

from __future__ import annotations

from ams_simulator.testing import make_client_cert


def _key_lines(path):
    with open(path, encoding='ascii') as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith('-----')]


def test_trust_password_is_hidden_everywhere(ansible, simulator_factory, tmp_path):
    simulator = simulator_factory(trusted=False)
    args = dict(simulator.connection, certificate_path=simulator.client_cert,
                trust_password=simulator.trust_password)
    for verbosity, diff in ((3, True), (0, False)):
        run = ansible.run('ams_certificate', args, verbosity=verbosity, diff=diff)
        assert not run.failed, run.output
        assert simulator.trust_password not in run.output
        assert simulator.trust_password not in repr(run.result)
    wrong = dict(args, trust_password='wrong-' + simulator.trust_password)
    cert, key, _fingerprint = make_client_cert(str(tmp_path), name='second')
    wrong.update(client_cert=cert, client_key=key, certificate_path=cert)
    failed = ansible.run('ams_certificate', wrong, verbosity=3, diff=True)
    assert failed.failed
    assert wrong['trust_password'] not in failed.output
    assert wrong['trust_password'] not in repr(failed.result)


def test_config_secret_is_hidden_and_set(ansible, simulator, tmp_path):
    secret = 'n3w-trust-pa55word-for-the-test'
    args = dict(simulator.connection, config={'core.trust_password': secret}, update_secrets='always')
    run = ansible.run('ams_config', args, verbosity=3, diff=True)
    assert not run.failed, run.output
    assert run.changed
    assert secret not in run.output
    assert secret not in repr(run.result)

    # The new password is the one AMS now takes: a new client registers with it, and no longer with the old one.
    old_cert, old_key, _fingerprint = make_client_cert(str(tmp_path / 'old'), name='with-old-password')
    refused = ansible.run('ams_certificate', dict(simulator.connection, client_cert=old_cert, client_key=old_key,
                                                  certificate_path=old_cert, trust_password=simulator.trust_password))
    assert refused.failed and refused.result['status_code'] == 403, refused.result
    cert, key, fingerprint = make_client_cert(str(tmp_path / 'new'), name='with-new-password')
    newcomer = dict(simulator.connection, client_cert=cert, client_key=key)
    registered = ansible.run('ams_certificate', dict(newcomer, certificate_path=cert, trust_password=secret))
    assert not registered.failed, registered.result
    assert registered.changed and registered.result['fingerprint'] == fingerprint
    info = ansible.run('ams_server_info', newcomer)
    assert not info.failed and info.result['server']['auth'] == 'trusted', info.result


def test_key_material_never_printed(ansible, simulator):
    run = ansible.run('ams_server_info', simulator.connection, verbosity=4)
    assert not run.failed, run.output
    for line in _key_lines(simulator.client_key):
        assert line not in run.output
