# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport: sockets to one AMS server, and HTTP/1.1 over them kept alive in a pool.

An Endpoint opens connected sockets: TLS with the client certificate, the
server checked against a CA bundle or a pinned certificate (through an
``https_proxy`` tunnel when the environment names one), or the local unix
socket. The REST requests and the exec websockets both use it.

A ConnectionPool sends one request on a kept-alive connection and reads the
whole answer. Its failures say in which phase they happened, since that is
what tells whether AMS may have received the request:

- NotSent: no connection could be made, or the TLS handshake broke;
- TLSRefused: a certificate was refused (by either side);
- NoAnswer: the request left (or may have), the answer did not come.

Built on the standard library alone: every task pays for what it imports.
"""

import hashlib
import http.client
import json
import os
import select
import socket
import ssl
import threading
from urllib.parse import unquote, urlsplit


class TransportError(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class NotSent(TransportError):
    """Nothing reached AMS: the connection or its TLS handshake failed."""


class TLSRefused(TransportError):
    """The TLS handshake failed on a certificate; ``reason`` is OpenSSL's text (or the pin mismatch)."""


class NoAnswer(TransportError):
    """The request was sent, or partly, and no complete answer came; ``timed_out`` when the time ran out."""

    def __init__(self, reason, timed_out=False):
        super().__init__(reason)
        self.timed_out = timed_out


class Reply:
    """One HTTP answer, read whole."""

    def __init__(self, status_code, reason, headers, content, url):
        self.status_code = status_code
        self.reason = reason
        self.headers = dict((name.lower(), value) for name, value in headers)
        self.content = content
        self.url = url

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def text(self):
        return self.content.decode('utf-8', 'replace')

    def json(self):
        return json.loads(self.content.decode('utf-8'))


def describe_os_error(exc):
    """A few words for why a socket operation failed."""
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, socket.gaierror):
        return 'host name not found'
    if isinstance(exc, FileNotFoundError):
        return 'no such socket'
    if isinstance(exc, socket.timeout):
        return 'no answer in time'
    return exc.strerror or str(exc) or type(exc).__name__


def dropped(exc):
    """True for an SSLError that is the connection going away, not a certificate problem."""
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return True
    text = str(exc)
    return any(marker in text for marker in ('EOF occurred in violation of protocol', 'UNEXPECTED_EOF',
                                             'Connection reset by peer', 'ECONNRESET'))


