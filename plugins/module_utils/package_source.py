# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Turn a task's ``src`` into a package ready to upload: checked, parsed, packed and fingerprinted.

Everything here is local: a bad ``src`` fails before any request is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible_collections.anbox.ams.plugins.module_utils import archive_kinds, manifests, packaging
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.uploads import sha256_file


class Package(object):
    """A package file on disk, the kind it is, its parsed manifest and its SHA-256."""

    def __init__(self, src, path, kind, manifest, packed):
        self.src = src
        self.path = path
        self.kind = kind
        self.manifest = manifest
        self.packed = packed
        self.fingerprint = None

    def compute_fingerprint(self):
        if self.fingerprint is None:
            self.fingerprint = sha256_file(self.path)
        return self.fingerprint

    def discard(self):
        """Remove the archive when it was packed from a directory (the user's own files stay)."""
        if self.packed and os.path.exists(self.path):
            os.unlink(self.path)


def require_archive_support(client, kind, src):
    """Refuse a .zip package on a server that cannot take one, before anything is sent."""
    if kind == archive_kinds.ZIP:
        client.require_extension('zip_archive_support', 'packages in .zip archives (src %s)' % src)


def inspect(src, allowed_kinds, member, what, allow_directory):
    """Check ``src`` and read its ``member``; returns (kind or None for a directory, parsed member).

    ``what`` names the object in messages (``image``, ``addon``, ``application``).
    """
    if not src:
        raise AMSConfigurationError('src is empty: give the path of the %s package' % what)
    if not os.path.exists(src):
        raise AMSConfigurationError('src %s does not exist' % src)
    if os.path.isdir(src):
        if not allow_directory:
            raise AMSConfigurationError('src %s is a directory, but an %s must be a %s archive'
                                        % (src, what, archive_kinds.describe(allowed_kinds)))
        kind = None
    else:
        try:
            kind = archive_kinds.detect_kind(src)
        except (IOError, OSError) as exc:
            raise AMSConfigurationError('src %s cannot be read: %s' % (src, exc.strerror or exc))
        if kind not in allowed_kinds:
            raise AMSConfigurationError(
                'src %s is not a %s archive as an %s package must be (its content is %s, whatever its name says)'
                % (src, archive_kinds.describe(allowed_kinds), what,
                   'a .%s archive' % kind if kind else 'not a recognised archive'))
    try:
        document = manifests.load(src, kind, member)
    except manifests.ManifestError as exc:
        raise AMSConfigurationError('invalid %s package: %s' % (what, exc))
    return kind, document


def prepare(src, kind, manifest, temp_dir):
    """A Package for an inspected ``src``, packing a directory into ``temp_dir`` first."""
    if kind is not None:
        return Package(src, src, kind, manifest, packed=False)
    handle, path = tempfile.mkstemp(prefix='ams-package-', suffix='.tar.bz2', dir=temp_dir)
    os.close(handle)
    try:
        packaging.pack_directory(src, path)
    except packaging.PackagingError as exc:
        os.unlink(path)
        raise AMSConfigurationError('src %s: %s' % (src, exc))
    return Package(src, path, archive_kinds.TAR_BZ2, manifest, packed=True)
