# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSConfigurationError,
    AMSError,
    AMSOperationError,
    AMSOperationTimeout,
)
from ansible_collections.anbox.ams.plugins.module_utils.nodes import NodeFailed
from ansible_collections.anbox.ams.plugins.modules.ams_node import AMSNode
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_ams import FakeAMS
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import FakeModule, run

FIELDS = ('address', 'public_address', 'trust_password', 'network_bridge_mtu', 'storage_device', 'storage_pool',
          'network_name', 'network_subnet', 'unmanaged', 'cpus', 'cpu_allocation_rate', 'memory',
          'memory_allocation_rate', 'gpu_slots', 'gpu_encoder_slots', 'tags', 'unschedulable', 'trust_token',
          'network_acl_name')


def params(**overrides):
    base = dict((field, None) for field in FIELDS)
    base.update(name='lxd1', state='present', force=False, keep_in_cluster=False, purge_tags=True, wait=True,
                wait_timeout=600, wait_online=True, drain=False)
    base.update(overrides)
    return base


@pytest.fixture
def ams():
    fake = FakeAMS()
    fake.nodes['lxd1'] = {'name': 'lxd1', 'address': '10.0.0.1', 'public_address': '10.0.0.1', 'cpus': 4,
                          'cpu_allocation_rate': 4, 'memory': '3GB', 'memory_allocation_rate': 2,
                          'network_bridge_mtu': 1500, 'gpu_slots': 0, 'gpu_encoder_slots': 0, 'tags': ['a', 'b'],
                          'unschedulable': False, 'storage_pool': 'ams0', 'managed': True}
    fake.node_etags['lxd1'] = '"n0"'
    return fake


def test_update_sends_only_changed_fields_as_one_patch_with_the_etag(ams):
    result = run(AMSNode, ams, params(cpus=8, memory='3gb', tags=['b', 'a'], unschedulable=True))
    assert ams.mutations() == [('PATCH', '/1.0/nodes/lxd1', {'cpus': 8, 'unschedulable': True}, '"n0"')]
    assert result['changed'] is True
    assert result['node']['cpus'] == 8
    assert result['diff']['before'] == {'cpus': 4, 'memory': '3GB', 'tags': ['a', 'b'], 'unschedulable': False}
    assert result['diff']['after'] == {'cpus': 8, 'memory': '3GB', 'tags': ['a', 'b'], 'unschedulable': True}


def test_same_values_send_nothing(ams):
    result = run(AMSNode, ams, params(address='10.0.0.1', cpus=4, memory='3000MB', cpu_allocation_rate=4.0,
                                      storage_pool='ams0', unmanaged=False))
    assert result['changed'] is False
    assert ams.mutations() == []


def test_stale_etag_is_recovered_by_reading_again(ams):
    ams.stale_node_patches = 1
    result = run(AMSNode, ams, params(gpu_slots=2))
    patches = [call for call in ams.calls if call[0] == 'PATCH']
    assert len(patches) == 2
    assert patches[0][3] != patches[1][3]
    assert result['node']['gpu_slots'] == 2
    gets = [call for call in ams.calls if call[:2] == ('GET', '/1.0/nodes/lxd1')]
    assert len(gets) >= 3  # first look, the read before each PATCH attempt


def test_endless_concurrent_changes_fail_clearly(ams):
    ams.stale_node_patches = 99
    with pytest.raises(AMSError) as caught:
        run(AMSNode, ams, params(gpu_slots=2))
    assert 'node lxd1 kept changing under us' in caught.value.message


def test_creation_only_change_fails_naming_fields_and_sends_nothing(ams):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSNode, ams, params(address='10.0.0.9', storage_pool='other', unmanaged=True, cpus=9))
    message = caught.value.message
    assert 'address, storage_pool, unmanaged can only be set when the node is added' in message
    assert 'address=10.0.0.1' in message
    assert ams.mutations() == []


def test_add_posts_every_given_field_and_follows_with_unschedulable(ams):
    result = run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_password='s3cret', memory='2GB',
                                      tags=[], unschedulable=True))
    posts = [call for call in ams.calls if call[0] == 'POST']
    assert posts[0][2] == {'name': 'lxd2', 'address': '10.0.0.2', 'trust_password': 's3cret', 'memory': '2GB',
                           'tags': []}
    assert [call[2] for call in ams.calls if call[0] == 'PATCH'] == [{'unschedulable': True}]
    assert result['node']['unschedulable'] is True
    assert 'trust_password' not in result['diff']['after']


