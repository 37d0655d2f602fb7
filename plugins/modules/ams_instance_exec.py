#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: ams_instance_exec
short_description: Run a command in an AMS instance
version_added: 0.3.0
description:
  - Runs one command in a running instance of the Anbox Management Service, through the AMS exec API, and returns
    its exit status, standard output and standard error, like M(community.docker.docker_container_exec) does for
    Docker containers.
  - Needs an AMS that announces the API extension C(instance_exec) (commands go to
    C(/1.0/instances/<name or id>/exec)); an older AMS with only C(container_exec) is served through
    C(/1.0/containers/<id>/exec). Without either, the task fails before it sends anything.
  - The command runs as AMS runs it, in the instance's container (not in the Android system; run Android commands
    through C(anbox-shell)). It is not run through a shell, unless O(chdir) is set.
  - The task fails when the command exits with a status other than 0; use C(failed_when) to accept other
    statuses. It always reports a change, as the module cannot know what the command did.
  - Output is streamed from AMS as it comes and at most O(max_output_bytes) of each stream is kept, so a command
    that prints gigabytes does not exhaust memory. Input from O(stdin_path) is streamed in chunks.
author:
  - anbox.ams maintainers (@anbox-ams)
extends_documentation_fragment:
  - anbox.ams.connection
  - anbox.ams.attributes.ACTIONGROUP_AMS
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: partial
    details: In check mode the task only checks that the instance exists and runs, then is skipped.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
requirements:
  - websocket-client
options:
  instance:
    description:
      - Name or id of the instance to run the command in. It must be running.
      - On an AMS with only C(container_exec), the id of the container (or the name AMS gave it, C(ams-<id>)).
    type: str
    required: true
  command:
    description:
      - The command and its arguments, one list item each. Nothing is interpreted by a shell.
      - Exactly one of O(command) and O(cmd) is required.
    type: list
    elements: str
  cmd:
    description:
      - The command as one string, split into words the way a POSIX shell splits them (quotes and backslashes
        work; variables, globs, pipes and redirections do not, as there is no shell).
      - For shell features run C(sh -c '...') explicitly.
    type: str
  stdin:
    description:
      - Text sent to the command's standard input, encoded as UTF-8. The input ends after it.
      - Without O(stdin) and O(stdin_path) the command's standard input is empty.
    type: str
  stdin_add_newline:
    description: Add a newline after O(stdin).
    type: bool
    default: true
  stdin_path:
    description:
      - A file, on the host that runs the module, sent byte for byte as the command's standard input, in chunks.
        Use it for binary or large input.
    type: path
  environment:
    description: Environment variables set for the command, in addition to those AMS sets.
    type: dict
  chdir:
    description:
      - Change into this directory in the instance before the command runs. This runs the command through
        C(sh -c 'cd "$1" && shift && exec "$@"'), so the instance needs C(sh).
    type: str
  strip_empty_ends:
    description: Remove the newlines at the end of RV(stdout) and RV(stderr), as M(ansible.builtin.command) does.
    type: bool
    default: true
  max_output_bytes:
    description:
      - Keep at most this many bytes of each of standard output and standard error; what comes after is read and
        dropped, RV(stdout_truncated) or RV(stderr_truncated) says so, and a warning tells the full size.
      - V(0) keeps everything.
    type: int
    default: 16777216
  wait_timeout:
    description:
      - Seconds the whole task may take, the command included. When they run out the command is killed
        (C(SIGKILL)) and the task fails saying so.
    type: int
    default: 600
