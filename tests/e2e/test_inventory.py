# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Golden-file tests of the anbox.ams.ams inventory plugin: a known AMS state in, `ansible-inventory --list` out.

The state is built through the API of a simulator this module starts (see inventory_state.py); ids and
creation times are normalised before the comparison. Each case also checks, by hand-written assertions
derived from the recorded state, the groups and host variables the contract names, so a regenerated
golden file cannot make a wrong inventory pass. To regenerate the expected files after an intended
change, run with UPDATE_GOLDEN=1 and review the diff of tests/e2e/golden/:

    UPDATE_GOLDEN=1 python -m pytest tests/e2e/test_inventory.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import inventory_state
from ams_simulator.testing import SimulatorProcess, make_client_cert

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'golden')


class InventoryWorld:
    """A simulator holding the recorded state, and a way to run ansible-inventory against it."""

    def __init__(self, simulator, connection, ids, ansible, work_dir):
        self.simulator = simulator
        self.connection = connection
        self.ids = ids
        self.ansible = ansible
        self.work_dir = work_dir

    def source(self, name, lines, connection=True):
        """Write an inventory source NAME.ams.yml: ``plugin`` + connection options (unless told not to) + LINES."""
        text = ['plugin: anbox.ams.ams']
        if connection:
            text += ['%s: %s' % item for item in sorted(self.connection.items())]
        path = os.path.join(self.work_dir, name + '.ams.yml')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(text + list(lines)) + '\n')
        return path

    def run(self, path, env=None, args=('--list',)):
        command = [os.path.join(self.ansible.bin_dir, 'ansible-inventory'), '-i', path] + list(args)
        extra = {'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True'}
        extra.update(env or {})
        return subprocess.run(command, env=self.ansible.environment(extra), capture_output=True, text=True,
                              timeout=120, check=False)

    def inventory(self, path, env=None):
        """``ansible-inventory --list`` of PATH, normalised; fails the test when ansible-inventory fails."""
        completed = self.run(path, env)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return inventory_state.normalise(json.loads(completed.stdout), self.ids)

    def requests_during(self, action):
        mark = self.simulator.log_mark()
        result = action()
        return result, self.simulator.requests_since(mark)


@pytest.fixture(scope='module')
def world(collections_root, ansible, tmp_path_factory):
    if collections_root not in sys.path:
        sys.path.insert(0, collections_root)
    from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient

    base = tmp_path_factory.mktemp('inventory')
    cert, key, _fingerprint = make_client_cert(str(base / 'client'), name='inventory-client')
    simulator = SimulatorProcess(str(base / 'state'), python=sys.executable,
                                 extra_args=list(inventory_state.SIMULATOR_ARGS) + ['--trust-cert', cert])
    simulator.start()
    try:
        connection = {'url': simulator.url, 'client_cert': cert, 'client_key': key, 'ca_cert': simulator.ca_cert}
        client = AMSClient(**connection)
        try:
            ids = inventory_state.build(client, str(base))
        finally:
            client.close()
        yield InventoryWorld(simulator, connection, ids, ansible, str(base))
    finally:
        simulator.stop()


