# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ams_image with source import and source instance, through ansible-playbook against the simulator.

Each is created once and a rerun sends nothing; an image name the image server lacks fails with AMS's
message; publishing needs instance_publish and is refused before anything is sent without it.
"""

from __future__ import annotations

import packages


def _images(simulator, mark):
    return [(entry['method'], entry['path']) for entry in simulator.mutating_requests_since(mark)]


def test_import_once_then_a_rerun_sends_nothing(ansible, simulator):
    args = dict(simulator.connection, name='jammy:android14:amd64', source='import', default=True)
    mark = simulator.log_mark()
    check = ansible.run('ams_image', args, check=True, diff=True)
    assert not check.failed and check.changed, check.output
    expected = {'name': 'jammy:android14:amd64', 'source': 'import', 'default': True}
    assert check.result['diff'] == {'before': {}, 'after': expected}
    assert _images(simulator, mark) == []

    imported = ansible.run('ams_image', args, diff=True)
    assert not imported.failed and imported.changed, imported.output
    image = imported.result['image']
    assert (image['name'], image['default'], image['architecture']) == ('jammy:android14:amd64', True, 'x86_64')
    assert _images(simulator, mark) == [('POST', '/1.0/images')]
    post = [entry for entry in simulator.requests_since(mark) if entry['method'] == 'POST'][0]
    assert post['ignored_fields'] == []

    mark = simulator.log_mark()
    again = ansible.run('ams_image', args)
    assert not again.failed and not again.changed, again.output
    assert _images(simulator, mark) == []


def test_import_of_an_unknown_name_fails_with_ams_message(ansible, simulator):
    run = ansible.run('ams_image', dict(simulator.connection, name='jammy:android99:amd64', source='import'))
    assert run.failed
    assert run.msg.startswith('AMS could not import image jammy:android99:amd64 from its image server: '
                              'failed to import image jammy:android99:amd64: the image server '
                              'https://images.anbox-cloud.io/stable/ has no image named jammy:android99:amd64')
    info = ansible.run('ams_image_info', dict(simulator.connection, name='jammy:android99:amd64'))
    assert info.result['images'] == []


def _stopped_and_running_instances(ansible, simulator, tmp_path):
    image = packages.image_tarball(str(tmp_path / 'image.tar.gz'))
    runs = ansible.run_tasks([
        ('ams_node', dict(simulator.connection, name='lxd-golden', address='10.42.0.1', cpus=16, memory='32GB')),
        ('ams_image', dict(simulator.connection, name='base-image', src=image)),
        ('ams_instance', dict(simulator.connection, name='builder', image='base-image', state='stopped')),
        ('ams_instance', dict(simulator.connection, name='live', image='base-image', state='started')),
    ])
    assert not any(run.failed for run in runs), [run.result for run in runs]


def test_publish_stopped_and_running_instances(ansible, simulator, tmp_path):
    _stopped_and_running_instances(ansible, simulator, tmp_path)
    args = dict(simulator.connection, name='golden', source='instance', instance='builder')
    mark = simulator.log_mark()
    published = ansible.run('ams_image', args, diff=True)
    assert not published.failed and published.changed, published.output
    assert published.result['image']['name'] == 'golden'
    assert published.result['diff']['after'] == {'name': 'golden', 'source': 'instance', 'default': False,
                                                 'instance': 'builder'}
    assert _images(simulator, mark) == [('POST', '/1.0/images')]

    mark = simulator.log_mark()
    again = ansible.run('ams_image', args)
    assert not again.failed and not again.changed, again.output
    assert _images(simulator, mark) == []

    mark = simulator.log_mark()
    refused = ansible.run('ams_image', dict(simulator.connection, name='golden-live', source='instance',
                                            instance='live'))
    assert refused.failed
    assert 'instance live is running: AMS publishes a stopped instance' in refused.msg
    assert _images(simulator, mark) == []

    forced = ansible.run_tasks([
        ('ams_image', dict(simulator.connection, name='golden-live', source='instance', instance='live', force=True)),
        ('ams_instance_info', dict(simulator.connection, name='live')),
    ])
    assert not forced[0].failed and forced[0].changed, forced[0].output
    assert forced[1].result['instances'][0]['status'] == 'stopped'


def test_publish_without_instance_publish_sends_nothing(ansible, simulator_factory):
    simulator = simulator_factory(['--without-extension', 'instance_publish'])
    mark = simulator.log_mark()
    for check in (True, False):
        run = ansible.run('ams_image', dict(simulator.connection, name='golden', source='instance',
                                            instance='builder'), check=check)
        assert run.failed
        assert run.msg == ('AMS at %s does not support publishing an instance as an image (source: instance): it '
                           'lacks the API extension instance_publish' % simulator.url)
    assert simulator.requests_since(mark) and all(entry['path'] == '/1.0'
                                                  for entry in simulator.requests_since(mark))
