#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_certificate
short_description: Trust or distrust client certificates in AMS
version_added: 0.1.0
description:
  - Adds a client certificate to the AMS trust store, or removes one.
  - A client that AMS does not trust yet registers a certificate (usually its own) with O(trust_password),
    the C(core.trust_password) of AMS. That is how a new automation host gets access.
  - Certificates are identified by their fingerprint, the SHA-256 of the DER bytes.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.wait
  - anbox.ams.attributes
  - anbox.ams.attributes.ACTIONGROUP_AMS
options:
  state:
    description:
      - V(present) makes AMS trust the certificate, V(absent) removes it from the trust store.
    type: str
    choices: [present, absent]
    default: present
  certificate:
    description:
      - The certificate as PEM text.
      - Exactly one of O(certificate), O(certificate_path) and (with O(state=absent)) O(fingerprint) is needed.
    type: str
  certificate_path:
    description:
      - Path of a PEM file holding the certificate.
    type: path
  fingerprint:
    description:
      - SHA-256 fingerprint (hex, colons allowed) of the certificate to remove, for O(state=absent).
    type: str
  trust_password:
    description:
      - The trust password of AMS (C(core.trust_password)). Needed only while the client running the task is
        not trusted yet; a trusted client adds certificates without it.
    type: str
notes:
  - A client that AMS does not trust cannot list the trust store, so when it registers a certificate other
    than its own the task reports a change unless AMS answers that the certificate is known already.
  - Removing the certificate the task itself connects with leaves this client untrusted afterwards.
'''

EXAMPLES = r'''
- name: Register this host's client certificate with the trust password
  anbox.ams.ams_certificate:
    url: https://ams.example.com:8444
    client_cert: /etc/ams-automation/client.crt
    client_key: /etc/ams-automation/client.key
    ca_cert: /etc/ams-automation/server.crt
    certificate_path: /etc/ams-automation/client.crt
    trust_password: "{{ vault_ams_trust_password }}"

- name: Trust a colleague's certificate (this client is trusted already)
  anbox.ams.ams_certificate:
    certificate: "{{ lookup('ansible.builtin.file', 'certs/alice.crt') }}"

- name: Remove a certificate by fingerprint
  anbox.ams.ams_certificate:
    fingerprint: 2f1b4e0c6f0e5cc5c4e3bb1d1d0b6cb5e2a7c0a5a9e0f5d1b7c3a2e9f8d7c6b5
    state: absent
'''

RETURN = r'''
fingerprint:
  description: SHA-256 fingerprint of the certificate, lowercase hex.
  returned: success
  type: str
  sample: 2f1b4e0c6f0e5cc5c4e3bb1d1d0b6cb5e2a7c0a5a9e0f5d1b7c3a2e9f8d7c6b5
