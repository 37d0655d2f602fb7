# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport: the one REST client every module and the inventory plugin use to talk to AMS.

It owns HTTPS with a client certificate or the local unix socket, the AMS
response envelopes, typed errors, ETags, retries of idempotent requests,
streamed uploads, and waiting on background operations, one or many, under
one deadline.
"""

import hashlib
import json
import math
import os
import random
import threading
import time

from urllib.parse import urlencode

from ansible_collections.anbox.ams.plugins.module_utils import sockets, tls
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSAmbiguousError,
    AMSConfigurationError,
    AMSConnectionError,
    AMSError,
    AMSForbidden,
    AMSHTTPError,
    AMSNotFound,
    AMSOperationError,
    AMSOperationTimeout,
    AMSTimeoutError,
    AMSTLSError,
    AMSUnsupportedError,
    http_error_class,
)

USER_AGENT = 'anbox.ams-ansible-collection'
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS'])
RETRY_STATUSES = frozenset([502, 503, 504])
CHUNK_SIZE = 1024 * 1024
# The Go SDK gives uploads 300 s; a big package also gets time in proportion to its size,
# as AMS reads and checks the whole body before it answers.
UPLOAD_TIMEOUT_FLOOR = 300.0
UPLOAD_CHECK_RATE = 20 * 1000 * 1000

OPERATION_SUCCESS = 200
OPERATION_FAILURE = 400
OPERATION_CANCELLED = 401
# Longest single /wait long-poll; a longer wait is several of these under one deadline.
WAIT_SLICE_SECONDS = 30
# Below this many operations, waiting for each costs no more than one listing of all operations.
BATCH_THRESHOLD = 3
# Pause between two listings of the operations while many are running: short for the first seconds, in
# which launches and removals usually end, then growing to poll_interval.
LISTING_POLL_SECONDS = 0.2
LISTING_FAST_PERIOD = 5.0
# Requests of one batch (launches, removals, waits, config items) in flight at once, by default.
DEFAULT_MAX_PARALLEL = 16


class Deadline:
    """One time budget (``wait_timeout``) shared by every wait of a task."""

    def __init__(self, clock, seconds):
        self.clock = clock
        self.seconds = seconds
        self.end = clock() + seconds

    def remaining(self):
        return max(self.end - self.clock(), 0)


class Response:
    """A synchronous AMS answer: its metadata and, for single objects, the ETag."""

    def __init__(self, status, metadata, etag=None):
        self.status = status
        self.metadata = metadata
        self.etag = etag


def operation_path(reference):
    """``/1.0/operations/<uuid>`` from an id, a path with or without the leading slash, or a full URL."""
    reference = (reference or '').split('?', 1)[0].rstrip('/')
    return '/1.0/operations/' + reference.rsplit('/', 1)[-1]


class Operation:
    """One AMS background operation as last seen."""

    def __init__(self, metadata, reference=None):
        metadata = metadata or {}
        self.metadata = metadata
        self.id = metadata.get('id') or operation_path(reference).rsplit('/', 1)[-1]
        self.path = operation_path(self.id)
        self.status_code = metadata.get('status_code') or 0
        self.description = metadata.get('description') or 'operation %s' % self.id
        self.err = metadata.get('err') or ''
        self.resources = metadata.get('resources') or {}

    @property
    def final(self):
        return self.status_code >= 200

    @property
    def succeeded(self):
        return self.status_code == OPERATION_SUCCESS

    def resource_ids(self, kind):
        """Ids (last path segment) of the resources of one kind the operation touched."""
        return [url.rstrip('/').rsplit('/', 1)[-1] for url in self.resources.get(kind) or []]

    def failure_message(self):
        state = 'was cancelled' if self.status_code == OPERATION_CANCELLED else 'failed'
        return '%s %s: %s' % (self.description, state, self.err or 'AMS gave no reason')


class Outcome:
    """What one call of a batch gave: its ``value``, or the AMSError it raised as ``error``."""

    def __init__(self, item, value=None, error=None):
        self.item = item
        self.value = value
        self.error = error


def parallel_map(function, items, bound):
    """``function(item)`` for every item, at most ``bound`` at once; an Outcome per item, in the order given.

    An AMSError fails only its own item; any other exception (a bug) is raised
    once every call has ended. One item, or a bound of 1, runs in the calling thread.
    """
    items = list(items)

    def call(item):
        try:
            return Outcome(item, value=function(item))
        except AMSError as exc:
            return Outcome(item, error=exc)
    if bound <= 1 or len(items) <= 1:
        return [call(item) for item in items]
    # Imported here: most tasks send no batch, and every task start counts.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=min(bound, len(items))) as pool:
        futures = [pool.submit(call, item) for item in items]
    return [future.result() for future in futures]


def sha256_file(path, chunk_size=CHUNK_SIZE):
    """SHA-256 of a file, lowercase hex, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b''):
            digest.update(chunk)
    return digest.hexdigest()


