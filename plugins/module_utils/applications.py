# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain: applications. Comparing a package's manifest with AMS's, the fields AMS changes in place,
and waiting until an application is ready.

Manifests: AMS renders them with the defaults it filled in and with fields
changed in place since, so a package manifest differs from AMS's only when a
key the package sets has another value there. Keys the package leaves out do
not count, also inside nested mappings; an empty value (``""``, ``[]``,
``{}``, null) equals a missing key, which is how a package clears a key.
Scalars are compared as text (``1`` == ``"1"``, ``true`` == ``"true"``) and
lists of scalars as sets.

In-place fields: each has the module option that sets it, the key it has in
the application object, the key of the JSON PATCH body and the manifest key
it overrides. A field the task sets is compared with the application object;
the package manifest's value for it is then not compared, else the package
and the option would undo each other on every run.

Readiness: the upload operation of an application can finish while AMS still
bootstraps it, so readiness is the application's own status code (2 ready,
-1 error), polled under the task's one deadline.
"""

import re

from ansible_collections.anbox.ams.plugins.module_utils import objects
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError, AMSOperationTimeout
from ansible_collections.anbox.ams.plugins.module_utils.sizes import SizeError, same_size, to_bytes

# -- manifests ----------------------------------------------------------------------------------


def _is_empty(value):
    return value is None or value == '' or value == [] or value == {}


def _scalar_text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _is_scalar(value):
    return not isinstance(value, (dict, list))


def same_value(wanted, actual):
    """True when ``actual`` (AMS's) satisfies ``wanted`` (the package's) under the rule above."""
    if _is_empty(wanted) or _is_empty(actual):
        return _is_empty(wanted) and _is_empty(actual)
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and not differing_keys(wanted, actual)
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(wanted) != len(actual):
            return False
        if all(_is_scalar(item) for item in wanted + actual):
            return sorted(_scalar_text(item) for item in wanted) == sorted(_scalar_text(item) for item in actual)
        return all(same_value(mine, theirs) for mine, theirs in zip(wanted, actual))
    if isinstance(actual, (dict, list)):
        return False
    return _scalar_text(wanted) == _scalar_text(actual)


def differing_keys(package_manifest, ams_manifest, ignore=()):
    """Sorted keys the package sets whose value in AMS's manifest differs (``ignore``: keys not compared)."""
    ams_manifest = ams_manifest or {}
    return sorted(key for key, wanted in package_manifest.items()
                  if key not in ignore and not same_value(wanted, ams_manifest.get(key)))


# -- fields changed in place ---------------------------------------------------------------------

INSTANCE_TYPES = ('a2.3', 'a4.3', 'a6.3', 'a8.3', 'a10.3', 'g2.3', 'g4.3', 'g6.3', 'g8.3', 'g10.3')
# Characters AMS refuses in application names.
BAD_NAME = re.compile(r'[\s<>:"/\\|?*]')

# option -> (key in the application object, key in the PATCH body, manifest key it overrides)
FIELDS = {
    'instance_type': ('instance_type', 'instance-type', 'instance-type'),
    'image': ('parent_image_id', 'image', 'image'),
    'tags': ('tags', 'tags', 'tags'),
    'addons': ('addons', 'addons', 'addons'),
    'resources': ('resources', 'resources', 'resources'),
    'inhibit_auto_updates': ('inhibit_auto_updates', 'inhibit_auto_updates', None),
}


def instance_type_problem(value, where):
    if value is None or str(value) in INSTANCE_TYPES:
        return None
    return '%s %s is not an instance type AMS knows; use one of %s' % (where, value, ', '.join(INSTANCE_TYPES))


def name_problem(value, where):
    if not value:
        return '%s is empty' % where
    if BAD_NAME.search(str(value)):
        return '%s %r holds a character AMS refuses in application names (spaces or < > : " / \\ | ? *)' % (where, value)
    return None


# Resource keys as AMS reads them (its Go client's ApplicationResourcesPost), by every spelling a
# task may use. no_disk_reserve keeps its underscore there, unlike the others.
RESOURCE_KEYS = {
    'cpus': 'cpus',
    'memory': 'memory',
    'disk-size': 'disk-size', 'disk_size': 'disk-size',
    'gpu-slots': 'gpu-slots', 'gpu_slots': 'gpu-slots',
    'gpu-type': 'gpu-type', 'gpu_type': 'gpu-type',
    'vpu-slots': 'vpu-slots', 'vpu_slots': 'vpu-slots',
    'no_disk_reserve': 'no_disk_reserve', 'no-disk-reserve': 'no_disk_reserve',
}
# Sizes AMS takes as strings with units ("3GB"); a number is a count of bytes.
SIZE_RESOURCES = ('memory', 'disk-size')


class ResourceError(ValueError):
    pass


