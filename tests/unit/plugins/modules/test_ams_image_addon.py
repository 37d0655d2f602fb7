# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import io
import os
import tarfile

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSConfigurationError,
    AMSConflict,
    AMSError,
    AMSUnsupportedError,
)
from ansible_collections.anbox.ams.plugins.module_utils.client import sha256_file
from ansible_collections.anbox.ams.plugins.modules.ams_addon import AMSAddon
from ansible_collections.anbox.ams.plugins.modules.ams_image import AMSImage
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_package_ams import FakePackageAMS
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import run


def image_params(**overrides):
    base = dict(name='android', state='present', src=None, default=None, version=None, force=False, wait=True,
                wait_timeout=600, source='upload', instance=None)
    base.update(overrides)
    return base


def addon_params(**overrides):
    base = dict(name='tools', state='present', src=None, version=None, force=False, wait=True, wait_timeout=600)
    base.update(overrides)
    return base


def image_tarball(tmp_path, rootfs=b'rootfs', name='image.tar.gz'):
    path = str(tmp_path / name)
    with tarfile.open(path, 'w:gz') as archive:
        for member, data in (('metadata.yaml', b'architecture: x86_64\n'), ('rootfs/file', rootfs)):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def addon_dir(tmp_path, name='tools', description='tools'):
    root = tmp_path / 'addon'
    (root / 'hooks').mkdir(parents=True)
    (root / 'manifest.yaml').write_text(u'name: %s\ndescription: %s\n' % (name, description))
    (root / 'hooks' / 'install').write_text(u'#!/bin/sh\n')
    os.chmod(str(root / 'hooks' / 'install'), 0o755)
    return str(root)


@pytest.fixture
def ams():
    return FakePackageAMS()


def test_new_image_is_uploaded_with_its_default_flag(tmp_path, ams):
    src = image_tarball(tmp_path)
    result = run(AMSImage, ams, image_params(src=src, default=True), tmp_path)
    assert ams.mutations() == [('UPLOAD POST', '/1.0/images', {'name': 'android', 'default': True}, None)]
    assert result['image']['versions'][0]['fingerprint'] == sha256_file(src)
    assert result['diff']['before'] == {} and result['diff']['after']['fingerprint'] == sha256_file(src)


def test_same_fingerprint_uploads_nothing(tmp_path, ams):
    src = image_tarball(tmp_path)
    ams.add_image('android', fingerprints=('old', sha256_file(src)))
    result = run(AMSImage, ams, image_params(src=src), tmp_path)
    assert result['changed'] is False and ams.mutations() == []


def test_other_fingerprint_adds_one_version_with_the_etag(tmp_path, ams):
    src = image_tarball(tmp_path, rootfs=b'new rootfs')
    ams.add_image('android', fingerprints=('old',))
    etag = ams.etags[('images', 'android')]
    result = run(AMSImage, ams, image_params(src=src), tmp_path)
    # As api.ImagePatch{} marshals: the upload leaves the default flag alone.
    assert ams.mutations() == [('UPLOAD PATCH', '/1.0/images/android', {'default': None, 'force_sync': False}, etag)]
    assert result['diff']['before']['fingerprint'] == 'old'
    assert result['diff']['after']['versions'] == [0, 1]


def test_default_is_set_by_json_patch_without_upload(tmp_path, ams):
    ams.add_image('android')
    result = run(AMSImage, ams, image_params(default=True), tmp_path)
    assert [call[:3] for call in ams.mutations()] == [('PATCH', '/1.0/images/android', {'default': True})]
    assert result['changed'] is True and result['image']['default'] is True


def test_default_false_cannot_unset_the_default_image(tmp_path, ams):
    ams.add_image('android', default=True)
    for check_mode in (True, False):
        with pytest.raises(AMSConfigurationError) as caught:
            run(AMSImage, ams, image_params(default=False), tmp_path, check_mode=check_mode)
        assert 'no request that unsets a default image' in caught.value.message
    assert ams.mutations() == []


