# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Framework: the small base classes every anbox.ams module is built on.

A module subclasses AMSModule (or AMSInfoModule), defines ``define_module()``
(its AnsibleModule) and ``run()``, and its ``main()`` is
``run_module(TheClass)``. The base owns the client (built from the connection
options unless one is given), the task's one Deadline, the result,
``changed``, the diff, waiting, the converge/retry loop, removals AMS may
refuse, and failures.
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.anbox.ams.plugins.module_utils import tls
from ansible_collections.anbox.ams.plugins.module_utils.client import Deadline, Operation
from ansible_collections.anbox.ams.plugins.module_utils.connection import (
    DEFAULT_WAIT_TIMEOUT,
    client_from_options,
    connection_argument_spec,
    wait_argument_spec,
)
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSAmbiguousError,
    AMSConfigurationError,
    AMSConflict,
    AMSError,
    AMSNotFound,
    AMSPreconditionFailed,
)
from ansible_collections.anbox.ams.plugins.module_utils.objects import list_objects, object_path


def _yaml_import_error():
    """The traceback of importing PyYAML when it is missing, else None.

    Only modules that read manifests need it, so the others never pay for importing it.
    """
    try:
        import yaml  # noqa: F401, pylint: disable=unused-import
    except ImportError:
        return traceback.format_exc()
    return None


# Attempts of one read-compute-write cycle before giving up on concurrent changes or a flaky network.
CONVERGE_ATTEMPTS = 8


def build_argument_spec(module_spec, wait=False):
    """The module's own options plus the shared connection (and wait) options."""
    spec = connection_argument_spec()
    if wait:
        spec.update(wait_argument_spec())
    spec.update(module_spec)
    return spec


class AMSModule:
    """Base of every module: client, deadline, result, diff, waiting, retries and failures."""

    # Libraries beyond cryptography a module needs: ('yaml',) for manifests.
    needs = ()

    def __init__(self, module, client=None):
        self.module = module
        self.result = {'changed': False}
        self.diff_before = {}
        self.diff_after = {}
        self._check_requirements()
        self.client = client
        problem = None
        if client is None:
            try:
                self.client = client_from_options(module.params.get, warn=module.warn)
            except AMSError as exc:
                problem = exc
        if problem is not None:
            # Outside the except block: ansible-core would attach the handled exception as a traceback.
            self.fail_from(problem)
        # Every wait of the task shares this one budget: wait_timeout covers the whole task.
        self.deadline = Deadline(self.client.clock, module.params.get('wait_timeout') or DEFAULT_WAIT_TIMEOUT)
        if module.params.get('wait_timeout') is not None:
            # Reads that meet an outage retry within the same budget (at least request_timeout seconds).
            self.client.retry_deadline = self.deadline

    def _check_requirements(self):
        missing = []
        if not tls.HAS_CRYPTOGRAPHY:
            missing.append('cryptography')
        yaml_error = _yaml_import_error() if 'yaml' in self.needs else None
        if yaml_error:
            missing.append('PyYAML')
        if missing:
            self.module.fail_json(msg=missing_required_lib(' and '.join(missing)), exception=yaml_error)

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def waits(self):
        """True when the task waits for what it starts (``wait``, true when the module has no such option)."""
        return self.module.params.get('wait', True)

    def param_is_defined(self, name):
        """True when the option has a value: the task set it, or the option has a default.

        Options without a default are None unless the task sets them, which is
        what tells a field to manage from one to leave alone.
        """
        return self.module.params.get(name) is not None

    def _mark_as_changed(self):
        self.result['changed'] = True

    def set_diff(self, before, after):
        self.diff_before = before
        self.diff_after = after

    def wait_for(self, answer):
        """Wait for an operation, when the task waits, within the task's deadline; return it final.

        A synchronous answer (a client Response) is returned as it is, so
        callers need not know which requests AMS runs in the background.
        """
        if not isinstance(answer, Operation) or not self.waits:
            return answer
        return self.client.wait(answer, self.deadline)

    def converge(self, step, what):
        """Run ``step`` (read, compute, write) again after a stale ETag or an ambiguous write; return its result.

        A write that failed with 412 or broke in flight is never resent as it
        was: ``step`` reads again and recomputes, after a growing pause.
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
        if isinstance(last, AMSAmbiguousError):
            message = ('%s: requests kept failing in flight (%d attempts), so AMS may or may not have made the '
                       'change; last error: %s' % (what, CONVERGE_ATTEMPTS, last.message))
        else:
            message = '%s kept changing under us (%d attempts); last error: %s' % (what, CONVERGE_ATTEMPTS, last.message)
        raise AMSError(message, status_code=last.status_code, error_code=last.error_code)

    def remove_or_explain(self, path, what, force, body=None, hint='set force: true to remove it anyway'):
        """DELETE ``path`` and wait; when AMS refuses because ``what`` is in use, say so and how to force it."""
        try:
            self.wait_for(self.client.delete(path, body=body))
        except AMSConflict as exc:
            # AMS refused: nothing changed.
            self.result['changed'] = False
            raise AMSConflict('AMS refused to remove %s because it is in use: %s%s'
                              % (what, exc.ams_error or exc.message, '' if force else '; ' + hint),
                              status_code=exc.status_code, error_code=exc.error_code)

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


class AMSInfoModule(AMSModule):
    """A read-only ``*_info`` module: lists ``/1.0/<collection>`` once, returns the objects that pass every filter.

    ``name`` and ``id`` filters come for free; a subclass adds its own by
    overriding ``keep()``.
    """

    collection = None       # e.g. 'applications'
    result_key = None       # e.g. 'applications'
    has_ids = True          # nodes and addons are addressed by name only
    extra_options = {}      # options beyond name/id

    @classmethod
    def define_module(cls):
        spec = dict(name=dict(type='str'))
        if cls.has_ids:
            spec['id'] = dict(type='str')
        spec.update(cls.extra_options)
        return AnsibleModule(argument_spec=build_argument_spec(spec), supports_check_mode=True)

    def run(self):
        self.prepare()
        objects = [item for item in list_objects(self.client, self.collection) if self._matches(item)]
        self.result[self.result_key] = self.enrich(objects)

    def _matches(self, item):
        params = self.module.params
        if params.get('name') is not None and item.get('name') != params['name']:
            return False
        if self.has_ids and params.get('id') is not None and str(item.get('id')) != params['id']:
            return False
        return self.keep(item)

    def prepare(self):
        """Check and resolve the module's own filters before listing (may read other listings)."""

    def keep(self, item):
        """The module's own filters; True keeps the object."""
        return True

    def check_log_names(self):
        """Refuse ``logs`` entries that are not file names, before anything is sent."""
        for name in self.module.params.get('logs') or []:
            if not name or '/' in name or name in ('.', '..'):
                raise AMSConfigurationError('logs: %r is not a log file name (such as android.log)' % name)

    def enrich(self, objects):
        """Add data that is not in the listing: the stored log files named in ``logs``, one request each."""
        names = self.module.params.get('logs')
        if not names:
            return objects
        for item in objects:
            item['logs'] = dict((name, self._log(item.get('id'), name)) for name in names)
        return objects

    def _log(self, object_id, name):
        try:
            return self.client.get_text(object_path(self.collection, object_id, 'logs', name))
        except AMSNotFound:
            return None


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
