"""Receiving package uploads: streamed to a temp file while hashed, never held in memory."""

import hashlib
import json
import os
import tempfile

from .errors import bad_request

_CHUNK = 256 * 1024


class Upload:
    def __init__(self, path, sha256, size):
        self.path = path
        self.sha256 = sha256
        self.size = size

    def discard(self):
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)


def _declared_content_type(request):
    # request.content_type defaults to application/octet-stream when the header is missing; AMS needs it set.
    return request.headers.get("Content-Type", "").split(";")[0].strip().lower()


def is_upload(request):
    return _declared_content_type(request) == "application/octet-stream"


def is_json_request(request):
    """A JSON body and no X-AMS-Request: a creation that uploads nothing (an image import or publication)."""
    return _declared_content_type(request) == "application/json" and "X-AMS-Request" not in request.headers


def ams_request_header(request):
    """Parse X-AMS-Request (a JSON object). Missing or empty is {}: AMS reads the header with Go's
    Header.Get, which cannot tell the two apart, and the SDK sends it empty for application uploads.
    Malformed JSON is 400."""
    raw = request.headers.get("X-AMS-Request", "")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise bad_request("X-AMS-Request header is not valid JSON: %s" % exc)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request("X-AMS-Request header must be a JSON object")
    return value


async def receive(request, blobs):
    """Stream the body into the blob store's temp dir; check X-AMS-Fingerprint. Returns an Upload."""
    if not is_upload(request):
        raise bad_request("uploads need Content-Type: application/octet-stream, got %r"
                          % (_declared_content_type(request) or "no Content-Type header"))
    expected = request.headers.get("X-AMS-Fingerprint", "").strip().lower()
    digest = hashlib.sha256()
    size = 0
    fd, path = tempfile.mkstemp(dir=blobs.tmp_directory, prefix="upload-")
    upload = Upload(path, None, 0)
    try:
        with os.fdopen(fd, "wb") as handle:
            async for chunk in request.content.iter_chunked(_CHUNK):
                digest.update(chunk)
                handle.write(chunk)
                size += len(chunk)
    except BaseException:
        upload.discard()
        raise
    upload.sha256 = digest.hexdigest()
    upload.size = size
    if size == 0:
        upload.discard()
        raise bad_request("the upload is empty: send the package bytes as the request body")
    if expected and expected != upload.sha256:
        upload.discard()
        raise bad_request("fingerprint mismatch: X-AMS-Fingerprint is %s but the payload's SHA-256 is %s"
                          % (expected, upload.sha256))
    return upload
