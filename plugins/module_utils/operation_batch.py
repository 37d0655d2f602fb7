# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Waiting for many operations at once without one request per operation.

After a burst of launches most operations are already final. One listing of
``/1.0/operations?recursion=1`` tells which; only the others are waited for,
with the client's ``wait_all`` under the same deadline. A server that answers
the listing with URLs only (or not at all) costs one request and nothing else.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSHTTPError
from ansible_collections.anbox.ams.plugins.module_utils.operations import Operation

# Below this many operations, waiting for each costs no more than the listing.
BATCH_THRESHOLD = 3


def _listed(client):
    """id → operation metadata for every operation AMS lists with its details."""
    try:
        groups = client.get('/1.0/operations', query={'recursion': '1'}).metadata
    except AMSHTTPError:
        return {}
    found = {}
    for items in (groups.values() if isinstance(groups, dict) else []):
        for item in items or []:
            if isinstance(item, dict) and item.get('id'):
                found[item['id']] = item
    return found


def refresh(client, operations):
    """The operations as AMS reports them now, read in one request; unlisted ones as they were."""
    listed = _listed(client)
    return [Operation(listed[operation.id], operation.path) if operation.id in listed else operation
            for operation in operations]


def wait_all(client, operations, timeout):
    """Like ``client.wait_all``: every operation final (failed ones included), in the order given."""
    if len(operations) >= BATCH_THRESHOLD:
        operations = refresh(client, operations)
    pending = [operation for operation in operations if not operation.final]
    finished = dict((operation.id, operation) for operation in client.wait_all(pending, timeout)) if pending else {}
    return [finished.get(operation.id, operation) for operation in operations]
