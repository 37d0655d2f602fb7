# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Exec end to end: ams_instance_exec and the anbox.ams.ams connection plugin against simulated instances.

The instances are reached as users reach them: hosts of the inventory plugin with ``connection: exec``,
over real HTTPS and websockets to a simulator that runs the commands as real processes
(``--exec-real-processes``), so Ansible's own modules (ping, command, copy, fetch, script) run "inside"
them. A second simulator keeps its emulated commands (``anbox-shell getprop`` and the like).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ams_simulator.testing import SimulatorProcess, make_client_cert

CANARIES = ('exec-canary-1', 'exec-canary-2')
OTHER = 'exec-other'
STOPPED = 'exec-stopped'
IMAGE = 'populated-image'


def _client(collections_root, connection):
    if collections_root not in sys.path:
        sys.path.insert(0, collections_root)
    from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient
    return AMSClient(**connection)


def launch(client, name, tags=(), start=True):
    body = {'name': name, 'image_id': IMAGE, 'tags': list(tags)}
    if not start:
        body['no_start'] = True
    client.wait(client.post('/1.0/instances', body=body), 60)


def wait_status(client, name, status, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        instance = client.get('/1.0/instances/' + name).metadata
        if instance.get('status') == status:
            return instance
        if time.monotonic() > deadline:
            raise AssertionError('instance %s is %s, not %s' % (name, instance.get('status'), status))
        time.sleep(0.05)


class World:
    """A simulator with named instances, an inventory source reaching them by exec, and ways to run Ansible."""

    def __init__(self, simulator, connection, client, ansible, work_dir):
        self.simulator = simulator
        self.connection = connection
        self.client = client
        self.ansible = ansible
        self.work_dir = work_dir

    def inventory(self, name='instances', lines=()):
        text = ['plugin: anbox.ams.ams'] + ['%s: %s' % item for item in sorted(self.connection.items())]
        text += ['include: [instances]', 'connection: exec', 'compose:',
                 '  ansible_python_interpreter: "%r"' % sys.executable] + list(lines)
        path = os.path.join(self.work_dir, name + '.ams.yml')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(text) + '\n')
        return path

    def adhoc(self, pattern, module, args, inventory=None, extra=(), env=None):
        command = [os.path.join(self.ansible.bin_dir, 'ansible'), '-i', inventory or self.inventory(), pattern,
                   '-m', module, '-a', args] + list(extra)
        return subprocess.run(command, env=self.ansible.environment(env), capture_output=True, text=True,
                              timeout=600, check=False)

    def playbook(self, plays, inventory=None, env=None):
        path = os.path.join(self.work_dir, 'play-%d.yml' % time.monotonic_ns())
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(plays, handle)
        if inventory == 'localhost':
            return self.ansible.playbook(path, env=env)
        command = [os.path.join(self.ansible.bin_dir, 'ansible-playbook'), '-i', inventory or self.inventory(), path]
        return subprocess.run(command, env=self.ansible.environment(env), capture_output=True, text=True,
                              timeout=600, check=False)

    def module(self, args, **kwargs):
        """ams_instance_exec on localhost with this simulator's connection options."""
        merged = dict(self.connection)
        merged.update(args)
        return self.ansible.run('ams_instance_exec', merged, **kwargs)


def _start(tmp_path_factory, ansible, collections_root, extra_args, unix_socket=False):
    base = tmp_path_factory.mktemp('exec-ams')
    cert, key, _fingerprint = make_client_cert(str(base / 'client'), name='client')
    # Populating adds the image the instances are launched from, and one running container, ams-<id>.
    extra_args = ['--trust-cert', cert, '--populate-nodes', '1', '--populate-containers', '1'] + list(extra_args)
    if unix_socket:
        extra_args += ['--unix-socket', str(base / 'ams.socket')]
    simulator = SimulatorProcess(str(base / 'state'), extra_args=extra_args, python=sys.executable)
    simulator.start()
    simulator.socket_path = str(base / 'ams.socket') if unix_socket else None
    connection = {'url': simulator.url, 'client_cert': cert, 'client_key': key, 'ca_cert': simulator.ca_cert}
    client = _client(collections_root, connection)
    return World(simulator, connection, client, ansible, str(tmp_path_factory.mktemp('exec-work')))


