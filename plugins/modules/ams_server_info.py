#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_server_info
short_description: Facts about an AMS server
version_added: 0.1.0
description:
  - Returns the API version, API status and extensions of an Anbox Management Service, how it sees this
    client (V(guest), V(untrusted) or V(trusted)) and the AMS release.
  - Works for clients AMS does not trust yet, so it is a cheap way to check a connection.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.attributes.INFO_MODULE
  - anbox.ams.attributes.ACTIONGROUP_AMS
options: {}
'''

EXAMPLES = r'''
- name: Show what AMS says about itself and about us
  anbox.ams.ams_server_info:
    url: https://ams.example.com:8444
    client_cert: ~/.config/ams/client.crt
    client_key: ~/.config/ams/client.key
    ca_cert: ~/.config/ams/server.crt
  register: ams

- name: Fail early when this client is not trusted
  ansible.builtin.assert:
    that: ams.server.auth == 'trusted'
    fail_msg: Register the client certificate with anbox.ams.ams_certificate first.
'''

RETURN = r'''
server:
  description: What AMS reports about itself.
  returned: success
  type: dict
  contains:
    api_version:
      description: Version of the REST API.
      type: str
      sample: "1.0"
    api_status:
      description: Implementation status of the API (development, stable or deprecated).
      type: str
      sample: stable
    api_extensions:
      description: API extensions the server supports; check them before relying on a newer feature.
      type: list
      elements: str
      sample: [application_manifest_download, instance_support]
    auth:
      description: How AMS sees this client, V(guest), V(untrusted) or V(trusted).
      type: str
      sample: trusted
    auth_methods:
      description: Authentication methods AMS offers.
      type: list
      elements: str
      sample: [2waySSL]
    version:
      description: AMS release.
      type: str
      sample: 1.22.0
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module

SERVER_KEYS = ('api_version', 'api_status', 'api_extensions', 'auth', 'auth_methods', 'version')


class AMSServerInfo(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(argument_spec=build_argument_spec({}), supports_check_mode=True)

    def run(self):
        info = self.client.server_info()
        server = dict((key, info.get(key)) for key in SERVER_KEYS)
        server['api_extensions'] = server['api_extensions'] or []
        server['auth_methods'] = server['auth_methods'] or []
        self.result['server'] = server


def main():
    run_module(AMSServerInfo)


if __name__ == '__main__':
    main()
