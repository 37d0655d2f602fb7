# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Packages: checking and preparing a package source, and deterministic packing."""

import io
import os
import shutil
import tarfile
import zipfile

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import packages
from ansible_collections.anbox.ams.plugins.module_utils.client import sha256_file
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError


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
    kind, manifest = packages.inspect(src, packages.ADDON_KINDS, 'manifest.yaml', 'addon', True)
    assert kind is None and manifest['name'] == 'tools'
    first = packages.prepare(src, kind, manifest, str(tmp_path))
    second = packages.prepare(src, kind, manifest, str(tmp_path))
    assert first.packed and first.path != src and first.kind == packages.TAR_BZ2
    assert first.compute_fingerprint() == second.compute_fingerprint() == sha256_file(first.path)
    first.discard()
    assert not os.path.exists(first.path) and os.path.isdir(src)


def test_an_archive_is_used_as_it_is_and_never_removed(tmp_path):
    path = str(tmp_path / 'tools.zip')
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('manifest.yaml', 'name: tools\n')
    kind, manifest = packages.inspect(path, packages.ADDON_KINDS, 'manifest.yaml', 'addon', True)
    package = packages.prepare(path, kind, manifest, str(tmp_path))
    package.discard()
    assert package.path == path and os.path.exists(path)


@pytest.mark.parametrize('setup,message', [
    (lambda tmp: str(tmp / 'missing.tar.bz2'), 'does not exist'),
    (lambda tmp: '', 'src is empty'),
])
def test_missing_src_is_named(tmp_path, setup, message):
    with pytest.raises(AMSConfigurationError, match=message):
        packages.inspect(setup(tmp_path), packages.ADDON_KINDS, 'manifest.yaml', 'addon', True)


def test_wrong_kind_is_judged_by_content(tmp_path):
    path = str(tmp_path / 'image.tar.gz')
    with tarfile.open(path, 'w:gz') as archive:
        info = tarfile.TarInfo('manifest.yaml')
        archive.addfile(info, io.BytesIO(b''))
    with pytest.raises(AMSConfigurationError, match=r'is not a \.tar\.bz2 or \.zip archive.*a \.tar\.gz archive'):
        packages.inspect(path, packages.APPLICATION_KINDS, 'manifest.yaml', 'application', True)


def test_text_file_named_like_an_archive_is_refused(tmp_path):
    path = tmp_path / 'app.zip'
    path.write_text(u'hello')
    with pytest.raises(AMSConfigurationError, match='not a recognised archive'):
        packages.inspect(str(path), packages.APPLICATION_KINDS, 'manifest.yaml', 'application', True)


def test_directory_refused_where_only_archives_go(tmp_path):
    with pytest.raises(AMSConfigurationError, match='is a directory, but an image must be'):
        packages.inspect(str(tmp_path), packages.IMAGE_KINDS, 'metadata.yaml', 'image', False)


def test_missing_manifest_in_directory(tmp_path):
    with pytest.raises(AMSConfigurationError, match='invalid application package: .* has no manifest.yaml'):
        packages.inspect(str(tmp_path), packages.APPLICATION_KINDS, 'manifest.yaml', 'application', True)


def test_hooks_of_a_directory(tmp_path):
    good = addon_dir(str(tmp_path / 'good'))
    assert packages.hooks_problem(good, None) is None
    flat = addon_dir(str(tmp_path / 'flat'), executable=False)
    assert 'is executable' in packages.hooks_problem(flat, None)
    empty = str(tmp_path / 'empty')
    os.makedirs(empty)
    assert 'has no hook' in packages.hooks_problem(empty, None)


def test_hooks_of_archives(tmp_path):
    tar_path = str(tmp_path / 'a.tar.bz2')
    with tarfile.open(tar_path, 'w:bz2') as archive:
        for name, mode in (('hooks/install', 0o755), ('hooks/nested/x', 0o755), ('manifest.yaml', 0o644)):
            info = tarfile.TarInfo(name)
            info.mode = mode
            archive.addfile(info, io.BytesIO(b''))
    assert packages.hooks(tar_path, packages.TAR_BZ2) == {'install': True}
    zip_path = str(tmp_path / 'a.zip')
    with zipfile.ZipFile(zip_path, 'w') as archive:
        info = zipfile.ZipInfo('hooks/install')
        info.create_system = packages.ZIP_FROM_UNIX
        info.external_attr = (0o100644) << 16
        archive.writestr(info, '#!/bin/sh\n')
    assert 'is executable' in packages.hooks_problem(zip_path, packages.ZIP)


