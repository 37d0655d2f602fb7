#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_container
short_description: Keep a number of AMS containers of an application or image running
version_added: 0.1.0
description:
  - Containers in the Anbox Management Service have no names, so this module works by count. A selector,
    O(application) (optionally with O(application_version)) or O(image) (optionally with O(image_version)),
    optionally narrowed to one O(node), picks a set of containers, and O(count) says how many of them
    should exist.
  - Missing containers are launched together, up to O(max_parallel) requests in flight at once, and then
    waited for together. Surplus containers are removed the same way, those in error first, then the newest.
  - Only regular containers count. The C(base) containers AMS makes while it bootstraps an application are
    never counted or removed, and containers launched from an application never count for an O(image)
    selector.
  - With O(state=absent), O(id) removes one container, and a selector removes every container it matches.
  - Launch options (O(user_data), O(services), O(disk_size), O(cpu), O(memory), O(gpu_slots), O(config))
    apply to containers the task launches; containers that already exist are not changed.
  - A launch request whose answer was lost (the connection broke) is never sent again as it was. The module
    lists the containers again and launches only what is still missing.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.wait
  - anbox.ams.attributes
  - anbox.ams.attributes.ACTIONGROUP_AMS
options:
  state:
    description:
      - V(present) makes O(count) containers match the selector; V(absent) removes containers.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - Id of one container to remove with O(state=absent).
    type: str
  application:
    description: Name or id of the application whose containers are counted and launched.
    type: str
  application_version:
    description: Only count, and launch, this version of O(application).
    type: int
  image:
    description: Name or id of the image whose containers are counted and launched.
    type: str
  image_version:
    description: Only count, and launch, this version of O(image).
    type: int
  instance_type:
    description:
      - Instance type of containers launched from O(image), such as V(a4.3). Required with O(image) and
        O(state=present).
    type: str
  count:
    description:
      - How many containers should match the selector. Required with O(state=present).
    type: int
  node:
    description: Only count containers on this node, and launch new ones there.
    type: str
  user_data:
    description: Data handed to new containers when they boot.
    type: str
  services:
    description: Services new containers provide.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the service.
        type: str
      port:
        description: Port the service listens on.
        type: int
        required: true
      port_end:
        description: Last port of a range starting at O(services[].port).
        type: int
      protocols:
        description: Protocols of the service.
        type: list
        elements: str
        default: [tcp]
      expose:
        description: Expose the service on the node's public address.
        type: bool
        default: false
  disk_size:
    description: Disk size of new containers, in bytes or with a unit such as V(5GB).
    type: raw
  cpu:
    description: CPU cores of new containers.
    type: int
  memory:
    description: Memory of new containers, in bytes or with a unit such as V(4GB).
    type: raw
  gpu_slots:
    description: GPU slots of new containers.
    type: int
  config:
    description: Configuration of new containers.
    type: dict
    suboptions:
      platform:
        description: Anbox platform, such as V(null), V(swrast) or V(webrtc).
        type: str
      boot_package:
        description: Package to start when Android has booted.
        type: str
      boot_activity:
        description: Activity of O(config.boot_package) to start.
        type: str
      metrics_server:
        description: Where to send metrics, such as V(influxdb:192.168.100.8:8095,raw).
        type: str
      disable_watchdog:
        description: Turn the watchdog off.
        type: bool
notes:
  - With O(wait=true) the module waits until every container it launched is C(running), polling the
    container listing (one request per round, however many containers), and fails listing each container
    that ended in error with its error message. Containers it removes are waited for too.
'''

EXAMPLES = r'''
- name: Keep 20 containers of my-game running
  anbox.ams.ams_container:
    application: my-game
    count: 20
  register: game

- name: Keep two containers of an image on one node, with SSH
  anbox.ams.ams_container:
    image: jammy-android13
    instance_type: a4.3
    node: lxd1
    count: 2
    services:
      - name: ssh
        port: 22
        protocols: [tcp]
        expose: true

- name: Remove one container
  anbox.ams.ams_container:
    id: "{{ game.containers[0].id }}"
    state: absent

- name: Remove every container of an old application version
  anbox.ams.ams_container:
    application: my-game
    application_version: 3
    state: absent
