# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import json

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import errors, sockets
from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient, Deadline, Operation, Response
from ansible_collections.anbox.ams.tests.unit.plugins.module_utils.fake_transport import (
    Refused,
    Reset,
    async_op,
    error,
    make_client,
    operation,
    raw,
    sync,
)


# -- envelopes ------------------------------------------------------------------

def test_sync_envelope_gives_metadata_and_etag():
    client, transport, _clock = make_client([sync({'name': 'lxd0'}, etag='"abc"')])
    answer = client.get('/1.0/nodes/lxd0')
    assert isinstance(answer, Response)
    assert answer.metadata == {'name': 'lxd0'}
    assert answer.etag == '"abc"'
    assert transport.sent[0]['url'] == 'https://ams.test:8444/1.0/nodes/lxd0'


def test_async_envelope_gives_operation_with_normalised_path():
    client, _transport, _clock = make_client([async_op('op-1', resources={'containers': ['/1.0/containers/c1']})])
    answer = client.post('/1.0/containers', body={'app_id': 'x'})
    assert isinstance(answer, Operation)
    assert answer.path == '/1.0/operations/op-1'
    assert answer.resource_ids('containers') == ['c1']
    assert not answer.final


@pytest.mark.parametrize('status,cls', [
    (400, errors.AMSBadRequest), (404, errors.AMSNotFound), (409, errors.AMSConflict),
    (412, errors.AMSPreconditionFailed), (500, errors.AMSServerError),
])
def test_error_envelope_maps_to_typed_error(status, cls):
    client, _transport, _clock = make_client([error(status, 'boom')])
    with pytest.raises(cls) as info:
        client.patch('/1.0/nodes/lxd0', body={'cpus': 2}, etag='"old"')
    assert info.value.status_code == status
    assert info.value.error_code == status
    assert info.value.ams_error == 'boom'
    assert 'boom' in info.value.message


def test_error_envelope_with_http_200_is_still_an_error():
    body = {'type': 'error', 'error': 'odd', 'error_code': 400, 'metadata': {}}
    client, _transport, _clock = make_client([(200, body, {'Content-Type': 'application/json'})])
    with pytest.raises(errors.AMSBadRequest):
        client.get('/1.0/config')


def test_non_json_error_body_is_reported_with_its_text():
    client, _transport, _clock = make_client([raw(500, '<html>proxy exploded</html>', 'text/html')])
    with pytest.raises(errors.AMSServerError) as info:
        client.post('/1.0/nodes', body={})
    assert 'proxy exploded' in info.value.message


def test_success_without_envelope_is_an_error():
    client, _transport, _clock = make_client([raw(200, 'hello')])
    with pytest.raises(errors.AMSHTTPError) as info:
        client.get('/1.0')
    assert 'not with an AMS JSON envelope' in info.value.message


def test_get_text_returns_plain_body():
    client, _transport, _clock = make_client([raw(200, 'name: app\n', 'application/x-yaml')])
    assert client.get_text('/1.0/applications/app/manifest') == 'name: app\n'


# -- ETags -----------------------------------------------------------------------

def test_patch_sends_if_match_and_412_is_its_own_error():
    client, transport, _clock = make_client([error(412, 'ETag mismatch')])
    with pytest.raises(errors.AMSPreconditionFailed):
        client.patch('/1.0/nodes/lxd0', body={'cpus': 4}, etag='"v1"')
    sent = transport.sent[0]
    assert sent['headers']['If-Match'] == '"v1"'
    assert json.loads(sent['body']) == {'cpus': 4}
    assert sent['headers']['Content-Type'] == 'application/json'


# -- retries ---------------------------------------------------------------------

def test_get_is_retried_on_503_and_connection_reset():
    client, transport, clock = make_client([error(503, 'busy'), Reset, sync({'ok': True})])
    assert client.get('/1.0/config').metadata == {'ok': True}
    assert len(transport.sent) == 3
    assert len(clock.sleeps) == 2
    assert clock.sleeps[1] > 0


