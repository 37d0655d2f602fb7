# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport: a requests adapter that speaks HTTP over a local unix socket.

Built on the urllib3 that requests already depends on, so the local AMS
socket needs no extra runtime dependency.
"""


import socket

try:
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection
    from urllib3.connectionpool import HTTPConnectionPool
    from urllib3.exceptions import NewConnectionError
except ImportError:  # reported by the client through missing_required_lib
    HTTPAdapter = HTTPConnection = HTTPConnectionPool = object
    NewConnectionError = OSError


class UnixHTTPConnection(HTTPConnection):
    def __init__(self, *args, **kwargs):
        self.socket_path = kwargs.pop('socket_path')
        super().__init__(*args, **kwargs)

    def _new_conn(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if isinstance(self.timeout, (int, float)):
            sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError as exc:
            sock.close()
            # Raised as a failure to connect, so the client knows nothing was sent.
            raise NewConnectionError(self, 'Failed to connect to %s: %s' % (self.socket_path, exc))
        return sock


class UnixHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = UnixHTTPConnection


class UnixSocketAdapter(HTTPAdapter):
    """Routes every request of a session to one unix socket."""

    def __init__(self, socket_path, pool_maxsize=10):
        self.socket_path = socket_path
        self._pool = None
        self._pool_maxsize = pool_maxsize
        super().__init__(max_retries=0)

    def _connection(self):
        if self._pool is None:
            self._pool = UnixHTTPConnectionPool(
                'localhost', maxsize=self._pool_maxsize, block=False, socket_path=self.socket_path)
        return self._pool

    # requests >= 2.32 calls this one, older releases get_connection().
    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        return self._connection()

    def get_connection(self, url, proxies=None):
        return self._connection()

    def request_url(self, request, proxies):
        return request.path_url

    def close(self):
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        super().close()
