# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared shape of the read-only ``*_info`` modules: one listing, then filters.

A module names its collection (``applications``), the key it returns, and
whether its objects have ids; ``name`` and ``id`` filters come for free and a
subclass adds its own by overriding ``keep()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils.listings import list_objects
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec


class AMSInfoModule(AMSModule):
    """Lists ``/1.0/<collection>`` once and returns the objects that pass every filter."""

    collection = None       # e.g. 'applications'
    result_key = None       # e.g. 'applications'
    has_ids = True          # nodes and addons are addressed by name only
    extra_options = {}      # options beyond name/id

    @classmethod
    def define_module(cls):
        spec = dict(name=dict(type='str'))
        if cls.has_ids:
            spec['id'] = dict(type='str')
        spec.update(cls.extra_options)
        return AnsibleModule(argument_spec=build_argument_spec(spec), supports_check_mode=True)

    def run(self):
        self.prepare()
        objects = [item for item in list_objects(self.client, self.collection) if self._matches(item)]
        self.result[self.result_key] = self.enrich(objects)

    def _matches(self, item):
        params = self.module.params
        if params.get('name') is not None and item.get('name') != params['name']:
            return False
        if self.has_ids and params.get('id') is not None and str(item.get('id')) != params['id']:
            return False
        return self.keep(item)

    def prepare(self):
        """Check and resolve the module's own filters before listing (may read other listings)."""

    def keep(self, item):
        """The module's own filters; True keeps the object."""
        return True

    def enrich(self, objects):
        """Add data that is not in the listing (log files); returns the objects to return."""
        return objects
