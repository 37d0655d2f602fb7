#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_instance
short_description: Manage a named AMS instance (container or virtual machine) and its status
version_added: 0.2.0
description:
  - Launches, starts, stops, restarts, protects and removes one named instance of the Anbox Management Service,
    found by O(name) (or by O(id)).
  - Needs an AMS that announces the API extension C(instance_support) (and C(vm_support) for O(type=vm)); on an
    older AMS the task fails before it sends anything. Keep unnamed containers of older servers with
    M(anbox.ams.ams_container).
  - Launch fields (the source, O(type), O(tags), O(node), O(services), O(resources), O(config)) cannot change
    on an existing instance. When the task sets one that differs from the instance, the task fails naming
    each field and both values, unless O(recreate=true). Fields the task leaves out are not compared, nor are
    O(addons) and O(user_data), which AMS does not report back.
  - O(delete_protected) and the running or stopped status are changed in place, with one request that carries
    the ETag of the instance as read (the instance is read again and the change worked out again when AMS
    reports a concurrent change).
  - A launch whose answer was lost (the connection broke) is never sent again as it was; the instance is read
    again by name first.
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
      - Name of the instance, unique in AMS. Letters, digits and hyphens, starting with a letter, at most
        63 characters. Required unless O(id) is given.
    type: str
  id:
    description:
      - Id of an existing instance, instead of O(name). An instance cannot be launched by id.
    type: str
  state:
    description:
      - V(started) - the instance exists and runs (a new one is launched and started).
      - V(stopped) - the instance exists and is stopped (a new one is launched without being started).
      - V(present) - the instance exists; a new one is launched without being started, an existing one keeps
        its status.
      - V(restarted) - the instance is stopped, then started again; always a change.
      - V(absent) - the instance does not exist.
    type: str
    choices: [started, stopped, present, restarted, absent]
    default: started
  application:
    description: Name or id of the application to launch the instance from.
    type: str
  application_version:
    description: Version of O(application) to launch; the latest published one when not set.
    type: int
  image:
    description: Name or id of the image to launch the instance from, instead of an application.
    type: str
  image_version:
    description: Version of O(image) to launch; the latest when not set.
    type: int
  type:
    description: V(container), or V(vm) for a virtual machine (needs the API extension C(vm_support)).
    type: str
    choices: [container, vm]
  tags:
    description: Tags given to the instance at launch.
    type: list
    elements: str
  addons:
    description: Addons enabled in the instance at launch.
    type: list
    elements: str
  node:
    description: Launch the instance on this node; AMS picks one when not set.
    type: str
  user_data:
    description: Data handed to the instance at boot.
    type: str
  services:
    description: Network services the instance exposes, as for M(anbox.ams.ams_container).
    type: list
    elements: dict
    suboptions:
      name:
        description: What the service is, such as V(ssh).
        type: str
      port:
        description: Port inside the instance.
        type: int
        required: true
      port_end:
        description: Last port of a range starting at O(services[].port).
        type: int
      protocols:
        description: V(tcp) and/or V(udp).
        type: list
        elements: str
        default: [tcp]
      expose:
        description: Expose the service on the node's public address.
        type: bool
        default: false
  resources:
    description: Resources of the instance; AMS takes the instance type's defaults for those not given.
    type: dict
    suboptions:
      cpus:
        description: CPU cores.
        type: int
      memory:
        description: Memory, as a number of bytes or a size such as V(4GB) or V(4GiB).
        type: raw
      disk_size:
        description: Disk size, as a number of bytes or a size such as V(8GB).
        type: raw
      gpu_slots:
        description: GPU slots.
        type: int
      gpu_type:
        description: Type of GPU to give the instance.
        type: str
        choices: [amd, intel, nvidia]
      vpu_slots:
        description: VPU slots.
        type: int
  config:
    description: Configuration of the instance's Android system.
    type: dict
    suboptions:
      platform:
        description: Anbox platform, such as V(webrtc) or V(null).
        type: str
      boot_package:
        description: Android package started at boot.
        type: str
      boot_activity:
        description: Android activity started at boot.
        type: str
      metrics_server:
        description: Metrics server the instance sends to, as V(HOST:PORT).
        type: str
      disable_watchdog:
        description: Turn off the watchdog.
        type: bool
      devmode:
        description: Turn on development mode.
        type: bool
      enable_streaming:
        description: Turn on streaming.
        type: bool
      features:
        description: Feature flags, comma separated.
        type: str
      display:
        description: The virtual display.
        type: dict
        suboptions:
          width:
            description: Width in pixels.
            type: int
          height:
            description: Height in pixels.
            type: int
          fps:
            description: Frames per second.
            type: int
          density:
            description: Pixel density.
            type: int
  delete_protected:
    description:
      - Protect the instance from deletion. Changed in place on an existing instance.
      - O(state=absent) on a protected instance fails, unless the same task sets V(false), which lifts the
        protection first.
    type: bool
  recreate:
    description:
      - When launch fields of the task differ from the existing instance, remove it and launch it again under
        the same name. The task fails instead when V(false).
    type: bool
    default: false
  force:
    description: Force the removal with O(state=absent) or O(recreate=true).
    type: bool
    default: false
