"""Archive inspection: detect the kind by content and pull out manifest.yaml / metadata.yaml / hooks."""

import stat
import tarfile
import zipfile

import yaml

from .errors import bad_request

_MAGIC = (
    (b"BZh", "tar.bz2"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "tar.gz"),
    (b"\xfd7zXZ\x00", "tar.xz"),
)
_MAX_MANIFEST = 1024 * 1024


def detect_kind(path):
    with open(path, "rb") as handle:
        head = handle.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def _norm(name):
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


class ArchiveContents:
    """Names (with exec bits) of an archive's members and the bytes of the few small files we need."""

    def __init__(self, kind):
        self.kind = kind
        self.members = {}  # normalised name -> (is_file, is_executable or None when the archive does not say)
        self.files = {}

    def read_yaml(self, name, what):
        if name not in self.files:
            raise bad_request("invalid %s: the archive holds no %s at its top level" % (what, name))
        try:
            document = yaml.safe_load(self.files[name])
        except yaml.YAMLError as exc:
            raise bad_request("invalid %s: %s is not valid YAML: %s" % (what, name, exc))
        if not isinstance(document, dict):
            raise bad_request("invalid %s: %s must be a YAML mapping" % (what, name))
        return document


def inspect(path, allowed_kinds, wanted_files, what, list_members=True):
    """Open the archive at path (blocking: call it in a thread) and collect members and wanted files.

    Without list_members the scan stops as soon as every wanted file is found (a 1 GiB image whose
    metadata.yaml comes first is not decompressed to the end)."""
    kind = detect_kind(path)
    if kind not in allowed_kinds:
        found = kind or "not a recognised archive"
        raise bad_request("invalid %s: the payload must be %s (found: %s)" % (what, " or ".join(allowed_kinds), found))
    contents = ArchiveContents(kind)
    try:
        if kind == "zip":
            _inspect_zip(path, contents, wanted_files)
        else:
            _inspect_tar(path, kind, contents, wanted_files, list_members)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise bad_request("invalid %s: cannot read the %s archive: %s" % (what, kind, exc))
    return contents


def _inspect_tar(path, kind, contents, wanted, list_members):
    mode = {"tar.bz2": "r|bz2", "tar.gz": "r|gz", "tar.xz": "r|xz"}[kind]
    with tarfile.open(path, mode) as archive:
        for member in archive:
            name = _norm(member.name)
            if not name:
                continue
            contents.members[name] = (member.isfile(), bool(member.mode & 0o111))
            if name in wanted and member.isfile() and member.size <= _MAX_MANIFEST:
                contents.files[name] = archive.extractfile(member).read()
                if not list_members and set(wanted) <= set(contents.files):
                    return


def _inspect_zip(path, contents, wanted):
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = _norm(info.filename)
            if not name:
                continue
            executable = None
            mode = info.external_attr >> 16
            if info.create_system == 3 and mode:  # made on unix: the mode sits in the high bits
                executable = bool(mode & 0o111)
            is_file = not info.is_dir() and stat.S_IFMT(mode) in (0, stat.S_IFREG)
            contents.members[name] = (is_file, executable)
            if name in wanted and not info.is_dir() and info.file_size <= _MAX_MANIFEST:
                contents.files[name] = archive.read(info)


def read_member(path, name):
    """Return the bytes of one member, or None (blocking)."""
    kind = detect_kind(path)
    if kind == "zip":
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if _norm(info.filename) == name:
                    return archive.read(info)
        return None
    mode = {"tar.bz2": "r|bz2", "tar.gz": "r|gz", "tar.xz": "r|xz"}.get(kind)
    if mode is None:
        return None
    with tarfile.open(path, mode) as archive:
        for member in archive:
            if _norm(member.name) == name and member.isfile():
                return archive.extractfile(member).read()
    return None
