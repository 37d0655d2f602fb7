# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ams_node on current LXD and AMS, through ansible-playbook against the simulator over HTTPS.

A node added with a join token is online when the task returns and a rerun sends nothing; a refused token
fails with AMS's reason and leaves no node; the token shows nowhere at any verbosity. Drain waits while
another process removes the node's containers, then removes the node; at wait_timeout it fails naming them
and leaves the node unschedulable.
"""

from __future__ import annotations

import threading

import requests

import packages
from ams_simulator.testing import make_join_token


def _api(simulator):
    session = requests.Session()
    session.trust_env = False
    session.cert = (simulator.client_cert, simulator.client_key)
    session.verify = simulator.ca_cert
    return session


def _node(simulator, name):
    reply = _api(simulator).get(simulator.url + '/1.0/nodes/' + name)
    return reply.json()['metadata'] if reply.status_code == 200 else None


def _paths(entries, method):
    return [entry['path'] for entry in entries if entry['method'] == method]


def test_token_node_is_online_when_the_task_returns_and_a_rerun_sends_nothing(ansible, simulator_factory):
    simulator = simulator_factory(['--node-online-delay', '1.5'])
    token = make_join_token(['10.40.0.1:8443'])
    args = dict(simulator.connection, name='lxd-token', address='10.40.0.1', trust_token=token,
                network_acl_name='ams0', tags=['zone=a'])
    mark = simulator.log_mark()
    added = ansible.run('ams_node', args, diff=True)
    assert not added.failed, added.output
    assert added.changed
    assert (added.result['node']['status'], added.result['node']['status_code']) == ('online', 4)
    assert _node(simulator, 'lxd-token')['status'] == 'online'
    entries = simulator.requests_since(mark)
    post = next(index for index, entry in enumerate(entries) if entry['method'] == 'POST')
    polls = [entry for entry in entries[post:] if entry['path'] == '/1.0/nodes/lxd-token']
    # The operation ended long before the node was online: the module kept reading the node.
    assert len(polls) >= 3
    assert entries[post]['ignored_fields'] == []

    mark = simulator.log_mark()
    again = ansible.run('ams_node', args)
    assert not again.failed and not again.changed, again.result
    assert simulator.mutating_requests_since(mark) == []


def test_a_refused_token_fails_with_ams_reason_and_leaves_no_node(ansible, simulator):
    expired = make_join_token(['10.40.0.2:8443'], expires_at='2022-01-02T03:04:05Z')
    run = ansible.run('ams_node', dict(simulator.connection, name='lxd-expired', address='10.40.0.2',
                                       trust_token=expired))
    assert run.failed
    assert run.msg.startswith('node lxd-expired could not be added: ')
    assert 'LXD at 10.40.0.2 refused the trust token: token has expired (at 2022-01-02T03:04:05Z)' in run.msg
    assert _node(simulator, 'lxd-expired') is None

    garbled = ansible.run('ams_node', dict(simulator.connection, name='lxd-garbled', address='10.40.0.3',
                                           trust_token='%%%'))
    assert garbled.failed
    assert "invalid trust token: it is not base64 (expected the output of 'lxc config trust add')" in garbled.msg
    assert garbled.result.get('status_code') == 400
    assert _node(simulator, 'lxd-garbled') is None


def test_the_token_never_shows_at_any_verbosity(ansible, simulator):
    token = make_join_token(['10.40.0.4:8443'], secret='s3cr3t-join-secret-4b1d' * 2)
    expired = make_join_token(['10.40.0.5:8443'], expires_at='2022-01-02T03:04:05Z',
                              secret='exp1red-join-secret-77aa' * 2)
    checked = [('ams_node', dict(simulator.connection, name='lxd-hidden', address='10.40.0.4', trust_token=token)),
               ('ams_node', dict(simulator.connection, name='lxd-refused', address='10.40.0.5', trust_token=expired)),
               ('ams_node', dict(simulator.connection, name='lxd-both', address='10.40.0.6', trust_token=token,
                                 trust_password='pw-also-secret'))]
    real = [('ams_node', dict(simulator.connection, name='lxd-hidden', address='10.40.0.4', trust_token=token)),
            ('ams_node', dict(simulator.connection, name='lxd-refused', address='10.40.0.5', trust_token=expired))]
    for verbosity in (0, 1, 3, 4):
        for tasks, check, shown in ((checked, True, 'mutually exclusive'), (real, False, 'token has expired')):
            runs = ansible.run_tasks(tasks, check=check, diff=True, verbosity=verbosity)
            output = runs[0].output
            # The failure is printed; the secrets in it are not.
            assert shown in output
            for secret in (token, expired, 'pw-also-secret'):
                assert secret not in output, (verbosity, check)
                assert secret not in repr([run.result for run in runs])
            assert runs[1].failed == (not check)
            assert runs[-1].failed
    # The last real run added the node; the refused one did not.
    assert _node(simulator, 'lxd-hidden')['status'] == 'online'
    assert _node(simulator, 'lxd-refused') is None


def test_the_token_of_the_role_never_shows(ansible, simulator, tmp_path):
    token = make_join_token(['10.40.0.8:8443'], secret='r0le-join-secret-9c2e' * 2)
    add = ansible.run('ams_node', dict(simulator.connection, name='lxd-role-old', address='10.40.0.7'))
    assert not add.failed, add.output
    playbook = tmp_path / 'replace.yml'
    playbook.write_text(
        '- hosts: localhost\n'
        '  gather_facts: false\n'
        '  tasks:\n'
        '    - name: Replace the node\n'
        '      ansible.builtin.include_role:\n'
        '        name: anbox.ams.node_replace\n'
        '      vars:\n'
        '        node_replace_old: lxd-role-old\n'
        '        node_replace_new: {name: lxd-role-new, address: 10.40.0.8}\n'
        '        node_replace_trust_token: "%s"\n'
        '        node_replace_connection: %s\n' % (token, _flow(simulator.connection)))
    for verbosity in (0, 4):
        completed = ansible.playbook(str(playbook), verbosity=verbosity)
        assert completed.returncode == 0, completed.stdout[-3000:]
        assert token not in completed.stdout + completed.stderr
    assert _node(simulator, 'lxd-role-old') is None
    assert _node(simulator, 'lxd-role-new')['status'] == 'online'


def _flow(mapping):
    return '{%s}' % ', '.join('%s: "%s"' % item for item in sorted(mapping.items()))


def _node_with_two_containers(ansible, simulator, tmp_path, node):
    image = packages.image_tarball(str(tmp_path / 'image.tar.gz'))
    runs = ansible.run_tasks([
        ('ams_image', dict(simulator.connection, name='drain-image', src=image)),
        ('ams_node', dict(simulator.connection, name=node, address='10.41.0.1', cpus=16, memory='32GB')),
        ('ams_container', dict(simulator.connection, image='drain-image', instance_type='a2.3', node=node, count=2)),
    ])
    assert not any(run.failed for run in runs), [run.result for run in runs]
    return runs[2].result['launched']


def test_drain_waits_while_another_process_removes_the_containers_then_removes_the_node(
        ansible, simulator, tmp_path):
    launched = _node_with_two_containers(ansible, simulator, tmp_path, 'lxd-drain')
    assert len(launched) == 2
    mark = simulator.log_mark()
    outcome = {}

    def drain():
        outcome['run'] = ansible.run('ams_node', dict(simulator.connection, name='lxd-drain', state='absent',
                                                      drain=True, wait_timeout=300), diff=True)

    worker = threading.Thread(target=drain)
    worker.start()
    try:
        # The other process starts once the node no longer takes new containers.
        while not (_node(simulator, 'lxd-drain') or {}).get('unschedulable'):
            worker.join(0.1)
            assert worker.is_alive(), outcome['run'].output
        assert _node(simulator, 'lxd-drain') is not None
        other = ansible.run('ams_container', dict(simulator.connection, image='drain-image', node='lxd-drain',
                                                  state='absent'))
        assert not other.failed, other.output
        assert sorted(other.result['removed']) == sorted(launched)
    finally:
        worker.join()
    run = outcome['run']
    assert not run.failed, run.output
    assert run.changed
    assert run.result['diff']['before'] == {'name': 'lxd-drain', 'present': True, 'unschedulable': False}
    assert _node(simulator, 'lxd-drain') is None
    mutations = [(entry['method'], entry['path']) for entry in simulator.mutating_requests_since(mark)]
    # Made unschedulable first, the containers removed by the other process, and only then the node removed.
    assert mutations[0] == ('PATCH', '/1.0/nodes/lxd-drain')
    assert mutations[-1] == ('DELETE', '/1.0/nodes/lxd-drain')
    assert sorted(path for method, path in mutations[1:-1]) == sorted('/1.0/containers/' + cid for cid in launched)


def test_drain_timeout_names_the_containers_and_keeps_the_node_unschedulable(ansible, simulator, tmp_path):
    launched = _node_with_two_containers(ansible, simulator, tmp_path, 'lxd-stuck')
    mark = simulator.log_mark()
    run = ansible.run('ams_node', dict(simulator.connection, name='lxd-stuck', state='absent', drain=True,
                                       wait_timeout=3))
    assert run.failed
    assert 'node lxd-stuck still hosts 2 container(s) or instance(s) when wait_timeout ran out (3 seconds)' in run.msg
    assert run.msg.endswith('the node stays unschedulable and was not removed')
    for container_id in launched:
        assert 'ams-%s (%s)' % (container_id, container_id) in run.msg
    assert sorted(run.result['remaining']) == sorted('ams-%s (%s)' % (cid, cid) for cid in launched)
    node = _node(simulator, 'lxd-stuck')
    assert node is not None and node['unschedulable'] is True
    assert _paths(simulator.mutating_requests_since(mark), 'DELETE') == []

    # A rerun with time enough and nothing left to wait for: the node is already unschedulable.
    removed = ansible.run('ams_container', dict(simulator.connection, image='drain-image', node='lxd-stuck',
                                                state='absent'))
    assert not removed.failed, removed.output
    mark = simulator.log_mark()
    again = ansible.run('ams_node', dict(simulator.connection, name='lxd-stuck', state='absent', drain=True))
    assert not again.failed and again.changed, again.output
    assert [(entry['method'], entry['path']) for entry in simulator.mutating_requests_since(mark)] == [
        ('DELETE', '/1.0/nodes/lxd-stuck')]
