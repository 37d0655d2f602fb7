# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Deterministic packing of a package directory into a .tar.bz2.

The same directory content always gives the same bytes, and so the same
SHA-256, whatever the files' times, owners or umask: entries are sorted,
times fixed, owners root with empty names, modes normalised (only the
executable bit survives, which addon hooks need) and bzip2 runs at a fixed
level. The archive is written to a file as it is built, never held in memory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import tarfile

# 2000-01-01T00:00:00Z: a fixed, plausible time for every entry.
FIXED_MTIME = 946684800
BZIP2_LEVEL = 9
DIRECTORY_MODE = 0o755
EXECUTABLE_MODE = 0o755
FILE_MODE = 0o644
SYMLINK_MODE = 0o777


class PackagingError(Exception):
    """The directory cannot be packed (unreadable, special files, ...)."""


def _entries(root):
    """Relative POSIX paths of everything under ``root``, sorted so order never depends on the file system."""
    found = []
    for current, dirs, files in os.walk(root, followlinks=False):
        relative_dir = os.path.relpath(current, root)
        for name in dirs + files:
            relative = name if relative_dir == os.curdir else os.path.join(relative_dir, name)
            found.append(relative.replace(os.sep, '/'))
    return sorted(found)


def _tarinfo(root, relative):
    path = os.path.join(root, *relative.split('/'))
    info = tarfile.TarInfo(relative)
    status = os.lstat(path)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ''
    if stat.S_ISLNK(status.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
        info.mode = SYMLINK_MODE
    elif stat.S_ISDIR(status.st_mode):
        info.type = tarfile.DIRTYPE
        info.mode = DIRECTORY_MODE
    elif stat.S_ISREG(status.st_mode):
        info.type = tarfile.REGTYPE
        info.size = status.st_size
        info.mode = EXECUTABLE_MODE if status.st_mode & 0o111 else FILE_MODE
    else:
        raise PackagingError('%s is neither a file, a directory nor a symbolic link: a package cannot hold it'
                             % path)
    return info, path


def pack_directory(root, destination):
    """Write ``root``'s content (not ``root`` itself) to ``destination`` as a deterministic .tar.bz2."""
    if not os.path.isdir(root):
        raise PackagingError('%s is not a directory' % root)
    try:
        with tarfile.open(destination, 'w:bz2', compresslevel=BZIP2_LEVEL, format=tarfile.PAX_FORMAT) as archive:
            for relative in _entries(root):
                info, path = _tarinfo(root, relative)
                if info.type != tarfile.REGTYPE:
                    archive.addfile(info)
                    continue
                with open(path, 'rb') as handle:
                    archive.addfile(info, handle)
    except (IOError, OSError) as exc:
        raise PackagingError('cannot pack %s: %s' % (root, exc))
    return destination
