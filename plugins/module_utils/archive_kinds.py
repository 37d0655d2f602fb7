# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which kind of archive a file is, judged by its first bytes (as AMS does), not by its name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

TAR_BZ2 = 'tar.bz2'
TAR_GZ = 'tar.gz'
TAR_XZ = 'tar.xz'
ZIP = 'zip'

# Packages AMS accepts for each kind of object.
IMAGE_KINDS = (TAR_GZ, TAR_BZ2, TAR_XZ)
ADDON_KINDS = (TAR_BZ2, ZIP)
APPLICATION_KINDS = (TAR_BZ2, ZIP)

_MAGIC = (
    (b'BZh', TAR_BZ2),
    (b'PK\x03\x04', ZIP),
    (b'\x1f\x8b', TAR_GZ),
    (b'\xfd7zXZ\x00', TAR_XZ),
)

TAR_READ_MODES = {TAR_BZ2: 'r|bz2', TAR_GZ: 'r|gz', TAR_XZ: 'r|xz'}


def detect_kind(path):
    """One of the kinds above, or None for anything else (raises OSError when unreadable)."""
    with open(path, 'rb') as handle:
        head = handle.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def describe(kinds):
    """``.tar.bz2 or .zip`` for messages."""
    return ' or '.join('.' + kind for kind in kinds)
