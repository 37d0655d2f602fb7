# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError, AMSError
from ansible_collections.anbox.ams.plugins.modules.ams_container import AMSContainer
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_ams import FakeAMS
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import run


def params(**overrides):
    base = dict(state='present', id=None, application=None, application_version=None, image=None,
                image_version=None, instance_type=None, count=None, node=None, user_data=None, services=None,
                disk_size=None, cpu=None, memory=None, gpu_slots=None, config=None, wait=True, wait_timeout=600)
    base.update(overrides)
    return base


@pytest.fixture
def ams():
    fake = FakeAMS(boot_polls=1)
    fake.applications = [{'id': 'app1', 'name': 'game'}, {'id': 'app2', 'name': 'other'}]
    fake.images = [{'id': 'img1', 'name': 'android13'}]
    fake.nodes = {'lxd0': {'name': 'lxd0'}, 'lxd1': {'name': 'lxd1'}}
    return fake


def test_scale_up_sends_every_launch_before_one_wait(ams):
    result = run(AMSContainer, ams, params(application='game', count=5))
    kinds = [call[0] for call in ams.calls]
    assert kinds.count('POST') == 5
    assert kinds.count('WAIT_ALL') == 1
    last_post = max(index for index, kind in enumerate(kinds) if kind == 'POST')
    assert kinds.index('WAIT_ALL') > last_post
    # The client waits for all of them at once (and lists the operations to skip the finished ones).
    waited = [call[1] for call in ams.calls if call[0] == 'WAIT_ALL'][0]
    assert waited == [operation.id for operation in ams.operations]
    assert result['changed'] is True
    assert sorted(result['launched']) == sorted(c['id'] for c in ams.containers)
    assert len(result['containers']) == 5
    assert all(c['status_code'] == 4 for c in result['containers'])
    assert all(call[2] == {'app_id': 'app1'} for call in ams.calls if call[0] == 'POST')


def test_waiting_reads_one_listing_per_round_not_one_per_container(ams):
    ams.boot_polls = 3
    run(AMSContainer, ams, params(application='game', count=20))
    container_reads = [call for call in ams.calls if call[0] == 'GET' and call[1].startswith('/1.0/containers')]
    assert all(call[1] == '/1.0/containers' and call[2] == {'recursion': '1'} for call in container_reads)
    # one listing to count, then one per poll round (3 rounds of booting + the one that sees them run)
    assert len(container_reads) == 1 + 4


def test_rerun_with_enough_containers_sends_nothing(ams):
    for number in range(3):
        ams.add_container('k%d' % number, 100 + number, app_id='app1')
    result = run(AMSContainer, ams, params(application='game', count=3))
    assert result['changed'] is False
    assert ams.mutations() == []
    assert result['launched'] == [] and result['removed'] == []


def test_scale_down_removes_errored_first_then_newest(ams):
    ams.add_container('old', 100, app_id='app1')
    ams.add_container('new', 300, app_id='app1')
    ams.add_container('broken', 50, status_code=-1, app_id='app1')
    ams.add_container('mid', 200, app_id='app1')
    result = run(AMSContainer, ams, params(application='game', count=2))
    assert result['removed'] == ['broken', 'new']
    deletes = [call[1] for call in ams.calls if call[0] == 'DELETE']
    assert deletes == ['/1.0/containers/broken', '/1.0/containers/new']
    assert sorted(c['id'] for c in result['containers']) == ['mid', 'old']


def test_base_containers_and_other_selectors_are_never_counted_or_removed(ams):
    ams.add_container('base', 10, type='base', app_id='app1')
    ams.add_container('otherapp', 20, app_id='app2')
    ams.add_container('fromimage', 30, image_id='img1')
    ams.add_container('mine', 40, app_id='app1')
    result = run(AMSContainer, ams, params(application='game', state='absent'))
    assert result['removed'] == ['mine']
    assert sorted(c['id'] for c in ams.containers) == ['base', 'fromimage', 'otherapp']


def test_image_selector_ignores_application_containers_on_the_same_image(ams):
    ams.add_container('appc', 20, app_id='app1', image_id='img1')
    ams.add_container('imgc', 30, image_id='img1')
    result = run(AMSContainer, ams, params(image='android13', instance_type='a4.3', count=1))
    assert result['changed'] is False
    assert [c['id'] for c in result['containers']] == ['imgc']


def test_check_mode_reports_the_change_and_sends_nothing(ams):
    ams.add_container('a', 100, app_id='app1')
    ams.add_container('b', 200, app_id='app1')
    result = run(AMSContainer, ams, params(application='game', count=1), check_mode=True)
    assert result['changed'] is True
    assert result['removed'] == ['b']
    assert ams.mutations() == []
    assert result['diff'] == {'before': {'count': 2, 'containers': ['a', 'b']},
                              'after': {'count': 1, 'containers': ['a']}}


def test_unknown_application_fails_before_sending_anything(ams):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSContainer, ams, params(application='nope', count=1))
    assert 'no application with the name or id nope' in caught.value.message
    assert ams.mutations() == []


def test_unknown_node_fails_before_sending_anything(ams):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSContainer, ams, params(application='game', count=1, node='lxd9'))
    assert 'no node lxd9' in caught.value.message
    assert ams.mutations() == []


