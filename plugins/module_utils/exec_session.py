# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport: one command run over AMS's exec API, with its streams on websockets.

AMS passes LXD's exec protocol through. ``POST .../exec`` answers with an
operation whose metadata holds one secret per stream (``fds`` ``0``, ``1``,
``2`` and ``control``). Each stream is one websocket,
``/1.0/operations/<id>/websocket?secret=<secret>``, opened with the same
TLS settings as the client's REST requests (client certificate, CA bundle or
pinned server certificate, ``validate_certs``) or over the same unix socket.
stdin goes out as binary messages on ``0`` and ends with a close frame;
stdout and stderr arrive as binary messages on ``1`` and ``2``, each ended by a
close frame; ``control`` takes JSON such as ``{"command": "signal", "signal": 9}``.
When both output streams have ended the operation finishes and carries the
exit status in ``metadata.return``.

Streams are copied one message at a time between a source (bytes or a file
object read in chunks) and sinks (anything with ``write``), so memory stays
bounded whatever the size of the data. The websocket library is
``websocket-client``; only exec needs it.
"""

import json
import threading
import traceback
from urllib.parse import quote

from ansible_collections.anbox.ams.plugins.module_utils import sockets, tls
from ansible_collections.anbox.ams.plugins.module_utils.client import USER_AGENT, Deadline, Operation, parallel_map
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSConnectionError,
    AMSError,
    AMSHTTPError,
    AMSOperationTimeout,
    AMSTLSError,
    http_error_class,
)

try:
    import websocket
    HAS_WEBSOCKET = True
    WEBSOCKET_IMPORT_ERROR = None
except ImportError:
    websocket = None
    HAS_WEBSOCKET = False
    WEBSOCKET_IMPORT_ERROR = traceback.format_exc()

# stdin is sent in messages of this size: small enough to keep memory flat, large enough to be cheap.
CHUNK_SIZE = 256 * 1024
STREAMS = ('0', '1', '2')
SIGKILL = 9
# After the output streams end the operation is final within moments; this bounds that last wait.
FINISH_SECONDS = 60
# How often a wait for the streams wakes up to look at the deadline (and let Ctrl-C through).
JOIN_SLICE = 0.5
# How long stdin may still be sending once the output has ended.
FEEDER_GRACE = 5.0


class ExecTimeout(AMSOperationTimeout):
    """The command did not finish within the task's time budget; it was sent SIGKILL."""


class ExecStreamError(AMSConnectionError):
    """A stream's websocket broke or could not be opened."""


class SourceError(AMSError):
    """Reading the data for stdin (a local file) failed."""


class SinkError(AMSError):
    """Writing stdout or stderr where the caller wanted it (a local file) failed."""


class Result:
    """What a finished command gave: its exit status and the operation as it ended."""

    def __init__(self, rc, operation, stdin_bytes):
        self.rc = rc
        self.operation = operation
        self.stdin_bytes = stdin_bytes


def exec_url(base_url, operation_id, secret):
    """``wss://`` (``ws://`` over a unix socket) URL of one stream of an exec operation."""
    if base_url.startswith('https://'):
        origin = 'wss://' + base_url[len('https://'):]
    else:
        origin = 'ws://' + base_url.split('://', 1)[-1]
    return '%s/1.0/operations/%s/websocket?secret=%s' % (origin, quote(operation_id, safe=''), quote(secret, safe=''))


