# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import instances


def params(**overrides):
    base = dict(name='game-1', id=None, type=None, application='my-game', application_version=None, image=None,
                image_version=None, tags=None, addons=None, node=None, user_data=None, services=None,
                resources=None, config=None, delete_protected=None)
    base.update(overrides)
    return base


def test_launch_body_carries_the_names_of_the_go_sdk_instances_post():
    # api.InstancesPost: resources cpus, disk_size and memory (int64 bytes), gpu-slots, gpu-type, vpu-slots;
    # config.display and config.security.delete_protected; no_start.
    task = params(tags=['canary'], addons=['tools'], node='lxd0', user_data='hi',
                  resources={'cpus': 2, 'memory': '4GB', 'disk_size': '8GiB', 'gpu_slots': 1, 'gpu_type': 'nvidia',
                             'vpu_slots': None},
                  config={'platform': 'webrtc', 'devmode': True, 'features': None,
                          'display': {'width': 1280, 'height': 720, 'fps': 30, 'density': None}},
                  delete_protected=True, services=[{'name': 'adb', 'port': 5559, 'port_end': None,
                                                    'protocols': None, 'expose': False}])
    wanted = instances.check_options(task)
    body = instances.launch_body(task, wanted, app_id='app1', start=False)
    assert body == {
        'name': 'game-1', 'type': 'container', 'app_id': 'app1', 'node': 'lxd0', 'user_data': 'hi',
        'tags': ['canary'], 'addons': ['tools'],
        'services': [{'name': 'adb', 'port': 5559, 'protocols': ['tcp'], 'expose': False}],
        'resources': {'cpus': 2, 'memory': 4000000000, 'disk_size': 8589934592, 'gpu-slots': 1, 'gpu-type': 'nvidia'},
        'config': {'platform': 'webrtc', 'devmode': True, 'display': {'width': 1280, 'height': 720, 'fps': 30},
                   'security': {'delete_protected': True}},
        'no_start': True}


def test_an_image_launch_names_the_image_and_its_version():
    task = params(application=None, image='android13', image_version=2, type='vm')
    body = instances.launch_body(task, instances.check_options(task), image_id='img1')
    assert body == {'name': 'game-1', 'type': 'vm', 'image_id': 'img1', 'image_version': 2}


@pytest.mark.parametrize('overrides, words', [
    ({'name': 'x' * 64}, 'at most 63'),
    ({'name': '1game'}, 'not a valid instance name'),
    ({'name': 'game_1'}, 'not a valid instance name'),
    ({'name': 'game-'}, 'not a valid instance name'),
    ({'resources': {'memory': 'lots'}}, "resources.memory 'lots' is not a size"),
    ({'resources': {'cpus': 0}}, 'resources.cpus must be greater than 0'),
    ({'resources': {'gpu_slots': -1}}, 'resources.gpu_slots must be 0 or more'),
    ({'resources': {'disk_size': 0}}, 'resources.disk_size must be greater than 0'),
    ({'config': {'display': {'width': 0}}}, 'config.display.width must be greater than 0'),
    ({'services': [{'port': 0}]}, 'services[0]: port must be between 1 and 65535'),
    ({'application_version': -1}, 'application_version must be 0 or more'),
])
def test_bad_options_are_named(overrides, words):
    with pytest.raises(instances.InstanceOptionError) as caught:
        instances.check_options(params(**overrides))
    assert words in str(caught.value)


INSTANCE = {'id': 'i1', 'name': 'game-1', 'type': 'container', 'status': 'running', 'status_code': 4,
            'node': 'lxd0', 'app_id': 'app1', 'app_name': 'my-game', 'app_version': 0, 'tags': ['b', 'a'],
            'services': [{'name': 'adb', 'port': 5559, 'protocols': ['tcp'], 'expose': False, 'node_port': 10001}],
            'resources': {'cpus': 2, 'memory': 4000000000, 'disk-size': 8589934592, 'gpu-slots': 0},
            'config': {'platform': 'webrtc', 'display': {'width': 1280, 'height': 720, 'fps': 30, 'density': 240},
                       'security': {'delete_protected': True}}}


def test_the_same_launch_fields_differ_in_nothing():
    task = params(application='my-game', application_version=0, type='container', tags=['a', 'b'], node='lxd0',
                  services=[{'name': 'adb', 'port': 5559, 'port_end': None, 'protocols': ['tcp'], 'expose': False}],
                  resources={'cpus': 2, 'memory': '4GB', 'disk_size': '8GiB', 'gpu_slots': 0},
                  config={'platform': 'webrtc', 'display': {'width': 1280, 'height': 720, 'fps': 30}})
    wanted = instances.check_options(task)
    assert instances.launch_differences(INSTANCE, task, wanted, app={'id': 'app1'}) == []


def test_every_differing_launch_field_is_named_with_both_values():
    task = params(application='other-game', tags=['c'], node='lxd1', type='vm',
                  resources={'cpus': 4, 'memory': '4GB'}, config={'display': {'fps': 60}, 'devmode': True})
    wanted = instances.check_options(task)
    differences = instances.launch_differences(INSTANCE, task, wanted, app={'id': 'app2'})
    assert differences == [
        ('application', 'other-game', 'my-game'), ('type', 'vm', 'container'), ('node', 'lxd1', 'lxd0'),
        ('tags', ['c'], ['b', 'a']), ('resources.cpus', 4, 2), ('config.devmode', True, False),
        ('config.display.fps', 60, 30)]
    text = instances.describe_differences(differences)
    assert "node: the task has 'lxd1', the instance has 'lxd0'" in text


def test_the_diff_view_shows_status_and_protection():
    assert instances.view(INSTANCE)['delete_protected'] is True
    assert instances.view(INSTANCE)['status'] == 'running'
    assert instances.view(None) == {}