class Endpoint:
    """How to reach one AMS server: ``https`` with an SSLContext (and maybe a pinned
    certificate SHA-256), or ``unix`` with a socket path."""

    def __init__(self, kind, host=None, port=None, socket_path=None, context=None, pin=None):
        self.kind = kind
        self.host = host
        self.port = port
        self.socket_path = socket_path
        self.context = context
        self.pin = pin
        self._session = None
        self._lock = threading.Lock()
        self.proxy = proxy_for(host) if kind == 'https' else None

    @classmethod
    def https(cls, base_url, context, pin=None):
        parts = urlsplit(base_url)
        return cls('https', host=parts.hostname, port=parts.port or 443, context=context, pin=pin)

    @classmethod
    def unix(cls, socket_path):
        return cls('unix', socket_path=socket_path)

    def open(self, timeout):
        """A connected socket, TLS done and the server checked; NotSent or TLSRefused otherwise."""
        if self.kind == 'unix':
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(self.socket_path)
            except OSError as exc:
                sock.close()
                raise NotSent(describe_os_error(exc))
            return sock
        raw = self._tcp(timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            session = self._session
        try:
            sock = self.context.wrap_socket(raw, server_hostname=self.host, session=session)
        except ssl.SSLError as exc:
            raw.close()
            if dropped(exc):
                raise NotSent('the TLS handshake broke: %s' % exc)
            raise TLSRefused(str(exc))
        except OSError as exc:
            raw.close()
            raise NotSent('the TLS handshake broke: %s' % describe_os_error(exc))
        if self.pin:
            der = sock.getpeercert(binary_form=True)
            if der is None or hashlib.sha256(der).hexdigest() != self.pin:
                sock.close()
                raise TLSRefused('the server certificate fingerprint is not the pinned one')
        return sock

    def keep_session(self, sock):
        """Remember the TLS session of a socket that has read an answer, so later connections resume it."""
        # A TLS 1.3 server sends its session ticket after the handshake, so it is there once an answer was read.
        session = getattr(sock, 'session', None)
        if session is not None and getattr(session, 'has_ticket', True):
            with self._lock:
                self._session = session

    def _tcp(self, timeout):
        target = self.proxy[0] if self.proxy else (self.host, self.port)
        try:
            sock = socket.create_connection(target, timeout=timeout)
        except OSError as exc:
            where = ' (the proxy %s:%d)' % target if self.proxy else ''
            raise NotSent(describe_os_error(exc) + where)
        if self.proxy:
            try:
                _tunnel(sock, self.host, self.port, self.proxy[1])
            except BaseException:
                sock.close()
                raise
        return sock


def _tunnel(sock, host, port, authorization):
    """Ask an HTTP proxy for a tunnel to host:port (HTTP CONNECT)."""
    target = '[%s]:%d' % (host, port) if ':' in host else '%s:%d' % (host, port)
    lines = ['CONNECT %s HTTP/1.1' % target, 'Host: %s' % target]
    if authorization:
        lines.append('Proxy-Authorization: Basic %s' % authorization)
    try:
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1'))
        answer = http.client.HTTPResponse(sock, method='CONNECT')
        answer.begin()
    except (OSError, http.client.HTTPException) as exc:
        raise NotSent('the proxy broke the tunnel: %s' % (describe_os_error(exc) if isinstance(exc, OSError) else exc))
    if answer.status != 200:
        raise NotSent('the proxy refused a tunnel to %s: HTTP %d %s' % (target, answer.status, answer.reason))


def proxy_for(host):
    """``((proxy_host, proxy_port), basic_credentials or None)`` from ``https_proxy``, or None.

    ``no_proxy`` (host names, domain suffixes, ``*``) exempts hosts, as curl reads it.
    """
    proxy = os.environ.get('https_proxy') or os.environ.get('HTTPS_PROXY')
    if not proxy or not host:
        return None
    exempt = os.environ.get('no_proxy') or os.environ.get('NO_PROXY') or ''
    for entry in (item.strip().lower().lstrip('.') for item in exempt.split(',')):
        if entry == '*' or (entry and (host.lower() == entry or host.lower().endswith('.' + entry))):
            return None
    parts = urlsplit(proxy if '://' in proxy else 'http://' + proxy)
    if not parts.hostname:
        return None
    credentials = None
    if parts.username is not None:
        import base64
        pair = '%s:%s' % (unquote(parts.username), unquote(parts.password or ''))
        credentials = base64.b64encode(pair.encode('utf-8')).decode('ascii')
    return (parts.hostname, parts.port or 8080), credentials


class _Connection(http.client.HTTPConnection):
    """An HTTP/1.1 connection whose socket comes from an Endpoint."""

    def __init__(self, endpoint, timeout):
        host = endpoint.host if endpoint.kind == 'https' else 'localhost'
        super().__init__(host, endpoint.port, timeout=timeout)
        self.endpoint = endpoint

    def connect(self):
        self.sock = self.endpoint.open(self.timeout)


def _still_open(sock):
    """True when an idle kept-alive socket has not been closed by the server (nothing is waiting to be read)."""
    try:
        if hasattr(select, 'poll'):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)
        return not select.select([sock], [], [], 0)[0]
    except (OSError, ValueError):
        return False


class ConnectionPool:
    """Kept-alive HTTP connections to one Endpoint, each used by one thread at a time."""

    def __init__(self, endpoint, base_url, size, headers=None):
        self.endpoint = endpoint
        self.base_url = base_url
        self.size = size
        self.headers = dict(headers or {})
        self._idle = []
        self._lock = threading.Lock()

    def request(self, method, target, headers, body, timeout):
        """Send one request (``target`` is the path and query) and read its whole answer: a Reply.

        ``body`` is bytes, or an iterable of bytes with a Content-Length header given.
        """
        connection = self._checkout(timeout)
        try:
            if connection.sock is None:
                connection.connect()
            else:
                connection.sock.settimeout(timeout)
            connection.request(method, target, body=body, headers=dict(self.headers, **headers))
            answer = connection.getresponse()
            content = answer.read()
        except (NotSent, TLSRefused):
            connection.close()
            raise
        except socket.timeout:
            connection.close()
            raise NoAnswer('no answer within %s seconds' % timeout, timed_out=True)
        except ssl.SSLError as exc:
            connection.close()
            if dropped(exc):
                raise NoAnswer(str(exc))
            raise TLSRefused(str(exc))
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise NoAnswer(describe_os_error(exc) if isinstance(exc, OSError) else
                           'the connection closed without an answer (%s)' % (type(exc).__name__,))
        except BaseException:
            connection.close()
            raise
        if self.endpoint.kind == 'https':
            self.endpoint.keep_session(connection.sock)
        self._checkin(connection, answer.will_close)
        return Reply(answer.status, answer.reason, answer.getheaders(), content, self.base_url + target)

    def close(self):
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _checkout(self, timeout):
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return _Connection(self.endpoint, timeout)
            if _still_open(connection.sock):
                return connection
            connection.close()

    def _checkin(self, connection, will_close):
        if not will_close:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append(connection)
                    return
        connection.close()
