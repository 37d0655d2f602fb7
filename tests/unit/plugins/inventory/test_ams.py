# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import os

import pytest

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # before ansible-core 2.19 every template string is trusted
    def trust_as_template(value):
        return value

from ansible_collections.anbox.ams.plugins.inventory import ams as ams_inventory
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConnectionError
from ansible_collections.anbox.ams.plugins.module_utils.connection import client_from_options
from ansible_collections.anbox.ams.tests.unit.plugins.inventory.ams_listings import ListingClient, listings


@pytest.fixture
def ams(monkeypatch, tmp_path):
    """Runs the plugin on a config file against ``ListingClient``s; returns a helper object."""
    for name in ('AMS_URL', 'AMS_CLIENT_CERT', 'AMS_CLIENT_KEY', 'AMS_CA_CERT', 'AMS_VALIDATE_CERTS'):
        monkeypatch.delenv(name, raising=False)
    return Harness(monkeypatch, tmp_path)


class Harness:
    def __init__(self, monkeypatch, tmp_path):
        self.tmp_path = tmp_path
        self.data = listings()
        self.error = None
        self.clients = []
        self.options_seen = []
        monkeypatch.setattr(ams_inventory, 'client_from_options', self._client_from_options)

    def _client_from_options(self, get_option, warn=None):
        names = ('url', 'client_cert', 'ca_cert', 'validate_certs', 'request_timeout')
        self.options_seen.append(dict((name, get_option(name)) for name in names))
        client = ListingClient(self.data, self.error)
        self.clients.append(client)
        return client

    @property
    def requests(self):
        return [request for client in self.clients for request in client.requests]

    def run(self, config, cache=True, name='test.ams.yml'):
        path = self.tmp_path / name
        path.write_text(config)
        plugin = inventory_loader.get('anbox.ams.ams')
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        if getattr(plugin, '_cache', None) is not None:
            plugin.update_cache_if_changed()  # as InventoryManager does after a parse
        return inventory


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def host_vars(inventory, name):
    return inventory.get_host(name).vars


C1, C2, C3 = 'ams-c0000000000000000001', 'ams-c0000000000000000002', 'ams-c0000000000000000003'


def test_groups_of_nodes_and_containers(ams):
    inventory = ams.run('plugin: anbox.ams.ams\n')
    assert members(inventory, 'ams_nodes') == ['lxd-1', 'lxd0']
    assert members(inventory, 'ams_containers') == [C1, C2, C3]
    assert members(inventory, 'ams_status_running') == [C1]
    assert members(inventory, 'ams_status_error') == [C2]
    assert members(inventory, 'ams_status_online') == ['lxd0']
    assert members(inventory, 'ams_status_offline') == ['lxd-1']
    assert members(inventory, 'ams_app_my_app') == [C1, C3]
    assert members(inventory, 'ams_on_lxd0') == [C1, C3]
    assert members(inventory, 'ams_on_lxd_1') == [C2]


def test_every_field_becomes_a_prefixed_host_variable(ams):
    inventory = ams.run('plugin: anbox.ams.ams\n')
    container = host_vars(inventory, C1)
    for key, value in listings()['containers'][0].items():
        assert container['ams_' + key] == value
    assert container['ams_app_name'] == 'my-app'
    assert container['ansible_host'] == '192.168.100.2'
    assert 'ansible_port' not in container
    assert host_vars(inventory, C2)['ams_app_name'] is None
    node = host_vars(inventory, 'lxd0')
    assert node['ams_name'] == 'lxd0' and node['ams_cpus'] == 8 and node['ams_tags'] == ['gpu']
    assert node['ansible_host'] == '192.168.10.10'


def test_one_request_per_collection_whatever_the_number_of_hosts(ams):
    template = listings()['containers'][0]
    ams.data['containers'] = [dict(template, id='c%05d' % index, name='ams-c%05d' % index) for index in range(2000)]
    inventory = ams.run('plugin: anbox.ams.ams\n')
    assert len(members(inventory, 'ams_containers')) == 2000
    assert sorted(ams.requests) == [('/1.0', {}), ('/1.0/containers', {'recursion': '1'}),
                                    ('/1.0/nodes', {'recursion': '1'})]
    assert all(client.closed for client in ams.clients)


