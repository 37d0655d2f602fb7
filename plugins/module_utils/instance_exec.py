# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Exec into instances: which endpoint serves it, whether the instance can run a command, and the command.

An AMS with the API extension ``instance_exec`` runs commands through
``POST /1.0/instances/<name or id>/exec``; one with only ``container_exec``
through ``POST /1.0/containers/<id>/exec``. The instance must be running.
"""

import shlex

from ansible_collections.anbox.ams.plugins.module_utils import containers, instances
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSError, AMSNotFound, AMSUnsupportedError
from ansible_collections.anbox.ams.plugins.module_utils.objects import list_objects, object_path

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
        obj, _etag = instances.find(client, reference)
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
