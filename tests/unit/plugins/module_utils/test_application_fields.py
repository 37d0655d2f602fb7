# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils import application_fields

APP = {'instance_type': 'a4.3', 'parent_image_id': 'img1', 'tags': ['b', 'a'], 'addons': [],
       'resources': {'cpus': 4, 'gpu-slots': -1}, 'inhibit_auto_updates': False}


def options(**wanted):
    base = dict((name, None) for name in application_fields.FIELDS)
    base.update(wanted)
    return base


def test_equal_values_give_an_empty_patch():
    body, before, after = application_fields.changes(
        APP, options(instance_type='a4.3', tags=['a', 'b'], addons=[], resources={'cpus': '4'},
                     inhibit_auto_updates=False, image='android13'), image_id='img1')
    assert (body, before, after) == ({}, {}, {})


def test_changed_values_use_the_patch_spelling_of_ams():
    body, before, after = application_fields.changes(
        APP, options(instance_type='a2.3', tags=[], resources={'disk_size': '10GB'}, image='other',
                     inhibit_auto_updates=True), image_id='img2')
    assert body == {'instance-type': 'a2.3', 'tags': [], 'resources': {'disk-size': '10GB'}, 'image': 'other',
                    'inhibit_auto_updates': True}
    assert before == {'instance_type': 'a4.3', 'tags': ['b', 'a'], 'resources': {'cpus': 4, 'gpu-slots': -1},
                      'image': 'img1', 'inhibit_auto_updates': False}
    assert after['image'] == 'img2' and after['resources'] == {'disk-size': '10GB'}


def test_options_not_set_are_not_managed():
    assert application_fields.changes({'tags': ['x']}, options()) == ({}, {}, {})


def test_options_govern_their_manifest_keys():
    overridden = application_fields.manifest_keys_overridden(options(tags=[], inhibit_auto_updates=True,
                                                                     instance_type='a2.3'))
    assert overridden == {'tags', 'instance-type'}


def test_validations_name_the_problem():
    assert application_fields.instance_type_problem('a4.3', 'x') is None
    assert 'a3.3 is not an instance type' in application_fields.instance_type_problem('a3.3', 'instance-type')
    assert application_fields.name_problem('my-game', 'name') is None
    assert 'holds a character' in application_fields.name_problem('my game', 'name')
    assert 'holds a character' in application_fields.name_problem('a/b', 'name')


def test_resources_are_sent_with_the_keys_of_the_go_sdk():
    # api.ApplicationResourcesPost: cpus, memory and disk-size (strings with units), gpu-slots,
    # gpu-type, vpu-slots, and no_disk_reserve with its underscore.
    body, _before, _after = application_fields.changes(
        {'resources': {}}, options(resources={'cpus': 2, 'memory': 4000000000, 'disk_size': '8GB', 'gpu_slots': 1,
                                              'vpu-slots': 1, 'gpu_type': 'nvidia', 'no-disk-reserve': True}))
    assert body == {'resources': {'cpus': 2, 'memory': '4000000000', 'disk-size': '8GB', 'gpu-slots': 1,
                                  'vpu-slots': 1, 'gpu-type': 'nvidia', 'no_disk_reserve': True}}


def test_resource_sizes_compare_as_bytes():
    app = {'resources': {'memory': '4GB', 'disk-size': '3GiB', 'no_disk_reserve': True}}
    wanted = options(resources={'memory': '4000MB', 'disk_size': 3221225472, 'no_disk_reserve': True})
    assert application_fields.changes(app, wanted) == ({}, {}, {})


def test_unknown_resources_and_bad_sizes_are_refused():
    for resources, words in (({'cpu': 2}, 'cpu is not a resource AMS knows'),
                             ({'memory': 'plenty'}, "resources.memory 'plenty' is not a size")):
        try:
            application_fields.normalise_resources(resources)
        except application_fields.ResourceError as exc:
            assert words in str(exc)
        else:
            raise AssertionError('%s was accepted' % resources)
