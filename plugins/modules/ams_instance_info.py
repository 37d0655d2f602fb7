#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_instance_info
short_description: List AMS instances, optionally with their log files
version_added: 0.2.0
description:
  - Returns the instances (containers and virtual machines) the Anbox Management Service holds, as AMS reports
    them, all of them or those that match every filter given.
  - Reads the whole instance listing in one request, however many instances there are; each log file in
    O(logs) is one more request per instance.
  - Needs an AMS that announces the API extension C(instance_support); on an older AMS use
    M(anbox.ams.ams_container_info).
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.attributes.INFO_MODULE
  - anbox.ams.attributes.ACTIONGROUP_AMS
  - anbox.ams.info_filters
  - anbox.ams.info_filters.ID
options:
  application:
    description: Only instances of the application with this name or id.
    type: str
  image:
    description: Only instances launched from the image with this name or id.
    type: str
  node:
    description: Only instances on this node.
    type: str
  status:
    description:
      - Only instances in one of these states, by name (V(running), V(stopped), V(error), ...) or by status
        code (V(4), V(5), V(-1), ...).
    type: list
    elements: raw
  type:
    description: Only instances of this type.
    type: str
    choices: [container, vm]
  tags:
    description: Only instances that have every one of these tags.
    type: list
    elements: str
  logs:
    description:
      - Names of stored log files, such as V(android.log), to return for each matching instance in its
        RV(instances[].logs).
    type: list
    elements: str
seealso:
  - module: anbox.ams.ams_instance
'''

EXAMPLES = r'''
- name: Running canary instances
  anbox.ams.ams_instance_info:
    tags: [canary]
    status: [running]
  register: canaries

- name: An instance that failed, with its Android log
  anbox.ams.ams_instance_info:
    name: game-canary-1
    logs: [android.log]
  register: canary
'''

RETURN = r'''
instances:
  description: The matching instances as AMS reports them; an empty list when none matches.
  returned: success
  type: list
  elements: dict
  contains:
    logs:
      description:
        - The log files named in O(logs), file name to text; V(null) for a file AMS does not hold.
      type: dict
      returned: when O(logs) is given
      sample: {"android.log": "--------- beginning of main\n..."}
  sample:
    - id: cilsreunfpfec9b1ktg0
      name: game-canary-1
      type: container
      status: running
      status_code: 4
      node: lxd0
      app_name: my-game
      tags: [canary]
'''

from ansible_collections.anbox.ams.plugins.module_utils import containers
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSInfoModule, run_module


class AMSInstanceInfo(AMSInfoModule):
    collection = 'instances'
    result_key = 'instances'
    has_ids = True
    extra_options = dict(
        application=dict(type='str'),
        image=dict(type='str'),
        node=dict(type='str'),
        status=dict(type='list', elements='raw'),
        type=dict(type='str', choices=['container', 'vm']),
        tags=dict(type='list', elements='str'),
        logs=dict(type='list', elements='str', no_log=False),
    )

    def prepare(self):
        params = self.module.params
        if params['name'] is not None and params['id'] is not None:
            raise AMSConfigurationError('name and id are mutually exclusive: give one of them')
        try:
            self.status_codes = set(containers.to_code(value) for value in params['status'] or [])
        except containers.StatusError as exc:
            raise AMSConfigurationError(str(exc).replace('container status', 'instance status'))
        self.check_log_names()
        self.client.require_extension('instance_support', 'instances')

    def keep(self, item):
        params = self.module.params
        for option, id_key, name_key in (('application', 'app_id', 'app_name'), ('image', 'image_id', 'image_name')):
            if params[option] is not None and params[option] not in (item.get(id_key), item.get(name_key)):
                return False
        if params['node'] is not None and item.get('node') != params['node']:
            return False
        if params['type'] is not None and (item.get('type') or 'container') != params['type']:
            return False
        if params['tags'] and not set(params['tags']) <= set(item.get('tags') or []):
            return False
        if self.status_codes and containers.code_of(item) not in self.status_codes:
            return False
        return True


def main():
    run_module(AMSInstanceInfo)


if __name__ == '__main__':
    main()
