# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the fake AMS clients share: a fake clock, a stand-in AnsibleModule and a way to run a module class."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient


class FakeClock(object):
    """The time-keeping part of the AMSClient interface (sleeping only moves the clock), and feature detection."""

    url = 'https://ams.test:8444'
    # What the tests' AMS announces in GET /1.0; a test may take extensions away.
    extensions = frozenset(['application_manifest_download', 'zip_archive_support', 'container_logs'])
    require_extension = AMSClient.require_extension

    def has_extension(self, extension):
        return extension in self.extensions

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def backoff_delay(self, attempt):
        return 0.5 * attempt

    def close(self):
        pass


class FakeModule(object):
    """Just what AMSModule uses of an AnsibleModule."""

    def __init__(self, params, tmpdir=None, check_mode=False):
        self.params = params
        self.tmpdir = tmpdir
        self.check_mode = check_mode
        self._diff = True
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def run(module_class, fake, params, tmpdir=None, check_mode=False):
    """Run a module's run() against ``fake``; return its result dict with the diff."""
    instance = module_class.__new__(module_class)
    instance.module = FakeModule(params, None if tmpdir is None else str(tmpdir), check_mode=check_mode)
    instance.result = {'changed': False}
    instance.diff_before = {}
    instance.diff_after = {}
    instance.client = fake
    instance.run()
    result = dict(instance.result)
    result['diff'] = {'before': instance.diff_before, 'after': instance.diff_after}
    return result