class WebsocketDialer:
    """Opens exec websockets to the server of one AMSClient, with that client's TLS settings or unix socket.

    The socket comes from the client's Endpoint, not from websocket-client, so
    that a pinned server certificate is checked before the stream's secret is
    sent, and so that TLS sessions are resumed across streams and requests.
    """

    def __init__(self, client):
        if not HAS_WEBSOCKET:
            raise AMSError('the Python library websocket-client is required to run commands in AMS instances')
        self.client = client
        self.endpoint = client.endpoint
        self.base_url = client.base_url
        self.timeout = client.request_timeout

    def _socket(self):
        try:
            return self.endpoint.open(self.timeout)
        except sockets.TLSRefused as exc:
            raise AMSTLSError(tls.explain_tls_error(exc.reason, self.client.url, self.client.ca_cert,
                                                    self.client.client_cert))
        except sockets.NotSent as exc:
            if self.endpoint.kind == 'unix':
                raise ExecStreamError('Cannot connect to the AMS unix socket %s for an exec stream: %s'
                                      % (self.endpoint.socket_path, exc.reason))
            raise ExecStreamError('Cannot connect to AMS at %s for an exec stream: %s' % (self.client.url, exc.reason))

    def open_sockets(self, count):
        """``count`` sockets to the server, dialled at once: the handshakes' round trips overlap."""
        outcomes = parallel_map(lambda _number: self._socket(), range(count), count)
        failed = [outcome.error for outcome in outcomes if outcome.error is not None]
        if failed:
            for outcome in outcomes:
                if outcome.error is None:
                    outcome.value.close()
            raise failed[0]
        return [outcome.value for outcome in outcomes]

    def connect(self, operation_id, secret, stream, sock=None):
        """A connected Stream for one fd of an exec operation, over ``sock`` (from open_sockets) or a new socket."""
        sock = sock or self._socket()
        ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=True)
        url = exec_url(self.base_url, operation_id, secret)
        try:
            ws.connect(url, socket=sock, timeout=self.timeout, header=['User-Agent: ' + USER_AGENT],
                       suppress_origin=True)
        except websocket.WebSocketBadStatusException as exc:
            sock.close()
            raise _refused(exc, stream, self.client.url)
        except (websocket.WebSocketException, OSError) as exc:
            sock.close()
            raise ExecStreamError('AMS at %s did not open the websocket of exec stream %s: %s'
                                  % (self.client.url, stream, exc))
        if self.endpoint.kind != 'unix':
            self.endpoint.keep_session(sock)
        ws.settimeout(None)
        return Stream(ws, stream)


def _open_streams(dialer, operation_id, secrets, streams):
    """Open a stream per ``(name, secret)`` into ``streams``, the control stream first when it is there.

    The sockets are dialled all at once; the control stream is opened before the others, as AMS's own
    client does (the command starts once 0, 1 and 2 are open, and a quick one could end before a late
    control stream), then 0, 1 and 2 together. Against a distant AMS that is 4 round trips, not 12.
    """
    socks = dialer.open_sockets(len(secrets))
    # A socket handed to connect() is its: connect closes it on failure, the stream owns it after.
    handed = set()

    def connect(index):
        handed.add(index)
        name, secret = secrets[index]
        return dialer.connect(operation_id, secret, name, socks[index])

    try:
        first = 1 if secrets[0][0] == 'control' else 0
        if first:
            streams['control'] = connect(0)
        outcomes = parallel_map(connect, range(first, len(secrets)), len(secrets))
        for outcome in outcomes:
            if outcome.error is None:
                streams[secrets[outcome.item][0]] = outcome.value
        failed = [outcome.error for outcome in outcomes if outcome.error is not None]
        if failed:
            raise failed[0]
    except BaseException:
        for index, sock in enumerate(socks):
            if index not in handed and sock is not None:
                sock.close()
        raise


def _refused(exc, stream, url):
    status = getattr(exc, 'status_code', None) or 500
    body = getattr(exc, 'resp_body', None) or b''
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'replace')
    try:
        detail = json.loads(body).get('error') or body
    except (ValueError, AttributeError):
        detail = body
    message = 'AMS at %s refused the websocket of exec stream %s: %s (HTTP %s)' % (url, stream, detail or exc, status)
    error_class = http_error_class(status) if status >= 400 else AMSHTTPError
    return error_class(message, status_code=status, ams_error=detail or None)


