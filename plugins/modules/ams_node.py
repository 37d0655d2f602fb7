#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_node
short_description: Add, update and remove LXD nodes of an AMS cluster
version_added: 0.1.0
description:
  - Adds an LXD node to the cluster the Anbox Management Service manages, changes its updatable settings in
    place, or removes it.
  - Settings the task does not name are left as they are. Changed settings are sent as one PATCH that carries
    the ETag of the read it was computed from; when the node changed in between, the module reads it again and
    recomputes.
  - The address, storage and network of a node are fixed when it is added. A task that sets one of them to a
    value other than the one AMS reports fails, naming the fields, and changes nothing. AMS does not report
    O(storage_device), O(network_name) and O(network_subnet) back, so those are only used when the node is added.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.wait
  - anbox.ams.attributes
  - anbox.ams.attributes.ACTIONGROUP_AMS
options:
  name:
    description: Name of the node in AMS.
    type: str
    required: true
  state:
    description: Whether the node should be part of the cluster.
    type: str
    choices: [present, absent]
    default: present
  address:
    description:
      - Address AMS reaches the node's LXD at. Required to add a node; fixed afterwards.
    type: str
  public_address:
    description: Address clients reach the node's containers at.
    type: str
  trust_password:
    description:
      - Trust password of the node's LXD, used once when the node is added.
    type: str
  network_bridge_mtu:
    description: MTU of the network bridge LXD uses. Fixed once the node is added.
    type: int
  storage_device:
    description: Block device LXD should use for storage. Only used when the node is added.
    type: str
  storage_pool:
    description: Existing LXD storage pool to use. Fixed once the node is added.
    type: str
  network_name:
    description: Name of the network device to create on the node. Only used when the node is added.
    type: str
  network_subnet:
    description: Subnet of that network device, such as V(192.168.100.1/24). Only used when the node is added.
    type: str
  unmanaged:
    description: The node is already part of the LXD cluster and AMS should not set it up. Fixed once added.
    type: bool
  cpus:
    description: Number of CPU cores AMS may use on the node.
    type: int
  cpu_allocation_rate:
    description: Factor by which CPU may be overcommitted.
    type: float
  memory:
    description:
      - Memory AMS may use on the node, such as V(3GB) or V(512MB).
      - Sizes are compared in bytes the way AMS reads them, so V(3GB), V(3gb) and V(3000MB) are the same;
        V(kB), V(MB), V(GB), V(TB) are powers of 1000 and V(KiB), V(MiB), V(GiB), V(TiB) powers of 1024
        (so V(3GB) and V(3072MB) differ). The value is sent as written.
    type: str
  memory_allocation_rate:
    description: Factor by which memory may be overcommitted.
    type: float
  gpu_slots:
    description: Slots on the GPU available to containers.
    type: int
  gpu_encoder_slots:
    description: Slots on the GPU encoders available to containers.
    type: int
  tags:
    description:
      - User defined tags of the node; compared as a set. An empty list removes every tag.
    type: list
    elements: str
  unschedulable:
    description: When V(true), AMS launches no new containers on the node.
    type: bool
  force:
    description: With O(state=absent), remove the node even when containers still run on it.
    type: bool
    default: false
  keep_in_cluster:
    description: With O(state=absent), leave the node in the LXD cluster and only remove it from AMS.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Add a node
  anbox.ams.ams_node:
    name: lxd1
    address: 10.0.0.11
    public_address: 203.0.113.11
    trust_password: "{{ vault_lxd_trust_password }}"
    cpus: 16
    memory: 64GB
    tags: [zone=a]

- name: Stop scheduling new containers on it
  anbox.ams.ams_node:
    name: lxd1
    unschedulable: true

- name: Remove it, even with containers left
  anbox.ams.ams_node:
    name: lxd1
    state: absent
    force: true
'''

RETURN = r'''
node:
  description: The node as AMS reports it after the task; empty when it is absent.
  returned: success
  type: dict
  contains:
    name:
      description: Name of the node.
      type: str
      sample: lxd1
    address:
      description: Private address AMS reaches the node's LXD on.
      type: str
      sample: 10.0.0.11
    public_address:
      description: Public address of the node, where exposed services are reached.
      type: str
      sample: 203.0.113.11
    status:
      description: Status of the node, for people (V(initializing), V(online), V(offline), ...).
      type: str
      sample: online
    status_code:
      description: Status as a number (-1 error, 1 created, 2 initializing, 3 initialized, 4 online, 5 offline, 6 deleted).
      type: int
      sample: 4
    cpus:
      description: CPU cores AMS schedules on.
      type: int
      sample: 16
    cpu_allocation_rate:
      description: Overcommit factor of the CPUs.
      type: float
      sample: 4
    memory:
      description: Memory AMS schedules on.
      type: str
      sample: 64GB
    memory_allocation_rate:
      description: Overcommit factor of the memory.
      type: float
      sample: 2
    gpu_slots:
      description: GPU slots of the node.
      type: int
      sample: 0
    gpu_encoder_slots:
      description: GPU encoder slots of the node.
      type: int
      sample: 0
    tags:
      description: Tags of the node.
      type: list
      elements: str
      sample: [zone=a]
    unschedulable:
      description: Whether AMS launches nothing new on the node. AMS before 1.20 reports it as C(unscheduable) instead.
      type: bool
      sample: false
    storage_pool:
      description: LXD storage pool the node's containers use.
      type: str
      sample: ams0
    managed:
      description: Whether AMS manages the node's LXD (false for an unmanaged node).
      type: bool
      sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import nodes
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError, AMSNotFound
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module
from ansible_collections.anbox.ams.plugins.module_utils.objects import object_path
from ansible_collections.anbox.ams.plugins.module_utils.sizes import SizeError, to_bytes


