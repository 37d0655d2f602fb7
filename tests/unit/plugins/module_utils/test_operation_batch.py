# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils import operation_batch
from ansible_collections.anbox.ams.plugins.module_utils.client import Response
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSNotFound
from ansible_collections.anbox.ams.plugins.module_utils.operations import Operation


def op(op_id, status_code=103, err=''):
    return Operation({'id': op_id, 'status_code': status_code, 'err': err, 'description': 'launch'})


class Listing(object):
    """Answers the operation listing and records which operations were waited for one by one."""

    def __init__(self, listing=None, missing=False):
        self.listing = listing
        self.missing = missing
        self.gets = []
        self.waited = []

    def get(self, path, query=None):
        self.gets.append((path, query))
        if self.missing:
            raise AMSNotFound('no listing', status_code=404)
        return Response(200, self.listing)

    def wait_all(self, operations, timeout):
        self.waited.append([operation.id for operation in operations])
        return [Operation(dict(operation.metadata, status_code=200)) for operation in operations]


def test_only_operations_still_running_are_waited_for():
    client = Listing({'success': [{'id': 'a', 'status_code': 200}],
                      'failure': [{'id': 'b', 'status_code': 400, 'err': 'no capacity'}],
                      'running': [{'id': 'c', 'status_code': 103}]})
    finished = operation_batch.wait_all(client, [op('a'), op('b'), op('c')], 60)
    assert client.gets == [('/1.0/operations', {'recursion': '1'})]
    assert client.waited == [['c']]
    assert [(item.id, item.status_code, item.err) for item in finished] == [
        ('a', 200, ''), ('b', 400, 'no capacity'), ('c', 200, '')]


def test_a_listing_of_urls_falls_back_to_waiting_for_each():
    client = Listing({'success': ['/1.0/operations/a', '/1.0/operations/b', '/1.0/operations/c']})
    operation_batch.wait_all(client, [op('a'), op('b'), op('c')], 60)
    assert client.waited == [['a', 'b', 'c']]


def test_a_server_without_the_listing_falls_back_to_waiting_for_each():
    client = Listing(missing=True)
    finished = operation_batch.wait_all(client, [op('a'), op('b'), op('c')], 60)
    assert client.waited == [['a', 'b', 'c']]
    assert all(item.succeeded for item in finished)


def test_few_operations_skip_the_listing():
    client = Listing({})
    operation_batch.wait_all(client, [op('a'), op('b')], 60)
    assert client.gets == []
    assert client.waited == [['a', 'b']]


def test_nothing_pending_means_no_wait():
    client = Listing({'success': [{'id': x, 'status_code': 200} for x in 'abc']})
    operation_batch.wait_all(client, [op('a'), op('b'), op('c')], 60)
    assert client.waited == []
