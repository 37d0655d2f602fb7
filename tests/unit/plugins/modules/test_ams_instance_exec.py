# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ams_instance_exec over the real client (scripted HTTP) and a fake websocket layer."""

import json

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import exec_session
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError, AMSUnsupportedError
from ansible_collections.anbox.ams.plugins.modules import ams_instance_exec
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_exec import FakeDialer, exec_answer, exec_done
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import error, make_client, sync
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import FakeModule

API = sync({'api_extensions': ['instance_support', 'instance_exec'], 'auth': 'trusted'})
RUNNING = sync({'id': 'c0ffee', 'name': 'game-1', 'status': 'running', 'status_code': 4})
STOPPED = sync({'id': 'c0ffee', 'name': 'game-1', 'status': 'stopped', 'status_code': 5})


def params(**overrides):
    base = dict(instance='game-1', command=None, cmd=None, stdin=None, stdin_add_newline=True, stdin_path=None,
                environment=None, chdir=None, strip_empty_ends=True, max_output_bytes=16 * 1024 * 1024,
                wait_timeout=600)
    base.update(overrides)
    return base


def run(answers, dialer, check_mode=False, **overrides):
    client, transport, _clock = make_client(answers)
    module = FakeModule(params(**overrides), check_mode=check_mode)
    instance = ams_instance_exec.AMSInstanceExec(module, client=client)
    problem = None
    try:
        instance.run()
    except AMSError as exc:
        problem = exc
    return instance.result, problem, transport, module


@pytest.fixture
def dialer(monkeypatch):
    fake = FakeDialer(stdout=[b'13\n\n'], stderr=[b''])
    monkeypatch.setattr(exec_session, 'WebsocketDialer', lambda client: fake)
    return fake


def test_runs_the_command_and_returns_its_output_split_in_lines(dialer):
    result, problem, transport, _module = run([API, RUNNING, exec_answer(), exec_done(0)], dialer,
                                              cmd='anbox-shell getprop ro.build.version.release')
    assert problem is None
    assert result['changed'] is True
    assert (result['rc'], result['stdout'], result['stderr']) == (0, '13', '')
    assert result['stdout_lines'] == ['13'] and result['stderr_lines'] == []
    assert result['stdout_truncated'] is False
    assert result['cmd'] == ['anbox-shell', 'getprop', 'ro.build.version.release']
    assert json.loads(transport.sent[2]['body'])['command'] == result['cmd']
    assert transport.sent[2]['url'].endswith('/1.0/instances/c0ffee/exec')


def test_a_non_zero_exit_status_fails_with_the_output(dialer):
    result, problem, _transport, _module = run([API, RUNNING, exec_answer(), exec_done(2)], dialer,
                                               command=['sh', '-c', 'exit 2'])
    assert 'non-zero return code 2 from sh in instance game-1' in problem.message
    assert result['rc'] == 2 and result['stdout'] == '13' and result['changed'] is True


def test_stdin_gets_a_newline_unless_told_otherwise(dialer):
    run([API, RUNNING, exec_answer(), exec_done(0)], dialer, command=['cat'], stdin='héllo')
    assert dialer.stdin == 'héllo\n'.encode('utf-8')


def test_stdin_without_newline(dialer):
    run([API, RUNNING, exec_answer(), exec_done(0)], dialer, command=['cat'], stdin='x', stdin_add_newline=False)
    assert dialer.stdin == b'x'


def test_stdin_path_is_sent_byte_for_byte(dialer, tmp_path):
    data = bytes(range(256)) * 1000
    source = tmp_path / 'blob.bin'
    source.write_bytes(data)
    run([API, RUNNING, exec_answer(), exec_done(0)], dialer, command=['cat'], stdin_path=str(source))
    assert dialer.stdin == data


def test_an_unreadable_stdin_path_fails_before_anything_is_run(dialer, tmp_path):
    _result, problem, transport, _module = run([API, RUNNING], dialer, command=['cat'],
                                               stdin_path=str(tmp_path / 'missing'))
    assert 'stdin_path %s cannot be read' % (tmp_path / 'missing') in problem.message
    assert [sent['method'] for sent in transport.sent] == ['GET', 'GET']