certificate:
  description: The certificate in PEM form, when it is known (given to the task or read from AMS).
  returned: when known
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"
'''

import base64
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import tls
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSConfigurationError,
    AMSConflict,
    AMSForbidden,
    AMSNotFound,
)
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module
from ansible_collections.anbox.ams.plugins.module_utils.objects import object_path

try:
    from cryptography.hazmat.primitives import serialization
except ImportError:
    serialization = None  # reported by the module base

FINGERPRINT = re.compile(r'^[0-9a-f]{64}$')


class AMSCertificate(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                certificate=dict(type='str'),
                certificate_path=dict(type='path'),
                fingerprint=dict(type='str'),
                trust_password=dict(type='str', no_log=True),
            ), wait=True),
            mutually_exclusive=[('certificate', 'certificate_path', 'fingerprint')],
            required_if=[
                ('state', 'present', ('certificate', 'certificate_path'), True),
                ('state', 'absent', ('certificate', 'certificate_path', 'fingerprint'), True),
            ],
            supports_check_mode=True,
        )

    def _load_certificate(self):
        params = self.module.params
        if params['certificate_path']:
            try:
                with open(params['certificate_path'], 'rb') as handle:
                    text = handle.read()
            except (IOError, OSError) as exc:
                raise AMSConfigurationError('certificate_path %s cannot be read: %s'
                                            % (params['certificate_path'], exc.strerror or exc))
            source = 'certificate_path %s' % params['certificate_path']
        elif params['certificate']:
            text, source = params['certificate'], 'certificate'
        else:
            return None
        return tls.parse_pem_certificates(text, source)[0]

    def _wanted_fingerprint(self, certificate):
        if certificate is not None:
            return tls.fingerprint_of(certificate)
        fingerprint = self.module.params['fingerprint'].replace(':', '').strip().lower()
        if not FINGERPRINT.match(fingerprint):
            raise AMSConfigurationError('fingerprint %r is not a SHA-256 fingerprint (64 hex digits, colons allowed)'
                                        % self.module.params['fingerprint'])
        return fingerprint

    def run(self):
        certificate = self._load_certificate()
        fingerprint = self._wanted_fingerprint(certificate)
        self.result['fingerprint'] = fingerprint
        if certificate is not None:
            self.result['certificate'] = certificate.public_bytes(serialization.Encoding.PEM).decode('ascii')
        self.converge(lambda: self._apply(certificate, fingerprint), 'certificate %s' % fingerprint)

    def _apply(self, certificate, fingerprint):
        auth = (self.client.get('/1.0').metadata or {}).get('auth')
        if self.module.params['state'] == 'present':
            self._present(certificate, fingerprint, auth)
        else:
            self._absent(fingerprint, auth)

    def _trusted_entry(self, fingerprint):
        try:
            return self.client.get(object_path('certificates', fingerprint)).metadata or {}
        except AMSNotFound:
            return None

    def _present(self, certificate, fingerprint, auth):
        if auth == 'trusted':
            entry = self._trusted_entry(fingerprint)
            if entry is not None:
                self.set_diff({'fingerprint': fingerprint, 'trusted': True}, {'fingerprint': fingerprint, 'trusted': True})
                return
        elif not self.module.params['trust_password']:
            raise AMSForbidden(
                'AMS does not trust this client (auth: %s), so it can neither check nor add %s: give trust_password '
                '(the core.trust_password of AMS) to register it' % (auth, fingerprint), status_code=403)
        self.set_diff({'fingerprint': fingerprint, 'trusted': False}, {'fingerprint': fingerprint, 'trusted': True})
        if self.check_mode:
            self._mark_as_changed()
            return
        body = {'certificate': base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode('ascii')}
        if auth != 'trusted':
            body['trust-password'] = self.module.params['trust_password']
        try:
            self.wait_for(self.client.post('/1.0/certificates', body=body))
        except AMSConflict:
            # Already trusted: only an untrusted client, which cannot look first, gets here.
            self.set_diff({'fingerprint': fingerprint, 'trusted': True}, {'fingerprint': fingerprint, 'trusted': True})
            return
        except AMSForbidden as exc:
            raise AMSForbidden('AMS refused to register certificate %s: %s. Check trust_password against the '
                               'core.trust_password of AMS' % (fingerprint, exc.ams_error or 'forbidden'),
                               status_code=exc.status_code, error_code=exc.error_code)
        self._mark_as_changed()

    def _absent(self, fingerprint, auth):
        if auth != 'trusted':
            raise AMSForbidden('AMS does not trust this client (auth: %s), so it cannot remove certificate %s: '
                               'connect with a trusted client certificate' % (auth, fingerprint), status_code=403)
        entry = self._trusted_entry(fingerprint)
        if entry is None:
            self.set_diff({'fingerprint': fingerprint, 'trusted': False}, {'fingerprint': fingerprint, 'trusted': False})
            return
        if entry.get('certificate'):
            self.result['certificate'] = entry['certificate']
        self.set_diff({'fingerprint': fingerprint, 'trusted': True}, {'fingerprint': fingerprint, 'trusted': False})
        self._mark_as_changed()
        if self.check_mode:
            return
        operation = self.client.delete(object_path('certificates', fingerprint))
        if fingerprint == self.client.client_fingerprint:
            self.module.warn('Removed the certificate this task connects with; this client is no longer trusted by AMS')
            return
        self.wait_for(operation)


def main():
    run_module(AMSCertificate)


if __name__ == '__main__':
    main()
