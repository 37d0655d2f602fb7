# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The inventory plugin on an AMS with instance_support: named instances, tag and type groups, 3 requests.

The golden file (UPDATE_GOLDEN=1 rewrites it, see test_inventory.py) is backed by hand-written
expectations on hosts, groups and host variables, so a change of the plugin cannot pass by
regenerating it.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

import inventory_state
from ams_simulator.testing import SimulatorProcess, make_client_cert
from test_inventory import InventoryWorld, check_golden

INSTANCES = (
    ('canary-1', {'name': 'canary-1', 'app_id': inventory_state.APP, 'node': 'lxd0', 'tags': ['canary', 'eu']}),
    ('vm-1', {'name': 'vm-1', 'image_id': inventory_state.IMAGE, 'type': 'vm', 'node': 'lxd-1', 'tags': ['canary'],
              'no_start': True}),
)


@pytest.fixture(scope='module')
def world(collections_root, ansible, tmp_path_factory):
    if collections_root not in sys.path:
        sys.path.insert(0, collections_root)
    from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient

    base = tmp_path_factory.mktemp('inventory-instances')
    cert, key, _fingerprint = make_client_cert(str(base / 'client'), name='inventory-client')
    simulator = SimulatorProcess(str(base / 'state'), python=sys.executable, strict_fields=True,
                                 extra_args=['--trust-cert', cert])
    simulator.start()
    try:
        connection = {'url': simulator.url, 'client_cert': cert, 'client_key': key, 'ca_cert': simulator.ca_cert}
        client = AMSClient(**connection)
        try:
            ids = inventory_state.build(client, str(base), containers=())
            for role, request in INSTANCES:
                request = dict(request)
                for key, collection in (('app_id', 'applications'), ('image_id', 'images')):
                    if key in request:
                        request[key] = client.get('/1.0/%s/%s' % (collection, request[key])).metadata['id']
                operation = client.wait(client.post('/1.0/instances', body=request), 60)
                ids[operation.resource_ids('instances')[0]] = '<instance:%s>' % role
        finally:
            client.close()
        yield InventoryWorld(simulator, connection, ids, ansible, str(base))
    finally:
        simulator.stop()


def hosts(inventory, group):
    return sorted(inventory.get(group, {}).get('hosts', []))


def test_named_instances_with_tag_and_type_groups_in_three_requests(world):
    path = world.source('instances', [])
    actual, requests = world.requests_during(lambda: world.inventory(path))
    check_golden('instances', actual)
    assert sorted((entry['method'], entry['path']) for entry in requests) == [
        ('GET', '/1.0'), ('GET', '/1.0/instances'), ('GET', '/1.0/nodes')]
    assert hosts(actual, 'ams_instances') == ['canary-1', 'vm-1']
    assert hosts(actual, 'ams_containers') == ['canary-1', 'vm-1']
    assert hosts(actual, 'ams_tag_canary') == ['canary-1', 'vm-1']
    assert hosts(actual, 'ams_tag_eu') == ['canary-1']
    assert hosts(actual, 'ams_type_vm') == ['vm-1']
    assert hosts(actual, 'ams_type_container') == ['canary-1']
    assert hosts(actual, 'ams_app_inv_app') == ['canary-1']
    assert hosts(actual, 'ams_status_running') == ['canary-1']
    assert hosts(actual, 'ams_on_lxd_1') == ['vm-1']
    canary = actual['_meta']['hostvars']['canary-1']
    assert canary['ams_name'] == 'canary-1' and canary['ams_type'] == 'container'
    assert canary['ams_app_name'] == 'inv-app' and sorted(canary['ams_tags']) == ['canary', 'eu']
    assert canary['ansible_host'] == canary['ams_address']
    assert actual['_meta']['hostvars']['vm-1']['ams_app_name'] is None


def test_instances_is_a_synonym_of_containers(world):
    path = world.source('instances-only', ['include: [instances]', 'container_status: [stopped]'])
    actual = world.inventory(path)
    assert hosts(actual, 'ams_instances') == ['vm-1']
    assert 'ams_nodes' not in actual or hosts(actual, 'ams_nodes') == []


def test_the_same_source_on_an_older_ams_lists_containers(world, tmp_path):
    older = SimulatorProcess(str(tmp_path / 'older'), python=sys.executable, strict_fields=True,
                             extra_args=['--without-instances', '--trust-cert', world.connection['client_cert']])
    older.start()
    try:
        source = tmp_path / 'older.ams.yml'
        config = dict(world.connection, plugin='anbox.ams.ams', url=older.url, ca_cert=older.ca_cert)
        source.write_text(json.dumps(config))
        mark = older.log_mark()
        completed = world.run(str(source))
        assert completed.returncode == 0, completed.stderr
        assert 'ams_instances' not in json.loads(completed.stdout)
        assert sorted(entry['path'] for entry in older.requests_since(mark)) == ['/1.0', '/1.0/containers', '/1.0/nodes']
    finally:
        older.stop()
    assert os.path.exists(str(source))
