"""Builders of image, addon and application packages for the conformance tests."""

import io
import tarfile
import zipfile

import yaml


def _tar(members, mode):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, (data, file_mode) in members.items():
            if data is None:
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                archive.addfile(info)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = file_mode
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (data, file_mode) in members.items():
            if data is None:
                continue
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (0o100000 | file_mode) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def archive(members, kind):
    """members: name -> (bytes or None for a directory, mode). kind: tar.bz2, tar.gz, tar.xz, zip, tar."""
    if kind == "zip":
        return _zip(members)
    mode = {"tar.bz2": "w:bz2", "tar.gz": "w:gz", "tar.xz": "w:xz", "tar": "w"}[kind]
    return _tar(members, mode)


def image(metadata=None, kind="tar.xz", extra=b"rootfs"):
    metadata = {"architecture": "x86_64", "creation_date": 1600000000} if metadata is None else metadata
    members = {"rootfs.img": (extra, 0o644)}
    if metadata is not False:
        text = metadata if isinstance(metadata, (bytes, str)) else yaml.safe_dump(metadata)
        members["metadata.yaml"] = (text.encode() if isinstance(text, str) else text, 0o644)
    return archive(members, kind)


def application(manifest, kind="tar.bz2", apk=b"APK-BYTES"):
    text = manifest if isinstance(manifest, (bytes, str)) else yaml.safe_dump(manifest)
    members = {"manifest.yaml": (text.encode() if isinstance(text, str) else text, 0o644), "app.apk": (apk, 0o644)}
    if manifest is None:
        del members["manifest.yaml"]
    return archive(members, kind)


def addon(name, hooks=None, kind="tar.bz2", description="test addon", manifest=None):
    hooks = {"install": 0o755} if hooks is None else hooks
    text = manifest if manifest is not None else yaml.safe_dump({"name": name, "description": description})
    members = {"manifest.yaml": (text.encode() if isinstance(text, str) else text, 0o644)}
    if hooks:
        members["hooks/"] = (None, 0o755)
    for hook, mode in hooks.items():
        members["hooks/" + hook] = (b"#!/bin/sh\nexit 0\n", mode)
    return archive(members, kind)
