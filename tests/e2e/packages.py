# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small, valid (and deliberately broken) AMS packages for end-to-end tests."""

from __future__ import annotations

import io
import os
import tarfile


def _add_bytes(archive, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    archive.addfile(info, io.BytesIO(data))


def image_tarball(path, metadata=b'architecture: x86_64\n', compression='gz'):
    """An image: metadata.yaml and a rootfs, gzip (or bz2/xz) compressed."""
    with tarfile.open(path, 'w:' + compression) as archive:
        if metadata is not None:
            _add_bytes(archive, 'metadata.yaml', metadata)
        _add_bytes(archive, 'rootfs/etc/release', b'e2e test image\n')
    return str(path)


def addon_dir(path, name, manifest=None, hook=True):
    os.makedirs(os.path.join(path, 'hooks'), exist_ok=True)
    if manifest is None:
        manifest = 'name: %s\ndescription: e2e addon\n' % name
    if manifest is not False:
        with open(os.path.join(path, 'manifest.yaml'), 'w', encoding='utf-8') as handle:
            handle.write(manifest)
    if hook:
        hook_path = os.path.join(path, 'hooks', 'install')
        with open(hook_path, 'w', encoding='utf-8') as handle:
            handle.write('#!/bin/sh\necho installed\n')
        os.chmod(hook_path, 0o755)
    return str(path)


def application_dir(path, name, image, instance_type='a2.3', extra=''):
    os.makedirs(path, exist_ok=True)
    manifest = 'name: %s\nimage: %s\ninstance-type: %s\n%s' % (name, image, instance_type, extra)
    with open(os.path.join(path, 'manifest.yaml'), 'w', encoding='utf-8') as handle:
        handle.write(manifest)
    with open(os.path.join(path, 'app.apk'), 'wb') as handle:
        handle.write(b'PK fake apk for the simulator\n')
    return str(path)


def write(path, text):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    return str(path)
