# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Waiting until an application is ready.

The upload operation of an application can finish while AMS still
bootstraps it, so readiness is the application's own status code (2 ready,
-1 error), polled under the task's one deadline.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils import lookups
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError, AMSOperationTimeout

APP_ERROR = -1
APP_READY = 2
VERSION_ERROR = -1
# Version codes that mean "not there yet": unknown, initializing, queued.
VERSION_PENDING = (0, 1, 6)
FIRST_POLL_SECONDS = 0.2
MAX_POLL_SECONDS = 2.0


class Deadline(object):
    """One time budget (``wait_timeout``) shared by every wait of a task."""

    def __init__(self, clock, seconds):
        self.clock = clock
        self.seconds = seconds
        self.end = clock() + seconds

    def remaining(self):
        return max(self.end - self.clock(), 0)


class ApplicationFailed(AMSError):
    """The application (or its latest version) ended in error."""


def error_message(app):
    """AMS's reason for an application in error: the latest version's error_message, else the app's."""
    latest = lookups.latest_version(app) or {}
    return latest.get('error_message') or app.get('error_message') or 'AMS gave no error_message'


def state(app, min_version):
    """'error', 'ready' or 'pending' for an application object."""
    latest = lookups.latest_version(app) or {}
    if app.get('status_code') == APP_ERROR or latest.get('status_code') == VERSION_ERROR:
        return 'error'
    has_version = min_version is None or lookups.version_number(latest) >= min_version
    if app.get('status_code') == APP_READY and has_version and latest.get('status_code') not in VERSION_PENDING:
        return 'ready'
    return 'pending'


def wait_until_ready(client, name, deadline, min_version=None):
    """Poll the application until it is ready; return it, or raise with AMS's error_message.

    ``min_version``: the version number the application must have reached
    (after an upload), so a poll that still sees the previous version does not count.
    """
    interval = FIRST_POLL_SECONDS
    while True:
        app = client.get(lookups.object_path('applications', name)).metadata or {}
        current = state(app, min_version)
        if current == 'ready':
            return app
        if current == 'error':
            raise ApplicationFailed('application %s ended in error: %s' % (name, error_message(app)))
        remaining = deadline.remaining()
        if remaining <= 0:
            raise AMSOperationTimeout('application %s was still %s after %s seconds (wait_timeout); AMS may still '
                                      'finish it' % (name, app.get('status') or 'not ready', deadline.seconds))
        client.sleep(min(interval, remaining))
        interval = min(interval * 1.5, MAX_POLL_SECONDS)
