# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every way a write can fail in flight, counted on the wire: exactly one request, then an ambiguous error.

A write (POST, PUT, PATCH, DELETE, and uploads) whose answer is lost may have been carried out, so the
client never sends it again by itself: the module re-reads and decides. Reads on the same failures are
retried, which shows the failure really is the one each branch handles.
"""

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import errors, sockets
from ansible_collections.anbox.ams.plugins.module_utils.client import Operation
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import (
    async_op,
    error,
    make_client,
    sync,
)

WRITES = ['POST', 'PUT', 'PATCH', 'DELETE']

# The transport's failures, as test_sockets.py shows real sockets raise them.
# failure -> what the client raises for a write whose answer it did not get
IN_FLIGHT_FAILURES = {
    'reset': sockets.NoAnswer('connection reset by peer'),
    'tls-eof': sockets.NoAnswer('EOF occurred in violation of protocol (_ssl.c:2427)'),
    'closed': sockets.NoAnswer('the connection closed without an answer (RemoteDisconnected)'),
    'timeout': sockets.NoAnswer('no answer within 30 seconds', timed_out=True),
}
NEVER_SENT_FAILURES = {
    'refused': sockets.NotSent('connection refused'),
    'connect-timeout': sockets.NotSent('no answer in time'),
    'tls-handshake-broke': sockets.NotSent('the TLS handshake broke: EOF occurred in violation of protocol'),
}


def _client_failing_first_with(failure, then):
    """A client whose first request fails with ``failure`` and whose next would be answered ``then``."""
    client, transport, clock = make_client([then])
    original = transport.request
    state = {'first': True}

    def request(method, target, headers, body, timeout):
        if state['first']:
            state['first'] = False
            transport.record(method, target, headers, body, timeout)
            raise failure
        return original(method, target, headers, body, timeout)

    transport.request = request
    return client, transport, clock


@pytest.mark.parametrize('method', WRITES)
@pytest.mark.parametrize('failure', sorted(IN_FLIGHT_FAILURES))
def test_a_write_that_breaks_in_flight_is_sent_once(method, failure):
    client, transport, clock = _client_failing_first_with(IN_FLIGHT_FAILURES[failure], async_op('op-1'))
    with pytest.raises(errors.AMSAmbiguousError) as caught:
        client.request(method, '/1.0/nodes/lxd0', body={'cpus': 4}, etag='"e1"')
    assert len(transport.sent) == 1, transport.sent
    assert transport.sent[0]['method'] == method
    assert clock.sleeps == []
    assert '%s /1.0/nodes/lxd0' % method in caught.value.message
    # The scripted success is still unused: nothing else went out.
    assert len(transport.answers) == 1


@pytest.mark.parametrize('method', WRITES)
@pytest.mark.parametrize('status', [502, 503, 504])
def test_a_write_answered_with_a_gateway_error_is_sent_once(method, status):
    client, transport, clock = make_client([error(status, 'busy'), async_op('op-1')])
    with pytest.raises(errors.AMSAmbiguousError) as caught:
        client.request(method, '/1.0/containers', body={})
    assert len(transport.sent) == 1
    assert clock.sleeps == []
    assert caught.value.status_code == status


@pytest.mark.parametrize('failure', sorted(IN_FLIGHT_FAILURES) + ['503'])
def test_an_upload_that_breaks_in_flight_is_sent_once(tmp_path, failure):
    package = tmp_path / 'image.tar.gz'
    package.write_bytes(b'x' * 4096)
    if failure == '503':
        client, transport, _clock = make_client([error(503, 'busy'), async_op('op-1')])
    else:
        client, transport, _clock = _client_failing_first_with(IN_FLIGHT_FAILURES[failure], async_op('op-1'))
    with pytest.raises(errors.AMSAmbiguousError):
        client.upload('POST', '/1.0/images', str(package), request_meta={'name': 'img'})
    assert len(transport.sent) == 1


@pytest.mark.parametrize('failure', sorted(IN_FLIGHT_FAILURES))
def test_a_read_on_the_same_failure_is_retried(failure):
    client, transport, clock = _client_failing_first_with(IN_FLIGHT_FAILURES[failure], sync({'ok': True}))
    assert client.get('/1.0/nodes/lxd0').metadata == {'ok': True}
    assert len(transport.sent) == 2
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize('method', WRITES)
@pytest.mark.parametrize('failure', sorted(NEVER_SENT_FAILURES))
def test_a_write_that_never_left_is_sent_again(method, failure):
    client, transport, _clock = _client_failing_first_with(NEVER_SENT_FAILURES[failure], async_op('op-1'))
    assert isinstance(client.request(method, '/1.0/nodes/lxd0', body={}), Operation)
    assert len(transport.sent) == 2