@pytest.mark.parametrize('include, hosts, collections', [
    ('[nodes]', ['lxd-1', 'lxd0'], ['/1.0/nodes']),
    ('[containers]', [C1, C2, C3], ['/1.0', '/1.0/containers']),
])
def test_include_picks_the_kinds_and_the_requests(ams, include, hosts, collections):
    inventory = ams.run('plugin: anbox.ams.ams\ninclude: %s\n' % include)
    assert sorted(inventory.hosts) == hosts
    assert sorted(path for path, _query in ams.requests) == collections


def test_empty_include_is_a_clear_error(ams):
    with pytest.raises(AnsibleParserError, match='include is empty'):
        ams.run('plugin: anbox.ams.ams\ninclude: []\n')
    assert ams.requests == []


def test_unknown_include_is_refused(ams):
    with pytest.raises(AnsibleError, match='include'):
        ams.run('plugin: anbox.ams.ams\ninclude: [pods]\n')
    assert ams.requests == []


def test_container_status_filter_compares_codes(ams):
    ams.data['containers'][0]['status'] = 'RUNNING-ish text a newer AMS might send'
    inventory = ams.run('plugin: anbox.ams.ams\ninclude: [containers]\ncontainer_status: [running, error]\n')
    assert sorted(inventory.hosts) == [C1, C2]
    assert members(inventory, 'ams_status_running') == [C1]


def test_container_status_filter_refuses_unknown_statuses(ams):
    with pytest.raises(AnsibleError, match='container_status'):
        ams.run('plugin: anbox.ams.ams\ncontainer_status: [runing]\n')
    assert ams.requests == []


@pytest.mark.parametrize('source, expected', [
    ('address', {C1: ('192.168.100.2', None), C2: ('192.168.100.3', None), C3: ('192.168.100.4', None),
                 'lxd0': ('192.168.10.10', None), 'lxd-1': ('192.168.10.11', None)}),
    ('public_address', {C1: ('203.0.113.10', None), C2: ('192.168.100.3', None), C3: ('203.0.113.10', None),
                        'lxd0': ('203.0.113.10', None), 'lxd-1': ('192.168.10.11', None)}),
    ('ssh_service', {C1: ('203.0.113.10', 10022), C2: ('192.168.100.3', None), C3: ('192.168.100.4', None),
                     'lxd0': ('203.0.113.10', None), 'lxd-1': ('192.168.10.11', None)}),
])
def test_ansible_host_source(ams, source, expected):
    inventory = ams.run('plugin: anbox.ams.ams\nansible_host_source: %s\n' % source)
    seen = dict((name, (host.vars['ansible_host'], host.vars.get('ansible_port')))
                for name, host in inventory.hosts.items())
    assert seen == expected


def test_ssh_service_prefers_the_node_listing_for_the_public_address(ams):
    ams.data['nodes'][0]['public_address'] = '198.51.100.7'
    inventory = ams.run('plugin: anbox.ams.ams\ninclude: [containers]\nansible_host_source: ssh_service\n')
    assert host_vars(inventory, C1)['ansible_host'] == '198.51.100.7'
    assert sorted(path for path, _query in ams.requests) == ['/1.0', '/1.0/containers', '/1.0/nodes']


def test_ams_data_is_never_templated(ams):
    inventory = ams.run('plugin: anbox.ams.ams\n')
    templar = Templar(loader=DataLoader(), variables=dict(host_vars(inventory, C1)))
    assert templar.template(trust_as_template('{{ ams_tags[0] }}')) == '{{ lookup("pipe", "id") }}'


def test_compose_groups_and_keyed_groups(ams):
    inventory = ams.run('\n'.join([
        'plugin: anbox.ams.ams',
        'compose:',
        '  ams_short_id: ams_id[-4:]',
        'groups:',
        '  webrtc: ams_config.platform | default("") == "webrtc"',
        '  short_one: ams_short_id == "0003"',
        'keyed_groups:',
        '  - key: ams_type | default("node")',
        '    prefix: kind',
    ]) + '\n')
    assert host_vars(inventory, C3)['ams_short_id'] == '0003'
    assert members(inventory, 'webrtc') == [C1]
    assert members(inventory, 'short_one') == [C3]
    assert members(inventory, 'kind_regular') == [C1, C2, C3]
    assert members(inventory, 'kind_node') == ['lxd-1', 'lxd0']


