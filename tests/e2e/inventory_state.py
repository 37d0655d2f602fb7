# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AMS state the inventory golden files describe, built through the REST API of a fresh simulator.

AMS makes up ids (and creation times) itself, so they differ on every build. Every object here has a
role name instead; ``normalise`` puts ``<kind:role>`` where an id was and 0 for every ``created_at``,
which makes the ``ansible-inventory --list`` output of two builds identical.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import time

IMAGE = 'inv-image'
APP = 'inv-app'
CRASHING_APP = 'inv-crashing-app'
# The simulator makes every container of CRASHING_APP end in error; it is an AMS without instances (the
# golden files describe that generation; test_inventory_instances.py the other).
SIMULATOR_ARGS = ('--fail', 'container:' + CRASHING_APP, '--without-instances')

TEMPLATE_TEXT = '{{ lookup("env", "HOME") }}'

NODES = (
    {'name': 'lxd0', 'address': '10.10.0.10', 'public_address': '203.0.113.10', 'tags': ['gpu']},
    {'name': 'lxd-1', 'address': '10.10.0.11', 'tags': [TEMPLATE_TEXT]},
)

SSH = {'name': 'ssh', 'port': 22, 'protocols': ['tcp'], 'expose': True}
ADB = {'name': 'adb', 'port': 5559, 'protocols': ['tcp'], 'expose': False}

# role -> launch request, launched one after the other so node ports and addresses come out the same.
CONTAINERS = (
    ('app-ssh-on-lxd0', {'app_id': APP, 'node': 'lxd0', 'services': [SSH, ADB]}),
    ('app-ssh-on-lxd-1', {'app_id': APP, 'node': 'lxd-1', 'services': [SSH]}),
    ('image-on-lxd0', {'image_id': IMAGE, 'instance_type': 'a2.3', 'node': 'lxd0', 'tags': ['{{ 6 * 7 }}']}),
    ('crashing-on-lxd-1', {'app_id': CRASHING_APP, 'node': 'lxd-1'}),
)

FINAL_CONTAINER_CODES = (-1, 4)  # error, running


def _tarball(path, members, mode):
    with tarfile.open(path, mode) as archive:
        for name, data in sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return path


def _image_package(work_dir):
    return _tarball(os.path.join(work_dir, 'image.tar.gz'),
                    {'metadata.yaml': b'architecture: x86_64\ncreation_date: 1600000000\n', 'rootfs.img': b'rootfs'},
                    'w:gz')


def _app_package(work_dir, name):
    manifest = ('name: %s\ninstance-type: a2.3\nimage: %s\n' % (name, IMAGE)).encode()
    return _tarball(os.path.join(work_dir, name + '.tar.bz2'), {'manifest.yaml': manifest, 'app.apk': b'APK'},
                    'w:bz2')


def _wait_for(client, path, done, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        metadata = client.get(path).metadata
        if done(metadata):
            return metadata
        if time.monotonic() > deadline:
            raise AssertionError('%s did not settle within %.0f s: %s' % (what, timeout, json.dumps(metadata)))
        time.sleep(0.05)


def build(client, work_dir, containers=CONTAINERS):
    """Create the state through ``client`` (an AMSClient); return ``{real id: '<kind:role>'}``."""
    ids = {}
    for node in NODES:
        client.wait(client.post('/1.0/nodes', body=node), 60)
    image = client.wait(client.upload('POST', '/1.0/images', _image_package(work_dir),
                                      request_meta={'name': IMAGE, 'default': False}), 60)
    ids[image.resource_ids('images')[0]] = '<image:%s>' % IMAGE
    for name in (APP, CRASHING_APP):
        operation = client.wait(client.upload('POST', '/1.0/applications', _app_package(work_dir, name)), 60)
        app_id = operation.resource_ids('applications')[0]
        ids[app_id] = '<application:%s>' % name
        _wait_for(client, '/1.0/applications/' + app_id, lambda app: app.get('status_code') == 2,
                  'application ' + name)
    for role, request in containers:
        # The launch of a container that fails to start ends in Failure; the container stays, in error.
        operation = client.wait_all([client.post('/1.0/containers', body=request)], 60)[0]
        container_id = operation.resource_ids('containers')[0]
        ids[container_id] = '<container:%s>' % role
        _wait_for(client, '/1.0/containers/' + container_id,
                  lambda container: container.get('status_code') in FINAL_CONTAINER_CODES, 'container ' + role)
    return ids


def normalise(inventory, ids):
    """``ansible-inventory --list`` output with placeholders for ids and 0 for creation times."""
    text = json.dumps(inventory, sort_keys=True)
    for real, placeholder in sorted(ids.items(), key=lambda item: -len(item[0])):
        text = text.replace(real, placeholder)
    return _sorted_members(_zero_times(_plain(json.loads(text))))


def _plain(value):
    """Unwrap ``{"__ansible_unsafe": x}``: how unsafe text is written differs between ansible-core releases.

    That the data really is unsafe is checked by running a task on it (test_ams_data_is_never_templated).
    """
    if isinstance(value, dict):
        if len(value) == 1 and '__ansible_unsafe' in value:
            return value['__ansible_unsafe']
        return dict((key, _plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _sorted_members(inventory):
    """Group members in name order: a group is a set, the order AMS lists objects in is not part of the contract."""
    for name, group in inventory.items():
        if name != '_meta':
            for key in ('hosts', 'children'):
                if key in group:
                    group[key] = sorted(group[key])
    return inventory


def _zero_times(value):
    if isinstance(value, dict):
        return dict((key, 0 if key.endswith('created_at') and isinstance(item, (int, float)) else _zero_times(item))
                    for key, item in value.items())
    if isinstance(value, list):
        return [_zero_times(item) for item in value]
    return value
