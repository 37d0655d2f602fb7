# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError, AMSError
from ansible_collections.anbox.ams.plugins.modules.ams_node import AMSNode
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_ams import FakeAMS
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import run

FIELDS = ('address', 'public_address', 'trust_password', 'network_bridge_mtu', 'storage_device', 'storage_pool',
          'network_name', 'network_subnet', 'unmanaged', 'cpus', 'cpu_allocation_rate', 'memory',
          'memory_allocation_rate', 'gpu_slots', 'gpu_encoder_slots', 'tags', 'unschedulable')


def params(**overrides):
    base = dict((field, None) for field in FIELDS)
    base.update(name='lxd1', state='present', force=False, keep_in_cluster=False, purge_tags=True, wait=True,
                wait_timeout=600)
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
