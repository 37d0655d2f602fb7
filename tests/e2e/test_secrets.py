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


def test_config_secret_is_hidden(ansible, simulator):
    secret = 'n3w-trust-pa55word-for-the-test'
    args = dict(simulator.connection, config={'core.trust_password': secret}, update_secrets='always')
    run = ansible.run('ams_config', args, verbosity=3, diff=True)
    assert not run.failed, run.output
    assert secret not in run.output
    assert secret not in repr(run.result)


def test_key_material_never_printed(ansible, simulator):
    run = ansible.run('ams_server_info', simulator.connection, verbosity=4)
    assert not run.failed, run.output
    for line in _key_lines(simulator.client_key):
        assert line not in run.output
