# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An in-memory AMS of images, addons and applications behind the AMSClient interface.

It records every call so tests can check what a module sent (and that a
failed validation sent nothing), and it can play concurrent changes (412),
slow bootstraps and failed bootstraps.
"""


import copy
import itertools

import yaml

from ansible_collections.anbox.ams.plugins.module_utils import packages
from ansible_collections.anbox.ams.plugins.module_utils.client import Response
from ansible_collections.anbox.ams.plugins.module_utils.errors import (
    AMSConflict,
    AMSNotFound,
    AMSPreconditionFailed,
)
from ansible_collections.anbox.ams.plugins.module_utils.client import Operation
from ansible_collections.anbox.ams.tests.unit.plugins.modules.fake_module import FakeClient
from ansible_collections.anbox.ams.plugins.module_utils.client import sha256_file

READ_ONLY = ('GET', 'WAIT')


PARTIAL_FIELDS = {'boot-activity': 'boot_activity', 'video-encoder': 'video_encoder', 'watchdog': 'watchdog',
                  'services': 'services', 'required-permissions': 'required_permissions'}


class FakePackageAMS(FakeClient):

    def __init__(self):
        super().__init__()
        self.calls = []
        self.images = {}
        self.addons = {}
        self.apps = {}
        self.manifests = {}
        self.etags = {}
        self.bootstrap_polls = 0       # GETs an application stays initializing after an upload
        self.bootstrap_error = None    # error_message of a bootstrap that fails
        self.stale_patches = 0         # JSON PATCHes on applications that meet a concurrent change
        self._pending_polls = {}
        self._ops = ('op%d' % number for number in itertools.count(1))
        self._ids = ('id%d' % number for number in itertools.count(1))
        self._etag_counter = itertools.count(1)

    # -- fixtures ------------------------------------------------------------------------

    def add_image(self, name, fingerprints=('f0',), default=False, used_by=None):
        self.images[name] = {'id': 'img-' + name, 'name': name, 'default': default, 'used_by': used_by,
                             'versions': [{'version': number, 'fingerprint': fingerprint, 'status_code': 3}
                                          for number, fingerprint in enumerate(fingerprints)]}
        self._touch('images', name)

    def add_addon(self, name, fingerprints=('f0',)):
        """An addon; its used_by is worked out from the applications' addons, as AMS does."""
        self.addons[name] = {'name': name,
                             'versions': [{'version': number, 'fingerprint': fingerprint}
                                          for number, fingerprint in enumerate(fingerprints)]}
        self._touch('addons', name)

    def add_app(self, name, manifest, **fields):
        app = {'id': 'app-' + name, 'name': name, 'status_code': 2, 'status': 'ready', 'instance_type': 'a4.3',
               'parent_image_id': 'img-android', 'tags': [], 'addons': [], 'resources': {},
               'inhibit_auto_updates': False,
               'versions': [{'number': 0, 'status_code': 3, 'published': False, 'error_message': ''}]}
        app.update(fields)
        self.apps[name] = app
        self.manifests[name] = dict(manifest)
        self._touch('applications', name)

    def mutations(self):
        return [call for call in self.calls if call[0] not in READ_ONLY]

    # -- AMSClient interface ---------------------------------------------------------------

    def get(self, path, query=None, timeout=None):
        self.calls.append(('GET', path))
        collection, name, rest = self._split(path)
        store = self._store(collection)
        if name not in store or rest:
            raise AMSNotFound('AMS refused GET %s: not found (HTTP 404)' % path, status_code=404)
        if collection == 'applications':
            self._advance_bootstrap(name)
        obj = copy.deepcopy(store[name])
        if collection == 'addons':
            obj['used_by'] = self._addon_users(name)
        return Response(200, obj, etag=self.etags[(collection, name)])

    def get_text(self, path, query=None):
        self.calls.append(('GET', path))
        _collection, name, rest = self._split(path)
        if rest != ['manifest'] or name not in self.apps:
            raise AMSNotFound('not found', status_code=404)
        return yaml.safe_dump(self.manifests[name])

    def patch(self, path, body=None, etag=None):
        self.calls.append(('PATCH', path, body, etag))
        collection, name, rest = self._split(path)
        store = self._store(collection)
        if rest:
            version = [entry for entry in store[name]['versions'] if entry['number'] == int(rest[0])][0]
            version['published'] = body['published']
            self._touch(collection, name)
            return self._operation(collection, name)
        if etag is not None and etag != self.etags[(collection, name)]:
            raise AMSPreconditionFailed('stale', status_code=412)
        if collection == 'applications' and self.stale_patches:
            self.stale_patches -= 1
            self._touch(collection, name)
            raise AMSPreconditionFailed('AMS refused PATCH: precondition failed (HTTP 412)', status_code=412)
        obj = store[name]
        new_version = dict((manifest_key, body[field]) for manifest_key, field in PARTIAL_FIELDS.items() if field in body)
        if new_version:
            # application_partial_updates: these fields make a new version, as an upload does.
            obj['versions'].append({'number': len(obj['versions']), 'status_code': 1, 'published': False,
                                    'error_message': ''})
            obj['status_code'] = 1
            self.manifests[name] = dict(self.manifests[name], **new_version)
            self._pending_polls[name] = self.bootstrap_polls
        for key, value in body.items():
            obj[{'instance-type': 'instance_type', 'image': 'parent_image_id'}.get(key, key)] = \
                ('img-' + value if key == 'image' else value)
        self._touch(collection, name)
        return self._operation(collection, name)

    def delete(self, path, body=None):
        self.calls.append(('DELETE', path, body))
        collection, name, rest = self._split(path)
        store = self._store(collection)
        obj = store[name]
        if rest:
            key = 'number' if collection == 'applications' else 'version'
            obj['versions'] = [entry for entry in obj['versions'] if entry[key] != int(rest[0])]
            self._touch(collection, name)
        else:
            users = self._addon_users(name) if collection == 'addons' else obj.get('used_by')
            if users and not (body or {}).get('force'):
                raise AMSConflict('AMS refused DELETE: in use (HTTP 409)', status_code=409, ams_error='in use')
            del store[name]
        return self._operation(collection, name)

    def upload(self, method, path, file_path, fingerprint=None, request_meta=None, etag=None, budget=None):
        assert budget is not None, 'an upload is bounded by the task time'
        fingerprint = fingerprint or sha256_file(file_path)
        assert fingerprint == sha256_file(file_path)
        self.calls.append(('UPLOAD ' + method, path, request_meta, etag))
        collection, name, _rest = self._split(path)
        if collection == 'applications':
            return self._upload_application(method, name, file_path, fingerprint, etag)
        store = self._store(collection)
        if method == 'POST':
            name = request_meta['name']
            store[name] = {'id': 'img-' + name, 'name': name, 'used_by': None, 'versions': [],
                           'default': bool(request_meta.get('default'))}
        elif etag != self.etags[(collection, name)]:
            raise AMSPreconditionFailed('stale', status_code=412)
        versions = store[name]['versions']
        versions.append({'version': len(versions), 'fingerprint': fingerprint})
        self._touch(collection, name)
        return self._operation(collection, name)

    def wait(self, operation, timeout):
        self.calls.append(('WAIT', operation.id))
        return Operation(dict(operation.metadata, status_code=200), operation.path)

    # -- internals -------------------------------------------------------------------------

    def _upload_application(self, method, name, file_path, fingerprint, etag):
        manifest = packages.load(file_path, packages.detect_kind(file_path), 'manifest.yaml')
        name = manifest['name']
        if method == 'POST':
            self.add_app(name, {}, versions=[])
        elif etag != self.etags[('applications', name)]:
            raise AMSPreconditionFailed('stale', status_code=412)
        app = self.apps[name]
        app['versions'].append({'number': len(app['versions']), 'status_code': 1, 'published': False,
                                'error_message': ''})
        app['status_code'] = 1
        rendered = dict(self.manifests[name])
        rendered.update(manifest)
        rendered.setdefault('video-encoder', 'gpu-preferred')
        self.manifests[name] = rendered
        self._pending_polls[name] = self.bootstrap_polls
        self._touch('applications', name)
        return self._operation('applications', name)

    def _addon_users(self, name):
        return sorted(app['name'] for app in self.apps.values() if name in (app.get('addons') or [])) or None

    def _advance_bootstrap(self, name):
        if name not in self._pending_polls:
            return
        if self._pending_polls[name] > 0:
            self._pending_polls[name] -= 1
            return
        del self._pending_polls[name]
        app = self.apps[name]
        latest = app['versions'][-1]
        if self.bootstrap_error:
            app['status_code'], latest['status_code'] = -1, -1
            latest['error_message'] = self.bootstrap_error
        else:
            app['status_code'], latest['status_code'] = 2, 3
        self._touch('applications', name)

    def _split(self, path):
        """(collection, name, rest) of a path; an id is turned into the object's name."""
        parts = path.split('/')[2:]
        collection, name = parts[0], (parts[1] if len(parts) > 1 else None)
        for obj in self._store(collection).values():
            if name is not None and obj.get('id') == name:
                name = obj['name']
        return collection, name, parts[2:]

    def _store(self, collection):
        return {'images': self.images, 'addons': self.addons, 'applications': self.apps}[collection]

    def _touch(self, collection, name):
        self.etags[(collection, name)] = '"e%d"' % next(self._etag_counter)

    def _operation(self, collection, name):
        return Operation({'id': next(self._ops), 'status_code': 103,
                          'resources': {collection: ['/1.0/%s/%s' % (collection, name)]}})