'''

RETURN = r'''
containers:
  description: The containers the selector matches after the task (for O(id), the container before removal).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Id of the container.
      type: str
      sample: cbqhp0oj1qm4a9s2cg2g
    name:
      description: Name of the container, C(ams-<id>).
      type: str
      sample: ams-cbqhp0oj1qm4a9s2cg2g
    type:
      description: V(regular), or V(base) for the containers AMS makes to bootstrap applications.
      type: str
      sample: regular
    status:
      description: Status of the container, for people.
      type: str
      sample: running
    status_code:
      description: Status as a number (-1 error, 1 created, 2 prepared, 3 started, 4 running, 5 stopped, 6 deleted).
      type: int
      sample: 4
    node:
      description: Node the container runs on.
      type: str
      sample: lxd1
    app_id:
      description: Id of the application it was launched from; empty for a container of an image.
      type: str
      sample: cbqhnpgj1qm4a9s2cg10
    app_name:
      description: Name of that application.
      type: str
      sample: my-game
    app_version:
      description: Version of that application.
      type: int
      sample: 0
    image_id:
      description: Id of the image it was launched from.
      type: str
      sample: btbfutoj1qm45810otr0
    created_at:
      description: When the container was launched, in seconds since the epoch.
      type: int
      sample: 1700000000
    address:
      description: Private address of the container.
      type: str
      sample: 192.168.100.3
    public_address:
      description: Public address of its node.
      type: str
      sample: 203.0.113.11
    services:
      description: Services the container exposes, with the C(node_port) AMS forwards to each.
      type: list
      elements: dict
      sample: [{name: adb, port: 5559, node_port: 10001, protocols: [tcp], expose: false}]
    resources:
      description: Resources of the container (C(cpus), C(memory), C(disk-size), C(gpu-slots), C(vpu-slots)); AMS leaves out those that are 0.
      type: dict
      sample: {cpus: 3, memory: 3GB, disk-size: 3GB, gpu-slots: 1}
    stored_logs:
      description: Log files AMS stores for the container (mostly for containers that failed).
      type: list
      elements: str
      sample: [android.log]
    error_message:
      description: Why the container is in error; empty otherwise.
      type: str
      sample: ""
launched:
  description: Ids of the containers the task launched.
  returned: success
  type: list
  elements: str
  sample: [cbqhp0oj1qm4a9s2cg2g]
removed:
  description: Ids of the containers the task removed (or would remove in check mode).
  returned: success
  type: list
  elements: str
  sample: [cbqhq1gj1qm4a9s2cg3g]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import containers
from ansible_collections.anbox.ams.plugins.module_utils.client import Operation
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSAmbiguousError,
    AMSConfigurationError,
    AMSError,
    AMSHTTPError,
    AMSNotFound,
)
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module
from ansible_collections.anbox.ams.plugins.module_utils.objects import (
    list_objects,
    object_path,
    require_by_name_or_id,
)


