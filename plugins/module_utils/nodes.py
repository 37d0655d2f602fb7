# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain: LXD nodes. Their status codes, which fields a task may change in place, which only at
creation, and how each compares."""

from ansible_collections.anbox.ams.plugins.module_utils.objects import merged_tags
from ansible_collections.anbox.ams.plugins.module_utils.sizes import same_size

# Status codes (AMS guarantees the numbers; the words are for people).
STATUS_CODES = {
    'error': -1, 'unknown': 0, 'created': 1, 'initializing': 2, 'initialized': 3, 'online': 4, 'offline': 5,
    'deleted': 6,
}

# Fields AMS takes in PATCH /1.0/nodes/<name>.
UPDATABLE = ('public_address', 'cpus', 'cpu_allocation_rate', 'memory', 'memory_allocation_rate',
             'gpu_slots', 'gpu_encoder_slots', 'tags', 'unschedulable')

# Fields fixed when the node is added. AMS does not report storage_device, network_name and
# network_subnet back, so a change to those cannot be seen and is not checked.
CREATION_ONLY = ('address', 'storage_device', 'storage_pool', 'network_name', 'network_subnet',
                 'network_bridge_mtu', 'unmanaged')

# Only in the POST that adds a node.
CREATE_ONLY_INPUT = ('trust_password',)

# Updatable fields that the POST adding a node does not take; they follow in a PATCH.
NOT_IN_CREATION = ('unschedulable',)


def _same_number(current, desired):
    try:
        return float(current) == float(desired)
    except (TypeError, ValueError):
        return False


def _same_tags(current, desired):
    return sorted(current or []) == sorted(desired or [])


def _same_text(current, desired):
    return (current or '') == (desired or '')


def _same_bool(current, desired):
    return bool(current) == bool(desired)


_COMPARE = {
    'public_address': _same_text,
    'cpus': _same_number,
    'cpu_allocation_rate': _same_number,
    'memory': same_size,
    'memory_allocation_rate': _same_number,
    'gpu_slots': _same_number,
    'gpu_encoder_slots': _same_number,
    'tags': _same_tags,
    'unschedulable': _same_bool,
    'address': _same_text,
    'storage_pool': _same_text,
    'network_bridge_mtu': _same_number,
}


# AMS before 1.20 spells unschedulable "unscheduable"; its Go client still carries both.
LEGACY_SPELLINGS = {'unschedulable': 'unscheduable'}


def wire_name(node, field):
    """The key ``field`` has on this server: the one the node object uses (the current one when both)."""
    legacy = LEGACY_SPELLINGS.get(field)
    if legacy and field not in node and legacy in node:
        return legacy
    return field


def reported(node, field):
    """(True, value) when AMS reports ``field`` for ``node``, else (False, None)."""
    if field == 'unmanaged':
        if 'managed' in node:
            return True, not node['managed']
        return False, None
    field = wire_name(node, field)
    if field in node:
        return True, node[field]
    return False, None


def creation_only_conflicts(node, desired):
    """Names of creation-only fields the task sets to something other than what AMS reports."""
    conflicts = []
    for field in CREATION_ONLY:
        if desired.get(field) is None:
            continue
        known, current = reported(node, field)
        if not known:
            continue
        compare = _COMPARE.get(field, _same_bool if field == 'unmanaged' else _same_text)
        if not compare(current, desired[field]):
            conflicts.append(field)
    return conflicts


def updates(node, desired, purge_tags=True):
    """The PATCH body: updatable fields the task sets whose value differs from the node's.

    With ``purge_tags`` false, the task's tags are added to the node's and none is removed.
    """
    patch = {}
    for field in UPDATABLE:
        if desired.get(field) is None:
            continue
        current = reported(node, field)[1]
        wanted = desired[field]
        if field == 'tags':
            wanted = merged_tags(current, wanted, purge_tags)
        if not _COMPARE[field](current, wanted):
            patch[field] = wanted
    return patch


def patch_body(node, patch):
    """``updates()`` as sent to this server: each field under the name the node object uses."""
    return dict((wire_name(node, field), value) for field, value in patch.items())


def creation_body(name, desired):
    """The POST body that adds a node: its name and every field the task sets."""
    body = {'name': name}
    for field in UPDATABLE + CREATION_ONLY + CREATE_ONLY_INPUT:
        if desired.get(field) is not None and field not in NOT_IN_CREATION:
            body[field] = desired[field]
    return body


def managed_view(node, fields):
    """The fields a task manages, as AMS reports them (for diff mode); absent node → {}."""
    if node is None:
        return {}
    view = {}
    for field in fields:
        known, value = reported(node, field)
        if known:
            view[field] = value
    return view
