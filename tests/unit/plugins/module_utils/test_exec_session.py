# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""exec_session: the exec protocol over a fake websocket layer, with the real client over a scripted transport."""

import io
import json

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import exec_session
from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient, Deadline
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSHTTPError, AMSNotFound, AMSOperationError
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_exec import (
    HANG,
    FakeDialer,
    exec_answer,
    exec_done,
)
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import error, make_client

PATH = '/1.0/instances/game-1/exec'


class Collect:
    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(data)

    @property
    def data(self):
        return b''.join(self.parts)


class TickingClock:
    """A clock that moves one second each time it is read: deadlines run out without real waiting."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1.0
        return self.now


def run(answers, dialer, **kwargs):
    client, transport, _clock = make_client(answers)
    result = exec_session.run_command(client, PATH, kwargs.pop('command', ['echo', 'hi']), dialer=dialer, **kwargs)
    return result, transport


def test_the_request_carries_the_go_sdk_instance_exec_post_and_the_exit_status_comes_from_metadata_return():
    dialer = FakeDialer(stdout=[b'hello ', b'world\n'], stderr=[b'warn\n'])
    out, err = Collect(), Collect()
    result, transport = run([exec_answer(), exec_done(3)], dialer, command=['sh', '-c', 'exit 3'],
                            environment={'A': '1'}, stdout=out, stderr=err)
    assert result.rc == 3
    assert out.data == b'hello world\n' and err.data == b'warn\n'
    post = transport.sent[0]
    assert (post['method'], post['url']) == ('POST', 'https://ams.test:8444' + PATH)
    # api.InstanceExecPost: command, environment, interactive, width, height.
    assert json.loads(post['body']) == {'command': ['sh', '-c', 'exit 3'], 'environment': {'A': '1'},
                                        'interactive': False, 'width': 0, 'height': 0}
    assert transport.sent[1]['url'].startswith('https://ams.test:8444/1.0/operations/op1/wait')


def test_control_is_connected_first_then_stdin_stdout_stderr_with_their_own_secrets():
    dialer = FakeDialer()
    run([exec_answer(), exec_done(0)], dialer)
    # The control stream is opened first, then 0, 1 and 2 at once (in any order), on sockets dialled together.
    assert dialer.connects[0] == ('op1', 'sc', 'control')
    assert sorted(dialer.connects[1:]) == [('op1', 's0', '0'), ('op1', 's1', '1'), ('op1', 's2', '2')]
    assert dialer.sockets_opened == 4
    assert all(stream.closed for stream in dialer.streams.values())


def test_a_stream_that_cannot_be_opened_fails_the_command_and_every_other_stream_is_closed():
    class Refusing(FakeDialer):
        def connect(self, operation_id, secret, stream, sock=None):
            if stream == '1':
                raise exec_session.ExecStreamError('AMS did not open the websocket of exec stream 1')
            return super().connect(operation_id, secret, stream, sock)

    dialer = Refusing()
    with pytest.raises(exec_session.ExecStreamError, match='exec stream 1'):
        run([exec_answer()], dialer)
    opened = [name for _op, _secret, name in dialer.connects]
    assert opened[0] == 'control' and '1' not in opened
    assert all(dialer.streams[name].closed for name in opened)


def test_without_control_only_the_three_streams_are_opened():
    dialer = FakeDialer()
    run([exec_answer(), exec_done(0)], dialer, control=False)
    assert sorted(name for _op, _secret, name in dialer.connects) == ['0', '1', '2']


def test_stdin_bytes_go_out_in_chunks_and_end_with_a_close():
    data = bytes(range(256)) * 100
    dialer = FakeDialer()
    result, _transport = run([exec_answer(), exec_done(0)], dialer, stdin=data, chunk_size=1000)
    assert dialer.stdin == data
    assert max(len(chunk) for chunk in dialer.streams['0'].sent) == 1000
    assert dialer.streams['0'].ended
    assert result.stdin_bytes == len(data)


def test_stdin_from_a_binary_file_is_sent_byte_for_byte():
    data = b'\x00\xff\r\n\x80' * 5000
    dialer = FakeDialer()
    run([exec_answer(), exec_done(0)], dialer, stdin=io.BytesIO(data), chunk_size=4096)
    assert dialer.stdin == data
    assert len(dialer.streams['0'].sent) == -(-len(data) // 4096)


def test_no_stdin_ends_the_input_at_once_and_sends_no_data():
    dialer = FakeDialer()
    run([exec_answer(), exec_done(0)], dialer)
    assert dialer.streams['0'].sent == [] and dialer.streams['0'].ended


def test_a_command_that_stops_reading_stdin_is_not_an_error():
    dialer = FakeDialer(stdout=[b'head\n'])
    dialer.streams['0'].refuse_after = 2
    result, _transport = run([exec_answer(), exec_done(0)], dialer, stdin=b'x' * 10000, chunk_size=100)
    assert result.rc == 0 and len(dialer.streams['0'].sent) == 2


def test_a_stdin_file_that_cannot_be_read_fails_naming_it_and_kills_the_command():
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise OSError(5, 'Input/output error')

    dialer = FakeDialer(stdout=[HANG])
    with pytest.raises(exec_session.SourceError, match='cannot read the data for stdin: Input/output error'):
        run([exec_answer()], dialer, stdin=Broken())
    assert json.loads(dialer.streams['control'].texts[0]) == {'command': 'signal', 'signal': 9}


def test_a_sink_that_cannot_be_written_fails_naming_the_stream():
    class Full:
        def write(self, data):
            raise OSError(28, 'No space left on device')

    dialer = FakeDialer(stdout=[b'data', HANG])
    with pytest.raises(exec_session.SinkError, match='cannot write the stdout of the command: No space left'):
        run([exec_answer()], dialer, stdout=Full())
    assert dialer.streams['control'].texts


def test_the_deadline_ends_the_wait_kills_the_command_and_says_so():
    dialer = FakeDialer(stdout=[b'started\n', HANG])
    client, _transport, _clock = make_client([exec_answer()])
    deadline = Deadline(TickingClock(), 5)
    with pytest.raises(exec_session.ExecTimeout, match=r'sleep in game-1 did not finish within 5 seconds '
                                                       r'\(wait_timeout\), so it was killed'):
        exec_session.run_command(client, PATH, ['sleep', '100'], dialer=dialer, deadline=deadline,
                                 describe='sleep in game-1')
    assert [json.loads(text) for text in dialer.streams['control'].texts] == [{'command': 'signal', 'signal': 9}]
    assert all(stream.aborted.is_set() for stream in dialer.streams.values())


def test_a_broken_output_stream_is_a_stream_error_naming_it():
    dialer = FakeDialer(stdout=[b'a'], stderr=[ConnectionResetError('reset by peer')])
    with pytest.raises(exec_session.ExecStreamError, match='the stderr websocket of the command broke: reset by peer'):
        run([exec_answer()], dialer)


def test_an_operation_without_stream_secrets_is_refused_before_connecting():
    dialer = FakeDialer()
    with pytest.raises(AMSHTTPError, match=r'no secret for the stream\(s\) 1, 2'):
        run([exec_answer(fds={'0': 'a', 'control': 'c'})], dialer)
    assert dialer.connects == []


def test_an_operation_that_ends_without_an_exit_status_is_an_error():
    with pytest.raises(AMSHTTPError, match=r'ended without an exit status \(metadata.return\)'):
        run([exec_answer(), exec_done(None)], FakeDialer())


def test_an_exec_operation_that_fails_reports_its_err():
    failed = exec_done(None, status_code=400, err='timed out waiting for the websockets of fds 1 to connect')
    with pytest.raises(AMSOperationError, match='websockets of fds 1 to connect'):
        run([exec_answer(), failed], FakeDialer())


def test_a_refused_exec_request_raises_the_ams_error():
    with pytest.raises(AMSNotFound):
        run([error(404, 'not found')], FakeDialer())


def test_big_output_streams_through_without_being_joined():
    chunks = [bytes([index % 256]) * 65536 for index in range(64)]
    seen = []

    class Counting:
        def write(self, data):
            seen.append(len(data))

    run([exec_answer(), exec_done(0)], FakeDialer(stdout=list(chunks)), stdout=Counting())
    assert seen == [65536] * 64


@pytest.mark.parametrize('base, expected', [
    ('https://ams.example.com:8444', 'wss://ams.example.com:8444/1.0/operations/op%2F1/websocket?secret=a%2Bb'),
    ('https://[::1]:8444', 'wss://[::1]:8444/1.0/operations/op%2F1/websocket?secret=a%2Bb'),
    ('http://localhost', 'ws://localhost/1.0/operations/op%2F1/websocket?secret=a%2Bb'),
])
def test_exec_url_is_wss_on_the_client_host_or_ws_over_the_unix_socket(base, expected):
    assert exec_session.exec_url(base, 'op/1', 'a+b') == expected


def test_limited_buffer_keeps_the_start_and_counts_everything():
    buffer = exec_session.LimitedBuffer(10)
    for part in (b'12345', b'67890abc', b'def'):
        buffer.write(part)
    assert buffer.getvalue() == b'1234567890' and buffer.size == 16 and buffer.truncated
    unlimited = exec_session.LimitedBuffer(0)
    unlimited.write(b'x' * 100)
    assert unlimited.getvalue() == b'x' * 100 and not unlimited.truncated


def test_the_dialer_opens_its_sockets_where_the_client_sends_its_requests():
    client = AMSClient('https://ams.test:8444', validate_certs=False)
    assert exec_session.WebsocketDialer(client).endpoint is client.endpoint is client.transport.endpoint
    unix = AMSClient('unix:/run/ams.socket')
    dialer = exec_session.WebsocketDialer(unix)
    assert (dialer.endpoint.kind, dialer.endpoint.socket_path) == ('unix', '/run/ams.socket')


def test_the_dialer_reports_an_unreachable_unix_socket_clearly(tmp_path):
    dialer = exec_session.WebsocketDialer(AMSClient('unix:%s' % (tmp_path / 'missing.socket')))
    with pytest.raises(exec_session.ExecStreamError, match='Cannot connect to the AMS unix socket .*missing.socket'):
        dialer.connect('op1', 'secret', '1')