def test_strict_fails_on_a_bad_compose(ams):
    with pytest.raises(AnsibleError, match='ams_nope'):
        ams.run('plugin: anbox.ams.ams\nstrict: true\ncompose:\n  broken: ams_nope.x\n')


def test_without_strict_a_bad_compose_is_skipped(ams):
    inventory = ams.run('plugin: anbox.ams.ams\nstrict: false\ncompose:\n  broken: ams_nope.x\n')
    assert 'broken' not in host_vars(inventory, C1)


def test_cache_hit_sends_no_request(ams):
    config = ('plugin: anbox.ams.ams\ncache: true\ncache_plugin: ansible.builtin.jsonfile\n'
              'cache_connection: %s\n' % (ams.tmp_path / 'cache'))
    first = ams.run(config)
    assert len(ams.requests) == 3
    ams.data['containers'] = []
    second = ams.run(config)
    assert len(ams.requests) == 3 and len(ams.clients) == 1
    assert sorted(second.hosts) == sorted(first.hosts)
    flushed = ams.run(config, cache=False)
    assert len(ams.requests) == 6
    assert sorted(flushed.hosts) == ['lxd-1', 'lxd0']


def test_cache_without_the_needed_collection_is_a_miss(ams):
    base = ('plugin: anbox.ams.ams\ncache: true\ncache_plugin: ansible.builtin.jsonfile\n'
            'cache_connection: %s\n' % (ams.tmp_path / 'cache'))
    ams.run(base + 'include: [nodes]\n')
    inventory = ams.run(base + 'include: [nodes, containers]\n')
    assert C1 in inventory.hosts
    assert len(ams.requests) == 4
    assert sorted(path for path, _query in ams.requests[1:]) == ['/1.0', '/1.0/containers', '/1.0/nodes']


def test_connection_options_come_from_the_environment(ams, monkeypatch):
    monkeypatch.setenv('AMS_URL', 'https://ams.from.env:8444')
    monkeypatch.setenv('AMS_VALIDATE_CERTS', 'false')
    ams.run('plugin: anbox.ams.ams\n')
    assert ams.options_seen == [{'url': 'https://ams.from.env:8444', 'client_cert': None, 'ca_cert': None,
                                 'validate_certs': False, 'request_timeout': 30}]


def test_connection_options_from_the_file(ams, tmp_path):
    ams.run('plugin: anbox.ams.ams\nurl: https://ams.example.com:8444\nclient_cert: ~/client.crt\n'
            'server_cert: %s/server.crt\nrequest_timeout: 2.5\n' % tmp_path)
    assert ams.options_seen == [{'url': 'https://ams.example.com:8444',
                                 'client_cert': os.path.expanduser('~/client.crt'),
                                 'ca_cert': '%s/server.crt' % tmp_path, 'validate_certs': True,
                                 'request_timeout': 2.5}]


def test_a_container_without_address_gets_no_ansible_host(ams):
    ams.data['containers'][0]['address'] = ''
    inventory = ams.run('plugin: anbox.ams.ams\n')
    assert 'ansible_host' not in host_vars(inventory, C1)


def test_a_connection_failure_is_a_parser_error_naming_the_collection(ams):
    ams.error = AMSConnectionError('Cannot connect to AMS at https://ams.test:8444 (connection refused)')
    with pytest.raises(AnsibleParserError, match='cannot list nodes from AMS at https://ams.test:8444: Cannot connect'):
        ams.run('plugin: anbox.ams.ams\n')


def test_an_answer_that_is_not_a_listing_is_a_clear_error(ams):
    ams.data['nodes'] = ['/1.0/nodes/lxd0']
    with pytest.raises(AnsibleParserError, match='something other than a list of objects'):
        ams.run('plugin: anbox.ams.ams\n')


def test_bad_connection_options_are_a_parser_error(ams, monkeypatch):
    monkeypatch.setattr(ams_inventory, 'client_from_options', client_from_options)
    with pytest.raises(AnsibleParserError, match='bad connection options: url http://ams:8444 uses plain http'):
        ams.run('plugin: anbox.ams.ams\nurl: http://ams:8444\n')


