# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Named instances (``/1.0/instances``): the launch request, what can be compared, and waiting.

The launch request carries the names AMS's Go client sends (``InstancesPost``):
resources ``cpus``, ``memory`` and ``disk_size`` in bytes, ``gpu-slots``,
``gpu-type``, ``vpu-slots``. The instance object reports its resources as
``cpus``, ``memory``, ``disk-size``, ``gpu-slots``, ``gpu-type``, ``vpu-slots``.

Exec into instances: an AMS with the API extension ``instance_exec`` runs commands through
``POST /1.0/instances/<name or id>/exec``; one with only ``container_exec`` through
``POST /1.0/containers/<id>/exec``. The instance must be running.
"""

import re
import shlex

from ansible_collections.anbox.ams.plugins.module_utils import containers
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError, AMSNotFound, AMSOperationTimeout, AMSUnsupportedError
from ansible_collections.anbox.ams.plugins.module_utils.objects import list_objects, object_path
from ansible_collections.anbox.ams.plugins.module_utils.sizes import SizeError, same_size, to_bytes

# Instance names become LXD instance names and host names: letters, digits and hyphens,
# starting with a letter, not ending with a hyphen, at most 63 characters.
NAME = re.compile(r'^[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')
TYPES = ('container', 'vm')
GPU_TYPES = ('amd', 'intel', 'nvidia')

# option -> (key in the launch request, key in the instance object)
RESOURCES = {
    'cpus': ('cpus', 'cpus'),
    'memory': ('memory', 'memory'),
    'disk_size': ('disk_size', 'disk-size'),
    'gpu_slots': ('gpu-slots', 'gpu-slots'),
    'gpu_type': ('gpu-type', 'gpu-type'),
    'vpu_slots': ('vpu-slots', 'vpu-slots'),
}
SIZE_RESOURCES = ('memory', 'disk_size')
CONFIG_KEYS = ('platform', 'boot_package', 'boot_activity', 'metrics_server', 'disable_watchdog', 'devmode',
               'enable_streaming', 'features')
DISPLAY_KEYS = ('width', 'height', 'fps', 'density')

POLL_SECONDS = 0.25
MAX_POLL_SECONDS = 2.0


class InstanceOptionError(ValueError):
    pass


class InstanceFailed(AMSError):
    """The instance ended in error."""


def name_problem(name):
    if name is None:
        return None
    if len(name) > 63:
        return 'name %s is %d characters long; an instance name has at most 63' % (name, len(name))
    if not NAME.match(name):
        return ('name %r is not a valid instance name: use letters, digits and hyphens, start with a letter '
                'and do not end with a hyphen' % name)
    return None


def _resources(params):
    wanted = {}
    for option, value in (params.get('resources') or {}).items():
        if value is None:
            continue
        if option not in RESOURCES:
            raise InstanceOptionError('resources: %s is not an instance resource; use %s'
                                      % (option, ', '.join(sorted(RESOURCES))))
        if option in SIZE_RESOURCES:
            try:
                value = to_bytes(value, 'resources.%s' % option)
            except SizeError as exc:
                raise InstanceOptionError(str(exc))
            if value == 0:
                raise InstanceOptionError('resources.%s must be greater than 0' % option)
        elif option == 'gpu_type':
            if value not in GPU_TYPES:
                raise InstanceOptionError('resources.gpu_type must be one of %s, got %s' % (', '.join(GPU_TYPES), value))
        else:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InstanceOptionError('resources.%s must be a whole number, got %r' % (option, value))
            if value < 0 or (option == 'cpus' and value == 0):
                raise InstanceOptionError('resources.%s must be %s, got %d'
                                          % (option, 'greater than 0' if option == 'cpus' else '0 or more', value))
        wanted[option] = value
    return wanted


def _config(params):
    config = dict((key, value) for key, value in (params.get('config') or {}).items()
                  if key in CONFIG_KEYS and value is not None)
    display = dict((key, value) for key, value in ((params.get('config') or {}).get('display') or {}).items()
                   if key in DISPLAY_KEYS and value is not None)
    for key, value in display.items():
        if value <= 0:
            raise InstanceOptionError('config.display.%s must be greater than 0, got %s' % (key, value))
    if display:
        config['display'] = display
    return config


def check_options(params):
    """Every launch option checked and normalised; raises InstanceOptionError naming the problem."""
    problem = name_problem(params.get('name'))
    if problem:
        raise InstanceOptionError(problem)
    wanted = {
        'resources': _resources(params),
        'config': _config(params),
    }
    try:
        wanted['services'] = containers.checked_services(params.get('services'))
    except containers.LaunchOptionError as exc:
        raise InstanceOptionError(str(exc))
    for key in ('application_version', 'image_version'):
        if params.get(key) is not None and params[key] < 0:
            raise InstanceOptionError('%s must be 0 or more, got %d' % (key, params[key]))
    return wanted


def launch_body(params, wanted, app_id=None, image_id=None, start=True):
    """The InstancesPost request for a task; ``wanted`` is what check_options() returned."""
    body = {'name': params['name'], 'type': params.get('type') or 'container'}
    if app_id:
        body['app_id'] = app_id
        if params.get('application_version') is not None:
            body['app_version'] = params['application_version']
    else:
        body['image_id'] = image_id
        if params.get('image_version') is not None:
            body['image_version'] = params['image_version']
    for key in ('node', 'user_data'):
        if params.get(key) is not None:
            body[key] = params[key]
    for key in ('tags', 'addons'):
        if params.get(key):
            body[key] = list(params[key])
    if params.get('services'):
        body['services'] = wanted['services']
    if wanted['resources']:
        body['resources'] = dict((RESOURCES[option][0], value) for option, value in wanted['resources'].items())
    config = dict(wanted['config'])
    if params.get('delete_protected'):
        config['security'] = {'delete_protected': True}
    if config:
        body['config'] = config
    if not start:
        body['no_start'] = True
    return body


def delete_protected(instance):
    return bool(((instance.get('config') or {}).get('security') or {}).get('delete_protected'))


def _same_services(wanted, actual):
    def shape(service):
        return (service.get('port'), service.get('port_end') or None, sorted(service.get('protocols') or ['tcp']),
                bool(service.get('expose')), service.get('name') or None)
    return sorted(shape(item) for item in wanted) == sorted(shape(item) for item in actual or [])


def launch_differences(instance, params, wanted, app=None, image=None):
    """[(field, the task's value, the instance's value)] for launch fields the task sets that differ."""
    differences = []

    def differ(field, mine, theirs):
        differences.append((field, mine, theirs))

    if app is not None and instance.get('app_id') != app.get('id'):
        differ('application', params['application'], instance.get('app_name') or instance.get('app_id') or None)
    if params.get('application_version') is not None and instance.get('app_version') != params['application_version']:
        differ('application_version', params['application_version'], instance.get('app_version'))
    if image is not None and instance.get('image_id') != image.get('id'):
        differ('image', params['image'], instance.get('image_name') or instance.get('image_id') or None)
    if params.get('image_version') is not None and instance.get('image_version') != params['image_version']:
        differ('image_version', params['image_version'], instance.get('image_version'))
    if params.get('type') is not None and (instance.get('type') or 'container') != params['type']:
        differ('type', params['type'], instance.get('type'))
    if params.get('node') is not None and instance.get('node') != params['node']:
        differ('node', params['node'], instance.get('node'))
    if params.get('tags') is not None and sorted(params['tags']) != sorted(instance.get('tags') or []):
        differ('tags', params['tags'], instance.get('tags') or [])
    if params.get('services') is not None and not _same_services(wanted['services'], instance.get('services')):
        differ('services', wanted['services'], instance.get('services') or [])
    reported = instance.get('resources') or {}
    for option, value in sorted(wanted['resources'].items()):
        actual = reported.get(RESOURCES[option][1])
        if actual is None and value == 0:
            # AMS leaves a resource out of the instance when it is 0.
            continue
        same = same_size(actual, value) if option in SIZE_RESOURCES else str(actual) == str(value)
        if not same:
            differ('resources.%s' % option, value, actual)
    config = instance.get('config') or {}
    for key, value in sorted(wanted['config'].items()):
        if key == 'display':
            actual_display = config.get('display') or {}
            for display_key, display_value in sorted(value.items()):
                if actual_display.get(display_key) != display_value:
                    differ('config.display.%s' % display_key, display_value, actual_display.get(display_key))
        elif isinstance(value, bool):
            if bool(config.get(key)) != value:
                differ('config.%s' % key, value, config.get(key, False))
        elif (config.get(key) or '') != value:
            differ('config.%s' % key, value, config.get(key))
    return differences


def describe_differences(differences):
    return '; '.join('%s: the task has %r, the instance has %r' % item for item in differences)


def view(instance):
    """What diff mode shows of an instance: its name, status, protection and launch fields."""
    if not instance:
        return {}
    shown = dict((key, instance.get(key)) for key in ('name', 'id', 'status', 'type', 'node', 'app_name',
                                                      'app_version', 'image_name', 'image_version', 'tags')
                 if instance.get(key) not in (None, ''))
    shown['delete_protected'] = delete_protected(instance)
    return shown


def find(client, reference):
    """The instance named ``reference`` (or with that id) and its ETag, or (None, None)."""
    try:
        answer = client.get(instance_path(reference))
    except AMSNotFound:
        return None, None
    return answer.metadata or {}, answer.etag


def instance_path(reference, *rest):
    return object_path('instances', reference, *rest)


def failure(instance, reference):
    """The error for an instance in error: AMS's error_message and the names of its stored logs."""
    logs = ', '.join(instance.get('stored_logs') or []) or 'none'
    return InstanceFailed('instance %s ended in error: %s (stored logs: %s; read them with '
                          'anbox.ams.ams_instance_info and logs)'
                          % (reference, instance.get('error_message') or 'AMS gave no error_message', logs))