def test_add_without_address_fails_clearly(ams):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSNode, ams, params(name='lxd2', cpus=2))
    assert 'address is required to add it' in caught.value.message


def test_check_mode_add_and_update_send_nothing(ams):
    added = run(AMSNode, ams, params(name='lxd2', address='10.0.0.2'), check_mode=True)
    updated = run(AMSNode, ams, params(cpus=16), check_mode=True)
    assert added['changed'] and updated['changed']
    assert updated['node']['cpus'] == 16
    assert ams.mutations() == []


def test_remove_sends_force_and_keep_in_cluster(ams):
    result = run(AMSNode, ams, params(state='absent', force=True))
    assert ams.mutations() == [('DELETE', '/1.0/nodes/lxd1', {'force': True, 'keep_in_cluster': False})]
    assert result['changed'] is True
    again = run(AMSNode, ams, params(state='absent'))
    assert again['changed'] is False


def test_bad_memory_fails_before_anything(ams):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSNode, ams, params(memory='lots'))
    assert "memory 'lots' is not a size" in caught.value.message
    assert ams.calls == []


# -- purge_tags ------------------------------------------------------------------------

def test_tags_replace_the_nodes_tags_by_default(ams):
    result = run(AMSNode, ams, params(tags=['c']))
    assert ams.mutations() == [('PATCH', '/1.0/nodes/lxd1', {'tags': ['c']}, '"n0"')]
    assert result['node']['tags'] == ['c']
    assert result['diff'] == {'before': {'tags': ['a', 'b']}, 'after': {'tags': ['c']}}


def test_without_purge_tags_the_given_tags_are_added_and_none_removed(ams):
    result = run(AMSNode, ams, params(tags=['c', 'a'], purge_tags=False))
    assert ams.mutations() == [('PATCH', '/1.0/nodes/lxd1', {'tags': ['a', 'b', 'c']}, '"n0"')]
    assert result['changed'] is True
    assert result['node']['tags'] == ['a', 'b', 'c']
    assert result['diff'] == {'before': {'tags': ['a', 'b']}, 'after': {'tags': ['a', 'b', 'c']}}


def test_without_purge_tags_tags_already_there_change_nothing(ams):
    result = run(AMSNode, ams, params(tags=['b'], purge_tags=False))
    assert result['changed'] is False
    assert ams.mutations() == []
    assert run(AMSNode, ams, params(tags=[], purge_tags=False))['changed'] is False
    assert ams.mutations() == []


def test_without_purge_tags_check_mode_reports_the_merge_and_sends_nothing(ams):
    result = run(AMSNode, ams, params(tags=['c'], purge_tags=False), check_mode=True)
    assert result['changed'] is True
    assert result['node']['tags'] == ['a', 'b', 'c']
    assert result['diff']['after'] == {'tags': ['a', 'b', 'c']}
    assert ams.mutations() == []


def test_a_tag_added_concurrently_is_kept_by_reading_again_after_412(ams):
    ams.stale_node_patches = 2
    ams.concurrent_node_tags = ['other-1', 'other-2']
    result = run(AMSNode, ams, params(tags=['mine'], purge_tags=False))
    patches = [call for call in ams.calls if call[0] == 'PATCH']
    assert [call[2]['tags'] for call in patches] == [['a', 'b', 'mine'], ['a', 'b', 'other-1', 'mine'],
                                                     ['a', 'b', 'other-1', 'other-2', 'mine']]
    # Every attempt is computed from a new read and carries that read's ETag.
    assert len(set(call[3] for call in patches)) == 3
    assert sorted(result['node']['tags']) == ['a', 'b', 'mine', 'other-1', 'other-2']
    assert sorted(ams.nodes['lxd1']['tags']) == ['a', 'b', 'mine', 'other-1', 'other-2']


# -- join tokens and waiting online ---------------------------------------------------------------

TOKEN = 'eyJjbGllbnRfbmFtZSI6ImFtcyJ9'


def test_add_with_a_token_sends_it_once_and_waits_until_online(ams):
    ams.node_online_after = 3
    result = run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token=TOKEN, network_acl_name='ams0'))
    posts = [call for call in ams.calls if call[0] == 'POST']
    assert posts == [('POST', '/1.0/nodes', {'name': 'lxd2', 'address': '10.0.0.2', 'trust_token': TOKEN,
                                             'network_acl_name': 'ams0'})]
    assert result['changed'] is True
    assert result['node']['status'] == 'online'
    # Polled until online, with pauses on the client's clock.
    assert len([call for call in ams.calls if call[:2] == ('GET', '/1.0/nodes/lxd2')]) >= 4
    assert ams.sleeps
    assert 'trust_token' not in result['diff']['after']
    assert TOKEN not in repr(result)


