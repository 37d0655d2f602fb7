# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A whole site converges through a flaky network, and a rerun changes nothing.

The simulator answers 20 % of GETs with 503 and resets 5 % of connections. No
request is resent blindly, so no container or version is made twice.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import packages
from ams_simulator.testing import make_client_cert

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks', 'site.yml')
FAULTS = ['--fault-503-rate', '0.2', '--fault-reset-rate', '0.05', '--fault-seed', '20261123']


def _recap(output):
    match = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', output)
    assert match, output[-3000:]
    return dict(zip(('ok', 'changed', 'unreachable', 'failed'), map(int, match.groups())))


def _state(simulator):
    dump = subprocess.run([sys.executable, '-m', 'ams_simulator.dump', '--state-dir', simulator.state_dir],
                          capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout
    return json.loads(dump)


def _objects(state, table):
    """The AMS objects of a table of the simulator's dump (rows keep them under 'data')."""
    return [row.get('data', row) for row in state.get(table) or []]


def test_site_converges_under_faults_without_duplicates(ansible, simulator_factory, tmp_path):
    simulator = simulator_factory(FAULTS)
    newcomer_cert, newcomer_key, _fingerprint = make_client_cert(str(tmp_path), name='newcomer')
    variables = {
        'ams': simulator.connection, 'newcomer_cert': newcomer_cert, 'newcomer_key': newcomer_key,
        'trust_password': simulator.trust_password,
        'image_src': packages.image_tarball(str(tmp_path / 'image.tar.gz')),
        'addon_src': packages.addon_dir(str(tmp_path / 'addon'), 'site-addon'),
        'app_src': packages.application_dir(str(tmp_path / 'app'), 'site-app', 'site-image',
                                            extra='addons: [site-addon]\n'),
    }
    vars_file = tmp_path / 'vars.json'
    vars_file.write_text(json.dumps(variables))
    first = ansible.playbook(PLAYBOOK, extra_args=['-e', '@' + str(vars_file)])
    first_recap = _recap(first.stdout)
    assert first_recap['failed'] == 0, first.stdout[-5000:]
    assert first_recap['changed'] > 0

    mark = simulator.log_mark()
    second = ansible.playbook(PLAYBOOK, extra_args=['-e', '@' + str(vars_file)])
    second_recap = _recap(second.stdout)
    assert second_recap['failed'] == 0, second.stdout[-5000:]
    assert second_recap['changed'] == 0, second.stdout[-5000:]
    rerun = simulator.requests_since(mark)
    assert [entry for entry in rerun if entry['method'] not in ('GET', 'HEAD')] == []

    log = simulator.requests_since(0)
    injected = [entry for entry in log if entry.get('fault')]
    assert any(entry['fault'] == '503' for entry in injected)
    assert any(entry['fault'] == 'reset' for entry in injected)
    print('faults injected: %d of %d requests (%d x 503, %d resets)' % (
        len(injected), len(log), sum(1 for e in injected if e['fault'] == '503'),
        sum(1 for e in injected if e['fault'] == 'reset')))

    state = _state(simulator)
    containers = [obj for obj in _objects(state, 'containers') if obj.get('type') == 'regular']
    assert len(containers) == 6, containers
    apps = [obj for obj in _objects(state, 'applications') if obj['name'] == 'site-app']
    assert len(apps) == 1
    assert [row['version'] for row in state['application_versions'] if row['app_id'] == apps[0]['id']] == [0]
    images = [obj for obj in _objects(state, 'images') if obj['name'] == 'site-image']
    assert len(images) == 1
    assert [row['version'] for row in state['image_versions'] if row['image_id'] == images[0]['id']] == [0]
    assert [row['version'] for row in state['addon_versions'] if row['name'] == 'site-addon'] == [0]
    nodes = [obj for obj in _objects(state, 'nodes') if obj['name'].startswith('site-node')]
    assert len(nodes) == 2
