# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two automation runs updating the same node and the same application at once lose no update.

Each process owns different fields and sets them 20 times; every in-place
PATCH carries If-Match, so an interleaved write makes AMS answer 412 and the
module re-reads and recomputes. At the end both processes' last values hold.
"""

from __future__ import annotations

import json
import subprocess
import sys

import packages

ROUNDS = 20


def _race_playbook(path, owner, node_fields, app_fields):
    """A playbook that sets its own fields ROUNDS times and checks after each round that they stuck."""
    checks = ['node.node.%s == %s' % (key, value.strip('{} ') if '{{' in str(value) else json.dumps(value))
              for key, value in node_fields.items()]
    checks += ['app.application.%s == %s' % (key, json.dumps(value)) for key, value in app_fields.items()
               if '{{' not in json.dumps(value)]
    tasks = [
        {'name': owner + ' sets its node fields', 'anbox.ams.ams_node': dict({'name': 'race-node'}, **node_fields),
         'register': 'node'},
        {'name': owner + ' sets its application fields',
         'anbox.ams.ams_application': dict({'name': 'race-app'}, **app_fields), 'register': 'app'},
        {'name': 'my values are there', 'ansible.builtin.assert': {'that': checks or [True]}},
    ]
    play = {'hosts': 'localhost', 'gather_facts': False,
            'module_defaults': {'group/anbox.ams.ams': '{{ ams }}'},
            'tasks': [{'name': 'round', 'ansible.builtin.include_tasks': 'round_%s.yml' % owner,
                       'loop': list(range(1, ROUNDS + 1)), 'loop_control': {'loop_var': 'round'}}]}
    (path / ('round_%s.yml' % owner)).write_text(json.dumps(tasks))
    playbook = path / ('race_%s.yml' % owner)
    playbook.write_text(json.dumps([play]))
    return str(playbook)


def test_two_processes_lose_no_update(ansible, simulator_factory, tmp_path):
    # Latency and slow operations widen the window between a module's GET and its PATCH, so the two
    # processes really interleave and AMS answers some PATCHes with 412.
    simulator = simulator_factory(['--fault-latency', '0.1', '--operation-delay', '0.3'])
    connection = simulator.connection
    image = packages.image_tarball(str(tmp_path / 'image.tar.gz'))
    app = packages.application_dir(str(tmp_path / 'app'), 'race-app', 'race-image')
    setup = ansible.run_tasks([
        ('ams_node', dict(connection, name='race-node', address='10.30.0.1', cpus=8, memory='16GB')),
        ('ams_image', dict(connection, name='race-image', src=image)),
        ('ams_application', dict(connection, name='race-app', src=app)),
    ])
    assert not any(run.failed for run in setup), [run.result for run in setup]

    first = _race_playbook(tmp_path, 'first',
                           {'cpu_allocation_rate': '{{ round }}', 'gpu_slots': '{{ round }}'},
                           {'tags': ['first-{{ round }}']})
    second = _race_playbook(tmp_path, 'second',
                            {'memory_allocation_rate': '{{ round }}', 'gpu_encoder_slots': '{{ round }}'},
                            {'inhibit_auto_updates': '{{ round % 2 == 0 }}'})
    vars_file = tmp_path / 'vars.json'
    vars_file.write_text(json.dumps({'ams': connection}))
    mark = simulator.log_mark()
    env = ansible.environment()
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('localhost ansible_connection=local\n')
    processes = [subprocess.Popen([ansible.bin_dir + '/ansible-playbook', '-i', str(inventory), playbook,
                                   '-e', '@' + str(vars_file), '-e', 'ansible_python_interpreter=' + sys.executable],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for playbook in (first, second)]
    outputs = [process.communicate(timeout=900)[0] for process in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-4000:]

    final = ansible.run_tasks([('ams_node_info', dict(connection, name='race-node')),
                               ('ams_application_info', dict(connection, name='race-app'))])
    node, application = final[0].result['nodes'][0], final[1].result['applications'][0]
    assert node['cpu_allocation_rate'] == ROUNDS and node['gpu_slots'] == ROUNDS
    assert node['memory_allocation_rate'] == ROUNDS and node['gpu_encoder_slots'] == ROUNDS
    assert application['tags'] == ['first-%d' % ROUNDS]
    assert application['inhibit_auto_updates'] is (ROUNDS % 2 == 0)
    patches = [entry for entry in simulator.requests_since(mark) if entry['method'] == 'PATCH']
    conflicts = [entry for entry in patches if entry['status'] == 412]
    print('race: %d PATCH requests, %d answered 412 and were recomputed' % (len(patches), len(conflicts)))
