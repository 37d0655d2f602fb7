# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import contextlib
import datetime
import hashlib
import json
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible.module_utils import basic

from ansible_collections.anbox.ams.plugins.modules import ams_client_certificate

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


def run(capsys, check_mode=False, diff=False, **args):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            ams_client_certificate.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def paths(tmp_path):
    return {'certificate_path': str(tmp_path / 'client.crt'), 'key_path': str(tmp_path / 'client.key')}


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def write_pair(paths, days_valid, key=None, certificate_key=None):
    """Write a key and a certificate valid for ``days_valid`` days (negative: expired)."""
    key = key or ec.generate_private_key(ec.SECP384R1())
    certificate_key = certificate_key or key
    now = datetime.datetime.now(datetime.timezone.utc)
    start = now - datetime.timedelta(days=400)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'old')])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(certificate_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(now + datetime.timedelta(days=days_valid))
        .sign(certificate_key, hashes.SHA256())
    )
    with open(paths['certificate_path'], 'wb') as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(paths['key_path'], 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(paths['key_path'], 0o600)
    os.chmod(paths['certificate_path'], 0o644)
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def test_makes_a_p384_pair_with_private_key_mode(capsys, paths):
    result = run(capsys, **paths)
    assert result['changed'] is True
    assert result['reason'] == 'client certificate %s does not exist' % paths['certificate_path']
    certificate = x509.load_pem_x509_certificate(read(paths['certificate_path']))
    key = serialization.load_pem_private_key(read(paths['key_path']), password=None)
    assert isinstance(key.curve, ec.SECP384R1)
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert certificate.issuer == certificate.subject
    assert result['fingerprint'] == hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert result['certificate'] == read(paths['certificate_path']).decode('ascii')
    assert mode_of(paths['key_path']) == 0o600
    assert mode_of(paths['certificate_path']) == 0o644
    not_after = datetime.datetime.fromisoformat(result['not_after'])
    expected = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3650)
    assert abs((not_after - expected).total_seconds()) < 300


def test_second_run_keeps_the_pair(capsys, paths):
    first = run(capsys, **paths)
    key_before, certificate_before = read(paths['key_path']), read(paths['certificate_path'])
    second = run(capsys, diff=True, **paths)
    assert second['changed'] is False
    assert second['reason'] is None
    assert second['fingerprint'] == first['fingerprint']
    assert second['diff']['before'] == second['diff']['after']
    assert read(paths['key_path']) == key_before
    assert read(paths['certificate_path']) == certificate_before


def test_check_mode_writes_nothing(capsys, paths, tmp_path):
    result = run(capsys, check_mode=True, diff=True, **paths)
    assert result['changed'] is True
    assert result['fingerprint'] is None
    assert result['diff']['before']['fingerprint'] is None
    assert result['diff']['after']['fingerprint'] == '(a new certificate)'
    assert os.listdir(str(tmp_path)) == []


def test_common_name_and_client_auth_usage(capsys, paths):
    run(capsys, common_name='automation@ci', valid_days=10, renew_days=1, **paths)
    certificate = x509.load_pem_x509_certificate(read(paths['certificate_path']))
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == 'automation@ci'
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usage


def test_key_that_does_not_match_is_replaced(capsys, paths):
    old = write_pair(paths, 100, certificate_key=ec.generate_private_key(ec.SECP384R1()))
    result = run(capsys, diff=True, **paths)
    assert result['changed'] is True
    assert 'does not match' in result['reason']
    assert result['fingerprint'] != old
    assert result['diff']['before']['fingerprint'] == old
    assert result['diff']['after']['fingerprint'] == result['fingerprint']
    assert run(capsys, **paths)['changed'] is False


@pytest.mark.parametrize('days_valid, words', [(-1, 'expired on'), (10, 'within renew_days (30)')])
def test_expired_or_expiring_certificate_is_replaced(capsys, paths, days_valid, words):
    old = write_pair(paths, days_valid)
    result = run(capsys, diff=True, **paths)
    assert result['changed'] is True
    assert words in result['reason']
    assert result['diff']['before']['fingerprint'] == old
    assert result['fingerprint'] != old


def test_certificate_outside_renew_window_is_kept(capsys, paths):
    old = write_pair(paths, 100)
    result = run(capsys, **paths)
    assert result['changed'] is False
    assert result['fingerprint'] == old


def test_loose_key_mode_is_fixed_without_a_new_pair(capsys, paths):
    old = write_pair(paths, 100)
    os.chmod(paths['key_path'], 0o644)
    checked = run(capsys, check_mode=True, **paths)
    assert checked['changed'] is True
    assert mode_of(paths['key_path']) == 0o644
    result = run(capsys, diff=True, **paths)
    assert result['changed'] is True
    assert result['reason'] is None
    assert result['fingerprint'] == old
    assert mode_of(paths['key_path']) == 0o600
    assert result['diff']['before']['key_mode'] == '0644'
    assert result['diff']['after']['key_mode'] == '0600'


def test_garbage_files_are_replaced_and_backed_up(capsys, paths, tmp_path):
    with open(paths['certificate_path'], 'w') as handle:
        handle.write('not a certificate')
    with open(paths['key_path'], 'w') as handle:
        handle.write('not a key')
    result = run(capsys, backup=True, **paths)
    assert result['changed'] is True
    assert 'is not a PEM certificate' in result['reason']
    assert len(result['backup_files']) == 2
    assert sorted(read(path) for path in result['backup_files']) == [b'not a certificate', b'not a key']


def test_force_makes_a_new_pair(capsys, paths):
    first = run(capsys, **paths)
    forced = run(capsys, force=True, **paths)
    assert forced['changed'] is True
    assert forced['reason'] == 'force=true'
    assert forced['fingerprint'] != first['fingerprint']


@pytest.mark.parametrize('args, words', [
    ({'renew_days': 3650}, 'renew_days must be at least 0 and smaller than valid_days (3650)'),
    ({'valid_days': 0, 'renew_days': 0}, 'valid_days must be at least 1'),
    ({'renew_days': -1}, 'renew_days must be at least 0'),
])
def test_bad_numbers_fail_clearly(capsys, paths, tmp_path, args, words):
    result = run(capsys, **dict(paths, **args))
    assert result['failed'] is True
    assert words in result['msg']
    assert os.listdir(str(tmp_path)) == []


def test_missing_directories_are_made_private(capsys, tmp_path):
    directory = tmp_path / 'new' / 'ams'
    result = run(capsys, certificate_path=str(directory / 'client.crt'), key_path=str(directory / 'client.key'))
    assert result['changed'] is True
    assert mode_of(str(directory)) == 0o700
    assert sorted(os.listdir(str(directory))) == ['client.crt', 'client.key']


def test_missing_directory_in_check_mode_is_left_alone(capsys, tmp_path):
    directory = tmp_path / 'new'
    result = run(capsys, check_mode=True, certificate_path=str(directory / 'client.crt'),
                 key_path=str(directory / 'client.key'))
    assert result['changed'] is True
    assert not directory.exists()


def test_file_in_place_of_the_directory_fails_naming_it(capsys, tmp_path):
    blocker = tmp_path / 'blocker'
    blocker.write_text('a file')
    result = run(capsys, certificate_path=str(blocker / 'client.crt'), key_path=str(tmp_path / 'client.key'))
    assert result['failed'] is True
    assert result['msg'] == 'certificate_path: %s is not a directory' % blocker


def test_same_path_for_both_fails(capsys, tmp_path):
    path = str(tmp_path / 'both.pem')
    result = run(capsys, certificate_path=path, key_path=path)
    assert result['failed'] is True
    assert 'the same file' in result['msg']
