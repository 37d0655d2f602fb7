"""LXD join tokens (`lxc config trust add --name ams`), as AMS passes them on to LXD when it adds a node.

A token is base64 of a JSON object: client_name, fingerprint (SHA-256 of the LXD server certificate, hex),
addresses (where that LXD listens, host:port), secret, expires_at (RFC 3339; the zero time never expires).
The simulator refuses a token it cannot read at once (400, as AMS checks the request) and an expired one in
the operation that adds the node, as LXD refuses it when AMS tries to join; neither message repeats the token.
"""

import base64
import binascii
import datetime
import json
import os
import re

_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
_ZERO_TIME = "0001-01-01T00:00:00Z"
FIELDS = ("client_name", "fingerprint", "addresses", "secret", "expires_at")


class TokenError(ValueError):
    """The token cannot be read; the message says why, without the token."""


def _decode_base64(token):
    """Standard or URL-safe base64, padded or not."""
    text = token.strip()
    try:
        data = (text + "=" * (-len(text) % 4)).encode("ascii")
    except UnicodeEncodeError:
        raise TokenError("it is not base64")
    if b"-" in data or b"_" in data:
        data = data.replace(b"-", b"+").replace(b"_", b"/")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise TokenError("it is not base64")


def _parse_time(text):
    if text in ("", _ZERO_TIME):
        return None
    match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$", text)
    if not match:
        raise TokenError("expires_at %r is not an RFC 3339 time" % text)
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.datetime.fromisoformat(match.group(1) + zone)


def decode(token):
    """The token's fields, checked; TokenError when it cannot be read."""
    raw = _decode_base64(token)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TokenError("it does not hold a JSON object")
    if not isinstance(document, dict):
        raise TokenError("it does not hold a JSON object")
    missing = [name for name in FIELDS if name not in document]
    if missing:
        raise TokenError("it lacks %s" % ", ".join(missing))
    if not isinstance(document["client_name"], str) or not document["client_name"]:
        raise TokenError("client_name is empty")
    if not isinstance(document["fingerprint"], str) or not _FINGERPRINT.match(document["fingerprint"]):
        raise TokenError("fingerprint is not a SHA-256 fingerprint")
    addresses = document["addresses"]
    if not isinstance(addresses, list) or not addresses or not all(isinstance(item, str) for item in addresses):
        raise TokenError("addresses is not a list of addresses")
    if not isinstance(document["secret"], str) or not document["secret"]:
        raise TokenError("secret is empty")
    if not isinstance(document["expires_at"], str):
        raise TokenError("expires_at is not a time")
    document["expires"] = _parse_time(document["expires_at"])
    return document


def expired(document, now=None):
    expires = document.get("expires")
    if expires is None:
        return False
    return expires <= (now or datetime.datetime.now(datetime.timezone.utc))


def make(addresses, expires_at=_ZERO_TIME, client_name="ams", fingerprint="5e" * 32, secret=None):
    """A token in LXD's format (for tests and demos)."""
    document = {"client_name": client_name, "fingerprint": fingerprint, "addresses": list(addresses),
                "secret": secret or binascii.hexlify(os.urandom(32)).decode(),
                "expires_at": expires_at}
    return base64.b64encode(json.dumps(document).encode()).decode()