@pytest.fixture(scope='module')
def world(tmp_path_factory, ansible, collections_root):
    world = _start(tmp_path_factory, ansible, collections_root, ['--exec-real-processes'], unix_socket=True)
    try:
        for name in CANARIES:
            launch(world.client, name, tags=['canary'])
        launch(world.client, OTHER)
        launch(world.client, STOPPED, start=False)
        for name in CANARIES + (OTHER,):
            wait_status(world.client, name, 'running')
        wait_status(world.client, STOPPED, 'stopped')
        yield world
    finally:
        world.client.close()
        world.simulator.stop()


@pytest.fixture(scope='module')
def emulated(tmp_path_factory, ansible, collections_root):
    world = _start(tmp_path_factory, ansible, collections_root, [])
    try:
        launch(world.client, 'game-canary-1', tags=['canary'])
        wait_status(world.client, 'game-canary-1', 'running')
        yield world
    finally:
        world.client.close()
        world.simulator.stop()


def _sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


# -- the connection plugin ------------------------------------------------------------------------


def test_raw_answers_on_every_running_instance_of_the_inventory(world):
    completed = world.adhoc('exec-*:&ams_status_running', 'raw', 'echo hi from $HOME')
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for name in CANARIES + (OTHER,):
        assert '%s | CHANGED | rc=0 >>\nhi from ' % name in completed.stdout
    assert completed.stdout.count('rc=0') == 3


def test_the_issue_command_runs_android_getprop_on_the_canaries(emulated):
    completed = emulated.adhoc('ams_tag_canary', 'raw', 'anbox-shell getprop ro.build.version.release')
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert 'game-canary-1 | CHANGED | rc=0 >>\n13' in completed.stdout


def test_ping_command_copy_fetch_and_script_run_inside_the_instances(world, tmp_path):
    blob = tmp_path / 'blob.bin'
    blob.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    script = tmp_path / 'report.sh'
    script.write_text('#!/bin/sh\necho "script in $(basename "$HOME") with $1"\n')
    fetched = tmp_path / 'fetched'
    results = tmp_path / 'results'
    plays = [
        {'hosts': 'ams_tag_canary', 'gather_facts': False, 'tasks': [
            {'ansible.builtin.ping': None, 'register': 'ping'},
            {'ansible.builtin.command': 'echo {{ inventory_hostname }}', 'register': 'command'},
            {'ansible.builtin.copy': {'content': 'hello {{ inventory_hostname }}\n', 'dest': '~/greeting.txt'},
             'register': 'copy_content'},
            {'ansible.builtin.copy': {'src': str(blob), 'dest': '~/blob.bin', 'mode': '0640'}, 'register': 'copy_blob'},
            {'ansible.builtin.copy': {'src': str(blob), 'dest': '~/blob.bin', 'mode': '0640'},
             'register': 'copy_again'},
            {'ansible.builtin.fetch': {'src': '~/blob.bin', 'dest': str(fetched) + '/{{ inventory_hostname }}.bin',
                                       'flat': True}, 'register': 'fetch'},
            {'ansible.builtin.script': '%s argument' % script, 'register': 'script'},
            {'anbox.ams.ams_instance_exec': dict(world.connection, instance='{{ inventory_hostname }}',
                                                 command=['cat', 'greeting.txt']),
             'delegate_to': 'localhost', 'register': 'module'},
            {'ansible.builtin.copy': {'dest': str(results) + '/{{ inventory_hostname }}.json', 'content': (
                '{{ {"ping": ping, "command": command, "copy_content": copy_content, "copy_blob": copy_blob, '
                '"copy_again": copy_again, "script": script, "module": module} | to_json }}')},
             'delegate_to': 'localhost'},
        ]},
    ]
    results.mkdir()
    completed = world.playbook(plays)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    hosts = dict((path.stem, json.loads(path.read_text())) for path in results.iterdir())
    assert sorted(hosts) == sorted(CANARIES)
    for name, variables in hosts.items():
        assert variables['ping']['ping'] == 'pong'
        assert variables['command']['stdout'] == name
        assert variables['copy_content']['changed'] is True
        assert variables['copy_blob']['changed'] is True and variables['copy_again']['changed'] is False
        assert _sha256(fetched / (name + '.bin')) == _sha256(blob)
        assert variables['script']['stdout'].strip() == 'script in %s with argument' % (
            world.client.get('/1.0/instances/' + name).metadata['id'])
        assert variables['module']['stdout'] == 'hello ' + name


