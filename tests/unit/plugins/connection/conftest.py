# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Lets plain pytest load the plugin through Ansible's plugin loader, as ansible-test units does.

ansible-test installs Ansible's collection finder before any test module is imported; under plain pytest
(PYTHONPATH=<root holding ansible_collections>) this does it, before the tests import the plugin.
"""


import os

from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader([os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7)))])