def test_default_false_on_another_image_changes_nothing(tmp_path, ams):
    ams.add_image('android')
    result = run(AMSImage, ams, image_params(default=False), tmp_path)
    assert result['changed'] is False and ams.mutations() == []


def test_a_zip_addon_needs_zip_archive_support(tmp_path, ams):
    import zipfile
    archive = str(tmp_path / 'tools.zip')
    with zipfile.ZipFile(archive, 'w') as handle:
        handle.writestr('manifest.yaml', 'name: tools\ndescription: tools\n')
        handle.writestr('hooks/install', '#!/bin/sh\n')
    ams.extensions = frozenset()
    with pytest.raises(Exception) as caught:
        run(AMSAddon, ams, addon_params(src=archive), tmp_path)
    assert 'lacks the API extension zip_archive_support' in str(caught.value)
    assert ams.calls == []


def test_image_check_mode_sends_nothing(tmp_path, ams):
    ams.add_image('android', fingerprints=('old',))
    result = run(AMSImage, ams, image_params(src=image_tarball(tmp_path), default=True), tmp_path, check_mode=True)
    assert result['changed'] is True and ams.mutations() == []
    assert result['diff']['after']['default'] is True


@pytest.mark.parametrize('relative,message', [
    ('.', 'is a directory, but an image must be'),
    ('missing.tar.gz', 'does not exist'),
])
def test_bad_image_src_sends_nothing(tmp_path, ams, relative, message):
    with pytest.raises(AMSConfigurationError, match=message):
        run(AMSImage, ams, image_params(src=str(tmp_path / relative)), tmp_path)
    assert ams.calls == []


def test_image_without_metadata_sends_nothing(tmp_path, ams):
    path = str(tmp_path / 'image.tar.xz')
    with tarfile.open(path, 'w:xz') as archive:
        archive.addfile(tarfile.TarInfo('rootfs'), io.BytesIO(b''))
    with pytest.raises(AMSConfigurationError, match='has no metadata.yaml'):
        run(AMSImage, ams, image_params(src=path), tmp_path)
    assert ams.calls == []


def test_image_in_use_is_kept_without_force(tmp_path, ams):
    ams.add_image('android', used_by=['game'])
    with pytest.raises(AMSConflict, match='used by game: set force: true'):
        run(AMSImage, ams, image_params(state='absent'), tmp_path)
    assert ams.mutations() == []
    result = run(AMSImage, ams, image_params(state='absent', force=True), tmp_path)
    assert ams.mutations() == [('DELETE', '/1.0/images/android', {'force': True})]
    assert result['image'] == {}


def test_one_image_version_is_removed_once(tmp_path, ams):
    ams.add_image('android', fingerprints=('a', 'b'))
    result = run(AMSImage, ams, image_params(state='absent', version=0), tmp_path)
    assert ams.mutations() == [('DELETE', '/1.0/images/android/0', None)]
    assert result['diff']['after']['versions'] == [1]
    again = run(AMSImage, ams, image_params(state='absent', version=0), tmp_path)
    assert again['changed'] is False and len(ams.mutations()) == 1


def test_version_with_present_is_refused(tmp_path, ams):
    with pytest.raises(AMSConfigurationError, match='version is only used with state: absent'):
        run(AMSImage, ams, image_params(version=1), tmp_path)


def test_addon_directory_is_uploaded_once(tmp_path, ams):
    src = addon_dir(tmp_path)
    first = run(AMSAddon, ams, addon_params(src=src), tmp_path)
    assert ams.mutations() == [('UPLOAD POST', '/1.0/addons', {'name': 'tools'}, None)]
    assert first['changed'] is True
    second = run(AMSAddon, ams, addon_params(src=src), tmp_path)
    assert second['changed'] is False and len(ams.mutations()) == 1