notes:
  - Standard output and error are decoded as UTF-8; bytes that are not valid UTF-8 become U+FFFD.
  - To copy files into an instance or run other modules in it, use the connection plugin
    P(anbox.ams.ams#connection).
seealso:
  - plugin: anbox.ams.ams
    plugin_type: connection
  - module: anbox.ams.ams_instance
  - module: community.docker.docker_container_exec
'''

EXAMPLES = r'''
- name: Android version of an instance
  anbox.ams.ams_instance_exec:
    instance: game-canary-1
    command: [anbox-shell, getprop, ro.build.version.release]
  register: release

- name: A command line split like a shell does
  anbox.ams.ams_instance_exec:
    instance: game-canary-1
    cmd: "anbox-shell pm list packages -3"

- name: Feed a file to a command and accept exit status 1
  anbox.ams.ams_instance_exec:
    instance: game-canary-1
    command: [sh, -c, "cat > /var/tmp/config.bin"]
    stdin_path: files/config.bin
  register: result
  failed_when: result.rc not in [0, 1]

- name: Environment and working directory
  anbox.ams.ams_instance_exec:
    instance: "{{ item }}"
    cmd: ./collect.sh --all
    chdir: /srv/tools
    environment:
      LOG_LEVEL: debug
    wait_timeout: 120
  loop: "{{ groups['ams_tag_canary'] }}"
'''

RETURN = r'''
stdout:
  description: Standard output of the command (without its trailing newlines when O(strip_empty_ends=true)).
  returned: success, or failure after the command ran
  type: str
  sample: "13"
stderr:
  description: Standard error of the command.
  returned: success, or failure after the command ran
  type: str
  sample: ""
rc:
  description: Exit status of the command (128 + N when a signal N ended it, 127 when it does not exist).
  returned: success, or failure after the command ran
  type: int
  sample: 0
stdout_lines:
  description: RV(stdout) split into lines.
  returned: success, or failure after the command ran
  type: list
  elements: str
  sample: ["13"]
stderr_lines:
  description: RV(stderr) split into lines.
  returned: success, or failure after the command ran
  type: list
  elements: str
  sample: []
stdout_truncated:
  description: V(true) when standard output was longer than O(max_output_bytes) and only its start is in RV(stdout).
  returned: success, or failure after the command ran
  type: bool
  sample: false
stderr_truncated:
  description: V(true) when standard error was longer than O(max_output_bytes).
  returned: success, or failure after the command ran
  type: bool
  sample: false
cmd:
  description: The argument list AMS ran.
  returned: always
  type: list
  elements: str
  sample: [anbox-shell, getprop, ro.build.version.release]
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.anbox.ams.plugins.module_utils import exec_session, instances
from ansible_collections.anbox.ams.plugins.module_utils.errors import AMSBadRequest, AMSError, AMSNotFound
from ansible_collections.anbox.ams.plugins.module_utils.module_base import AMSModule, build_argument_spec, run_module

DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024


def _text(data, strip):
    text = data.decode('utf-8', 'replace')
    return text.rstrip('\r\n') if strip else text


class AMSInstanceExec(AMSModule):

    @classmethod
    def define_module(cls):
        return AnsibleModule(
            argument_spec=build_argument_spec(dict(
                instance=dict(type='str', required=True),
                command=dict(type='list', elements='str'),
                cmd=dict(type='str'),
                stdin=dict(type='str'),
                stdin_add_newline=dict(type='bool', default=True),
                stdin_path=dict(type='path'),
                environment=dict(type='dict'),
                chdir=dict(type='str'),
                strip_empty_ends=dict(type='bool', default=True),
                max_output_bytes=dict(type='int', default=DEFAULT_MAX_OUTPUT),
                wait_timeout=dict(type='int', default=600),
            )),
            required_one_of=[('command', 'cmd')],
            mutually_exclusive=[('command', 'cmd'), ('stdin', 'stdin_path')],
            supports_check_mode=True,
        )

    def _check_requirements(self):
        super()._check_requirements()
        if not exec_session.HAS_WEBSOCKET:
            self.module.fail_json(msg=missing_required_lib('websocket-client'),
                                  exception=exec_session.WEBSOCKET_IMPORT_ERROR)

    def run(self):
        params = self.module.params
        try:
            argv = instances.command_from(params['command'], params['cmd'], params['chdir'])
            environment = instances.environment_from(params['environment'])
        except instances.CommandError as exc:
            raise AMSError(str(exc))
        if params['max_output_bytes'] < 0:
            raise AMSError('max_output_bytes must be 0 (keep everything) or more, got %d' % params['max_output_bytes'])
        if params['wait_timeout'] <= 0:
            raise AMSError('wait_timeout must be a positive number of seconds, got %d' % params['wait_timeout'])
        self.result['cmd'] = argv
        target = instances.running_target(self.client, params['instance'])
        if self.check_mode:
            self.result['skipped'] = True
            self.result['msg'] = 'skipped in check mode: %s runs, the command was not run' % target.describe()
            return
        if params['stdin_path'] is not None:
            try:
                source = open(params['stdin_path'], 'rb')
            except (IOError, OSError) as exc:
                raise AMSError('stdin_path %s cannot be read: %s' % (params['stdin_path'], exc.strerror or exc))
        elif params['stdin'] is not None:
            source = (params['stdin'] + ('\n' if params['stdin_add_newline'] else '')).encode('utf-8')
        else:
            source = None
        limit = params['max_output_bytes']
        stdout, stderr = exec_session.LimitedBuffer(limit), exec_session.LimitedBuffer(limit)
        self._mark_as_changed()
        try:
            result = exec_session.run_command(self.client, target.exec_path, argv, environment=environment,
                                              stdin=source, stdout=stdout, stderr=stderr, deadline=self.deadline,
                                              describe='%r in %s' % (' '.join(argv), target.describe()))
        except (AMSBadRequest, AMSNotFound) as exc:
            raise instances.translate_refusal(exc, target)
        finally:
            if hasattr(source, 'close'):
                source.close()
        self._record(result.rc, stdout, stderr)
        if result.rc != 0:
            raise AMSError('non-zero return code %d from %s in %s' % (result.rc, argv[0], target.describe()))

    def _record(self, rc, stdout, stderr):
        strip = self.module.params['strip_empty_ends']
        for name, buffer in (('stdout', stdout), ('stderr', stderr)):
            text = _text(buffer.getvalue(), strip)
            self.result[name] = text
            self.result[name + '_lines'] = text.splitlines()
            self.result[name + '_truncated'] = buffer.truncated
            if buffer.truncated:
                self.module.warn('%s was %d bytes long; only the first %d are returned (max_output_bytes)'
                                 % (name, buffer.size, buffer.limit))
        self.result['rc'] = rc

    def exit(self):
        self.module.exit_json(**self.result)


def main():
    run_module(AMSInstanceExec)


if __name__ == '__main__':
    main()
