# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport: an HTTP connection pool over a local unix socket, for the client's unix socket adapter.

Built on the urllib3 that requests already depends on, so the local AMS
socket needs no extra runtime dependency.
"""

import socket

try:
    from urllib3.connection import HTTPConnection
    from urllib3.connectionpool import HTTPConnectionPool
    from urllib3.exceptions import NewConnectionError
except ImportError:  # reported by the client through missing_required_lib
    HTTPConnection = HTTPConnectionPool = object
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
