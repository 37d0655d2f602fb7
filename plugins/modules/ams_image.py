#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_image
short_description: Upload, import, publish, update and remove AMS images
version_added: 0.1.0
description:
  - Uploads an image (a tarball holding C(metadata.yaml) and a root file system) to AMS, adds a new version
    when the tarball changed, makes an image the default one, removes an image or one of its versions.
  - Or, with O(source), imports an image by name from the image server AMS is configured with, or publishes
    an instance as a new ("golden") image. Both are idempotent by name; an image that exists is left alone
    (only O(default) is managed on it).
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
  source:
    description:
      - Where a new image comes from.
      - V(upload) uploads O(src), and a new version of it whenever the file changed.
      - V(import) imports the image O(name) from the image server AMS is configured with. AMS announces no API
        extension for imports; an AMS that cannot import, or whose image server has no image of that name,
        refuses, and the task fails with AMS's message.
      - V(instance) publishes the instance O(instance) as the image O(name). Needs the API extension
        C(instance_publish); without it the task fails before sending anything.
      - With V(import) and V(instance) an existing image O(name) is left as it is, whatever it was made from.
    type: str
    choices: [upload, import, instance]
    default: upload
    version_added: 0.2.0
  src:
    description:
      - Path of the image tarball on the managed host, compressed with gzip, bzip2 or xz, holding
        C(metadata.yaml) and the root file system.
      - Needed to create the image with O(source=upload). Without it an existing image keeps its versions and
        only O(default) is managed.
      - Only used with O(source=upload).
    type: path
  instance:
    description:
      - Name or id of the instance to publish, with O(source=instance).
      - AMS publishes a stopped instance. A running one is refused before anything is sent, unless O(force=true),
        which has AMS stop it first.
    type: str
    version_added: 0.2.0
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
      - With O(source=instance), have AMS stop the instance first when it is running.
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

- name: Import the official image from the image server AMS is configured with
  anbox.ams.ams_image:
    name: jammy:android13:amd64
    source: import
    default: true

- name: Publish a prepared instance as a golden image, stopping it first
  anbox.ams.ams_image:
    name: golden-android13
    source: instance
    instance: golden-builder
    force: true

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

from ansible_collections.anbox.ams.plugins.module_utils import containers, instances, packages
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSConfigurationError,
    AMSError,
    AMSHTTPError,
    AMSOperationError,
)
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
                source=dict(type='str', choices=list(packages.IMAGE_SOURCES), default='upload'),
                instance=dict(type='str'),
            ), wait=True),
            required_if=[('source', 'instance', ['instance'])],
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
        if params['source'] != 'upload' or params['instance'] is not None:
            self._from_source(params['source'])
            return
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

    # -- source: import and source: instance --------------------------------------------------

    def _from_source(self, source):
        """Import or publish the image unless AMS has an image of that name; manage its default flag either way."""
        params = self.module.params
        if params['src'] is not None:
            raise AMSConfigurationError('src is only used with source: upload (image %s has source: %s)'
                                        % (self.name, source))
        if params['instance'] is not None and source != 'instance':
            raise AMSConfigurationError('instance is only used with source: instance (image %s has source: %s)'
                                        % (self.name, source))
        if source == 'instance':
            self.client.require_extension('instance_publish', 'publishing an instance as an image (source: instance)')
        current = self.read()
        if current is not None:
            self._present(None)
            return
        instance = self._publishable_instance() if source == 'instance' else None
        after = {'name': self.name, 'source': source, 'default': bool(params['default'])}
        if instance is not None:
            after['instance'] = instance.get('name') or instance.get('id')
        self.set_diff({}, after)
        self._mark_as_changed()
        if self.check_mode:
            self.result[self.what] = {}
            return
        if instance is None:
            body = packages.import_request(self.name, params['default'])
            what = 'AMS could not import image %s from its image server' % self.name
        else:
            body = packages.publish_request(self.name, params['default'], instance.get('id') or params['instance'],
                                            params['force'])
            what = 'AMS could not publish instance %s as image %s' % (params['instance'], self.name)
        self.converge(lambda: self._create_from_source(body, what), 'image %s' % self.name)
        self.return_object(None)
        problem = packages.failed_version(self.result[self.what]) if self.waits else None
        if problem:
            raise AMSError('%s: the new image is in error: %s' % (what, problem))

    def _publishable_instance(self):
        """The instance to publish; refuses a missing one, and a running one unless force is set."""
        reference = self.module.params['instance']
        instance = instances.find(self.client, reference)[0]
        if instance is None:
            raise AMSConfigurationError('instance %s does not exist, so it cannot be published as image %s'
                                        % (reference, self.name))
        if containers.code_of(instance) in RUNNING_CODES and not self.module.params['force']:
            raise AMSConfigurationError('instance %s is %s: AMS publishes a stopped instance; stop it first, or set '
                                        'force: true to have AMS stop it before publishing it as image %s'
                                        % (reference, instance.get('status') or 'running', self.name))
        return instance

    def _create_from_source(self, body, what):
        """One POST /1.0/images with a JSON body, unless a re-read finds the image there already."""
        if self.read() is not None:
            return
        try:
            self.wait_for(self.client.post('/1.0/' + self.collection, body=body))
        except AMSOperationError as exc:
            reason = exc.operation.err if exc.operation is not None and exc.operation.err else exc.message
            raise AMSOperationError('%s: %s' % (what, reason), operation=exc.operation,
                                    status_code=exc.status_code, error_code=exc.error_code)
        except AMSHTTPError as exc:
            if exc.status_code == 412:
                raise
            raise AMSError('%s: %s' % (what, exc.ams_error or exc.message), status_code=exc.status_code,
                           error_code=exc.error_code)


# Statuses of an instance that is up (started, running): publishing it needs force.
RUNNING_CODES = (containers.CODES['started'], containers.CODES['running'])


def main():
    run_module(AMSImage)


if __name__ == '__main__':
    main()
