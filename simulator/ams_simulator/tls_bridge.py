"""TLS termination that accepts any client certificate and leaves the trust decision to the application.

Python's ssl module rejects an unknown self-signed client certificate during the handshake, while AMS
accepts any certificate and decides trust by its fingerprint afterwards.  So TLS is terminated here with
pyOpenSSL in memory-BIO mode: one `TLSBridge` protocol per TCP connection feeds the encrypted bytes into an
`SSL.Connection` and pumps the plaintext through a `socket.socketpair()` into the aiohttp server, which sees
an ordinary accepted stream.  The peer certificate fingerprint is remembered per inner transport in a
`ConnectionRegistry` for the auth middleware.  Flow control is propagated both ways (pause/resume reading),
so large uploads and downloads stream with bounded memory.
"""

import asyncio
import hashlib
import socket
import struct
import weakref

from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

HANDSHAKE_TIMEOUT = 30.0
_READ_SIZE = 256 * 1024


class ConnectionInfo:
    """What the application may know about one TLS connection."""

    def __init__(self, fingerprint, peername, bridge):
        self.fingerprint = fingerprint
        self.peername = peername
        self._bridge = bridge
        # Which TLS connection of the simulator's life this is (1, 2, ...): one handshake each.
        self.serial = None

    def reset(self):
        """Drop the TCP connection abruptly (RST), without a TLS close_notify."""
        self._bridge.reset()


class ConnectionRegistry:
    """Maps the aiohttp-side transport of a bridged connection to its ConnectionInfo.

    Weak keys: an entry lives exactly as long as aiohttp holds the transport, so a request that is still
    being handled after the client went away keeps its identity.
    """

    def __init__(self):
        self._by_transport = weakref.WeakKeyDictionary()
        self._handshakes = 0

    def add(self, transport, info):
        self._handshakes += 1
        info.serial = self._handshakes
        self._by_transport[transport] = info

    def lookup(self, transport):
        return self._by_transport.get(transport)

    def __len__(self):
        return len(self._by_transport)


def make_server_context(cert_chain_path, key_path):
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.use_certificate_chain_file(cert_chain_path)
    context.use_privatekey_file(key_path)
    context.check_privatekey()
    # Ask for a client certificate, accept whatever comes: trust is decided by fingerprint later.
    context.set_verify(SSL.VERIFY_PEER, lambda conn, cert, errnum, depth, ok: True)
    context.set_session_id(b"ams-simulator")
    return context


def _peer_fingerprint(ssl_conn):
    try:
        cert = ssl_conn.get_peer_certificate(as_cryptography=True)
    except TypeError:  # pyOpenSSL older than 24.3
        cert = ssl_conn.get_peer_certificate()
        cert = cert.to_cryptography() if cert is not None else None
    if cert is None:
        return None
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


class _InnerSide(asyncio.Protocol):
    """Our end of the socketpair: plaintext produced by aiohttp goes back into the TLS connection."""

    def __init__(self, bridge):
        self._bridge = bridge

    def data_received(self, data):
        self._bridge.send_plaintext(data)

    def eof_received(self):
        self._bridge.close_gracefully()
        return False

    def connection_lost(self, exc):
        self._bridge.close_gracefully()

    def pause_writing(self):
        self._bridge.pause_outer_reading()

    def resume_writing(self):
        self._bridge.resume_outer_reading()


