#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_client_certificate
short_description: Make a client key and self-signed client certificate for AMS
version_added: 0.1.0
description:
  - Makes an EC P-384 private key and a self-signed client certificate at the given paths, as C(amc) does,
    when they are missing or unusable. AMS identifies clients by the fingerprint of that certificate.
  - The pair is made again when either file is missing or unreadable, when the key does not match the
    certificate, or when the certificate has expired or expires within O(renew_days). A usable pair is kept.
  - Only fixes the key file's mode (V(0600)) and the certificate file's mode (V(0644)) when they differ.
  - This module talks to no server; register the certificate with M(anbox.ams.ams_certificate) afterwards.
    The role C(anbox.ams.trust_bootstrap) does both.
author:
  - anbox.ams maintainers (@anbox-ams)
requirements:
  - cryptography
extends_documentation_fragment:
  - anbox.ams.attributes
options:
  certificate_path:
    description:
      - Where the PEM client certificate is (or is to be written).
      - A missing directory is created with mode V(0700).
    type: path
    required: true
  key_path:
    description:
      - Where the PEM private key is (or is to be written), with mode V(0600).
      - A missing directory is created with mode V(0700).
    type: path
    required: true
  common_name:
    description:
      - Common name of a new certificate. Defaults to C(USER@HOSTNAME) of the managed host, as C(amc) does.
      - Changing it does not remake a usable certificate; use O(force=true) for that.
    type: str
  valid_days:
    description:
      - How many days a new certificate is valid.
    type: int
    default: 3650
  renew_days:
    description:
      - Make a new pair when the certificate expires within this many days.
      - Must be smaller than O(valid_days), or every run would make a new pair.
    type: int
    default: 30
  force:
    description:
      - Make a new pair even when the existing one is usable.
    type: bool
    default: false
  backup:
    description:
      - Keep a timestamped copy of files that are replaced.
    type: bool
    default: false
notes:
  - A new pair has a new fingerprint, which AMS does not trust until it is registered.
'''

EXAMPLES = r'''
- name: Make the client certificate the connection options point at
  anbox.ams.ams_client_certificate:
    certificate_path: ~/.config/ams/client.crt
    key_path: ~/.config/ams/client.key
  register: client

- name: Register it with the trust password
  anbox.ams.ams_certificate:
    url: https://ams.example.com:8444
    ca_cert: ~/.config/ams/server.crt
    client_cert: "{{ client.certificate_path }}"
    client_key: "{{ client.key_path }}"
    certificate_path: "{{ client.certificate_path }}"
    trust_password: "{{ vault_ams_trust_password }}"

- name: Renew a certificate that expires within 90 days
  anbox.ams.ams_client_certificate:
    certificate_path: /etc/ams-automation/client.crt
    key_path: /etc/ams-automation/client.key
    renew_days: 90
    backup: true
'''

RETURN = r'''
certificate_path:
  description: Path of the certificate.
  returned: success
  type: str
  sample: /home/ops/.config/ams/client.crt
key_path:
  description: Path of the private key.
  returned: success
  type: str
  sample: /home/ops/.config/ams/client.key
fingerprint:
  description:
    - SHA-256 of the certificate's DER bytes, lowercase hex, as AMS names the certificate.
    - V(null) in check mode when a new pair would be made.
  returned: success
  type: str
  sample: 2f1b4e0c6f0e5cc5c4e3bb1d1d0b6cb5e2a7c0a5a9e0f5d1b7c3a2e9f8d7c6b5
not_after:
  description:
    - End of the certificate's validity, ISO 8601 in UTC.
    - V(null) in check mode when a new pair would be made.
  returned: success
  type: str
  sample: "2036-11-21T15:40:02+00:00"
certificate:
  description: The certificate in PEM form (V(null) in check mode when a new pair would be made).
  returned: success
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"
reason:
  description: Why a new pair was (or in check mode would be) made; V(null) when the pair was kept.
  returned: success
  type: str
  sample: client certificate expires on 2026-12-01, within renew_days (30)
