#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_container_info
short_description: List AMS containers, optionally with their log files
version_added: 0.1.0
description:
  - Returns the containers the Anbox Management Service holds, as AMS reports them, all of them or those that
    match every filter given.
  - Reads the whole container listing in one request, however many containers there are. Filtering by
    O(application) reads the application listing once more to find the application by name or id, and each
    log file in O(logs) is one request per container.
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
    description: Only containers of the application with this name or id.
    type: str
  node:
    description: Only containers on this node.
    type: str
  status:
    description:
      - Only containers in one of these states, by name (V(running), V(error), ...) or by status code
        (V(4), V(-1), ...).
    type: list
    elements: raw
  logs:
    description:
      - Names of stored log files, such as V(android.log) or V(system.log), to return for each matching
        container in its RV(containers[].logs). AMS mostly stores logs of containers that failed.
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: Containers of my-game that failed, with their Android log
  anbox.ams.ams_container_info:
    application: my-game
    status: error
    logs: [android.log]
  register: failed

- name: Show why each one failed
  ansible.builtin.debug:
    msg: "{{ item.id }}: {{ item.error_message }}"
  loop: "{{ failed.containers }}"

- name: Running containers on one node
  anbox.ams.ams_container_info:
    node: lxd1
    status: [running]
'''

RETURN = r'''
containers:
  description: The matching containers as AMS reports them; an empty list when none matches.
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
    - id: cbqhp0oj1qm4a9s2cg2g
      name: ams-cbqhp0oj1qm4a9s2cg2g
      type: regular
      status: error
      status_code: -1
      node: lxd1
      app_id: cbqhnpgj1qm4a9s2cg10
      app_name: my-game
      app_version: 0
      created_at: 1700000000
      error_message: "Android failed to boot"
      stored_logs: [android.log]
'''

from ansible_collections.anbox.ams.plugins.module_utils import containers
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSInfoModule, run_module
from ansible_collections.anbox.ams.plugins.module_utils.objects import find_by_name_or_id, list_objects


class AMSContainerInfo(AMSInfoModule):
    collection = 'containers'
    result_key = 'containers'
    has_ids = True
    extra_options = dict(
        application=dict(type='str'),
        node=dict(type='str'),
        status=dict(type='list', elements='raw'),
        logs=dict(type='list', elements='str', no_log=False),
    )

    def prepare(self):
        params = self.module.params
        try:
            self.status_codes = set(containers.to_code(value) for value in params['status'] or [])
        except containers.StatusError as exc:
            raise AMSConfigurationError(str(exc))
        self.check_log_names()
        if params['logs']:
            self.client.require_extension('container_logs', 'reading the log files of containers')
        self.app_id = None
        if params['application'] is not None:
            app = find_by_name_or_id(list_objects(self.client, 'applications'), params['application'], 'application')
            # An unknown application has no containers: the listing comes back empty, as for any filter.
            self.app_id = app.get('id') if app else ''

    def keep(self, item):
        params = self.module.params
        if self.app_id is not None and (not self.app_id or item.get('app_id') != self.app_id):
            return False
        if params['node'] is not None and item.get('node') != params['node']:
            return False
        if self.status_codes and containers.code_of(item) not in self.status_codes:
            return False
        return True


def main():
    run_module(AMSContainerInfo)


if __name__ == '__main__':
    main()
