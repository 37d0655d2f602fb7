# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: anbox.ams.ams_container from 0 to 200 containers that take 1 s each to boot.

Starts its own simulator (--container-boot-delay 1.0, port 0) and runs one
ams_container task through ansible-playbook. Reports the task's wall time,
the requests it sent (from the simulator's request log), and for comparison
launching containers one after another (each launched and waited for until
running before the next), measured on a few and scaled to the same count.

Usage: bench_containers.py [--count 200] [--sequential-sample 10] [--boot-delay 1.0]
Needs ansible-playbook (next to this Python or on PATH) and the simulator importable
(PYTHONPATH=simulator, as `make bench` sets). Everything is bounded: the run stops
with an error after about two minutes. Exit status 1 when the task misses its goal
(GOAL_SECONDS), so that `make bench` fails.
"""

import argparse
import collections
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

GOAL_SECONDS = 5.0
PLAYBOOK_TIMEOUT = 100
IMAGE = 'populated-image'   # made by the simulator's --populate-* options
INSTANCE_TYPE = 'a2.3'

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Start the clock
      ansible.builtin.set_fact:
        started: "{{ now().timestamp() }}"

    - name: Launch the containers
      anbox.ams.ams_container:
        url: "%(url)s"
        client_cert: "%(cert)s"
        client_key: "%(key)s"
        ca_cert: "%(ca)s"
        image: %(image)s
        instance_type: %(instance_type)s
        count: %(count)d
        wait_timeout: 90
      register: scaled

    - name: Write what happened
      ansible.builtin.copy:
        dest: "%(out)s"
        content: "{{ {'seconds': now().timestamp() - (started | float),
                      'launched': scaled.launched | length,
                      'running': scaled.containers | selectattr('status_code', 'equalto', 4) | list | length}
                     | to_json }}"
        mode: "0600"
"""


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--sequential-sample', type=int, default=10)
    parser.add_argument('--boot-delay', type=float, default=1.0)
    return parser.parse_args()


def ansible_playbook():
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    found = beside if os.path.exists(beside) else shutil.which('ansible-playbook')
    if not found:
        sys.exit('bench_containers: ansible-playbook is not installed (next to %s or on PATH)' % sys.executable)
    return found


def collection_tree(work):
    """A collections path holding this checkout as anbox.ams."""
    parent = os.path.join(work, 'collections', 'ansible_collections', 'anbox')
    os.makedirs(parent)
    os.symlink(ROOT, os.path.join(parent, 'ams'))
    return os.path.join(work, 'collections')


def run_playbook(work, collections, sim, cert, key, count):
    out = os.path.join(work, 'result.json')
    playbook = os.path.join(work, 'scale.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(PLAYBOOK % dict(url=sim.url, cert=cert, key=key, ca=sim.ca_cert, image=IMAGE,
                                     instance_type=INSTANCE_TYPE, count=count, out=out))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false')
    command = [ansible_playbook(), '-i', 'localhost,', '-c', 'local', playbook]
    started = time.monotonic()
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=PLAYBOOK_TIMEOUT, check=False)
    playbook_seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit('bench_containers: the playbook failed:\n%s' % done.stdout.decode('utf-8', 'replace')[-4000:])
    with open(out, encoding='utf-8') as handle:
        result = json.load(handle)
    result['playbook_seconds'] = playbook_seconds
    return result


def client_for(collections, sim, cert, key):
    sys.path.insert(0, collections)
    from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient
    return AMSClient(sim.url, client_cert=cert, client_key=key, ca_cert=sim.ca_cert)


def sequential_seconds(client, sample):
    """Launch `sample` containers one after another, each waited for until running."""
    started = time.monotonic()
    for _index in range(sample):
        body = {'image_id': IMAGE, 'instance_type': INSTANCE_TYPE}
        operation = client.wait(client.post('/1.0/containers', body=body), 30)
        container_id = operation.resource_ids('containers')[0]
        deadline = time.monotonic() + 30
        while client.get('/1.0/containers/' + container_id).metadata['status_code'] != 4:
            if time.monotonic() > deadline:
                sys.exit('bench_containers: container %s did not start within 30 s' % container_id)
            time.sleep(0.05)
    return time.monotonic() - started


