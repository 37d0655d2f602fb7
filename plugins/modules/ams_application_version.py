#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_application_version
short_description: Publish, unpublish or remove one version of an AMS application
version_added: 0.1.0
description:
  - Publishes or unpublishes one version of an application, or removes it.
  - Versions are made by M(anbox.ams.ams_application) (or by AMS itself); this module manages one of them.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.wait
  - anbox.ams.attributes
  - anbox.ams.attributes.ACTIONGROUP_AMS
options:
  application:
    description:
      - Name or id of the application.
    type: str
    required: true
  version:
    description:
      - Number of the version (the first version is 0).
    type: int
    required: true
  state:
    description:
      - V(published) or V(unpublished) sets whether containers may be launched from the version.
      - V(absent) removes the version; a version that does not exist is left alone.
    type: str
    choices: [published, unpublished, absent]
    default: published
  force:
    description:
      - With O(state=absent), remove the version even when containers use it.
    type: bool
    default: false
notes:
  - AMS keeps at most C(application.max_published_versions) versions published and unpublishes the oldest
    when one more is published.
'''

EXAMPLES = r'''
- name: Publish version 3 of my-game
  anbox.ams.ams_application_version:
    application: my-game
    version: 3

- name: Take version 2 out of service
  anbox.ams.ams_application_version:
    application: my-game
    version: 2
    state: unpublished

- name: Remove version 1
  anbox.ams.ams_application_version:
    application: my-game
    version: 1
    state: absent
'''

RETURN = r'''
application:
  description: The application as AMS shows it after the task.
  returned: success
  type: dict
  sample:
    id: c08fr0gj1qm443dtn870
    name: my-game
    status_code: 2
    status: ready
    versions:
      - number: 3
        published: true
        status_code: 3
        status: active
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import objects
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module


class AMSApplicationVersion(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                application=dict(type='str', required=True),
                version=dict(type='int', required=True),
                state=dict(type='str', choices=['published', 'unpublished', 'absent'], default='published'),
                force=dict(type='bool', default=False),
            ), wait=True),
            supports_check_mode=True,
        )

    @property
    def application(self):
        return self.module.params['application']

    @property
    def version(self):
        return self.module.params['version']

    def version_path(self):
        return objects.object_path('applications', self.application, self.version)

    def read(self):
        return objects.find(self.client, 'applications', self.application)

    def run(self):
        if self.version < 0:
            raise AMSConfigurationError('version must be 0 or more, got %d' % self.version)
        state = self.module.params['state']
        current = self.read()
        if current is None:
            if state == 'absent':
                self.set_diff({}, {})
                self.result['application'] = {}
                return
            raise AMSConfigurationError('application %s does not exist' % self.application)
        app = current.metadata
        entry = objects.find_version(app, self.version)
        if entry is None:
            if state == 'absent':
                self.set_diff({}, {})
                self.result['application'] = app
                return
            raise AMSConfigurationError('application %s has no version %d (its versions: %s)'
                                        % (self.application, self.version,
                                           ', '.join(str(number) for number in objects.version_numbers(app)) or 'none'))
        if state == 'absent':
            self._remove(entry)
        else:
            self._publish(entry, state == 'published')
        if self.result['changed'] and not self.check_mode:
            current = self.read()
        self.result['application'] = current.metadata if current is not None else {}

    def _publish(self, entry, published):
        before = {'version': self.version, 'published': bool(entry.get('published'))}
        self.set_diff(before, dict(before, published=published))
        if before['published'] == published:
            return
        self._mark_as_changed()
        if not self.check_mode:
            self.wait_for(self.client.patch(self.version_path(), body={'published': published}))

    def _remove(self, entry):
        self.set_diff({'version': self.version, 'published': bool(entry.get('published'))}, {})
        self._mark_as_changed()
        if self.check_mode:
            return
        force = self.module.params['force']
        self.remove_or_explain(self.version_path(), 'version %d of application %s' % (self.version, self.application),
                               force, body={'force': force})


def main():
    run_module(AMSApplicationVersion)


if __name__ == '__main__':
    main()
