# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.client import Operation, Response
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSOperationTimeout
from ansible_collections.anbox.ams.plugins.modules.ams_config import AMSConfig
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import FakeClient, FakeModule, run

KEYS = ['a.one', 'a.two', 'a.three', 'a.four', 'a.five']


class SlowConfigAMS(FakeClient):
    """Every config PATCH starts an operation that takes ``seconds`` to finish."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds
        self.config = dict((key, 'old') for key in KEYS)
        self.budgets = []

    def get(self, path, query=None, timeout=None):
        assert path == '/1.0/config'
        return Response(200, {'config': dict(self.config)})

    def patch(self, path, body=None, etag=None, **kwargs):
        self.config[body['name']] = body['value']
        return Operation({'id': 'op-' + body['name'], 'status_code': 103})

    def wait(self, operation, timeout):
        remaining = timeout.remaining()
        self.budgets.append(remaining)
        if remaining < self.seconds:
            self.sleep(remaining)
            raise AMSOperationTimeout('%s did not finish' % operation.id)
        self.sleep(self.seconds)
        return Operation(dict(operation.metadata, status_code=200))


def test_five_items_share_one_wait_timeout():
    ams = SlowConfigAMS(seconds=100)
    with pytest.raises(AMSOperationTimeout):
        run(AMSConfig, ams, {'config': dict((key, 'new') for key in KEYS), 'update_secrets': 'on_create',
                             'wait': True, 'wait_timeout': 250})
    # The fake runs the items one after another: those after the third find no time left.
    assert ams.budgets == [250, 150, 50, 0, 0]
    assert ams.now - 1000.0 == 250


def test_every_wait_fits_when_the_budget_covers_them_all():
    ams = SlowConfigAMS(seconds=10)
    result = run(AMSConfig, ams, {'config': dict((key, 'new') for key in KEYS), 'update_secrets': 'on_create',
                                  'wait': True, 'wait_timeout': 60})
    assert result['changed'] is True
    assert ams.budgets == [60, 50, 40, 30, 20]


def test_reads_retry_within_the_tasks_wait_timeout():
    ams = SlowConfigAMS(seconds=1)
    module = FakeModule({'config': {}, 'update_secrets': 'on_create', 'wait': True, 'wait_timeout': 77})
    instance = AMSConfig(module, client=ams)
    assert instance.client.retry_deadline is instance.deadline
    assert instance.deadline.seconds == 77