def wait_for_status(client, reference, wanted_codes, deadline):
    """Poll the instance until its status is one of ``wanted_codes``; return it.

    Ends early with InstanceFailed when it goes into error (with AMS's
    error_message and the names of its stored logs), and with
    AMSOperationTimeout when the task's ``deadline`` (a client Deadline) runs out.
    """
    interval = POLL_SECONDS
    while True:
        instance, _etag = find(client, reference)
        if instance is None:
            raise InstanceFailed('instance %s disappeared from AMS while the task waited for it' % reference)
        code = containers.code_of(instance)
        if code in wanted_codes:
            return instance
        if code == containers.ERROR:
            raise failure(instance, reference)
        remaining = deadline.remaining()
        if remaining <= 0:
            raise AMSOperationTimeout('instance %s was still %s when wait_timeout ran out'
                                      % (reference, instance.get('status') or 'starting'))
        client.sleep(min(interval, remaining))
        interval = min(interval * 1.5, MAX_POLL_SECONDS)


# -- exec -------------------------------------------------------------------------------

INSTANCE_EXEC = 'instance_exec'
CONTAINER_EXEC = 'container_exec'


class ExecTargetError(AMSError):
    """The instance cannot run a command: AMS does not know it, or it is not running."""


class CommandError(ValueError):
    """The command the task gives cannot be run."""


