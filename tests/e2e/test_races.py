# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two automation runs adding tags to the same node and the same application at once lose no tag.

Adding a tag with ``purge_tags: false`` is a read-modify-write of one field: the module reads the
tags, appends its own and PATCHes the whole list. When the other process wrote in between, only
``If-Match`` tells AMS that the list was computed from a stale read: AMS answers 412, the module
reads again and recomputes. A client without ``If-Match`` would silently overwrite the other
process's tag, which the final check below catches.
"""

from __future__ import annotations

import json
import subprocess
import sys

import packages

ROUNDS = 10
OWNERS = ('first', 'second')
# Latency on PATCH (before AMS reads it) widens the window between a module's GET and the moment AMS
# checks its If-Match, so the two processes really interleave. Operations finish at once: the
# simulator checks If-Match when the PATCH arrives and changes the object when its operation ends,
# and a longer operation would be a window in which a stale If-Match still matches.
PATCH_LATENCY = 0.6
STAGGER = 0.3
SIMULATOR_ARGS = ['--fault-latency', str(PATCH_LATENCY), '--fault-methods', 'PATCH', '--operation-delay', '0']


# Both processes wait here for each other, then the second one waits STAGGER seconds more.
BARRIER = """
import os, sys, time
directory, name, owner, others, stagger = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(','), sys.argv[5]
open(os.path.join(directory, '%s.%s' % (name, owner)), 'w').close()
deadline = time.monotonic() + 300
while not all(os.path.exists(os.path.join(directory, '%s.%s' % (name, other))) for other in others):
    if time.monotonic() > deadline:
        sys.exit('%s waited 300 s for %s at %s' % (owner, others, name))
    time.sleep(0.01)
time.sleep(float(stagger))
"""


def _race_playbook(path, owner):
    """A playbook that adds the tag OWNER-N to the node and to the application, for N in 1..ROUNDS.

    Before each task both processes meet at a barrier, and the second one starts STAGGER seconds
    later: it reads the object while the first one's PATCH is still on its way (PATCH_LATENCY), so
    its own PATCH carries an ETag the first one's change made stale. The stagger also keeps the two
    PATCHes from reaching AMS at the same instant.
    """
    barrier = path / 'barrier.py'
    barrier.write_text(BARRIER)
    (path / 'barrier').mkdir(exist_ok=True)

    def meet(what):
        return {'name': 'meet the other process before the %s' % what, 'changed_when': False,
                'ansible.builtin.command': {'argv': [sys.executable, str(barrier), str(path / 'barrier'),
                                                     what + '-{{ round }}', owner, ','.join(OWNERS),
                                                     str(STAGGER * OWNERS.index(owner))]}}

    tasks = [
        meet('node'),
        {'name': owner + ' adds its tag to the node',
         'anbox.ams.ams_node': {'name': 'race-node', 'tags': [owner + '-{{ round }}'], 'purge_tags': False}},
        meet('application'),
        {'name': owner + ' adds its tag to the application',
         'anbox.ams.ams_application': {'name': 'race-app', 'tags': [owner + '-{{ round }}'], 'purge_tags': False}},
    ]
    play = {'hosts': 'localhost', 'gather_facts': False,
            'module_defaults': {'group/anbox.ams.ams': '{{ ams }}'},
            'tasks': [{'name': 'round', 'ansible.builtin.include_tasks': 'round_%s.yml' % owner,
                       'loop': list(range(1, ROUNDS + 1)), 'loop_control': {'loop_var': 'round'}}]}
    (path / ('round_%s.yml' % owner)).write_text(json.dumps(tasks))
    playbook = path / ('race_%s.yml' % owner)
    playbook.write_text(json.dumps([play]))
    return str(playbook)


def _tag_patches(entries, path):
    return [entry for entry in entries if entry['method'] == 'PATCH' and entry['path'] == path]


def test_two_processes_adding_tags_lose_none(ansible, simulator_factory, tmp_path):
    simulator = simulator_factory(SIMULATOR_ARGS)
    connection = simulator.connection
    image = packages.image_tarball(str(tmp_path / 'image.tar.gz'))
    app = packages.application_dir(str(tmp_path / 'app'), 'race-app', 'race-image')
    setup = ansible.run_tasks([
        ('ams_node', dict(connection, name='race-node', address='10.30.0.1', cpus=8, memory='16GB', tags=['base'])),
        ('ams_image', dict(connection, name='race-image', src=image)),
        ('ams_application', dict(connection, name='race-app', src=app, tags=['base'])),
    ])
    assert not any(run.failed for run in setup), [run.result for run in setup]

    playbooks = [_race_playbook(tmp_path, owner) for owner in OWNERS]
    vars_file = tmp_path / 'vars.json'
    vars_file.write_text(json.dumps({'ams': connection}))
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('localhost ansible_connection=local\n')
    mark = simulator.log_mark()
    processes = [subprocess.Popen([ansible.bin_dir + '/ansible-playbook', '-i', str(inventory), playbook,
                                   '-e', '@' + str(vars_file), '-e', 'ansible_python_interpreter=' + sys.executable],
                                  env=ansible.environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
                 for playbook in playbooks]
    outputs = [process.communicate(timeout=1800)[0] for process in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-4000:]

    final = ansible.run_tasks([('ams_node_info', dict(connection, name='race-node')),
                               ('ams_application_info', dict(connection, name='race-app'))])
    node, application = final[0].result['nodes'][0], final[1].result['applications'][0]
    expected = set(['base'] + ['%s-%d' % (owner, number) for owner in OWNERS for number in range(1, ROUNDS + 1)])
    assert set(node['tags']) == expected, sorted(expected - set(node['tags']))
    assert set(application['tags']) == expected, sorted(expected - set(application['tags']))

    log = simulator.requests_since(mark)
    node_patches = _tag_patches(log, '/1.0/nodes/race-node')
    app_patches = _tag_patches(log, '/1.0/applications/race-app')
    # Every update is conditional: the log records the If-Match header of each request.
    assert node_patches and all(entry['if_match'] for entry in node_patches), node_patches
    assert app_patches and all(entry['if_match'] for entry in app_patches), app_patches
    conflicts = [entry for entry in node_patches + app_patches if entry['status'] == 412]
    # The processes really raced: AMS refused stale updates, and the modules recomputed them.
    assert conflicts, 'no PATCH met a concurrent change: the race was not exercised'
    applied = [entry for entry in node_patches + app_patches if entry['status'] == 202]
    assert len(applied) == 2 * len(OWNERS) * ROUNDS
    print('race: %d node PATCHes (%d x 412), %d application PATCHes (%d x 412)' % (
        len(node_patches), sum(1 for entry in node_patches if entry['status'] == 412),
        len(app_patches), sum(1 for entry in app_patches if entry['status'] == 412)))
