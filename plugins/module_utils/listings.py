# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whole collections of AMS objects in one request, and finding one object in them by name or id."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import quote

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSConfigurationError


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


def object_path(collection, key):
    return '/1.0/%s/%s' % (collection, quote(str(key), safe=''))


def find_by_name_or_id(objects, reference, kind):
    """The one object whose id or name is ``reference``; None when there is none.

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
