#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_application_info
short_description: List AMS applications
version_added: 0.1.0
description:
  - Returns the applications the Anbox Management Service holds, as AMS reports them, all of them or those that
    match the filters.
  - Reads the whole listing in one request, however many applications there are.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.attributes.INFO_MODULE
  - anbox.ams.attributes.ACTIONGROUP_AMS
  - anbox.ams.info_filters
  - anbox.ams.info_filters.ID
options: {}
'''

EXAMPLES = r'''
- name: All applications
  anbox.ams.ams_application_info:
  register: all_applications

- name: One application
  anbox.ams.ams_application_info:
    name: my-game
  register: one_application
'''

RETURN = r'''
applications:
  description: The matching applications as AMS reports them; an empty list when none matches.
  returned: success
  type: list
  elements: dict
  sample:
    - id: cbqhnpgj1qm4a9s2cg10
      name: my-game
      status: ready
      status_code: 2
      instance_type: a4.3
      published: true
      immutable: false
      tags: []
      versions: []
'''

from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSInfoModule, run_module


class AMSApplicationInfo(AMSInfoModule):
    collection = 'applications'
    result_key = 'applications'
    has_ids = True


def main():
    run_module(AMSApplicationInfo)


if __name__ == '__main__':
    main()
