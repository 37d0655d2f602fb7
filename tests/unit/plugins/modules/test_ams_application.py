# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import os

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError, AMSError
from ansible_collections.anbox.ams.plugins.modules.ams_application import AMSApplication
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_package_ams import FakePackageAMS
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import run

MANIFEST = 'name: game\nversion: "1"\ninstance-type: a4.3\nimage: android\n'
# How AMS renders that manifest: defaults filled in.
RENDERED = {'name': 'game', 'version': '1', 'instance-type': 'a4.3', 'image': 'android',
            'video-encoder': 'gpu-preferred', 'watchdog': {'disabled': False, 'allowed-packages': []},
            'abi': 'x86_64'}


def params(**overrides):
    base = dict(name='game', state='present', src=None, instance_type=None, image=None, tags=None, addons=None,
                resources=None, inhibit_auto_updates=None, publish=None, force=False, wait=True, wait_timeout=600)
    base.update(overrides)
    return base


def package(tmp_path, manifest=MANIFEST, name='pkg'):
    root = tmp_path / name
    root.mkdir()
    (root / 'manifest.yaml').write_text(manifest)
    (root / 'app.apk').write_bytes(b'apk bytes')
    return str(root)


@pytest.fixture
def ams():
    fake = FakePackageAMS()
    fake.add_image('android')
    fake.add_image('android14')
    fake.add_addon('tools')
    return fake


def test_create_uploads_once_and_waits_until_ready(tmp_path, ams):
    ams.bootstrap_polls = 3
    result = run(AMSApplication, ams, params(src=package(tmp_path), publish=True), tmp_path)
    uploads = [call for call in ams.mutations() if call[0].startswith('UPLOAD')]
    assert uploads == [('UPLOAD POST', '/1.0/applications', None, None)]
    assert result['changed'] is True
    assert result['application']['status_code'] == 2
    assert result['application']['versions'][-1]['published'] is True
    assert len(ams.sleeps) >= 3
    # The archive packed from the directory was removed; the user's directory stays.
    assert os.listdir(str(tmp_path)) == ['pkg']


def test_same_manifest_sends_nothing(tmp_path, ams):
    ams.add_app('game', RENDERED)
    result = run(AMSApplication, ams, params(src=package(tmp_path, MANIFEST.replace('"1"', '1'))), tmp_path)
    assert result['changed'] is False
    assert ams.mutations() == []


def test_changed_manifest_key_makes_exactly_one_new_version(tmp_path, ams):
    ams.add_app('game', RENDERED)
    etag = ams.etags[('applications', 'game')]
    result = run(AMSApplication, ams, params(src=package(tmp_path, MANIFEST.replace('"1"', '"2"'))), tmp_path)
    assert [call[0] for call in ams.mutations()] == ['UPLOAD PATCH']
    assert ams.mutations()[0][3] == etag
    assert result['diff']['before']['manifest'] == {'version': '1'}
    assert result['diff']['after']['manifest'] == {'version': '2'}
    assert result['diff']['after']['latest_version'] == 1
    assert len(result['application']['versions']) == 2


def test_partial_updates_make_the_new_version_without_an_upload(tmp_path, ams):
    ams.extensions = ams.extensions | {'application_partial_updates'}
    ams.add_app('game', RENDERED)
    etag = ams.etags[('applications', 'game')]
    manifest = MANIFEST + 'boot-activity: com.game/.Main\nwatchdog:\n  disabled: true\n'
    result = run(AMSApplication, ams, params(src=package(tmp_path, manifest)), tmp_path)
    # ApplicationPatch: boot_activity, watchdog (ApplicationWatchdog: disabled, allowed-packages).
    assert ams.mutations() == [('PATCH', '/1.0/applications/game',
                                {'boot_activity': 'com.game/.Main', 'watchdog': {'disabled': True}}, etag)]
    assert result['changed'] is True and len(result['application']['versions']) == 2


def test_without_partial_updates_or_with_other_keys_the_package_is_uploaded(tmp_path, ams):
    ams.add_app('game', RENDERED)
    manifest = MANIFEST + 'boot-activity: com.game/.Main\n'
    run(AMSApplication, ams, params(src=package(tmp_path, manifest)), tmp_path)
    assert [call[0] for call in ams.mutations()] == ['UPLOAD PATCH']
    ams.calls[:] = []
    ams.extensions = ams.extensions | {'application_partial_updates'}
    bumped = manifest.replace('"1"', '"2"').replace('.Main', '.Start')
    run(AMSApplication, ams, params(src=package(tmp_path, bumped, name='pkg2')), tmp_path)
    assert [call[0] for call in ams.mutations()] == ['UPLOAD PATCH']


def test_bootstrap_error_fails_with_the_error_message(tmp_path, ams):
    ams.bootstrap_error = 'hook install failed: exit status 3'
    with pytest.raises(AMSError, match='ended in error: hook install failed: exit status 3'):
        run(AMSApplication, ams, params(src=package(tmp_path)), tmp_path)


def test_wait_gives_up_at_the_deadline(tmp_path, ams):
    ams.bootstrap_polls = 10 ** 6
    with pytest.raises(AMSError, match='still .* after 30 seconds'):
        run(AMSApplication, ams, params(src=package(tmp_path), wait_timeout=30), tmp_path)
    assert sum(ams.sleeps) <= 30


