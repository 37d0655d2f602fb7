# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import os
import tarfile
import zipfile

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import addon_hooks, archive_kinds, package_source
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.uploads import sha256_file


def addon_dir(root, executable=True):
    os.makedirs(os.path.join(root, 'hooks'))
    with open(os.path.join(root, 'manifest.yaml'), 'w') as handle:
        handle.write('name: tools\ndescription: tools\n')
    hook = os.path.join(root, 'hooks', 'install')
    with open(hook, 'w') as handle:
        handle.write('#!/bin/sh\n')
    os.chmod(hook, 0o755 if executable else 0o644)
    return root


def test_directory_is_packed_and_fingerprinted(tmp_path):
    src = addon_dir(str(tmp_path / 'tools'))
    kind, manifest = package_source.inspect(src, archive_kinds.ADDON_KINDS, 'manifest.yaml', 'addon', True)
    assert kind is None and manifest['name'] == 'tools'
    first = package_source.prepare(src, kind, manifest, str(tmp_path))
    second = package_source.prepare(src, kind, manifest, str(tmp_path))
    assert first.packed and first.path != src and first.kind == archive_kinds.TAR_BZ2
    assert first.compute_fingerprint() == second.compute_fingerprint() == sha256_file(first.path)
    first.discard()
    assert not os.path.exists(first.path) and os.path.isdir(src)


def test_an_archive_is_used_as_it_is_and_never_removed(tmp_path):
    path = str(tmp_path / 'tools.zip')
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('manifest.yaml', 'name: tools\n')
    kind, manifest = package_source.inspect(path, archive_kinds.ADDON_KINDS, 'manifest.yaml', 'addon', True)
    package = package_source.prepare(path, kind, manifest, str(tmp_path))
    package.discard()
    assert package.path == path and os.path.exists(path)


@pytest.mark.parametrize('setup,message', [
    (lambda tmp: str(tmp / 'missing.tar.bz2'), 'does not exist'),
    (lambda tmp: '', 'src is empty'),
])
def test_missing_src_is_named(tmp_path, setup, message):
    with pytest.raises(AMSConfigurationError, match=message):
        package_source.inspect(setup(tmp_path), archive_kinds.ADDON_KINDS, 'manifest.yaml', 'addon', True)


def test_wrong_kind_is_judged_by_content(tmp_path):
    path = str(tmp_path / 'image.tar.gz')
    with tarfile.open(path, 'w:gz') as archive:
        info = tarfile.TarInfo('manifest.yaml')
        archive.addfile(info, io.BytesIO(b''))
    with pytest.raises(AMSConfigurationError, match=r'is not a \.tar\.bz2 or \.zip archive.*a \.tar\.gz archive'):
        package_source.inspect(path, archive_kinds.APPLICATION_KINDS, 'manifest.yaml', 'application', True)


def test_text_file_named_like_an_archive_is_refused(tmp_path):
    path = tmp_path / 'app.zip'
    path.write_text(u'hello')
    with pytest.raises(AMSConfigurationError, match='not a recognised archive'):
        package_source.inspect(str(path), archive_kinds.APPLICATION_KINDS, 'manifest.yaml', 'application', True)


def test_directory_refused_where_only_archives_go(tmp_path):
    with pytest.raises(AMSConfigurationError, match='is a directory, but an image must be'):
        package_source.inspect(str(tmp_path), archive_kinds.IMAGE_KINDS, 'metadata.yaml', 'image', False)


def test_missing_manifest_in_directory(tmp_path):
    with pytest.raises(AMSConfigurationError, match='invalid application package: .* has no manifest.yaml'):
        package_source.inspect(str(tmp_path), archive_kinds.APPLICATION_KINDS, 'manifest.yaml', 'application', True)


def test_hooks_of_a_directory(tmp_path):
    good = addon_dir(str(tmp_path / 'good'))
    assert addon_hooks.problem(good, None) is None
    flat = addon_dir(str(tmp_path / 'flat'), executable=False)
    assert 'is executable' in addon_hooks.problem(flat, None)
    empty = str(tmp_path / 'empty')
    os.makedirs(empty)
    assert 'has no hook' in addon_hooks.problem(empty, None)


def test_hooks_of_archives(tmp_path):
    tar_path = str(tmp_path / 'a.tar.bz2')
    with tarfile.open(tar_path, 'w:bz2') as archive:
        for name, mode in (('hooks/install', 0o755), ('hooks/nested/x', 0o755), ('manifest.yaml', 0o644)):
            info = tarfile.TarInfo(name)
            info.mode = mode
            archive.addfile(info, io.BytesIO(b''))
    assert addon_hooks.hooks(tar_path, archive_kinds.TAR_BZ2) == {'install': True}
    zip_path = str(tmp_path / 'a.zip')
    with zipfile.ZipFile(zip_path, 'w') as archive:
        info = zipfile.ZipInfo('hooks/install')
        info.create_system = addon_hooks.ZIP_FROM_UNIX
        info.external_attr = (0o100644) << 16
        archive.writestr(info, '#!/bin/sh\n')
    assert 'is executable' in addon_hooks.problem(zip_path, archive_kinds.ZIP)
