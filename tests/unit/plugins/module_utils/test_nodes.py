# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from ansible_collections.anbox.ams.plugins.module_utils import nodes

NODE = {'name': 'lxd1', 'address': '10.0.0.1', 'public_address': '10.0.0.2', 'cpus': 4, 'cpu_allocation_rate': 4,
        'memory': '3GB', 'memory_allocation_rate': 2, 'gpu_slots': 0, 'gpu_encoder_slots': 0, 'tags': ['x', 'y'],
        'unschedulable': False, 'network_bridge_mtu': 1500, 'storage_pool': 'ams0', 'managed': True}


def test_updates_hold_only_fields_that_differ():
    desired = {'cpus': 4, 'cpu_allocation_rate': 4.0, 'memory': '3000MB', 'tags': ['y', 'x'], 'gpu_slots': 1,
               'unschedulable': True, 'public_address': '10.0.0.2'}
    assert nodes.updates(NODE, desired) == {'gpu_slots': 1, 'unschedulable': True}


def test_updates_ignore_options_the_task_left_out():
    assert nodes.updates(NODE, {'cpus': None, 'memory': None}) == {}


def test_empty_tags_clear_the_tags():
    assert nodes.updates(NODE, {'tags': []}) == {'tags': []}


def test_memory_in_other_units_is_a_change_when_the_bytes_differ():
    assert nodes.updates(NODE, {'memory': '3GiB'}) == {'memory': '3GiB'}


def test_creation_only_conflicts_name_every_differing_field():
    desired = {'address': '10.9.9.9', 'network_bridge_mtu': 9000, 'storage_pool': 'ams0', 'unmanaged': True,
               'storage_device': '/dev/sdb', 'network_name': 'br9', 'network_subnet': '10.1.0.1/24'}
    # storage_device and network_* are not reported by AMS, so cannot conflict.
    assert nodes.creation_only_conflicts(NODE, desired) == ['address', 'network_bridge_mtu', 'unmanaged']


def test_same_creation_only_values_do_not_conflict():
    desired = {'address': '10.0.0.1', 'network_bridge_mtu': 1500, 'storage_pool': 'ams0', 'unmanaged': False}
    assert nodes.creation_only_conflicts(NODE, desired) == []


def test_creation_body_takes_given_fields_but_not_unschedulable():
    body = nodes.creation_body('lxd2', {'address': '10.0.0.5', 'trust_password': 'pw', 'cpus': 2,
                                        'unschedulable': True, 'memory': None})
    assert body == {'name': 'lxd2', 'address': '10.0.0.5', 'trust_password': 'pw', 'cpus': 2}


def test_managed_view_shows_unmanaged_from_managed():
    assert nodes.managed_view(NODE, ['cpus', 'unmanaged', 'storage_device']) == {'cpus': 4, 'unmanaged': False}
    assert nodes.managed_view(None, ['cpus']) == {}


LEGACY_NODE = dict((key, value) for key, value in NODE.items() if key != 'unschedulable')
LEGACY_NODE['unscheduable'] = True


def test_a_node_of_an_older_ams_is_read_by_its_spelling_unscheduable():
    # api.Node carries both `json:"unschedulable"` and the deprecated `json:"unscheduable"` (AMS < 1.20).
    assert nodes.updates(LEGACY_NODE, {'unschedulable': True}) == {}
    assert nodes.managed_view(LEGACY_NODE, ['unschedulable']) == {'unschedulable': True}


def test_the_patch_uses_the_spelling_the_server_reports():
    # api.NodePatch: Unschedulable *bool `json:"unschedulable"`, DEPRECATEDUnschedulable `json:"unscheduable"`.
    patch = nodes.updates(LEGACY_NODE, {'unschedulable': False, 'cpus': 8})
    assert nodes.patch_body(LEGACY_NODE, patch) == {'unscheduable': False, 'cpus': 8}
    assert nodes.patch_body(NODE, nodes.updates(NODE, {'unschedulable': True})) == {'unschedulable': True}
    both = dict(LEGACY_NODE, unschedulable=True)
    assert nodes.patch_body(both, {'unschedulable': False}) == {'unschedulable': False}


def test_workloads_are_regular_containers_and_instances_but_not_base_ones():
    assert nodes.is_regular_workload({'type': 'regular'})
    assert nodes.is_regular_workload({})
    assert nodes.is_regular_workload({'type': 'vm', 'base': False})
    assert nodes.is_regular_workload({'type': 'container'})
    assert not nodes.is_regular_workload({'type': 'base'})
    assert not nodes.is_regular_workload({'type': 'container', 'base': True})


def test_workloads_are_named_with_their_id():
    assert nodes.describe_workload({'name': 'ams-c1', 'id': 'c1'}) == 'ams-c1 (c1)'
    assert nodes.describe_workload({'name': 'golden', 'id': 'golden'}) == 'golden'
    assert nodes.describe_workload({'id': 'c1'}) == 'c1'


def test_node_status_from_its_code_or_its_word():
    assert nodes.status_code({'status_code': 4, 'status': 'error'}) == 4
    assert nodes.status_code({'status': 'Online'}) == 4
    assert nodes.status_code({}) == 0


def test_token_is_creation_input_never_compared():
    assert nodes.updates(NODE, {'trust_token': 'tok', 'network_acl_name': 'acl'}) == {}
    assert nodes.creation_only_conflicts(NODE, {'network_acl_name': 'acl'}) == []