def test_environment_and_chdir(dialer):
    _result, _problem, transport, _module = run([API, RUNNING, exec_answer(), exec_done(0)], dialer,
                                                command=['ls'], chdir='/data', environment={'N': 3})
    body = json.loads(transport.sent[2]['body'])
    assert body['command'] == ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', '/data', 'ls']
    assert body['environment'] == {'N': '3'}


def test_output_beyond_max_output_bytes_is_dropped_and_flagged(monkeypatch):
    fake = FakeDialer(stdout=[b'a' * 600, b'b' * 600], stderr=[])
    monkeypatch.setattr(exec_session, 'WebsocketDialer', lambda client: fake)
    result, _problem, _transport, module = run([API, RUNNING, exec_answer(), exec_done(0)], fake, command=['x'],
                                               max_output_bytes=1000)
    assert result['stdout'] == 'a' * 600 + 'b' * 400 and result['stdout_truncated'] is True
    assert module.warnings == ['stdout was 1200 bytes long; only the first 1000 are returned (max_output_bytes)']


def test_without_strip_empty_ends_the_output_is_kept_as_it_came(dialer):
    result, _problem, _transport, _module = run([API, RUNNING, exec_answer(), exec_done(0)], dialer, command=['x'],
                                                strip_empty_ends=False)
    assert result['stdout'] == '13\n\n'


def test_check_mode_checks_the_instance_and_runs_nothing(dialer):
    result, problem, transport, _module = run([API, RUNNING], dialer, check_mode=True, command=['reboot'])
    assert problem is None and result['skipped'] is True and result['changed'] is False
    assert dialer.connects == [] and all(sent['method'] == 'GET' for sent in transport.sent)


def test_a_stopped_instance_fails_clearly_and_nothing_is_posted(dialer):
    _result, problem, transport, _module = run([API, STOPPED], dialer, command=['true'])
    assert 'instance game-1 (c0ffee) is not running (status stopped)' in problem.message
    assert all(sent['method'] == 'GET' for sent in transport.sent)


def test_an_instance_stopped_between_the_check_and_the_exec_is_explained(dialer):
    refusal = error(400, 'instance game-1 is not running (status stopped): cannot execute a command')
    _result, problem, _transport, _module = run([API, RUNNING, refusal], dialer, command=['true'])
    assert 'is not running, so it cannot run commands' in problem.message and 'start it first' in problem.message


def test_no_exec_extension_fails_before_sending_anything(dialer):
    api = sync({'api_extensions': ['instance_support'], 'auth': 'trusted'})
    _result, problem, transport, _module = run([api], dialer, command=['true'])
    assert isinstance(problem, AMSUnsupportedError) and 'instance_exec' in problem.message
    assert len(transport.sent) == 1


@pytest.mark.parametrize('overrides, message', [
    ({'cmd': 'echo "x'}, 'No closing quotation'),
    ({'command': ['true'], 'max_output_bytes': -1}, 'max_output_bytes must be 0'),
    ({'command': ['true'], 'wait_timeout': 0}, 'wait_timeout must be a positive number'),
    ({'command': ['true'], 'environment': {'A=B': 1}}, 'not a valid variable name'),
])
def test_bad_options_fail_before_any_request(dialer, overrides, message):
    _result, problem, transport, _module = run([], dialer, **overrides)
    assert message in problem.message and transport.sent == []


def test_a_missing_websocket_client_is_reported_with_missing_required_lib(monkeypatch):
    monkeypatch.setattr(exec_session, 'HAS_WEBSOCKET', False)

    class Failed(Exception):
        pass

    class Module(FakeModule):
        def fail_json(self, **result):
            raise Failed(result)

    client, _transport, _clock = make_client([])
    with pytest.raises(Failed) as caught:
        ams_instance_exec.AMSInstanceExec(Module(params(command=['true'])), client=client)
    assert 'websocket-client' in caught.value.args[0]['msg']
    assert 'Failed to import the required Python library' in caught.value.args[0]['msg']
