# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection sends the field names AMS reads (its Go client's), so AMS acts on every option.

AMS ignores unknown JSON fields silently; the simulator does too in its default mode and logs each
one as ``ignored_fields``. A launch that AMS would take with its resources ignored shows here as a
container with the instance type's default resources and an ignored field in the log.
"""

from __future__ import annotations

import pytest

import packages

NODE = dict(name='sdk-node', address='10.8.0.1', cpus=16, memory='32GB', gpu_slots=4)


def _launch_with_resources(ansible, simulator, tmp_path):
    connection = simulator.connection
    image = packages.image_tarball(tmp_path / 'image.tar.gz')
    setup = ansible.run_tasks([
        ('ams_node', dict(connection, **NODE)),
        ('ams_image', dict(connection, name='sdk-image', src=image)),
    ])
    assert [run.failed for run in setup] == [False, False], [run.result for run in setup]
    mark = simulator.log_mark()
    run = ansible.run('ams_container', dict(connection, image='sdk-image', instance_type='a4.3', count=1,
                                            cpu=3, gpu_slots=1, memory='3GB'))
    assert not run.failed, run.result
    launches = [entry for entry in simulator.requests_since(mark)
                if entry['method'] == 'POST' and entry['path'] == '/1.0/containers']
    return run, launches


@pytest.mark.parametrize('mode', ['lenient', 'strict'])
def test_container_resources_take_effect(ansible, simulator_factory, tmp_path, mode):
    simulator = simulator_factory(['--strict-fields'] if mode == 'strict' else ['--no-strict-fields'])
    run, launches = _launch_with_resources(ansible, simulator, tmp_path)
    assert len(launches) == 1 and launches[0]['status'] == 202, launches
    assert launches[0].get('ignored_fields') == [], launches[0]
    resources = run.result['containers'][0]['resources']
    assert resources['cpus'] == 3, resources
    assert resources['gpu-slots'] == 1, resources


def test_a_node_of_an_older_ams_converges_on_unscheduable(ansible, simulator_factory):
    simulator = simulator_factory(['--legacy-unscheduable', '--strict-fields'])
    connection = simulator.connection
    first = ansible.run('ams_node', dict(connection, unschedulable=True, **NODE))
    assert not first.failed and first.changed, first.result
    assert first.result['node'].get('unscheduable') is True, first.result['node']
    mark = simulator.log_mark()
    for check in (True, False):
        again = ansible.run('ams_node', dict(connection, unschedulable=True, **NODE), check=check, diff=True)
        assert not again.failed and not again.changed, again.result
    assert simulator.mutating_requests_since(mark) == []
    unset = ansible.run('ams_node', dict(connection, unschedulable=False, **NODE))
    assert unset.changed and unset.result['node'].get('unscheduable') is False, unset.result
    patches = [entry for entry in simulator.requests_since(mark) if entry['method'] == 'PATCH']
    assert len(patches) == 1 and patches[0]['status'] in (200, 202), patches
