# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: 100 named instances made by 100 ams_instance tasks vs one ams_container task with count 100.

Both run in one ansible-playbook run each against the same simulator (its own, port 0, populated with
nodes and an image), side by side in this process, so the ratio compares like with like. Prints the
wall time of each, the requests each sent (from the simulator's request log) and their ratio. The
named instances are one task each (that is the point of names: one task, one instance), so the ratio
measures what a play of many ams_instance tasks costs against the batched container launch.

Usage: bench_instances.py [--count 100] [--boot-delay 0.2]
Needs ansible-playbook next to this Python (or on PATH) and the simulator importable.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from ams_simulator.testing import SimulatorProcess, make_client_cert  # noqa: E402

IMAGE = 'populated-image'   # made by the simulator's --populate-* options
PLAYBOOK_TIMEOUT = 600

PLAY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/anbox.ams.ams: {url: "%(url)s", client_cert: "%(cert)s", client_key: "%(key)s", ca_cert: "%(ca)s"}
  tasks:
%(tasks)s
"""

INSTANCE_TASK = """    - name: Instance %(index)d
      anbox.ams.ams_instance:
        name: bench-%(index)03d
        image: %(image)s
"""

CONTAINER_TASK = """    - name: Containers
      anbox.ams.ams_container:
        image: %(image)s
        instance_type: a2.3
        count: %(count)d
"""


def ansible_playbook():
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    found = beside if os.path.exists(beside) else shutil.which('ansible-playbook')
    if not found:
        sys.exit('bench_instances: ansible-playbook not found')
    return found


def run_play(work, name, tasks, values, simulator):
    path = os.path.join(work, name + '.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(PLAY % dict(values, tasks=tasks))
    inventory = os.path.join(work, 'hosts')
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=values['collections'], ANSIBLE_NOCOLOR='1')
    mark = simulator.log_mark()
    started = time.monotonic()
    completed = subprocess.run([ansible_playbook(), '-i', inventory, path], env=env, capture_output=True,
                               text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit('bench_instances: the %s play failed:\n%s' % (name, completed.stdout[-3000:]))
    return seconds, simulator.requests_since(mark)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=100)
    parser.add_argument('--boot-delay', type=float, default=0.2)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='bench-instances-')
    try:
        collections = os.path.join(work, 'collections')
        os.makedirs(os.path.join(collections, 'ansible_collections', 'anbox'))
        os.symlink(ROOT, os.path.join(collections, 'ansible_collections', 'anbox', 'ams'))
        cert, key, _fingerprint = make_client_cert(os.path.join(work, 'client'))
        values = {'cert': cert, 'key': key, 'image': IMAGE, 'count': args.count, 'collections': collections}
        instance_tasks = ''.join(INSTANCE_TASK % dict(values, index=index) for index in range(args.count))
        results = []
        # Each from zero, on a simulator of its own: named instances are containers of the image too.
        for name, tasks in (('instances', instance_tasks), ('containers', CONTAINER_TASK % values)):
            simulator = SimulatorProcess(os.path.join(work, 'state-' + name), python=sys.executable, extra_args=[
                '--trust-cert', cert, '--populate-nodes', '8', '--populate-containers', '1',
                '--container-boot-delay', str(args.boot_delay)])
            simulator.start()
            try:
                values.update(url=simulator.url, ca=simulator.ca_cert)
                results.append(run_play(work, name, tasks, values, simulator))
            finally:
                simulator.stop()
        (named, named_requests), (counted, counted_requests) = results
        print('%d named instances, one ams_instance task each: %.2f s, %d requests (%.1f ms and %.1f requests '
              'per instance)' % (args.count, named, len(named_requests), 1000.0 * named / args.count,
                                 float(len(named_requests)) / args.count))
        print('%d containers, one ams_container task with count: %.2f s, %d requests'
              % (args.count, counted, len(counted_requests)))
        print('ratio named / counted: %.1fx the time, %.1fx the requests'
              % (named / counted, float(len(named_requests)) / max(len(counted_requests), 1)))
        print(json.dumps({'named_seconds': round(named, 2), 'counted_seconds': round(counted, 2),
                          'named_requests': len(named_requests), 'counted_requests': len(counted_requests)}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