class Stream:
    """One exec websocket: what ExecRunner needs of it. Tests substitute their own."""

    def __init__(self, ws, name):
        self.ws = ws
        self.name = name

    def send_bytes(self, data):
        self.ws.send_binary(data)

    def send_text(self, text):
        self.ws.send(text)

    def receive(self):
        """The next message's bytes, or None once the server closed the stream."""
        while True:
            opcode, data = self.ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return None
            if opcode in (websocket.ABNF.OPCODE_BINARY, websocket.ABNF.OPCODE_TEXT):
                return data if isinstance(data, bytes) else data.encode('utf-8')

    def end(self):
        """Say "no more data" (a close frame); the server answers with its own."""
        self.ws.send_close()

    def abort(self):
        """Wake up a thread blocked on this stream; no more traffic."""
        try:
            self.ws.abort()
        except (OSError, AttributeError):
            pass

    def close(self):
        try:
            self.ws.shutdown()
        except (OSError, AttributeError):
            pass


def _chunks(source, chunk_size):
    """Bytes to send on stdin, one chunk at a time, from None, bytes or a binary file object."""
    if source is None:
        return
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for offset in range(0, len(view), chunk_size):
            yield bytes(view[offset:offset + chunk_size])
        return
    while True:
        try:
            chunk = source.read(chunk_size)
        except (IOError, OSError) as exc:
            raise SourceError('cannot read the data for stdin: %s' % (exc.strerror or exc))
        if not chunk:
            return
        yield chunk


class _Pump(threading.Thread):
    """Runs one stream's copy loop in its own thread and keeps what went wrong for the caller."""

    def __init__(self, name, target):
        super().__init__(name='ams-exec-' + name)
        self.daemon = True
        self._target_loop = target
        self.error = None
        self.count = 0

    def run(self):
        try:
            self._target_loop(self)
        except Exception as exc:  # pylint: disable=broad-except
            self.error = exc


def run_command(client, exec_path, command, environment=None, stdin=None, stdout=None, stderr=None,
                deadline=None, dialer=None, chunk_size=CHUNK_SIZE, describe=None, control=True):
    """Run ``command`` (a list of strings) through ``POST exec_path`` and stream it; return a Result.

    ``stdin`` is None, bytes or a binary file object; ``stdout`` and ``stderr``
    take each message through ``write(bytes)`` (None drops the stream).
    ``deadline`` (seconds or a client Deadline; None waits as long as it takes)
    bounds the whole command: when it runs out the command is sent SIGKILL and
    ExecTimeout is raised. ``describe`` names the command in messages.
    ``control`` opens the control stream, through which a timeout, Ctrl-C or
    a task timeout kills the command; without it they only stop the streaming.
    """
    describe = describe or 'the command'
    if deadline is not None:
        deadline = client.deadline(deadline)
    body = {'command': list(command), 'environment': dict(environment or {}), 'interactive': False,
            'width': 0, 'height': 0}
    answer = client.post(exec_path, body=body)
    if not isinstance(answer, Operation):
        raise AMSHTTPError('AMS answered POST %s without a background operation, so the command has no streams'
                           % exec_path)
    fds = (answer.metadata.get('metadata') or {}).get('fds') or {}
    missing = [name for name in STREAMS if not fds.get(name)]
    if missing:
        raise AMSHTTPError('AMS answered POST %s with an operation that has no secret for the stream(s) %s'
                           % (exec_path, ', '.join(missing)))
    dialer = dialer or WebsocketDialer(client)
    names = (['control'] if control and fds.get('control') else []) + list(STREAMS)
    streams = {}
    try:
        _open_streams(dialer, answer.id, [(name, fds[name]) for name in names], streams)
        sent = _stream(streams, stdin, stdout, stderr, deadline, chunk_size, describe)
    finally:
        for stream in streams.values():
            stream.close()
    final = client.wait(answer, deadline if deadline is not None else Deadline(client.clock, FINISH_SECONDS))
    rc = (final.metadata.get('metadata') or {}).get('return')
    if not isinstance(rc, int):
        raise AMSHTTPError('the exec operation %s of %s ended without an exit status (metadata.return)'
                           % (final.id, describe))
    return Result(rc, final, sent)


