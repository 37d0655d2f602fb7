# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading ``manifest.yaml`` / ``metadata.yaml`` out of a package, and comparing manifests.

A package is a directory, or an archive whose kind is known (see
archive_kinds). Only the one wanted member is read: a tar archive is read as
a stream until the member turns up, a zip archive through its directory.

Comparison rule (INTERFACE.md): AMS renders manifests with the defaults it
filled in and with fields changed in place since, so a package manifest
differs from AMS's only when a key the package sets has another value there.
Keys the package leaves out do not count, also inside nested mappings; an
empty value (``""``, ``[]``, ``{}``, null) equals a missing key, which is how
a package clears a key. Scalars are compared as text (``1`` == ``"1"``,
``true`` == ``"true"``) and lists of scalars as sets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import os
import tarfile
import zipfile

from ansible_collections.anbox.ams.plugins.module_utils import archive_kinds

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

# A manifest larger than this is not a manifest.
MAX_MANIFEST_BYTES = 1024 * 1024


class ManifestError(Exception):
    """The package or its manifest is unusable; the message names the problem."""


def _member_name(name):
    while name.startswith('./'):
        name = name[2:]
    return name.rstrip('/')


def _read_from_tar(path, kind, member):
    try:
        with tarfile.open(path, archive_kinds.TAR_READ_MODES[kind]) as archive:
            for info in archive:
                if _member_name(info.name) != member:
                    continue
                if not info.isfile():
                    raise ManifestError('%s in %s is not a regular file' % (member, path))
                if info.size > MAX_MANIFEST_BYTES:
                    raise ManifestError('%s in %s is %d bytes, more than a manifest can be' % (member, path, info.size))
                return archive.extractfile(info).read()
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ManifestError('%s is not a readable .%s archive: %s' % (path, kind, exc))
    return None


def _read_from_zip(path, member):
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if _member_name(info.filename) != member or info.is_dir():
                    continue
                if info.file_size > MAX_MANIFEST_BYTES:
                    raise ManifestError('%s in %s is %d bytes, more than a manifest can be'
                                        % (member, path, info.file_size))
                return archive.read(info)
    except (zipfile.BadZipfile, OSError, ValueError) as exc:
        raise ManifestError('%s is not a readable .zip archive: %s' % (path, exc))
    return None


def _read_from_directory(path, member):
    candidate = os.path.join(path, member)
    if not os.path.isfile(candidate):
        return None
    if os.path.getsize(candidate) > MAX_MANIFEST_BYTES:
        raise ManifestError('%s is more than %d bytes, more than a manifest can be' % (candidate, MAX_MANIFEST_BYTES))
    try:
        with open(candidate, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise ManifestError('cannot read %s: %s' % (candidate, exc.strerror or exc))


def read_member(path, kind, member):
    """Bytes of ``member`` at the top of the package, or None; ``kind`` is None for a directory."""
    if kind is None:
        return _read_from_directory(path, member)
    if kind == archive_kinds.ZIP:
        return _read_from_zip(path, member)
    return _read_from_tar(path, kind, member)


def parse_yaml_mapping(data, where):
    """The YAML mapping in ``data``; ``where`` names it in errors."""
    if not HAS_YAML:
        raise ManifestError('the Python library PyYAML is required to read %s' % where)
    if isinstance(data, bytes):
        try:
            data = data.decode('utf-8')
        except UnicodeDecodeError as exc:
            raise ManifestError('%s is not UTF-8 text: %s' % (where, exc))
    stream = io.StringIO(data)
    # PyYAML names the stream in its error marks.
    stream.name = where
    try:
        document = yaml.safe_load(stream)
    except yaml.YAMLError as exc:
        raise ManifestError('%s is not valid YAML: %s' % (where, ' '.join(str(exc).split())))
    if not isinstance(document, dict):
        raise ManifestError('%s must be a YAML mapping of keys to values, not %s'
                            % (where, 'an empty file' if document is None else type(document).__name__))
    return document


def load(path, kind, member):
    """Parsed ``member`` (``manifest.yaml`` or ``metadata.yaml``) of the package at ``path``."""
    where = '%s in %s' % (member, path)
    data = read_member(path, kind, member)
    if data is None:
        raise ManifestError('%s has no %s at its top level' % (path, member))
    return parse_yaml_mapping(data, where)


# -- comparison --------------------------------------------------------------------


def _is_empty(value):
    return value is None or value == '' or value == [] or value == {}


def _scalar_text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _is_scalar(value):
    return not isinstance(value, (dict, list))


def same_value(wanted, actual):
    """True when ``actual`` (AMS's) satisfies ``wanted`` (the package's) under the rule above."""
    if _is_empty(wanted) or _is_empty(actual):
        return _is_empty(wanted) and _is_empty(actual)
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and not differing_keys(wanted, actual)
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(wanted) != len(actual):
            return False
        if all(_is_scalar(item) for item in wanted + actual):
            return sorted(_scalar_text(item) for item in wanted) == sorted(_scalar_text(item) for item in actual)
        return all(same_value(mine, theirs) for mine, theirs in zip(wanted, actual))
    if isinstance(actual, (dict, list)):
        return False
    return _scalar_text(wanted) == _scalar_text(actual)


def differing_keys(package_manifest, ams_manifest, ignore=()):
    """Sorted keys the package sets whose value in AMS's manifest differs (``ignore``: keys not compared)."""
    ams_manifest = ams_manifest or {}
    return sorted(key for key, wanted in package_manifest.items()
                  if key not in ignore and not same_value(wanted, ams_manifest.get(key)))
