# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The hooks of an addon package: AMS wants a ``hooks/`` directory with at least one executable hook."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import tarfile
import zipfile

from ansible_collections.anbox.ams.plugins.module_utils import archive_kinds

HOOKS_DIR = 'hooks'
ZIP_FROM_UNIX = 3


def _directory_hooks(path):
    """Hook name → executable? for a package directory."""
    hooks_dir = os.path.join(path, HOOKS_DIR)
    found = {}
    if os.path.isdir(hooks_dir):
        for name in sorted(os.listdir(hooks_dir)):
            mode = os.stat(os.path.join(hooks_dir, name)).st_mode
            if stat.S_ISREG(mode):
                found[name] = bool(mode & 0o111)
    return found


def _hook_name(member):
    while member.startswith('./'):
        member = member[2:]
    prefix = HOOKS_DIR + '/'
    if not member.startswith(prefix):
        return None
    name = member[len(prefix):].rstrip('/')
    return name if name and '/' not in name else None


def _tar_hooks(path, kind):
    found = {}
    with tarfile.open(path, archive_kinds.TAR_READ_MODES[kind]) as archive:
        for info in archive:
            name = _hook_name(info.name)
            if name and info.isfile():
                found[name] = bool(info.mode & 0o111)
    return found


def _zip_hooks(path):
    found = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = _hook_name(info.filename)
            if not name or info.filename.endswith('/'):
                continue
            mode = info.external_attr >> 16
            # Zips made off unix record no mode: AMS then decides by itself, so count the hook as usable.
            found[name] = bool(mode & 0o111) if info.create_system == ZIP_FROM_UNIX and mode else True
    return found


def hooks(path, kind):
    """Hook name → whether it is executable, for a directory (``kind`` None) or an archive."""
    if kind is None:
        return _directory_hooks(path)
    if kind == archive_kinds.ZIP:
        return _zip_hooks(path)
    return _tar_hooks(path, kind)


def problem(path, kind):
    """Why the package's hooks will not do, or None when they are fine."""
    try:
        found = hooks(path, kind)
    except (tarfile.TarError, zipfile.BadZipfile, EOFError, OSError, ValueError) as exc:
        return 'cannot list the hooks in %s: %s' % (path, exc)
    if not found:
        return '%s has no hook: an addon needs a hooks/ directory with at least one executable hook (e.g. hooks/install)' % path
    if not any(found.values()):
        return ('no hook in %s/hooks is executable (%s): make them executable (chmod +x)'
                % (path.rstrip('/'), ', '.join(sorted(found))))
    return None
