# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.anbox.ams.plugins.module_utils import application_wait
from ansible_collections.anbox.ams.plugins.module_utils.client import Response
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSOperationTimeout


def app(status_code, versions):
    return {'name': 'game', 'status_code': status_code, 'status': 'x',
            'versions': [{'number': number, 'status_code': code, 'error_message': message}
                         for number, code, message in versions]}


class ScriptedClient(object):
    """Answers GETs of the application from a list of states; the last one repeats."""

    def __init__(self, states):
        self.states = list(states)
        self.now = 0.0
        self.sleeps = []
        self.gets = 0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def get(self, path):
        assert path == '/1.0/applications/game'
        self.gets += 1
        return Response(200, self.states.pop(0) if len(self.states) > 1 else self.states[0])


def test_ready_needs_the_app_ready_and_the_new_version_settled():
    assert application_wait.state(app(2, [(0, 3, '')]), None) == 'ready'
    assert application_wait.state(app(2, [(0, 3, '')]), 1) == 'pending'
    assert application_wait.state(app(1, [(0, 3, ''), (1, 1, '')]), 1) == 'pending'
    assert application_wait.state(app(2, [(0, 3, ''), (1, 6, '')]), 1) == 'pending'
    assert application_wait.state(app(2, [(0, 3, ''), (1, 2, '')]), 1) == 'ready'
    assert application_wait.state(app(1, [(0, -1, 'boom')]), 0) == 'error'
    assert application_wait.state(app(-1, [(0, 1, '')]), 0) == 'error'


def test_error_message_prefers_the_latest_version():
    assert application_wait.error_message(app(-1, [(0, 3, 'old'), (1, -1, 'hook failed')])) == 'hook failed'
    assert application_wait.error_message(dict(app(-1, []), error_message='app level')) == 'app level'
    assert application_wait.error_message(app(-1, [(0, -1, '')])) == 'AMS gave no error_message'


def test_polls_with_growing_sleeps_until_ready():
    client = ScriptedClient([app(1, [(0, 1, '')])] * 4 + [app(2, [(0, 3, '')])])
    deadline = application_wait.Deadline(client.clock, 60)
    result = application_wait.wait_until_ready(client, 'game', deadline, min_version=0)
    assert result['status_code'] == 2 and client.gets == 5
    assert client.sleeps == sorted(client.sleeps) and client.sleeps[0] == application_wait.FIRST_POLL_SECONDS


def test_failure_carries_the_error_message():
    client = ScriptedClient([app(1, [(0, 1, '')]), app(-1, [(0, -1, 'bootstrap failed: no space')])])
    with pytest.raises(application_wait.ApplicationFailed, match='ended in error: bootstrap failed: no space'):
        application_wait.wait_until_ready(client, 'game', application_wait.Deadline(client.clock, 60))


def test_deadline_is_never_overslept():
    client = ScriptedClient([app(1, [(0, 1, '')])])
    with pytest.raises(AMSOperationTimeout, match='still x after 5 seconds'):
        application_wait.wait_until_ready(client, 'game', application_wait.Deadline(client.clock, 5))
    assert sum(client.sleeps) == pytest.approx(5)
    assert max(client.sleeps) <= application_wait.MAX_POLL_SECONDS
