# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Applications: fields changed in place, and waiting until an application is ready."""

import re

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import applications
from ansible_collections.anbox.ams.plugins.module_utils.client import Deadline, Response
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSOperationTimeout
from ansible_collections.anbox.ams.tests.unit.plugins.fake_clock import FakeClock


APP = {'instance_type': 'a4.3', 'parent_image_id': 'img1', 'tags': ['b', 'a'], 'addons': [],
       'resources': {'cpus': 4, 'gpu-slots': -1}, 'inhibit_auto_updates': False}


def options(**wanted):
    base = dict((name, None) for name in applications.FIELDS)
    base.update(wanted)
    return base


def test_equal_values_give_an_empty_patch():
    body, before, after = applications.changes(
        APP, options(instance_type='a4.3', tags=['a', 'b'], addons=[], resources={'cpus': '4'},
                     inhibit_auto_updates=False, image='android13'), image_id='img1')
    assert (body, before, after) == ({}, {}, {})


def test_changed_values_use_the_patch_spelling_of_ams():
    body, before, after = applications.changes(
        APP, options(instance_type='a2.3', tags=[], resources={'disk_size': '10GB'}, image='other',
                     inhibit_auto_updates=True), image_id='img2')
    assert body == {'instance-type': 'a2.3', 'tags': [], 'resources': {'disk-size': '10GB'}, 'image': 'other',
                    'inhibit_auto_updates': True}
    assert before == {'instance_type': 'a4.3', 'tags': ['b', 'a'], 'resources': {'cpus': 4, 'gpu-slots': -1},
                      'image': 'img1', 'inhibit_auto_updates': False}
    assert after['image'] == 'img2' and after['resources'] == {'disk-size': '10GB'}


def test_options_not_set_are_not_managed():
    assert applications.changes({'tags': ['x']}, options()) == ({}, {}, {})


def test_options_govern_their_manifest_keys():
    overridden = applications.manifest_keys_overridden(options(tags=[], inhibit_auto_updates=True,
                                                               instance_type='a2.3'))
    assert overridden == {'tags', 'instance-type'}


def test_validations_name_the_problem():
    assert applications.instance_type_problem('a4.3', 'x') is None
    assert 'a3.3 is not an instance type' in applications.instance_type_problem('a3.3', 'instance-type')
    assert applications.name_problem('my-game', 'name') is None
    assert 'holds a character' in applications.name_problem('my game', 'name')
    assert 'holds a character' in applications.name_problem('a/b', 'name')


def test_resources_are_sent_with_the_keys_of_the_go_sdk():
    # api.ApplicationResourcesPost: cpus, memory and disk-size (strings with units), gpu-slots,
    # gpu-type, vpu-slots, and no_disk_reserve with its underscore.
    body, _before, _after = applications.changes(
        {'resources': {}}, options(resources={'cpus': 2, 'memory': 4000000000, 'disk_size': '8GB', 'gpu_slots': 1,
                                              'vpu-slots': 1, 'gpu_type': 'nvidia', 'no-disk-reserve': True}))
    assert body == {'resources': {'cpus': 2, 'memory': '4000000000', 'disk-size': '8GB', 'gpu-slots': 1,
                                  'vpu-slots': 1, 'gpu-type': 'nvidia', 'no_disk_reserve': True}}


def test_resource_sizes_compare_as_bytes():
    app = {'resources': {'memory': '4GB', 'disk-size': '3GiB', 'no_disk_reserve': True}}
    wanted = options(resources={'memory': '4000MB', 'disk_size': 3221225472, 'no_disk_reserve': True})
    assert applications.changes(app, wanted) == ({}, {}, {})


@pytest.mark.parametrize('resources, words', [
    ({'cpu': 2}, 'cpu is not a resource AMS knows'),
    ({'memory': 'plenty'}, "resources.memory 'plenty' is not a size"),
])
def test_unknown_resources_and_bad_sizes_are_refused(resources, words):
    with pytest.raises(applications.ResourceError, match=re.escape(words)):
        applications.normalise_resources(resources)


def app(status_code, versions):
    return {'name': 'game', 'status_code': status_code, 'status': 'x',
            'versions': [{'number': number, 'status_code': code, 'error_message': message}
                         for number, code, message in versions]}


class ScriptedClient(FakeClock):
    """Answers GETs of the application from a list of states; the last one repeats."""

    def __init__(self, states):
        super().__init__(now=0.0)
        self.states = list(states)
        self.gets = 0

    def get(self, path):
        assert path == '/1.0/applications/game'
        self.gets += 1
        return Response(200, self.states.pop(0) if len(self.states) > 1 else self.states[0])


def test_ready_needs_the_app_ready_and_the_new_version_settled():
    assert applications.state(app(2, [(0, 3, '')]), None) == 'ready'
    assert applications.state(app(2, [(0, 3, '')]), 1) == 'pending'
    assert applications.state(app(1, [(0, 3, ''), (1, 1, '')]), 1) == 'pending'
    assert applications.state(app(2, [(0, 3, ''), (1, 6, '')]), 1) == 'pending'
    assert applications.state(app(2, [(0, 3, ''), (1, 2, '')]), 1) == 'ready'
    assert applications.state(app(1, [(0, -1, 'boom')]), 0) == 'error'
    assert applications.state(app(-1, [(0, 1, '')]), 0) == 'error'


def test_error_message_prefers_the_latest_version():
    assert applications.error_message(app(-1, [(0, 3, 'old'), (1, -1, 'hook failed')])) == 'hook failed'
    assert applications.error_message(dict(app(-1, []), error_message='app level')) == 'app level'
    assert applications.error_message(app(-1, [(0, -1, '')])) == 'AMS gave no error_message'


def test_polls_with_growing_sleeps_until_ready():
    client = ScriptedClient([app(1, [(0, 1, '')])] * 4 + [app(2, [(0, 3, '')])])
    deadline = Deadline(client.clock, 60)
    result = applications.wait_until_ready(client, 'game', deadline, min_version=0)
    assert result['status_code'] == 2 and client.gets == 5
    assert client.sleeps == sorted(client.sleeps) and client.sleeps[0] == applications.FIRST_POLL_SECONDS


def test_failure_carries_the_error_message():
    client = ScriptedClient([app(1, [(0, 1, '')]), app(-1, [(0, -1, 'bootstrap failed: no space')])])
    with pytest.raises(applications.ApplicationFailed, match='ended in error: bootstrap failed: no space'):
        applications.wait_until_ready(client, 'game', Deadline(client.clock, 60))


def test_deadline_is_never_overslept():
    client = ScriptedClient([app(1, [(0, 1, '')])])
    with pytest.raises(AMSOperationTimeout, match='still x after 5 seconds'):
        applications.wait_until_ready(client, 'game', Deadline(client.clock, 5))
    assert sum(client.sleeps) == pytest.approx(5)
    assert max(client.sleeps) <= applications.MAX_POLL_SECONDS


def test_resources_ams_leaves_out_when_zero_or_false_compare_equal():
    # AMS (its Go client's omitempty) leaves gpu-slots: 0 and no_disk_reserve: false out of the application.
    app = {'resources': {'cpus': 2}}
    wanted = options(resources={'cpus': 2, 'gpu_slots': 0, 'no_disk_reserve': False})
    assert applications.changes(app, wanted) == ({}, {}, {})
    body, _before, _after = applications.changes(app, options(resources={'gpu_slots': 1}))
    assert body == {'resources': {'gpu-slots': 1}}