def _stream(streams, stdin, stdout, stderr, deadline, chunk_size, describe):
    """Copy the three streams until stdout and stderr have ended; return the number of stdin bytes sent."""

    def feed(pump):
        stream = streams['0']
        try:
            for chunk in _chunks(stdin, chunk_size):
                if chunk:
                    stream.send_bytes(chunk)
                    pump.count += len(chunk)
            stream.end()
        except SourceError:
            raise
        except Exception:  # pylint: disable=broad-except
            # The command stopped reading (it ended, or closed its stdin): like a pipe whose reader left.
            return

    def drain(name, sink):
        def loop(pump):
            stream = streams[name]
            while True:
                data = stream.receive()
                if data is None:
                    return
                pump.count += len(data)
                if sink is None or not data:
                    continue
                try:
                    sink.write(data)
                except (IOError, OSError) as exc:
                    raise SinkError('cannot write the %s of %s: %s'
                                    % ('stdout' if name == '1' else 'stderr', describe, exc.strerror or exc))
        return loop

    feeder = _Pump('stdin', feed)
    readers = [_Pump('stdout', drain('1', stdout)), _Pump('stderr', drain('2', stderr))]
    for pump in [feeder] + readers:
        pump.start()
    try:
        while True:
            alive = [reader for reader in readers if reader.is_alive()]
            if not alive:
                break
            if isinstance(feeder.error, SourceError):
                raise feeder.error
            wait = JOIN_SLICE
            if deadline is not None:
                remaining = deadline.remaining()
                if remaining <= 0:
                    raise ExecTimeout('%s did not finish within %s seconds (wait_timeout), so it was killed'
                                      % (describe, deadline.seconds))
                wait = min(wait, remaining)
            alive[0].join(wait)
        # The output ended; stdin may still be on its way out (a command that exits once it has read it all).
        feeder.join(FEEDER_GRACE if deadline is None else max(min(FEEDER_GRACE, deadline.remaining()), 0))
        for reader in readers:
            if reader.error is not None:
                raise _stream_error(reader, describe)
        if isinstance(feeder.error, SourceError):
            raise feeder.error
        return feeder.count
    except BaseException:
        # Timeout, a broken stream, a failing sink or Ctrl-C: the command must not go on unattended.
        _kill(streams)
        for stream in streams.values():
            stream.abort()
        raise
    finally:
        # Once stdout and stderr have ended, a feeder still sending has nobody to read it.
        streams['0'].abort()
        feeder.join(JOIN_SLICE)


def _kill(streams):
    control = streams.get('control')
    if control is None:
        return
    try:
        control.send_text(json.dumps({'command': 'signal', 'signal': SIGKILL}))
    except Exception:  # pylint: disable=broad-except
        pass


def _stream_error(pump, describe):
    if isinstance(pump.error, AMSError):
        return pump.error
    stream = pump.name.rsplit('-', 1)[-1]
    return ExecStreamError('the %s websocket of %s broke: %s' % (stream, describe, pump.error or 'connection closed'))


class LimitedBuffer:
    """A sink that keeps the first ``limit`` bytes written to it (all with ``limit`` 0) and counts the rest."""

    def __init__(self, limit=0):
        self.limit = limit
        self.size = 0
        self._parts = []
        self._kept = 0

    def write(self, data):
        self.size += len(data)
        if self.limit and self._kept >= self.limit:
            return
        if self.limit and self._kept + len(data) > self.limit:
            data = data[:self.limit - self._kept]
        self._parts.append(bytes(data))
        self._kept += len(data)

    @property
    def truncated(self):
        return self.size > self._kept

    def getvalue(self):
        if len(self._parts) > 1:
            self._parts = [b''.join(self._parts)]
        return self._parts[0] if self._parts else b''