def test_get_retries_for_request_timeout_seconds_without_a_task_deadline():
    client, transport, clock = make_client([error(503, 'busy')] * 100, request_timeout=20, retries=2)
    started = clock.now
    with pytest.raises(errors.AMSServerError) as info:
        client.get('/1.0/config')
    # More attempts than the fixed count of retries writes get, within 20 s of the first one.
    assert len(transport.sent) > 3
    assert clock.now - started == pytest.approx(20)
    assert 'tried %d times over 20.0 seconds (request_timeout)' % len(transport.sent) in info.value.message


def test_get_rides_out_a_long_outage_within_the_task_deadline():
    faults = [error(503, 'busy'), Reset, error(502, 'proxy'), error(504, 'gateway')] * 5
    client, transport, clock = make_client([sync({'ok': 0})] + faults + [sync({'ok': 1})], retries=5)
    client.retry_deadline = Deadline(clock.clock, 600)
    client.get('/1.0')
    assert client.get('/1.0/containers').metadata == {'ok': 1}
    assert len(transport.sent) == 22
    assert len(clock.sleeps) == 20


def test_get_gives_up_at_the_task_deadline_and_says_how_long_it_tried():
    client, transport, clock = make_client([sync({})] + [Reset] * 200)
    client.retry_deadline = Deadline(clock.clock, 90)
    client.get('/1.0')
    with pytest.raises(errors.AMSConnectionError) as info:
        client.get('/1.0/containers')
    # The last pause is cut short so that the last attempt is made at the deadline, not after it.
    assert clock.now == pytest.approx(client.retry_deadline.end)
    attempts = len(transport.sent) - 1
    assert 'broke during GET /1.0/containers' in info.value.message
    assert 'tried %d times over ' % attempts in info.value.message
    assert info.value.message.endswith('seconds (wait_timeout)')


def test_refused_connections_after_ams_answered_are_retried_within_the_budget():
    client, transport, clock = make_client([sync({})] + [Refused] * 12 + [sync({'ok': 1})], retries=2)
    client.retry_deadline = Deadline(clock.clock, 600)
    client.get('/1.0')
    assert client.get('/1.0/nodes').metadata == {'ok': 1}
    assert len(transport.sent) == 14


def test_an_ams_that_never_answered_gets_the_fixed_count_of_retries():
    client, transport, clock = make_client([Refused] * 50, retries=3)
    client.retry_deadline = Deadline(clock.clock, 600)
    with pytest.raises(errors.AMSConnectionError) as info:
        client.get('/1.0')
    assert len(transport.sent) == 4
    assert info.value.message.endswith('(retries)')


def test_a_read_after_the_task_deadline_still_gets_request_timeout_seconds():
    client, transport, clock = make_client([sync({})] + [error(503, 'busy')] * 3 + [sync({'ok': 1})],
                                           request_timeout=30)
    client.retry_deadline = Deadline(clock.clock, 10)
    clock.sleep(20)
    client.get('/1.0')
    assert client.get('/1.0/nodes').metadata == {'ok': 1}
    assert len(transport.sent) == 5


@pytest.mark.parametrize('fault', [Reset, error(503, 'busy')], ids=['reset', '503'])
def test_writes_keep_their_rules_under_a_task_deadline(fault):
    client, transport, clock = make_client([sync({}), fault, sync({})])
    client.retry_deadline = Deadline(clock.clock, 600)
    client.get('/1.0')
    with pytest.raises(errors.AMSAmbiguousError):
        client.post('/1.0/containers', body={})
    assert len(transport.sent) == 2


def test_backoff_grows_and_is_capped():
    client, _transport, clock = make_client([error(502, 'x')] * 7 + [sync({})], retries=7, backoff=1.0,
                                            backoff_max=4.0)
    client.get('/1.0')
    assert all(0.5 <= delay <= 4.0 for delay in clock.sleeps)
    assert max(clock.sleeps[4:]) > max(clock.sleeps[:1])


@pytest.mark.parametrize('method', ['POST', 'PATCH', 'DELETE'])
def test_mutating_request_is_not_resent_after_reset(method):
    client, transport, _clock = make_client([Reset, sync({})])
    with pytest.raises(errors.AMSAmbiguousError) as info:
        client.request(method, '/1.0/containers', body={})
    assert len(transport.sent) == 1
    assert 'may or may not' in info.value.message


def test_mutating_request_is_not_resent_after_503():
    client, transport, _clock = make_client([error(503, 'busy'), sync({})])
    with pytest.raises(errors.AMSAmbiguousError):
        client.post('/1.0/containers', body={})
    assert len(transport.sent) == 1


