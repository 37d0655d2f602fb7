# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tarfile

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import packaging
from ansible_collections.anbox.ams.plugins.module_utils.uploads import sha256_file


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
    packaging.pack_directory(str(root), str(destination))
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
        assert member.mtime == packaging.FIXED_MTIME
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
    with pytest.raises(packaging.PackagingError, match='a-fifo'):
        packaging.pack_directory(root, str(tmp_path / 'a.tar.bz2'))


def test_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(packaging.PackagingError, match='is not a directory'):
        packaging.pack_directory(str(tmp_path / 'nope'), str(tmp_path / 'a.tar.bz2'))
