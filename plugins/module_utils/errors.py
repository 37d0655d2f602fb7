# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport: typed errors raised by the AMS client.

Every error carries a message that tells the user what to do; the HTTP status
and the AMS ``error_code`` travel with it so modules can return them.
"""


class AMSError(Exception):
    """Base class of every error the AMS client raises."""

    def __init__(self, message, status_code=None, error_code=None, ams_error=None, url=None, method=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_code = error_code
        self.ams_error = ams_error
        self.url = url
        self.method = method

    def to_result(self):
        """Keys a module adds to its fail_json call."""
        result = {}
        if self.status_code is not None:
            result['status_code'] = self.status_code
        if self.error_code is not None:
            result['error_code'] = self.error_code
        return result


class AMSConfigurationError(AMSError):
    """The connection options are wrong before anything is sent (bad URL, unreadable key, ...)."""


class AMSUnsupportedError(AMSError):
    """The server lacks an API extension the task needs; raised before anything is sent."""


class AMSConnectionError(AMSError):
    """The server could not be reached; nothing was sent."""


class AMSTimeoutError(AMSError):
    """A request did not get an answer within ``request_timeout``."""


class AMSTLSError(AMSError):
    """The TLS handshake failed; the message names the certificate at fault."""


class AMSAmbiguousError(AMSError):
    """A mutating request failed after it may have reached the server.

    The caller must re-read the object and recompute instead of resending.
    """


class AMSHTTPError(AMSError):
    """AMS answered with an error envelope (or a non-JSON error body)."""


class AMSBadRequest(AMSHTTPError):
    """HTTP 400: AMS refused the request as invalid."""


class AMSForbidden(AMSHTTPError):
    """HTTP 403: the client is not allowed (usually: certificate not trusted)."""


class AMSNotFound(AMSHTTPError):
    """HTTP 404."""


class AMSConflict(AMSHTTPError):
    """HTTP 409: the object exists already or is in use."""


class AMSPreconditionFailed(AMSHTTPError):
    """HTTP 412: the ETag sent in If-Match is stale; re-read and recompute."""


class AMSServerError(AMSHTTPError):
    """HTTP 5xx."""


class AMSOperationError(AMSError):
    """A background operation ended in failure or was cancelled."""

    def __init__(self, message, operation=None, **kwargs):
        super().__init__(message, **kwargs)
        self.operation = operation


class AMSOperationTimeout(AMSError):
    """A background operation did not finish within ``wait_timeout``."""

    def __init__(self, message, operation=None, **kwargs):
        super().__init__(message, **kwargs)
        self.operation = operation


_BY_STATUS = {
    400: AMSBadRequest,
    403: AMSForbidden,
    404: AMSNotFound,
    409: AMSConflict,
    412: AMSPreconditionFailed,
}


def http_error_class(status):
    """The most specific AMSHTTPError subclass for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return AMSServerError
    return AMSHTTPError
