#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_node_info
short_description: List the LXD nodes of an AMS cluster
version_added: 0.1.0
description:
  - Returns the nodes the Anbox Management Service holds, as AMS reports them, all of them or those that
    match the filters.
  - Reads the whole listing in one request, however many nodes there are.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.attributes.INFO_MODULE
  - anbox.ams.attributes.ACTIONGROUP_AMS
  - anbox.ams.info_filters
options: {}
'''

EXAMPLES = r'''
- name: All nodes
  anbox.ams.ams_node_info:
  register: all_nodes

- name: One node
  anbox.ams.ams_node_info:
    name: lxd1
  register: one_node
'''

RETURN = r'''
nodes:
  description: The matching nodes as AMS reports them; an empty list when none matches.
  returned: success
  type: list
  elements: dict
  sample:
    - name: lxd1
      address: 10.0.0.11
      public_address: 203.0.113.11
      cpus: 16
      cpu_allocation_rate: 4
      memory: 64GB
      memory_allocation_rate: 2
      status: online
      status_code: 4
      tags: []
      unschedulable: false
'''

from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSInfoModule, run_module


class AMSNodeInfo(AMSInfoModule):
    collection = 'nodes'
    result_key = 'nodes'
    has_ids = False


def main():
    run_module(AMSNodeInfo)


if __name__ == '__main__':
    main()
