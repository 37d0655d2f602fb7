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


class Field:
    """How AMS decodes one JSON field (Go encoding/json into the SDK's request type).

    kind: the JSON type(s) accepted (a wrong type is 400, as Go's decoder fails on it). pointer: the SDK field
    is a pointer, so only null means "not given"; otherwise the Go zero value (0, false, "", [], {}) is what a
    missing field decodes to and counts as "not given" too. keep_empty: "" is a real value (e.g. a config
    value). unmodelled: a field of the SDK type the simulator accepts but does not act on; a value there is
    recorded as ignored, in strict mode too. fields/items: the schema of a nested object / of list items.
    """

    def __init__(self, kind, pointer=False, keep_empty=False, unmodelled=False, fields=None, items=None):
        self.kind = kind
        self.pointer = pointer
        self.keep_empty = keep_empty
        self.unmodelled = unmodelled
        self.fields = fields
        self.items = items


def _is_zero(value):
    return value is None or (not isinstance(value, bool) and value == 0) or value in ("", [], {}) or value is False


def _check_type(value, field_spec, name, what):
    kinds = field_spec.kind if isinstance(field_spec.kind, tuple) else (field_spec.kind,)
    if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
        return
    raise bad_request("%s: field %r must be %s, got %s" % (what, name, _TYPE_NAMES.get(kinds[0], kinds[0]),
                                                           json.dumps(value)))


def record_ignored(request, names):
    if names:
        request.setdefault("ignored_fields", [])
        request["ignored_fields"].extend(names)


def decode(request, body, schema, what, hints=None, prefix=""):
    """The fields of body AMS would read, type-checked, "not given" ones left out (see Field).

    Unknown fields are ignored, as Go's decoder does, and recorded on the request (request log
    `ignored_fields`); with --strict-fields they are refused with 400 instead.
    """
    unknown, ignored = [], []
    result = _decode(body, schema, what, prefix, unknown, ignored)
    unknown.sort()
    if unknown and sim_of(request).options.strict_fields:
        hints = hints or {}
        named = ["%s (AMS reads %r)" % (name, hints[name]) if name in hints else name for name in unknown]
        raise bad_request("%s: unknown field(s) %s; AMS would ignore them silently (--strict-fields refuses "
                          "them)" % (what, ", ".join(named)))
    record_ignored(request, sorted(unknown + ignored))
    return result


def _decode(body, schema, what, prefix, unknown, ignored):
    result = {}
    for key, value in body.items():
        name = prefix + key
        spec = schema.get(key)
        if spec is None:
            if value is not None and value != "":
                unknown.append(name)
            continue
        if value is None:
            continue
        _check_type(value, spec, name, what)
        if value == "" and not spec.keep_empty:
            continue
        if not spec.pointer and _is_zero(value) and not (spec.keep_empty and value == ""):
            continue
        if spec.unmodelled:
            ignored.append(name)
            continue
        if spec.fields is not None:
            value = _decode(value, spec.fields, what, name + ".", unknown, ignored)
        elif isinstance(spec.items, dict):
            decoded = []
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    raise bad_request("%s: %s[%d] must be an object" % (what, name, index))
                decoded.append(_decode(item, spec.items, what, "%s.%d." % (name, index), unknown, ignored))
            value = decoded
        elif spec.items is not None and not all(isinstance(item, spec.items) and not isinstance(item, bool)
                                                for item in value):
            raise bad_request("%s: field %r must be a list of %ss" % (what, name, _TYPE_NAMES[spec.items][2:]))
        result[key] = value
    return result


async def read_body(request, schema, what, required=True, hints=None):
    """read_json + decode."""
    return decode(request, await read_json(request, required=required), schema, what, hints=hints)


FORCE = {"force": Field(bool)}


def urls(prefix, keys):
    return [prefix + key for key in keys]
