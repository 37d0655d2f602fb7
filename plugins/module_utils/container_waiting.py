# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Waiting until launched containers run, with one listing per poll round however many there are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils import container_status
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError, AMSOperationTimeout
from ansible_collections.anbox.ams.plugins.module_utils.listings import list_objects

# Poll often while containers usually finish booting (a few seconds), then back off.
FAST_POLL_SECONDS = 0.2
FAST_POLL_PERIOD = 5.0
MAX_POLL_SECONDS = 2.0


class ContainerFailures(AMSError):
    """Some launched containers ended in error; ``failed`` holds (id, error_message) pairs."""

    def __init__(self, message, failed):
        super(ContainerFailures, self).__init__(message)
        self.failed = failed


def describe_failures(failed):
    return '; '.join('%s: %s' % (container_id, message or 'AMS gave no error_message')
                     for container_id, message in failed)


def wait_until_running(client, ids, deadline):
    """Poll the container listing until every id runs; return that listing.

    Once none is still starting, fails listing each container that ended in
    error (or vanished) with its ``error_message``; past ``deadline`` (on
    ``client.clock()``) fails listing each container not running yet.
    """
    pending = set(ids)
    failed = []
    started = client.clock()
    interval = FAST_POLL_SECONDS
    while True:
        containers = list_objects(client, 'containers')
        by_id = dict((container.get('id'), container) for container in containers)
        waiting = []
        for container_id in sorted(pending):
            container = by_id.get(container_id)
            if container is None:
                failed.append((container_id, 'the container disappeared from AMS while it was starting'))
                continue
            code = container_status.code_of(container)
            if code == container_status.ERROR:
                failed.append((container_id, container.get('error_message')))
            elif code != container_status.RUNNING:
                waiting.append(container)
        if not waiting:
            if failed:
                raise ContainerFailures('%d of %d launched container(s) failed: %s'
                                        % (len(failed), len(ids), describe_failures(failed)), failed)
            return containers
        remaining = deadline - client.clock()
        if remaining <= 0:
            starting = ', '.join('%s (%s)' % (container.get('id'), container.get('status')) for container in waiting)
            message = ('%d of %d launched container(s) were not running when wait_timeout ran out: %s'
                       % (len(waiting), len(ids), starting))
            if failed:
                message += '; and %d failed: %s' % (len(failed), describe_failures(failed))
            raise AMSOperationTimeout(message)
        pending = set(container.get('id') for container in waiting)
        client.sleep(min(interval, remaining))
        if client.clock() - started >= FAST_POLL_PERIOD:
            interval = min(interval * 1.5, MAX_POLL_SECONDS)