def normalise_resources(resources):
    """Resources keyed as AMS reads them, sizes as strings; raises ResourceError naming a bad key or size."""
    normalised = {}
    for key, value in (resources or {}).items():
        name = RESOURCE_KEYS.get(str(key))
        if name is None:
            raise ResourceError('resources: %s is not a resource AMS knows; use %s'
                                % (key, ', '.join(sorted(set(RESOURCE_KEYS.values())))))
        if name in SIZE_RESOURCES and value is not None:
            try:
                to_bytes(value, 'resources.%s' % name)
            except SizeError as exc:
                raise ResourceError(str(exc))
            value = str(value)
        normalised[name] = value
    return normalised


def _reported_resources(resources):
    """The application's resources keyed as above; keys AMS may add later are kept as they are."""
    return dict((RESOURCE_KEYS.get(str(key), str(key)), value) for key, value in (resources or {}).items())


def _same_resources(wanted, current):
    for key, value in wanted.items():
        actual = current.get(key)
        if actual is None and value in (0, False):
            # AMS leaves a resource out of its answer when it is 0 or false.
            continue
        if key in SIZE_RESOURCES:
            if not same_size(actual, value):
                return False
        elif not same_value(value, actual):
            return False
    return True


# Manifest keys that AMS changes from a JSON PATCH when it has the application_partial_updates
# extension (each change still makes a new version), and the PATCH field each one goes to.
PARTIAL_UPDATE_FIELDS = {
    'boot-activity': 'boot_activity',
    'video-encoder': 'video_encoder',
    'watchdog': 'watchdog',
    'services': 'services',
    'required-permissions': 'required_permissions',
}


def partial_update(manifest, keys):
    """The JSON PATCH that changes manifest ``keys`` without a package upload, or None when one of them needs it."""
    if not keys or any(key not in PARTIAL_UPDATE_FIELDS for key in keys):
        return None
    return dict((PARTIAL_UPDATE_FIELDS[key], manifest.get(key)) for key in keys)


def manifest_keys_overridden(options):
    """Manifest keys that options set by the task govern instead of the package."""
    return set(FIELDS[option][2] for option, value in options.items() if value is not None and FIELDS[option][2])


def _current(app, option):
    value = app.get(FIELDS[option][0])
    if option == 'resources':
        return _reported_resources(value)
    return value


def _differs(option, wanted, current, image_id):
    if option == 'image':
        return image_id != current
    if option == 'inhibit_auto_updates':
        return bool(wanted) != bool(current)
    if option == 'resources':
        return not _same_resources(wanted, current or {})
    return not same_value(wanted, current)


def changes(app, options, image_id=None):
    """(PATCH body, before, after) for the options that differ from ``app``.

    ``options``: option name → wanted value (None: not managed). ``image_id``:
    the id of the image the ``image`` option names, resolved by the caller.
    """
    body, before, after = {}, {}, {}
    for option in sorted(FIELDS):
        wanted = options.get(option)
        if wanted is None:
            continue
        if option == 'resources':
            wanted = normalise_resources(wanted)
        current = _current(app, option)
        if not _differs(option, wanted, current, image_id):
            continue
        body[FIELDS[option][1]] = wanted
        before[option] = current
        after[option] = image_id if option == 'image' else wanted
    return body, before, after


# -- readiness -----------------------------------------------------------------------------------

APP_ERROR = -1
APP_READY = 2
VERSION_ERROR = -1
# Version codes that mean "not there yet": unknown, initializing, queued.
VERSION_PENDING = (0, 1, 6)
FIRST_POLL_SECONDS = 0.2
MAX_POLL_SECONDS = 2.0


class ApplicationFailed(AMSError):
    """The application (or its latest version) ended in error."""


def error_message(app):
    """AMS's reason for an application in error: the latest version's error_message, else the app's."""
    latest = objects.latest_version(app) or {}
    return latest.get('error_message') or app.get('error_message') or 'AMS gave no error_message'


def state(app, min_version):
    """'error', 'ready' or 'pending' for an application object."""
    latest = objects.latest_version(app) or {}
    if app.get('status_code') == APP_ERROR or latest.get('status_code') == VERSION_ERROR:
        return 'error'
    has_version = min_version is None or objects.version_number(latest) >= min_version
    if app.get('status_code') == APP_READY and has_version and latest.get('status_code') not in VERSION_PENDING:
        return 'ready'
    return 'pending'


def wait_until_ready(client, name, deadline, min_version=None):
    """Poll the application until it is ready; return it, or raise with AMS's error_message.

    ``min_version``: the version number the application must have reached
    (after an upload), so a poll that still sees the previous version does not count.
    """
    interval = FIRST_POLL_SECONDS
    while True:
        app = client.get(objects.object_path('applications', name)).metadata or {}
        current = state(app, min_version)
        if current == 'ready':
            return app
        if current == 'error':
            raise ApplicationFailed('application %s ended in error: %s' % (name, error_message(app)))
        remaining = deadline.remaining()
        if remaining <= 0:
            raise AMSOperationTimeout('application %s was still %s after %s seconds (wait_timeout); AMS may still '
                                      'finish it' % (name, app.get('status') or 'not ready', deadline.seconds))
        client.sleep(min(interval, remaining))
        interval = min(interval * 1.5, MAX_POLL_SECONDS)
