#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_application
short_description: Create, update, publish and remove AMS applications
version_added: 0.1.0
description:
  - Creates an application from a package, uploads a new version when the package's manifest changed,
    updates the fields AMS changes in place, publishes the latest version and removes applications.
  - O(src) is a C(.tar.bz2) or C(.zip) package, or a directory holding C(manifest.yaml) (and usually
    C(app.apk)), which is packed into a C(.tar.bz2) deterministically.
  - A new version is uploaded only when the package's C(manifest.yaml) differs from the manifest AMS reports
    for the latest version. Documents are compared parsed, not as text; a key counts only when the package sets
    it, as AMS fills in defaults (C(video-encoder), C(watchdog), C(abi), ...). Set a key to an empty value
    (V(""), V([]), V({})) to clear it. To roll out a new APK with an otherwise unchanged manifest, bump its
    C(version).
  - When only C(boot-activity), C(video-encoder), C(watchdog), C(services) or C(required-permissions) differ
    and AMS has the API extension C(application_partial_updates), the new version is made from those fields
    (a JSON update) instead of an upload of the package; any other differing key uploads the package.
  - O(instance_type), O(image), O(tags), O(addons), O(resources) and O(inhibit_auto_updates) are compared with
    the application as AMS shows it and changed in place (no new version) in one update that carries the ETag
    of the read it was computed from; after a concurrent change the application is read again and the update
    recomputed. When the task sets one of them, the package manifest's value for that key is not compared.
  - The package, its manifest and the images and addons it names are checked before anything is sent.
  - With O(wait=true) the task returns when the application is ready, or fails with the error AMS reports
    when its bootstrap failed.
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
      - Name of the application; the C(name) in the package's C(manifest.yaml) must be the same.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the application, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  src:
    description:
      - Path on the managed host of the application package, a C(.tar.bz2) or C(.zip) archive or a directory
        holding C(manifest.yaml).
      - Needed to create the application; without it an existing application keeps its versions and only the
        fields below are managed.
    type: path
  instance_type:
    description:
      - Instance type of the application's containers.
    type: str
    choices: [a2.3, a4.3, a6.3, a8.3, a10.3, g2.3, g4.3, g6.3, g8.3, g10.3]
  image:
    description:
      - Name or id of the image the application is built on. It must exist in AMS.
    type: str
  tags:
    description:
      - Tags of the application; the list replaces the tags it has. V([]) removes all tags.
    type: list
    elements: str
  addons:
    description:
      - Names of the addons the application uses; the list replaces the addons it has. They must exist in AMS.
    type: list
    elements: str
  resources:
    description:
      - Resources of the application's containers, as AMS names them (C(cpus), C(memory), C(disk-size),
        C(gpu-slots), ...; C(disk_size) and C(gpu_slots) are accepted too). Keys not given are left as they are.
    type: dict
  inhibit_auto_updates:
    description:
      - Stop AMS from making new versions of the application by itself when its image gets a new version.
    type: bool
  publish:
    description:
      - V(true) makes the latest version published, V(false) unpublished. Left to AMS
        (C(application.auto_publish)) when not set.
    type: bool
  force:
    description:
      - With O(state=absent), remove the application even when containers use it.
    type: bool
    default: false
notes:
  - An upload starts a bootstrap of the application in AMS; its time counts against O(wait_timeout).
'''

EXAMPLES = r'''
- name: Create or update an application from its package directory, wait until ready and publish it
  anbox.ams.ams_application:
    name: my-game
    src: "{{ playbook_dir }}/apps/my-game"
    publish: true

- name: Change fields in place (no new version)
  anbox.ams.ams_application:
    name: my-game
    instance_type: a4.3
    tags: [game, beta]
    resources:
      cpus: 4
      memory: 4GB

- name: Remove the application with its containers
  anbox.ams.ams_application:
    name: my-game
    state: absent
    force: true