def test_pipelining_runs_modules_without_temporary_files(world):
    completed = world.adhoc(CANARIES[0], 'ping', '', env={'ANSIBLE_PIPELINING': 'True'}, extra=['-vvv'])
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert '"ping": "pong"' in completed.stdout
    assert 'PUT ' not in completed.stdout


def test_a_stopped_instance_is_unreachable_with_a_clear_message(world):
    completed = world.adhoc(STOPPED, 'raw', 'true')
    assert completed.returncode != 0
    assert 'UNREACHABLE' in completed.stdout
    assert 'instance %s' % STOPPED in completed.stdout and 'is not running (status stopped)' in completed.stdout


def test_a_missing_instance_is_unreachable_naming_it(world):
    completed = world.adhoc(OTHER, 'raw', 'true', extra=['-e', 'ansible_ams_instance=ghost'])
    assert 'UNREACHABLE' in completed.stdout and 'has no instance named or with the id ghost' in completed.stdout


def test_become_is_refused_clearly(world):
    completed = world.adhoc(OTHER, 'raw', 'id', extra=['--become'])
    assert completed.returncode != 0
    assert 'does not support privilege escalation (become)' in completed.stdout


def test_an_untrusted_client_is_told_so(world, tmp_path):
    cert, key, _fingerprint = make_client_cert(str(tmp_path / 'stranger'), name='stranger')
    inventory = tmp_path / 'static.ini'
    inventory.write_text('%s ansible_connection=anbox.ams.ams ansible_ams_url=%s ansible_ams_client_cert=%s '
                         'ansible_ams_client_key=%s ansible_ams_ca_cert=%s\n'
                         % (OTHER, world.simulator.url, cert, key, world.simulator.ca_cert))
    completed = world.adhoc(OTHER, 'raw', 'true', inventory=str(inventory))
    assert 'UNREACHABLE' in completed.stdout and 'does not trust the client certificate' in completed.stdout


# -- ams_instance_exec ----------------------------------------------------------------------------------------


def test_module_returns_output_and_status(world):
    run = world.module({'instance': OTHER, 'cmd': "sh -c 'echo out; echo err >&2; pwd'"})
    assert not run.failed, run.result
    assert run.changed and run.result['rc'] == 0
    assert run.result['stdout_lines'][0] == 'out' and run.result['stderr'] == 'err'
    assert run.result['stdout_lines'][1].endswith(world.client.get('/1.0/instances/' + OTHER).metadata['id'])


