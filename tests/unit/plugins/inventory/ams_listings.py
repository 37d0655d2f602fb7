# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AMS listings (as GET /1.0/<collection>?recursion=1 returns them) and a client that serves them."""


import copy
import threading

from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient, Response

NODES = [
    {'name': 'lxd0', 'address': '192.168.10.10', 'public_address': '203.0.113.10', 'status_code': 4,
     'status': 'online', 'cpus': 8, 'memory': '16GB', 'tags': ['gpu'], 'unschedulable': False, 'managed': True},
    {'name': 'lxd-1', 'address': '192.168.10.11', 'public_address': '', 'status_code': 5, 'status': 'offline',
     'cpus': 4, 'memory': '8GB', 'tags': [], 'unschedulable': True, 'managed': True},
]

APPLICATIONS = [
    {'id': 'app00000000000000001', 'name': 'my-app', 'status_code': 2, 'status': 'ready', 'versions': []},
]

SSH = {'name': 'ssh', 'port': 22, 'node_port': 10022, 'protocols': ['tcp'], 'expose': True}
ADB = {'name': 'adb', 'port': 5559, 'node_port': 10023, 'protocols': ['tcp'], 'expose': False}

CONTAINERS = [
    {'id': 'c0000000000000000001', 'name': 'ams-c0000000000000000001', 'type': 'regular', 'status_code': 4,
     'status': 'running', 'node': 'lxd0', 'app_id': 'app00000000000000001', 'app_name': 'my-app', 'app_version': 0,
     'image_id': 'img1', 'image_version': 0, 'address': '192.168.100.2', 'public_address': '203.0.113.10', 'services': [SSH, ADB],
     'tags': ['{{ lookup("pipe", "id") }}'], 'config': {'platform': 'webrtc'}},
    {'id': 'c0000000000000000002', 'name': 'ams-c0000000000000000002', 'type': 'regular', 'status_code': -1,
     'status': 'error', 'node': 'lxd-1', 'app_id': '', 'app_version': 0, 'image_id': 'img1', 'image_version': 0,
     'address': '192.168.100.3', 'public_address': '', 'services': [], 'tags': [], 'config': {}},
    {'id': 'c0000000000000000003', 'name': 'ams-c0000000000000000003', 'type': 'regular', 'status_code': 5,
     'status': 'stopped', 'node': 'lxd0', 'app_id': 'app00000000000000001', 'app_name': 'my-app', 'app_version': 0,
     'image_id': 'img1', 'image_version': 0, 'address': '192.168.100.4', 'public_address': '203.0.113.10', 'services': [ADB],
     'tags': [], 'config': {}},
]


INSTANCES = [
    {'id': 'i0000000000000000001', 'name': 'game-canary-1', 'type': 'container', 'status_code': 4,
     'status': 'running', 'node': 'lxd0', 'app_id': 'app00000000000000001', 'app_name': 'my-app', 'app_version': 0,
     'address': '192.168.100.7', 'public_address': '203.0.113.10', 'services': [], 'tags': ['canary', 'eu'],
     'config': {'security': {'delete_protected': True}}},
    {'id': 'i0000000000000000002', 'name': 'android-vm', 'type': 'vm', 'status_code': 5, 'status': 'stopped',
     'node': 'lxd-1', 'app_id': '', 'app_name': '', 'image_id': 'img1', 'image_name': 'android13',
     'address': '192.168.100.8', 'public_address': '', 'services': [], 'tags': [], 'config': {}},
]


def listings():
    """A server without instance_support, as the collection saw AMS first."""
    return {'': {'api_extensions': []}, 'nodes': copy.deepcopy(NODES), 'containers': copy.deepcopy(CONTAINERS),
            'applications': copy.deepcopy(APPLICATIONS), 'instances': copy.deepcopy(INSTANCES)}


class ListingClient:
    """Answers GET /1.0/<collection> from ``data`` and records every request it was sent."""

    url = 'https://ams.test:8444'
    api = AMSClient.api
    api_extensions = AMSClient.api_extensions
    has_extension = AMSClient.has_extension

    def __init__(self, data, error=None):
        self.data = data
        self.error = error
        self.requests = []
        self.closed = False
        self._api = None
        self._api_lock = threading.Lock()

    def get(self, path, query=None, timeout=None):
        self.requests.append((path, dict(query or {})))
        if self.error is not None:
            raise self.error
        return Response(200, self.data[path[len('/1.0/'):]])

    def close(self):
        self.closed = True
