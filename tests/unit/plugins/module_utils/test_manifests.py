# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import io
import os
import tarfile
import zipfile

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import applications, packages

MANIFEST = b'name: game\nversion: "1.2"\ninstance-type: a4.3\ntags: [a, b]\n'


def tar_with(path, members, mode='w:bz2'):
    with tarfile.open(path, mode) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def zip_with(path, members):
    with zipfile.ZipFile(path, 'w') as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize('maker,kind', [
    (lambda p: tar_with(p, [('app.apk', b'x' * 10), ('manifest.yaml', MANIFEST)]), packages.TAR_BZ2),
    (lambda p: tar_with(p, [('./manifest.yaml', MANIFEST)], mode='w:gz'), packages.TAR_GZ),
    (lambda p: tar_with(p, [('manifest.yaml', MANIFEST)], mode='w:xz'), packages.TAR_XZ),
    (lambda p: zip_with(p, [('app.apk', b'x'), ('manifest.yaml', MANIFEST)]), packages.ZIP),
])
def test_manifest_is_read_from_each_archive_kind(tmp_path, maker, kind):
    path = maker(str(tmp_path / 'package'))
    assert packages.detect_kind(path) == kind
    assert packages.load(path, kind, 'manifest.yaml') == {
        'name': 'game', 'version': '1.2', 'instance-type': 'a4.3', 'tags': ['a', 'b']}


def test_manifest_is_read_from_a_directory(tmp_path):
    (tmp_path / 'manifest.yaml').write_bytes(MANIFEST)
    assert packages.load(str(tmp_path), None, 'manifest.yaml')['name'] == 'game'


def test_kind_is_judged_by_content_not_name(tmp_path):
    fake = tmp_path / 'package.tar.bz2'
    fake.write_bytes(b'this is text, not bzip2')
    assert packages.detect_kind(str(fake)) is None


def test_missing_manifest_names_the_file(tmp_path):
    path = tar_with(str(tmp_path / 'p.tar.bz2'), [('app.apk', b'x')])
    with pytest.raises(packages.ManifestError, match='has no manifest.yaml at its top level'):
        packages.load(path, packages.TAR_BZ2, 'manifest.yaml')


def test_nested_manifest_does_not_count(tmp_path):
    path = zip_with(str(tmp_path / 'p.zip'), [('sub/manifest.yaml', MANIFEST)])
    with pytest.raises(packages.ManifestError, match='no manifest.yaml'):
        packages.load(path, packages.ZIP, 'manifest.yaml')


@pytest.mark.parametrize('text,message', [
    (b'name: [unclosed\n', 'is not valid YAML'),
    (b'- a\n- b\n', 'must be a YAML mapping'),
    (b'', 'an empty file'),
])
def test_bad_yaml_is_reported_clearly(tmp_path, text, message):
    (tmp_path / 'manifest.yaml').write_bytes(text)
    with pytest.raises(packages.ManifestError, match=message):
        packages.load(str(tmp_path), None, 'manifest.yaml')


def test_truncated_archive_is_reported_not_raised_raw(tmp_path):
    path = tar_with(str(tmp_path / 'p.tar.bz2'), [('app.apk', os.urandom(50000)), ('manifest.yaml', MANIFEST)])
    with open(path, 'rb') as handle:
        head = handle.read(2000)
    with open(path, 'wb') as handle:
        handle.write(head)
    with pytest.raises(packages.ManifestError, match='not a readable .tar.bz2 archive'):
        packages.load(path, packages.TAR_BZ2, 'manifest.yaml')


AMS_RENDERED = {
    'name': 'game', 'version': '1.2', 'image': 'android13', 'instance-type': 'a4.3', 'tags': ['b', 'a'],
    'video-encoder': 'gpu-preferred', 'watchdog': {'disabled': False, 'allowed-packages': []}, 'abi': 'x86_64',
    'resources': {'cpus': 4, 'memory': '4GB'},
}


def test_keys_the_package_leaves_out_do_not_count():
    package = {'name': 'game', 'version': '1.2', 'instance-type': 'a4.3'}
    assert applications.differing_keys(package, AMS_RENDERED) == []


def test_scalars_are_compared_as_text_and_scalar_lists_as_sets():
    package = {'name': 'game', 'version': 1.2, 'tags': ['a', 'b'], 'watchdog': {'disabled': 'false'}}
    assert applications.differing_keys(package, AMS_RENDERED) == []


def test_a_changed_key_is_reported():
    package = {'name': 'game', 'version': '1.3', 'instance-type': 'a2.3', 'video-encoder': 'gpu-preferred'}
    assert applications.differing_keys(package, AMS_RENDERED) == ['instance-type', 'version']


def test_nested_keys_follow_the_same_rule():
    assert applications.differing_keys({'resources': {'cpus': 4}}, AMS_RENDERED) == []
    assert applications.differing_keys({'resources': {'cpus': 2}}, AMS_RENDERED) == ['resources']
    assert applications.differing_keys({'watchdog': {'disabled': True}}, AMS_RENDERED) == ['watchdog']


def test_empty_value_clears_and_equals_missing():
    assert applications.differing_keys({'tags': []}, AMS_RENDERED) == ['tags']
    assert applications.differing_keys({'boot-activity': ''}, AMS_RENDERED) == []
    assert applications.differing_keys({'addons': None}, {'addons': []}) == []


def test_a_key_ams_does_not_have_differs():
    assert applications.differing_keys({'boot-package': 'com.example'}, AMS_RENDERED) == ['boot-package']


def test_list_length_and_membership_matter():
    assert applications.differing_keys({'tags': ['a']}, AMS_RENDERED) == ['tags']
    assert applications.differing_keys({'tags': ['a', 'c']}, AMS_RENDERED) == ['tags']


def test_lists_of_mappings_are_compared_in_order_with_the_subset_rule():
    ams = {'services': [{'name': 'adb', 'port': 5559, 'protocols': ['tcp'], 'expose': False}]}
    assert applications.differing_keys({'services': [{'name': 'adb', 'port': '5559'}]}, ams) == []
    assert applications.differing_keys({'services': [{'name': 'adb', 'port': 5560}]}, ams) == ['services']


def test_ignored_keys_are_not_compared():
    package = {'instance-type': 'a2.3', 'tags': ['z']}
    assert applications.differing_keys(package, AMS_RENDERED, ignore={'instance-type', 'tags'}) == []