def test_module_fails_on_a_non_zero_status_unless_failed_when_says_otherwise(world):
    failing = world.module({'instance': OTHER, 'command': ['sh', '-c', 'echo partial; exit 3']})
    assert failing.failed and failing.result['rc'] == 3 and failing.result['stdout'] == 'partial'
    assert 'non-zero return code 3' in failing.msg
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'anbox.ams.ams_instance_exec': dict(world.connection, instance=OTHER, command=['sh', '-c', 'exit 3']),
         'register': 'out', 'failed_when': 'out.rc not in [0, 3]'}]}]
    completed = world.playbook(play, inventory='localhost')
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_module_sends_binary_stdin_byte_for_byte_and_keeps_its_sha256(world, tmp_path):
    data = bytes(range(256)) * 4096 + os.urandom(1000)
    source = tmp_path / 'input.bin'
    source.write_bytes(data)
    run = world.module({'instance': OTHER, 'command': ['sha256sum'], 'stdin_path': str(source)})
    assert run.result['stdout'].split()[0] == hashlib.sha256(data).hexdigest()
    text = world.module({'instance': OTHER, 'command': ['cat'], 'stdin': 'line one\nline two'})
    assert text.result['stdout_lines'] == ['line one', 'line two']


def test_module_environment_and_chdir(world):
    run = world.module({'instance': OTHER, 'command': ['sh', '-c', 'echo "$GREETING in $(pwd)"'],
                        'environment': {'GREETING': 'hello'}, 'chdir': '/tmp'})
    assert run.result['stdout'] == 'hello in /tmp', run.result


def test_module_keeps_at_most_max_output_bytes(world):
    run = world.module({'instance': OTHER, 'command': ['head', '-c', '3000000', '/dev/zero'],
                        'max_output_bytes': 1000, 'strip_empty_ends': False})
    assert len(run.result['stdout']) == 1000 and run.result['stdout_truncated'] is True
    assert 'stdout was 3000000 bytes long' in run.output


def test_module_timeout_kills_the_command(world):
    mark = world.simulator.log_mark()
    run = world.module({'instance': OTHER, 'command': ['sleep', '300'], 'wait_timeout': 3})
    assert run.failed
    assert 'did not finish within 3 seconds (wait_timeout), so it was killed' in run.msg
    exec_requests = [entry for entry in world.simulator.requests_since(mark) if entry['path'].endswith('/exec')]
    assert len(exec_requests) == 1
    deadline = time.monotonic() + 60
    while True:
        operations = world.client.get('/1.0/operations', query={'recursion': '1'}).metadata
        ended = [op for group in operations.values() for op in group
                 if op.get('description') == 'Executing command' and (op.get('metadata') or {}).get('return') == 137]
        if ended or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ended, 'the killed command did not end with status 137 (SIGKILL)'


def test_module_check_mode_runs_nothing(world):
    mark = world.simulator.log_mark()
    run = world.module({'instance': OTHER, 'command': ['touch', 'check-mode-marker']}, check=True)
    assert run.result.get('skipped') is True
    assert all(entry['method'] == 'GET' for entry in world.simulator.requests_since(mark))


def test_module_on_a_stopped_instance_says_so_and_posts_nothing(world):
    mark = world.simulator.log_mark()
    run = world.module({'instance': STOPPED, 'command': ['true']})
    assert run.failed and 'instance %s' % STOPPED in run.msg and 'is not running (status stopped)' in run.msg
    assert all(entry['method'] == 'GET' for entry in world.simulator.requests_since(mark))


def test_module_with_a_pinned_server_certificate_and_over_the_unix_socket(world):
    pinned = world.module({'instance': OTHER, 'command': ['echo', 'pinned'], 'ca_cert': world.simulator.server_cert})
    assert pinned.result['stdout'] == 'pinned', pinned.result
    local = world.ansible.run('ams_instance_exec', {'url': 'unix:' + world.simulator.socket_path, 'instance': OTHER,
                                                    'command': ['sh', '-c', 'cat; echo " over the socket"'],
                                                    'stdin': 'local', 'stdin_add_newline': False})
    assert local.result['stdout'] == 'local over the socket', local.result