def describe_requests(entries):
    kinds = collections.Counter()
    for entry in entries:
        path = entry['path']
        if path.startswith('/1.0/operations/'):
            path = '/1.0/operations/<id>' + ('/wait' if path.endswith('/wait') else '')
        elif path.startswith('/1.0/containers/'):
            path = '/1.0/containers/<id>'
        kinds['%s %s' % (entry['method'], path)] += 1
    return kinds


def phases(entries):
    """Seconds from the task's first request to its last, of the launches, and of the waiting after them."""
    posts = [entry for entry in entries if entry['method'] == 'POST']
    span = entries[-1]['ts'] - entries[0]['ts']
    launching = posts[-1]['ts'] - posts[0]['ts']
    waiting = entries[-1]['ts'] - posts[-1]['ts']
    server_ms = sum(entry['duration_ms'] for entry in posts) / len(posts)
    return span, launching, waiting, server_ms


def main():
    arguments = parse_arguments()
    work = tempfile.mkdtemp(prefix='bench-containers-')
    sim = None
    try:
        cert, key, _fingerprint = make_client_cert(os.path.join(work, 'client'))
        nodes = max(2, -(-arguments.count // 100))
        sim = SimulatorProcess(os.path.join(work, 'state'), port=0, extra_args=[
            '--trust-cert', cert, '--container-boot-delay', str(arguments.boot_delay),
            '--populate-nodes', str(nodes), '--populate-containers', '1']).start()
        collections = collection_tree(work)
        mark = sim.log_mark()
        result = run_playbook(work, collections, sim, cert, key, arguments.count)
        requests = sim.requests_since(mark)
        if result['launched'] != arguments.count or result['running'] != arguments.count:
            sys.exit('bench_containers: expected %d launched and running, got %s' % (arguments.count, result))
        sample_seconds = sequential_seconds(client_for(collections, sim, cert, key), arguments.sequential_sample)
    finally:
        if sim is not None:
            sim.stop()
        shutil.rmtree(work, ignore_errors=True)

    span, launching, waiting, server_ms = phases(requests)
    per_container = sample_seconds / arguments.sequential_sample
    sequential_total = per_container * arguments.count
    rows = [
        ('containers launched (0 -> N)', '%d' % arguments.count),
        ('simulated boot time each', '%.1f s' % arguments.boot_delay),
        ('ams_container task wall time', '%.2f s' % result['seconds']),
        ('whole ansible-playbook run', '%.2f s' % result['playbook_seconds']),
        ('goal for the task', '<= %.0f s: %s' % (GOAL_SECONDS,
                                                 'met' if result['seconds'] <= GOAL_SECONDS else 'MISSED')),
        ('  first to last request', '%.2f s' % span),
        ('  launching (first to last POST)', '%.2f s (AMS spent %.1f ms per POST)' % (launching, server_ms)),
        ('  waiting (last POST to last request)', '%.2f s' % waiting),
        ('  module start, ansible overhead', '%.2f s' % (result['seconds'] - span)),
        ('requests sent by the task', '%d' % len(requests)),
    ]
    rows += [('  ' + kind, '%d' % number) for kind, number in sorted(describe_requests(requests).items())]
    rows += [
        ('one after another, measured on %d' % arguments.sequential_sample, '%.2f s (%.2f s each)'
         % (sample_seconds, per_container)),
        ('one after another, scaled to %d' % arguments.count, '%.0f s' % sequential_total),
        ('speed-up of the task', '%.0fx' % (sequential_total / result['seconds'])),
    ]
    width = max(len(name) for name, _value in rows)
    print('bench_containers: ams_container 0 -> %d containers' % arguments.count)
    for name, value in rows:
        print('  %s  %s' % (name.ljust(width), value))
    if result['seconds'] > GOAL_SECONDS:
        print('bench_containers: goal missed: the task took %.2f s, the goal is %.0f s' % (result['seconds'], GOAL_SECONDS))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
