"""Certificates: the simulator's CA and server certificate, client certificates like `amc` makes."""

import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def fingerprint_of_der(der):
    """AMS identifies a certificate by the SHA-256 of its DER bytes, lowercase hex."""
    return hashlib.sha256(der).hexdigest()


def fingerprint_of_cert(cert):
    return fingerprint_of_der(cert.public_bytes(serialization.Encoding.DER))


def ensure_server_certificates(state_dir):
    """Create ca.crt/ca.key/server.crt/server.key in state_dir once; later calls reuse them."""
    paths = {name: os.path.join(state_dir, name) for name in ("ca.crt", "ca.key", "server.crt", "server.key")}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    now = _utcnow()
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AMS simulator"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "AMS simulator CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ])
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AMS simulator"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(paths["ca.key"], _key_pem(ca_key))
    _write_private(paths["server.key"], _key_pem(server_key))
    with open(paths["ca.crt"], "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    # server.crt holds the leaf then the CA, so it can serve as the chain file.
    with open(paths["server.crt"], "wb") as handle:
        handle.write(server_cert.public_bytes(serialization.Encoding.PEM))
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    return paths


def make_client_cert(directory, name="client", days_valid=365, not_before=None, key_type="ec"):
    """Write NAME.crt / NAME.key (self-signed, like `amc` makes) and return (cert_path, key_path, fingerprint)."""
    os.makedirs(directory, exist_ok=True)
    if key_type == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif key_type == "ec":
        key = ec.generate_private_key(ec.SECP384R1())
    else:
        raise ValueError("key_type must be 'ec' or 'rsa', got %r" % (key_type,))
    start = not_before if not_before is not None else _utcnow() - datetime.timedelta(minutes=5)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days_valid))
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, name + ".crt")
    key_path = os.path.join(directory, name + ".key")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    _write_private(key_path, _key_pem(key))
    return cert_path, key_path, fingerprint_of_cert(cert)


def load_pem_certificate(data):
    """Parse PEM text/bytes into a certificate; ValueError with a clear message when it is not one."""
    if isinstance(data, str):
        data = data.encode("ascii", "replace")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise ValueError("not a PEM certificate: %s" % exc)


def der_to_pem(der):
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode("ascii")