class FileBody:
    """A request body that streams a file in large chunks with a known length.

    Sent one chunk at a time after a Content-Length header. The hash of what was actually sent is kept so a caller can
    detect a file that changed between the fingerprint pre-pass and the upload.
    """

    def __init__(self, path, chunk_size=CHUNK_SIZE):
        self.path = path
        self.chunk_size = chunk_size
        self.size = os.path.getsize(path)
        self.sent_digest = hashlib.sha256()
        self.sent_bytes = 0

    def __len__(self):
        return self.size

    def __iter__(self):
        try:
            handle = open(self.path, 'rb')
        except OSError as exc:
            raise AMSConfigurationError('%s cannot be read: %s' % (self.path, exc.strerror or exc))
        with handle:
            for chunk in iter(lambda: handle.read(self.chunk_size), b''):
                self.sent_digest.update(chunk)
                self.sent_bytes += len(chunk)
                yield chunk


def _parse_url(url):
    """``('unix', socket_path)`` or ``('https', base_url)``; anything else is a clear error."""
    if not url:
        raise AMSConfigurationError('url is empty: give https://HOST[:PORT] or unix:/PATH/TO/SOCKET')
    if url.startswith('unix:'):
        path = url[len('unix:'):]
        while path.startswith('//'):
            path = path[1:]
        if not path.startswith('/'):
            raise AMSConfigurationError('url %s: a unix socket URL needs an absolute path, as in '
                                        'unix:/var/snap/ams/common/server/unix.socket' % url)
        return 'unix', path
    if url.startswith('https://'):
        rest = url[len('https://'):].rstrip('/')
        if not rest or '/' in rest or ' ' in rest:
            raise AMSConfigurationError('url %s must be https://HOST[:PORT] with no path' % url)
        host, _sep, port = rest.rpartition(':') if not rest.endswith(']') else (rest, '', '')
        if port and host and not port.isdigit():
            raise AMSConfigurationError('url %s has a port that is not a number' % url)
        return 'https', 'https://' + rest
    if url.startswith('http://'):
        raise AMSConfigurationError('url %s uses plain http: AMS only serves https:// (or the local unix: socket)' % url)
    raise AMSConfigurationError('url %s is not understood: give https://HOST[:PORT] or unix:/PATH/TO/SOCKET' % url)


