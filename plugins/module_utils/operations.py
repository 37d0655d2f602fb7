# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AMS background operations and waiting on them under one deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSHTTPError,
    AMSNotFound,
    AMSOperationError,
    AMSOperationTimeout,
)

OPERATION_SUCCESS = 200
OPERATION_FAILURE = 400
OPERATION_CANCELLED = 401
# Longest single /wait long-poll; a longer wait is several of these under one deadline.
WAIT_SLICE_SECONDS = 30


def operation_path(reference):
    """``/1.0/operations/<uuid>`` from an id, a path with or without the leading slash, or a full URL."""
    reference = (reference or '').split('?', 1)[0].rstrip('/')
    return '/1.0/operations/' + reference.rsplit('/', 1)[-1]


class Operation(object):
    """One AMS operation as last seen."""

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


def _remaining(client, deadline):
    return deadline - client.clock()


def wait_operation(client, operation, timeout):
    """Wait until ``operation`` is final; return it, or raise with its ``err``.

    Uses ``/wait?timeout=`` long-polls in slices under one deadline, and falls
    back to polling the operation only when the server has no ``/wait``.
    """
    deadline = client.clock() + timeout
    current = operation
    while not current.final:
        remaining = _remaining(client, deadline)
        if remaining <= 0:
            raise AMSOperationTimeout(
                '%s did not finish within %s seconds (wait_timeout); it may still complete on the server'
                % (current.description, timeout), operation=current)
        if client.supports_wait:
            current = _long_poll(client, current, remaining)
        else:
            client.sleep(min(client.poll_interval, remaining))
            current = Operation(client.get(current.path).metadata, current.path)
    if not current.succeeded:
        raise AMSOperationError(current.failure_message(), operation=current)
    return current


def _long_poll(client, current, remaining):
    seconds = max(1, min(WAIT_SLICE_SECONDS, int(math.ceil(remaining))))
    try:
        response = client.get(current.path + '/wait', query={'timeout': seconds},
                              timeout=seconds + client.request_timeout)
    except AMSNotFound:
        # Either the operation is gone or the server has no /wait: tell them apart.
        fresh = Operation(client.get(current.path).metadata, current.path)
        client.supports_wait = False
        return fresh
    except AMSHTTPError as exc:
        if exc.status_code in (405, 501):
            client.supports_wait = False
            return current
        raise
    return Operation(response.metadata, current.path)


def wait_operations(client, operations, timeout):
    """Wait for several operations under one deadline; return them all final.

    Failures do not stop the wait: the caller sees every failed operation and
    can report each one.
    """
    deadline = client.clock() + timeout
    finished = []
    for operation in operations:
        remaining = max(_remaining(client, deadline), 0)
        try:
            finished.append(wait_operation(client, operation, remaining))
        except AMSOperationError as exc:
            finished.append(exc.operation)
        except AMSOperationTimeout:
            raise AMSOperationTimeout(
                '%d of %d operations did not finish within %s seconds (wait_timeout)'
                % (len(operations) - len(finished), len(operations), timeout), operation=operation)
    return finished
