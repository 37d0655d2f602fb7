# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The layers of plugins/module_utils, read from the import statements (ast), as its README states them."""

import ast
import os

import pytest

PLUGINS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins'))
PREFIX = 'ansible_collections.anbox.ams.plugins.'
DOMAIN = ('containers', 'applications', 'packages', 'nodes', 'config_values', 'sizes', 'instances')


def _imports(path):
    """Collection files (``module_utils/client``) and top-level libraries a file imports."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ['%s.%s' % (node.module, alias.name) for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith(PREFIX):
                relative = name[len(PREFIX):].replace('.', '/')
                if os.path.exists(os.path.join(PLUGINS, relative + '.py')):
                    found.add(relative)
            else:
                found.add(name.split('.')[0])
    return found


def _graph():
    graph = {}
    for kind in ('modules', 'module_utils', 'inventory'):
        for name in os.listdir(os.path.join(PLUGINS, kind)):
            if name.endswith('.py') and name != '__init__.py':
                graph['%s/%s' % (kind, name[:-3])] = _imports(os.path.join(PLUGINS, kind, name))
    return graph


def longest_chain_to(graph, start, library):
    """The longest chain of collection files from ``start`` to a file importing ``library`` (None: none)."""
    best = None
    for target in graph.get(start, ()):
        if target == library:
            chain = [start]
        elif target in graph:
            tail = longest_chain_to(graph, target, library)
            chain = [start] + tail if tail else None
        else:
            chain = None
        if chain and (best is None or len(chain) > len(best)):
            best = chain
    return best


GRAPH = _graph()
MODULES = sorted(name for name in GRAPH if name.startswith('modules/'))


@pytest.mark.parametrize('module', MODULES)
def test_a_module_reaches_the_wire_through_at_most_five_files(module):
    # module -> framework -> connection -> client -> sockets (http.client): one file a layer.
    chain = longest_chain_to(GRAPH, module, 'http')
    # ams_client_certificate talks to no server and does not open sockets at all.
    assert (chain is None) == (module == 'modules/ams_client_certificate')
    assert chain is None or len(chain) <= 5, chain
    assert chain is None or chain[-1] == 'module_utils/sockets', chain


def test_only_the_standard_library_carries_requests():
    # Every task imports its transport: HTTP is the standard library's, nothing heavier.
    importers = sorted(name for name, imports in GRAPH.items() if imports & {'requests', 'urllib3'})
    assert importers == []


def test_domain_files_import_neither_module_base_nor_ansible():
    for name in DOMAIN:
        imports = GRAPH['module_utils/' + name]
        assert 'module_utils/module_base' not in imports and 'ansible' not in imports, (name, imports)


def test_the_inventory_plugin_shares_status_codes_and_the_connection_path():
    imports = GRAPH['inventory/ams']
    assert {'module_utils/containers', 'module_utils/nodes', 'module_utils/connection'} <= imports
