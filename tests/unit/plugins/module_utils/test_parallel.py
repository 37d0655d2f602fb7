# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Batches of independent requests: a bound on requests in flight, one outcome per request, shared state kept safe."""

import json
import threading

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import errors, sockets
from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient, Operation, parallel_map
from ansible_collections.anbox.ams.plugins.module_utils.connection import client_from_options, connection_argument_spec
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import (
    FakeTransport,
    async_op,
    error,
    operation,
    sync,
)

# Only guards against a hung test: a request that waits this long for its peers fails the test.
STUCK_SECONDS = 30


class ConcurrentTransport(FakeTransport):
    """Answers by path (requests come in any order) and records how many were in flight at once.

    Each request (or each one ``held`` picks) is held until as many are in flight as the test expects at most (or every
    request of the batch has arrived), so the peak shows the bound, not how fast threads start.
    """

    def __init__(self, answer_for, expected_peak, total, held=None):
        super().__init__([])
        self.held = held or (lambda request: True)
        self.answer_for = answer_for
        self.expected_peak = expected_peak
        self.total = total
        self.arrived = 0
        self.in_flight = 0
        self.peak = 0
        self.condition = threading.Condition()

    def request(self, method, target, headers, body, timeout):
        request = self.record(method, target, headers, body, timeout)
        if not self.held(request):
            return self.respond(request, self.answer_for(request))
        with self.condition:
            self.arrived += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.condition.notify_all()
            released = self.condition.wait_for(
                lambda: self.peak >= self.expected_peak or self.arrived >= self.total, STUCK_SECONDS)
        try:
            if not released:
                raise AssertionError('requests never reached %d in flight' % self.expected_peak)
            return self.respond(request, self.answer_for(request))
        finally:
            with self.condition:
                self.in_flight -= 1


def body_of(request):
    return request.body or ''


def concurrent_client(answer_for, max_parallel, expected_peak, total, held=None):
    client = AMSClient('https://ams.test:8444', validate_certs=True, max_parallel=max_parallel,
                       sleep=lambda seconds: None)
    transport = ConcurrentTransport(answer_for, expected_peak, total, held)
    client.transport = transport
    return client, transport


def test_a_batch_never_has_more_than_max_parallel_requests_in_flight():
    def answer(request):
        return async_op('op-' + json.loads(body_of(request))['n'])
    client, transport = concurrent_client(answer, max_parallel=4, expected_peak=4, total=12)
    outcomes = client.parallel(lambda number: client.post('/1.0/containers', body={'n': '%02d' % number}), range(12))
    assert transport.peak == 4
    assert [outcome.item for outcome in outcomes] == list(range(12))
    assert [outcome.value.id for outcome in outcomes] == ['op-%02d' % number for number in range(12)]
    assert all(outcome.error is None for outcome in outcomes)


def test_failures_are_gathered_per_request_and_the_others_still_run():
    def answer(request):
        name = request.url.rsplit('/', 1)[-1]
        return error(409, 'in use') if name in ('c3', 'c5') else async_op('op-' + name)
    client, transport = concurrent_client(answer, max_parallel=3, expected_peak=3, total=8)
    ids = ['c%d' % number for number in range(8)]
    outcomes = client.parallel(lambda name: client.delete('/1.0/containers/' + name), ids)
    assert [outcome.item for outcome in outcomes if outcome.error] == ['c3', 'c5']
    assert all(isinstance(outcome.error, errors.AMSConflict) for outcome in outcomes if outcome.error)
    assert [outcome.value.id for outcome in outcomes if not outcome.error] == [
        'op-' + name for name in ids if name not in ('c3', 'c5')]
    assert len(transport.sent) == 8


def test_waits_on_many_operations_go_out_together_within_the_bound():
    def answer(request):
        path = request.url.split('ams.test:8444', 1)[1].split('?', 1)[0]
        if path == '/1.0/operations':
            # Only some are detailed, so every running one is waited for with its own long-poll.
            return sync({'running': [operation('op%d' % number) for number in range(3)]})
        op_id = path.split('/')[3]
        return sync(operation(op_id, 400 if op_id == 'op7' else 200, err='boom' if op_id == 'op7' else ''))
    client, transport = concurrent_client(answer, max_parallel=5, expected_peak=5, total=10,
                                          held=lambda request: '/wait' in request.url)
    finished = client.wait_all([Operation(operation('op%d' % number)) for number in range(10)], timeout=60)
    assert transport.peak == 5
    assert [item.id for item in finished] == ['op%d' % number for number in range(10)]
    assert [item.id for item in finished if not item.succeeded] == ['op7']
    assert sum(1 for sent in transport.sent if sent['url'].endswith('/wait?timeout=30')) == 10


