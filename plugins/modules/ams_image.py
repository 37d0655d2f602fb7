#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_image
short_description: Upload, update and remove AMS images
version_added: 0.1.0
description:
  - Uploads an image (a tarball holding C(metadata.yaml) and a root file system) to AMS, adds a new version
    when the tarball changed, makes an image the default one, removes an image or one of its versions.
  - A new version is uploaded only when the SHA-256 of O(src) differs from the fingerprint of the latest
    version AMS holds, so running the task again with the same file changes nothing. The file is hashed and
    uploaded as a stream; it is never held in memory.
  - O(src) is checked before anything is sent, its kind by its first bytes (whatever its name) and its
    C(metadata.yaml) parsed.
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
      - Name of the image.
    type: str
    required: true
  state:
    description:
      - V(present) uploads O(src) when needed and sets O(default).
      - V(absent) removes the image, or only version O(version) of it.
    type: str
    choices: [present, absent]
    default: present
  src:
    description:
      - Path of the image tarball on the managed host, compressed with gzip, bzip2 or xz, holding
        C(metadata.yaml) and the root file system.
      - Needed to create the image. Without it an existing image keeps its versions and only O(default) is managed.
    type: path
  default:
    description:
      - Whether AMS uses this image when an application or container names none. Only one image is the default.
      - Left as it is when not set (a new image is then not the default).
      - AMS can make an image the default but has no request that unsets a default image, so V(false) on the
        image that is the default fails (make another image the default instead); on any other image it
        changes nothing.
    type: bool
  version:
    description:
      - With O(state=absent), remove only this version of the image.
    type: int
  force:
    description:
      - With O(state=absent), remove the image even when applications use it.
    type: bool
    default: false
notes:
  - AMS keeps every version; remove old ones with O(state=absent) and O(version).
'''

EXAMPLES = r'''
- name: Upload the Android 13 image and make it the default
  anbox.ams.ams_image:
    name: jammy-android13-x86_64
    src: /srv/images/jammy-android13-x86_64.tar.xz
    default: true

- name: Remove version 0 of the image
  anbox.ams.ams_image:
    name: jammy-android13-x86_64
    version: 0
    state: absent

- name: Remove the image although applications are built on it
  anbox.ams.ams_image:
    name: jammy-android13-x86_64
    state: absent
    force: true
'''

RETURN = r'''
image:
  description: The image as AMS shows it after the task; empty when it does not exist.
  returned: success
  type: dict
  contains:
    id:
      description: Id of the image.
      type: str
      sample: btbfutoj1qm45810otr0
    name:
      description: Name of the image.
      type: str
      sample: jammy-android13-x86_64
    status:
      description: Status of the image, for people.
      type: str
      sample: active
    status_code:
      description: Status as a number (-1 error, 1 initializing, 2 created, 3 active, 4 deleted, 5 available, 6 queued).
      type: int
      sample: 3
    default:
      description: Whether AMS uses this image when an application or container names none.
      type: bool
      sample: true
    used_by:
      description: Names of the applications built on the image.
      type: list
      elements: str
      sample: [my-game]
    immutable:
      description: Whether the image comes from an image server and cannot be changed.
      type: bool
      sample: false
    architecture:
      description: CPU architecture of the image.
      type: str
      sample: x86_64
    versions:
      description: Every version of the image, oldest first.
      type: list
      elements: dict
      contains:
        version:
          description: Version number.
          type: int
          sample: 0
        fingerprint:
          description: SHA-256 of the uploaded tarball; an upload is skipped when it matches the package's.
          type: str
          sample: 0791cfc011f67c60b7bd0f852ddb686b79fa46083d9d43ef9845c9235c67b261
        size:
          description: Size of the tarball in bytes.
          type: int
          sample: 529887868
        created_at:
          description: When the version was made, in seconds since the epoch.
          type: int
          sample: 1610641117
        status_code:
          description: Status of the version as a number.
          type: int
          sample: 3
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import packages
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module


class AMSImage(packages.VersionedPackageTask, AMSModule):

    collection = 'images'
    what = 'image'

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                name=dict(type='str', required=True),
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                src=dict(type='path'),
                default=dict(type='bool'),
                version=dict(type='int'),
                force=dict(type='bool', default=False),
            ), wait=True),
            supports_check_mode=True,
        )

    def create_request(self):
        return {'name': self.name, 'default': bool(self.module.params['default'])}

    def update_request(self, current):
        # As AMS's Go client sends it (an empty ImagePatch): the upload leaves the default flag alone.
        return {'default': None, 'force_sync': False}

    def run(self):
        params = self.module.params
        if params['state'] == 'absent':
            self.remove(params['version'], params['force'], delete_body={'force': params['force']})
            return
        if params['version'] is not None:
            raise AMSConfigurationError('version is only used with state: absent (to remove one version of image %s)'
                                        % self.name)
        package = self._package()
        try:
            self._present(package)
        finally:
            if package is not None:
                package.discard()

    def _package(self):
        src = self.module.params['src']
        if src is None:
            return None
        kind, metadata = packages.inspect(src, packages.IMAGE_KINDS, 'metadata.yaml', 'image', allow_directory=False)
        package = packages.prepare(src, kind, metadata, self.module.tmpdir)
        package.compute_fingerprint()
        return package

    def _present(self, package):
        current = self.read()
        if current is None and package is None:
            raise AMSConfigurationError('image %s does not exist: give src (the image tarball) to create it' % self.name)
        before = packages.package_state(current.metadata if current else None)
        upload = self.needs_upload(current, package)
        wanted_default = self.module.params['default']
        now_default = bool(current.metadata.get('default')) if current else False
        if wanted_default is False and now_default:
            raise AMSConfigurationError('image %s is the default image, and AMS has no request that unsets a default '
                                        'image: make another image the default (default: true on it) instead'
                                        % self.name)
        # A new image gets its default flag with the upload; an existing one through a JSON PATCH.
        patch_default = current is not None and wanted_default is not None and wanted_default != now_default
        after = packages.state_after_upload(before, self.name, package.compute_fingerprint()) if upload else dict(before)
        if before or upload:
            before['default'] = now_default
            after['default'] = now_default if wanted_default is None else wanted_default
        self.set_diff(before if current else {}, after)
        if upload or patch_default:
            self._mark_as_changed()
        if upload and not self.check_mode:
            self.upload(package)
        if patch_default and not self.check_mode:
            self.converge(self._set_default, 'image %s' % self.name)
        self.return_object(current.metadata if current else None)

    def _set_default(self):
        current = self.read()
        if current is None or bool(current.metadata.get('default')) == self.module.params['default']:
            return
        self.wait_for(self.client.patch(self.path(), body={'default': self.module.params['default']},
                                        etag=current.etag))


def main():
    run_module(AMSImage)


if __name__ == '__main__':
    main()
