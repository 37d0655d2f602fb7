# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.modules.ams_application_info import AMSApplicationInfo
from ansible_collections.anbox.ams.plugins.modules.ams_container_info import AMSContainerInfo
from ansible_collections.anbox.ams.plugins.modules.ams_node_info import AMSNodeInfo
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_ams import FakeAMS
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import run


@pytest.fixture
def ams():
    fake = FakeAMS()
    fake.applications = [{'id': 'app1', 'name': 'game'}, {'id': 'app2', 'name': 'chat'}]
    fake.nodes = {'lxd0': {'name': 'lxd0'}, 'lxd1': {'name': 'lxd1'}}
    fake.add_container('r1', 1, app_id='app1', node='lxd0')
    fake.add_container('r2', 2, app_id='app2', node='lxd1')
    fake.add_container('e1', 3, status_code=-1, app_id='app1', node='lxd1',
                       _logs={'android.log': 'boom\n'})
    return fake


def container_params(**overrides):
    base = dict(name=None, id=None, application=None, node=None, status=None, logs=None)
    base.update(overrides)
    return base


def found(result):
    return [item['id'] for item in result['containers']]


def test_all_containers_in_one_request(ams):
    result = run(AMSContainerInfo, ams, container_params())
    assert found(result) == ['r1', 'r2', 'e1']
    assert ams.calls == [('GET', '/1.0/containers', {'recursion': '1'})]


@pytest.mark.parametrize('filters, expected', [
    ({'id': 'r2'}, ['r2']),
    ({'name': 'ams-e1'}, ['e1']),
    ({'application': 'game'}, ['r1', 'e1']),
    ({'application': 'app2'}, ['r2']),
    ({'application': 'no-such-app'}, []),
    ({'node': 'lxd1'}, ['r2', 'e1']),
    ({'status': ['error']}, ['e1']),
    ({'status': [-1]}, ['e1']),
    ({'status': ['4']}, ['r1', 'r2']),
    ({'status': ['Running', 'error']}, ['r1', 'r2', 'e1']),
    ({'application': 'game', 'node': 'lxd1', 'status': ['error']}, ['e1']),
])
def test_each_filter(ams, filters, expected):
    assert found(run(AMSContainerInfo, ams, container_params(**filters))) == expected


def test_application_filter_costs_one_more_listing(ams):
    run(AMSContainerInfo, ams, container_params(application='game'))
    assert [call[1] for call in ams.calls] == ['/1.0/applications', '/1.0/containers']


def test_logs_are_returned_per_container_and_missing_ones_are_null(ams):
    result = run(AMSContainerInfo, ams, container_params(node='lxd1', logs=['android.log', 'system.log']))
    logs = dict((item['id'], item['logs']) for item in result['containers'])
    assert logs == {'e1': {'android.log': 'boom\n', 'system.log': None},
                    'r2': {'android.log': None, 'system.log': None}}


@pytest.mark.parametrize('filters, words', [
    ({'status': ['sleeping']}, "unknown container status 'sleeping'"),
    ({'status': [9]}, 'unknown container status code 9'),
    ({'logs': ['../etc/passwd']}, 'is not a log file name'),
])
def test_bad_filters_fail_before_reading(ams, filters, words):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSContainerInfo, ams, container_params(**filters))
    assert words in caught.value.message
    assert ams.calls == []


def test_application_info_by_name_and_by_id(ams):
    assert run(AMSApplicationInfo, ams, dict(name='chat', id=None))['applications'] == [{'id': 'app2', 'name': 'chat'}]
    assert run(AMSApplicationInfo, ams, dict(name=None, id='app1'))['applications'] == [{'id': 'app1', 'name': 'game'}]
    assert len(run(AMSApplicationInfo, ams, dict(name=None, id=None))['applications']) == 2


def test_node_info_by_name(ams):
    assert run(AMSNodeInfo, ams, dict(name='lxd1'))['nodes'] == [{'name': 'lxd1'}]
    assert run(AMSNodeInfo, ams, dict(name='nope'))['nodes'] == []