backup_files:
  description: Copies of replaced files, when O(backup=true).
  returned: when a file was replaced with O(backup=true)
  type: list
  elements: str
  sample: [/home/ops/.config/ams/client.crt.1234.2026-11-23@15:40:02~]
'''

import datetime
import getpass
import os
import socket
import stat
import tempfile
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.anbox.ams.plugins.module_utils import tls
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

KEY_MODE = 0o600
CERTIFICATE_MODE = 0o644
DIRECTORY_MODE = 0o700


class PairProblem(Exception):
    """The existing key and certificate cannot be used; the text says why."""


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def load_usable_pair(certificate_path, key_path, renew_days, now):
    """The existing certificate when the pair is usable; PairProblem naming the first flaw otherwise.

    The pair is checked as the connection options check it, so a kept pair is one a task can connect with.
    """
    for path, what in ((certificate_path, 'client certificate'), (key_path, 'client key')):
        if not os.path.exists(path):
            raise PairProblem('%s %s does not exist' % (what, path))
    try:
        certificate, _key = tls.load_key_pair(certificate_path, key_path, 'client certificate', 'client key')
    except AMSConfigurationError as exc:
        raise PairProblem(exc.message)
    not_after = tls.not_after(certificate)
    if not_after <= now:
        raise PairProblem('client certificate %s expired on %s' % (certificate_path, not_after.strftime('%Y-%m-%d')))
    if not_after <= now + datetime.timedelta(days=renew_days):
        raise PairProblem('client certificate %s expires on %s, within renew_days (%d)'
                          % (certificate_path, not_after.strftime('%Y-%m-%d'), renew_days))
    return certificate


def certificate_on_disk(path):
    """The certificate at ``path`` whatever its flaws, for the diff; None when there is none to read."""
    try:
        with open(path, 'rb') as handle:
            return x509.load_pem_x509_certificate(handle.read())
    except (IOError, OSError, ValueError):
        return None


def make_pair(common_name, valid_days, now):
    """A new EC P-384 key and a self-signed client certificate for it, as `amc` makes them."""
    key = ec.generate_private_key(ec.SECP384R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'anbox.ams'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    # A minute of slack absorbs small clock differences between this host and AMS.
    not_before = now - datetime.timedelta(minutes=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA384())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return key_pem, certificate


def write_atomically(path, data, mode):
    """Replace ``path`` with ``data`` so that no reader sees a half-written file or a key with loose modes."""
    directory = os.path.dirname(path) or '.'
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path) + '.')
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, 'wb') as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def make_directory(directory):
    """Create a missing directory (and its parents) private to the user."""
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, DIRECTORY_MODE)


def _mode_of(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def _octal(mode):
    return None if mode is None else '%04o' % mode


def _describe(certificate_path, key_path, certificate):
    return {
        'certificate_path': certificate_path,
        'key_path': key_path,
        'fingerprint': tls.fingerprint_of(certificate) if certificate is not None else None,
        'not_after': tls.not_after(certificate).isoformat() if certificate is not None else None,
    }


def _with_modes(description, key_mode, certificate_mode):
    description = dict(description)
    description.update(key_mode=_octal(key_mode), certificate_mode=_octal(certificate_mode))
    return description


def default_common_name():
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = 'ams-client'
    return '%s@%s' % (user, socket.gethostname())


class ClientCertificate:

    def __init__(self, module):
        self.module = module
        params = module.params
        self.certificate_path = params['certificate_path']
        self.key_path = params['key_path']
        self.result = {'changed': False, 'certificate_path': self.certificate_path, 'key_path': self.key_path,
                       'reason': None}

    def _check_input(self):
        params = self.module.params
        if params['valid_days'] < 1:
            self.module.fail_json(msg='valid_days must be at least 1, got %d' % params['valid_days'])
        if not 0 <= params['renew_days'] < params['valid_days']:
            self.module.fail_json(msg='renew_days must be at least 0 and smaller than valid_days (%d), got %d: '
                                      'otherwise every run would make a new pair'
                                      % (params['valid_days'], params['renew_days']))
        if self.certificate_path == self.key_path:
            self.module.fail_json(msg='certificate_path and key_path are the same file: %s' % self.key_path)
        for option in ('certificate_path', 'key_path'):
            directory = os.path.dirname(self.module.params[option]) or '.'
            if os.path.exists(directory) and not os.path.isdir(directory):
                self.module.fail_json(msg='%s: %s is not a directory' % (option, directory))

    def run(self):
        self._check_input()
        params = self.module.params
        now = _utcnow()
        try:
            existing = load_usable_pair(self.certificate_path, self.key_path, params['renew_days'], now)
        except PairProblem as problem:
            existing = None
            self.result['reason'] = str(problem)
        if existing is not None and params['force']:
            self.result['reason'] = 'force=true'
        description = _describe(self.certificate_path, self.key_path, existing)
        on_disk = existing if existing is not None else certificate_on_disk(self.certificate_path)
        before = _with_modes(_describe(self.certificate_path, self.key_path, on_disk),
                             _mode_of(self.key_path), _mode_of(self.certificate_path))
        if self.result['reason'] is None:
            self._keep(existing, description, before)
        else:
            self._replace(now, before)

    def _keep(self, certificate, description, before):
        self._fix_mode(self.key_path, KEY_MODE)
        self._fix_mode(self.certificate_path, CERTIFICATE_MODE)
        self.result.update(description)
        self.result['certificate'] = certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
        self.set_diff(before, _with_modes(description, KEY_MODE, CERTIFICATE_MODE))

    def _fix_mode(self, path, wanted):
        if _mode_of(path) == wanted:
            return
        self.result['changed'] = True
        if self.module.check_mode:
            return
        try:
            os.chmod(path, wanted)
        except OSError as exc:
            self.module.fail_json(msg='cannot set mode %s on %s: %s' % (_octal(wanted), path, exc.strerror or exc))

    def _replace(self, now, before):
        self.result['changed'] = True
        if self.module.check_mode:
            after = _with_modes(_describe(self.certificate_path, self.key_path, None), KEY_MODE, CERTIFICATE_MODE)
            after['fingerprint'] = '(a new certificate)'
            self.result.update(_describe(self.certificate_path, self.key_path, None))
            self.result['certificate'] = None
            self.set_diff(before, after)
            return
        params = self.module.params
        key_pem, certificate = make_pair(params['common_name'] or default_common_name(), params['valid_days'], now)
        if params['backup']:
            self.result['backup_files'] = [self.module.backup_local(path)
                                           for path in (self.certificate_path, self.key_path) if os.path.exists(path)]
        try:
            for path in (self.key_path, self.certificate_path):
                make_directory(os.path.dirname(path))
            write_atomically(self.key_path, key_pem, KEY_MODE)
            write_atomically(self.certificate_path, certificate.public_bytes(serialization.Encoding.PEM),
                             CERTIFICATE_MODE)
        except (IOError, OSError) as exc:
            self.module.fail_json(msg='cannot write the new client key and certificate (%s, %s): %s'
                                      % (self.key_path, self.certificate_path, exc.strerror or exc))
        description = _describe(self.certificate_path, self.key_path, certificate)
        self.result.update(description)
        after = _with_modes(description, _mode_of(self.key_path), _mode_of(self.certificate_path))
        self.result['certificate'] = certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
        self.set_diff(before, after)

    def set_diff(self, before, after):
        if self.module._diff:
            self.result['diff'] = {'before': before, 'after': after}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            certificate_path=dict(type='path', required=True),
            key_path=dict(type='path', required=True),
            common_name=dict(type='str'),
            valid_days=dict(type='int', default=3650),
            renew_days=dict(type='int', default=30),
            force=dict(type='bool', default=False),
            backup=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    if CRYPTOGRAPHY_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    task = ClientCertificate(module)
    task.run()
    module.exit_json(**task.result)


if __name__ == '__main__':
    main()