def test_the_server_document_is_read_once_when_threads_ask_together():
    def answer(request):
        return sync({'api_extensions': ['instance_support']})
    client, transport = concurrent_client(answer, max_parallel=6, expected_peak=1, total=1)
    together = threading.Barrier(6)

    def ask(_number):
        together.wait(STUCK_SECONDS)
        return client.has_extension('instance_support')
    outcomes = client.parallel(ask, range(6))
    assert [outcome.value for outcome in outcomes] == [True] * 6
    assert len(transport.sent) == 1


def test_a_refused_request_in_one_thread_is_explained_without_disturbing_the_others():
    def answer(request):
        if request.url.endswith('/1.0'):
            return sync({'auth': 'untrusted'})
        return error(403, 'not authorized') if request.url.endswith('/secret') else sync({'ok': 1})
    client, _transport = concurrent_client(answer, max_parallel=4, expected_peak=1, total=1)
    outcomes = client.parallel(client.get, ['/1.0/a', '/1.0/secret', '/1.0/b', '/1.0/secret'])
    assert [outcome.value.metadata for outcome in outcomes if not outcome.error] == [{'ok': 1}, {'ok': 1}]
    refused = [outcome.error for outcome in outcomes if outcome.error]
    assert len(refused) == 2
    assert all('presented no certificate' in error.message for error in refused)


def test_the_connection_pool_is_as_large_as_the_bound():
    client = AMSClient('https://ams.test:8444', validate_certs=True, max_parallel=7)
    assert isinstance(client.transport, sockets.ConnectionPool)
    assert client.transport.size == 7


@pytest.mark.parametrize('value', [0, -3, 2.5, True, '4'])
def test_max_parallel_must_be_a_whole_number_of_one_or_more(value):
    with pytest.raises(errors.AMSConfigurationError) as info:
        AMSClient('https://ams.test:8444', max_parallel=value)
    assert 'max_parallel must be a whole number of 1 or more' in info.value.message


def test_a_bug_in_one_call_is_raised_once_every_call_ended():
    ended = []

    def call(number):
        if number == 2:
            raise KeyError('bug')
        ended.append(number)
        return number
    with pytest.raises(KeyError):
        parallel_map(call, range(6), 3)
    assert sorted(ended) == [0, 1, 3, 4, 5]


def test_a_bound_of_one_runs_in_the_calling_thread_in_order():
    seen = []
    outcomes = parallel_map(lambda number: seen.append((number, threading.current_thread())) or number, range(4), 1)
    assert [outcome.value for outcome in outcomes] == [0, 1, 2, 3]
    assert seen == [(number, threading.current_thread()) for number in range(4)]


def test_a_lost_answer_is_an_outcome_and_never_resent():
    def answer(request):
        if json.loads(body_of(request))['n'] == 1:
            raise sockets.NoAnswer('connection reset by peer')
        return async_op('op')
    client, transport = concurrent_client(answer, max_parallel=2, expected_peak=2, total=3)
    outcomes = client.parallel(lambda number: client.post('/1.0/containers', body={'n': number}), range(3))
    assert isinstance(outcomes[1].error, errors.AMSAmbiguousError)
    assert [outcome.error for outcome in (outcomes[0], outcomes[2])] == [None, None]
    assert len(transport.sent) == 3


def test_max_parallel_reaches_the_client_from_the_options():
    options = {'url': 'https://ams.test:8444', 'validate_certs': True, 'request_timeout': None, 'max_parallel': 3}
    client = client_from_options(options.get)
    assert client.max_parallel == 3
    assert client.transport.size == 3
    assert client_from_options({'url': 'https://ams.test:8444'}.get).max_parallel == 16
    assert connection_argument_spec()['max_parallel']['fallback'][1] == ['AMS_MAX_PARALLEL']
