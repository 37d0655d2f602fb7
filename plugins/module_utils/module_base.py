# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The small base class every anbox.ams module is built on.

A module subclasses AMSModule, defines ``define_module()`` (its AnsibleModule)
and ``run()``, and its ``main()`` is ``run_module(TheClass)``. The base owns
the client, the result, ``changed``, the diff, waiting and failures.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.anbox.ams.plugins.module_utils import client as client_module
from ansible_collections.anbox.ams.plugins.module_utils import tls
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSAmbiguousError,
    AMSError,
    AMSPreconditionFailed,
)
from ansible_collections.anbox.ams.plugins.module_utils.operations import Operation
from ansible_collections.anbox.ams.plugins.module_utils.options import (
    client_from_options,
    connection_argument_spec,
    wait_argument_spec,
)

try:
    import yaml  # noqa: F401, pylint: disable=unused-import
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

# Attempts of one read-compute-write cycle before giving up on concurrent changes or a flaky network.
CONVERGE_ATTEMPTS = 8


def build_argument_spec(module_spec, wait=False):
    """The module's own options plus the shared connection (and wait) options."""
    spec = connection_argument_spec()
    if wait:
        spec.update(wait_argument_spec())
    spec.update(module_spec)
    return spec


class AMSModule(object):
    """Base of every module: client, result, diff, waiting and failures."""

    # Libraries beyond requests/cryptography a module needs: ('yaml',) for manifests.
    needs = ()

    def __init__(self, module):
        self.module = module
        self.result = {'changed': False}
        self.diff_before = {}
        self.diff_after = {}
        self._check_requirements()
        self.client = None
        problem = None
        try:
            self.client = client_from_options(module.params.get, warn=module.warn)
        except AMSError as exc:
            problem = exc
        if problem is not None:
            # Outside the except block: ansible-core would attach the handled exception as a traceback.
            self.fail_from(problem)

    def _check_requirements(self):
        missing = []
        if not client_module.HAS_REQUESTS:
            missing.append('requests')
        if not tls.HAS_CRYPTOGRAPHY:
            missing.append('cryptography')
        if 'yaml' in self.needs and not HAS_YAML:
            missing.append('PyYAML')
        if missing:
            self.module.fail_json(msg=missing_required_lib(' and '.join(missing)), exception=YAML_IMPORT_ERROR)

    @property
    def check_mode(self):
        return self.module.check_mode

    def param_is_defined(self, name):
        """True when the task set the option (as opposed to it taking its default)."""
        return self.module.params.get(name) is not None

    def _mark_as_changed(self):
        self.result['changed'] = True

    def set_diff(self, before, after):
        self.diff_before = before
        self.diff_after = after

    def wait_for(self, answer):
        """Wait for an operation when the task asked to wait; return it final.

        A synchronous answer (a client Response) is returned as it is, so
        callers need not know which requests AMS runs in the background.
        """
        if not isinstance(answer, Operation) or not self.module.params.get('wait', True):
            return answer
        return self.client.wait(answer, self.module.params.get('wait_timeout') or 600)

    def converge(self, step, what):
        """Run ``step`` (read, compute, write) again after a stale ETag or an ambiguous write.

        A write that failed with 412 or broke in flight is never resent as it
        was: the object is read again and the change recomputed.
        """
        last = None
        for attempt in range(CONVERGE_ATTEMPTS):
            if attempt:
                self.client.sleep(self.client.backoff_delay(attempt))
            try:
                return step()
            except AMSPreconditionFailed as exc:
                last = exc
            except AMSAmbiguousError as exc:
                # The write may have been made: if the re-read finds nothing left to do, it was ours.
                self._mark_as_changed()
                last = exc
        raise AMSError('%s kept changing under us (%d attempts); last error: %s'
                       % (what, CONVERGE_ATTEMPTS, last.message),
                       status_code=last.status_code, error_code=last.error_code)

    def fail_from(self, exc, **extra):
        result = dict(self.result)
        result.update(exc.to_result())
        result.update(extra)
        result.pop('msg', None)
        self.module.fail_json(msg=exc.message, **result)

    def exit(self):
        if self.module._diff:
            self.result['diff'] = {'before': self.diff_before, 'after': self.diff_after}
        self.module.exit_json(**self.result)


def run_module(module_class):
    """``main()`` of every module."""
    module = module_class.define_module()
    instance = module_class(module)
    problem = None
    try:
        instance.run()
    except AMSError as exc:
        problem = exc
    finally:
        if instance.client is not None:
            instance.client.close()
    if problem is not None:
        instance.fail_from(problem)
    instance.exit()
