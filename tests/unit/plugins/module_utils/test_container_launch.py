# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.container_launch import LaunchOptionError, launch_body


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
