# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Properties of the comparisons that decide whether a module changes anything.

Manifest comparison (new application version or not), node field comparison
(PATCH or not) and deterministic packing (same directory, same fingerprint).
"""


import hashlib
import os
import shutil
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.anbox.ams.plugins.module_utils import applications, nodes, packages

keys = st.text(alphabet='abcdefghijklmnopqrstuvwxyz-', min_size=1, max_size=12)
scalars = st.one_of(st.booleans(), st.integers(-1000, 1000), st.text(alphabet='abcxyz019.-', min_size=1, max_size=10))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=4), st.dictionaries(keys, inner, min_size=1, max_size=4)), max_leaves=10)
manifest_documents = st.dictionaries(keys, values, min_size=1, max_size=8)


@given(manifest=manifest_documents)
def test_a_manifest_equals_itself(manifest):
    assert applications.differing_keys(manifest, manifest) == []


@given(manifest=manifest_documents, defaults=manifest_documents)
def test_keys_the_package_leaves_out_do_not_count(manifest, defaults):
    rendered = dict(defaults)
    rendered.update(manifest)
    assert applications.differing_keys(manifest, rendered) == []


@given(manifest=manifest_documents, data=st.data())
def test_a_changed_scalar_is_found(manifest, data):
    key = data.draw(st.sampled_from(sorted(manifest)))
    rendered = dict(manifest)
    rendered[key] = 'changed-value-not-generated'
    assert key in applications.differing_keys(manifest, rendered)


@given(items=st.lists(st.text(alphabet='abc', min_size=1, max_size=3), min_size=1, max_size=5, unique=True),
       flag=st.booleans(), number=st.integers(0, 99))
def test_scalar_spelling_and_list_order_do_not_count(items, flag, number):
    package = {'tags': items, 'watchdog': {'disabled': flag}, 'version': number}
    rendered = {'tags': list(reversed(items)), 'watchdog': {'disabled': str(flag).lower()}, 'version': str(number)}
    assert applications.differing_keys(package, rendered) == []


node_values = st.fixed_dictionaries({
    'public_address': st.sampled_from(['10.0.0.1', '203.0.113.7', '']),
    'cpus': st.integers(1, 128),
    'cpu_allocation_rate': st.integers(1, 8),
    'memory': st.sampled_from(['4GB', '8GB', '16GB', '32GB', '64GB']),
    'memory_allocation_rate': st.integers(1, 8),
    'gpu_slots': st.integers(0, 16),
    'gpu_encoder_slots': st.integers(0, 16),
    'tags': st.lists(st.sampled_from(['gpu', 'edge', 'eu', 'us']), unique=True, max_size=4),
    'unschedulable': st.booleans(),
})


@given(node=node_values, chosen=st.sets(st.sampled_from(nodes.UPDATABLE)))
def test_a_node_already_as_desired_needs_no_patch(node, chosen):
    desired = dict((field, node[field]) for field in chosen)
    assert nodes.updates(node, desired) == {}


@given(node=node_values, desired=node_values, chosen=st.sets(st.sampled_from(nodes.UPDATABLE)))
def test_applying_the_patch_converges(node, desired, chosen):
    wanted = dict((field, desired[field]) for field in chosen)
    patch = nodes.updates(node, wanted)
    assert set(patch) <= set(chosen)
    patched = dict(node)
    patched.update(patch)
    assert nodes.updates(patched, wanted) == {}


@given(gigabytes=st.integers(1, 512))
def test_memory_compares_by_size_not_spelling(gigabytes):
    node = {'memory': '%dGB' % gigabytes}
    assert nodes.updates(node, {'memory': '%dMB' % (gigabytes * 1000)}) == {}
    assert nodes.updates(node, {'memory': '%dgb' % gigabytes}) == {}


file_trees = st.dictionaries(
    st.lists(st.text(alphabet='abcdef', min_size=1, max_size=6), min_size=1, max_size=3).map('/'.join),
    st.binary(max_size=200), min_size=1, max_size=6).filter(
        lambda tree: not any(other.startswith(path + '/') for path in tree for other in tree))


def _write_tree(root, tree, mtime):
    for relative, content in tree.items():
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as handle:
            handle.write(content)
        os.utime(path, (mtime, mtime))


def _packed_digest(root, work):
    destination = os.path.join(work, 'package.tar.bz2')
    packages.pack_directory(root, destination)
    with open(destination, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@settings(max_examples=25, deadline=None)
@given(tree=file_trees, first_mtime=st.integers(0, 2 ** 31), second_mtime=st.integers(0, 2 ** 31))
def test_packing_ignores_times_and_creation_order(tree, first_mtime, second_mtime):
    work = tempfile.mkdtemp()
    try:
        one, two = os.path.join(work, 'one'), os.path.join(work, 'two')
        os.makedirs(one)
        os.makedirs(two)
        _write_tree(one, tree, first_mtime)
        _write_tree(two, dict(reversed(list(tree.items()))), second_mtime)
        assert _packed_digest(one, work) == _packed_digest(two, work)
    finally:
        shutil.rmtree(work)


@settings(max_examples=25, deadline=None)
@given(tree=file_trees, extra=st.binary(min_size=1, max_size=20))
def test_packing_sees_every_content_change(tree, extra):
    work = tempfile.mkdtemp()
    try:
        root = os.path.join(work, 'tree')
        os.makedirs(root)
        _write_tree(root, tree, 0)
        before = _packed_digest(root, work)
        changed = next(os.path.join(dirpath, name) for dirpath, _dirs, names in sorted(os.walk(root)) for name in names)
        with open(changed, 'ab') as handle:
            handle.write(extra)
        assert _packed_digest(root, work) != before
    finally:
        shutil.rmtree(work)
