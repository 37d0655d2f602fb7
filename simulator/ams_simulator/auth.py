"""Auth levels: guest (no client certificate), untrusted, trusted (fingerprint in the trust store), local."""

import re

GUEST, UNTRUSTED, TRUSTED, LOCAL = "guest", "untrusted", "trusted", "local"

# What guests and untrusted clients may reach; certificate registration checks the trust password itself.
PUBLIC = {("GET", "/"), ("GET", "/1.0"), ("GET", "/1.0/"), ("GET", "/1.0/version"), ("POST", "/1.0/certificates")}


def resolve(sim, request):
    transport = request.transport
    if transport is None:
        return GUEST
    info = sim.registry.lookup(transport)
    if info is None:
        # Not a TLS-bridged connection: only the unix-socket listener has a named local socket.
        sockname = transport.get_extra_info("sockname")
        return LOCAL if isinstance(sockname, str) and sockname else GUEST
    if info.fingerprint is None:
        return GUEST
    return TRUSTED if info.fingerprint in sim.trusted else UNTRUSTED


def is_trusted(level):
    return level in (TRUSTED, LOCAL)


# Operation websockets check the secret of the operation instead (like LXD, guests may connect with it).
_WEBSOCKET = re.compile(r"^/1\.0/operations/[^/]+/websocket$")


def is_public(method, path):
    return (method, path) in PUBLIC or (method == "GET" and _WEBSOCKET.match(path) is not None)