notes:
  - AMS names instances it launches without a name C(ams-<id>); this module always gives a name.
seealso:
  - module: anbox.ams.ams_instance_info
  - module: anbox.ams.ams_container
'''

EXAMPLES = r'''
- name: A running instance of my-game, tagged canary
  anbox.ams.ams_instance:
    name: game-canary-1
    application: my-game
    tags: [canary]
    resources:
      cpus: 2
      memory: 4GB
    config:
      display: {width: 1280, height: 720, fps: 30, density: 240}

- name: Keep it, stopped, and protected from deletion
  anbox.ams.ams_instance:
    name: game-canary-1
    state: stopped
    delete_protected: true

- name: Launch it again with another tag set
  anbox.ams.ams_instance:
    name: game-canary-1
    application: my-game
    tags: [canary, eu]
    recreate: true
    delete_protected: false

- name: Remove it
  anbox.ams.ams_instance:
    name: game-canary-1
    state: absent
'''

RETURN = r'''
instance:
  description: The instance as AMS reports it after the task; V({}) when it does not exist.
  returned: always
  type: dict
  sample:
    id: cilsreunfpfec9b1ktg0
    name: game-canary-1
    type: container
    status: running
    status_code: 4
    node: lxd0
    app_name: my-game
    app_version: 0
    tags: [canary]
    config: {security: {delete_protected: false}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import containers, instances, objects
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import (
    AMSModule,
    build_argument_spec,
    run_module,
)

SERVICE_SPEC = dict(
    name=dict(type='str'),
    port=dict(type='int', required=True),
    port_end=dict(type='int'),
    protocols=dict(type='list', elements='str', default=['tcp']),
    expose=dict(type='bool', default=False),
)

RESOURCE_SPEC = dict(
    cpus=dict(type='int'),
    memory=dict(type='raw'),
    disk_size=dict(type='raw'),
    gpu_slots=dict(type='int'),
    gpu_type=dict(type='str', choices=['amd', 'intel', 'nvidia']),
    vpu_slots=dict(type='int'),
)

CONFIG_SPEC = dict(
    platform=dict(type='str'),
    boot_package=dict(type='str'),
    boot_activity=dict(type='str'),
    metrics_server=dict(type='str'),
    disable_watchdog=dict(type='bool'),
    devmode=dict(type='bool'),
    enable_streaming=dict(type='bool'),
    features=dict(type='str'),
    display=dict(type='dict', options=dict(width=dict(type='int'), height=dict(type='int'),
                                           fps=dict(type='int'), density=dict(type='int'))),
)

RUNNING = (containers.RUNNING,)
# An instance launched without being started rests as created (or stopped, as AMS reports it).
AT_REST = (containers.CODES['stopped'], containers.CODES['created'])
STARTING = (containers.CODES['prepared'], containers.CODES['started'])


class AMSInstance(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                name=dict(type='str'),
                id=dict(type='str'),
                state=dict(type='str', default='started',
                           choices=['started', 'stopped', 'present', 'restarted', 'absent']),
                application=dict(type='str'),
                application_version=dict(type='int'),
                image=dict(type='str'),
                image_version=dict(type='int'),
                type=dict(type='str', choices=['container', 'vm']),
                tags=dict(type='list', elements='str'),
                addons=dict(type='list', elements='str'),
                node=dict(type='str'),
                user_data=dict(type='str'),
                services=dict(type='list', elements='dict', options=SERVICE_SPEC),
                resources=dict(type='dict', options=RESOURCE_SPEC),
                config=dict(type='dict', options=CONFIG_SPEC),
                delete_protected=dict(type='bool'),
                recreate=dict(type='bool', default=False),
                force=dict(type='bool', default=False),
            ), wait=True),
            required_one_of=[('name', 'id')],
            mutually_exclusive=[('name', 'id'), ('application', 'image')],
            required_by={'application_version': 'application', 'image_version': 'image'},
            supports_check_mode=True,
        )

    def run(self):
        params = self.module.params
        self.reference = params['name'] or params['id']
        try:
            self.wanted = instances.check_options(params)
        except instances.InstanceOptionError as exc:
            raise AMSConfigurationError(str(exc))
        self.client.require_extension('instance_support', 'instances')
        if params['type'] == 'vm':
            self.client.require_extension('vm_support', 'virtual machine instances (type: vm)')
        self.result['instance'] = {}
        if params['state'] == 'absent':
            self.converge(self._absent, 'instance %s' % self.reference)
            return
        self.app, self.image = self._sources()
        self.launched = False
        self.converge(self._present, 'instance %s' % self.reference)
        if params['state'] == 'restarted' and not self.check_mode and not self.launched:
            self._restart()

    # -- reading ------------------------------------------------------------------------

    def _sources(self):
        """The application and image objects the task names; unknown names fail before anything is sent."""
        params = self.module.params
        found = []
        for option, collection in (('application', 'applications'), ('image', 'images')):
            if params[option] is None:
                found.append(None)
                continue
            answer = objects.find(self.client, collection, params[option])
            if answer is None:
                raise AMSConfigurationError('%s %s does not exist in AMS' % (option, params[option]))
            found.append(answer.metadata or {})
        return found[0], found[1]

    def _wait_for(self, codes):
        return instances.wait_for_status(self.client, self.reference, codes, self.deadline)

    def _settle(self, instance):
        """An instance that is still starting, waited for until it runs, stops or fails."""
        if containers.code_of(instance) in STARTING and self.waits:
            return self._wait_for(RUNNING + AT_REST)
        return instance

    # -- present ------------------------------------------------------------------------

    def _present(self):
        params = self.module.params
        instance, etag = instances.find(self.client, self.reference)
        if instance is None:
            self._launch()
            return
        differences = instances.launch_differences(instance, params, self.wanted, self.app, self.image)
        if differences and not params['recreate']:
            raise AMSConfigurationError(
                'instance %s was launched with other settings than the task has, and launch settings cannot '
                'change: %s. Set recreate: true to remove it and launch it again' % (
                    self.reference, instances.describe_differences(differences)))
        if differences:
            self._remove(instance, etag, unprotect=params['delete_protected'] is False)
            self._launch(before=instance)
            return
        if not self.check_mode:
            instance = self._settle(instance)
        self._update(instance, etag)

    def _wanted_status(self, instance):
        """'running', 'stopped' or None (the status stays as it is)."""
        state = self.module.params['state']
        code = containers.code_of(instance)
        if state == 'started' and code not in RUNNING:
            return 'running'
        if state == 'stopped' and code not in AT_REST:
            return 'stopped'
        return None

    def _update(self, instance, etag):
        params = self.module.params
        patch = {}
        protected = instances.delete_protected(instance)
        if params['delete_protected'] is not None and params['delete_protected'] != protected:
            patch['config'] = {'security': {'delete_protected': params['delete_protected']}}
        desired = self._wanted_status(instance)
        if desired:
            patch['desired_status'] = desired
        after = instances.view(instance)
        if 'config' in patch:
            after['delete_protected'] = params['delete_protected']
        if desired:
            after['status'] = desired
        if params['state'] == 'restarted':
            after['status'] = 'running'
        self.set_diff(instances.view(instance), after)
        self.result['instance'] = instance
        if params['state'] == 'restarted':
            self._mark_as_changed()
        if not patch:
            return
        self._mark_as_changed()
        if self.check_mode:
            return
        self.wait_for(self.client.patch(instances.instance_path(self.reference), body=patch, etag=etag))
        if desired and self.waits:
            instance = self._wait_for(RUNNING if desired == 'running' else AT_REST)
        else:
            instance = instances.find(self.client, self.reference)[0] or {}
        self.result['instance'] = instance

    def _restart(self):
        """Stop (when running) and start again, waiting for each step."""
        instance, etag = instances.find(self.client, self.reference)
        if instance is None:
            return
        if containers.code_of(instance) in RUNNING:
            self.wait_for(self.client.patch(instances.instance_path(self.reference),
                                            body={'desired_status': 'stopped'}, etag=etag))
            self._wait_for(AT_REST)
            etag = instances.find(self.client, self.reference)[1]
        self.wait_for(self.client.patch(instances.instance_path(self.reference),
                                        body={'desired_status': 'running'}, etag=etag))
        self.result['instance'] = (self._wait_for(RUNNING) if self.waits
                                   else instances.find(self.client, self.reference)[0] or {})

    def _launch(self, before=None):
        params = self.module.params
        if params['name'] is None:
            raise AMSConfigurationError('AMS has no instance with the id %s; an instance is launched by name'
                                        % params['id'])
        if self.app is None and self.image is None:
            raise AMSConfigurationError('instance %s does not exist: give application or image to launch it'
                                        % params['name'])
        start = params['state'] in ('started', 'restarted')
        body = instances.launch_body(params, self.wanted, app_id=(self.app or {}).get('id'),
                                     image_id=(self.image or {}).get('id'), start=start)
        after = {'name': params['name'], 'status': 'running' if start else 'stopped',
                 'delete_protected': bool(params['delete_protected'])}
        for key in ('type', 'node', 'tags'):
            if params[key] is not None:
                after[key] = params[key]
        self.set_diff(instances.view(before), after)
        self._mark_as_changed()
        if self.check_mode:
            self.result['instance'] = {}
            return
        self.wait_for(self.client.post('/1.0/instances', body=body))
        self.launched = True
        if self.waits:
            self.result['instance'] = self._wait_for(RUNNING if start else AT_REST)
        else:
            self.result['instance'] = instances.find(self.client, self.reference)[0] or {}

    # -- absent -------------------------------------------------------------------------

    def _absent(self):
        instance, etag = instances.find(self.client, self.reference)
        self.result['instance'] = {}
        if instance is None:
            return
        self.set_diff(instances.view(instance), {})
        self._remove(instance, etag, unprotect=self.module.params['delete_protected'] is False)

    def _remove(self, instance, etag, unprotect):
        """Delete ``instance``; a protected one only when the task lifts the protection."""
        if instances.delete_protected(instance) and not unprotect:
            raise AMSConfigurationError('instance %s is protected from deletion: set delete_protected: false '
                                        '(in this task or before it) to remove it' % self.reference)
        self._mark_as_changed()
        if self.check_mode:
            return
        path = instances.instance_path(instance.get('id') or self.reference)
        if instances.delete_protected(instance):
            self.wait_for(self.client.patch(path, body={'config': {'security': {'delete_protected': False}}},
                                            etag=etag))
        force = self.module.params['force']
        self.remove_or_explain(path, 'instance %s' % self.reference, force, body={'force': force})


def main():
    run_module(AMSInstance)


if __name__ == '__main__':
    main()
