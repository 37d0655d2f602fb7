# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Finding images, addons and applications by name or id, and their latest versions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSNotFound


def object_path(collection, name_or_id, *rest):
    """``/1.0/<collection>/<name or id>[/<rest>...]`` with every segment quoted."""
    segments = [collection, name_or_id] + [str(part) for part in rest]
    return '/1.0/' + '/'.join(quote(str(segment), safe='') for segment in segments)


def find(client, collection, name_or_id):
    """The client Response (metadata + ETag) of one object, or None when AMS has no such object."""
    try:
        return client.get(object_path(collection, name_or_id))
    except AMSNotFound:
        return None


def missing(client, collection, names):
    """The names among ``names`` that AMS does not know, in the order given."""
    return [name for name in names if find(client, collection, name) is None]


def version_number(version):
    """Images and addons number versions in ``version``, applications in ``number``."""
    number = version.get('version', version.get('number'))
    return number if isinstance(number, int) else -1


def latest_version(obj):
    """The version entry with the highest number, or None when there are none."""
    versions = [entry for entry in (obj or {}).get('versions') or [] if isinstance(entry, dict)]
    return max(versions, key=version_number) if versions else None


def find_version(obj, number):
    for entry in (obj or {}).get('versions') or []:
        if isinstance(entry, dict) and version_number(entry) == number:
            return entry
    return None


def version_numbers(obj):
    return sorted(version_number(entry) for entry in (obj or {}).get('versions') or [] if isinstance(entry, dict))
