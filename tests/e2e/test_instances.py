# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ams_instance and ams_instance_info through ansible-playbook, against the simulator over HTTPS.

Every transition is run twice: the second run reports no change and sends no mutating request
(read from the simulator's request log); check mode predicts the change and sends nothing.
"""

from __future__ import annotations

import pytest

import packages
from ams_e2e import simulator_dump

APP, IMAGE, NODE = 'inst-app', 'inst-image', 'inst-node'


@pytest.fixture(scope='module')
def world(tmp_path_factory, request):
    """A simulator holding a node, an image and a ready application."""
    import sys

    from ams_e2e import AnsibleRunner, collections_tree
    from ams_simulator.testing import SimulatorProcess, make_client_cert

    base = tmp_path_factory.mktemp('instances')
    cert, key, _fingerprint = make_client_cert(str(base / 'client'))
    simulator = SimulatorProcess(str(base / 'state'), extra_args=['--trust-cert', cert, '--strict-fields',
                                                                  '--container-boot-delay', '0.05'],
                                 python=sys.executable)
    simulator.start()
    request.addfinalizer(simulator.stop)
    connection = {'url': simulator.url, 'client_cert': cert, 'client_key': key, 'ca_cert': simulator.ca_cert}
    ansible = AnsibleRunner(collections_tree(base / 'collections'), base)
    image = packages.image_tarball(base / 'image.tar.gz')
    app = packages.application_dir(str(base / 'app'), APP, IMAGE)
    setup = ansible.run_tasks([
        ('ams_node', dict(connection, name=NODE, address='10.6.0.1', cpus=64, memory='128GB', gpu_slots=8)),
        ('ams_image', dict(connection, name=IMAGE, src=image)),
        ('ams_application', dict(connection, name=APP, src=app)),
    ])
    assert [run.failed for run in setup] == [False] * 3, [run.result for run in setup]
    return simulator, connection, ansible


def converge_twice(world, args, expect_changed=True):
    """Check mode, the change, then the same task again: returns the real run."""
    simulator, connection, ansible = world
    args = dict(connection, **args)
    mark = simulator.log_mark()
    predicted = ansible.run('ams_instance', args, check=True, diff=True)
    assert not predicted.failed, predicted.result
    assert predicted.changed is expect_changed, predicted.result
    assert simulator.mutating_requests_since(mark) == []
    real = ansible.run('ams_instance', args, diff=True)
    assert not real.failed, real.result
    assert real.changed is expect_changed, real.result
    mark = simulator.log_mark()
    again = ansible.run('ams_instance', args, diff=True)
    assert not again.failed, again.result
    if args.get('state') != 'restarted':
        assert not again.changed, again.result
        assert simulator.mutating_requests_since(mark) == [], simulator.mutating_requests_since(mark)
    return real


def test_every_state_transition_converges_and_reruns_quietly(world):
    launch = {'name': 'canary-1', 'application': APP, 'tags': ['canary', 'eu'],
              'resources': {'cpus': 2, 'memory': '4GB'}, 'config': {'display': {'width': 1280, 'height': 720}}}
    started = converge_twice(world, dict(launch))
    instance = started.result['instance']
    assert instance['name'] == 'canary-1' and instance['status'] == 'running', instance
    assert sorted(instance['tags']) == ['canary', 'eu'] and instance['resources']['cpus'] == 2
    assert started.result['diff']['before'] == {} and started.result['diff']['after']['status'] == 'running'

    stopped = converge_twice(world, {'name': 'canary-1', 'state': 'stopped'})
    assert stopped.result['instance']['status'] == 'stopped'
    assert stopped.result['diff']['before']['status'] == 'running'
    assert stopped.result['diff']['after']['status'] == 'stopped'

    again = converge_twice(world, dict(launch, state='started'))
    assert again.result['instance']['status'] == 'running'

    simulator, connection, ansible = world
    mark = simulator.log_mark()
    restarted = ansible.run('ams_instance', dict(connection, name='canary-1', state='restarted'))
    assert restarted.changed and restarted.result['instance']['status'] == 'running', restarted.result
    statuses = [entry for entry in simulator.mutating_requests_since(mark) if entry['method'] == 'PATCH']
    assert len(statuses) == 2, statuses

    protected = converge_twice(world, {'name': 'canary-1', 'delete_protected': True})
    assert protected.result['instance']['config']['security']['delete_protected'] is True
    refused = ansible.run('ams_instance', dict(connection, name='canary-1', state='absent'))
    assert refused.failed and 'protected from deletion' in refused.msg, refused.result
    removed = converge_twice(world, {'name': 'canary-1', 'state': 'absent', 'delete_protected': False})
    assert removed.result['instance'] == {}


def test_present_and_stopped_launch_without_starting(world):
    for name, state in (('standby-1', 'stopped'), ('standby-2', 'present')):
        run = converge_twice(world, {'name': name, 'image': IMAGE, 'state': state, 'type': 'container'})
        assert run.result['instance']['status'] in ('stopped', 'created'), run.result
    converge_twice(world, {'name': 'standby-2', 'state': 'absent'})
    converge_twice(world, {'name': 'standby-1', 'state': 'absent'})


def test_launch_fields_that_differ_are_named_unless_recreate(world):
    simulator, connection, ansible = world
    converge_twice(world, {'name': 'fields-1', 'application': APP, 'tags': ['a']})
    before = simulator_dump(simulator)
    mark = simulator.log_mark()
    args = dict(connection, name='fields-1', application=APP, tags=['b'], resources={'cpus': 3})
    refused = ansible.run('ams_instance', args)
    assert refused.failed, refused.result
    assert "tags: the task has ['b'], the instance has ['a']" in refused.msg, refused.msg
    assert 'resources.cpus: the task has 3' in refused.msg and 'recreate' in refused.msg, refused.msg
    assert simulator.mutating_requests_since(mark) == [] and simulator_dump(simulator) == before
    old_id = ansible.run('ams_instance_info', dict(connection, name='fields-1')).result['instances'][0]['id']
    recreated = converge_twice(world, {'name': 'fields-1', 'application': APP, 'tags': ['b'], 'recreate': True})
    assert recreated.result['instance']['tags'] == ['b'] and recreated.result['instance']['id'] != old_id
    converge_twice(world, {'name': 'fields-1', 'state': 'absent'})


def test_an_instance_that_fails_names_its_error_and_logs(world, simulator_factory):
    simulator = simulator_factory(['--strict-fields', '--fail', 'instance:broken-1'])
    _world_simulator, _connection, ansible = world
    connection = simulator.connection
    image = packages.image_tarball(simulator.state_dir + '/../image.tar.gz')
    setup = ansible.run_tasks([
        ('ams_node', dict(connection, name=NODE, address='10.6.0.1', cpus=64, memory='128GB')),
        ('ams_image', dict(connection, name=IMAGE, src=image)),
    ])
    assert [run.failed for run in setup] == [False, False]
    run = ansible.run('ams_instance', dict(connection, name='broken-1', image=IMAGE))
    assert run.failed and 'broken-1' in run.msg, run.result
    info = ansible.run('ams_instance_info', dict(connection, name='broken-1', logs=['android.log']))
    logs = info.result['instances'][0]['stored_logs']
    assert 'ended in error: instance broken-1 failed to start' in run.msg, run.msg
    assert logs and all(name in run.msg for name in logs), (run.msg, logs)
    assert info.result['instances'][0]['logs']['android.log'], info.result


@pytest.mark.parametrize('args, words', [
    ({'name': 'x' * 64, 'image': IMAGE}, ['at most 63']),
    ({'name': 'bad_name', 'image': IMAGE}, ['not a valid instance name']),
    ({'name': 'ok-1', 'application': 'no-such-app'}, ['no-such-app']),
    ({'name': 'ok-1', 'image': 'no-such-image'}, ['no-such-image']),
    ({'name': 'ok-1', 'image': IMAGE, 'type': 'box'}, ['type']),
    ({'name': 'ok-1', 'image': IMAGE, 'resources': {'memory': 'lots'}}, ['resources.memory']),
    ({'name': 'ok-1', 'id': 'abc', 'image': IMAGE}, ['mutually exclusive']),
    ({'name': 'ok-1'}, ['application or image']),
])
def test_bad_input_fails_before_anything_is_sent(world, args, words):
    simulator, connection, ansible = world
    before = simulator_dump(simulator)
    mark = simulator.log_mark()
    run = ansible.run('ams_instance', dict(connection, **args))
    assert run.failed, run.result
    assert all(word in run.msg for word in words), run.msg
    assert 'Traceback' not in run.output
    assert simulator.mutating_requests_since(mark) == []
    assert simulator_dump(simulator) == before


def test_info_filters_in_one_listing(world):
    simulator, connection, ansible = world
    converge_twice(world, {'name': 'info-1', 'application': APP, 'tags': ['blue', 'green']})
    converge_twice(world, {'name': 'info-2', 'image': IMAGE, 'tags': ['blue'], 'state': 'stopped'})
    mark = simulator.log_mark()
    cases = [
        ({'tags': ['blue']}, ['info-1', 'info-2']),
        ({'tags': ['blue', 'green']}, ['info-1']),
        ({'application': APP}, ['info-1']),
        ({'image': IMAGE, 'status': ['stopped']}, ['info-2']),
        ({'status': ['running'], 'type': 'container', 'node': NODE}, ['info-1']),
    ]
    for filters, expected in cases:
        run = ansible.run('ams_instance_info', dict(connection, **filters))
        names = sorted(item['name'] for item in run.result['instances'] if item['name'].startswith('info-'))
        assert names == expected, (filters, names)
    listings = [entry for entry in simulator.requests_since(mark) if entry['path'] == '/1.0/instances']
    assert len(listings) == len(cases)
    for name in ('info-1', 'info-2'):
        converge_twice(world, {'name': name, 'state': 'absent'})


def test_an_older_ams_is_refused_before_anything_is_sent(ansible, simulator_factory):
    simulator = simulator_factory(['--without-instances', '--strict-fields'])
    mark = simulator.log_mark()
    for module, args in (('ams_instance', {'name': 'old-1', 'image': 'any'}), ('ams_instance_info', {})):
        run = ansible.run(module, dict(simulator.connection, **args))
        assert run.failed, run.result
        assert 'does not support instances: it lacks the API extension instance_support' in run.msg, run.msg
    assert [entry['path'] for entry in simulator.requests_since(mark)] == ['/1.0', '/1.0']
