# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A whole site converges through a flaky network, and a rerun changes nothing; over many fault seeds.

The simulator answers 20 % of the API requests (every method) with 503 and resets 5 % of the
connections, both before AMS sees the request. It also carries out 25 % of the successful writes
and then drops the connection before the answer: the change is made, the client cannot know it.
A client that resent such a write blindly would make a second container, version, node or
certificate; one that re-reads first makes none. Both are checked, in the final state and in the
request log.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

import packages
from ams_simulator.testing import make_client_cert

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks', 'site.yml')
SEEDS = [20261123 + number for number in range(10)]
FAULTS = ['--fault-503-rate', '0.2', '--fault-reset-rate', '0.05', '--fault-drop-answer-rate', '0.25']
# Short operations keep ten seeds to a few minutes.
FAST = ['--operation-delay', '0.02', '--bootstrap-delay', '0.05', '--container-boot-delay', '0.02']
CONTAINERS = 6
READS = ('GET', 'HEAD')
LAUNCHES = '/1.0/containers'


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


def _collection(path):
    """'/1.0/nodes/site-node-a' -> 'nodes'; '/1.0' -> ''."""
    parts = path.strip('/').split('/')
    return parts[1] if len(parts) > 1 else ''


def _about(entry, collection):
    """True when a request reads or changes objects of ``collection``.

    An untrusted client cannot read the trust store: it learns whether its certificate was
    registered from the ``auth`` of GET /1.0, so that read counts for certificates.
    """
    if collection == 'certificates' and entry['path'].rstrip('/') == '/1.0':
        return True
    return _collection(entry['path']) == collection


def _same_subject(entry, fault):
    """Configuration items share /1.0/config: a write of another item (logged as `subject`) is not a resend."""
    if entry['method'] in READS or 'subject' not in fault or 'subject' not in entry:
        return True
    return entry['subject'] == fault['subject']


def _started(entry):
    return entry['ts'] - entry['duration_ms'] / 1000.0


def _is_launch(entry):
    return entry['method'] == 'POST' and entry['path'] == LAUNCHES


def blind_resends(log):
    """Faulted writes whose next request about the same kind of object was not a read.

    A write whose answer was lost (or that met a 503 or a reset) may or may not have been carried
    out; the client has to read before it writes again. Requests already in flight when the fault
    happened (started before it was logged) are not counted as the client's next move. Container
    launches are checked by ``launches_beyond_shortfall`` instead: one failed launch of a batch does
    not stop the others, which are different containers.
    """
    problems = []
    for index, fault in enumerate(log):
        if not fault.get('fault') or fault['method'] in READS or _is_launch(fault):
            continue
        collection = _collection(fault['path'])
        following = [entry for entry in log[index + 1:] if _started(entry) >= fault['ts'] and _about(entry, collection)
                     and _same_subject(entry, fault)]
        if not following:
            problems.append('%s %s (%s): nothing about %s was read afterwards'
                            % (fault['method'], fault['path'], fault['fault'], collection))
        elif following[0]['method'] not in READS:
            problems.append('%s %s (%s) was followed by %s %s without a read first'
                            % (fault['method'], fault['path'], fault['fault'], following[0]['method'],
                               following[0]['path']))
    return problems


def launches_beyond_shortfall(log, wanted):
    """Listings of containers after which more launches were sent than that listing showed missing.

    Containers have no names, so a launch whose answer was lost is told from a new one only by
    counting: after each listing the client may launch at most ``wanted`` minus the containers AMS
    had made by then (launches answered 202, or whose 202 was dropped). A launch resent blindly,
    without listing again, goes over that.
    """
    listings = [entry for entry in log if entry['method'] == 'GET' and entry['path'] == LAUNCHES
                and entry['status'] == 200]
    launches = [entry for entry in log if _is_launch(entry)]
    problems = []
    for index, listing in enumerate(listings):
        until = _started(listings[index + 1]) if index + 1 < len(listings) else float('inf')
        made = sum(1 for entry in launches if entry['status'] == 202 and entry['ts'] <= _started(listing))
        sent = [entry for entry in launches if listing['ts'] <= _started(entry) < until]
        if len(sent) > wanted - made:
            problems.append('after the listing at %.3f (%d of %d containers made) %d launches were sent'
                            % (listing['ts'], made, wanted, len(sent)))
    return problems


