# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An in-memory AMS behind the AMSClient interface.

It records every call, so tests can check what a module sent and in which
order (all launches before the first wait, one listing per poll round, ...).
"""


import itertools

from ansible_collections.anbox.ams.plugins.module_utils.client import Response
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSAmbiguousError,
    AMSBadRequest,
    AMSNotFound,
    AMSOperationError,
    AMSPreconditionFailed,
)
from ansible_collections.anbox.ams.plugins.module_utils.client import Operation
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import FakeClient


class FakeAMS(FakeClient):
    """Containers, applications, images and nodes, with scripted faults."""

    def __init__(self, boot_polls=1):
        super().__init__()
        self.calls = []
        self.containers = []
        self.applications = []
        self.images = []
        self.nodes = {}
        self.node_etags = {}
        self.boot_polls = boot_polls        # listing rounds a new container needs to reach running
        self.failing_apps = set()           # containers of these app ids end in error
        self.failing_launches = {}          # app id -> err: launch operations of that app end in Failure
        self.capacity = None                # launches AMS accepts before refusing
        self.lose_post_answers = 0          # POSTs that happen but whose answer is lost
        self.lose_delete_answers = 0        # container DELETEs that happen but whose answer is lost
        self.stale_node_patches = 0         # PATCHes that meet a concurrent change (412)
        self.concurrent_node_tags = []      # tags another writer adds at each of those changes, in turn
        self.operations = []
        self.instances = []
        self.node_online_after = 0          # GETs of a new node that still find it initializing
        self.node_end_status = 'online'     # where a new node ends: online or error
        self.failing_operations = {}        # operation id -> err: its wait fails with that
        self.refused_tokens = {}            # trust_token -> the err of the failed node creation
        self.on_workload_listing = None     # called before each /1.0/containers or /1.0/instances listing
        self._node_polls = {}
        self.poll_interval = 1.0
        self._ids = ('c%04d' % number for number in itertools.count(1))
        self._ops = ('op%04d' % number for number in itertools.count(1))
        self._booting = {}

    # -- AMSClient interface ---------------------------------------------------------------

    def get(self, path, query=None, timeout=None):
        self.calls.append(('GET', path, query))
        if path == '/1.0/containers':
            if self.on_workload_listing:
                self.on_workload_listing(self)
            self._advance_boots()
            return Response(200, [dict(container) for container in self.containers])
        if path == '/1.0/instances':
            if self.on_workload_listing:
                self.on_workload_listing(self)
            return Response(200, [dict(instance) for instance in self.instances])
        if path == '/1.0/applications':
            return Response(200, [dict(app) for app in self.applications])
        if path == '/1.0/images':
            return Response(200, [dict(image) for image in self.images])
        if path == '/1.0/nodes':
            return Response(200, [dict(node) for node in self.nodes.values()])
        if path.startswith('/1.0/nodes/'):
            name = path.rsplit('/', 1)[-1]
            if name not in self.nodes:
                raise AMSNotFound('not found', status_code=404)
            self._advance_node(name)
            return Response(200, dict(self.nodes[name]), etag=self.node_etags[name])
        if path.startswith('/1.0/containers/'):
            container = self._container(path.rsplit('/', 1)[-1])
            return Response(200, dict(container), etag='"c"')
        raise AssertionError('unexpected GET %s' % path)

    def get_text(self, path, query=None):
        self.calls.append(('GET', path, query))
        parts = path.split('/')
        container = self._container(parts[3])
        logs = container.get('_logs') or {}
        if parts[5] not in logs:
            raise AMSNotFound('no log', status_code=404)
        return logs[parts[5]]

    def post(self, path, body=None, **kwargs):
        self.calls.append(('POST', path, body))
        if path == '/1.0/nodes':
            operation = self._operation({'nodes': ['/1.0/nodes/' + body['name']]})
            if body.get('trust_token') in self.refused_tokens:
                # AMS rolls the node back when LXD refuses the join.
                self.failing_operations[operation.id] = self.refused_tokens[body['trust_token']]
                return operation
            node = dict((key, value) for key, value in body.items() if key not in ('trust_password', 'trust_token'))
            node.update(status='initializing', status_code=2, managed=not body.get('unmanaged', False))
            self.nodes[body['name']] = node
            self.node_etags[body['name']] = '"n1"'
            self._node_polls[body['name']] = self.node_online_after
            return operation
        if path != '/1.0/containers':
            raise AssertionError('unexpected POST %s' % path)
        launched = len([call for call in self.calls if call[0] == 'POST']) - 1
        if self.capacity is not None and launched >= self.capacity:
            self.calls[-1] = ('POST-refused', path, body)
            raise AMSBadRequest('AMS refused POST /1.0/containers: no node has enough resources left (HTTP 400)',
                                status_code=400, error_code=400, ams_error='no node has enough resources left')
        container_id = next(self._ids)
        self.containers.append({
            'id': container_id, 'name': 'ams-' + container_id, 'type': 'regular', 'status': 'created',
            'status_code': 1, 'node': body.get('node') or 'lxd0', 'app_id': body.get('app_id', ''),
            'app_version': body.get('app_version', 0), 'image_id': body.get('image_id', 'img-base'),
            'image_version': body.get('image_version', 0), 'created_at': int(self.now) + len(self.containers),
            'error_message': ''})
        self._booting[container_id] = self.boot_polls
        if self.lose_post_answers:
            self.lose_post_answers -= 1
            raise AMSAmbiguousError('connection broke during POST /1.0/containers')
        return self._operation({'containers': ['/1.0/containers/' + container_id]})

    def patch(self, path, body=None, etag=None, **kwargs):
        self.calls.append(('PATCH', path, body, etag))
        name = path.rsplit('/', 1)[-1]
        if self.stale_node_patches:
            self.stale_node_patches -= 1
            if self.concurrent_node_tags:
                self.nodes[name]['tags'] = list(self.nodes[name].get('tags') or []) + [self.concurrent_node_tags.pop(0)]
            self.node_etags[name] = '"n%d"' % (len(self.calls))
            raise AMSPreconditionFailed('stale', status_code=412)
        if etag != self.node_etags[name]:
            raise AMSPreconditionFailed('stale', status_code=412)
        self.nodes[name].update(body)
        self.node_etags[name] = '"n%d"' % (len(self.calls))
        return self._operation({'nodes': [path]})

    def delete(self, path, body=None, **kwargs):
        self.calls.append(('DELETE', path, body))
        key = path.rsplit('/', 1)[-1]
        if path.startswith('/1.0/nodes/'):
            del self.nodes[key]
            return self._operation({'nodes': [path]})
        self.containers.remove(self._container(key))
        if self.lose_delete_answers:
            self.lose_delete_answers -= 1
            raise AMSAmbiguousError('connection broke during DELETE %s' % path)
        return self._operation({'containers': [path]})

    def wait(self, operation, timeout):
        self.calls.append(('WAIT', operation.id, None))
        if operation.id in self.failing_operations:
            failed = Operation(dict(operation.metadata, status_code=400, err=self.failing_operations[operation.id]))
            raise AMSOperationError(failed.failure_message(), operation=failed)
        return Operation(dict(operation.metadata, status_code=200))

    def wait_all(self, operations, timeout):
        self.calls.append(('WAIT_ALL', [operation.id for operation in operations], None))
        return [self._final(operation) for operation in operations]

    def _final(self, operation):
        """The operation as it ends: a launch of an app in ``failing_launches`` fails with its err."""
        for container_id in operation.resource_ids('containers'):
            container = next((c for c in self.containers if c['id'] == container_id), None)
            if container is not None and container['app_id'] in self.failing_launches:
                container.update(status='error', status_code=-1, error_message=self.failing_launches[container['app_id']])
                self._booting.pop(container_id, None)
                return Operation(dict(operation.metadata, status_code=400, status='Failure',
                                      err=self.failing_launches[container['app_id']]))
        return Operation(dict(operation.metadata, status_code=200))

    # -- helpers ---------------------------------------------------------------------------

    def mutations(self):
        return [call for call in self.calls if call[0] in ('POST', 'PATCH', 'DELETE')]

    def add_container(self, container_id, created_at, status_code=4, **fields):
        container = {'id': container_id, 'name': 'ams-' + container_id, 'type': 'regular',
                     'status_code': status_code, 'status': {-1: 'error', 4: 'running'}.get(status_code, 'created'),
                     'node': 'lxd0', 'app_id': '', 'app_version': 0, 'image_id': 'img-base', 'image_version': 0,
                     'created_at': created_at, 'error_message': ''}
        container.update(fields)
        self.containers.append(container)
        return container

    def _advance_node(self, name):
        left = self._node_polls.get(name)
        if left is None:
            return
        if left > 0:
            self._node_polls[name] = left - 1
            return
        del self._node_polls[name]
        code = {'online': 4, 'error': -1}[self.node_end_status]
        self.nodes[name].update(status=self.node_end_status, status_code=code)

    def _container(self, container_id):
        for container in self.containers:
            if container['id'] == container_id:
                return container
        raise AMSNotFound('container %s not found' % container_id, status_code=404)

    def _operation(self, resources):
        operation = Operation({'id': next(self._ops), 'status_code': 103, 'resources': resources,
                               'description': 'fake operation'})
        self.operations.append(operation)
        return operation

    def _advance_boots(self):
        for container in self.containers:
            left = self._booting.get(container['id'])
            if left is None:
                continue
            if left > 0:
                self._booting[container['id']] = left - 1
                continue
            del self._booting[container['id']]
            if container['app_id'] in self.failing_apps:
                container.update(status='error', status_code=-1, error_message='Android did not boot')
            else:
                container.update(status='running', status_code=4)
