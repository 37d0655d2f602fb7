#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_config
short_description: Set AMS service configuration
version_added: 0.1.0
description:
  - Sets configuration items of the Anbox Management Service, such as C(application.auto_publish) or
    C(scheduler.strategy). Items the task does not name are left as they are.
  - Values are compared as AMS renders them, so V(true), V("true") and V(True) are equal, and so are
    V(3) and V("3"). Only items whose value differs are sent, one request each, as AMS takes them, up to
    O(max_parallel) of them at once.
  - Every value is checked against the type AMS shows for its item before anything is sent, so a wrong
    value or an unknown item changes nothing.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.wait
  - anbox.ams.attributes
  - anbox.ams.attributes.ACTIONGROUP_AMS
options:
  config:
    description:
      - Configuration items to set, item name to value.
      - Unknown item names fail the task and list the names AMS knows.
      - Set an item to an empty string to clear it.
    type: dict
    required: true
  update_secrets:
    description:
      - AMS never shows secret items (C(core.trust_password), C(images.auth)), only whether they are set.
      - With V(on_create) a secret item is sent only when AMS reports it unset (or it is to be cleared), which
        keeps the task idempotent. With V(always) it is sent on every run and the task always reports a change.
    type: str
    choices: [on_create, always]
    default: on_create
'''

EXAMPLES = r'''
- name: Keep new application versions unpublished until a play publishes them
  anbox.ams.ams_config:
    config:
      application.auto_publish: false
      application.max_published_versions: 5
      scheduler.strategy: binpack

- name: Set the trust password once (later runs leave it alone)
  anbox.ams.ams_config:
    config:
      core.trust_password: "{{ vault_ams_trust_password }}"
'''

RETURN = r'''
config:
  description: Every configuration item of AMS after the task, as AMS renders it (secrets as booleans).
  returned: success
  type: dict
  sample: {"application.auto_publish": false, "application.max_published_versions": 5, "scheduler.strategy": "binpack"}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.anbox.ams.plugins.module_utils import config_values
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSAmbiguousError, AMSConfigurationError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module


class AMSConfig(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                config=dict(type='dict', required=True),
                update_secrets=dict(type='str', choices=['on_create', 'always'], default='on_create'),
            ), wait=True),
            supports_check_mode=True,
        )

    def run(self):
        desired = self.module.params['config']
        for key in config_values.SECRET_KEYS & set(desired):
            if desired[key] not in (None, ''):
                self.module.no_log_values.add(config_values.render(desired[key]))
        self._first_seen = None
        self.converge(lambda: self._apply(desired), 'the AMS configuration')

    def _apply(self, desired):
        current = self.client.get('/1.0/config').metadata.get('config') or {}
        if self._first_seen is None:
            self._first_seen = current
        changes = self._changes(current, desired)
        after = dict(current)
        after.update((key, wanted) for key, (_value, wanted) in changes.items())
        self.set_diff(dict((key, self._first_seen.get(key)) for key in sorted(desired)),
                      dict((key, after.get(key)) for key in sorted(desired)))
        if changes:
            self._mark_as_changed()
        if changes and not self.check_mode:
            # Each item is its own request and independent of the others: they go out together.
            outcomes = self.client.parallel(
                lambda key: self.wait_for(self.client.patch('/1.0/config', body={'name': key, 'value': changes[key][0]})),
                sorted(changes))
            errors = [outcome.error for outcome in outcomes if outcome.error is not None]
            if errors:
                # A lost answer first: the converge loop reads the configuration again and sends what is still missing.
                ambiguous = [error for error in errors if isinstance(error, AMSAmbiguousError)]
                raise (ambiguous or errors)[0]
            if self.module.params['wait']:
                after = self.client.get('/1.0/config').metadata.get('config') or {}
        self.result['config'] = after

    def _changes(self, current, desired):
        """Items to send: key → (rendered value, value AMS will report). Checks every item first."""
        unknown = sorted(set(desired) - set(current))
        if unknown:
            raise AMSConfigurationError('unknown AMS config item(s): %s. AMS knows: %s'
                                        % (', '.join(unknown), ', '.join(sorted(current))))
        always = self.module.params['update_secrets'] == 'always'
        changes = {}
        for key, value in desired.items():
            try:
                wanted = config_values.expected(current[key], value, key)
            except config_values.ConfigValueError as exc:
                raise AMSConfigurationError(str(exc))
            secret_to_set = key in config_values.SECRET_KEYS and wanted and always
            if secret_to_set or not config_values.equal(current[key], wanted):
                changes[key] = (config_values.render(value), wanted)
        return changes


def main():
    run_module(AMSConfig)


if __name__ == '__main__':
    main()
