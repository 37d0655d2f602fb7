"""/1.0/certificates: the trust store."""

import base64
import binascii
import hmac

from cryptography import x509

from .. import auth, envelopes, repo
from ..certs import der_to_pem, fingerprint_of_der
from ..object_meta import unix_now
from ..errors import bad_request, conflict, forbidden
from .common import Field, check_if_match, etag_of, field, read_body, recursion, sim_of


# api.CertificatesPost of the AMS SDK.
CREATE = {"certificate": Field(str), "trust-password": Field(str)}
CREATE_HINTS = {"trust_password": "trust-password"}


def _certificate_object(row):
    return {"certificate": row["certificate"], "fingerprint": row["fingerprint"]}


def refresh_trusted(sim):
    sim.trusted = repo.certificate_fingerprints(sim.store)


def add_certificate(sim, der, name):
    """Store a DER certificate as trusted; returns its fingerprint (no-op when already present)."""
    fingerprint = fingerprint_of_der(der)
    with sim.store.transaction():
        repo.add_certificate(sim.store, fingerprint, name, der_to_pem(der), unix_now())
    refresh_trusted(sim)
    return fingerprint


def _decode_certificate(text):
    if "-----BEGIN" in text:
        raise bad_request("certificate must be base64 DER without the PEM header and footer")
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("certificate is not valid base64")
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise bad_request("certificate is not a DER X.509 certificate: %s" % exc)
    return der


async def list_certificates(request):
    sim = sim_of(request)
    rows = repo.certificates(sim.store)
    if recursion(request):
        return envelopes.sync([_certificate_object(row) for row in rows])
    return envelopes.sync(["/1.0/certificates/" + row["fingerprint"] for row in rows])


async def add(request):
    sim = sim_of(request)
    body = await read_body(request, CREATE, "certificate registration", hints=CREATE_HINTS)
    text = field(body, "certificate", str, required=True, what="certificate registration")
    password = body.get("trust-password")
    if not auth.is_trusted(request["auth"]):
        stored = _stored_trust_password(sim)
        if not stored:
            raise forbidden("no trust password is set on the server: registration needs a trusted client")
        if password is None or not hmac.compare_digest(password.encode(), stored.encode()):
            hint = ""
            if "trust_password" in request["ignored_fields"]:
                hint = " (the field is spelled 'trust-password', with a hyphen; 'trust_password' was ignored)"
            raise forbidden("wrong trust password" + hint)
    der = _decode_certificate(text)
    fingerprint = fingerprint_of_der(der)
    if fingerprint in repo.certificate_fingerprints(sim.store):
        raise conflict("certificate %s is already trusted" % fingerprint)
    add_certificate(sim, der, "")
    sim.events.log("info", "certificate added", fingerprint=fingerprint)
    return envelopes.sync(None)


def _stored_trust_password(sim):
    return repo.config_value(sim.store, "core.trust_password", "")


def _lookup(sim, fingerprint):
    return repo.certificate(sim.store, fingerprint)


async def get(request):
    sim = sim_of(request)
    data = _certificate_object(_lookup(sim, request.match_info["fingerprint"]))
    return envelopes.sync(data, etag=etag_of(data))


async def delete(request):
    sim = sim_of(request)
    fingerprint = _lookup(sim, request.match_info["fingerprint"])["fingerprint"]
    check_if_match(request, etag_of(_certificate_object(_lookup(sim, fingerprint))))

    def apply():
        repo.delete_certificate(sim.store, fingerprint)

    op = sim.ops.create("Deleting certificate", {"certificates": ["/1.0/certificates/" + fingerprint]},
                        apply=apply, after=lambda: refresh_trusted(sim))
    return envelopes.async_operation(op)


def routes(router):
    router.add_get("/1.0/certificates", list_certificates)
    router.add_post("/1.0/certificates", add)
    router.add_get("/1.0/certificates/{fingerprint}", get)
    router.add_delete("/1.0/certificates/{fingerprint}", delete)
