# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
name: ams
short_description: Run tasks inside instances of the Anbox Management Service (AMS)
version_added: 0.3.0
description:
  - Runs Ansible's commands inside an AMS instance through the AMS exec API, so hosts of the
    P(anbox.ams.ams#inventory) inventory plugin (which runs no SSH server) can be managed like any other host
    with C(ansible_connection=anbox.ams.ams).
  - The instance is the host's C(ansible_host), else its inventory name; C(ansible_ams_instance) overrides both.
    The inventory plugin sets all this with its option C(connection=exec).
  - Needs an AMS that announces the API extension C(instance_exec) (or C(container_exec) on an older AMS);
    the instance must be running.
  - Every command is one exec operation with its standard input, output and error on websockets. Files are copied
    with C(cat) in the instance, streamed in chunks both ways, so their size does not matter and their bytes are
    kept as they are. Modules written in Python need Python in the instance.
  - One connection to AMS (a client with its pool of HTTP connections, its checks done once, and its TLS session)
    is made per host and task, and reused by every command and file transfer of that task.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.connection.PLUGINS
  - anbox.ams.connection.CONNECTION_VARS
  - connection_pipelining
requirements:
  - websocket-client
options:
  remote_addr:
    description:
      - Name or id of the instance to run commands in. On an AMS with only C(container_exec), the container id
        (or the name AMS gave it, C(ams-<id>)).
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_ams_instance
notes:
  - Privilege escalation (C(become)) is not supported, and a task that asks for it fails before anything runs.
    AMS runs every command as root in the instance's container, so none is needed; to run a command as another
    user, run it through C(su) or C(runuser) in the instance.
  - Commands run in the instance's container, not in the Android system; run Android commands through
    C(anbox-shell).
  - C(ansible_user) is ignored.
seealso:
  - module: anbox.ams.ams_instance_exec
  - plugin: anbox.ams.ams
    plugin_type: inventory
'''

EXAMPLES = r'''
# inventory/instances.ams.yml: every instance, reached through AMS
plugin: anbox.ams.ams
include: [instances]
connection: exec

# then: ansible -i inventory/instances.ams.yml ams_tag_canary -m raw -a 'anbox-shell getprop ro.build.version.release'

---
# A static inventory works too: the host name is the instance name.
# [canaries]
# game-canary-1
# [canaries:vars]
# ansible_connection=anbox.ams.ams
# ansible_ams_url=https://ams.example.com:8444
# ansible_ams_client_cert=~/.config/ams/client.crt
# ansible_ams_client_key=~/.config/ams/client.key
# ansible_ams_ca_cert=~/.config/ams/server.crt
'''

import os

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_collections.anbox.ams.plugins.module_utils import exec_session, instances
from ansible_collections.anbox.ams.plugins.module_utils.connection import client_from_options
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSBadRequest, AMSError, AMSNotFound

display = Display()

DEFAULT_SHELL = '/bin/sh'
# Arguments after the script of `sh -c` are $0, $1, ...: paths travel as arguments, never inside the script.
PUT_SCRIPT = 'cat > "$1"'
FETCH_SCRIPT = 'exec cat < "$1"'


class Connection(ConnectionBase):
    """Commands and file transfers over the AMS exec API."""

    transport = 'anbox.ams.ams'
    has_pipelining = True

    def __init__(self, play_context, new_stdin, *args, **kwargs):
        super().__init__(play_context, new_stdin, *args, **kwargs)
        self._client = None
        self._target = None
        self._dialer = None

    # -- connecting ---------------------------------------------------------------------------

    def _connect(self):
        if self._connected:
            return self
        if self.become is not None:
            raise AnsibleError('anbox.ams.ams does not support privilege escalation (become): AMS runs every command '
                               'as root in the instance already. Remove become from this task or play (for these '
                               'hosts), or run the command through su/runuser in the instance')
        if not exec_session.HAS_WEBSOCKET:
            raise AnsibleError('anbox.ams.ams: ' + missing_required_lib('websocket-client'),
                               orig_exc=ImportError(exec_session.WEBSOCKET_IMPORT_ERROR))
        reference = self.get_option('remote_addr')
        if not reference:
            raise AnsibleConnectionFailure('anbox.ams.ams: no instance to connect to: set ansible_host or '
                                           'ansible_ams_instance to its name or id')
        client = None
        try:
            client = client_from_options(self.get_option, warn=display.warning)
            target = instances.running_target(client, reference)
            dialer = exec_session.WebsocketDialer(client)
        except AMSError as exc:
            if client is not None:
                client.close()
            raise AnsibleConnectionFailure('anbox.ams.ams: %s' % exc.message)
        display.vvv('ESTABLISH AMS EXEC CONNECTION TO %s AT %s' % (target.describe(), client.url), host=reference)
        self._client, self._target, self._dialer = client, target, dialer
        self._connected = True
        return self

    def close(self):
        if self._client is not None:
            self._client.close()
        self._client = self._target = self._dialer = None
        self._connected = False

    def reset(self):
        self.close()

    # -- running ------------------------------------------------------------------------------

    def _shell_executable(self):
        return getattr(self._play_context, 'executable', None) or DEFAULT_SHELL

    def _run(self, argv, stdin=None, stdout=None, stderr=None, what=None):
        """Run ``argv`` in the instance with the given streams; return the exit status."""
        describe = what or '%s in %s' % (argv[-1] if len(argv) == 3 else ' '.join(argv), self._target.describe())
        try:
            result = exec_session.run_command(self._client, self._target.exec_path, argv, stdin=stdin, stdout=stdout,
                                              stderr=stderr, dialer=self._dialer, describe=describe)
        except (AMSBadRequest, AMSNotFound) as exc:
            raise AnsibleConnectionFailure('anbox.ams.ams: %s' % instances.translate_refusal(exc, self._target).message)
        except exec_session.SourceError as exc:
            raise AnsibleError('anbox.ams.ams: %s' % exc.message)
        except exec_session.SinkError as exc:
            raise AnsibleError('anbox.ams.ams: %s' % exc.message)
        except AMSError as exc:
            raise AnsibleConnectionFailure('anbox.ams.ams: %s' % exc.message)
        return result.rc

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        argv = [self._shell_executable(), '-c', cmd]
        display.vvv('EXEC %s' % (argv,), host=self._target.name)
        stdout, stderr = exec_session.LimitedBuffer(), exec_session.LimitedBuffer()
        rc = self._run(argv, stdin=to_bytes(in_data) if in_data is not None else None, stdout=stdout, stderr=stderr)
        return rc, stdout.getvalue(), stderr.getvalue()

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        display.vvv('PUT %s TO %s' % (in_path, out_path), host=self._target.name)
        if not os.path.isfile(to_bytes(in_path, errors='surrogate_or_strict')):
            raise AnsibleFileNotFound('file or module does not exist: %s' % to_native(in_path))
        argv = [self._shell_executable(), '-c', PUT_SCRIPT, 'sh', out_path]
        stderr = exec_session.LimitedBuffer(64 * 1024)
        try:
            with open(to_bytes(in_path, errors='surrogate_or_strict'), 'rb') as source:
                rc = self._run(argv, stdin=source, stderr=stderr,
                               what='copying %s to %s in %s' % (in_path, out_path, self._target.describe()))
        except (IOError, OSError) as exc:
            raise AnsibleError('anbox.ams.ams: cannot read %s: %s' % (in_path, exc.strerror or exc))
        if rc != 0:
            raise AnsibleError('anbox.ams.ams: failed to write %s in %s (exit status %d): %s'
                               % (out_path, self._target.describe(), rc, _text(stderr)))

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        display.vvv('FETCH %s TO %s' % (in_path, out_path), host=self._target.name)
        argv = [self._shell_executable(), '-c', FETCH_SCRIPT, 'sh', in_path]
        stderr = exec_session.LimitedBuffer(64 * 1024)
        local = to_bytes(out_path, errors='surrogate_or_strict')
        try:
            with open(local, 'wb') as sink:
                rc = self._run(argv, stdout=sink, stderr=stderr,
                               what='copying %s from %s to %s' % (in_path, self._target.describe(), out_path))
        except (IOError, OSError) as exc:
            _remove(local)
            raise AnsibleError('anbox.ams.ams: cannot write %s: %s' % (out_path, exc.strerror or exc))
        except AnsibleError:
            _remove(local)
            raise
        if rc != 0:
            _remove(local)
            raise AnsibleError('anbox.ams.ams: failed to read %s in %s (exit status %d): %s'
                               % (in_path, self._target.describe(), rc, _text(stderr)))


def _text(buffer):
    return buffer.getvalue().decode('utf-8', 'replace').strip() or 'no error output'


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass
