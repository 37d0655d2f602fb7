# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The anbox.ams.ams connection plugin over the real client (scripted HTTP) and a fake websocket layer."""

import json

import pytest

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import become_loader, connection_loader

from ansible_collections.anbox.ams.plugins.connection import ams as ams_connection
from ansible_collections.anbox.ams.plugins.module_utils import exec_session
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_exec import (
    SequenceDialer,
    exec_answer,
    exec_done,
)
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import error, make_client, sync

API = sync({'api_extensions': ['instance_support', 'instance_exec'], 'auth': 'trusted'})
RUNNING = sync({'id': 'c0ffee', 'name': 'game-1', 'status': 'running', 'status_code': 4})


class Harness:
    def __init__(self, monkeypatch):
        self.answers = []
        self.scripts = []
        self.clients = []
        self.options = []
        self.dialer = None
        monkeypatch.setattr(ams_connection, 'client_from_options', self._client)
        monkeypatch.setattr(exec_session, 'WebsocketDialer', self._dialer)

    def _client(self, get_option, warn=None):
        names = ('url', 'client_cert', 'client_key', 'ca_cert', 'validate_certs', 'request_timeout')
        self.options.append(dict((name, get_option(name)) for name in names))
        client, transport, _clock = make_client(self.answers)
        self.transport = transport
        self.clients.append(client)
        return client

    def _dialer(self, client):
        self.dialer = SequenceDialer(self.scripts)
        return self.dialer

    def connection(self, variables=None, become=False):
        play_context = PlayContext()
        play_context.executable = '/bin/sh'
        connection = connection_loader.get('anbox.ams.ams', play_context, None)
        variables = dict({'inventory_hostname': 'game-1'}, **(variables or {}))
        connection.set_options(var_options=variables)
        if become:
            connection.set_become_plugin(become_loader.get('ansible.builtin.sudo'))
        return connection

    @property
    def sent(self):
        return [(sent['method'], sent['url'].split('8444', 1)[1]) for sent in self.transport.sent]


@pytest.fixture
def ams(monkeypatch):
    for name in ('AMS_URL', 'AMS_CLIENT_CERT', 'AMS_CLIENT_KEY', 'AMS_CA_CERT', 'AMS_VALIDATE_CERTS'):
        monkeypatch.delenv(name, raising=False)
    return Harness(monkeypatch)


def test_exec_command_runs_through_the_shell_and_returns_bytes(ams):
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(0, 'op1')]
    ams.scripts = [([b'hi\n'], [b'careful\n'])]
    connection = ams.connection()
    rc, stdout, stderr = connection.exec_command('echo hi; echo careful >&2')
    assert (rc, stdout, stderr) == (0, b'hi\n', b'careful\n')
    body = json.loads(ams.transport.sent[2]['body'])
    assert body['command'] == ['/bin/sh', '-c', 'echo hi; echo careful >&2']
    assert ams.sent[2] == ('POST', '/1.0/instances/c0ffee/exec')


def test_pipelined_input_goes_to_stdin(ams):
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(0, 'op1')]
    ams.scripts = [([b'{"ping": "pong"}'], [])]
    connection = ams.connection()
    connection.exec_command('python3', in_data=b'print("module source")')
    assert ams.dialer[0].stdin == b'print("module source")'


def test_one_client_checks_once_and_serves_every_command_of_the_host(ams):
    ams.answers = [API, RUNNING]
    for index in range(4):
        ams.answers += [exec_answer('op%d' % index), exec_done(0, 'op%d' % index)]
    ams.scripts = [([b'%d' % index], []) for index in range(4)]
    connection = ams.connection()
    outputs = [connection.exec_command('echo %d' % index)[1] for index in range(4)]
    assert outputs == [b'0', b'1', b'2', b'3']
    assert len(ams.clients) == 1
    assert [sent for sent in ams.sent if sent[0] == 'GET' and '/operations/' not in sent[1]] == [
        ('GET', '/1.0'), ('GET', '/1.0/instances/game-1')]
    connection.close()


def test_put_file_streams_the_file_to_cat_with_the_path_as_an_argument(ams, tmp_path):
    data = bytes(range(256)) * 4096
    source = tmp_path / 'blob'
    source.write_bytes(data)
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(0, 'op1')]
    ams.scripts = [([], [])]
    ams.connection().put_file(str(source), "/tmp/it's here")
    assert json.loads(ams.transport.sent[2]['body'])['command'] == [
        '/bin/sh', '-c', 'cat > "$1"', 'sh', "/tmp/it's here"]
    assert ams.dialer[0].stdin == data
    assert max(len(chunk) for chunk in ams.dialer[0].streams['0'].sent) <= exec_session.CHUNK_SIZE


def test_put_file_that_cannot_be_written_fails_with_the_error_text(ams, tmp_path):
    source = tmp_path / 'x'
    source.write_bytes(b'x')
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(2, 'op1')]
    ams.scripts = [([], [b'sh: 1: cannot create /nope/x: Directory nonexistent\n'])]
    with pytest.raises(AnsibleError, match=r'failed to write /nope/x in instance game-1 \(c0ffee\) \(exit status 2\): '
                                           r'sh: 1: cannot create /nope/x: Directory nonexistent'):
        ams.connection().put_file(str(source), '/nope/x')


def test_put_file_of_a_missing_local_file_sends_nothing(ams, tmp_path):
    ams.answers = [API, RUNNING]
    with pytest.raises(AnsibleError, match='file or module does not exist'):
        ams.connection().put_file(str(tmp_path / 'missing'), '/tmp/x')
    assert [method for method, _path in ams.sent] == ['GET', 'GET']


def test_fetch_file_streams_stdout_into_the_local_file(ams, tmp_path):
    chunks = [bytes([index]) * 65536 for index in range(20)]
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(0, 'op1')]
    ams.scripts = [(list(chunks), [])]
    target = tmp_path / 'fetched'
    ams.connection().fetch_file('/data/app.log', str(target))
    assert target.read_bytes() == b''.join(chunks)
    assert json.loads(ams.transport.sent[2]['body'])['command'] == [
        '/bin/sh', '-c', 'exec cat < "$1"', 'sh', '/data/app.log']


def test_fetch_file_of_a_missing_file_fails_and_leaves_no_local_file(ams, tmp_path):
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(2, 'op1')]
    ams.scripts = [([], [b'sh: 1: cannot open /nope: No such file\n'])]
    target = tmp_path / 'fetched'
    with pytest.raises(AnsibleError, match=r'failed to read /nope in instance game-1 .*No such file'):
        ams.connection().fetch_file('/nope', str(target))
    assert not target.exists()


def test_become_is_refused_before_anything_is_sent(ams):
    connection = ams.connection(become=True)
    with pytest.raises(AnsibleError, match=r'does not support privilege escalation \(become\)'):
        connection.exec_command('id')
    assert ams.clients == []


def test_a_missing_instance_makes_the_host_unreachable_with_its_name(ams):
    ams.answers = [API, error(404, 'not found')]
    with pytest.raises(AnsibleConnectionFailure, match='has no instance named or with the id game-1'):
        ams.connection().exec_command('true')


def test_a_stopped_instance_makes_the_host_unreachable_saying_so(ams):
    ams.answers = [API, sync({'id': 'c0ffee', 'name': 'game-1', 'status': 'stopped', 'status_code': 5})]
    with pytest.raises(AnsibleConnectionFailure, match=r'is not running \(status stopped\)'):
        ams.connection().exec_command('true')


def test_an_untrusted_client_is_told_how_to_get_trusted(ams):
    ams.answers = [error(403, 'not authorized'), sync({'auth': 'untrusted', 'api_extensions': []})]
    with pytest.raises(AnsibleConnectionFailure, match='presented no certificate.*ams_certificate'):
        ams.connection().exec_command('true')


def test_the_instance_comes_from_ansible_ams_instance_then_ansible_host_then_the_host_name(ams):
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(0, 'op1')]
    ams.scripts = [([], [])]
    ams.connection({'ansible_host': '10.0.0.5', 'ansible_ams_instance': 'c0ffee'}).exec_command('true')
    assert ams.sent[1] == ('GET', '/1.0/instances/c0ffee')


def test_connection_options_come_from_ansible_ams_variables(ams):
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(0, 'op1')]
    ams.scripts = [([], [])]
    ams.connection({'ansible_ams_url': 'https://ams.example:8444', 'ansible_ams_validate_certs': False,
                    'ansible_ams_server_cert': '/etc/ams/server.crt', 'ansible_ams_request_timeout': 5}
                   ).exec_command('true')
    assert ams.options[0] == {'url': 'https://ams.example:8444', 'client_cert': None, 'client_key': None,
                              'ca_cert': '/etc/ams/server.crt', 'validate_certs': False, 'request_timeout': 5.0}


def test_connection_options_fall_back_to_the_ams_environment(ams, monkeypatch):
    monkeypatch.setenv('AMS_URL', 'https://env.example:8444')
    monkeypatch.setenv('AMS_VALIDATE_CERTS', 'false')
    ams.answers = [API, RUNNING, exec_answer('op1'), exec_done(0, 'op1')]
    ams.scripts = [([], [])]
    ams.connection().exec_command('true')
    assert ams.options[0]['url'] == 'https://env.example:8444' and ams.options[0]['validate_certs'] is False


def test_without_websocket_client_the_plugin_fails_with_missing_required_lib(ams, monkeypatch):
    monkeypatch.setattr(exec_session, 'HAS_WEBSOCKET', False)
    with pytest.raises(AnsibleError, match='Failed to import the required Python library .websocket-client.'):
        ams.connection().exec_command('true')
    assert ams.clients == []
