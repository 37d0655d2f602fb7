# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Exec in instances.py: feature detection, finding the instance, its status, and the command to run."""

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import instances
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSBadRequest, AMSUnsupportedError
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import error, make_client, sync


def api(*extensions):
    return sync({'api_extensions': list(extensions), 'api_status': 'stable', 'api_version': '1.0', 'auth': 'trusted'})


def instance(name='game-1', status='running', **extra):
    obj = {'id': 'c0ffee', 'name': name, 'status': status, 'status_code': {'running': 4, 'stopped': 5}[status]}
    obj.update(extra)
    return obj


def test_an_ams_without_exec_is_refused_before_anything_but_get_1_0_is_sent():
    client, transport, _clock = make_client([api('instance_support')])
    with pytest.raises(AMSUnsupportedError, match='AMS at https://ams.test:8444 does not support running commands in '
                                                  'instances: it lacks the API extension instance_exec'):
        instances.find_target(client, 'game-1')
    assert [sent['url'] for sent in transport.sent] == ['https://ams.test:8444/1.0']


def test_instances_are_found_by_name_and_run_through_the_instances_endpoint():
    client, transport, _clock = make_client([api('instance_exec', 'container_exec'), sync(instance())])
    target = instances.running_target(client, 'game-1')
    assert transport.sent[1]['url'] == 'https://ams.test:8444/1.0/instances/game-1'
    assert target.exec_path == '/1.0/instances/c0ffee/exec'
    assert target.describe() == 'instance game-1 (c0ffee)'


def test_an_older_ams_runs_commands_through_the_containers_endpoint_by_id():
    container = {'id': 'c0ffee', 'name': 'ams-c0ffee', 'status': 'running', 'status_code': 4}
    client, transport, _clock = make_client([api('container_exec'), sync(container)])
    target = instances.running_target(client, 'c0ffee')
    assert transport.sent[1]['url'] == 'https://ams.test:8444/1.0/containers/c0ffee'
    assert target.exec_path == '/1.0/containers/c0ffee/exec' and target.kind == 'container'


def test_an_older_ams_finds_a_container_by_its_name_with_one_listing():
    container = {'id': 'c0ffee', 'name': 'ams-c0ffee', 'status': 'running', 'status_code': 4}
    client, transport, _clock = make_client([api('container_exec'), error(404, 'not found'), sync([container])])
    target = instances.running_target(client, 'ams-c0ffee')
    assert target.exec_path == '/1.0/containers/c0ffee/exec'
    assert transport.sent[2]['url'] == 'https://ams.test:8444/1.0/containers?recursion=1'


def test_a_missing_instance_is_named():
    client, _transport, _clock = make_client([api('instance_exec'), error(404, 'not found')])
    with pytest.raises(instances.ExecTargetError, match='AMS at https://ams.test:8444 has no instance named or '
                                                        'with the id ghost'):
        instances.running_target(client, 'ghost')


def test_a_stopped_instance_is_refused_with_its_status_and_what_to_do():
    client, transport, _clock = make_client([api('instance_exec'), sync(instance(status='stopped'))])
    with pytest.raises(instances.ExecTargetError, match=r'instance game-1 \(c0ffee\) is not running \(status '
                                                        r'stopped\), so it cannot run commands: start it first'):
        instances.running_target(client, 'game-1')
    assert all(sent['method'] == 'GET' for sent in transport.sent)


def test_ams_refusing_exec_on_a_stopped_instance_is_translated():
    target = instances.Target(instance(), 'instances')
    refusal = AMSBadRequest('AMS refused POST', status_code=400, ams_error='instance game-1 is not running (status '
                                                                           'stopped): cannot exec')
    translated = instances.translate_refusal(refusal, target)
    assert isinstance(translated, instances.ExecTargetError)
    assert 'instance game-1 (c0ffee) is not running' in translated.message and 'start it first' in translated.message


@pytest.mark.parametrize('cmd, argv', [
    ('echo hi', ['echo', 'hi']),
    ("anbox-shell getprop 'ro.build.version.release'", ['anbox-shell', 'getprop', 'ro.build.version.release']),
    ('printf "%s\\n" "a b"  c\\ d', ['printf', '%s\\n', 'a b', 'c d']),
])
def test_cmd_is_split_as_a_posix_shell_splits_words(cmd, argv):
    assert instances.command_from(cmd=cmd) == argv


def test_command_is_taken_as_given():
    assert instances.command_from(command=['sh', '-c', 'echo $HOME; exit 2']) == ['sh', '-c', 'echo $HOME; exit 2']


def test_chdir_runs_the_command_through_sh_with_the_directory_as_an_argument():
    assert instances.command_from(command=['ls', '-l'], chdir='/data/my dir') == [
        'sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', '/data/my dir', 'ls', '-l']


@pytest.mark.parametrize('kwargs, message', [
    ({'cmd': 'echo "unterminated'}, 'cmd cannot be split into words like a shell would: No closing quotation'),
    ({'cmd': '   '}, 'the command to run is empty'),
    ({'command': []}, 'the command to run is empty'),
    ({}, 'give the command to run in command'),
    ({'command': ['a'], 'cmd': 'a'}, 'either command'),
])
def test_bad_commands_are_named(kwargs, message):
    with pytest.raises(instances.CommandError, match=message):
        instances.command_from(**kwargs)


def test_environment_values_become_strings_and_bad_names_are_refused():
    assert instances.environment_from({'A': 1, 'B': True, 'C': 'x'}) == {'A': '1', 'B': 'true', 'C': 'x'}
    with pytest.raises(instances.CommandError, match="'A=B' is not a valid variable name"):
        instances.environment_from({'A=B': 'x'})
    with pytest.raises(instances.CommandError, match='D has no value'):
        instances.environment_from({'D': None})