def test_rerun_with_a_token_changes_nothing_and_sends_nothing(ams):
    run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token=TOKEN, network_acl_name='ams0'))
    before = len(ams.calls)
    again = run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token=TOKEN, network_acl_name='ams0'))
    assert again['changed'] is False
    assert [call for call in ams.calls[before:] if call[0] in ('POST', 'PATCH', 'DELETE')] == []


def test_refused_token_fails_with_ams_reason_and_no_node(ams):
    ams.refused_tokens['expired'] = 'failed to add node: LXD refused the trust token: token has expired'
    with pytest.raises(AMSOperationError) as caught:
        run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token='expired'))
    assert caught.value.message == ('node lxd2 could not be added: failed to add node: LXD refused the trust token: '
                                    'token has expired')
    assert 'lxd2' not in ams.nodes


def test_wait_online_false_returns_after_the_operation(ams):
    ams.node_online_after = 99
    result = run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token=TOKEN, wait_online=False))
    assert result['node']['status'] == 'initializing'
    assert ams.sleeps == []


def test_node_not_online_within_wait_timeout_fails_naming_its_status(ams):
    ams.node_online_after = 10 ** 6
    with pytest.raises(AMSOperationTimeout) as caught:
        run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token=TOKEN, wait_timeout=30))
    assert 'node lxd2 was added but was still initializing, not online, when wait_timeout ran out' \
        in caught.value.message
    assert sum(ams.sleeps) == pytest.approx(30)


def test_node_in_error_fails_at_once(ams):
    ams.node_end_status = 'error'
    with pytest.raises(NodeFailed) as caught:
        run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token=TOKEN))
    assert 'node lxd2 was added but is in error instead of online' in caught.value.message


def test_check_mode_add_with_a_token_shows_no_token(ams):
    result = run(AMSNode, ams, params(name='lxd2', address='10.0.0.2', trust_token=TOKEN), check_mode=True)
    assert result['changed'] is True
    assert ams.mutations() == []
    assert TOKEN not in repr(result)
    assert result['diff'] == {'before': {}, 'after': {'address': '10.0.0.2'}}


# -- drain -------------------------------------------------------------------------------------------

def _on_lxd1(ams, *ids):
    for number, container_id in enumerate(ids):
        ams.add_container(container_id, created_at=100 + number, node='lxd1')


def _removed_after(listings, *ids):
    """Another process removes the containers ``ids`` once ``listings`` listings have seen them."""
    seen = []

    def hook(fake):
        seen.append(1)
        if len(seen) > listings:
            fake.containers[:] = [container for container in fake.containers if container['id'] not in ids]
    return hook


def test_drain_sets_unschedulable_then_waits_until_the_node_is_empty(ams):
    _on_lxd1(ams, 'c1', 'c2')
    ams.add_container('elsewhere', created_at=1, node='lxd0')
    ams.add_container('base', created_at=1, node='lxd1', type='base')
    ams.on_workload_listing = _removed_after(3, 'c1', 'c2')
    result = run(AMSNode, ams, params(drain=True))
    assert ams.mutations() == [('PATCH', '/1.0/nodes/lxd1', {'unschedulable': True}, '"n0"')]
    assert result['changed'] is True
    assert result['node']['unschedulable'] is True
    assert result['diff'] == {'before': {'unschedulable': False}, 'after': {'unschedulable': True}}
    listings = [call for call in ams.calls if call[:2] == ('GET', '/1.0/containers')]
    assert len(listings) == 4
    # The PATCH came before the first listing: nothing new lands on the node while it empties.
    assert ams.calls.index(ams.mutations()[0]) < ams.calls.index(listings[0])


def test_drain_with_absent_removes_the_node_once_it_is_empty(ams):
    _on_lxd1(ams, 'c1', 'c2')
    ams.on_workload_listing = _removed_after(2, 'c1', 'c2')
    result = run(AMSNode, ams, params(state='absent', drain=True))
    assert [call[:2] for call in ams.mutations()] == [('PATCH', '/1.0/nodes/lxd1'), ('DELETE', '/1.0/nodes/lxd1')]
    delete = ams.mutations()[1]
    assert delete[2] == {'force': False, 'keep_in_cluster': False}
    assert 'lxd1' not in ams.nodes
    assert result['changed'] is True
    assert result['diff']['before'] == {'name': 'lxd1', 'present': True, 'unschedulable': False}
    assert result['diff']['after'] == {'name': 'lxd1', 'present': False}


