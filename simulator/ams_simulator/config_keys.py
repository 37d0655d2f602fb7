"""AMS service configuration keys, their defaults and how AMS renders and validates them."""

from .errors import bad_request

_BOOL, _INT, _STR, _SECRET = "bool", "int", "str", "secret"

# key -> (kind, default, allowed values or None).  Defaults follow the reference's GET /1.0/config example.
KEYS = {
    "application.addons": (_STR, "", None),
    "application.auto_publish": (_BOOL, True, None),
    "application.auto_update": (_BOOL, True, None),
    "application.default_abi": (_STR, "", None),
    "application.max_published_versions": (_INT, 3, None),
    "container.default_platform": (_STR, "", None),
    "container.features": (_STR, "", None),
    "container.security_updates": (_BOOL, False, None),
    "core.proxy_http": (_STR, "", None),
    "core.proxy_https": (_STR, "", None),
    "core.proxy_ignore_hosts": (_STR, "", None),
    "core.trust_password": (_SECRET, "", None),
    "gpu.allocation_mode": (_STR, "all", ("one", "all")),
    "gpu.type": (_STR, "none", ("none", "nvidia", "intel", "amd")),
    "images.allow_insecure": (_BOOL, False, None),
    "images.auth": (_SECRET, "simulated-image-server-token", None),
    "images.update_interval": (_STR, "5m", None),
    "images.url": (_STR, "https://images.anbox-cloud.io/stable/", None),
    # The reference shows this one as the string "true".
    "images.version_lockstep": (_STR, "true", ("true", "false")),
    "registry.filter": (_STR, "", None),
    "registry.fingerprint": (_STR, "", None),
    "registry.mode": (_STR, "pull", ("pull", "push", "manual")),
    "registry.update_interval": (_STR, "5s", None),
    "registry.url": (_STR, "https://127.0.0.1:3000", None),
    "scheduler.strategy": (_STR, "spread", ("spread", "binpack")),
}

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


def parse_value(key, value):
    """Validate a PATCH value for `key` and return what is stored. Raises ApiError 400 with the reason."""
    if key not in KEYS:
        raise bad_request("unknown configuration item %r" % (key,))
    kind, _default, allowed = KEYS[key]
    if value is None:
        raise bad_request("configuration item %r needs a value" % key)
    if kind == _BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise bad_request("configuration item %r takes true or false, got %r" % (key, value))
    if kind == _INT:
        if isinstance(value, bool):
            raise bad_request("configuration item %r takes a number, got %r" % (key, value))
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None or number < 0:
            raise bad_request("configuration item %r takes a non-negative whole number, got %r" % (key, value))
        return number
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        raise bad_request("configuration item %r takes a string, got %r" % (key, value))
    if allowed is not None and value not in allowed:
        raise bad_request("configuration item %r must be one of %s, got %r" % (key, ", ".join(allowed), value))
    if key == "application.max_published_versions":
        return int(value)
    return value


def render(key, stored):
    """What GET /1.0/config shows: secrets as whether they are set."""
    kind = KEYS[key][0]
    if kind == _SECRET:
        return bool(stored)
    return stored


def default(key):
    return KEYS[key][1]