def test_addon_change_adds_a_version_with_an_empty_request(tmp_path, ams):
    ams.add_addon('tools', fingerprints=('old',))
    run(AMSAddon, ams, addon_params(src=addon_dir(tmp_path)), tmp_path)
    assert ams.mutations()[0][:3] == ('UPLOAD PATCH', '/1.0/addons/tools', {})


@pytest.mark.parametrize('name,description,message', [
    ('other', 'x', 'names the addon other, but the task manages addon tools'),
    ('tools', '', 'needs a description'),
])
def test_addon_manifest_problems_send_nothing(tmp_path, ams, name, description, message):
    with pytest.raises(AMSConfigurationError, match=message):
        run(AMSAddon, ams, addon_params(src=addon_dir(tmp_path, name=name, description=description)), tmp_path)
    assert ams.calls == []


def test_addon_without_executable_hook_sends_nothing(tmp_path, ams):
    src = addon_dir(tmp_path)
    os.chmod(os.path.join(src, 'hooks', 'install'), 0o644)
    with pytest.raises(AMSConfigurationError, match='is executable'):
        run(AMSAddon, ams, addon_params(src=src), tmp_path)
    assert ams.calls == []


def test_addon_in_use_needs_force_which_detaches_it_first(tmp_path, ams):
    ams.add_addon('tools')
    ams.add_app('game', {}, addons=['tools', 'other'])
    with pytest.raises(AMSConflict, match='used by game'):
        run(AMSAddon, ams, addon_params(state='absent'), tmp_path)
    assert ams.mutations() == []
    run(AMSAddon, ams, addon_params(state='absent', force=True), tmp_path)
    kinds = [(call[0], call[1]) for call in ams.mutations()]
    assert kinds == [('PATCH', '/1.0/applications/game'), ('DELETE', '/1.0/addons/tools')]
    assert ams.mutations()[0][2] == {'addons': ['other']}


# -- source: import and source: instance ------------------------------------------------------------

OFFICIAL = 'jammy:android13:amd64'


def test_import_posts_a_json_body_once_then_leaves_the_image_alone(tmp_path, ams):
    result = run(AMSImage, ams, image_params(name=OFFICIAL, source='import', default=True), tmp_path)
    assert ams.mutations() == [('POST', '/1.0/images', {'name': OFFICIAL, 'default': True})]
    assert result['changed'] is True
    assert result['image']['name'] == OFFICIAL
    assert result['diff'] == {'before': {}, 'after': {'name': OFFICIAL, 'source': 'import', 'default': True}}
    again = run(AMSImage, ams, image_params(name=OFFICIAL, source='import', default=True), tmp_path)
    assert again['changed'] is False
    assert len(ams.mutations()) == 1


def test_import_of_an_unknown_name_fails_with_ams_message(tmp_path, ams):
    with pytest.raises(AMSError) as caught:
        run(AMSImage, ams, image_params(name='no-such-image', source='import'), tmp_path)
    assert caught.value.message == ('AMS could not import image no-such-image from its image server: '
                                    'image no-such-image not found on the image server')
    assert caught.value.status_code == 400
    assert ams.images == {}


def test_import_in_check_mode_sends_nothing(tmp_path, ams):
    result = run(AMSImage, ams, image_params(name=OFFICIAL, source='import'), tmp_path, check_mode=True)
    assert result['changed'] is True and ams.mutations() == []
    assert result['diff']['after'] == {'name': OFFICIAL, 'source': 'import', 'default': False}


def test_existing_image_is_left_alone_by_import_but_its_default_is_managed(tmp_path, ams):
    ams.add_image(OFFICIAL)
    result = run(AMSImage, ams, image_params(name=OFFICIAL, source='import', default=True), tmp_path)
    assert [call[:3] for call in ams.mutations()] == [('PATCH', '/1.0/images/jammy%3Aandroid13%3Aamd64', {'default': True})]
    assert result['changed'] is True


