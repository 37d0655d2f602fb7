# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What ams_image and ams_addon share: upload by fingerprint, remove the object or one version.

A new version is uploaded only when the package's SHA-256 differs from the
fingerprint of the latest version AMS holds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils import lookups
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConflict, AMSError, AMSHTTPError
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule


def package_state(obj):
    """What the diff shows of an image or addon: latest fingerprint and version numbers."""
    if obj is None:
        return {}
    latest = lookups.latest_version(obj) or {}
    return {'name': obj.get('name'), 'fingerprint': latest.get('fingerprint'),
            'versions': lookups.version_numbers(obj)}


def state_after_upload(before, name, fingerprint):
    """``before`` with one more version, whose fingerprint is ``fingerprint``."""
    versions = before.get('versions') or []
    return dict(before, name=name, fingerprint=fingerprint, versions=versions + [max(versions or [-1]) + 1])


class VersionedPackageModule(AMSModule):
    """Base of ams_image and ams_addon.

    Subclasses set ``collection`` and ``what`` and define ``create_request()``
    and ``update_request(current)``: the X-AMS-Request of the upload that
    creates the object, and of one that adds a version to it.
    """

    needs = ('yaml',)
    collection = None  # 'images' or 'addons'
    what = None  # 'image' or 'addon', in messages and as the return key

    @property
    def name(self):
        return self.module.params['name']

    def path(self, *rest):
        return lookups.object_path(self.collection, self.name, *rest)

    def read(self):
        """The object's client Response, or None when AMS has none of that name."""
        return lookups.find(self.client, self.collection, self.name)

    # -- present -----------------------------------------------------------------

    def needs_upload(self, current, package):
        if package is None:
            return False
        latest = lookups.latest_version(current.metadata) if current is not None else None
        return latest is None or latest.get('fingerprint') != package.compute_fingerprint()

    def upload(self, package):
        """Upload ``package`` unless the latest version has its fingerprint already; re-read after 412."""
        def step():
            current = self.read()
            if not self.needs_upload(current, package):
                return
            if current is None:
                answer = self.client.upload('POST', '/1.0/' + self.collection, package.path,
                                            fingerprint=package.compute_fingerprint(),
                                            request_meta=self.create_request(), budget=self.upload_budget())
            else:
                answer = self.client.upload('PATCH', self.path(), package.path,
                                            fingerprint=package.compute_fingerprint(),
                                            request_meta=self.update_request(current.metadata), etag=current.etag,
                                            budget=self.upload_budget())
            self.wait_for(answer)
        self.converge(step, '%s %s' % (self.what, self.name))

    def upload_budget(self):
        """The task's wait_timeout: an upload's answer is waited for at most that long."""
        return self.module.params.get('wait_timeout')

    def return_object(self, fallback):
        """The object as AMS shows it now (after a change), or ``fallback`` when nothing was sent."""
        if self.result['changed'] and not self.check_mode:
            current = self.read()
            self.result[self.what] = current.metadata if current is not None else {}
        else:
            self.result[self.what] = fallback or {}

    # -- absent ------------------------------------------------------------------

    def remove(self, version, force, delete_body=None):
        current = self.read()
        obj = current.metadata if current is not None else None
        before = package_state(obj)
        if obj is None:
            self.set_diff(before, before)
            self.result[self.what] = {}
            return
        if version is not None:
            self._remove_version(obj, version, before)
            return
        used_by = obj.get('used_by') or []
        if used_by and not force:
            raise AMSConflict('%s %s is used by %s: set force: true to remove it anyway'
                              % (self.what, self.name, ', '.join(str(user) for user in used_by)), status_code=409)
        self.set_diff(before, {})
        self._mark_as_changed()
        self.result[self.what] = {}
        if self.check_mode:
            return
        try:
            self.wait_for(self.client.delete(self.path(), body=delete_body))
        except AMSConflict as exc:
            # AMS refused: nothing changed.
            self.result['changed'] = False
            raise AMSConflict('AMS refused to remove %s %s because it is in use: %s%s'
                              % (self.what, self.name, exc.ams_error or exc.message,
                                 '' if force else '; set force: true to remove it anyway'),
                              status_code=exc.status_code, error_code=exc.error_code)

    def _remove_version(self, obj, version, before):
        if lookups.find_version(obj, version) is None:
            self.set_diff(before, before)
            self.result[self.what] = obj
            return
        after = dict(before, versions=[number for number in before['versions'] if number != version])
        self.set_diff(before, after)
        self._mark_as_changed()
        if not self.check_mode:
            try:
                self.wait_for(self.client.delete(self.path(version)))
            except AMSHTTPError as exc:
                # AMS refused (e.g. the only version): nothing changed.
                self.result['changed'] = False
                raise AMSError('AMS refused to remove version %d of %s %s: %s'
                               % (version, self.what, self.name, exc.ams_error or exc.message),
                               status_code=exc.status_code, error_code=exc.error_code)
        self.return_object(obj)