class AMSContainer(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                id=dict(type='str'),
                application=dict(type='str'),
                application_version=dict(type='int'),
                image=dict(type='str'),
                image_version=dict(type='int'),
                instance_type=dict(type='str'),
                count=dict(type='int'),
                node=dict(type='str'),
                user_data=dict(type='str'),
                services=dict(type='list', elements='dict', options=containers.SERVICE_SPEC),
                disk_size=dict(type='raw'),
                cpu=dict(type='int'),
                memory=dict(type='raw'),
                gpu_slots=dict(type='int'),
                config=dict(type='dict', options=containers.CONFIG_SPEC),
            ), wait=True),
            mutually_exclusive=[('application', 'image', 'id'), ('id', 'count'), ('id', 'node')],
            required_by={'application_version': 'application', 'image_version': 'image', 'instance_type': 'image'},
            required_if=[
                ('state', 'present', ('application', 'image'), True),
                ('state', 'present', ('count',)),
                ('state', 'absent', ('id', 'application', 'image'), True),
            ],
            supports_check_mode=True,
        )

    def run(self):
        params = self.module.params
        self.result.update(containers=[], launched=[], removed=[])
        if params['state'] == 'absent' and params['count'] is not None:
            raise AMSConfigurationError('count works with state=present only; state=absent removes every '
                                        'container the selector matches')
        if params['count'] is not None and params['count'] < 0:
            raise AMSConfigurationError('count must be 0 or more, got %d' % params['count'])
        if params['state'] == 'absent' and params['id']:
            self._remove_one(params['id'])
            return
        selector, label = self._selector()
        if params['state'] == 'absent':
            self._scale(selector, label, 0, None)
        else:
            self._scale(selector, label, params['count'], self._launch_body(selector))

    # -- selection ----------------------------------------------------------------------

    def _selector(self):
        """The resolved selector and the words that name it in messages; unknown names fail here."""
        params = self.module.params
        if params['application']:
            app = require_by_name_or_id(list_objects(self.client, 'applications'), params['application'],
                                        'application')
            selector = containers.Selector(app_id=app.get('id'), app_version=params['application_version'],
                                           node=params['node'])
            return selector, selector.describe(app_name=app.get('name'))
        image = require_by_name_or_id(list_objects(self.client, 'images'), params['image'], 'image')
        selector = containers.Selector(image_id=image.get('id'), image_version=params['image_version'],
                                       node=params['node'])
        return selector, selector.describe(image_name=image.get('name'))

    def _launch_body(self, selector):
        try:
            return containers.launch_body(self.module.params, app_id=selector.app_id, image_id=selector.image_id)
        except containers.LaunchOptionError as exc:
            raise AMSConfigurationError(str(exc))

    def _check_node(self):
        node = self.module.params['node']
        if node is None:
            return
        names = [item.get('name') for item in list_objects(self.client, 'nodes')]
        if node not in names:
            raise AMSConfigurationError('AMS has no node %s to launch containers on (it has: %s)'
                                        % (node, ', '.join(sorted(names)) or 'none'))

    def _matching(self, selector):
        return selector.select(list_objects(self.client, 'containers'))

    # -- the count ------------------------------------------------------------------------

    def _scale(self, selector, label, count, body):
        matching = self._matching(selector)
        before_ids = sorted(container.get('id') for container in matching)
        to_remove = containers.surplus(matching, count)
        missing = max(count - len(matching), 0)
        if missing:
            self._check_node()
        removed_ids = [container.get('id') for container in to_remove]
        kept_ids = sorted(set(before_ids) - set(removed_ids))
        self.set_diff({'count': len(matching), 'containers': before_ids},
                      {'count': count, 'containers': kept_ids + ['(new)'] * missing})
        self.result['removed'] = removed_ids
        if not (missing or to_remove):
            self.result['containers'] = matching
            return
        self._mark_as_changed()
        if self.check_mode:
            self.result['containers'] = [container for container in matching if container.get('id') in kept_ids]
            return
        listing = None
        if missing:
            listing = self._launch(selector, label, count, matching, body)
        if to_remove:
            self._remove(to_remove)
            listing = None
        after = selector.select(listing if listing is not None else list_objects(self.client, 'containers'))
        self.result['containers'] = after
        self.set_diff(self.diff_before, {'count': len(after), 'containers': sorted(c.get('id') for c in after)})

    def _launch(self, selector, label, count, matching, body):
        """Launch what is missing, up to max_parallel requests in flight at once, then wait for all.

        A launch whose answer was lost may or may not have happened: the
        containers are counted again rather than the launch resent. Returns the
        container listing when it was read while waiting, else None.
        """
        operations = []
        launched = self.result['launched']
        round_state = {'current': matching, 'refusal': None}

        def launch_one(_index):
            # Launches still queued when AMS refused one are not sent: AMS is out of room.
            if round_state['refusal'] is not None:
                return None
            try:
                return self.client.post('/1.0/containers', body=body)
            except AMSHTTPError as exc:
                round_state['refusal'] = round_state['refusal'] or exc
                raise

        def launch_round():
            current = round_state['current']
            if current is None:
                current = self._matching(selector)
                known = set(container.get('id') for container in matching) | set(launched)
                launched.extend(container.get('id') for container in current if container.get('id') not in known)
            round_state['current'] = None
            lost = 0
            problem = None
            for outcome in self.client.parallel(launch_one, range(count - len(current))):
                if isinstance(outcome.error, AMSAmbiguousError):
                    lost += 1
                elif outcome.error is not None:
                    if not isinstance(outcome.error, AMSHTTPError):
                        problem = problem or outcome.error
                elif isinstance(outcome.value, Operation):
                    operations.append(outcome.value)
                    launched.extend(containers.operation_container_ids(outcome.value))
            if problem is not None:
                raise problem
            if round_state['refusal'] is not None:
                return
            if lost:
                raise AMSAmbiguousError('%d launch request(s) broke in flight, so AMS may or may not have launched '
                                        'them; %d launched for sure' % (lost, len(launched)))
        self.converge(launch_round, 'launching containers of %s' % label)
        return self._finish_launch(label, count - len(matching), operations, round_state['refusal'])

    def _finish_launch(self, label, wanted, operations, refusal):
        launched = self.result['launched']
        failed = []
        if self.waits and operations:
            failed = [operation for operation in self.client.wait_all(operations, self.deadline)
                      if not operation.succeeded]
        if refusal is not None:
            raise AMSError('AMS refused to launch a container of %s (%d of %d launched before that): %s'
                           % (label, len(launched), wanted, refusal.ams_error or refusal.message),
                           status_code=refusal.status_code, error_code=refusal.error_code)
        if failed:
            if launched:
                # AMS fails the launch operation of a container that did not start; the container itself,
                # left in error, holds the reason (error_message), which this names for each one.
                containers.wait_until_running(self.client, launched, self.deadline)
            raise AMSError('launching containers of %s: %d launch(es) failed: %s'
                           % (label, len(failed), containers.describe_failed_operations(failed)))
        if not self.waits or not launched:
            return None
        return containers.wait_until_running(self.client, launched, self.deadline)

    # -- removal --------------------------------------------------------------------------

    def _remove(self, to_remove):
        """Remove containers, up to max_parallel requests in flight at once, then wait for them together.

        A removal whose answer was lost is resent only for containers that are still there.
        """
        operations = []
        removed = []
        pending = [container.get('id') for container in to_remove]

        def removal_round():
            lost = []
            problem = None
            for outcome in self.client.parallel(
                    lambda container_id: self.client.delete(object_path('containers', container_id)), pending):
                if isinstance(outcome.error, AMSNotFound):
                    continue
                if isinstance(outcome.error, AMSAmbiguousError):
                    lost.append(outcome.item)
                    continue
                if outcome.error is not None:
                    problem = problem or outcome.error
                    continue
                removed.append(outcome.item)
                if isinstance(outcome.value, Operation):
                    operations.append(outcome.value)
            if problem is not None:
                self.result['removed'] = list(removed)
                raise problem
            if not lost:
                pending[:] = []
                return
            present = set(container.get('id') for container in list_objects(self.client, 'containers'))
            removed.extend(container_id for container_id in lost if container_id not in present)
            pending[:] = [container_id for container_id in lost if container_id in present]
            if pending:
                raise AMSAmbiguousError('removing containers %s: the requests broke in flight' % ', '.join(pending))
        self.converge(removal_round, 'removing containers')
        self.result['removed'] = removed
        if self.waits and operations:
            failed = [operation for operation in self.client.wait_all(operations, self.deadline)
                      if not operation.succeeded]
            if failed:
                raise AMSError('removing containers: %d removal(s) failed: %s'
                               % (len(failed), containers.describe_failed_operations(failed)))

    def _remove_one(self, container_id):
        try:
            container = self.client.get(object_path('containers', container_id)).metadata or {}
        except AMSNotFound:
            self.set_diff({'id': container_id, 'present': False}, {'id': container_id, 'present': False})
            return
        self.result['containers'] = [container]
        self.set_diff({'id': container_id, 'present': True}, {'id': container_id, 'present': False})
        self._mark_as_changed()
        if self.check_mode:
            self.result['removed'] = [container_id]
            return
        self._remove([container])


def main():
    run_module(AMSContainer)


if __name__ == '__main__':
    main()
