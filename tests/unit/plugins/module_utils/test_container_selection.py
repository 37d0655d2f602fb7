# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.container_selection import (
    Selector,
    removal_order,
    surplus,
)


def container(container_id, created_at=0, status_code=4, **fields):
    item = {'id': container_id, 'type': 'regular', 'status_code': status_code, 'created_at': created_at,
            'node': 'lxd0', 'app_id': 'app1', 'app_version': 1, 'image_id': 'img1', 'image_version': 0}
    item.update(fields)
    return item


def ids(containers):
    return [item['id'] for item in containers]


def test_application_selector_matches_regular_containers_of_the_app_and_version():
    containers = [container('a'), container('base', type='base'), container('gone', status_code=6),
                  container('v2', app_version=2), container('other', app_id='app2'),
                  container('img', app_id='', image_id='img1'), container('elsewhere', node='lxd1')]
    assert ids(Selector(app_id='app1', app_version=1, node='lxd0').select(containers)) == ['a']
    assert ids(Selector(app_id='app1').select(containers)) == ['a', 'v2', 'elsewhere']


def test_image_selector_skips_containers_of_applications():
    containers = [container('app-on-img'), container('img', app_id='', image_id='img1'),
                  container('img-v3', app_id='', image_id='img1', image_version=3)]
    assert ids(Selector(image_id='img1').select(containers)) == ['img', 'img-v3']
    assert ids(Selector(image_id='img1', image_version=3).select(containers)) == ['img-v3']


def test_errored_and_stopped_containers_still_count():
    containers = [container('err', status_code=-1), container('stopped', status_code=5)]
    assert ids(Selector(app_id='app1').select(containers)) == ['err', 'stopped']


def test_selector_needs_exactly_one_source():
    with pytest.raises(ValueError):
        Selector()
    with pytest.raises(ValueError):
        Selector(app_id='a', image_id='i')


def test_removal_order_is_errored_first_then_newest_then_greater_id():
    containers = [container('old', 10), container('err-old', 5, status_code=-1), container('new', 30),
                  container('err-new', 40, status_code=-1), container('tie-a', 20), container('tie-b', 20)]
    assert ids(removal_order(containers)) == ['err-new', 'err-old', 'new', 'tie-b', 'tie-a', 'old']


def test_unreadable_created_at_counts_as_oldest():
    containers = [container('unknown', None), container('known', 1)]
    assert ids(removal_order(containers)) == ['known', 'unknown']


@pytest.mark.parametrize('count, expected', [(3, []), (5, []), (2, ['err']), (0, ['err', 'c', 'b'])])
def test_surplus_takes_just_enough(count, expected):
    containers = [container('b', 2), container('c', 3), container('err', 1, status_code=-1)]
    assert ids(surplus(containers, count)) == expected


def test_describe_names_what_is_selected():
    assert Selector(app_id='x', app_version=2, node='n1').describe(app_name='game') == \
        'application game version 2 on node n1'
    assert Selector(image_id='i').describe() == 'image i'
