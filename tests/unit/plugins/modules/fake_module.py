# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the fake AMS clients share: their client basics, a stand-in AnsibleModule and a way to run a module class."""

from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient
from ansible_collections.anbox.ams.tests.unit.plugins.fake_clock import FakeClock


class FakeClient(FakeClock):
    """The parts of the AMSClient interface every fake AMS has the same: time, backoff, closing, feature detection."""

    url = 'https://ams.test:8444'
    # What the tests' AMS announces in GET /1.0; a test may take extensions away.
    extensions = frozenset(['application_manifest_download', 'zip_archive_support', 'container_logs'])
    require_extension = AMSClient.require_extension
    # Batches run one call after another, in order, so the fakes need no locks and tests see a fixed order.
    max_parallel = 1
    parallel = AMSClient.parallel
    retry_deadline = None

    def has_extension(self, extension):
        return extension in self.extensions

    def backoff_delay(self, attempt):
        return 0.5 * attempt

    def close(self):
        pass


class FakeModule:
    """Just what AMSModule uses of an AnsibleModule."""

    def __init__(self, params, tmpdir=None, check_mode=False):
        self.params = params
        self.tmpdir = tmpdir
        self.check_mode = check_mode
        self._diff = True
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **result):
        raise AssertionError('the module failed outside run(): %r' % (result,))


def run(module_class, fake, params, tmpdir=None, check_mode=False):
    """Run a module's run() against ``fake``; return its result dict with the diff."""
    module = FakeModule(params, None if tmpdir is None else str(tmpdir), check_mode=check_mode)
    instance = module_class(module, client=fake)
    instance.run()
    result = dict(instance.result)
    result['diff'] = {'before': instance.diff_before, 'after': instance.diff_after}
    return result