def test_mutating_request_is_retried_when_it_never_left():
    client, transport, _clock = make_client([Refused, async_op('op-9')])
    assert isinstance(client.post('/1.0/containers', body={}), Operation)
    assert len(transport.sent) == 2


def test_connection_refused_names_the_url():
    client, _transport, _clock = make_client([Refused] * 6)
    with pytest.raises(errors.AMSConnectionError) as info:
        client.get('/1.0')
    assert 'https://ams.test:8444' in info.value.message
    assert 'connection refused' in info.value.message


# -- operations ------------------------------------------------------------------

def test_wait_long_polls_in_slices_until_final():
    answers = [sync(operation('op-1', 103)), sync(operation('op-1', 200))]
    client, transport, _clock = make_client(answers)
    final = client.wait(Operation(operation('op-1')), timeout=100)
    assert final.succeeded
    assert transport.sent[0]['url'].startswith('https://ams.test:8444/1.0/operations/op-1/wait?timeout=30')
    assert transport.sent[0]['timeout'] == 30 + client.request_timeout


def test_wait_slice_never_exceeds_the_remaining_deadline():
    client, transport, _clock = make_client([sync(operation('op-1', 200))])
    client.wait(Operation(operation('op-1')), timeout=7)
    assert 'timeout=7' in transport.sent[0]['url']


def test_wait_fails_with_the_operation_err():
    client, _transport, _clock = make_client([sync(operation('op-1', 400, 'Creating container', 'no node left'))])
    with pytest.raises(errors.AMSOperationError) as info:
        client.wait(Operation(operation('op-1')), timeout=60)
    assert 'no node left' in info.value.message
    assert 'Creating container' in info.value.message


def test_wait_stops_at_the_deadline():
    client, _transport, clock = make_client([])

    def slow_get(path, query=None, timeout=None):
        clock.now += query['timeout']
        return Response(200, operation('op-1', 103))

    client.get = slow_get
    with pytest.raises(errors.AMSOperationTimeout) as info:
        client.wait(Operation(operation('op-1')), timeout=65)
    assert '65 seconds' in info.value.message
    assert clock.now - 1000.0 == pytest.approx(65, abs=1)


def test_wait_falls_back_to_polling_without_wait_endpoint():
    answers = [error(404, 'not found'), sync(operation('op-1', 103)), sync(operation('op-1', 200))]
    client, transport, clock = make_client(answers)
    assert client.wait(Operation(operation('op-1')), timeout=60).succeeded
    assert not client.supports_wait
    assert transport.sent[2]['url'] == 'https://ams.test:8444/1.0/operations/op-1'
    assert clock.sleeps == [client.poll_interval]


def test_wait_all_reports_every_failure_under_one_deadline():
    answers = [sync({}), sync(operation('a', 200)), sync(operation('b', 400, err='exploded')),
               sync(operation('c', 200))]
    client, _transport, _clock = make_client(answers)
    finished = client.wait_all([Operation(operation(x)) for x in 'abc'], timeout=60)
    assert [op.succeeded for op in finished] == [True, False, True]
    assert finished[1].err == 'exploded'


def _paths(transport):
    return [sent['url'].split('ams.test:8444', 1)[1].split('?', 1)[0] for sent in transport.sent]


def test_wait_all_waits_only_for_operations_the_listing_shows_running():
    listing = {'success': [operation('a', 200)], 'failure': [operation('b', 400, err='no capacity')],
               'running': [operation('c', 103)]}
    client, transport, _clock = make_client([sync(listing), sync(operation('c', 200))])
    finished = client.wait_all([Operation(operation(x)) for x in 'abc'], timeout=60)
    assert _paths(transport) == ['/1.0/operations', '/1.0/operations/c/wait']
    assert 'recursion=1' in transport.sent[0]['url']
    assert [(item.id, item.status_code, item.err) for item in finished] == [
        ('a', 200, ''), ('b', 400, 'no capacity'), ('c', 200, '')]


