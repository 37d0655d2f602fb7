# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain: packages of images, addons and applications.

Everything up to the upload is local, so a bad ``src`` fails before any
request is sent: the archive kind judged by its first bytes (as AMS does),
``manifest.yaml``/``metadata.yaml`` read out of it (a tar archive as a stream
until the member turns up, a zip archive through its directory), a directory
packed deterministically, addon hooks checked, the SHA-256 computed. Then
VersionedPackageTask uploads by fingerprint and removes an image or addon or
one of its versions. Images can also come from the image server AMS is
configured with, or from an instance: those requests are JSON bodies.
"""

import io
import os
import stat
import tarfile
import tempfile
import zipfile

from ansible_collections.anbox.ams.plugins.module_utils import objects
from ansible_collections.anbox.ams.plugins.module_utils.client import sha256_file
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSConfigurationError,
    AMSConflict,
    AMSError,
    AMSHTTPError,
)

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

# -- archive kinds ------------------------------------------------------------------------------

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


# -- reading manifests ---------------------------------------------------------------------------

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
        with tarfile.open(path, TAR_READ_MODES[kind]) as archive:
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
    if kind == ZIP:
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


# -- deterministic packing -----------------------------------------------------------------------

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


# -- addon hooks ---------------------------------------------------------------------------------

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
    member = _member_name(member)
    prefix = HOOKS_DIR + '/'
    if not member.startswith(prefix):
        return None
    name = member[len(prefix):]
    return name if name and '/' not in name else None


def _tar_hooks(path, kind):
    found = {}
    with tarfile.open(path, TAR_READ_MODES[kind]) as archive:
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
    if kind == ZIP:
        return _zip_hooks(path)
    return _tar_hooks(path, kind)


def hooks_problem(path, kind):
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


# -- package source ------------------------------------------------------------------------------

class Package:
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
    if kind == ZIP:
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
                                        % (src, what, describe(allowed_kinds)))
        kind = None
    else:
        try:
            kind = detect_kind(src)
        except (IOError, OSError) as exc:
            raise AMSConfigurationError('src %s cannot be read: %s' % (src, exc.strerror or exc))
        if kind not in allowed_kinds:
            raise AMSConfigurationError(
                'src %s is not a %s archive as an %s package must be (its content is %s, whatever its name says)'
                % (src, describe(allowed_kinds), what,
                   'a .%s archive' % kind if kind else 'not a recognised archive'))
    try:
        document = load(src, kind, member)
    except ManifestError as exc:
        raise AMSConfigurationError('invalid %s package: %s' % (what, exc))
    return kind, document


def check_declared_name(manifest, src, what, name):
    """Fail unless the package's manifest.yaml names the object the task manages."""
    declared = manifest.get('name')
    if declared is None:
        raise AMSConfigurationError('invalid %s package: manifest.yaml in %s has no name (it must be %s)'
                                    % (what, src, name))
    if str(declared) != name:
        raise AMSConfigurationError('invalid %s package: manifest.yaml in %s names the %s %s, but the task manages '
                                    '%s %s' % (what, src, what, declared, what, name))


def prepare(src, kind, manifest, temp_dir):
    """A Package for an inspected ``src``, packing a directory into ``temp_dir`` first."""
    if kind is not None:
        return Package(src, src, kind, manifest, packed=False)
    handle, path = tempfile.mkstemp(prefix='ams-package-', suffix='.tar.bz2', dir=temp_dir)
    os.close(handle)
    try:
        pack_directory(src, path)
    except PackagingError as exc:
        os.unlink(path)
        raise AMSConfigurationError('src %s: %s' % (src, exc))
    return Package(src, path, TAR_BZ2, manifest, packed=True)


# -- versioned packages: images and addons -------------------------------------------------------

def package_state(obj):
    """What the diff shows of an image or addon: latest fingerprint and version numbers."""
    if obj is None:
        return {}
    latest = objects.latest_version(obj) or {}
    return {'name': obj.get('name'), 'fingerprint': latest.get('fingerprint'),
            'versions': objects.version_numbers(obj)}


def state_after_upload(before, name, fingerprint):
    """``before`` with one more version, whose fingerprint is ``fingerprint``."""
    versions = before.get('versions') or []
    return dict(before, name=name, fingerprint=fingerprint, versions=versions + [max(versions or [-1]) + 1])


