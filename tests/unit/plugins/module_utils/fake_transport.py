# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted transport for AMSClient unit tests: no sockets, full control of every answer."""


import hashlib
import json

from ansible_collections.anbox.ams.plugins.module_utils import sockets
from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient
from ansible_collections.anbox.ams.tests.unit.plugins.fake_clock import FakeClock


def sync(metadata, status=200, etag=None):
    headers = {'Content-Type': 'application/json'}
    if etag:
        headers['ETag'] = etag
    return status, {'type': 'sync', 'status': 'Success', 'status_code': 200, 'metadata': metadata}, headers


def async_op(op_id, status_code=103, description='Doing things', err='', resources=None):
    metadata = operation(op_id, status_code, description, err, resources)
    body = {'type': 'async', 'status': 'Operation created', 'status_code': 100,
            'operation': '1.0/operations/' + op_id, 'metadata': metadata}
    return 202, body, {'Content-Type': 'application/json', 'Location': '/1.0/operations/' + op_id}


def operation(op_id, status_code=103, description='Doing things', err='', resources=None):
    return {'id': op_id, 'class': 'task', 'description': description, 'status_code': status_code,
            'status': 'Running', 'err': err, 'resources': resources or {}, 'may_cancel': False}


def error(status, message):
    return status, {'type': 'error', 'error': message, 'error_code': status, 'metadata': {}}, \
        {'Content-Type': 'application/json'}


def raw(status, text, content_type='text/plain'):
    return status, text, {'Content-Type': content_type}


class Refused:
    """Scripted answer: the TCP connection could not be made (nothing was sent)."""


class Reset:
    """Scripted answer: the connection broke after the request went out."""


class SentRequest:
    """What the client handed the transport for one request."""

    def __init__(self, method, url, headers, body, timeout):
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout


class FakeTransport:
    """Answers requests from a list of scripted answers, in order; records what was sent.

    Stands where the client's ConnectionPool stands: an answer is a Reply, or the
    transport error of the phase the failure happened in.
    """

    base_url = 'https://ams.test:8444'

    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []

    def request(self, method, target, headers, body, timeout):
        request = self.record(method, target, headers, body, timeout)
        if not self.answers:
            raise AssertionError('unexpected request %s %s' % (method, target))
        return self.respond(request, self.answers.pop(0))

    def record(self, method, target, headers, body, timeout):
        """Note what was sent (a streamed body is read and hashed); the SentRequest."""
        digest = None
        if body is not None and not isinstance(body, bytes):
            hasher = hashlib.sha256()
            for chunk in body:
                hasher.update(chunk)
            digest = hasher.hexdigest()
        text = body.decode('utf-8') if isinstance(body, bytes) else None
        request = SentRequest(method, self.base_url + target, dict(headers), text, timeout)
        self.sent.append({'method': method, 'url': request.url, 'headers': request.headers, 'body': text,
                          'streamed_sha256': digest, 'timeout': timeout})
        return request

    @staticmethod
    def respond(request, answer):
        """The Reply (or the exception) a scripted answer stands for."""
        if answer is Refused:
            raise sockets.NotSent('connection refused')
        if answer is Reset:
            raise sockets.NoAnswer('connection reset by peer')
        if isinstance(answer, sockets.TransportError):
            raise answer
        status, payload, headers = answer
        content = (payload if isinstance(payload, str) else json.dumps(payload)).encode('utf-8')
        return sockets.Reply(status, 'scripted', list(headers.items()), content, request.url)

    def close(self):
        pass


def make_client(answers, **kwargs):
    """An AMSClient on https://ams.test whose transport plays ``answers``.

    Batches run one call at a time unless ``max_parallel`` is given: scripted answers come in order.
    """
    kwargs.setdefault('max_parallel', 1)
    clock = FakeClock()
    client = AMSClient('https://ams.test:8444', validate_certs=True, sleep=clock.sleep, clock=clock.clock, **kwargs)
    transport = FakeTransport(answers)
    client.transport = transport
    return client, transport, clock