class Target:
    """An instance (or, on an older AMS, a container) that exec reaches, as AMS reported it."""

    def __init__(self, obj, collection):
        self.object = obj
        self.collection = collection
        self.id = str(obj.get('id') or '')
        self.name = obj.get('name') or self.id
        self.status = obj.get('status') or 'unknown'

    @property
    def kind(self):
        return 'instance' if self.collection == 'instances' else 'container'

    @property
    def exec_path(self):
        return object_path(self.collection, self.id or self.name, 'exec')

    @property
    def running(self):
        return containers.code_of(self.object) == containers.RUNNING

    def describe(self):
        if self.name != self.id and self.id:
            return '%s %s (%s)' % (self.kind, self.name, self.id)
        return '%s %s' % (self.kind, self.name)


def exec_collection(client):
    """``instances`` or ``containers``: the endpoint this AMS runs commands through; refuses before sending."""
    if client.has_extension(INSTANCE_EXEC):
        return 'instances'
    if client.has_extension(CONTAINER_EXEC):
        return 'containers'
    raise AMSUnsupportedError('AMS at %s does not support running commands in instances: it lacks the API '
                              'extension %s (and %s)' % (client.url, INSTANCE_EXEC, CONTAINER_EXEC))


def find_target(client, reference):
    """The Target named ``reference`` (or with that id); ExecTargetError when AMS has none."""
    collection = exec_collection(client)
    if collection == 'instances':
        obj, _etag = find(client, reference)
    else:
        obj = _find_container(client, reference)
    if obj is None:
        raise ExecTargetError('AMS at %s has no %s named or with the id %s'
                              % (client.url, 'instance' if collection == 'instances' else 'container', reference),
                              status_code=404)
    return Target(obj, collection)