def make_addon(root):
    os.makedirs(os.path.join(root, 'hooks'))
    os.makedirs(os.path.join(root, 'data', 'nested'))
    with open(os.path.join(root, 'manifest.yaml'), 'w') as handle:
        handle.write('name: demo\ndescription: demo addon\n')
    with open(os.path.join(root, 'hooks', 'install'), 'w') as handle:
        handle.write('#!/bin/sh\nexit 0\n')
    os.chmod(os.path.join(root, 'hooks', 'install'), 0o700)
    with open(os.path.join(root, 'data', 'nested', 'blob.bin'), 'wb') as handle:
        handle.write(os.urandom(4096))
    os.chmod(os.path.join(root, 'data', 'nested', 'blob.bin'), 0o600)
    return root


def pack(root, destination):
    packages.pack_directory(str(root), str(destination))
    with open(str(destination), 'rb') as handle:
        return handle.read()


def test_same_directory_twice_gives_the_same_bytes(tmp_path):
    root = make_addon(str(tmp_path / 'addon'))
    assert pack(root, tmp_path / 'a.tar.bz2') == pack(root, tmp_path / 'b.tar.bz2')
    assert sha256_file(str(tmp_path / 'a.tar.bz2')) == sha256_file(str(tmp_path / 'b.tar.bz2'))


def test_times_modes_and_creation_order_do_not_change_the_bytes(tmp_path):
    first = make_addon(str(tmp_path / 'first'))
    second = str(tmp_path / 'second')
    os.makedirs(os.path.join(second, 'data', 'nested'))
    os.makedirs(os.path.join(second, 'hooks'))
    # Same content, created in another order, with other times and other (non-exec) mode bits.
    shutil.copyfile(os.path.join(first, 'data', 'nested', 'blob.bin'), os.path.join(second, 'data', 'nested', 'blob.bin'))
    shutil.copyfile(os.path.join(first, 'hooks', 'install'), os.path.join(second, 'hooks', 'install'))
    shutil.copyfile(os.path.join(first, 'manifest.yaml'), os.path.join(second, 'manifest.yaml'))
    os.chmod(os.path.join(second, 'hooks', 'install'), 0o775)
    os.chmod(os.path.join(second, 'data', 'nested', 'blob.bin'), 0o664)
    for current, dirs, files in os.walk(second):
        for name in dirs + files:
            os.utime(os.path.join(current, name), (123456789, 123456789))
    os.chmod(os.path.join(second, 'data'), 0o700)
    assert pack(first, tmp_path / 'a.tar.bz2') == pack(second, tmp_path / 'b.tar.bz2')


def test_archive_normalises_owner_time_and_modes(tmp_path):
    root = make_addon(str(tmp_path / 'addon'))
    pack(root, tmp_path / 'a.tar.bz2')
    with tarfile.open(str(tmp_path / 'a.tar.bz2'), 'r:bz2') as archive:
        members = archive.getmembers()
    names = [member.name for member in members]
    assert names == sorted(names)
    assert names == ['data', 'data/nested', 'data/nested/blob.bin', 'hooks', 'hooks/install', 'manifest.yaml']
    for member in members:
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, '', '')
        assert member.mtime == packages.FIXED_MTIME
    modes = dict((member.name, member.mode) for member in members)
    assert modes['hooks/install'] == 0o755
    assert modes['data/nested/blob.bin'] == 0o644
    assert modes['data'] == 0o755


def test_content_change_changes_the_bytes(tmp_path):
    root = make_addon(str(tmp_path / 'addon'))
    before = pack(root, tmp_path / 'a.tar.bz2')
    with open(os.path.join(root, 'manifest.yaml'), 'a') as handle:
        handle.write('provides: [x]\n')
    assert pack(root, tmp_path / 'b.tar.bz2') != before


def test_losing_the_executable_bit_changes_the_bytes(tmp_path):
    root = make_addon(str(tmp_path / 'addon'))
    before = pack(root, tmp_path / 'a.tar.bz2')
    os.chmod(os.path.join(root, 'hooks', 'install'), 0o600)
    assert pack(root, tmp_path / 'b.tar.bz2') != before


def test_symbolic_links_are_kept_as_links(tmp_path):
    root = make_addon(str(tmp_path / 'addon'))
    os.symlink('install', os.path.join(root, 'hooks', 'pre-start'))
    pack(root, tmp_path / 'a.tar.bz2')
    with tarfile.open(str(tmp_path / 'a.tar.bz2'), 'r:bz2') as archive:
        link = archive.getmember('hooks/pre-start')
    assert link.issym() and link.linkname == 'install'


def test_special_files_are_refused_with_their_path(tmp_path):
    root = make_addon(str(tmp_path / 'addon'))
    os.mkfifo(os.path.join(root, 'a-fifo'))
    with pytest.raises(packages.PackagingError, match='a-fifo'):
        packages.pack_directory(root, str(tmp_path / 'a.tar.bz2'))


def test_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(packages.PackagingError, match='is not a directory'):
        packages.pack_directory(str(tmp_path / 'nope'), str(tmp_path / 'a.tar.bz2'))