'''

RETURN = r'''
application:
  description: The application as AMS shows it after the task; empty when it does not exist.
  returned: success
  type: dict
  contains:
    id:
      description: Id of the application.
      type: str
      sample: c08fr0gj1qm443dtn870
    name:
      description: Name of the application.
      type: str
      sample: my-game
    status:
      description: Status of the application, for people (V(initializing), V(ready), V(error), ...).
      type: str
      sample: ready
    status_code:
      description: Status as a number (-1 error, 0 unknown, 1 initializing, 2 ready, 3 deleted); code against it.
      type: int
      sample: 2
    instance_type:
      description: Instance type of the application's containers.
      type: str
      sample: a4.3
    parent_image_id:
      description: Id of the image the application is built on.
      type: str
      sample: btavtegj1qm58qg7ru50
    published:
      description: Whether a version of the application is published.
      type: bool
      sample: true
    versions:
      description: Every stored version, oldest first.
      type: list
      elements: dict
      contains:
        number:
          description: Version number.
          type: int
          sample: 0
        manifest_version:
          description: The C(version) of the package's manifest.
          type: str
          sample: "1.2"
        status:
          description: Status of the version (V(initializing), V(active), V(error), ...).
          type: str
          sample: active
        status_code:
          description: Status as a number (-1 error, 1 initializing, 2 created, 3 active, 4 deleted, ...).
          type: int
          sample: 3
        published:
          description: Whether this version is published.
          type: bool
          sample: true
        addons:
          description: Addons of this version, each with its C(name) and C(version).
          type: list
          elements: dict
          sample: [{name: tools, version: 0}]
        error_message:
          description: Why the version's bootstrap failed; empty otherwise.
          type: str
          sample: ""
    addons:
      description: Names of the addons the application uses.
      type: list
      elements: str
      sample: [tools]
    tags:
      description: Tags of the application.
      type: list
      elements: str
      sample: [game]
    resources:
      description:
        - Resources of the application's containers, keyed as AMS names them (C(cpus), C(memory), C(disk-size),
          C(gpu-slots), C(vpu-slots)); C(gpu-slots) V(-1) means not set.
      type: dict
      sample: {cpus: 4, gpu-slots: -1}
    inhibit_auto_updates:
      description: Whether AMS makes no new versions by itself when the image changes.
      type: bool
      sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import applications, objects, packages
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module


