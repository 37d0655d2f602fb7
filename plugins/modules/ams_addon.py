#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_addon
short_description: Upload, update and remove AMS addons
version_added: 0.1.0
description:
  - Uploads an addon to AMS, adds a new version when the package changed, removes an addon or one of its versions.
  - O(src) is a C(.tar.bz2) or C(.zip) archive, or a directory holding C(manifest.yaml) and a C(hooks/)
    directory. A directory is packed into a C(.tar.bz2) deterministically (sorted entries, fixed times,
    owner root, normalised modes that keep the executable bit of hooks), so the same directory always gives
    the same package and fingerprint.
  - A new version is uploaded only when the SHA-256 of the package differs from the fingerprint of the
    latest version AMS holds.
  - The package is checked before anything is sent, its kind by its first bytes, its C(manifest.yaml)
    parsed (it needs C(name), the same as O(name), and a C(description)), and it must hold at least one
    executable hook in C(hooks/).
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.wait
  - anbox.ams.attributes
  - anbox.ams.attributes.ACTIONGROUP_AMS
options:
  name:
    description:
      - Name of the addon; the C(name) in the package's C(manifest.yaml) must be the same.
    type: str
    required: true
  state:
    description:
      - V(present) uploads O(src) when needed. V(absent) removes the addon, or only version O(version) of it.
    type: str
    choices: [present, absent]
    default: present
  src:
    description:
      - Path on the managed host of the addon package, a C(.tar.bz2) or C(.zip) archive or a directory.
      - Required with O(state=present).
    type: path
  version:
    description:
      - With O(state=absent), remove only this version of the addon.
    type: int
  force:
    description:
      - With O(state=absent), first take the addon off every application that uses it (one update of each
        application's C(addons), which makes no new application version), then remove it.
      - Without it, an addon that applications use is not removed and the task fails naming them.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Upload the addon from its directory (packed deterministically)
  anbox.ams.ams_addon:
    name: ssh-keys
    src: "{{ playbook_dir }}/addons/ssh-keys"

- name: Upload a prebuilt addon archive
  anbox.ams.ams_addon:
    name: monitoring
    src: /srv/addons/monitoring.tar.bz2

- name: Remove an old version
  anbox.ams.ams_addon:
    name: ssh-keys
    version: 0
    state: absent

- name: Remove the addon, detaching it from the applications that use it
  anbox.ams.ams_addon:
    name: ssh-keys
    state: absent
    force: true
'''

RETURN = r'''
addon:
  description: The addon as AMS shows it after the task; empty when it does not exist.
  returned: success
  type: dict
  contains:
    name:
      description: Name of the addon.
      type: str
      sample: ssh-keys
    used_by:
      description: Names of the applications that use the addon.
      type: list
      elements: str
      sample: [my-game]
    versions:
      description: Every version of the addon, oldest first.
      type: list
      elements: dict
      contains:
        version:
          description: Version number.
          type: int
          sample: 0
        fingerprint:
          description: SHA-256 of the uploaded package; an upload is skipped when it matches the package's.
          type: str
          sample: 60d8af000f50527f83f30673586329717384d7243858fd6216a8eeb488802d4a
        size:
          description: Size of the package in bytes.
          type: int
          sample: 283
        created_at:
          description: When the version was made, in seconds since the epoch.
          type: int
          sample: 1611716542
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import objects, packages
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module


class AMSAddon(packages.VersionedPackageTask, AMSModule):

    collection = 'addons'
    what = 'addon'

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                name=dict(type='str', required=True),
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                src=dict(type='path'),
                version=dict(type='int'),
                force=dict(type='bool', default=False),
            ), wait=True),
            required_if=[('state', 'present', ('src',))],
            supports_check_mode=True,
        )

    def create_request(self):
        return {'name': self.name}

    def update_request(self, current):
        return {}

    def run(self):
        params = self.module.params
        if params['state'] == 'absent':
            if params['force'] and params['version'] is None:
                self._detach_from_applications()
            self.remove(params['version'], params['force'])
            return
        if params['version'] is not None:
            raise AMSConfigurationError('version is only used with state: absent (to remove one version of addon %s)'
                                        % self.name)
        package = self._package()
        try:
            current = self.read()
            before = packages.package_state(current.metadata if current else None)
            if self.needs_upload(current, package):
                self._mark_as_changed()
                self.set_diff(before, packages.state_after_upload(before, self.name, package.compute_fingerprint()))
                if not self.check_mode:
                    self.upload(package)
            else:
                self.set_diff(before, before)
            self.return_object(current.metadata if current else None)
        finally:
            package.discard()

    def _package(self):
        src = self.module.params['src']
        kind, manifest = packages.inspect(src, packages.ADDON_KINDS, 'manifest.yaml', 'addon', allow_directory=True)
        packages.require_archive_support(self.client, kind, src)
        packages.check_declared_name(manifest, src, 'addon', self.name)
        description = manifest.get('description')
        if not isinstance(description, str) or not description.strip():
            raise AMSConfigurationError('invalid addon package: manifest.yaml in %s needs a description (a non-empty '
                                        'string)' % src)
        problem = packages.hooks_problem(src, kind)
        if problem:
            raise AMSConfigurationError('invalid addon package: %s' % problem)
        package = packages.prepare(src, kind, manifest, self.module.tmpdir)
        package.compute_fingerprint()
        return package

    def _detach_from_applications(self):
        """Take the addon off every application that uses it, one If-Match PATCH each."""
        current = self.read()
        users = (current.metadata.get('used_by') or []) if current else []
        for user in users:
            self._mark_as_changed()
            if not self.check_mode:
                self.converge(lambda user=user: self._detach_from(user), 'application %s' % user)

    def _detach_from(self, application):
        found = objects.find(self.client, 'applications', application)
        if found is None:
            return
        addons = found.metadata.get('addons') or []
        if self.name not in addons:
            return
        self.wait_for(self.client.patch(objects.object_path('applications', application),
                                        body={'addons': [addon for addon in addons if addon != self.name]},
                                        etag=found.etag))


def main():
    run_module(AMSAddon)


if __name__ == '__main__':
    main()