@pytest.mark.parametrize('listing_answer', [
    sync({'success': ['/1.0/operations/a', '/1.0/operations/b', '/1.0/operations/c']}),
    error(404, 'not found'),
], ids=['urls-only', 'no-listing'])
def test_wait_all_falls_back_to_waiting_for_each(listing_answer):
    answers = [listing_answer] + [sync(operation(x, 200)) for x in 'abc']
    client, transport, _clock = make_client(answers)
    finished = client.wait_all([Operation(operation(x)) for x in 'abc'], timeout=60)
    assert _paths(transport)[1:] == ['/1.0/operations/%s/wait' % x for x in 'abc']
    assert all(item.succeeded for item in finished)


def test_wait_all_of_few_operations_skips_the_listing():
    client, transport, _clock = make_client([sync(operation(x, 200)) for x in 'ab'])
    client.wait_all([Operation(operation(x)) for x in 'ab'], timeout=60)
    assert _paths(transport) == ['/1.0/operations/a/wait', '/1.0/operations/b/wait']


def test_wait_all_with_every_operation_final_in_the_listing_waits_for_none():
    client, transport, _clock = make_client([sync({'success': [operation(x, 200) for x in 'abc']})])
    client.wait_all([Operation(operation(x)) for x in 'abc'], timeout=60)
    assert _paths(transport) == ['/1.0/operations']


def test_wait_all_of_many_operations_lists_them_once_a_round_until_few_are_left():
    ids = ['op%d' % number for number in range(10)]
    rounds = [
        sync({'running': [operation(x) for x in ids]}),
        sync({'running': [operation(x) for x in ids[6:]], 'success': [operation(x, 200) for x in ids[:6]]}),
        sync({'running': [operation('op9')], 'success': [operation(x, 200) for x in ids[:9]]}),
        sync(operation('op9', 400, err='no room')),
    ]
    client, transport, clock = make_client(rounds, poll_interval=1.0)
    finished = client.wait_all([Operation(operation(x)) for x in ids], timeout=60)
    assert _paths(transport) == ['/1.0/operations'] * 3 + ['/1.0/operations/op9/wait']
    assert clock.sleeps == [0.2, 0.2]
    assert [item.id for item in finished if not item.succeeded] == ['op9']
    assert finished[9].err == 'no room'


def test_wait_all_lists_often_for_the_first_seconds_then_less_often():
    ids = ['op%d' % number for number in range(3)]
    running = [sync({'running': [operation(x) for x in ids]})] * 40
    client, _transport, clock = make_client(running + [sync({'success': [operation(x, 200) for x in ids]})],
                                            poll_interval=2.0)
    client.wait_all([Operation(operation(x)) for x in ids], timeout=600)
    fast = [pause for pause in clock.sleeps if pause == 0.2]
    assert len(fast) == 25
    assert clock.sleeps[:25] == fast
    assert clock.sleeps[25:] == sorted(clock.sleeps[25:])
    assert max(clock.sleeps) == 2.0


def test_wait_all_listing_rounds_stop_at_the_deadline():
    ids = ['op%d' % number for number in range(4)]
    client, transport, clock = make_client([sync({'running': [operation(x) for x in ids]})] * 100)
    started = clock.now
    with pytest.raises(errors.AMSOperationTimeout) as info:
        client.wait_all([Operation(operation(x)) for x in ids], timeout=5)
    assert clock.now - started == pytest.approx(5)
    assert '4 of 4 operations did not finish within 5 seconds' in info.value.message
    assert set(_paths(transport)) == {'/1.0/operations'}


# -- uploads ---------------------------------------------------------------------

def test_upload_streams_file_with_fingerprint_and_request_header(tmp_path):
    package = tmp_path / 'image.tar.xz'
    payload = b'\xfd7zXZ' + b'x' * (3 * 1024 * 1024 + 17)
    package.write_bytes(payload)
    client, transport, _clock = make_client([async_op('op-up')])
    client.upload('POST', '/1.0/images', str(package), request_meta={'name': 'img', 'default': False})
    sent = transport.sent[0]
    digest = hashlib.sha256(payload).hexdigest()
    assert sent['headers']['X-AMS-Fingerprint'] == digest
    assert sent['streamed_sha256'] == digest
    assert sent['headers']['Content-Length'] == str(len(payload))
    assert json.loads(sent['headers']['X-AMS-Request']) == {'name': 'img', 'default': False}
    assert sent['headers']['Content-Type'] == 'application/octet-stream'


