# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Batches of requests stay within max_parallel, on kept-alive connections, as the simulator sees them.

The simulator logs, for every request, how many it was handling when that
one started (``in_flight``). Every request of these tasks comes from the task
itself, so the peak over the task is the task's own concurrency. A latency of
50 ms per request keeps requests in flight long enough to overlap.
"""

from __future__ import annotations

import pytest

IMAGE = 'populated-image'
INSTANCE_TYPE = 'a2.3'
SIMULATOR_ARGS = ['--fault-latency', '0.05', '--container-boot-delay', '0.2', '--populate-nodes', '2',
                  '--populate-containers', '1']


def check_peak(entries, bound):
    """Never more than ``bound`` in flight, and with a bound above 1 more than one at some point."""
    assert entries, 'the simulator logged no request'
    peak = max(entry['in_flight'] for entry in entries)
    assert peak <= bound
    assert peak > 1 or bound == 1
    return peak


def scale(ansible, simulator, count, **options):
    mark = simulator.log_mark()
    run = ansible.run('ams_container', dict(simulator.connection, image=IMAGE, instance_type=INSTANCE_TYPE,
                                            count=count, wait_timeout=300, **options))
    assert not run.failed, run.msg or run.output[-3000:]
    return run, simulator.requests_since(mark)


@pytest.mark.parametrize('max_parallel', [1, 4])
def test_launches_waits_and_removals_never_exceed_max_parallel(ansible, simulator_factory, max_parallel):
    simulator = simulator_factory(SIMULATOR_ARGS)
    run, launching = scale(ansible, simulator, 24, max_parallel=max_parallel)
    assert len(run.result['launched']) == 24
    assert len([entry for entry in launching if entry['method'] == 'POST']) == 24
    check_peak(launching, max_parallel)

    run, removing = scale(ansible, simulator, 0, max_parallel=max_parallel)
    assert len(run.result['removed']) == 24
    assert len([entry for entry in removing if entry['method'] == 'DELETE']) == 24
    check_peak(removing, max_parallel)


def test_the_default_bound_is_16_and_the_environment_can_set_it(ansible, simulator_factory):
    simulator = simulator_factory(SIMULATOR_ARGS)
    _run, entries = scale(ansible, simulator, 40)
    assert check_peak(entries, 16) > 3

    mark = simulator.log_mark()
    run = ansible.run('ams_container', dict(simulator.connection, image=IMAGE, instance_type=INSTANCE_TYPE,
                                            count=0, wait_timeout=300), env={'AMS_MAX_PARALLEL': '3'})
    assert not run.failed, run.msg
    assert check_peak(simulator.requests_since(mark), 3) > 1


def test_config_items_go_out_together_within_the_bound(ansible, simulator_factory):
    simulator = simulator_factory(SIMULATOR_ARGS)
    config = {'application.max_published_versions': 7, 'scheduler.strategy': 'binpack',
              'application.auto_publish': False, 'container.default_platform': 'webrtc'}
    mark = simulator.log_mark()
    run = ansible.run('ams_config', dict(simulator.connection, config=config, max_parallel=2))
    assert not run.failed, run.msg
    entries = simulator.requests_since(mark)
    assert len([entry for entry in entries if entry['method'] == 'PATCH']) == 4
    check_peak(entries, 2)
    assert run.result['config']['application.max_published_versions'] == 7
    assert run.result['config']['scheduler.strategy'] == 'binpack'


@pytest.mark.parametrize('max_parallel', [1, 4])
def test_a_task_keeps_its_connections_alive_within_the_bound(ansible, simulator_factory, max_parallel):
    # The simulator numbers its TLS connections (`connection` in the request log): one handshake each.
    simulator = simulator_factory(SIMULATOR_ARGS)
    _run, entries = scale(ansible, simulator, 12, max_parallel=max_parallel)
    connections = {entry['connection'] for entry in entries}
    assert len(entries) > 12 and None not in connections
    assert len(connections) <= max_parallel, (len(entries), sorted(connections))


def test_a_task_that_changes_nothing_costs_one_handshake_and_one_get(ansible, simulator_factory):
    simulator = simulator_factory()
    task = dict(simulator.connection, config={'application.max_published_versions': 2})
    assert not ansible.run('ams_config', task).failed
    mark = simulator.log_mark()
    run = ansible.run('ams_config', task)
    entries = simulator.requests_since(mark)
    assert not run.failed and not run.changed, run.output[-2000:]
    assert [(entry['method'], entry['path']) for entry in entries] == [('GET', '/1.0/config')]
    assert entries[0]['connection'] is not None