def test_drain_timeout_names_the_containers_and_keeps_the_node(ams):
    _on_lxd1(ams, 'c1', 'c2')
    with pytest.raises(AMSOperationTimeout) as caught:
        run(AMSNode, ams, params(state='absent', drain=True, wait_timeout=20))
    message = caught.value.message
    assert 'node lxd1 still hosts 2 container(s) or instance(s) when wait_timeout ran out' in message
    assert 'ams-c1 (c1), ams-c2 (c2)' in message
    assert message.endswith('the node stays unschedulable and was not removed')
    assert [call[0] for call in ams.mutations()] == ['PATCH']
    assert ams.nodes['lxd1']['unschedulable'] is True
    assert sum(ams.sleeps) == pytest.approx(20)


def test_drain_timeout_result_lists_what_is_left(ams):
    _on_lxd1(ams, 'c1')
    instance = AMSNode(FakeModule(params(drain=True, wait_timeout=5)), client=ams)
    with pytest.raises(AMSOperationTimeout) as caught:
        instance.run()
    assert caught.value.message.endswith('the node stays unschedulable')
    assert instance.result['remaining'] == ['ams-c1 (c1)']
    assert instance.result['node']['unschedulable'] is True
    assert instance.result['changed'] is True


def test_drain_on_an_older_ams_sends_its_spelling(ams):
    node = ams.nodes['lxd1']
    node['unscheduable'] = node.pop('unschedulable')
    run(AMSNode, ams, params(drain=True))
    assert ams.mutations() == [('PATCH', '/1.0/nodes/lxd1', {'unscheduable': True}, '"n0"')]


def test_drain_of_an_unschedulable_empty_node_changes_nothing(ams):
    ams.nodes['lxd1']['unschedulable'] = True
    result = run(AMSNode, ams, params(drain=True))
    assert result['changed'] is False
    assert ams.mutations() == []


def test_drain_in_check_mode_sends_nothing_and_waits_for_nothing(ams):
    _on_lxd1(ams, 'c1')
    result = run(AMSNode, ams, params(state='absent', drain=True), check_mode=True)
    assert result['changed'] is True
    assert ams.mutations() == []
    assert ams.sleeps == []
    present = run(AMSNode, ams, params(drain=True), check_mode=True)
    assert present['changed'] is True
    assert present['node']['unschedulable'] is True
    assert present['diff']['after'] == {'unschedulable': True}


def test_drain_counts_instances_on_a_server_with_instances(ams):
    ams.extensions = ams.extensions | {'instance_support'}
    ams.instances = [{'id': 'i1', 'name': 'golden', 'node': 'lxd1', 'type': 'vm', 'base': False},
                     {'id': 'i2', 'name': 'bootstrap', 'node': 'lxd1', 'type': 'container', 'base': True}]

    def stop_golden(fake):
        if len([call for call in fake.calls if call[:2] == ('GET', '/1.0/instances')]) > 2:
            fake.instances = [item for item in fake.instances if item['id'] != 'i1']
    ams.on_workload_listing = stop_golden
    run(AMSNode, ams, params(state='absent', drain=True))
    assert [call for call in ams.calls if call[:2] == ('GET', '/1.0/containers')] == []
    assert 'lxd1' not in ams.nodes


@pytest.mark.parametrize('overrides, problem', [
    (dict(unschedulable=False), 'cannot be combined with unschedulable: false'),
    (dict(wait=False), 'drain waits until the node is empty, so it needs wait: true'),
    (dict(name='lxd9'), 'node lxd9 does not exist, so there is nothing to drain'),
])
def test_drain_option_problems_fail_before_any_change(ams, overrides, problem):
    with pytest.raises(AMSConfigurationError) as caught:
        run(AMSNode, ams, params(drain=True, **overrides))
    assert problem in caught.value.message
    assert ams.mutations() == []


def test_drain_of_a_missing_node_with_absent_is_no_change(ams):
    result = run(AMSNode, ams, params(name='lxd9', state='absent', drain=True))
    assert result['changed'] is False
    assert ams.mutations() == []