def test_upload_detects_file_changed_after_fingerprint(tmp_path):
    package = tmp_path / 'addon.tar.bz2'
    package.write_bytes(b'BZh9' + b'a' * 100)
    client, _transport, _clock = make_client([async_op('op-up')])
    with pytest.raises(errors.AMSError) as info:
        client.upload('POST', '/1.0/addons', str(package), fingerprint='0' * 64, request_meta={'name': 'a'})
    assert 'changed while it was uploaded' in info.value.message


# -- configuration -----------------------------------------------------------------

@pytest.mark.parametrize('url,fragment', [
    ('http://ams:8444', 'plain http'),
    ('ftp://ams', 'not understood'),
    ('unix:relative/socket', 'absolute path'),
    ('https://ams:port', 'not a number'),
    ('https://ams:8444/1.0', 'no path'),
    ('', 'empty'),
])
def test_bad_urls_are_explained(url, fragment):
    with pytest.raises(errors.AMSConfigurationError) as info:
        AMSClient(url)
    assert fragment in info.value.message


def test_unix_socket_url_that_does_not_exist_names_the_socket(tmp_path):
    client = AMSClient('unix:' + str(tmp_path / 'missing.socket'), retries=0)
    with pytest.raises(errors.AMSConnectionError) as info:
        client.get('/1.0')
    assert 'missing.socket' in info.value.message


def test_tls_eof_after_the_request_left_is_retried_for_get():
    client, transport, _clock = make_client([sockets.NoAnswer('EOF occurred in violation of protocol'),
                                             sync({'ok': 1})])
    assert client.get('/1.0').metadata == {'ok': 1}
    assert len(transport.sent) == 2


def test_tls_eof_after_a_write_left_is_ambiguous():
    client, transport, _clock = make_client([sockets.NoAnswer('EOF occurred in violation of protocol')])
    with pytest.raises(errors.AMSAmbiguousError):
        client.post('/1.0/containers', body={})
    assert len(transport.sent) == 1


def test_a_refused_certificate_is_explained_and_not_retried():
    client, transport, _clock = make_client([sockets.TLSRefused('[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert '
                                                                'certificate required')])
    with pytest.raises(errors.AMSTLSError) as info:
        client.get('/1.0')
    assert 'refused the client certificate' in info.value.message
    assert len(transport.sent) == 1


def test_upload_waits_longer_than_request_timeout_and_within_the_budget(tmp_path):
    package = tmp_path / 'image.tar.xz'
    package.write_bytes(b'\xfd7zXZ' + b'x' * 1024)
    client, transport, _clock = make_client([async_op('op-a'), async_op('op-b')], request_timeout=30)
    client.upload('POST', '/1.0/images', str(package))
    client.upload('POST', '/1.0/images', str(package), budget=120)
    assert [sent['timeout'] for sent in transport.sent] == [300.0, 120.0]


def test_upload_timeout_grows_with_the_size_and_never_drops_below_request_timeout():
    client, _transport, _clock = make_client([], request_timeout=30)
    assert client.upload_timeout(20 * 1000 * 1000 * 1000) == 1000.0
    assert client.upload_timeout(20 * 1000 * 1000 * 1000, budget=600) == 600.0
    assert client.upload_timeout(1, budget=5) == 30.0


# -- feature detection -------------------------------------------------------------

def test_api_extensions_are_read_once_per_client():
    client, transport, _clock = make_client([sync({'api_extensions': ['instance_support'], 'auth': 'trusted'})])
    assert client.has_extension('instance_support')
    assert not client.has_extension('instance_exec')
    client.require_extension('instance_support', 'instances')
    assert len(transport.sent) == 1


def test_a_missing_extension_is_refused_naming_feature_and_extension():
    client, transport, _clock = make_client([sync({'api_extensions': [], 'auth': 'trusted'})])
    with pytest.raises(errors.AMSUnsupportedError) as caught:
        client.require_extension('zip_archive_support', 'packages in .zip archives')
    assert caught.value.message == ('AMS at https://ams.test:8444 does not support packages in .zip archives: '
                                    'it lacks the API extension zip_archive_support')
    assert [sent['method'] for sent in transport.sent] == ['GET']