class TLSBridge(asyncio.Protocol):
    """Outer protocol of one TCP connection: TLS records in and out, plaintext through a socketpair."""

    def __init__(self, ssl_context, app_protocol_factory, registry, handshake_delay=0.0):
        self._context = ssl_context
        self._handshake_delay = handshake_delay
        self._app_protocol_factory = app_protocol_factory
        self._registry = registry
        self._loop = asyncio.get_event_loop()
        self._outer = None
        self._ssl = None
        self._handshake_done = False
        self._handshake_timer = None
        self._inner = None  # our side of the socketpair (transport)
        self._app_transport = None
        self._pending_plaintext = []
        self._closed = False
        self._outer_paused = False
        self._peer_eof = False

    # -- outer (TCP) side -------------------------------------------------
    def connection_made(self, transport):
        self._outer = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self._ssl = SSL.Connection(self._context, None)
        self._ssl.set_accept_state()
        self._handshake_timer = self._loop.call_later(HANDSHAKE_TIMEOUT, self._abort_everything)

    def data_received(self, data):
        if self._closed:
            return
        self._ssl.bio_write(data)
        if not self._handshake_done:
            try:
                self._ssl.do_handshake()
            except SSL.WantReadError:
                if self._handshake_delay:
                    # The server's first flight, as late as over a network with that round trip: the client
                    # waited one round trip for TCP and waits one for this (TLS 1.3).
                    delay, self._handshake_delay = self._handshake_delay, 0.0
                    self._loop.call_later(delay, self._flush_tls)
                    return
                self._flush_tls()
                return
            except SSL.Error:
                self._flush_tls()
                self._abort_everything()
                return
            self._handshake_done = True
            self._handshake_timer.cancel()
            self._flush_tls()
            self._loop.create_task(self._attach_application(_peer_fingerprint(self._ssl)))
        self._pump_plaintext()

    def eof_received(self):
        self._peer_eof = True
        self._close_inner()
        return False

    def connection_lost(self, exc):
        self._closed = True
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()
        self._close_inner()

    def pause_writing(self):
        if self._inner is not None:
            self._inner.pause_reading()

    def resume_writing(self):
        if self._inner is not None and not self._inner.is_closing():
            self._inner.resume_reading()

    # -- plumbing ---------------------------------------------------------
    async def _attach_application(self, fingerprint):
        app_sock, our_sock = socket.socketpair()
        for sock in (app_sock, our_sock):
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _READ_SIZE)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _READ_SIZE)
        try:
            app_transport, _app_protocol = await self._loop.connect_accepted_socket(self._app_protocol_factory, sock=app_sock)
            self._app_transport = app_transport
            self._registry.add(app_transport, ConnectionInfo(fingerprint, self._outer.get_extra_info("peername"), self))
            inner, _inner_protocol = await self._loop.connect_accepted_socket(lambda: _InnerSide(self), sock=our_sock)
        except OSError:
            app_sock.close()
            our_sock.close()
            self._abort_everything()
            return
        self._inner = inner
        if self._closed or self._peer_eof:
            self._close_inner()
            return
        if self._pending_plaintext:
            inner.write(b"".join(self._pending_plaintext))
            self._pending_plaintext = []

    def _pump_plaintext(self):
        while True:
            try:
                chunk = self._ssl.recv(_READ_SIZE)
            except SSL.WantReadError:
                break
            except SSL.ZeroReturnError:  # close_notify from the client
                self._peer_eof = True
                if self._inner is not None:
                    if self._inner.can_write_eof():
                        self._inner.write_eof()
                    else:
                        self._inner.close()
                break
            except SSL.Error:
                self._abort_everything()
                return
            if self._inner is None:
                self._pending_plaintext.append(chunk)
            else:
                self._inner.write(chunk)
        self._flush_tls()

    def _flush_tls(self):
        out = []
        while True:
            try:
                data = self._ssl.bio_read(_READ_SIZE)
            except SSL.WantReadError:
                break
            if not data:
                break
            out.append(data)
        if out and not self._closed and not self._outer.is_closing():
            self._outer.write(b"".join(out))

    def send_plaintext(self, data):
        if self._closed:
            return
        try:
            self._ssl.sendall(data)
        except SSL.Error:
            self._abort_everything()
            return
        self._flush_tls()

    def pause_outer_reading(self):
        if not self._outer_paused and not self._closed:
            self._outer_paused = True
            self._outer.pause_reading()

    def resume_outer_reading(self):
        if self._outer_paused and not self._closed:
            self._outer_paused = False
            self._outer.resume_reading()

    def close_gracefully(self):
        """The application closed its side: send close_notify and close the TCP connection."""
        if self._closed:
            return
        self._closed = True
        try:
            self._ssl.shutdown()
        except SSL.Error:
            pass
        self._flush_tls()
        self._outer.close()

    def reset(self):
        sock = self._outer.get_extra_info("socket") if self._outer is not None else None
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self._abort_everything()

    def _abort_everything(self):
        self._closed = True
        if self._outer is not None:
            self._outer.abort()
        if self._inner is not None:
            self._inner.abort()
        if self._app_transport is not None:
            self._app_transport.abort()

    def _close_inner(self):
        if self._inner is not None and not self._inner.is_closing():
            self._inner.close()


async def start_tls_server(host, port, ssl_context, app_protocol_factory, registry, round_trip=0.0):
    """``round_trip``: seconds a new connection's handshake takes longer (two round trips: TCP, then TLS)."""
    loop = asyncio.get_event_loop()
    return await loop.create_server(
        lambda: TLSBridge(ssl_context, app_protocol_factory, registry, handshake_delay=2 * round_trip),
        host=host, port=port, reuse_address=True, backlog=1024,
    )
