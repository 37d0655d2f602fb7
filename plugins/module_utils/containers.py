# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain: containers. Their status codes, the launch request, which containers a selector counts,
which go first when there are too many, and waiting until launched ones run.

Containers have no names, so a task says "N containers of this application
(or image), version and node" and the Selector is the set it counts. Only
regular containers count: the ``base`` containers AMS makes while
bootstrapping an application are never counted or removed, nor are
containers being deleted.
"""

from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError, AMSOperationTimeout
from ansible_collections.anbox.ams.plugins.module_utils.objects import list_objects
from ansible_collections.anbox.ams.plugins.module_utils.sizes import SizeError, to_bytes

# -- status codes (AMS guarantees the numbers; the words are for people) -------------------------

ERROR = -1
RUNNING = 4
DELETED = 6

CODES = {
    'error': -1,
    'unknown': 0,
    'created': 1,
    'prepared': 2,
    'started': 3,
    'running': 4,
    'stopped': 5,
    'deleted': 6,
}


class StatusError(ValueError):
    pass


def to_code(value):
    """The numeric status of a word (``running``) or a number (``4``, ``"4"``)."""
    if isinstance(value, bool):
        raise StatusError('container status %r is neither a status name nor a status code' % (value,))
    if isinstance(value, int):
        code = value
    else:
        text = str(value).strip().lower()
        if text in CODES:
            return CODES[text]
        try:
            code = int(text)
        except ValueError:
            raise StatusError('unknown container status %r: use one of %s or their codes -1 to 6'
                              % (value, ', '.join(sorted(CODES, key=CODES.get))))
    if code not in CODES.values():
        raise StatusError('unknown container status code %r: codes go from -1 (error) to 6 (deleted)' % (value,))
    return code


def code_of(container):
    """A container's numeric status, read from status_code, or from status when the code is missing."""
    code = container.get('status_code')
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    return CODES.get(str(container.get('status') or '').lower(), 0)


# -- launching ---------------------------------------------------------------------------

CONFIG_KEYS = ('platform', 'boot_package', 'boot_activity', 'metrics_server', 'disable_watchdog')

# The launch options' argument specs, shared by ams_container and ams_instance.
SERVICE_SPEC = dict(
    name=dict(type='str'),
    port=dict(type='int', required=True),
    port_end=dict(type='int'),
    protocols=dict(type='list', elements='str', default=['tcp']),
    expose=dict(type='bool', default=False),
)
CONFIG_SPEC = dict((key, dict(type='bool' if key == 'disable_watchdog' else 'str')) for key in CONFIG_KEYS)
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


def checked_services(services):
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
        body['services'] = checked_services(params['services'])
    config = dict((key, value) for key, value in (params.get('config') or {}).items()
                  if key in CONFIG_KEYS and value is not None)
    if config:
        body['config'] = config
    return body


def operation_container_ids(operation):
    """Ids of the containers an operation launched or removed."""
    return operation.resource_ids('containers') or operation.resource_ids('instances')


def describe_failed_operations(operations):
    return '; '.join('%s: %s' % (', '.join(operation_container_ids(operation)) or operation.id,
                                 operation.err or 'no reason given') for operation in operations)


# -- selection ---------------------------------------------------------------------------

class Selector:
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
        if code_of(container) == DELETED:
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
        errored = code_of(container) == ERROR
        return (0 if errored else 1, -_created_at(container))
    by_id_descending = sorted(containers, key=lambda container: str(container.get('id', '')), reverse=True)
    return sorted(by_id_descending, key=key)  # stable: equal keys keep the greater id first


def surplus(containers, count):
    """The containers to remove so that ``count`` remain."""
    extra = len(containers) - count
    if extra <= 0:
        return []
    return removal_order(containers)[:extra]


# -- waiting -----------------------------------------------------------------------------

# Poll often while containers usually finish booting (a few seconds), then back off.
FAST_POLL_SECONDS = 0.2
FAST_POLL_PERIOD = 5.0
MAX_POLL_SECONDS = 2.0


class ContainerFailures(AMSError):
    """Some launched containers ended in error; ``failed`` holds (id, error_message) pairs."""

    def __init__(self, message, failed):
        super().__init__(message)
        self.failed = failed


def describe_failures(failed):
    return '; '.join('%s: %s' % (container_id, message or 'AMS gave no error_message')
                     for container_id, message in failed)


def wait_until_running(client, ids, deadline):
    """Poll the container listing until every id runs; return that listing.

    Once none is still starting, fails listing each container that ended in
    error (or vanished) with its ``error_message``; past ``deadline`` (the
    task's Deadline) fails listing each container not running yet.
    """
    pending = set(ids)
    failed = []
    started = client.clock()
    interval = FAST_POLL_SECONDS
    while True:
        containers = list_objects(client, 'containers')
        by_id = dict((container.get('id'), container) for container in containers)
        waiting = []
        for container_id in sorted(pending):
            container = by_id.get(container_id)
            if container is None:
                failed.append((container_id, 'the container disappeared from AMS while it was starting'))
                continue
            code = code_of(container)
            if code == ERROR:
                failed.append((container_id, container.get('error_message')))
            elif code != RUNNING:
                waiting.append(container)
        if not waiting:
            if failed:
                raise ContainerFailures('%d of %d launched container(s) failed: %s'
                                        % (len(failed), len(ids), describe_failures(failed)), failed)
            return containers
        remaining = deadline.remaining()
        if remaining <= 0:
            starting = ', '.join('%s (%s)' % (container.get('id'), container.get('status')) for container in waiting)
            message = ('%d of %d launched container(s) were not running when wait_timeout ran out: %s'
                       % (len(waiting), len(ids), starting))
            if failed:
                message += '; and %d failed: %s' % (len(failed), describe_failures(failed))
            raise AMSOperationTimeout(message)
        pending = set(container.get('id') for container in waiting)
        client.sleep(min(interval, remaining))
        if client.clock() - started >= FAST_POLL_PERIOD:
            interval = min(interval * 1.5, MAX_POLL_SECONDS)
