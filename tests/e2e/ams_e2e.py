# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run anbox.ams modules through ansible-playbook, as users do, and read their results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_tree(directory):
    """Make DIRECTORY/ansible_collections/anbox/ams a link to this checkout; return DIRECTORY."""
    namespace = os.path.join(str(directory), 'ansible_collections', 'anbox')
    os.makedirs(namespace, exist_ok=True)
    link = os.path.join(namespace, 'ams')
    if not os.path.lexists(link):
        os.symlink(REPO_ROOT, link)
    return str(directory)


def simulator_dump(simulator):
    """The simulator's state as canonical JSON (python -m ams_simulator.dump), for before/after comparisons."""
    return subprocess.run([sys.executable, '-m', 'ams_simulator.dump', '--state-dir', simulator.state_dir],
                          capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout


class TaskRun:
    """What one task returned, and everything ansible-playbook printed."""

    def __init__(self, result, output, returncode):
        self.result = result
        self.output = output
        self.returncode = returncode

    @property
    def failed(self):
        return bool(self.result.get('failed'))

    @property
    def changed(self):
        return bool(self.result.get('changed'))

    @property
    def msg(self):
        return self.result.get('msg', '')


class AnsibleRunner:
    """Runs one module as a task of a throw-away playbook on localhost."""

    def __init__(self, collections_root, work_dir):
        self.collections_root = collections_root
        self.work_dir = str(work_dir)
        self.bin_dir = os.path.dirname(sys.executable)

    def environment(self, extra=None):
        env = dict(os.environ)
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': self.collections_root,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_HOST_KEY_CHECKING': 'False',
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'ANSIBLE_LOCALHOST_WARNING': 'False',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        })
        for name in ('AMS_URL', 'AMS_CLIENT_CERT', 'AMS_CLIENT_KEY', 'AMS_CA_CERT', 'AMS_VALIDATE_CERTS'):
            env.pop(name, None)
        env.update(extra or {})
        return env

    def run(self, module, args, check=False, diff=False, verbosity=0, env=None, timeout=300):
        """Run anbox.ams.MODULE with ARGS; returns a TaskRun (a failed task does not raise)."""
        return self.run_tasks([(module, args)], check=check, diff=diff, verbosity=verbosity, env=env,
                              timeout=timeout)[0]

    def run_tasks(self, tasks, check=False, diff=False, verbosity=0, env=None, timeout=600):
        """Run (module, args) pairs as the tasks of one playbook; a TaskRun for each, in order."""
        run_id = uuid.uuid4().hex
        result_file = os.path.join(self.work_dir, run_id + '.json')
        play_tasks = []
        for index, (module, args) in enumerate(tasks):
            play_tasks.append({'name': 'task %d: %s' % (index, module),
                               module if '.' in module else 'anbox.ams.' + module: args,
                               'register': 'result_%d' % index, 'ignore_errors': True,
                               'check_mode': check, 'diff': diff})
        results = '[%s]' % ', '.join('result_%d' % index for index in range(len(tasks)))
        play_tasks.append({'name': 'save the results', 'ansible.builtin.copy': {
            'content': '{{ %s | to_json }}' % results, 'dest': result_file, 'mode': '0600'}})
        playbook = os.path.join(self.work_dir, run_id + '.yml')
        with open(playbook, 'w', encoding='utf-8') as handle:
            yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': play_tasks}], handle)
        completed = self.playbook(playbook, verbosity=verbosity, env=env, timeout=timeout)
        output = completed.stdout + completed.stderr
        if not os.path.exists(result_file):
            raise AssertionError('ansible-playbook did not run the tasks:\n' + output)
        with open(result_file, encoding='utf-8') as handle:
            results = json.load(handle)
        return [TaskRun(result, output, completed.returncode) for result in results]

    def playbook(self, playbook, verbosity=0, env=None, timeout=600, extra_args=()):
        """Run a playbook on localhost with this interpreter; the CompletedProcess."""
        inventory_file = os.path.join(self.work_dir, 'inventory.ini')
        with open(inventory_file, 'w', encoding='utf-8') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        command = [os.path.join(self.bin_dir, 'ansible-playbook'), '-i', inventory_file, playbook]
        command += list(extra_args)
        if verbosity:
            command.append('-' + 'v' * verbosity)
        return subprocess.run(command, env=self.environment(env), capture_output=True, text=True,
                              timeout=timeout, check=False)