class AMSNode(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                name=dict(type='str', required=True),
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                address=dict(type='str'),
                public_address=dict(type='str'),
                trust_password=dict(type='str', no_log=True),
                network_bridge_mtu=dict(type='int'),
                storage_device=dict(type='str'),
                storage_pool=dict(type='str'),
                network_name=dict(type='str'),
                network_subnet=dict(type='str'),
                unmanaged=dict(type='bool'),
                cpus=dict(type='int'),
                cpu_allocation_rate=dict(type='float'),
                memory=dict(type='str'),
                memory_allocation_rate=dict(type='float'),
                gpu_slots=dict(type='int'),
                gpu_encoder_slots=dict(type='int'),
                tags=dict(type='list', elements='str'),
                unschedulable=dict(type='bool'),
                force=dict(type='bool', default=False),
                keep_in_cluster=dict(type='bool', default=False),
            ), wait=True),
            supports_check_mode=True,
        )

    @property
    def path(self):
        return object_path('nodes', self.module.params['name'])

    def _desired(self):
        params = self.module.params
        fields = nodes.UPDATABLE + nodes.CREATION_ONLY + nodes.CREATE_ONLY_INPUT
        desired = dict((field, params[field]) for field in fields if self.param_is_defined(field))
        if 'memory' in desired:
            try:
                to_bytes(desired['memory'], 'memory')
            except SizeError as exc:
                raise AMSConfigurationError(str(exc))
        return desired

    def _read(self):
        """The node and the ETag of that read, or (None, None) when AMS has no such node."""
        try:
            response = self.client.get(self.path)
        except AMSNotFound:
            return None, None
        return response.metadata or {}, response.etag

    def run(self):
        if not self.module.params['name'].strip():
            raise AMSConfigurationError('name must not be empty')
        desired = self._desired()
        name = self.module.params['name']
        # A write whose answer was lost is never resent: converge() re-reads the node and starts over.
        if self.module.params['state'] == 'absent':
            self.converge(self._absent, 'node %s' % name)
        else:
            self.converge(lambda: self._present(desired), 'node %s' % name)

    def _shown_fields(self, desired):
        return [field for field in desired if field not in nodes.CREATE_ONLY_INPUT]

    def _present(self, desired):
        node, _etag = self._read()
        if node is None:
            self._add(desired)
        else:
            self.result['node'] = self._update(desired)

    def _add(self, desired):
        name = self.module.params['name']
        if not desired.get('address'):
            raise AMSConfigurationError('node %s does not exist: address is required to add it' % name)
        shown = self._shown_fields(desired)
        self.set_diff({}, dict((field, desired[field]) for field in shown))
        self._mark_as_changed()
        if self.check_mode:
            self.result['node'] = dict([('name', name)] + [(field, desired[field]) for field in shown])
            return
        self.wait_for(self.client.post('/1.0/nodes', body=nodes.creation_body(name, desired)))
        node = self._read()[0] or {}
        if self.module.params['wait'] and node and nodes.updates(node, desired):
            # Settings the POST does not take (unschedulable) follow once the node is there.
            diff_before, diff_after = self.diff_before, self.diff_after
            node = self.converge(lambda: self._update(desired), 'node %s' % name)
            self.set_diff(diff_before, diff_after)
        self.result['node'] = node

    def _update(self, desired):
        """One read → compare → PATCH round; raises 412 / ambiguous errors for converge() to retry."""
        name = self.module.params['name']
        node, etag = self._read()
        if node is None:
            raise AMSNotFound('node %s disappeared while the task was updating it' % name, status_code=404)
        conflicts = nodes.creation_only_conflicts(node, desired)
        if conflicts:
            raise AMSConfigurationError(
                'node %s: %s can only be set when the node is added (AMS reports %s); remove the node and add it '
                'again to change them' % (name, ', '.join(conflicts), ', '.join(
                    '%s=%s' % (field, nodes.reported(node, field)[1]) for field in conflicts)))
        patch = nodes.updates(node, desired)
        shown = self._shown_fields(desired)
        before = nodes.managed_view(node, shown)
        after = dict(before)
        after.update(patch)
        self.set_diff(before, after)
        if not patch:
            return node
        self._mark_as_changed()
        if self.check_mode:
            expected = dict(node)
            expected.update(patch)
            return expected
        self.wait_for(self.client.patch(self.path, body=nodes.patch_body(node, patch), etag=etag))
        return self._read()[0] or {}

    def _absent(self):
        node, _etag = self._read()
        self.result['node'] = {}
        if node is None:
            return
        self.set_diff({'name': node.get('name', self.module.params['name']), 'present': True},
                      {'name': node.get('name', self.module.params['name']), 'present': False})
        self._mark_as_changed()
        if self.check_mode:
            return
        body = {'force': self.module.params['force'], 'keep_in_cluster': self.module.params['keep_in_cluster']}
        self.wait_for(self.client.delete(self.path, body=body))


def main():
    run_module(AMSNode)


if __name__ == '__main__':
    main()
