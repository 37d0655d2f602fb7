"""Small helpers shared by the handlers: JSON bodies, recursion, ETags, field checks."""

import hashlib
import json

from ..db import dumps
from ..errors import bad_request, precondition_failed


def sim_of(request):
    return request.app["sim"]


async def read_json(request, required=True):
    """The request body as a JSON object; {} for an empty body when not required."""
    raw = await request.read()
    if not raw.strip():
        if required:
            raise bad_request("request body is empty: a JSON object is required")
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise bad_request("malformed JSON in request body: %s" % exc)
    if not isinstance(value, dict):
        raise bad_request("request body must be a JSON object, got %s" % type(value).__name__)
    return value


def recursion(request):
    raw = request.query.get("recursion", "0")
    if raw not in ("0", "1", "2"):
        raise bad_request("recursion must be 0 or 1, got %r" % raw)
    return 1 if raw in ("1", "2") else 0


def etag_of(data):
    return hashlib.sha256(dumps(data).encode()).hexdigest()


def check_if_match(request, current_etag):
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return
    candidates = [tag.strip() for tag in wanted.split(",")]
    if "*" in candidates:
        return
    for tag in candidates:
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == current_etag:
            return
    raise precondition_failed()


_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
               dict: "an object"}


def field(body, key, kind, required=False, default=None, what="request"):
    """Fetch body[key] checking its JSON type; 400 naming the field when wrong or missing."""
    if key not in body or body[key] is None:
        if required:
            raise bad_request("%s: field %r is required" % (what, key))
        return default
    value = body[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        raise bad_request("%s: field %r must be %s, got %s" % (what, key, _TYPE_NAMES.get(kinds[0], kinds[0]),
                                                               json.dumps(value)))
    return value


def string_list(body, key, what):
    value = field(body, key, list, what=what)
    if value is None:
        return None
    if not all(isinstance(item, str) for item in value):
        raise bad_request("%s: field %r must be a list of strings" % (what, key))
    return value


def reject_unknown(body, allowed, what):
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request("%s: unsupported field(s) %s" % (what, ", ".join(unknown)))


def urls(prefix, keys):
    return [prefix + key for key in keys]
