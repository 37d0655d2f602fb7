"""Errors: domain errors (what went wrong, raised by the state layer) and ApiError (an HTTP answer, raised by
the handlers).  The request pipeline answers a domain error with the matching HTTP status."""


class DomainError(Exception):
    """Something the state layer refuses; `status` is the HTTP status the pipeline answers it with."""

    status = 400

    @property
    def message(self):
        return str(self)


class NotFound(DomainError):
    status = 404


class Invalid(DomainError):
    status = 400


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message):
    return ApiError(400, message)


def forbidden(message="not authorized"):
    return ApiError(403, message)


def not_found(message):
    return ApiError(404, message)


def conflict(message):
    return ApiError(409, message)


def precondition_failed(message="ETag doesn't match: the object changed since it was read"):
    return ApiError(412, message)


class OperationFailed(Exception):
    """Raised inside an operation's apply step: the operation ends with status 400 and this text as `err`.

    Normally what the operation had done is rolled back; with keep_changes the changes the apply step made
    stay (a container that failed to start is kept, in error, with its log files)."""

    def __init__(self, message, keep_changes=False):
        super().__init__(message)
        self.keep_changes = keep_changes