class AMSClient:
    """A connection to one AMS server."""

    def __init__(self, url, client_cert=None, client_key=None, ca_cert=None, validate_certs=True,
                 request_timeout=30.0, retries=5, backoff=0.5, backoff_max=8.0, poll_interval=1.0,
                 warn=None, sleep=time.sleep, clock=time.monotonic, max_parallel=DEFAULT_MAX_PARALLEL):
        self.url = url
        self.kind, target = _parse_url(url)
        self.client_cert = client_cert
        self.ca_cert = ca_cert
        self.request_timeout = float(request_timeout)
        if self.request_timeout <= 0:
            raise AMSConfigurationError('request_timeout must be a positive number of seconds')
        if isinstance(max_parallel, bool) or not isinstance(max_parallel, int) or max_parallel < 1:
            raise AMSConfigurationError('max_parallel must be a whole number of 1 or more, got %r' % (max_parallel,))
        self.max_parallel = max_parallel
        # Writes whose request surely never left are resent this many times; reads retry within a time budget.
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.poll_interval = poll_interval
        # The task's Deadline, when it has one (wait_timeout): reads retry until it; else request_timeout each.
        self.retry_deadline = None
        self.supports_wait = True
        self.sleep = sleep
        self.clock = clock
        self._warn = warn or (lambda message: None)
        self._local = threading.local()
        self._api = None
        self._api_lock = threading.Lock()
        self._answered = False
        self.client_fingerprint = None
        if self.kind == 'unix':
            self.base_url = 'http://localhost'
            self.endpoint = sockets.Endpoint.unix(target)
        else:
            self.base_url = target
            self.endpoint = self._tls_endpoint(client_cert, client_key, ca_cert, validate_certs)
        # One pool of connections to AMS, as large as the bound on requests in flight.
        self.transport = sockets.ConnectionPool(self.endpoint, self.base_url, max_parallel,
                                                headers={'User-Agent': USER_AGENT})

    def _tls_endpoint(self, client_cert, client_key, ca_cert, validate_certs):
        if not tls.HAS_CRYPTOGRAPHY:
            raise AMSConfigurationError('the Python library cryptography is required')
        self.client_fingerprint = tls.check_client_pair(client_cert, client_key)
        context, pin = tls.client_context(client_cert if self.client_fingerprint else None, client_key,
                                          ca_cert, validate_certs)
        if not validate_certs:
            self._warn('validate_certs is false: the certificate of %s is not checked, so anyone on the network '
                       'path could impersonate AMS' % self.url)
        return sockets.Endpoint.https(self.base_url, context, pin)

    def close(self):
        self.transport.close()

    # -- requests ---------------------------------------------------------------

    def request(self, method, path, query=None, body=None, headers=None, etag=None, data=None, timeout=None):
        """Send one request; return a Response, an Operation, or raise an AMSError."""
        method = method.upper()
        headers = dict(headers or {})
        if etag:
            headers['If-Match'] = etag
        if body is not None:
            data = json.dumps(body)
            headers['Content-Type'] = 'application/json'
        reply = self._send(method, path, query, data, headers, timeout)
        return self._decode(reply, method, path)

    def get(self, path, query=None, timeout=None):
        return self.request('GET', path, query=query, timeout=timeout)

    def get_text(self, path, query=None):
        """A plain-text resource (manifests, log files); AMS errors still raise."""
        reply = self._send('GET', path, query, None, {}, None)
        if reply.status_code >= 400 or 'json' in (reply.header('Content-Type') or ''):
            decoded = self._decode(reply, 'GET', path)
            return decoded.metadata if isinstance(decoded.metadata, str) else json.dumps(decoded.metadata)
        return reply.text

    def post(self, path, body=None, **kwargs):
        return self.request('POST', path, body=body, **kwargs)

    def patch(self, path, body=None, etag=None, **kwargs):
        return self.request('PATCH', path, body=body, etag=etag, **kwargs)

    def put(self, path, body=None, etag=None, **kwargs):
        return self.request('PUT', path, body=body, etag=etag, **kwargs)

    def delete(self, path, body=None, **kwargs):
        return self.request('DELETE', path, body=body, **kwargs)

    def parallel(self, function, items):
        """``function(item)`` for every item, at most ``max_parallel`` requests in flight; an Outcome each.

        For batches of independent requests (launches, removals, waits, config
        items), never uploads. Every call runs to its end: a failure is its
        item's Outcome, and each request keeps the retry and lost-answer rules
        of a single one.
        """
        return parallel_map(function, items, self.max_parallel)

    def upload(self, method, path, file_path, fingerprint=None, request_meta=None, etag=None, budget=None):
        """Stream a package from disk as the raw body, with its SHA-256 in X-AMS-Fingerprint.

        The answer may take long (AMS checks the whole package first): the request
        gets ``upload_timeout(size, budget)`` seconds instead of ``request_timeout``.
        """
        fingerprint = fingerprint or sha256_file(file_path)
        headers = {'Content-Type': 'application/octet-stream', 'X-AMS-Fingerprint': fingerprint}
        if request_meta is not None:
            headers['X-AMS-Request'] = json.dumps(request_meta)
        body = FileBody(file_path)
        timeout = self.upload_timeout(body.size, budget)
        result = self.request(method, path, headers=headers, data=body, etag=etag, timeout=timeout)
        if body.sent_bytes == body.size and body.sent_digest.hexdigest() != fingerprint:
            raise AMSError('%s changed while it was uploaded: its SHA-256 is no longer %s' % (file_path, fingerprint))
        return result

    def upload_timeout(self, size, budget=None):
        """Seconds to wait for the answer to an upload of ``size`` bytes.

        At least 300 s (as AMS's own Go client allows) and one second per 20 MB,
        never less than ``request_timeout``; ``budget`` (what is left of the task's
        time, in seconds or as the task's Deadline) caps it.
        """
        timeout = max(self.request_timeout, UPLOAD_TIMEOUT_FLOOR, float(size) / UPLOAD_CHECK_RATE)
        if isinstance(budget, Deadline):
            budget = budget.remaining()
        if budget is not None:
            timeout = max(self.request_timeout, min(timeout, float(budget)))
        return timeout

    # -- operations -------------------------------------------------------------

    def deadline(self, timeout):
        """A Deadline of ``timeout`` seconds on this client's clock; a Deadline is returned as it is."""
        return timeout if isinstance(timeout, Deadline) else Deadline(self.clock, timeout)

    def wait(self, operation, timeout):
        """Wait until ``operation`` is final; return it, or raise with its ``err``.

        ``timeout`` is seconds or the task's Deadline. Uses ``/wait?timeout=``
        long-polls in slices, and falls back to polling the operation only when
        the server has no ``/wait``.
        """
        deadline = self.deadline(timeout)
        current = operation
        while not current.final:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise AMSOperationTimeout(
                    '%s did not finish within %s seconds (wait_timeout); it may still complete on the server'
                    % (current.description, deadline.seconds), operation=current)
            if self.supports_wait:
                current = self._long_poll(current, remaining)
            else:
                self.sleep(min(self.poll_interval, remaining))
                current = Operation(self.get(current.path).metadata, current.path)
        if not current.succeeded:
            raise AMSOperationError(current.failure_message(), operation=current)
        return current

    def wait_all(self, operations, timeout):
        """Wait for several operations under one deadline; return them all final, in the order given.

        Failures do not stop the wait: the caller sees every failed operation.
        From BATCH_THRESHOLD operations on, one listing of ``/1.0/operations``
        per round tells which are final, a request a round instead of one per
        operation; once fewer are left, or the listing does not detail them,
        the rest are waited for each with its own long-poll, all at once
        within ``max_parallel``.
        """
        deadline = self.deadline(timeout)
        current = list(operations)
        interval = LISTING_POLL_SECONDS
        started = self.clock()
        while len([operation for operation in current if not operation.final]) >= BATCH_THRESHOLD:
            current, detailed = self._refresh(current)
            pending = [operation for operation in current if not operation.final]
            if len(pending) < BATCH_THRESHOLD or not all(operation.id in detailed for operation in pending):
                break
            remaining = deadline.remaining()
            if remaining <= 0:
                raise AMSOperationTimeout(
                    '%d of %d operations did not finish within %s seconds (wait_timeout)'
                    % (len(pending), len(current), deadline.seconds), operation=pending[0])
            self.sleep(min(interval, remaining))
            if self.clock() - started >= LISTING_FAST_PERIOD:
                interval = min(interval * 1.5, max(self.poll_interval, LISTING_POLL_SECONDS))
        finished = {}
        pending = [operation for operation in current if not operation.final]
        timed_out = []
        for outcome in self.parallel(lambda operation: self.wait(operation, deadline), pending):
            if outcome.error is None:
                finished[outcome.item.id] = outcome.value
            elif isinstance(outcome.error, AMSOperationError):
                finished[outcome.item.id] = outcome.error.operation
            elif isinstance(outcome.error, AMSOperationTimeout):
                timed_out.append(outcome.item)
            else:
                raise outcome.error
        if timed_out:
            raise AMSOperationTimeout(
                '%d of %d operations did not finish within %s seconds (wait_timeout)'
                % (len(timed_out), len(current), deadline.seconds), operation=timed_out[0])
        return [finished.get(operation.id, operation) for operation in current]

    def _long_poll(self, current, remaining):
        seconds = max(1, min(WAIT_SLICE_SECONDS, int(math.ceil(remaining))))
        try:
            response = self.get(current.path + '/wait', query={'timeout': seconds},
                                timeout=seconds + self.request_timeout)
        except AMSNotFound:
            # Either the operation is gone or the server has no /wait: tell them apart.
            fresh = Operation(self.get(current.path).metadata, current.path)
            self.supports_wait = False
            return fresh
        except AMSHTTPError as exc:
            if exc.status_code in (405, 501):
                self.supports_wait = False
                return current
            raise
        return Operation(response.metadata, current.path)

    def _refresh(self, operations):
        """``(operations, ids)``: the operations as one listing reports them now, those it does not detail
        as they were, and the ids of those it detailed."""
        try:
            groups = self.get('/1.0/operations', query={'recursion': '1'}).metadata
        except AMSHTTPError:
            return operations, frozenset()
        listed = {}
        for items in (groups.values() if isinstance(groups, dict) else []):
            for item in items or []:
                if isinstance(item, dict) and item.get('id'):
                    listed[item['id']] = item
        return ([Operation(listed[operation.id], operation.path) if operation.id in listed else operation
                 for operation in operations], frozenset(listed))

    # -- facts --------------------------------------------------------------------

    def api(self):
        """The server's ``GET /1.0`` document, read once per client (that is, once per task)."""
        with self._api_lock:
            if self._api is None:
                self._api = dict(self.get('/1.0').metadata or {})
            return self._api

    def api_extensions(self):
        return frozenset(self.api().get('api_extensions') or ())

    def has_extension(self, extension):
        return extension in self.api_extensions()

    def require_extension(self, extension, feature):
        """Refuse, before anything is sent, a feature whose API extension the server lacks."""
        if not self.has_extension(extension):
            raise AMSUnsupportedError('AMS at %s does not support %s: it lacks the API extension %s'
                                      % (self.url, feature, extension))

    def server_info(self):
        info = dict(self.api())
        info['version'] = (self.get('/1.0/version').metadata or {}).get('version')
        return info

    # -- internals ----------------------------------------------------------------

    def _send(self, method, path, query, data, headers, timeout):
        if not path.startswith('/'):
            path = '/' + path
        target = path + ('?' + urlencode(query) if query else '')
        url = self.base_url + target
        timeout = timeout or self.request_timeout
        if isinstance(data, str):
            data = data.encode('utf-8')
        if isinstance(data, FileBody):
            headers['Content-Length'] = str(data.size)
        retry = _RetryBudget(self, method)
        while True:
            try:
                reply = self.transport.request(method, target, headers, data, timeout)
            except sockets.TLSRefused as exc:
                raise AMSTLSError(tls.explain_tls_error(exc.reason, self.url, self.ca_cert, self.client_cert),
                                  url=url, method=method)
            except (sockets.NotSent, sockets.NoAnswer) as exc:
                error = self._transport_error(exc, method, path, url, timeout)
                if not self._may_retry(method, exc) or not retry.another(exc):
                    raise retry.explain(error)
            else:
                self._answered = True
                if reply.status_code not in RETRY_STATUSES:
                    return reply
                if method not in IDEMPOTENT_METHODS:
                    raise AMSAmbiguousError(
                        'AMS answered %s %s with HTTP %d; the change may or may not have been made'
                        % (method, path, reply.status_code), status_code=reply.status_code, url=url, method=method)
                if not retry.another(None):
                    reply.ams_retries = retry.summary()
                    return reply

    def backoff_delay(self, attempt):
        cap = min(self.backoff_max, self.backoff * (2 ** min(attempt - 1, 30)))
        return random.uniform(cap / 2.0, cap)

    @staticmethod
    def _never_sent(exc):
        """True when the request surely did not reach the server (no connection was made)."""
        return isinstance(exc, sockets.NotSent)

    def _may_retry(self, method, exc):
        return method in IDEMPOTENT_METHODS or self._never_sent(exc)

    def _transport_error(self, exc, method, path, url, timeout):
        if self._never_sent(exc):
            if self.kind == 'unix':
                return AMSConnectionError(
                    'Cannot connect to the AMS unix socket %s: is AMS running on this host? To reach a remote AMS '
                    'set url to https://HOST:8444' % self.url[len('unix:'):], url=url, method=method)
            return AMSConnectionError('Cannot connect to AMS at %s (%s): check that AMS is running and that url '
                                      'is right' % (self.url, exc.reason), url=url, method=method)
        if exc.timed_out:
            error_class = AMSTimeoutError if method in IDEMPOTENT_METHODS else AMSAmbiguousError
            return error_class('AMS at %s did not answer %s %s within %s seconds (request_timeout)'
                               % (self.url, method, path, timeout), url=url, method=method)
        if method in IDEMPOTENT_METHODS:
            return AMSConnectionError('The connection to AMS at %s broke during %s %s: %s'
                                      % (self.url, method, path, exc.reason), url=url, method=method)
        return AMSAmbiguousError('The connection to AMS at %s broke during %s %s (%s); the change may or may not '
                                 'have been made' % (self.url, method, path, exc.reason), url=url, method=method)

    def _decode(self, reply, method, path):
        try:
            document = reply.json()
        except ValueError:
            document = None
        if not isinstance(document, dict):
            document = None
        if reply.status_code >= 400 or (document and document.get('type') == 'error'):
            raise self._http_error(reply, document, method, path)
        if document is None or 'type' not in document:
            raise AMSHTTPError('AMS answered %s %s with HTTP %d but not with an AMS JSON envelope: %s'
                               % (method, path, reply.status_code, _snippet(reply.text)),
                               status_code=reply.status_code, url=reply.url, method=method)
        if document.get('type') == 'async':
            reference = document.get('operation') or reply.header('Location')
            return Operation(document.get('metadata'), reference)
        return Response(reply.status_code, document.get('metadata'), reply.header('ETag'))

    def _http_error(self, reply, document, method, path):
        status = reply.status_code
        if document:
            ams_error = document.get('error') or ''
            error_code = document.get('error_code') or status
        else:
            ams_error = _snippet(reply.text)
            error_code = None
        if status < 400:
            status = error_code if isinstance(error_code, int) and error_code >= 400 else 500
        message = 'AMS refused %s %s: %s (HTTP %d)' % (method, path, ams_error or reply.reason, status)
        if getattr(reply, 'ams_retries', None):
            message += '; ' + reply.ams_retries
        error_class = http_error_class(status)
        if error_class is AMSForbidden:
            message = self._forbidden_message(message)
        return error_class(message, status_code=status, error_code=error_code, ams_error=ams_error,
                           url=reply.url, method=method)

    def _forbidden_message(self, message):
        # Per thread: the GET /1.0 below may itself be refused, and must not explain itself again.
        if getattr(self._local, 'checking_auth', False):
            return message
        self._local.checking_auth = True
        try:
            auth = (self.get('/1.0').metadata or {}).get('auth')
        except AMSError:
            return message
        finally:
            self._local.checking_auth = False
        if auth == 'trusted':
            return message
        if not self.client_fingerprint and self.kind != 'unix':
            return ('%s. This client presented no certificate: set client_cert and client_key, and register the '
                    'certificate once with anbox.ams.ams_certificate and trust_password' % message)
        return ('%s. AMS does not trust the client certificate %s (auth: %s): register it once with '
                'anbox.ams.ams_certificate and trust_password (or `amc config trust add` on the AMS host)'
                % (message, self.client_cert, auth))


