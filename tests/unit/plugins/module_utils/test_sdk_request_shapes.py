# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every request body (or X-AMS-Request header) the collection builds, against the JSON names of AMS's Go client.

AMS decodes JSON as Go does: a field it does not know is ignored without a word. So each body here is
compared exactly, and each test names the Go SDK type (package api of canonical/ams-sdk) whose JSON tags
it follows.
"""

from ansible_collections.anbox.ams.plugins.module_utils import applications, config_values, containers, instances, nodes
from ansible_collections.anbox.ams.plugins.modules.ams_addon import AMSAddon
from ansible_collections.anbox.ams.plugins.modules.ams_image import AMSImage
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import FakeClient, FakeModule


def test_containers_post():
    # ContainersPost: app_id, app_version, image_id, image_version, instance_type, node, user_data, services,
    # disk_size (int64 bytes), cpus, memory (int64 bytes), gpu-slots, config.{platform, boot_package, ...}.
    body = containers.launch_body({'application_version': 1, 'node': 'lxd0', 'user_data': 'x', 'cpu': 2, 'memory': '2GB',
                                   'disk_size': '3GB', 'gpu_slots': 1,
                                   'config': {'platform': 'webrtc', 'boot_package': 'com.example'}}, app_id='a1')
    assert body == {'app_id': 'a1', 'app_version': 1, 'node': 'lxd0', 'user_data': 'x', 'cpus': 2,
                    'memory': 2000000000, 'disk_size': 3000000000, 'gpu-slots': 1,
                    'config': {'platform': 'webrtc', 'boot_package': 'com.example'}}


def test_instances_post():
    # InstancesPost: name, type, app_id, resources.{cpus, disk_size, memory, gpu-slots, gpu-type, vpu-slots},
    # config.security.delete_protected, no_start.
    params = {'name': 'i1', 'type': 'vm', 'resources': {'cpus': 1, 'disk_size': 1024, 'vpu_slots': 1},
              'delete_protected': True}
    body = instances.launch_body(params, instances.check_options(params), app_id='a1', start=False)
    assert body == {'name': 'i1', 'type': 'vm', 'app_id': 'a1', 'resources': {'cpus': 1, 'disk_size': 1024, 'vpu-slots': 1},
                    'config': {'security': {'delete_protected': True}}, 'no_start': True}


def test_nodes_post():
    # NodesPost: name, address, public_address, trust_password, network_bridge_mtu, storage_device, cpus,
    # cpu_allocation_rate, memory (string), memory_allocation_rate, gpu_slots, gpu_encoder_slots, tags,
    # unmanaged, storage_pool, network_name, network_subnet. NodesPost has no unschedulable: a PATCH follows.
    desired = {'address': '10.0.0.1', 'public_address': '1.2.3.4', 'trust_password': 'pw', 'network_bridge_mtu': 1500,
               'storage_device': '/dev/sdb', 'cpus': 4, 'cpu_allocation_rate': 2.0, 'memory': '8GB',
               'memory_allocation_rate': 1.5, 'gpu_slots': 2, 'gpu_encoder_slots': 1, 'tags': ['a'], 'unmanaged': False,
               'storage_pool': 'p', 'network_name': 'br0', 'network_subnet': '10.1.0.1/24', 'unschedulable': True}
    body = nodes.creation_body('lxd1', desired)
    expected = dict(desired, name='lxd1')
    del expected['unschedulable']
    assert body == expected


def test_node_patch_and_its_spelling_before_ams_1_20():
    # NodePatch: unschedulable, and the deprecated unscheduable an AMS before 1.20 reads instead.
    assert nodes.patch_body({'unschedulable': False}, {'unschedulable': True, 'cpus': 8}) == {'unschedulable': True, 'cpus': 8}
    assert nodes.patch_body({'unscheduable': False}, {'unschedulable': True}) == {'unscheduable': True}


def test_application_patch():
    # ApplicationPatch: image, instance-type, tags, addons, inhibit_auto_updates, resources
    # (ApplicationResourcesPost: cpus, memory and disk-size as strings, gpu-slots, vpu-slots, no_disk_reserve).
    options = dict((name, None) for name in applications.FIELDS)
    options.update(instance_type='a2.3', tags=['x'], addons=['tools'], inhibit_auto_updates=True,
                   resources={'cpus': 2, 'memory': '3GB', 'disk_size': 1000, 'no_disk_reserve': True}, image='img')
    body, _before, _after = applications.changes({}, options, image_id='img-id')
    assert body == {'instance-type': 'a2.3', 'tags': ['x'], 'addons': ['tools'], 'inhibit_auto_updates': True,
                    'image': 'img', 'resources': {'cpus': 2, 'memory': '3GB', 'disk-size': '1000', 'no_disk_reserve': True}}


def test_config_post_value_is_a_string():
    # ConfigPost: name, value (string).
    assert [config_values.render(value) for value in (True, 3, 2.0, ['a', 'b'], 'binpack')] == \
        ['true', '3', '2', 'a,b', 'binpack']


def _module(module_class, params):
    return module_class(FakeModule(params), client=FakeClient())


def test_images_post_and_image_patch_headers():
    # ImagesPost (X-AMS-Request of a new image): name, default. ImagePatch (X-AMS-Request of a new version,
    # as the SDK's UpdateImage sends an empty ImagePatch): default null, force_sync false.
    image = _module(AMSImage, {'name': 'android', 'default': None, 'wait_timeout': 60})
    assert image.create_request() == {'name': 'android', 'default': False}
    assert image.update_request({'default': True}) == {'default': None, 'force_sync': False}


def test_addons_post_and_addon_patch_headers():
    # AddonsPost: name. AddonPatch: no fields.
    addon = _module(AMSAddon, {'name': 'tools', 'wait_timeout': 60})
    assert addon.create_request() == {'name': 'tools'}
    assert addon.update_request({}) == {}
