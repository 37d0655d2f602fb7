"""Receiving and checking uploaded packages (images, addons, applications)."""

import asyncio
import re

from .. import archives, extensions, uploads
from ..errors import bad_request

ZIP_SUPPORT = "zip_archive_support"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_name(name, what):
    if not isinstance(name, str) or not _NAME.match(name):
        raise bad_request("%s name %r is invalid: use letters, digits, '.', '_' and '-'" % (what, name))
    return name


async def receive(request, sim, kinds, wanted, what, list_members=True):
    """Stream the upload to disk, then inspect the archive in a thread. Returns (upload, contents)."""
    upload = await uploads.receive(request, sim.blobs)
    if "zip" in kinds and archives.detect_kind(upload.path) == "zip" and not extensions.offered(sim, ZIP_SUPPORT):
        upload.discard()
        raise bad_request("invalid %s: zip packages need the %s API extension, which this server does not offer; "
                          "use a bzip2 tarball" % (what, ZIP_SUPPORT))
    try:
        contents = await asyncio.get_event_loop().run_in_executor(
            None, archives.inspect, upload.path, kinds, wanted, what, list_members)
    except BaseException:
        upload.discard()
        raise
    return upload, contents


def version_entry(number, upload, created_at):
    return {"version": number, "fingerprint": upload.sha256, "size": upload.size, "created_at": created_at}
