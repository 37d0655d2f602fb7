# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.client import Response
from ansible_collections.anbox.ams.plugins.module_utils.container_waiting import (
    ContainerFailures,
    wait_until_running,
)
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSOperationTimeout


class ScriptedListings(object):
    """Each GET returns the next scripted listing (the last one repeats)."""

    def __init__(self, listings):
        self.listings = listings
        self.gets = 0
        self.now = 0.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    def get(self, path, query=None):
        assert (path, query) == ('/1.0/containers', {'recursion': '1'})
        listing = self.listings[min(self.gets, len(self.listings) - 1)]
        self.gets += 1
        return Response(200, listing)


def c(container_id, code, message=''):
    return {'id': container_id, 'status_code': code, 'status': str(code), 'error_message': message}


def test_returns_once_all_run_with_one_listing_per_round():
    client = ScriptedListings([[c('a', 1), c('b', 1)], [c('a', 4), c('b', 3)], [c('a', 4), c('b', 4)]])
    listing = wait_until_running(client, ['a', 'b'], deadline=100)
    assert client.gets == 3
    assert [item['id'] for item in listing] == ['a', 'b']


def test_failures_are_collected_until_nothing_is_starting():
    client = ScriptedListings([[c('a', -1, 'no GPU'), c('b', 2)], [c('a', -1, 'no GPU'), c('b', -1, 'crashed')]])
    with pytest.raises(ContainerFailures) as caught:
        wait_until_running(client, ['a', 'b'], deadline=100)
    assert caught.value.message == '2 of 2 launched container(s) failed: a: no GPU; b: crashed'


def test_a_vanished_container_is_a_failure():
    client = ScriptedListings([[c('a', 4)]])
    with pytest.raises(ContainerFailures) as caught:
        wait_until_running(client, ['a', 'b'], deadline=100)
    assert 'b: the container disappeared' in caught.value.message


def test_deadline_names_the_containers_still_starting():
    client = ScriptedListings([[c('a', 4), c('b', 2)]])
    with pytest.raises(AMSOperationTimeout) as caught:
        wait_until_running(client, ['a', 'b'], deadline=3)
    assert '1 of 2 launched container(s) were not running' in caught.value.message
    assert 'b (2)' in caught.value.message
    assert client.now <= 3
