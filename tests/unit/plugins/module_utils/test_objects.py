# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.client import Response
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.objects import (
    find_by_name_or_id,
    list_objects,
    object_path,
    require_by_name_or_id,
)


class Answers:
    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def get(self, path, query=None):
        self.asked.append((path, query))
        return Response(200, self.answers[path])


def test_listing_is_one_request_with_recursion():
    client = Answers({'/1.0/images': [{'id': 'i1'}, {'id': 'i2'}]})
    assert list_objects(client, 'images') == [{'id': 'i1'}, {'id': 'i2'}]
    assert client.asked == [('/1.0/images', {'recursion': '1'})]


def test_server_ignoring_recursion_is_read_object_by_object():
    client = Answers({'/1.0/nodes': ['/1.0/nodes/a'], '/1.0/nodes/a': {'name': 'a'}})
    assert list_objects(client, 'nodes') == [{'name': 'a'}]
    assert client.asked[1] == ('/1.0/nodes/a', None)


def test_find_prefers_id_then_name():
    objects = [{'id': 'x', 'name': 'game'}, {'id': 'game', 'name': 'other'}]
    assert find_by_name_or_id(objects, 'game', 'application') == {'id': 'game', 'name': 'other'}
    assert find_by_name_or_id(objects, 'nothing', 'application') is None


def test_two_objects_with_one_name_need_the_id():
    objects = [{'id': 'a', 'name': 'twin'}, {'id': 'b', 'name': 'twin'}]
    with pytest.raises(AMSConfigurationError) as caught:
        find_by_name_or_id(objects, 'twin', 'image')
    assert '2 images are named twin: give the id instead (a, b)' in caught.value.message


def test_unknown_reference_lists_what_exists():
    with pytest.raises(AMSConfigurationError) as caught:
        require_by_name_or_id([{'id': 'a', 'name': 'game'}], 'gmae', 'application')
    assert caught.value.message == 'AMS has no application with the name or id gmae (it has: game)'


def test_object_path_quotes_the_key():
    assert object_path('containers', 'a b/c') == '/1.0/containers/a%20b%2Fc'
