#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_addon_info
short_description: List AMS addons
version_added: 0.1.0
description:
  - Returns the addons the Anbox Management Service holds, as AMS reports them, all of them or those that
    match the filters.
  - Reads the whole listing in one request, however many addons there are.
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
- name: All addons
  anbox.ams.ams_addon_info:
  register: all_addons

- name: One addon
  anbox.ams.ams_addon_info:
    name: ssh-keys
  register: one_addon
'''

RETURN = r'''
addons:
  description: The matching addons as AMS reports them; an empty list when none matches.
  returned: success
  type: list
  elements: dict
  sample:
    - name: ssh-keys
      versions: []
      used_by: []
'''

from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSInfoModule, run_module


class AMSAddonInfo(AMSInfoModule):
    collection = 'addons'
    result_key = 'addons'
    has_ids = False


def main():
    run_module(AMSAddonInfo)


if __name__ == '__main__':
    main()