def test_container_named_like_a_node_is_left_out(ams):
    ams.data['containers'][1]['name'] = 'lxd0'
    inventory = ams.run('plugin: anbox.ams.ams\n')
    assert members(inventory, 'ams_containers') == [C1, C3]
    assert host_vars(inventory, 'lxd0')['ams_name'] == 'lxd0'


def test_only_files_named_ams_yml_are_claimed(ams, tmp_path):
    plugin = inventory_loader.get('anbox.ams.ams')
    for name, claimed in (('x.ams.yml', True), ('x.ams.yaml', True), ('ams.yml', False), ('x.yml', False)):
        (tmp_path / name).write_text('plugin: anbox.ams.ams\n')
        assert plugin.verify_file(str(tmp_path / name)) is claimed


def test_cache_hit_keeps_ams_data_unsafe(ams):
    config = ('plugin: anbox.ams.ams\ncache: true\ncache_plugin: ansible.builtin.jsonfile\n'
              'cache_connection: %s\n' % (ams.tmp_path / 'cache'))
    ams.run(config)
    inventory = ams.run(config)
    assert len(ams.clients) == 1
    templar = Templar(loader=DataLoader(), variables=dict(host_vars(inventory, C1)))
    assert templar.template(trust_as_template('{{ ams_tags[0] }}')) == '{{ lookup("pipe", "id") }}'


def test_a_node_without_a_name_is_skipped(ams):
    del ams.data['nodes'][1]['name']
    inventory = ams.run('plugin: anbox.ams.ams\n')
    assert members(inventory, 'ams_nodes') == ['lxd0']
    assert members(inventory, 'ams_on_lxd_1') == [C2]


def test_containers_that_do_not_name_their_application_cost_the_application_listing(ams):
    for container in ams.data['containers']:
        container.pop('app_name', None)
    inventory = ams.run('plugin: anbox.ams.ams\n')
    assert host_vars(inventory, C1)['ams_app_name'] == 'my-app'
    assert members(inventory, 'ams_app_my_app') == [C1, C3]
    assert sorted(path for path, _query in ams.requests) == ['/1.0', '/1.0/applications', '/1.0/containers',
                                                             '/1.0/nodes']


def test_a_server_with_instances_lists_named_instances(ams):
    ams.data['']['api_extensions'] = ['instance_support']
    inventory = ams.run('plugin: anbox.ams.ams\n')
    assert members(inventory, 'ams_containers') == ['android-vm', 'game-canary-1']
    assert members(inventory, 'ams_instances') == ['android-vm', 'game-canary-1']
    assert members(inventory, 'ams_tag_canary') == ['game-canary-1']
    assert members(inventory, 'ams_tag_eu') == ['game-canary-1']
    assert members(inventory, 'ams_type_vm') == ['android-vm']
    assert members(inventory, 'ams_type_container') == ['game-canary-1']
    assert members(inventory, 'ams_app_my_app') == ['game-canary-1']
    assert members(inventory, 'ams_status_stopped') == ['android-vm']
    canary = host_vars(inventory, 'game-canary-1')
    assert canary['ams_name'] == 'game-canary-1' and canary['ams_type'] == 'container'
    assert canary['ams_tags'] == ['canary', 'eu'] and canary['ams_app_name'] == 'my-app'
    assert host_vars(inventory, 'android-vm')['ams_app_name'] is None
    assert sorted(path for path, _query in ams.requests) == ['/1.0', '/1.0/instances', '/1.0/nodes']


def test_instances_is_a_synonym_of_containers_in_include(ams):
    ams.data['']['api_extensions'] = ['instance_support']
    inventory = ams.run('plugin: anbox.ams.ams\ninclude: [instances]\ncontainer_status: [running]\n')
    assert sorted(inventory.hosts) == ['game-canary-1']
    assert sorted(path for path, _query in ams.requests) == ['/1.0', '/1.0/instances']


def test_a_node_of_an_older_ams_gets_ams_unschedulable_too(ams):
    node = ams.data['nodes'][1]
    node['unscheduable'] = node.pop('unschedulable')
    inventory = ams.run('plugin: anbox.ams.ams\ninclude: [nodes]\ngroups:\n  drained: ams_unschedulable\n')
    assert host_vars(inventory, 'lxd-1')['ams_unschedulable'] is True
    assert host_vars(inventory, 'lxd-1')['ams_unscheduable'] is True
    assert members(inventory, 'drained') == ['lxd-1']
