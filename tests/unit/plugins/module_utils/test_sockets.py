# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The socket layer against real sockets on loopback: each failure is raised as the phase it happened in
(that is what tells the client whether AMS may have received a write), and connections are kept alive."""

import hashlib
import json
import socket
import ssl
import threading

import pytest
import trustme

from ansible_collections.anbox.ams.plugins.module_utils import sockets

# Only guards against a hung test.
STUCK_SECONDS = 20


@pytest.fixture(scope='module')
def ca():
    return trustme.CA()


@pytest.fixture(scope='module')
def server_context(ca):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert('127.0.0.1').configure_cert(context)
    return context


def client_context(ca):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(context)
    return context


def read_request(stream):
    """``(request line, headers, body)`` of one HTTP/1.1 request from a file made of a socket; None at EOF."""
    line = stream.readline()
    if not line:
        return None
    headers = {}
    while True:
        header = stream.readline().decode('latin-1').strip()
        if not header:
            break
        name, _sep, value = header.partition(':')
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get('content-length', 0)))
    return line.decode('latin-1').strip(), headers, body


def answer(stream, document, status='200 OK', extra=''):
    content = json.dumps(document).encode('utf-8')
    stream.write(('HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nETag: "e1"\r\n%s\r\n'
                  % (status, len(content), extra)).encode('latin-1') + content)
    stream.flush()


class Server:
    """A loopback server: ``handle(sock)`` runs in a thread for every connection it accepts.

    With ``context`` the handshake is done first (a failed one just ends the connection).
    """

    def __init__(self, handle, context=None, family=socket.AF_INET, address=('127.0.0.1', 0)):
        self.handle = handle
        self.context = context
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.bind(address)
        self.listener.listen(16)
        self.address = self.listener.getsockname()
        self.connections = 0
        self.requests = []
        self.done = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self):
        return self.address[1]

    def _accept(self):
        while True:
            try:
                sock, _peer = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock):
        sock.settimeout(STUCK_SECONDS)
        try:
            if self.context is not None:
                sock = self.context.wrap_socket(sock, server_side=True)
            self.handle(self, sock)
        except (OSError, ssl.SSLError):
            pass
        finally:
            sock.close()

    def close(self):
        self.done.set()
        self.listener.close()


def keep_alive(server, sock):
    """Answer every request of the connection with its request line, headers and body digest."""
    with sock.makefile('rwb') as stream:
        while True:
            request = read_request(stream)
            if request is None:
                return
            line, headers, body = request
            server.requests.append(line)
            answer(stream, {'line': line, 'headers': headers, 'sha256': hashlib.sha256(body).hexdigest(),
                            'size': len(body)})


def pool_for(server, context, pin=None, size=4):
    endpoint = sockets.Endpoint.https('https://127.0.0.1:%d' % server.port, context, pin)
    return sockets.ConnectionPool(endpoint, 'https://127.0.0.1:%d' % server.port, size)


@pytest.fixture
def serve():
    started = []

    def start(handle, context=None, **kwargs):
        server = Server(handle, context, **kwargs)
        started.append(server)
        return server
    yield start
    for server in started:
        server.close()


def test_requests_share_one_kept_alive_connection(serve, ca, server_context):
    server = serve(keep_alive, server_context)
    pool = pool_for(server, client_context(ca))
    replies = [pool.request('GET', '/1.0?recursion=1', {}, None, 5) for _number in range(3)]
    replies.append(pool.request('POST', '/1.0/containers', {'Content-Type': 'application/json'}, b'{"a": 1}', 5))
    assert server.connections == 1
    assert [reply.json()['line'] for reply in replies] == ['GET /1.0?recursion=1 HTTP/1.1'] * 3 + [
        'POST /1.0/containers HTTP/1.1']
    assert replies[0].status_code == 200 and replies[0].header('etag') == '"e1"' == replies[0].header('ETag')
    assert replies[0].url == 'https://127.0.0.1:%d/1.0?recursion=1' % server.port
    assert replies[-1].json()['size'] == 8


def test_a_connection_the_server_closed_while_idle_is_replaced_before_a_write(serve, ca, server_context):
    closed = threading.Event()

    def one_answer_then_close(server, sock):
        with sock.makefile('rwb') as stream:
            line, _headers, _body = read_request(stream)
            server.requests.append(line)
            answer(stream, {'ok': True})
        sock.close()
        closed.set()

    server = serve(one_answer_then_close, server_context)
    pool = pool_for(server, client_context(ca))
    pool.request('GET', '/1.0', {}, None, 5)
    assert closed.wait(STUCK_SECONDS)
    reply = pool.request('POST', '/1.0/containers', {}, b'{}', 5)
    assert reply.json() == {'ok': True}
    assert server.connections == 2 and server.requests == ['GET /1.0 HTTP/1.1', 'POST /1.0/containers HTTP/1.1']


def test_a_refused_connection_is_not_sent(ca):
    placeholder = socket.socket()
    placeholder.bind(('127.0.0.1', 0))
    port = placeholder.getsockname()[1]
    placeholder.close()
    endpoint = sockets.Endpoint.https('https://127.0.0.1:%d' % port, client_context(ca))
    with pytest.raises(sockets.NotSent, match='connection refused'):
        sockets.ConnectionPool(endpoint, 'https://127.0.0.1:%d' % port, 1).request('POST', '/1.0/nodes', {}, b'{}', 5)


def test_a_handshake_the_server_breaks_is_not_sent(serve, ca):
    def close_at_once(server, sock):
        sock.recv(1)

    server = serve(close_at_once)
    with pytest.raises(sockets.NotSent, match='TLS handshake broke'):
        pool_for(server, client_context(ca)).request('POST', '/1.0/nodes', {}, b'{}', 5)


def test_a_request_whose_answer_never_comes_is_no_answer(serve, ca, server_context):
    def read_then_close(server, sock):
        with sock.makefile('rwb') as stream:
            server.requests.append(read_request(stream)[0])

    server = serve(read_then_close, server_context)
    with pytest.raises(sockets.NoAnswer) as info:
        pool_for(server, client_context(ca)).request('POST', '/1.0/nodes', {}, b'{}', 5)
    assert not info.value.timed_out
    assert server.requests == ['POST /1.0/nodes HTTP/1.1']


def test_a_server_too_slow_to_answer_is_no_answer_timed_out(serve, ca, server_context):
    def read_then_wait(server, sock):
        with sock.makefile('rwb') as stream:
            server.requests.append(read_request(stream)[0])
            server.done.wait(STUCK_SECONDS)

    server = serve(read_then_wait, server_context)
    with pytest.raises(sockets.NoAnswer, match='no answer within 0.3 seconds') as info:
        pool_for(server, client_context(ca)).request('DELETE', '/1.0/nodes/lxd1', {}, None, 0.3)
    assert info.value.timed_out


def test_a_server_certificate_from_another_ca_is_refused(serve, server_context):
    server = serve(keep_alive, server_context)
    with pytest.raises(sockets.TLSRefused, match='certificate verify failed'):
        pool_for(server, client_context(trustme.CA())).request('GET', '/1.0', {}, None, 5)
    assert server.requests == []


def test_a_pinned_server_certificate_must_be_the_one_served(serve, ca, server_context):
    server = serve(keep_alive, server_context)
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with pytest.raises(sockets.TLSRefused, match='fingerprint'):
        pool_for(server, unverified, pin='00' * 32).request('GET', '/1.0', {}, None, 5)
    assert server.requests == []
    with socket.create_connection(('127.0.0.1', server.port)) as raw:
        with unverified.wrap_socket(raw) as tls_socket:
            served = hashlib.sha256(tls_socket.getpeercert(binary_form=True)).hexdigest()
    assert pool_for(server, unverified, pin=served).request('GET', '/1.0', {}, None, 5).status_code == 200


def test_a_streamed_body_goes_out_whole_with_its_length(serve, ca, server_context):
    server = serve(keep_alive, server_context)
    chunks = [bytes([number]) * 100000 for number in range(5)]
    reply = pool_for(server, client_context(ca)).request(
        'POST', '/1.0/images', {'Content-Length': '500000'}, iter(chunks), 5)
    assert reply.json()['sha256'] == hashlib.sha256(b''.join(chunks)).hexdigest()
    assert 'transfer-encoding' not in reply.json()['headers']


def test_the_unix_socket(serve, tmp_path):
    path = str(tmp_path / 'ams.socket')
    server = serve(keep_alive, family=socket.AF_UNIX, address=path)
    pool = sockets.ConnectionPool(sockets.Endpoint.unix(path), 'http://localhost', 2)
    assert pool.request('GET', '/1.0', {}, None, 5).json()['headers']['host'] == 'localhost'
    missing = sockets.ConnectionPool(sockets.Endpoint.unix(str(tmp_path / 'missing')), 'http://localhost', 2)
    with pytest.raises(sockets.NotSent, match='no such socket'):
        missing.request('GET', '/1.0', {}, None, 5)
    assert server.connections == 1


def tunnel(refuse=False):
    def handle(server, sock):
        with sock.makefile('rwb') as stream:
            line, headers, _body = read_request(stream)
            server.requests.append((line, headers.get('proxy-authorization')))
            if refuse:
                stream.write(b'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')
                stream.flush()
                return
            target = line.split()[1].rpartition(':')
            upstream = socket.create_connection((target[0], int(target[2])))
            stream.write(b'HTTP/1.1 200 Connection established\r\n\r\n')
            stream.flush()
        relay = threading.Thread(target=_copy, args=(upstream, sock), daemon=True)
        relay.start()
        _copy(sock, upstream)
        relay.join(STUCK_SECONDS)
    return handle


def _copy(source, sink):
    try:
        for data in iter(lambda: source.recv(65536), b''):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def test_https_proxy_carries_the_connection_through_a_tunnel(serve, ca, server_context, monkeypatch):
    server = serve(keep_alive, server_context)
    proxy = serve(tunnel())
    monkeypatch.setenv('https_proxy', 'http://user:secret@127.0.0.1:%d' % proxy.port)
    monkeypatch.delenv('no_proxy', raising=False)
    monkeypatch.delenv('NO_PROXY', raising=False)
    assert pool_for(server, client_context(ca)).request('GET', '/1.0', {}, None, 5).status_code == 200
    assert proxy.requests == [('CONNECT 127.0.0.1:%d HTTP/1.1' % server.port, 'Basic dXNlcjpzZWNyZXQ=')]
    monkeypatch.setenv('no_proxy', 'localhost,127.0.0.1')
    assert pool_for(server, client_context(ca)).request('GET', '/1.0', {}, None, 5).status_code == 200
    assert len(proxy.requests) == 1


def test_a_proxy_that_refuses_the_tunnel_is_not_sent(serve, ca, server_context, monkeypatch):
    server = serve(keep_alive, server_context)
    proxy = serve(tunnel(refuse=True))
    monkeypatch.setenv('https_proxy', '127.0.0.1:%d' % proxy.port)
    monkeypatch.delenv('no_proxy', raising=False)
    monkeypatch.delenv('NO_PROXY', raising=False)
    with pytest.raises(sockets.NotSent, match='proxy refused a tunnel .* HTTP 403'):
        pool_for(server, client_context(ca)).request('POST', '/1.0/nodes', {}, b'{}', 5)
    assert server.requests == []
