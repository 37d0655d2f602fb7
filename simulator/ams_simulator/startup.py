"""What happens once per start before serving: trust setup, crash recovery, populate."""

import secrets

from cryptography.hazmat.primitives.serialization import Encoding

from . import lifecycle, repo
from .certs import load_pem_certificate
from .handlers.certificates import add_certificate


def effective_trust_password(sim, requested):
    """--trust-password wins; otherwise keep the stored one; on first start generate and store one."""
    current = repo.config_value(sim.store, "core.trust_password", "")
    password = requested if requested is not None else current
    if not password:
        password = secrets.token_urlsafe(18)
    if password != current:
        with sim.store.transaction():
            repo.set_config_value(sim.store, "core.trust_password", password)
    return password


def trust_certificate_files(sim, paths):
    for path in paths or ():
        try:
            with open(path, "rb") as handle:
                cert = load_pem_certificate(handle.read())
        except OSError as exc:
            raise ValueError("--trust-cert %s: cannot read it: %s" % (path, exc.strerror))
        except ValueError as exc:
            raise ValueError("--trust-cert %s: %s" % (path, exc))
        add_certificate(sim, cert.public_bytes(Encoding.DER), "trusted at start")


def recover(sim):
    """Undo operations interrupted by a crash, resume pending state transitions, drop orphan uploads."""
    failed = sim.ops.fail_interrupted()
    lifecycle.resume_pending(sim)
    sim.blobs.remove_unreferenced(repo.referenced_blobs(sim.store))
    return failed