def _find_container(client, reference):
    """A container by id, else by the name AMS gives it (``ams-<id>``); one listing only when the id is unknown."""
    try:
        return client.get(object_path('containers', reference)).metadata or {}
    except AMSNotFound:
        pass
    named = [item for item in list_objects(client, 'containers') if item.get('name') == reference]
    return named[0] if named else None


def running_target(client, reference):
    """The Target named ``reference``, which must be running; ExecTargetError saying why not otherwise."""
    target = find_target(client, reference)
    if not target.running:
        raise ExecTargetError(not_running_message(target))
    return target


def not_running_message(target):
    return ('%s is not running (status %s), so it cannot run commands: start it first, for example with '
            'anbox.ams.ams_instance and state: started' % (target.describe(), target.status))


def command_from(command=None, cmd=None, chdir=None):
    """The argument list to run: ``command`` as given, or ``cmd`` split as a POSIX shell splits words.

    With ``chdir`` the command runs through ``sh -c`` after changing to that directory.
    """
    if command is not None and cmd is not None:
        raise CommandError('give either command (a list) or cmd (a string), not both')
    if command is not None:
        argv = [str(item) for item in command]
    elif cmd is not None:
        try:
            argv = shlex.split(cmd)
        except ValueError as exc:
            raise CommandError('cmd cannot be split into words like a shell would: %s' % exc)
    else:
        raise CommandError('give the command to run in command (a list) or cmd (a string)')
    if not argv or not argv[0]:
        raise CommandError('the command to run is empty')
    if chdir:
        argv = ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', chdir] + argv
    return argv


def environment_from(environment):
    """The environment as AMS takes it (names and values are strings); CommandError naming a bad entry."""
    result = {}
    for name, value in (environment or {}).items():
        name = str(name)
        if not name or '=' in name:
            raise CommandError('environment: %r is not a valid variable name' % name)
        if value is None:
            raise CommandError('environment: %s has no value; give a string' % name)
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        result[name] = str(value)
    return result


def translate_refusal(exc, target):
    """AMS refused POST exec: a message that says why in the task's terms (a stopped instance above all)."""
    text = exc.ams_error or exc.message
    if exc.status_code == 400 and 'not running' in text:
        return ExecTargetError('%s is not running, so it cannot run commands (AMS: %s): start it first, for example '
                               'with anbox.ams.ams_instance and state: started' % (target.describe(), text),
                               status_code=exc.status_code, error_code=exc.error_code)
    if exc.status_code == 404:
        return ExecTargetError('AMS has no %s any more (AMS: %s)' % (target.describe(), text),
                               status_code=exc.status_code, error_code=exc.error_code)
    return exc
