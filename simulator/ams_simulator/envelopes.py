"""The three AMS response shapes (sync, async, error), encoded compactly like the Go server does."""

import json

from aiohttp import web

_JSON = "application/json"


def dumps(value):
    return json.dumps(value, separators=(",", ":"))


_SYNC_HEAD = (b'{"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"",'
              b'"metadata":')


def sync_raw(metadata_json, status=200, etag=None):
    """Sync envelope around metadata that is already UTF-8 JSON (lets big lists skip re-encoding)."""
    headers = {"ETag": etag} if etag else None
    return web.Response(body=_SYNC_HEAD + metadata_json + b"}", status=status, content_type=_JSON,
                        charset="utf-8", headers=headers)


def sync(metadata, status=200, etag=None):
    return sync_raw(dumps(metadata).encode(), status=status, etag=etag)


def async_operation(operation):
    url = "/1.0/operations/" + operation["id"]
    body = {
        "type": "async",
        "status": "Operation created",
        "status_code": 100,
        "operation": url[1:],  # AMS sends it without the leading slash
        "error_code": 0,
        "error": "",
        "metadata": operation,
    }
    return web.Response(text=dumps(body), status=202, content_type=_JSON, charset="utf-8", headers={"Location": url})


def error(status, message):
    body = {"type": "error", "error": message, "error_code": status, "metadata": {}}
    return web.Response(text=dumps(body), status=status, content_type=_JSON, charset="utf-8")