def test_the_blind_resend_check_catches_a_resend_and_accepts_a_re_read():
    """The log check itself, on hand-written logs: a POST resent after a lost answer is caught."""
    dropped = {'ts': 10.0, 'duration_ms': 5.0, 'method': 'POST', 'path': '/1.0/nodes', 'fault': 'drop-answer'}
    resent = {'ts': 10.6, 'duration_ms': 5.0, 'method': 'POST', 'path': '/1.0/nodes', 'fault': None}
    reread = {'ts': 10.4, 'duration_ms': 5.0, 'method': 'GET', 'path': '/1.0/nodes/a', 'fault': None}
    in_flight = {'ts': 10.1, 'duration_ms': 200.0, 'method': 'POST', 'path': '/1.0/nodes', 'fault': None}
    assert blind_resends([dropped, resent]) != []
    assert blind_resends([dropped, in_flight, reread, resent]) == []
    assert blind_resends([dropped]) != []
    node = {'ts': 20.0, 'duration_ms': 5.0, 'method': 'PATCH', 'path': '/1.0/nodes/a', 'fault': 'drop-answer'}
    assert blind_resends([node, dict(node, ts=20.5, fault=None)]) != []
    assert blind_resends([node, dict(node, ts=20.3, method='GET', fault=None), dict(node, ts=20.5, fault=None)]) == []


def _entry(ts, method, status, fault=None):
    return {'ts': ts, 'duration_ms': 1.0, 'method': method, 'path': LAUNCHES, 'status': status, 'fault': fault}


def test_the_launch_count_check_catches_a_launch_resent_without_listing():
    listing = _entry(1.0, 'GET', 200)
    batch = [_entry(2.0, 'POST', 202, 'drop-answer'), _entry(2.1, 'POST', 503, '503'), _entry(2.2, 'POST', 202)]
    relisted = [_entry(3.0, 'GET', 200), _entry(3.1, 'POST', 202)]
    assert launches_beyond_shortfall([listing] + batch + relisted, wanted=3) == []
    resent = [_entry(2.3, 'POST', 202)]
    assert launches_beyond_shortfall([listing] + batch + resent + relisted, wanted=3) != []


@pytest.fixture(scope='module')
def site_packages(tmp_path_factory):
    base = tmp_path_factory.mktemp('site-packages')
    return {
        'image_src': packages.image_tarball(str(base / 'image.tar.gz')),
        'addon_src': packages.addon_dir(str(base / 'addon'), 'site-addon'),
        'app_src': packages.application_dir(str(base / 'app'), 'site-app', 'site-image',
                                            extra='addons: [site-addon]\n'),
    }


@pytest.mark.parametrize('seed', SEEDS)
def test_site_converges_under_faults_without_duplicates(ansible, simulator_factory, tmp_path, site_packages, seed):
    simulator = simulator_factory(FAULTS + FAST + ['--fault-seed', str(seed)])
    newcomer_cert, newcomer_key, newcomer_fingerprint = make_client_cert(str(tmp_path), name='newcomer')
    variables = dict(site_packages, ams=simulator.connection, newcomer_cert=newcomer_cert,
                     newcomer_key=newcomer_key, trust_password=simulator.trust_password,
                     container_count=CONTAINERS)
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
    assert [entry for entry in simulator.requests_since(mark) if entry['method'] not in READS] == []

    log = simulator.requests_since(0)
    faulted = [entry for entry in log if entry.get('fault')]
    dropped = [entry for entry in faulted if entry['fault'] == 'drop-answer']
    assert any(entry['fault'] == '503' for entry in faulted)
    assert all(entry['method'] not in READS for entry in dropped)
    assert blind_resends(log) == []
    assert launches_beyond_shortfall(log, CONTAINERS) == []
    print('seed %d: %d requests, %d x 503, %d resets, %d answers dropped (%s)' % (
        seed, len(log), sum(1 for e in faulted if e['fault'] == '503'),
        sum(1 for e in faulted if e['fault'] == 'reset'), len(dropped),
        ', '.join('%s %s' % (e['method'], e['path']) for e in dropped)))

    state = _state(simulator)
    containers = [obj for obj in _objects(state, 'containers') if obj.get('type') == 'regular']
    assert len(containers) == CONTAINERS, containers
    apps = [obj for obj in _objects(state, 'applications') if obj['name'] == 'site-app']
    assert len(apps) == 1
    assert [row['version'] for row in state['application_versions'] if row['app_id'] == apps[0]['id']] == [0]
    images = [obj for obj in _objects(state, 'images') if obj['name'] == 'site-image']
    assert len(images) == 1
    assert [row['version'] for row in state['image_versions'] if row['image_id'] == images[0]['id']] == [0]
    assert [row['version'] for row in state['addon_versions'] if row['name'] == 'site-addon'] == [0]
    assert sorted(obj['name'] for obj in _objects(state, 'nodes')) == ['site-node-a', 'site-node-b']
    assert sorted(row['fingerprint'] for row in state['certificates']) == sorted(
        [simulator.client_fingerprint, newcomer_fingerprint])