def test_publish_needs_instance_publish_and_sends_nothing_without_it(tmp_path, ams):
    ams.add_instance('golden')
    with pytest.raises(AMSUnsupportedError) as caught:
        run(AMSImage, ams, image_params(name='golden-img', source='instance', instance='golden'), tmp_path)
    assert caught.value.message == ('AMS at https://ams.test:8444 does not support publishing an instance as an '
                                    'image (source: instance): it lacks the API extension instance_publish')
    assert ams.calls == []


def test_publish_a_stopped_instance_once(tmp_path, ams):
    ams.extensions = ams.extensions | {'instance_publish'}
    ams.add_instance('golden')
    args = image_params(name='golden-img', source='instance', instance='golden')
    result = run(AMSImage, ams, args, tmp_path)
    assert ams.mutations() == [('POST', '/1.0/images', {'name': 'golden-img', 'default': False,
                                                        'source': {'type': 'instance', 'instance': 'inst-golden'}})]
    assert result['changed'] is True
    assert result['image']['versions'][0]['fingerprint'] == 'published-inst-golden'
    assert result['diff']['after'] == {'name': 'golden-img', 'source': 'instance', 'default': False,
                                       'instance': 'golden'}
    again = run(AMSImage, ams, args, tmp_path)
    assert again['changed'] is False and len(ams.mutations()) == 1


def test_publish_a_running_instance_needs_force(tmp_path, ams):
    ams.extensions = ams.extensions | {'instance_publish'}
    ams.add_instance('golden', status='running')
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSImage, ams, image_params(name='golden-img', source='instance', instance='golden'), tmp_path)
    assert 'instance golden is running: AMS publishes a stopped instance' in caught.value.message
    assert 'set force: true' in caught.value.message
    assert ams.mutations() == []
    run(AMSImage, ams, image_params(name='golden-img', source='instance', instance='golden', force=True), tmp_path)
    assert ams.mutations()[0][2]['source'] == {'type': 'instance', 'instance': 'inst-golden', 'force': True}
    assert ams.instances['golden']['status'] == 'stopped'


def test_publish_of_a_missing_instance_fails_clearly(tmp_path, ams):
    ams.extensions = ams.extensions | {'instance_publish'}
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSImage, ams, image_params(name='golden-img', source='instance', instance='nope'), tmp_path)
    assert caught.value.message == 'instance nope does not exist, so it cannot be published as image golden-img'
    assert ams.mutations() == []


def test_publish_in_check_mode_sends_nothing(tmp_path, ams):
    ams.extensions = ams.extensions | {'instance_publish'}
    ams.add_instance('golden', status='running')
    result = run(AMSImage, ams, image_params(name='golden-img', source='instance', instance='golden', force=True),
                 tmp_path, check_mode=True)
    assert result['changed'] is True and ams.mutations() == []
    assert ams.instances['golden']['status'] == 'running'


@pytest.mark.parametrize('overrides, message', [
    (dict(source='import', src='/tmp/x.tar.gz'), 'src is only used with source: upload'),
    (dict(source='import', instance='golden'), 'instance is only used with source: instance'),
    (dict(instance='golden'), 'instance is only used with source: instance (image android has source: upload)'),
])
def test_source_option_mistakes_fail_before_anything(tmp_path, ams, overrides, message):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSImage, ams, image_params(**overrides), tmp_path)
    assert message in caught.value.message
    assert ams.calls == []


def test_new_image_in_error_fails_with_its_message(tmp_path, ams):
    original = ams.post

    def post_then_break(path, body=None):
        answer = original(path, body)
        ams.images[body['name']]['versions'][0].update(status_code=-1, error_message='download failed: 404')
        return answer
    ams.post = post_then_break
    with pytest.raises(AMSError) as caught:
        run(AMSImage, ams, image_params(name=OFFICIAL, source='import'), tmp_path)
    assert caught.value.message == ('AMS could not import image %s from its image server: the new image is in '
                                    'error: download failed: 404' % OFFICIAL)
