"""What happens once per start before serving: trust setup, crash recovery, populate."""

import json
import secrets

from cryptography.hazmat.primitives.serialization import Encoding

from . import lifecycle
from .certs import load_pem_certificate
from .db import dumps
from .handlers.certificates import add_certificate


def effective_trust_password(sim, requested):
    """--trust-password wins; otherwise keep the stored one; on first start generate and store one."""
    row = sim.store.one("SELECT value FROM config WHERE key = 'core.trust_password'")
    current = json.loads(row["value"]) if row else ""
    password = requested if requested is not None else current
    if not password:
        password = secrets.token_urlsafe(18)
    if password != current:
        with sim.store.transaction():
            sim.store.execute("INSERT OR REPLACE INTO config (key, value) VALUES ('core.trust_password', ?)",
                              (dumps(password),))
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
    referenced = set()
    for table in ("image_versions", "addon_versions", "application_versions"):
        referenced.update(row["blob"] for row in sim.store.all("SELECT blob FROM %s" % table))
    sim.blobs.remove_unreferenced(referenced)
    return failed