def test_a_wrong_pin_fails_before_a_stream_secret_is_sent(world, collections_root):
    from ansible_collections.anbox.ams.plugins.module_utils import exec_session, sockets
    from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSTLSError

    client = _client(collections_root, dict(world.connection, ca_cert=world.simulator.server_cert))
    try:
        dialer = exec_session.WebsocketDialer(client)
        # The streams' sockets expect another certificate than the one the REST requests got.
        dialer.endpoint = sockets.Endpoint.https(client.base_url, client.endpoint.context, pin='f' * 64)
        mark = world.simulator.log_mark()
        with pytest.raises(AMSTLSError, match='is not the pinned certificate'):
            exec_session.run_command(client, '/1.0/instances/%s/exec' % OTHER, ['true'], dialer=dialer, deadline=30)
        assert not [entry for entry in world.simulator.requests_since(mark) if 'websocket' in entry['path']]
    finally:
        client.close()


def test_an_older_ams_runs_commands_through_the_containers_endpoint(tmp_path_factory, ansible, collections_root):
    world = _start(tmp_path_factory, ansible, collections_root,
                   ['--without-extension', 'instance_exec',
                    '--without-extension', 'instance_support'])
    try:
        container = world.client.get('/1.0/containers', query={'recursion': '1'}).metadata[0]
        mark = world.simulator.log_mark()
        run = world.module({'instance': container['id'], 'command': ['echo', 'old']})
        assert run.result['stdout'] == 'old', run.result
        paths = [entry['path'] for entry in world.simulator.requests_since(mark)]
        assert '/1.0/containers/%s/exec' % container['id'] in paths
        assert not [path for path in paths if path.startswith('/1.0/instances')]
    finally:
        world.client.close()
        world.simulator.stop()


def test_an_ams_without_exec_is_refused_before_anything_is_sent(tmp_path_factory, ansible, collections_root):
    world = _start(tmp_path_factory, ansible, collections_root, ['--without-instances'])
    try:
        mark = world.simulator.log_mark()
        run = world.module({'instance': 'anything', 'command': ['true']})
        assert run.failed and 'lacks the API extension instance_exec' in run.msg
        assert [entry['path'] for entry in world.simulator.requests_since(mark)] == ['/1.0']
    finally:
        world.client.close()
        world.simulator.stop()


# -- without websocket-client (and without requests, which nothing needs) ---------------------------------------


def test_the_rest_of_the_collection_works_without_websocket_client(world, tmp_path):
    blocker = tmp_path / 'no-websocket'
    blocker.mkdir()
    # Every Python started with this PYTHONPATH (ansible, its workers, the modules) cannot import websocket,
    # nor requests or urllib3: the collection's HTTP is the standard library's.
    (blocker / 'sitecustomize.py').write_text(
        'import sys\n\n\nclass _Hidden:\n'
        '    def find_spec(self, name, path=None, target=None):\n'
        '        if name.split(".")[0] in ("websocket", "requests", "urllib3"):\n'
        '            raise ImportError("No module named %r (hidden by the test)" % name)\n'
        '        return None\n\n\nsys.meta_path.insert(0, _Hidden())\n')
    env = {'PYTHONPATH': str(blocker)}
    info = world.ansible.run('ams_server_info', world.connection, env=env)
    assert not info.failed and 'instance_exec' in info.result['server']['api_extensions']
    listing = subprocess.run([os.path.join(world.ansible.bin_dir, 'ansible-inventory'), '-i', world.inventory(),
                              '--list'], env=world.ansible.environment(env), capture_output=True, text=True,
                             timeout=120, check=False)
    assert listing.returncode == 0 and OTHER in json.loads(listing.stdout)['_meta']['hostvars']
    run = world.module({'instance': OTHER, 'command': ['true']}, env=env)
    assert run.failed and 'Failed to import the required Python library (websocket-client)' in run.msg
    completed = world.adhoc(OTHER, 'raw', 'true', env=env)
    assert completed.returncode != 0
    assert 'Failed to import the required Python library (websocket-client)' in completed.stdout + completed.stderr