def check_golden(name, actual):
    path = os.path.join(GOLDEN_DIR, name + '.json')
    if os.environ.get('UPDATE_GOLDEN') == '1':
        os.makedirs(GOLDEN_DIR, exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(actual, handle, indent=2, sort_keys=True)
            handle.write('\n')
        return
    if not os.path.exists(path):
        pytest.fail('no golden file %s: run with UPDATE_GOLDEN=1 to write it, then review it' % path)
    with open(path, encoding='utf-8') as handle:
        expected = json.load(handle)
    assert actual == expected, 'ansible-inventory output differs from %s (UPDATE_GOLDEN=1 rewrites it)' % path


# -- expectations written by hand from the recorded state (inventory_state.py), not from the plugin's output --

NODE_NAMES = set(node['name'] for node in inventory_state.NODES)
NODE_ADDRESS = dict((node['name'], node['address']) for node in inventory_state.NODES)
# AMS gives a node added without public_address its address as public address.
NODE_PUBLIC = dict((node['name'], node.get('public_address', node['address'])) for node in inventory_state.NODES)
ROLES = dict(inventory_state.CONTAINERS)
CRASHING = set(role for role, request in ROLES.items() if request.get('app_id') == inventory_state.CRASHING_APP)
RUNNING = set(ROLES) - CRASHING
WITH_SSH = set(role for role, request in ROLES.items()
               if any(service['port'] == 22 for service in request.get('services') or []))


def _hosts(inventory, group):
    return set(inventory.get(group, {}).get('hosts', []))


def _container_hosts(inventory):
    """role -> host name: a container host is named by its AMS name and carries its id in ams_id."""
    hosts = {}
    for host, hostvars in inventory['_meta']['hostvars'].items():
        if host in NODE_NAMES:
            continue
        role = hostvars['ams_id'][len('<container:'):-1]
        assert hostvars['ams_name'] == host
        hosts[role] = host
    return hosts


def expect_default_groups(inventory, roles=frozenset(ROLES), nodes=True):
    """The groups the contract names: ams_nodes, ams_containers, ams_status_*, ams_app_*, ams_on_*."""
    hosts = _container_hosts(inventory)
    assert set(hosts) == set(roles)
    assert _hosts(inventory, 'ams_nodes') == (NODE_NAMES if nodes else set())
    assert _hosts(inventory, 'ams_containers') == set(hosts.values())
    assert _hosts(inventory, 'ams_status_running') == set(hosts[role] for role in RUNNING & set(roles))
    assert _hosts(inventory, 'ams_status_error') == set(hosts[role] for role in CRASHING & set(roles))
    assert _hosts(inventory, 'ams_status_online') == (NODE_NAMES if nodes else set())
    for app, group in ((inventory_state.APP, 'ams_app_inv_app'), (inventory_state.CRASHING_APP, 'ams_app_inv_crashing_app')):
        assert _hosts(inventory, group) == set(hosts[role] for role in roles if ROLES[role].get('app_id') == app)
    for node, group in (('lxd0', 'ams_on_lxd0'), ('lxd-1', 'ams_on_lxd_1')):
        assert _hosts(inventory, group) == set(hosts[role] for role in roles if ROLES[role]['node'] == node)
    hostvars = inventory['_meta']['hostvars']
    for role, host in hosts.items():
        assert hostvars[host]['ams_node'] == ROLES[role]['node']
        assert hostvars[host]['ams_public_address'] == NODE_PUBLIC[ROLES[role]['node']]
        assert hostvars[host]['ams_status'] == ('error' if role in CRASHING else 'running')
        assert hostvars[host]['ams_app_name' if 'app_id' in ROLES[role] else 'ams_image_id'] == (
            ROLES[role].get('app_id') or '<image:%s>' % inventory_state.IMAGE)
    for node in NODE_NAMES if nodes else ():
        assert hostvars[node]['ams_address'] == NODE_ADDRESS[node]
        assert hostvars[node]['ams_status'] == 'online'
    return hosts


def ams_paths(requests):
    return sorted((entry['method'], entry['path'], entry['query']) for entry in requests)


ALL_LISTINGS = [('GET', '/1.0', ''), ('GET', '/1.0/containers', 'recursion=1'), ('GET', '/1.0/nodes', 'recursion=1')]


def test_groups_and_hostvars(world):
    path = world.source('default', [])
    actual, requests = world.requests_during(lambda: world.inventory(path))
    check_golden('default', actual)
    assert ams_paths(requests) == ALL_LISTINGS
    hosts = expect_default_groups(actual)
    hostvars = actual['_meta']['hostvars']
    # ansible_host_source defaults to address: a container's own address, a node's address.
    for host in hosts.values():
        assert hostvars[host]['ansible_host'] == hostvars[host]['ams_address']
        assert hostvars[host]['ams_address'].startswith('192.168.100.')
    for node in NODE_NAMES:
        assert hostvars[node]['ansible_host'] == NODE_ADDRESS[node]
    assert hostvars['lxd0']['ams_tags'] == ['gpu']
    assert hostvars[hosts['image-on-lxd0']]['ams_tags'] == ['{{ 6 * 7 }}']


@pytest.mark.parametrize('source', ['public_address', 'ssh_service'])
def test_ansible_host_source(world, source):
    path = world.source('host-' + source, ['ansible_host_source: ' + source])
    actual = world.inventory(path)
    check_golden('ansible_host_' + source, actual)
    hosts = expect_default_groups(actual)
    hostvars = actual['_meta']['hostvars']
    for role, host in hosts.items():
        node_public = NODE_PUBLIC[ROLES[role]['node']]
        if source == 'public_address':
            assert hostvars[host]['ansible_host'] == node_public
            assert 'ansible_port' not in hostvars[host]
        elif role in WITH_SSH:
            ssh = [service for service in hostvars[host]['ams_services'] if service['port'] == 22][0]
            assert hostvars[host]['ansible_host'] == node_public
            assert hostvars[host]['ansible_port'] == ssh['node_port']
            assert 10000 <= ssh['node_port'] <= 11000
        else:
            # No service on port 22: the container's own address, as with the default source.
            assert hostvars[host]['ansible_host'] == hostvars[host]['ams_address']
            assert 'ansible_port' not in hostvars[host]


def test_include_nodes_reads_only_nodes(world):
    path = world.source('nodes-only', ['include: [nodes]'])
    actual, requests = world.requests_during(lambda: world.inventory(path))
    check_golden('include_nodes', actual)
    assert ams_paths(requests) == [('GET', '/1.0/nodes', 'recursion=1')]
    assert set(actual['_meta']['hostvars']) == NODE_NAMES
    assert set(actual) - set(['_meta', 'all', 'ungrouped']) == set(['ams_nodes', 'ams_status_online'])
    expect_default_groups(actual, roles=frozenset())


def test_include_containers_with_status_filter(world):
    path = world.source('running-containers', ['include: [containers]', 'container_status: [running]'])
    actual, requests = world.requests_during(lambda: world.inventory(path))
    check_golden('running_containers', actual)
    assert ams_paths(requests) == [('GET', '/1.0', ''), ('GET', '/1.0/containers', 'recursion=1')]
    expect_default_groups(actual, roles=frozenset(RUNNING), nodes=False)
    assert 'ams_status_error' not in actual and 'ams_app_inv_crashing_app' not in actual


def test_constructed_features(world):
    path = world.source('constructed', [
        'strict: true',
        'compose:',
        '  ansible_user: "\'root\'"',
        '  ams_first_tag: ams_tags | first | default("none")',
        'groups:',
        '  crashed: ams_status == "error"',
        '  gpu_nodes: "\'gpu\' in ams_tags and ams_id is not defined"',
        'keyed_groups:',
        '  - key: ams_type | default("node")',
        '    prefix: kind',
        '  - key: ams_app_name | default("")',
        '    prefix: application',
        '    default_value: none',
    ])
    actual = world.inventory(path)
    check_golden('constructed', actual)
    hosts = expect_default_groups(actual)
    hostvars = actual['_meta']['hostvars']
    assert _hosts(actual, 'crashed') == set(hosts[role] for role in CRASHING)
    assert _hosts(actual, 'gpu_nodes') == set(['lxd0'])
    assert _hosts(actual, 'kind_node') == NODE_NAMES
    assert _hosts(actual, 'kind_regular') == set(hosts.values())
    assert _hosts(actual, 'application_inv_app') == _hosts(actual, 'ams_app_inv_app')
    assert _hosts(actual, 'application_none') == NODE_NAMES | set([hosts['image-on-lxd0']])
    assert all(hostvars[host]['ansible_user'] == 'root' for host in hostvars)
    assert hostvars['lxd0']['ams_first_tag'] == 'gpu'
    assert hostvars[hosts['app-ssh-on-lxd0']]['ams_first_tag'] == 'none'


def test_connection_from_environment_only(world):
    path = world.source('from-env', [], connection=False)
    env = {'AMS_URL': world.connection['url'], 'AMS_CLIENT_CERT': world.connection['client_cert'],
           'AMS_CLIENT_KEY': world.connection['client_key'], 'AMS_CA_CERT': world.connection['ca_cert']}
    check_golden('default', world.inventory(path, env))


def test_without_connection_options_the_local_socket_is_tried(world):
    completed = world.run(world.source('no-connection', [], connection=False))
    assert completed.returncode != 0
    assert 'unix socket /var/snap/ams/common/server/unix.socket' in completed.stderr


def test_cache_hit_sends_no_request(world, tmp_path):
    path = world.source('cached', ['cache: true', 'cache_plugin: ansible.builtin.jsonfile',
                                   'cache_connection: %s' % (tmp_path / 'cache'), 'cache_timeout: 600'])
    first, requests = world.requests_during(lambda: world.inventory(path))
    assert ams_paths(requests) == ALL_LISTINGS
    check_golden('default', first)
    second, requests = world.requests_during(lambda: world.inventory(path))
    assert requests == []
    check_golden('default', second)
    completed, requests = world.requests_during(lambda: world.run(path, args=('--list', '--flush-cache')))
    assert completed.returncode == 0, completed.stderr
    assert ams_paths(requests) == ALL_LISTINGS


def test_strict_fails_on_a_bad_compose(world):
    path = world.source('strict', ['strict: true', 'compose:', '  broken: ams_no_such_field.value'])
    completed = world.run(path)
    assert completed.returncode != 0
    assert 'Could not set broken for host' in completed.stderr
    assert 'ams_no_such_field' in completed.stderr


def test_ams_data_is_never_templated(world):
    """Text from AMS that looks like a template stays text when a task uses it."""
    path = world.source('unsafe', [])
    command = [os.path.join(world.ansible.bin_dir, 'ansible'), 'lxd-1', '-i', path, '-m', 'ansible.builtin.debug',
               '-a', 'msg={{ ams_tags[0] }}']
    env = world.ansible.environment({'ANSIBLE_LOAD_CALLBACK_PLUGINS': 'True',
                                     'ANSIBLE_STDOUT_CALLBACK': 'ansible.builtin.minimal'})
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    host, _sep, result = completed.stdout.partition(' => ')
    assert host == 'lxd-1 | SUCCESS', completed.stdout
    assert json.loads(result)['msg'] == inventory_state.TEMPLATE_TEXT