def test_image_launch_needs_instance_type(ams):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSContainer, ams, params(image='img1', count=1))
    assert 'instance_type is required' in caught.value.message
    assert ams.mutations() == []


def test_lost_launch_answer_is_recounted_not_resent(ams):
    ams.lose_post_answers = 1
    result = run(AMSContainer, ams, params(application='game', count=3))
    posts = [call for call in ams.calls if call[0] == 'POST']
    # 3 POSTs, the first answer lost: the recount sees 3 containers and launches no fourth.
    assert len(posts) == 3
    assert len(ams.containers) == 3
    # The container behind the lost answer is found by the recount and waited for like the others.
    assert sorted(result['launched']) == sorted(c['id'] for c in ams.containers)
    assert len(result['containers']) == 3


def test_capacity_exhaustion_is_reported_with_ams_error_and_what_was_launched(ams):
    ams.capacity = 2
    with pytest.raises(AMSError) as caught:
        run(AMSContainer, ams, params(application='game', count=5, node='lxd1'))
    message = caught.value.message
    assert 'AMS refused to launch a container of application game on node lxd1' in message
    assert '2 of 5 launched before that' in message
    assert 'no node has enough resources left' in message
    assert [call[0] for call in ams.calls].count('POST-refused') == 1


def test_failed_containers_are_listed_with_their_error(ams):
    ams.failing_apps.add('app1')
    with pytest.raises(AMSError) as caught:
        run(AMSContainer, ams, params(application='game', count=2))
    assert '2 of 2 launched container(s) failed' in caught.value.message
    assert 'c0001: Android did not boot' in caught.value.message
    assert 'c0002: Android did not boot' in caught.value.message


def test_failed_launch_operations_fail_the_task_naming_each_container_and_its_err(ams):
    ams.containers.append({'id': 'k0', 'name': 'ams-k0', 'type': 'regular', 'status': 'running', 'status_code': 4,
                           'node': 'lxd0', 'app_id': 'app1', 'app_version': 0, 'image_id': 'img-base',
                           'image_version': 0, 'created_at': 1, 'error_message': ''})
    ams.failing_launches['app1'] = 'container failed to start: no space left on device'
    with pytest.raises(AMSError) as caught:
        run(AMSContainer, ams, params(application='game', count=3))
    message = caught.value.message
    # AMS failed the launch operations; the containers, left in error, name the reason.
    assert message.startswith('2 of 2 launched container(s) failed: ')
    assert 'c0001: container failed to start: no space left on device' in message
    assert 'c0002: container failed to start: no space left on device' in message
    # Both launches were sent once and waited for together; a failed launch is reported, not retried.
    assert [call[0] for call in ams.calls].count('POST') == 2
    assert [call[0] for call in ams.calls].count('WAIT_ALL') == 1
    assert ams.mutations() == [('POST', '/1.0/containers', {'app_id': 'app1'})] * 2


def test_one_failed_launch_among_good_ones_is_reported_alone(ams):
    ams.failing_launches['app2'] = 'boot timed out'
    good = run(AMSContainer, ams, params(application='game', count=2))
    assert len(good['launched']) == 2
    with pytest.raises(AMSError) as caught:
        run(AMSContainer, ams, params(application='other', count=1))
    assert caught.value.message == '1 of 1 launched container(s) failed: c0003: boot timed out'


def test_remove_by_id_and_again_is_unchanged(ams):
    ams.add_container('x1', 100, app_id='app1')
    first = run(AMSContainer, ams, params(state='absent', id='x1'))
    assert first['changed'] is True and first['removed'] == ['x1']
    second = run(AMSContainer, ams, params(state='absent', id='x1'))
    assert second['changed'] is False
    assert [call[0] for call in ams.calls].count('DELETE') == 1


def test_no_wait_launches_and_returns_without_waiting(ams):
    result = run(AMSContainer, ams, params(application='game', count=2, wait=False))
    assert len(result['launched']) == 2
    assert 'WAIT_ALL' not in [call[0] for call in ams.calls]


def test_launch_body_carries_the_launch_options(ams):
    run(AMSContainer, ams, params(application='game', application_version=2, count=1, node='lxd1', memory='4GB',
                                  disk_size=1024, cpu=2, config={'platform': 'webrtc', 'boot_package': None,
                                                                 'boot_activity': None, 'metrics_server': None,
                                                                 'disable_watchdog': True}))
    body = [call[2] for call in ams.calls if call[0] == 'POST'][0]
    assert body == {'app_id': 'app1', 'app_version': 2, 'node': 'lxd1', 'memory': 4000000000, 'disk_size': 1024,
                    'cpus': 2, 'config': {'platform': 'webrtc', 'disable_watchdog': True}}


def test_lost_removal_answer_is_checked_not_resent(ams):
    ams.add_container('a', 100, app_id='app1')
    ams.add_container('b', 200, app_id='app1')
    ams.lose_delete_answers = 1
    result = run(AMSContainer, ams, params(application='game', state='absent'))
    assert [call[1] for call in ams.calls if call[0] == 'DELETE'] == ['/1.0/containers/b', '/1.0/containers/a']
    assert sorted(result['removed']) == ['a', 'b']
    assert ams.containers == []
