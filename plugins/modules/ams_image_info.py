#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_image_info
short_description: List AMS images
version_added: 0.1.0
description:
  - Returns the images the Anbox Management Service holds, as AMS reports them, all of them or those that
    match the filters.
  - Reads the whole listing in one request, however many images there are.
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
- name: All images
  anbox.ams.ams_image_info:
  register: all_images

- name: One image
  anbox.ams.ams_image_info:
    name: jammy-android13
  register: one_image
'''

RETURN = r'''
images:
  description: The matching images as AMS reports them; an empty list when none matches.
  returned: success
  type: list
  elements: dict
  sample:
    - id: btc5bugj1qm4a9s22580
      name: jammy-android13
      status: active
      status_code: 3
      default: true
      type: container
      versions: []
'''

from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSInfoModule, run_module


class AMSImageInfo(AMSInfoModule):
    collection = 'images'
    result_key = 'images'
    has_ids = True


def main():
    run_module(AMSImageInfo)


if __name__ == '__main__':
    main()
