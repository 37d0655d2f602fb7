# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the anbox.ams.ams connection plugin and ams_instance_exec against simulated instances.

Starts its own simulator with --instances running instances (the simulator's --populate-* options) that
run commands as real processes (--exec-real-processes), and an inventory source with `connection: exec`.

1. `ansible -i <inventory> all -m raw -a 'echo hi' -f 10`: median wall time of --runs runs; every host must
   answer `hi`.
2. Per-command cost, three ways: one playbook of --commands `raw: echo hi` tasks on one host (the connection
   plugin), one playbook of as many `ams_instance_exec` tasks on localhost (the module), and the exec
   itself in this process (exec_session.run_command, the floor both share).
3. A --size-mib file (100 by default) copied into an instance with ansible.builtin.copy and fetched back
   with ansible.builtin.fetch: the SHA-256 must match, and the peak RSS of the controller (the largest of
   ansible-playbook and its workers) is printed against the goal (<= 100 MiB).

Usage: bench_exec.py [--instances 50] [--forks 10] [--runs 3] [--commands 20] [--size-mib 100]
Needs ansible next to this Python (or on PATH), websocket-client, and the simulator importable
(PYTHONPATH=simulator, as `make bench` sets).
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from ams_simulator.testing import SimulatorProcess, make_client_cert  # noqa: E402

GOAL_RSS_MIB = 100
# Runs a command and prints the peak RSS (KiB) of all its processes: a fresh process has no other children.
RSS_WRAPPER = ('import resource, subprocess, sys\n'
               'code = subprocess.call(sys.argv[1:])\n'
               'print("PEAK_RSS_KIB=%d" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n'
               'sys.exit(code)\n')


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--instances', type=int, default=50)
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--commands', type=int, default=20)
    parser.add_argument('--size-mib', type=int, default=100)
    options = parser.parse_args()
    if min(options.instances, options.forks, options.runs, options.commands, options.size_mib) < 1:
        parser.error('every count must be at least 1')
    return options


def tool(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    found = beside if os.path.exists(beside) else shutil.which(name)
    if not found:
        sys.exit('bench_exec: %s not found next to %s nor on PATH' % (name, sys.executable))
    return found


def collections_tree(directory):
    namespace = os.path.join(directory, 'ansible_collections', 'anbox')
    os.makedirs(namespace)
    os.symlink(ROOT, os.path.join(namespace, 'ams'))
    return directory


def environment(collections_root):
    env = dict(os.environ)
    for name in ('AMS_URL', 'AMS_CLIENT_CERT', 'AMS_CLIENT_KEY', 'AMS_CA_CERT', 'AMS_VALIDATE_CERTS'):
        env.pop(name, None)
    env.update({'ANSIBLE_COLLECTIONS_PATH': collections_root, 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_HOST_KEY_CHECKING': 'False', 'ANSIBLE_LOCALHOST_WARNING': 'False',
                'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False', 'ANSIBLE_RETRY_FILES_ENABLED': 'False'})
    return env


def run(command, env, timeout=900):
    started = time.monotonic()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return completed, time.monotonic() - started


def playbook(work, name, plays):
    path = os.path.join(work, name + '.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(plays, handle)
    return path


def sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def bench_raw_everywhere(options, inventory, env, hosts):
    times = []
    for index in range(options.runs):
        completed, seconds = run([tool('ansible'), '-i', inventory, 'all', '-m', 'raw', '-a', 'echo hi',
                                  '-f', str(options.forks)], env)
        answered = sorted(host for host in hosts if '%s | CHANGED | rc=0 >>\nhi' % host in completed.stdout)
        if completed.returncode != 0 or len(answered) != len(hosts):
            sys.exit('bench_exec: raw on all hosts: %d of %d answered\n%s'
                     % (len(answered), len(hosts), completed.stdout[-3000:] + completed.stderr[-3000:]))
        times.append(seconds)
        print('  run %d: %.2f s, %d of %d hosts answered hi' % (index + 1, seconds, len(answered), len(hosts)))
    print('raw "echo hi" on %d instances, -f %d: median %.2f s (every host answered)'
          % (len(hosts), options.forks, statistics.median(times)))


def bench_per_command(options, work, inventory, env, connection, host):  # pylint: disable=too-many-locals
    count = options.commands
    raw_play = playbook(work, 'raw', [{'hosts': host, 'gather_facts': False,
                                       'tasks': [{'raw': 'echo hi'} for _index in range(count)]}])
    module_args = dict(connection, instance=host, command=['echo', 'hi'])
    module_play = playbook(work, 'module', [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'anbox.ams.ams_instance_exec': module_args} for _index in range(count)]}])
    empty_play = playbook(work, 'empty', [{'hosts': 'localhost', 'gather_facts': False, 'tasks': []}])
    local_inventory = os.path.join(work, 'local.ini')
    with open(local_inventory, 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    results = {}
    for name, path, inv in (('startup', empty_play, local_inventory), ('raw', raw_play, inventory),
                            ('module', module_play, local_inventory)):
        completed, seconds = run([tool('ansible-playbook'), '-i', inv, path], env)
        if completed.returncode != 0:
            sys.exit('bench_exec: %s playbook failed\n%s' % (name, completed.stdout[-3000:] + completed.stderr[-3000:]))
        results[name] = seconds
    sys.path.insert(0, env['ANSIBLE_COLLECTIONS_PATH'])
    from ansible_collections.anbox.ams.plugins.module_utils import exec_session, instances
    from ansible_collections.anbox.ams.plugins.module_utils.client import AMSClient
    client = AMSClient(**connection)
    try:
        target = instances.running_target(client, host)
        dialer = exec_session.WebsocketDialer(client)
        floor = []
        for _index in range(count):
            started = time.monotonic()
            result = exec_session.run_command(client, target.exec_path, ['echo', 'hi'], dialer=dialer,
                                              stdout=exec_session.LimitedBuffer())
            floor.append(time.monotonic() - started)
            assert result.rc == 0
    finally:
        client.close()
    per_raw = (results['raw'] - results['startup']) / count
    per_module = (results['module'] - results['startup']) / count
    print('per command (%d tasks each, ansible-playbook start-up of %.2f s taken off):' % (count, results['startup']))
    print('  connection plugin, raw task:   %6.0f ms' % (per_raw * 1000))
    print('  ams_instance_exec task:        %6.0f ms  (the connection plugin costs %.2fx of it)'
          % (per_module * 1000, per_raw / per_module))
    print('  one exec in-process (floor):   %6.0f ms  (median; POST, websockets, exit status)'
          % (statistics.median(floor) * 1000))


def bench_round_trip(options, work, inventory, env, host):
    source = os.path.join(work, 'big.bin')
    with open(source, 'wb') as handle:
        for _index in range(options.size_mib):
            handle.write(os.urandom(1 << 20))
    fetched = os.path.join(work, 'fetched.bin')
    path = playbook(work, 'round-trip', [{'hosts': host, 'gather_facts': False, 'tasks': [
        {'ansible.builtin.copy': {'src': source, 'dest': '~/big.bin'}},
        {'ansible.builtin.fetch': {'src': '~/big.bin', 'dest': fetched, 'flat': True}},
        {'ansible.builtin.file': {'path': '~/big.bin', 'state': 'absent'}},
    ]}])
    completed, seconds = run([sys.executable, '-c', RSS_WRAPPER, tool('ansible-playbook'), '-i', inventory, path], env)
    if completed.returncode != 0:
        sys.exit('bench_exec: round trip failed\n%s' % (completed.stdout[-3000:] + completed.stderr[-3000:]))
    peak_kib = int(completed.stdout.rsplit('PEAK_RSS_KIB=', 1)[1].split()[0])
    same = sha256(source) == sha256(fetched)
    peak_mib = peak_kib / 1024.0
    print('%d MiB copy + fetch round trip: %.1f s, SHA-256 %s, controller peak RSS %.0f MiB (goal <= %d): %s'
          % (options.size_mib, seconds, 'identical' if same else 'DIFFERENT', peak_mib, GOAL_RSS_MIB,
             'met' if peak_mib <= GOAL_RSS_MIB else 'MISSED'))
    if not same:
        sys.exit('bench_exec: the fetched file differs from the one copied')


def main():
    options = parse_arguments()
    work = tempfile.mkdtemp(prefix='bench-exec-')
    simulator = None
    try:
        cert, key, _fingerprint = make_client_cert(os.path.join(work, 'client'), name='client')
        simulator = SimulatorProcess(os.path.join(work, 'state'), python=sys.executable, extra_args=[
            '--trust-cert', cert, '--populate-nodes', '2', '--populate-containers', str(options.instances),
            '--exec-real-processes'])
        simulator.start()
        connection = {'url': simulator.url, 'client_cert': cert, 'client_key': key, 'ca_cert': simulator.ca_cert}
        inventory = os.path.join(work, 'instances.ams.yml')
        with open(inventory, 'w', encoding='utf-8') as handle:
            handle.write('plugin: anbox.ams.ams\n%sinclude: [instances]\nconnection: exec\ncompose:\n'
                         '  ansible_python_interpreter: "%r"\n'
                         % (''.join('%s: %s\n' % item for item in sorted(connection.items())), sys.executable))
        env = environment(collections_tree(os.path.join(work, 'collections')))
        listing, _seconds = run([tool('ansible-inventory'), '-i', inventory, '--list'], env)
        hosts = sorted(json.loads(listing.stdout)['_meta']['hostvars'])
        if len(hosts) != options.instances:
            sys.exit('bench_exec: the inventory has %d hosts, not %d' % (len(hosts), options.instances))
        bench_raw_everywhere(options, inventory, env, hosts)
        bench_per_command(options, work, inventory, env, connection, hosts[0])
        bench_round_trip(options, work, inventory, env, hosts[0])
    finally:
        if simulator is not None:
            simulator.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
