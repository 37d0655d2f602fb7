# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.modules.ams_application_version import AMSApplicationVersion
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_package_ams import FakePackageAMS
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import run

VERSIONS = [{'number': 0, 'status_code': 3, 'published': True}, {'number': 1, 'status_code': 3, 'published': False}]


def params(**overrides):
    base = dict(application='game', version=1, state='published', force=False, wait=True, wait_timeout=600)
    base.update(overrides)
    return base


@pytest.fixture
def ams():
    fake = FakePackageAMS()
    fake.add_app('game', {}, versions=[dict(entry) for entry in VERSIONS])
    return fake


def test_publish_then_rerun_changes_nothing(tmp_path, ams):
    result = run(AMSApplicationVersion, ams, params(), tmp_path)
    assert ams.mutations() == [('PATCH', '/1.0/applications/game/1', {'published': True}, None)]
    assert result['diff'] == {'before': {'version': 1, 'published': False}, 'after': {'version': 1, 'published': True}}
    assert run(AMSApplicationVersion, ams, params(), tmp_path)['changed'] is False
    assert len(ams.mutations()) == 1


def test_unpublish_by_application_id(tmp_path, ams):
    result = run(AMSApplicationVersion, ams, params(application='app-game', version=0, state='unpublished'), tmp_path)
    assert ams.mutations() == [('PATCH', '/1.0/applications/app-game/0', {'published': False}, None)]
    assert result['application']['versions'][0]['published'] is False


def test_remove_sends_force_and_is_idempotent(tmp_path, ams):
    result = run(AMSApplicationVersion, ams, params(state='absent', force=True), tmp_path)
    assert ams.mutations() == [('DELETE', '/1.0/applications/game/1', {'force': True})]
    assert [entry['number'] for entry in result['application']['versions']] == [0]
    assert run(AMSApplicationVersion, ams, params(state='absent'), tmp_path)['changed'] is False


def test_check_mode_sends_nothing(tmp_path, ams):
    result = run(AMSApplicationVersion, ams, params(state='absent'), tmp_path, check_mode=True)
    assert result['changed'] is True and ams.mutations() == []


@pytest.mark.parametrize('overrides,message', [
    ({'version': 7}, r'application game has no version 7 \(its versions: 0, 1\)'),
    ({'application': 'ghost'}, 'application ghost does not exist'),
    ({'version': -1}, 'version must be 0 or more'),
])
def test_unknown_targets_fail_clearly(tmp_path, ams, overrides, message):
    with pytest.raises(AMSConfigurationError, match=message):
        run(AMSApplicationVersion, ams, params(**overrides), tmp_path)
    assert ams.mutations() == []
