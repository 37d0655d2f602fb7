# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Containers: the launch request, which containers a selector counts and removes first, waiting until they run."""

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.client import Deadline, Response
from ansible_collections.anbox.ams.plugins.module_utils.containers import (
    ContainerFailures,
    LaunchOptionError,
    Selector,
    launch_body,
    removal_order,
    surplus,
    wait_until_running,
)
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSOperationTimeout
from ansible_collections.anbox.ams.tests.unit.plugins.fake_clock import FakeClock


def test_image_launch_body():
    body = launch_body({'instance_type': 'a4.3', 'image_version': 2, 'node': 'lxd1', 'user_data': 'hi',
                        'services': [{'name': 'ssh', 'port': 22, 'port_end': None, 'protocols': None,
                                      'expose': True}]}, image_id='img1')
    assert body == {'image_id': 'img1', 'instance_type': 'a4.3', 'image_version': 2, 'node': 'lxd1',
                    'user_data': 'hi', 'services': [{'name': 'ssh', 'port': 22, 'protocols': ['tcp'],
                                                     'expose': True}]}


def test_application_launch_body_has_no_instance_type():
    body = launch_body({'instance_type': 'a4.3', 'gpu_slots': 0}, app_id='app1')
    assert body == {'app_id': 'app1', 'gpu-slots': 0}


def test_launch_resources_carry_the_names_of_the_go_sdk_containers_post():
    # api.ContainersPost: CPUs `json:"cpus"`, GPUSlots `json:"gpu-slots"`, Memory and DiskSize
    # `json:"memory"`/`json:"disk_size"` as int64 byte counts.
    body = launch_body({'cpu': 3, 'gpu_slots': 1, 'memory': '3GB', 'disk_size': '2GiB'}, app_id='app1')
    assert body == {'app_id': 'app1', 'cpus': 3, 'gpu-slots': 1, 'memory': 3000000000, 'disk_size': 2147483648}
    assert 'cpu' not in body and 'gpu_slots' not in body


@pytest.mark.parametrize('params, words', [
    ({}, 'instance_type is required'),
    ({'instance_type': 'a4.3', 'cpu': 0}, 'cpu must be greater than 0'),
    ({'instance_type': 'a4.3', 'memory': 'much'}, "memory 'much' is not a size"),
    ({'instance_type': 'a4.3', 'disk_size': 0}, 'disk_size must be greater than 0'),
    ({'instance_type': 'a4.3', 'gpu_slots': -1}, 'gpu_slots must not be negative'),
    ({'instance_type': 'a4.3', 'services': [{'port': 70000}]}, 'services[0]: port must be between 1 and 65535'),
    ({'instance_type': 'a4.3', 'services': [{'port': 80, 'port_end': 79}]}, 'port_end must be between'),
    ({'instance_type': 'a4.3', 'services': [{'port': 80, 'protocols': ['sctp']}]}, 'protocols must be tcp or udp'),
])
def test_bad_launch_options_are_named(params, words):
    with pytest.raises(LaunchOptionError) as caught:
        launch_body(params, image_id='img1')
    assert words in str(caught.value)


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


class ScriptedListings(FakeClock):
    """Each GET returns the next scripted listing (the last one repeats)."""

    def __init__(self, listings):
        super().__init__(now=0.0)
        self.listings = listings
        self.gets = 0

    def get(self, path, query=None):
        assert (path, query) == ('/1.0/containers', {'recursion': '1'})
        listing = self.listings[min(self.gets, len(self.listings) - 1)]
        self.gets += 1
        return Response(200, listing)


def c(container_id, code, message=''):
    return {'id': container_id, 'status_code': code, 'status': str(code), 'error_message': message}


def test_returns_once_all_run_with_one_listing_per_round():
    client = ScriptedListings([[c('a', 1), c('b', 1)], [c('a', 4), c('b', 3)], [c('a', 4), c('b', 4)]])
    listing = wait_until_running(client, ['a', 'b'], deadline=Deadline(client.clock, 100))
    assert client.gets == 3
    assert [item['id'] for item in listing] == ['a', 'b']


def test_failures_are_collected_until_nothing_is_starting():
    client = ScriptedListings([[c('a', -1, 'no GPU'), c('b', 2)], [c('a', -1, 'no GPU'), c('b', -1, 'crashed')]])
    with pytest.raises(ContainerFailures) as caught:
        wait_until_running(client, ['a', 'b'], deadline=Deadline(client.clock, 100))
    assert caught.value.message == '2 of 2 launched container(s) failed: a: no GPU; b: crashed'


def test_a_vanished_container_is_a_failure():
    client = ScriptedListings([[c('a', 4)]])
    with pytest.raises(ContainerFailures) as caught:
        wait_until_running(client, ['a', 'b'], deadline=Deadline(client.clock, 100))
    assert 'b: the container disappeared' in caught.value.message


def test_deadline_names_the_containers_still_starting():
    client = ScriptedListings([[c('a', 4), c('b', 2)]])
    with pytest.raises(AMSOperationTimeout) as caught:
        wait_until_running(client, ['a', 'b'], deadline=Deadline(client.clock, 3))
    assert '1 of 2 launched container(s) were not running' in caught.value.message
    assert 'b (2)' in caught.value.message
    assert client.now <= 3
