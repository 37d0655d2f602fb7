# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
name: ams
short_description: Nodes and containers of the Anbox Management Service (AMS) as hosts
version_added: 0.1.0
description:
  - Reads the LXD nodes and the containers of an Anbox Management Service and adds them as hosts.
  - On an AMS that announces the API extension C(instance_support), containers are read as named instances
    from C(/1.0/instances) (containers and virtual machines); older servers are read from C(/1.0/containers).
  - Uses a YAML configuration file whose name ends with C(.ams.yml) or C(.ams.yaml).
  - Reads C(GET /1.0) once, then sends one request per collection (nodes, then instances or containers) with
    C(recursion=1), so the number of requests never grows with the number of hosts, and none at all when the
    answer comes from the cache. Only an AMS whose containers do not carry their application's name costs one
    more request, for the application listing.
  - Nodes are named by their node name, containers and instances by their C(name) (C(ams-<id>) unless the instance
    was given a name).
  - "Groups: C(ams_nodes), C(ams_containers), C(ams_status_<status>) (nodes and containers), C(ams_app_<application
    name>) and C(ams_on_<node name>) (containers). Instances are in these groups too, and also in C(ams_instances),
    C(ams_tag_<tag>) (one group per tag) and C(ams_type_<type>) (C(container) or C(vm)). Characters that are not
    valid in a group name become C(_)."
  - Host variables hold every field of the AMS object with the prefix C(ams_) (C(ams_id), C(ams_status), C(ams_node),
    C(ams_app_id), C(ams_address), C(ams_public_address), C(ams_services), C(ams_tags), ...); containers also get
    C(ams_app_name), the name of their application (V(null) for containers launched from an image).
  - All data from AMS is marked unsafe, so text in it is never evaluated as a template.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.connection.PLUGINS
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks this file as a configuration of the P(anbox.ams.ams#inventory) inventory plugin.
    type: str
    required: true
    choices: [anbox.ams.ams]
  include:
    description:
      - Which kinds of AMS object become hosts. V(instances) is a synonym of V(containers).
    type: list
    elements: str
    choices: [nodes, containers, instances]
    default: [nodes, containers]
  container_status:
    description:
      - Only add containers whose status is in this list. An empty list adds containers of every status.
      - Statuses are compared by their numeric code when AMS sends one.
    type: list
    elements: str
    choices: [error, unknown, created, prepared, started, running, stopped, deleted]
    default: []
  ansible_host_source:
    description:
      - Where C(ansible_host) of a container comes from.
      - V(address) is the private address of the container.
      - V(public_address) is the public address of its node (the private address when it has none).
      - V(ssh_service) is the public address of its node with C(ansible_port) set to the C(node_port) that AMS
        forwards to the container's service on port 22. Containers without such a service fall back to
        V(address).
      - Nodes use their C(address) with V(address), and their C(public_address) (or C(address) when it is empty)
        with the other two choices.
    type: str
    choices: [address, public_address, ssh_service]
    default: address
'''

EXAMPLES = r'''
# inventory/anbox.ams.yml: every node and container, connection from AMS_URL, AMS_CLIENT_CERT, ... (as AWX
# injects them).
plugin: anbox.ams.ams

---
# Running containers only, reached over the SSH port AMS forwards on their node, grouped by image.
plugin: anbox.ams.ams
url: https://ams.example.com:8444
client_cert: ~/.config/ams/client.crt
client_key: ~/.config/ams/client.key
ca_cert: ~/.config/ams/server.crt
include: [containers]
container_status: [running]
ansible_host_source: ssh_service
keyed_groups:
  - key: ams_image_id
    prefix: image
compose:
  ansible_user: "'root'"

---
# Nodes only, with a group of the ones that take no new containers, answered from a cache for 10 minutes.
plugin: anbox.ams.ams
include: [nodes]
groups:
  unschedulable_nodes: ams_unschedulable
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible/anbox-ams
cache_timeout: 600
'''

import hashlib

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.anbox.ams.plugins.module_utils import containers, nodes
from ansible_collections.anbox.ams.plugins.module_utils.connection import client_from_options
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError

display = Display()

# Numeric status codes (the strings are for people, the numbers are the contract).
CONTAINER_STATUS_CODES = containers.CODES
NODE_STATUS_CODES = nodes.STATUS_CODES
CONTAINER_STATUS_NAMES = dict((code, name) for name, code in CONTAINER_STATUS_CODES.items())
NODE_STATUS_NAMES = dict((code, name) for name, code in NODE_STATUS_CODES.items())

NODES_GROUP = 'ams_nodes'
CONTAINERS_GROUP = 'ams_containers'
INSTANCES_GROUP = 'ams_instances'
VAR_PREFIX = 'ams_'
SSH_PORT = 22


def make_unsafe(value):
    """``value`` with every string that could hold a template marked unsafe, so Ansible never evaluates it.

    Strings without a brace cannot start a template: they are left alone, which keeps this cheap for
    thousands of hosts.
    """
    kind = type(value)
    if kind is str:
        return wrap_var(value) if ('{' in value or '}' in value) else value
    if kind is dict:
        return dict((make_unsafe(key), make_unsafe(item)) for key, item in value.items())
    if kind is list:
        return [make_unsafe(item) for item in value]
    if kind is tuple:
        return tuple(make_unsafe(item) for item in value)
    if isinstance(value, bytes):
        return wrap_var(value)
    return value


def status_name(obj, names):
    """The status text of an AMS object, from its numeric code when it has one."""
    code = obj.get('status_code')
    if isinstance(code, int) and code in names:
        return names[code]
    status = obj.get('status')
    return status.lower() if isinstance(status, str) and status else None


def ssh_node_port(container):
    """The node port AMS forwards to the container's TCP port 22, or None."""
    for service in container.get('services') or ():
        if not isinstance(service, dict) or service.get('port') != SSH_PORT or not service.get('node_port'):
            continue
        protocols = service.get('protocols') or ['tcp']
        if 'tcp' in protocols:
            return service['node_port']
    return None


def node_ansible_host(node, source):
    if source == 'address':
        return node.get('address')
    return node.get('public_address') or node.get('address')


def container_connection(container, node, source):
    """``(ansible_host, ansible_port)`` of a container; ``ansible_port`` is None unless it is forwarded."""
    address = container.get('address')
    if source == 'address':
        return address, None
    public_address = (node or {}).get('public_address') or container.get('public_address')
    if source == 'public_address':
        return public_address or address, None
    node_port = ssh_node_port(container)
    if node_port and public_address:
        return public_address, node_port
    return address, None


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'anbox.ams.ams'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('.ams.yml', '.ams.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        include = self._checked_include()
        source = self.get_option('ansible_host_source')
        status_codes = self._container_status_filter()
        data = self._ams_data(path, cache, self._collections_needed(include, source))
        self._read_constructed_options()
        self._group_names = {}
        self._node_hosts = frozenset()
        nodes = self._named_nodes(data.get('nodes') or ())
        if 'nodes' in include:
            self._add_nodes(nodes, source)
        if 'containers' in include:
            instances = 'instances' in data
            self._add_containers(data['instances' if instances else 'containers'], data.get('applications') or (),
                                 nodes, source, status_codes, instances)

    # -- options ------------------------------------------------------------------------------

    def _read_constructed_options(self):
        # Read once: get_option per host adds up over thousands of hosts.
        self._compose_vars = self.get_option('compose')
        self._composed_groups = self.get_option('groups')
        self._keyed_groups = self.get_option('keyed_groups')
        self._strict = self.get_option('strict')
        self._constructed = bool(self._compose_vars or self._composed_groups or self._keyed_groups)

    def _checked_include(self):
        include = self.get_option('include')
        if not include:
            raise AnsibleParserError('anbox.ams.ams: include is empty, list at least one of nodes, containers')
        return frozenset('containers' if kind == 'instances' else kind for kind in include)

    @staticmethod
    def _collections_needed(include, source):
        wanted = []
        if 'nodes' in include or ('containers' in include and source != 'address'):
            wanted.append('nodes')
        if 'containers' in include:
            wanted.append('containers')
        return wanted

    def _container_status_filter(self):
        """The set of wanted status codes, or None for all containers (the choices are checked by Ansible)."""
        wanted = self.get_option('container_status')
        return frozenset(CONTAINER_STATUS_CODES[name] for name in wanted) if wanted else None

    # -- data ---------------------------------------------------------------------------------

    def _ams_data(self, path, cache, wanted):
        """The AMS collections this inventory needs, from the cache when allowed and complete."""
        use_cache = bool(self.get_option('cache'))
        cache_key = self._cache_key(path)
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and all(self._cached(cached, name) for name in wanted):
                return cached
        data = self._fetch(wanted)
        if use_cache:
            self._cache[cache_key] = data
        return data

    @staticmethod
    def _cached(cached, name):
        if name == 'containers':
            return isinstance(cached.get('instances'), list) or isinstance(cached.get('containers'), list)
        return isinstance(cached.get(name), list)

    def _cache_key(self, path):
        # The URL is part of the key: pointing the same file at another AMS must not serve the old hosts.
        url = self.get_option('url') or ''
        return '%s_%s' % (self.get_cache_key(path), hashlib.sha256(url.encode('utf-8')).hexdigest()[:8])

    def _fetch(self, wanted):
        try:
            client = client_from_options(self.get_option, warn=display.warning)
        except AMSError as exc:
            raise AnsibleParserError('anbox.ams.ams: bad connection options: %s' % exc.message)
        try:
            data = {}
            for name in wanted:
                if name == 'containers' and self._has_instances(client):
                    name = 'instances'
                data[name] = self._fetch_collection(client, name)
            if any(container.get('app_id') and 'app_name' not in container for container in data.get('containers', ())):
                # Only a server whose containers do not name their application costs this request.
                data['applications'] = self._fetch_collection(client, 'applications')
            return data
        finally:
            client.close()

    @staticmethod
    def _has_instances(client):
        try:
            return client.has_extension('instance_support')
        except AMSError as exc:
            raise AnsibleParserError('anbox.ams.ams: cannot read GET /1.0 from AMS at %s: %s' % (client.url, exc.message))

    @staticmethod
    def _fetch_collection(client, name):
        try:
            items = client.get('/1.0/' + name, query={'recursion': '1'}).metadata
        except AMSError as exc:
            raise AnsibleParserError('anbox.ams.ams: cannot list %s from AMS at %s: %s' % (name, client.url, exc.message))
        if items is None:
            return []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise AnsibleParserError('anbox.ams.ams: AMS at %s answered GET /1.0/%s?recursion=1 with something other '
                                     'than a list of objects; is it an AMS server?' % (client.url, name))
        return items

    @staticmethod
    def _named_nodes(nodes):
        named = []
        for node in nodes:
            if isinstance(node.get('name'), str) and node['name']:
                named.append(node)
            else:
                display.warning('anbox.ams.ams: skipping a node without a name (address %s)' % node.get('address'))
        return named

    # -- hosts --------------------------------------------------------------------------------

    def _add_nodes(self, nodes, source):
        self.inventory.add_group(NODES_GROUP)
        for node in nodes:
            host_vars = self._host_vars(node)
            if 'unschedulable' not in node and 'unscheduable' in node:
                # AMS before 1.20 spells it unscheduable; keyed groups and playbooks can rely on one name.
                host_vars['ams_unschedulable'] = node['unscheduable']
            self._set_connection(host_vars, node_ansible_host(node, source), None)
            groups = [self._group('ams_status_', status_name(node, NODE_STATUS_NAMES))]
            self._add_host(node['name'], NODES_GROUP, groups, host_vars)
        self._node_hosts = frozenset(node['name'] for node in nodes)

    def _add_containers(self, containers, applications, nodes, source, wanted_codes, instances):
        """Containers or (``instances``) instances; ``applications`` names their applications when they do not."""
        app_names = dict((app.get('id'), app.get('name')) for app in applications if app.get('id'))
        nodes_by_name = dict((node['name'], node) for node in nodes)
        self.inventory.add_group(CONTAINERS_GROUP)
        if instances:
            self.inventory.add_group(INSTANCES_GROUP)
        for container in containers:
            status = status_name(container, CONTAINER_STATUS_NAMES)
            if wanted_codes is not None and CONTAINER_STATUS_CODES.get(status) not in wanted_codes:
                continue
            name = container.get('name') or container.get('id')
            if not isinstance(name, str) or not name:
                display.warning('anbox.ams.ams: skipping a container with neither name nor id')
                continue
            if name in self._node_hosts:
                display.warning('anbox.ams.ams: container %s has the name of a node; only the node is added' % name)
                continue
            app_name = None
            if container.get('app_id'):
                app_name = container.get('app_name') or app_names.get(container.get('app_id'))
            host_vars = self._host_vars(container)
            host_vars['ams_app_name'] = make_unsafe(app_name)
            host, port = container_connection(container, nodes_by_name.get(container.get('node')), source)
            self._set_connection(host_vars, host, port)
            groups = [self._group('ams_status_', status), self._group('ams_app_', app_name),
                      self._group('ams_on_', container.get('node'))]
            if instances:
                groups.append(INSTANCES_GROUP)
                groups.append(self._group('ams_type_', container.get('type') or 'container'))
                groups.extend(self._group('ams_tag_', tag) for tag in container.get('tags') or () if isinstance(tag, str))
            self._add_host(name, CONTAINERS_GROUP, groups, host_vars)

    @staticmethod
    def _set_connection(host_vars, host, port):
        # Without an address Ansible falls back to the inventory host name, which beats connecting to "None".
        if host:
            host_vars['ansible_host'] = make_unsafe(host)
        if port:
            host_vars['ansible_port'] = port

    @staticmethod
    def _host_vars(obj):
        return dict((VAR_PREFIX + key, make_unsafe(value)) for key, value in obj.items())

    def _group(self, prefix, suffix):
        """The valid group name for ``prefix + suffix`` (created once), or None when there is no suffix."""
        if not isinstance(suffix, str) or not suffix:
            return None
        raw = prefix + suffix
        name = self._group_names.get(raw)
        if name is None:
            name = self.inventory.add_group(self._sanitize_group_name(raw))
            self._group_names[raw] = name
        return name

    def _add_host(self, name, main_group, groups, host_vars):
        inventory = self.inventory
        inventory.add_host(name, group=main_group)
        for group in groups:
            if group:
                inventory.add_child(group, name)
        for key, value in host_vars.items():
            inventory.set_variable(name, key, value)
        if self._constructed:
            self._construct(name, host_vars)

    def _construct(self, name, host_vars):
        strict = self._strict
        self._set_composite_vars(self._compose_vars, host_vars, name, strict=strict)
        # Groups see the composed variables too; read the host's variables once for both.
        variables = self.inventory.get_host(name).get_vars()
        self._add_host_to_composed_groups(self._composed_groups, variables, name, strict=strict,
                                          fetch_hostvars=False)
        self._add_host_to_keyed_groups(self._keyed_groups, variables, name, strict=strict,
                                       fetch_hostvars=False)