class _RetryBudget:
    """When one request may be sent again, and the words for giving up.

    A read (GET, HEAD, OPTIONS) that met a connection error, a dropped TLS
    connection or HTTP 502/503/504 is retried with jittered backoff for as
    long as the task's Deadline (wait_timeout) allows, and for request_timeout
    seconds at least (a task without a Deadline gets that). Until AMS has answered this client once, a
    connection that cannot be made is retried ``retries`` times only: that is
    more often a wrong url than an outage. A write is resent only when it
    surely never left (no connection was made), ``retries`` times.
    """

    def __init__(self, client, method):
        self.client = client
        self.read = method in IDEMPOTENT_METHODS
        self.started = client.clock()
        self.attempts = 1
        self.stopped_by = 'retries'
        # Never less than request_timeout: a read late in a task still rides out a short outage.
        self.end = self.started + client.request_timeout
        self.limit = 'request_timeout'
        deadline = client.retry_deadline
        if deadline is not None and deadline.end > self.end:
            self.end = deadline.end
            self.limit = 'wait_timeout'

    def another(self, exc):
        """True after pausing when the request may be sent again, False when it may not."""
        if not self.read or (exc is not None and not self.client._answered and self.client._never_sent(exc)):
            self.stopped_by = 'retries'
            if self.attempts > self.client.retries:
                return False
            delay = self.client.backoff_delay(self.attempts)
        else:
            self.stopped_by = self.limit
            remaining = self.end - self.client.clock()
            if remaining <= 0:
                return False
            delay = min(self.client.backoff_delay(self.attempts), remaining)
        self.client.sleep(delay)
        self.attempts += 1
        return True

    def summary(self):
        if self.attempts == 1:
            return ''
        return 'tried %d times over %.1f seconds (%s)' % (self.attempts, self.client.clock() - self.started,
                                                          self.stopped_by)

    def explain(self, error):
        """``error`` with how long the request was tried added to its message."""
        summary = self.summary()
        if summary:
            error.message = '%s; %s' % (error.message, summary)
            error.args = (error.message,)
        return error


def _snippet(text, limit=300):
    text = ' '.join((text or '').split())
    return text if len(text) <= limit else text[:limit] + '...'
