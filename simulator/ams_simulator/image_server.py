"""The image server AMS is configured with (`images.url`): a built-in catalogue of importable images.

AMS imports an image by name from its image server (POST /1.0/images with a JSON body). The simulator has
no image server to talk to; these names stand for the official images one would offer.
"""

import hashlib

# name -> (architecture, version on the image server, size in bytes)
CATALOGUE = {
    "jammy:android13:amd64": ("x86_64", "1.22.0", 1512046592),
    "jammy:android13:arm64": ("aarch64", "1.22.0", 1433272320),
    "jammy:android14:amd64": ("x86_64", "1.22.0", 1637875712),
    "jammy:android14:arm64": ("aarch64", "1.22.0", 1559887872),
    "jammy:android15:amd64": ("x86_64", "1.22.0", 1786773504),
    "jammy:android15:arm64": ("aarch64", "1.22.0", 1704984576),
    "jammy:aaos13:amd64": ("x86_64", "1.22.0", 1402470400),
}


def names():
    return sorted(CATALOGUE)


def lookup(name):
    """(architecture, remote version, size, fingerprint) of an importable image, or None."""
    entry = CATALOGUE.get(name)
    if entry is None:
        return None
    architecture, remote_id, size = entry
    fingerprint = hashlib.sha256(("%s@%s" % (name, remote_id)).encode()).hexdigest()
    return architecture, remote_id, size, fingerprint
