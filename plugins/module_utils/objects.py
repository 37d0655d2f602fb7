# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Objects: the paths of AMS objects, whole listings in one request, finding one object and its versions,
merging the tags of nodes and applications."""

from urllib.parse import quote

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError, AMSNotFound


def object_path(collection, name_or_id, *rest):
    """``/1.0/<collection>/<name or id>[/<rest>...]`` with every segment quoted."""
    segments = [collection, name_or_id] + list(rest)
    return '/1.0/' + '/'.join(quote(str(segment), safe='') for segment in segments)


def list_objects(client, collection):
    """Every object of ``/1.0/<collection>`` with ``recursion=1``: one request for the whole listing.

    A server that ignores ``recursion`` answers with object URLs; only then is
    each object read on its own.
    """
    items = client.get('/1.0/' + collection, query={'recursion': '1'}).metadata or []
    objects = []
    for item in items:
        if isinstance(item, dict):
            objects.append(item)
        else:
            objects.append(client.get(str(item)).metadata or {})
    return objects


def find(client, collection, name_or_id, *rest):
    """The client Response (metadata + ETag) of one object, or None when AMS has no such object."""
    try:
        return client.get(object_path(collection, name_or_id, *rest))
    except AMSNotFound:
        return None


def missing(client, collection, names):
    """The names among ``names`` that AMS does not know, in the order given."""
    return [name for name in names if find(client, collection, name) is None]


def find_by_name_or_id(objects, reference, kind):
    """The one object of a listing whose id or name is ``reference``; None when there is none.

    An id wins over a name; two objects of the same name (AMS allows that only
    across kinds, but a listing may be stale) fail clearly.
    """
    reference = str(reference)
    for item in objects:
        if str(item.get('id', '')) == reference:
            return item
    named = [item for item in objects if item.get('name') == reference]
    if len(named) > 1:
        raise AMSConfigurationError('%d %ss are named %s: give the id instead (%s)'
                                    % (len(named), kind, reference, ', '.join(str(item.get('id')) for item in named)))
    return named[0] if named else None


def require_by_name_or_id(objects, reference, kind):
    """Like find_by_name_or_id, but an unknown reference is a clear error."""
    found = find_by_name_or_id(objects, reference, kind)
    if found is None:
        known = sorted(str(item.get('name') or item.get('id')) for item in objects)
        raise AMSConfigurationError('AMS has no %s with the name or id %s (it has: %s)'
                                    % (kind, reference, ', '.join(known) or 'none'))
    return found


# -- versions of images, addons and applications ------------------------------------------


def version_number(version):
    """Images and addons number versions in ``version``, applications in ``number``."""
    number = version.get('version', version.get('number'))
    return number if isinstance(number, int) else -1


def _versions(obj):
    return [entry for entry in (obj or {}).get('versions') or [] if isinstance(entry, dict)]


def latest_version(obj):
    """The version entry with the highest number, or None when there are none."""
    versions = _versions(obj)
    return max(versions, key=version_number) if versions else None


def find_version(obj, number):
    for entry in _versions(obj):
        if version_number(entry) == number:
            return entry
    return None


def version_numbers(obj):
    return sorted(version_number(entry) for entry in _versions(obj))


def merged_tags(current, given, purge):
    """The tags a node or application should have: ``given`` when ``purge``, else ``current`` plus ``given``.

    Merging keeps the order AMS reports and appends the new tags in the order given, so a PATCH of
    the result removes nothing another writer added before the read it was computed from.
    """
    if purge:
        return list(given)
    merged = list(current or [])
    for tag in given:
        if tag not in merged:
            merged.append(tag)
    return merged
