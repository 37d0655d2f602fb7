# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fake websocket layer for exec: streams that play scripted output and record what the client sent."""

import threading

from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import sync

SECRETS = {'0': 's0', '1': 's1', '2': 's2', 'control': 'sc'}
HANG = object()


def exec_answer(op_id='op1', fds=None):
    """The 202 answer to POST .../exec: an operation of class websocket with one secret per stream."""
    metadata = {'id': op_id, 'class': 'websocket', 'description': 'Executing command', 'status_code': 103,
                'status': 'Running', 'err': '', 'resources': {}, 'may_cancel': False,
                'metadata': {'fds': dict(SECRETS if fds is None else fds)}}
    body = {'type': 'async', 'status': 'Operation created', 'status_code': 100,
            'operation': '1.0/operations/' + op_id, 'metadata': metadata}
    return 202, body, {'Content-Type': 'application/json', 'Location': '/1.0/operations/' + op_id}


def exec_done(rc, op_id='op1', status_code=200, err=''):
    """The answer to GET /1.0/operations/<id>/wait once the command ended with exit status ``rc``."""
    metadata = {'fds': dict(SECRETS)}
    if rc is not None:
        metadata['return'] = rc
    return sync({'id': op_id, 'class': 'websocket', 'description': 'Executing command', 'status_code': status_code,
                 'status': 'Success' if status_code == 200 else 'Failure', 'err': err, 'resources': {},
                 'metadata': metadata})


class FakeStream:
    """One exec websocket. Output streams play ``script`` (bytes, HANG to block until aborted, or an exception)."""

    def __init__(self, name, script=()):
        self.name = name
        self.script = list(script)
        self.sent = []
        self.texts = []
        self.ended = False
        self.aborted = threading.Event()
        self.closed = False
        self.refuse_after = None

    def send_bytes(self, data):
        if self.aborted.is_set():
            raise OSError('aborted')
        if self.refuse_after is not None and len(self.sent) >= self.refuse_after:
            raise ConnectionResetError('the command closed its stdin')
        self.sent.append(bytes(data))

    def send_text(self, text):
        self.texts.append(text)

    def receive(self):
        if not self.script:
            return None
        item = self.script.pop(0)
        if item is HANG:
            self.aborted.wait()
            raise OSError('socket aborted')
        if isinstance(item, BaseException):
            raise item
        return item

    def end(self):
        self.ended = True

    def abort(self):
        self.aborted.set()

    def close(self):
        self.closed = True


class FakeDialer:
    """Hands out FakeStreams; ``connects`` records (operation id, secret, stream name) in order."""

    def __init__(self, stdout=(), stderr=()):
        self.streams = {'control': FakeStream('control'), '0': FakeStream('0'), '1': FakeStream('1', stdout),
                        '2': FakeStream('2', stderr)}
        self.connects = []

    def open_sockets(self, count):
        self.sockets_opened = getattr(self, 'sockets_opened', 0) + count
        return [None] * count

    def connect(self, operation_id, secret, stream, sock=None):
        self.connects.append((operation_id, secret, stream))
        return self.streams[stream]

    @property
    def stdin(self):
        return b''.join(self.streams['0'].sent)


class SequenceDialer:
    """Several commands in a row: each new operation gets the next (stdout, stderr) script and its own FakeDialer."""

    def __init__(self, scripts):
        self.scripts = list(scripts)
        self.dialers = {}
        self.order = []

    @staticmethod
    def open_sockets(count):
        return [None] * count

    def connect(self, operation_id, secret, stream, sock=None):
        if operation_id not in self.dialers:
            stdout, stderr = self.scripts.pop(0)
            self.dialers[operation_id] = FakeDialer(stdout, stderr)
            self.order.append(operation_id)
        return self.dialers[operation_id].connect(operation_id, secret, stream)

    def __getitem__(self, index):
        return self.dialers[self.order[index]]
