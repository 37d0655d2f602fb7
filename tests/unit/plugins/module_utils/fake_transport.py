# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted transport for AMSClient unit tests: no sockets, full control of every answer."""


import hashlib
import json

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError, ProtocolError

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


class FakeTransport(HTTPAdapter):
    """Answers requests from a list of scripted answers, in order; records what was sent."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.sent = []

    def send(self, request, **kwargs):
        self.record(request, **kwargs)
        if not self.answers:
            raise AssertionError('unexpected request %s %s' % (request.method, request.url))
        return self.respond(request, self.answers.pop(0))

    def record(self, request, **kwargs):
        """Note what was sent (a streamed body is read and hashed)."""
        body = request.body
        digest = None
        if body is not None and not isinstance(body, (bytes, str)):
            hasher = hashlib.sha256()
            for chunk in body:
                hasher.update(chunk)
            digest = hasher.hexdigest()
        self.sent.append({'method': request.method, 'url': request.url, 'headers': dict(request.headers),
                          'body': body if isinstance(body, (bytes, str)) else None, 'streamed_sha256': digest,
                          'timeout': kwargs.get('timeout')})

    @staticmethod
    def respond(request, answer):
        """The response (or the exception) a scripted answer stands for."""
        if answer is Refused:
            raise requests.exceptions.ConnectionError(NewConnectionError(None, 'Connection refused'))
        if answer is Reset:
            raise requests.exceptions.ConnectionError(ProtocolError('Connection aborted.', ConnectionResetError()))
        status, payload, headers = answer
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response._content = (payload if isinstance(payload, str) else json.dumps(payload)).encode('utf-8')
        response.url = request.url
        response.request = request
        response.reason = 'scripted'
        return response


def make_client(answers, **kwargs):
    """An AMSClient on https://ams.test whose transport plays ``answers``.

    Batches run one call at a time unless ``max_parallel`` is given: scripted answers come in order.
    """
    kwargs.setdefault('max_parallel', 1)
    clock = FakeClock()
    client = AMSClient('https://ams.test:8444', validate_certs=True, sleep=clock.sleep, clock=clock.clock, **kwargs)
    transport = FakeTransport(answers)
    client.session.mount('https://', transport)
    return client, transport, clock
