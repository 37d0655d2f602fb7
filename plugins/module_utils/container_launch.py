# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The body of POST /1.0/containers, built and checked from a task's launch options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.anbox.ams.plugins.module_utils.sizes import SizeError, to_bytes

CONFIG_KEYS = ('platform', 'boot_package', 'boot_activity', 'metrics_server', 'disable_watchdog')
SERVICE_KEYS = ('name', 'port', 'port_end', 'protocols', 'expose')
PROTOCOLS = ('tcp', 'udp')


class LaunchOptionError(ValueError):
    pass


def _positive(params, key):
    value = params.get(key)
    if value is not None and value <= 0:
        raise LaunchOptionError('%s must be greater than 0, got %s' % (key, value))
    return value


def _size(params, key):
    if params.get(key) is None:
        return None
    try:
        size = to_bytes(params[key], key)
    except SizeError as exc:
        raise LaunchOptionError(str(exc))
    if size == 0:
        raise LaunchOptionError('%s must be greater than 0' % key)
    return size


def _services(services):
    checked = []
    for index, service in enumerate(services or []):
        where = 'services[%d]' % index
        port, port_end = service.get('port'), service.get('port_end')
        if port is None or not 0 < port < 65536:
            raise LaunchOptionError('%s: port must be between 1 and 65535, got %s' % (where, port))
        if port_end is not None and not port <= port_end < 65536:
            raise LaunchOptionError('%s: port_end must be between port (%d) and 65535, got %s' % (where, port, port_end))
        protocols = service.get('protocols') or ['tcp']
        wrong = [protocol for protocol in protocols if protocol not in PROTOCOLS]
        if wrong:
            raise LaunchOptionError('%s: protocols must be tcp or udp, got %s' % (where, ', '.join(wrong)))
        item = dict((key, service[key]) for key in SERVICE_KEYS if service.get(key) is not None)
        item['protocols'] = protocols
        item['expose'] = bool(service.get('expose'))
        checked.append(item)
    return checked


def launch_body(params, app_id=None, image_id=None):
    """The launch request for one container, from module params; raises LaunchOptionError on bad input."""
    if app_id:
        body = {'app_id': app_id}
        if params.get('application_version') is not None:
            body['app_version'] = params['application_version']
    else:
        if not params.get('instance_type'):
            raise LaunchOptionError('instance_type is required to launch containers from an image')
        body = {'image_id': image_id, 'instance_type': params['instance_type']}
        if params.get('image_version') is not None:
            body['image_version'] = params['image_version']
    for key in ('node', 'user_data'):
        if params.get(key) is not None:
            body[key] = params[key]
    # Option -> the key AMS reads (its Go client's ContainersPost): the API text's example
    # spells them cpu and gpu_slots, which AMS silently ignores.
    for option, key in (('cpu', 'cpus'), ('gpu_slots', 'gpu-slots')):
        if params.get(option) is not None:
            body[key] = params[option]
    _positive(params, 'cpu')
    if params.get('gpu_slots') is not None and params['gpu_slots'] < 0:
        raise LaunchOptionError('gpu_slots must not be negative, got %s' % params['gpu_slots'])
    for key in ('disk_size', 'memory'):
        size = _size(params, key)
        if size is not None:
            body[key] = size
    if params.get('services'):
        body['services'] = _services(params['services'])
    config = dict((key, value) for key, value in (params.get('config') or {}).items()
                  if key in CONFIG_KEYS and value is not None)
    if config:
        body['config'] = config
    return body