def test_in_place_fields_go_in_one_patch_with_the_etag(tmp_path, ams):
    ams.add_app('game', RENDERED, tags=['old'])
    etag = ams.etags[('applications', 'game')]
    result = run(AMSApplication, ams, params(tags=['a', 'b'], instance_type='a2.3', image='android14',
                                             resources={'cpus': 2}), tmp_path)
    assert ams.mutations() == [('PATCH', '/1.0/applications/game',
                                {'tags': ['a', 'b'], 'instance-type': 'a2.3', 'image': 'android14',
                                 'resources': {'cpus': 2}}, etag)]
    assert result['diff']['before']['tags'] == ['old'] and result['diff']['after']['image'] == 'img-android14'


def test_stale_etag_is_recovered_by_reading_again(tmp_path, ams):
    ams.add_app('game', RENDERED)
    ams.stale_patches = 1
    result = run(AMSApplication, ams, params(tags=['x']), tmp_path)
    patches = [call for call in ams.mutations() if call[0] == 'PATCH']
    assert len(patches) == 2 and patches[0][3] != patches[1][3]
    assert result['application']['tags'] == ['x']


def test_option_governs_its_manifest_key(tmp_path, ams):
    # The manifest says a4.3, the option a2.3 (already applied): no new version, no patch.
    ams.add_app('game', dict(RENDERED, **{'instance-type': 'a2.3'}), instance_type='a2.3')
    result = run(AMSApplication, ams, params(src=package(tmp_path), instance_type='a2.3'), tmp_path)
    assert result['changed'] is False and ams.mutations() == []


def test_image_named_by_id_in_the_package_equals_its_name(tmp_path, ams):
    ams.add_app('game', RENDERED)
    src = package(tmp_path, MANIFEST.replace('image: android', 'image: img-android'))
    assert run(AMSApplication, ams, params(src=src), tmp_path)['changed'] is False


def test_check_mode_reports_but_sends_nothing(tmp_path, ams):
    ams.add_app('game', RENDERED)
    result = run(AMSApplication, ams, params(src=package(tmp_path, MANIFEST.replace('"1"', '"2"')), tags=['x'],
                                             publish=True), tmp_path, check_mode=True)
    assert result['changed'] is True
    assert ams.mutations() == []
    assert result['diff']['after']['tags'] == ['x'] and result['diff']['after']['published'] is True


@pytest.mark.parametrize('manifest,extra,message', [
    ('name: other\n', {}, 'names the application other, but the task manages application game'),
    ('version: "1"\n', {}, 'has no name'),
    ('name: game\ninstance-type: a3.3\n', {}, 'a3.3 is not an instance type'),
    ('name: game\nimage: nope\n', {}, 'image nope named by manifest.yaml does not exist'),
    ('name: game\naddons: [tools, ghost]\n', {}, r'addon\(s\) ghost named'),
    ('name: game\n', {'image': 'missing'}, r'image missing \(option image\) does not exist'),
    ('name: [game\n', {}, 'is not valid YAML'),
])
def test_bad_packages_fail_before_any_change(tmp_path, ams, manifest, extra, message):
    with pytest.raises(AMSConfigurationError, match=message):
        run(AMSApplication, ams, params(src=package(tmp_path, manifest), **extra), tmp_path)
    assert ams.mutations() == []


def test_missing_src_and_wrong_kind_fail_before_any_request(tmp_path, ams):
    with pytest.raises(AMSConfigurationError, match='does not exist'):
        run(AMSApplication, ams, params(src=str(tmp_path / 'nope.tar.bz2')), tmp_path)
    fake_zip = tmp_path / 'app.zip'
    fake_zip.write_bytes(b'\x1f\x8b gzip, not zip')
    with pytest.raises(AMSConfigurationError, match='is not a .tar.bz2 or .zip archive'):
        run(AMSApplication, ams, params(src=str(fake_zip)), tmp_path)
    assert ams.calls == []


def test_bad_name_fails_before_any_request(tmp_path, ams):
    with pytest.raises(AMSConfigurationError, match='holds a character'):
        run(AMSApplication, ams, params(name='my game', state='absent'), tmp_path)
    assert ams.calls == []


def test_absent_removes_with_force_and_is_idempotent(tmp_path, ams):
    ams.add_app('game', RENDERED)
    result = run(AMSApplication, ams, params(state='absent', force=True), tmp_path)
    assert ams.mutations()[0] == ('DELETE', '/1.0/applications/game', {'force': True})
    assert result['changed'] is True and result['application'] == {}
    again = run(AMSApplication, ams, params(state='absent'), tmp_path)
    assert again['changed'] is False


def test_publish_latest_version_only_when_needed(tmp_path, ams):
    ams.add_app('game', RENDERED)
    first = run(AMSApplication, ams, params(publish=True), tmp_path)
    assert ams.mutations()[-1] == ('PATCH', '/1.0/applications/game/0', {'published': True}, None)
    assert first['changed'] is True
    count = len(ams.mutations())
    assert run(AMSApplication, ams, params(publish=True), tmp_path)['changed'] is False
    assert len(ams.mutations()) == count


def test_publish_without_wait_is_refused_before_an_upload(tmp_path, ams):
    with pytest.raises(AMSConfigurationError, match='publish: true needs wait: true'):
        run(AMSApplication, ams, params(src=package(tmp_path), publish=True, wait=False), tmp_path)
    assert ams.mutations() == []


def test_without_wait_the_upload_returns_at_once(tmp_path, ams):
    ams.bootstrap_polls = 10 ** 6
    result = run(AMSApplication, ams, params(src=package(tmp_path), wait=False), tmp_path)
    assert result['changed'] is True and ams.sleeps == []
    assert [call[0] for call in ams.mutations()] == ['UPLOAD POST']
