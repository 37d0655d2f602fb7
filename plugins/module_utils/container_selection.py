# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which containers a selector matches, and which of them go first when there are too many.

Containers have no names, so a task says "N containers of this application
(or image), version and node" and this is the set it counts. Only regular
containers count: the ``base`` containers AMS makes while bootstrapping an
application are never counted or removed, nor are containers being deleted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils import container_status


class Selector(object):
    """A resolved selector: ids, not names, so it compares with what containers report."""

    def __init__(self, app_id=None, app_version=None, image_id=None, image_version=None, node=None):
        if bool(app_id) == bool(image_id):
            raise ValueError('a selector needs exactly one of app_id and image_id')
        self.app_id = app_id
        self.app_version = app_version
        self.image_id = image_id
        self.image_version = image_version
        self.node = node

    def matches(self, container):
        if (container.get('type') or 'regular') != 'regular':
            return False
        if container_status.code_of(container) == container_status.DELETED:
            return False
        if self.node is not None and container.get('node') != self.node:
            return False
        if self.app_id:
            return (container.get('app_id') == self.app_id
                    and (self.app_version is None or container.get('app_version') == self.app_version))
        # An application's containers report its image too; only image-launched ones belong here.
        return (not container.get('app_id') and container.get('image_id') == self.image_id
                and (self.image_version is None or container.get('image_version') == self.image_version))

    def select(self, containers):
        return [container for container in containers if self.matches(container)]

    def describe(self, app_name=None, image_name=None):
        if self.app_id:
            text = 'application %s' % (app_name or self.app_id)
            if self.app_version is not None:
                text += ' version %s' % self.app_version
        else:
            text = 'image %s' % (image_name or self.image_id)
            if self.image_version is not None:
                text += ' version %s' % self.image_version
        if self.node is not None:
            text += ' on node %s' % self.node
        return text


def _created_at(container):
    """Creation time in seconds since the epoch (AMS reports an integer); unreadable counts as oldest."""
    value = container.get('created_at')
    if isinstance(value, bool):
        return float('-inf')
    try:
        return float(value)
    except (TypeError, ValueError):
        return float('-inf')


def removal_order(containers):
    """Containers in the order they should go: errored first, then newest first.

    AMS stamps ``created_at`` in whole seconds, so containers launched together
    tie; their ids (xids) grow with time, so the greater id goes first.
    """
    def key(container):
        errored = container_status.code_of(container) == container_status.ERROR
        return (0 if errored else 1, -_created_at(container))
    by_id_descending = sorted(containers, key=lambda container: str(container.get('id', '')), reverse=True)
    return sorted(by_id_descending, key=key)  # stable: equal keys keep the greater id first


def surplus(containers, count):
    """The containers to remove so that ``count`` remain."""
    extra = len(containers) - count
    if extra <= 0:
        return []
    return removal_order(containers)[:extra]