class VersionedPackageTask:
    """What ams_image and ams_addon share, mixed into their AMSModule class.

    The class sets ``collection`` and ``what`` and defines ``create_request()``
    and ``update_request(current)``: the X-AMS-Request of the upload that
    creates the object, and of one that adds a version to it.
    """

    needs = ('yaml',)
    collection = None  # 'images' or 'addons'
    what = None  # 'image' or 'addon', in messages and as the return key

    @property
    def name(self):
        return self.module.params['name']

    def path(self, *rest):
        return objects.object_path(self.collection, self.name, *rest)

    def read(self):
        """The object's client Response, or None when AMS has none of that name."""
        return objects.find(self.client, self.collection, self.name)

    # -- present -----------------------------------------------------------------

    def needs_upload(self, current, package):
        if package is None:
            return False
        latest = objects.latest_version(current.metadata) if current is not None else None
        return latest is None or latest.get('fingerprint') != package.compute_fingerprint()

    def upload(self, package):
        """Upload ``package`` unless the latest version has its fingerprint already; re-read after 412."""
        def step():
            current = self.read()
            if not self.needs_upload(current, package):
                return
            if current is None:
                answer = self.client.upload('POST', '/1.0/' + self.collection, package.path,
                                            fingerprint=package.compute_fingerprint(),
                                            request_meta=self.create_request(), budget=self.deadline)
            else:
                answer = self.client.upload('PATCH', self.path(), package.path,
                                            fingerprint=package.compute_fingerprint(),
                                            request_meta=self.update_request(current.metadata), etag=current.etag,
                                            budget=self.deadline)
            self.wait_for(answer)
        self.converge(step, '%s %s' % (self.what, self.name))

    def return_object(self, fallback):
        """The object as AMS shows it now (after a change), or ``fallback`` when nothing was sent."""
        if self.result['changed'] and not self.check_mode:
            current = self.read()
            self.result[self.what] = current.metadata if current is not None else {}
        else:
            self.result[self.what] = fallback or {}

    # -- absent ------------------------------------------------------------------

    def remove(self, version, force, delete_body=None):
        current = self.read()
        obj = current.metadata if current is not None else None
        before = package_state(obj)
        if obj is None:
            self.set_diff(before, before)
            self.result[self.what] = {}
            return
        if version is not None:
            self._remove_version(obj, version, before)
            return
        used_by = obj.get('used_by') or []
        if used_by and not force:
            raise AMSConflict('%s %s is used by %s: set force: true to remove it anyway'
                              % (self.what, self.name, ', '.join(str(user) for user in used_by)), status_code=409)
        self.set_diff(before, {})
        self._mark_as_changed()
        self.result[self.what] = {}
        if not self.check_mode:
            self.remove_or_explain(self.path(), '%s %s' % (self.what, self.name), force, body=delete_body)

    def _remove_version(self, obj, version, before):
        if objects.find_version(obj, version) is None:
            self.set_diff(before, before)
            self.result[self.what] = obj
            return
        after = dict(before, versions=[number for number in before['versions'] if number != version])
        self.set_diff(before, after)
        self._mark_as_changed()
        if not self.check_mode:
            try:
                self.wait_for(self.client.delete(self.path(version)))
            except AMSHTTPError as exc:
                # AMS refused (e.g. the only version): nothing changed.
                self.result['changed'] = False
                raise AMSError('AMS refused to remove version %d of %s %s: %s'
                               % (version, self.what, self.name, exc.ams_error or exc.message),
                               status_code=exc.status_code, error_code=exc.error_code)
        self.return_object(obj)


# -- images from the image server or from an instance --------------------------------------------

IMAGE_SOURCES = ('upload', 'import', 'instance')


def import_request(name, default):
    """The JSON body (api.ImagesPost) that imports image ``name`` from the image server AMS is configured with."""
    return {'name': name, 'default': bool(default)}


def publish_request(name, default, instance_id, force):
    """The JSON body (api.ImagesPost with an ImagesPostSource) that publishes an instance as image ``name``.

    ``force`` asks AMS to stop a running instance before publishing it.
    """
    source = {'type': 'instance', 'instance': instance_id}
    if force:
        source['force'] = True
    return {'name': name, 'default': bool(default), 'source': source}


def failed_version(obj):
    """The error message of the latest version of an image when AMS reports it in error, else None."""
    latest = objects.latest_version(obj) or {}
    code = latest.get('status_code')
    if code == -1 or (code is None and latest.get('status') == 'error'):
        return latest.get('error_message') or 'AMS gave no error message'
    return None