class AMSApplication(AMSModule):

    needs = ('yaml',)

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                name=dict(type='str', required=True),
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                src=dict(type='path'),
                instance_type=dict(type='str', choices=list(applications.INSTANCE_TYPES)),
                image=dict(type='str'),
                tags=dict(type='list', elements='str'),
                addons=dict(type='list', elements='str'),
                resources=dict(type='dict'),
                inhibit_auto_updates=dict(type='bool'),
                publish=dict(type='bool'),
                force=dict(type='bool', default=False),
            ), wait=True),
            supports_check_mode=True,
        )

    @property
    def name(self):
        return self.module.params['name']

    @property
    def path(self):
        return objects.object_path('applications', self.name)

    def field_options(self):
        return dict((option, self.module.params[option]) for option in applications.FIELDS)

    def run(self):
        problem = applications.name_problem(self.name, 'name')
        if problem:
            raise AMSConfigurationError(problem)
        if self.module.params['state'] == 'absent':
            self._absent()
            return
        self._check_resources()
        manifest, kind = self._inspect_package()
        packages.require_archive_support(self.client, kind, self.module.params['src'])
        image = self._check_references(manifest)
        package = None
        if manifest is not None:
            package = packages.prepare(self.module.params['src'], kind, manifest, self.module.tmpdir)
        try:
            current = self.read()
            if current is None:
                self._create(package)
            else:
                self._update(current, package, image)
        finally:
            if package is not None:
                package.discard()

    # -- checks before anything is sent ------------------------------------------

    def _check_resources(self):
        try:
            applications.normalise_resources(self.module.params['resources'])
        except applications.ResourceError as exc:
            raise AMSConfigurationError(str(exc))

    def _inspect_package(self):
        src = self.module.params['src']
        if src is None:
            return None, None
        kind, manifest = packages.inspect(src, packages.APPLICATION_KINDS, 'manifest.yaml', 'application',
                                          allow_directory=True)
        packages.check_declared_name(manifest, src, 'application', self.name)
        problem = applications.instance_type_problem(manifest.get('instance-type'),
                                                     'instance-type in manifest.yaml of %s:' % src)
        if problem:
            raise AMSConfigurationError('invalid application package: ' + problem)
        return manifest, kind

    def _check_references(self, manifest):
        """Fail unless every image and addon named by the package or the options exists; return the option's image."""
        images = []
        addons = list(self.module.params['addons'] or [])
        if manifest is not None:
            if manifest.get('image'):
                images.append(('manifest.yaml', str(manifest['image'])))
            addons += [str(addon) for addon in manifest.get('addons') or []]
        option_image = None
        if self.module.params['image'] is not None:
            option_image = objects.find(self.client, 'images', self.module.params['image'])
            if option_image is None:
                raise AMSConfigurationError('image %s (option image) does not exist in AMS' % self.module.params['image'])
        for where, image in images:
            if objects.find(self.client, 'images', image) is None:
                raise AMSConfigurationError('image %s named by %s does not exist in AMS: upload it first (ams_image)'
                                            % (image, where))
        unknown = objects.missing(self.client, 'addons', sorted(set(addons)))
        if unknown:
            raise AMSConfigurationError('addon(s) %s named by the task or its manifest.yaml do not exist in AMS: '
                                        'upload them first (ams_addon)' % ', '.join(unknown))
        return option_image.metadata if option_image is not None else None

    # -- reading -----------------------------------------------------------------

    def read(self):
        return objects.find(self.client, 'applications', self.name)

    def _ams_manifest(self):
        self.client.require_extension('application_manifest_download',
                                      'comparing the manifest of application %s with a package' % self.name)
        text = self.client.get_text(self.path + '/manifest')
        try:
            return packages.parse_yaml_mapping(text, 'the manifest AMS reports for application %s' % self.name)
        except packages.ManifestError as exc:
            raise AMSConfigurationError(str(exc))

    def _manifest_changes(self, package):
        """Manifest keys whose package value differs from AMS's manifest of the latest version."""
        if package is None:
            return [], {}
        ams_manifest = self._ams_manifest()
        overridden = applications.manifest_keys_overridden(self.field_options())
        keys = applications.differing_keys(package.manifest, ams_manifest, ignore=overridden | set(['image']))
        if 'image' not in overridden and self._image_differs(package.manifest, ams_manifest):
            keys.append('image')
        return sorted(keys), ams_manifest

    def _image_differs(self, package_manifest, ams_manifest):
        """AMS renders the image by name; the package may name it by id."""
        wanted = package_manifest.get('image')
        if not wanted:
            return False
        actual = ams_manifest.get('image')
        if str(wanted) == str(actual):
            return False
        image = objects.find(self.client, 'images', str(wanted))
        return image is None or str(actual) not in (image.metadata.get('id'), image.metadata.get('name'))

    # -- waiting -----------------------------------------------------------------

    def _wait_ready(self, answer, min_version=None):
        """Wait for the operation, then for the application to be ready, under the task's one deadline."""
        if not self.waits:
            return
        self.wait_for(answer)
        applications.wait_until_ready(self.client, self.name, self.deadline, min_version)

    # -- create ------------------------------------------------------------------

    def _check_publish_can_wait(self):
        """AMS publishes only versions whose bootstrap finished, which only a waiting task sees."""
        if self.module.params['publish'] and not self.module.params['wait']:
            raise AMSConfigurationError('publish: true needs wait: true when the task uploads a package: AMS '
                                        'publishes a version only once its bootstrap finished')

    def _create(self, package):
        if package is None:
            raise AMSConfigurationError('application %s does not exist: give src (its package) to create it' % self.name)
        self._check_publish_can_wait()
        after = {'name': self.name, 'manifest': package.manifest, 'latest_version': 0}
        wanted_fields = dict((option, value) for option, value in self.field_options().items() if value is not None)
        after.update(wanted_fields)
        if self.module.params['publish'] is not None:
            after['published'] = self.module.params['publish']
        self.set_diff({}, after)
        self._mark_as_changed()
        if self.check_mode:
            self.result['application'] = {}
            return
        self.converge(lambda: self._upload_step(package, create=True), 'application %s' % self.name)
        self._apply_fields()
        self._apply_publish()
        self._return_application()

    def _upload_step(self, package, create):
        current = self.read()
        if create and current is not None:
            # An earlier attempt whose answer was lost created it after all.
            self._wait_ready(None, min_version=0)
            return
        if create:
            answer = self.client.upload('POST', '/1.0/applications', package.path,
                                        fingerprint=package.compute_fingerprint(), budget=self.deadline)
            self._wait_ready(answer, min_version=0)
            return
        keys, _ams_manifest = self._manifest_changes(package)
        if not keys:
            return
        latest = objects.latest_version(current.metadata)
        fields = None
        if self.client.has_extension('application_partial_updates'):
            fields = applications.partial_update(package.manifest, keys)
        if fields is not None:
            answer = self.client.patch(self.path, body=fields, etag=current.etag)
        else:
            answer = self.client.upload('PATCH', self.path, package.path, fingerprint=package.compute_fingerprint(),
                                        etag=current.etag, budget=self.deadline)
        self._wait_ready(answer, min_version=objects.version_number(latest) + 1 if latest else 0)

    # -- update ------------------------------------------------------------------

    def _update(self, current, package, image):
        app = current.metadata
        keys, ams_manifest = self._manifest_changes(package)
        body, fields_before, fields_after = applications.changes(
            app, self.field_options(), image_id=image.get('id') if image else None)
        latest = objects.latest_version(app) or {}
        latest_number = objects.version_number(latest) if latest else -1
        before = dict(fields_before, latest_version=latest_number)
        after = dict(fields_after, latest_version=latest_number + 1 if keys else latest_number)
        if keys:
            self._check_publish_can_wait()
            before['manifest'] = dict((key, ams_manifest.get(key)) for key in keys)
            after['manifest'] = dict((key, package.manifest.get(key)) for key in keys)
        publish = self.module.params['publish']
        publish_change = publish is not None and (bool(keys) or bool(latest.get('published')) != publish)
        if publish_change:
            before['published'] = bool(latest.get('published')) and not keys
            after['published'] = publish
        self.set_diff(before, after)
        if keys or body or publish_change:
            self._mark_as_changed()
        if self.check_mode:
            self.result['application'] = app
            return
        if keys:
            self.converge(lambda: self._upload_step(package, create=False), 'application %s' % self.name)
        if body:
            self._apply_fields()
        if publish_change:
            self._apply_publish()
        self._return_application()

    def _apply_fields(self):
        """One JSON PATCH of the in-place fields, with If-Match; recomputed from a fresh read after 412."""
        image_option = self.module.params['image']
        image = objects.find(self.client, 'images', image_option) if image_option is not None else None
        image_id = image.metadata.get('id') if image is not None else None

        def step():
            current = self.read()
            if current is None:
                return
            body, _before, _after = applications.changes(current.metadata, self.field_options(), image_id)
            if not body:
                return
            answer = self.client.patch(self.path, body=body, etag=current.etag)
            self._wait_ready(answer)
        self.converge(step, 'application %s' % self.name)

    def _apply_publish(self):
        publish = self.module.params['publish']
        if publish is None:
            return

        def step():
            current = self.read()
            latest = objects.latest_version(current.metadata if current else None)
            if latest is None or bool(latest.get('published')) == publish:
                return
            number = objects.version_number(latest)
            self.wait_for(self.client.patch(objects.object_path('applications', self.name, number),
                                            body={'published': publish}))
        self.converge(step, 'application %s' % self.name)

    def _return_application(self):
        current = self.read()
        self.result['application'] = current.metadata if current is not None else {}

    # -- absent ------------------------------------------------------------------

    def _absent(self):
        current = self.read()
        if current is None:
            self.set_diff({}, {})
            self.result['application'] = {}
            return
        app = current.metadata
        self.set_diff({'name': app.get('name'), 'id': app.get('id'), 'versions': objects.version_numbers(app)}, {})
        self._mark_as_changed()
        self.result['application'] = {}
        if self.check_mode:
            return
        force = self.module.params['force']
        self.remove_or_explain(self.path, 'application %s' % self.name, force, body={'force': force},
                               hint='set force: true to remove it with its containers')


def main():
    run_module(AMSApplication)


if __name__ == '__main__':
    main()
