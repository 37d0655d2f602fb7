# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport: certificate checks done before connecting, and plain-words TLS errors.

Problems with local files (unreadable key, key that does not match the
certificate, expired client certificate) are found here, before a request is
made, so the user gets one sentence naming the file instead of an OpenSSL
error code. ams_client_certificate checks the pairs it keeps the same way.
"""

import datetime
import ssl

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False


def fingerprint_of(certificate):
    """AMS fingerprint of a certificate: SHA-256 of its DER bytes, lowercase hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def _read(path, option):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise AMSConfigurationError('%s file %s cannot be read: %s' % (option, path, exc.strerror or exc))


def parse_pem_certificates(data, source):
    """Every certificate of a PEM text (bytes); fails naming ``source`` when there is none."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    certificates = []
    marker = b'-----BEGIN CERTIFICATE-----'
    for block in data.split(marker)[1:]:
        try:
            certificates.append(x509.load_pem_x509_certificate(marker + block))
        except ValueError as exc:
            raise AMSConfigurationError('%s holds a malformed PEM certificate: %s' % (source, exc))
    if not certificates:
        raise AMSConfigurationError('%s is not a PEM certificate: it holds no PEM certificate block '
                                    '("-----BEGIN CERTIFICATE-----")' % source)
    return certificates


def _is_ca(certificate):
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return bool(constraints.value.ca)


def not_after(certificate):
    """When the certificate expires, as an aware UTC datetime (any cryptography version)."""
    value = getattr(certificate, 'not_valid_after_utc', None)
    if value is None:
        value = certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return value


def _not_before(certificate):
    value = getattr(certificate, 'not_valid_before_utc', None)
    if value is None:
        value = certificate.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    return value


def server_trust(ca_cert, validate_certs):
    """How to check the server: ``(verify, pinned_fingerprint)``; verify is True (the system's CAs), False or a CA file.

    A single certificate that is not a CA is taken as the pinned server
    certificate (AMS serves a self-signed one): it must match exactly and the
    host name is not checked. Anything else is a CA bundle.
    """
    if not validate_certs:
        return False, None
    if not ca_cert:
        return True, None
    certificates = parse_pem_certificates(_read(ca_cert, 'ca_cert'), 'ca_cert file %s' % ca_cert)
    if len(certificates) == 1 and not _is_ca(certificates[0]):
        return False, fingerprint_of(certificates[0])
    return ca_cert, None


def client_context(client_cert, client_key, ca_cert, validate_certs):
    """``(ssl_context, pinned_fingerprint)`` for connections to AMS: the client certificate loaded, the
    server checked against ``ca_cert`` (a CA bundle, or the pinned server certificate) or the system's CAs."""
    verify, pin = server_trust(ca_cert, validate_certs)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify is True:
        context.load_default_certs()
    elif verify:
        context.load_verify_locations(cafile=verify)
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if client_cert:
        context.load_cert_chain(client_cert, client_key)
    return context, pin


def _public_der(public_key):
    from cryptography.hazmat.primitives import serialization
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_key_pair(cert_path, key_path, cert_name='client_cert', key_name='client_key'):
    """``(certificate, key)`` from two PEM files; AMSConfigurationError naming the file at fault.

    ``cert_name`` and ``key_name`` say what the files are in messages.
    """
    # Imported here: a task that only connects checks its pair with OpenSSL (see check_client_pair).
    from cryptography.hazmat.primitives import serialization
    certificate = parse_pem_certificates(_read(cert_path, cert_name), '%s file %s' % (cert_name, cert_path))[0]
    try:
        key = serialization.load_pem_private_key(_read(key_path, key_name), password=None)
    except TypeError:
        raise AMSConfigurationError('%s file %s is encrypted; give an unencrypted PEM key' % (key_name, key_path))
    except ValueError:
        raise AMSConfigurationError('%s file %s is not a PEM private key' % (key_name, key_path))
    if _public_der(key.public_key()) != _public_der(certificate.public_key()):
        raise AMSConfigurationError('%s file %s does not match %s file %s: give the key the certificate was made for'
                                    % (key_name, key_path, cert_name, cert_path))
    return certificate, key


def check_client_pair(client_cert, client_key):
    """The client certificate's fingerprint, or None without one; fails early, naming the file, when unusable."""
    if not client_cert and not client_key:
        return None
    if not client_cert or not client_key:
        raise AMSConfigurationError('client_cert and client_key must be given together')
    if _openssl_takes_pair(client_cert, client_key):
        certificate = parse_pem_certificates(_read(client_cert, 'client_cert'), 'client_cert file %s' % client_cert)[0]
    else:
        # Find out which file is at fault, in words.
        certificate, _key = load_key_pair(client_cert, client_key)
    now = datetime.datetime.now(datetime.timezone.utc)
    if not_after(certificate) < now:
        raise AMSConfigurationError(
            'client_cert file %s expired on %s: make a new certificate and register it with anbox.ams.ams_certificate'
            % (client_cert, not_after(certificate).strftime('%Y-%m-%d')))
    if _not_before(certificate) > now:
        raise AMSConfigurationError('client_cert file %s is not valid before %s'
                                    % (client_cert, _not_before(certificate).strftime('%Y-%m-%d %H:%M')))
    return fingerprint_of(certificate)


def _openssl_takes_pair(cert_path, key_path):
    """True when OpenSSL loads the pair as the connection will: readable, key unencrypted and made for the
    certificate. Cheaper than reading the key with cryptography, which is left for explaining a refusal."""
    def no_password():
        raise ValueError('the key is encrypted')
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_cert_chain(cert_path, key_path, password=no_password)
    except (ssl.SSLError, OSError, ValueError, TypeError):
        return False
    return True


def explain_tls_error(error_text, url, ca_cert, client_cert):
    """One sentence that says which certificate failed and what to change."""
    text = error_text.lower()
    trusted_by = 'ca_cert %s' % ca_cert if ca_cert else "the system's CA store (set ca_cert)"
    if 'fingerprint' in text:
        return ('The server certificate of %s is not the pinned certificate in ca_cert %s: '
                'fetch the current AMS server certificate and put it in ca_cert' % (url, ca_cert))
    if 'expired' in text:
        return ('The server certificate of %s has expired: renew the AMS server certificate '
                '(or set validate_certs: false to skip the check, which is insecure)' % url)
    if 'hostname' in text or "doesn't match" in text or 'not valid for' in text:
        return ('The server certificate of %s does not name this host: use the host name the certificate was '
                'issued for in url, or pin the server certificate itself with ca_cert' % url)
    if 'certificate verify failed' in text or 'self signed' in text or 'self-signed' in text or 'unable to get' in text:
        return ('The server certificate of %s could not be verified with %s: put the AMS CA or server '
                'certificate in ca_cert (or set validate_certs: false, which is insecure)' % (url, trusted_by))
    if 'unknown ca' in text or 'bad certificate' in text or 'certificate required' in text or 'alert' in text:
        return ('%s refused the client certificate %s during the TLS handshake: check client_cert/client_key'
                % (url, client_cert or '(none given)'))
    if 'wrong version number' in text or 'record layer' in text:
        return '%s does not speak TLS on that port: check the scheme and port in url' % url
    return 'TLS handshake with %s failed: %s' % (url, error_text)
