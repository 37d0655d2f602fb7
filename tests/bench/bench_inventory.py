# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: `ansible-inventory --list` with the anbox.ams.ams plugin vs. the same inventory as a static file.

Starts its own simulator holding --nodes nodes and --containers containers (the simulator's
--populate-* options), then alternates `ansible-inventory --list` on an anbox.ams.ams source and on a
static YAML inventory of the same hosts, groups and variables (generated from the plugin's first
output; both outputs are checked to be identical). Prints the median wall time of each, their ratio
(goal <= 1.3) and the number of requests each plugin run sent to AMS, read from the simulator's request
log (goal <= 3).

The baseline is made as fast as a static inventory gets, so the comparison is strict: the file is YAML in
flow style (JSON syntax), which ansible-core loads fastest, and each run enables only the inventory plugin
it needs (ANSIBLE_INVENTORY_ENABLED=ansible.builtin.yaml or anbox.ams.ams), which spares the static file
a second full load by the `auto` plugin. Unsafe values keep their {"__ansible_unsafe": ...} marking.
Wall time decides the goal; CPU time (of ansible-inventory and its children) is printed too, as it is
steadier on a busy machine.

Usage: bench_inventory.py [--nodes 100] [--containers 10000] [--runs 3] [--budget 170]
Needs ansible-inventory next to this Python (or on PATH) and the simulator importable (PYTHONPATH=simulator,
as `make bench` sets). Bounded: no new pair of runs starts when it would end after --budget seconds
(at least one pair always runs), and the whole run stops with an error past the budget plus a margin.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from ams_simulator.testing import SimulatorProcess, make_client_cert  # noqa: E402

GOAL_RATIO = 1.3
GOAL_REQUESTS = 3
HARD_MARGIN = 60  # seconds past the budget after which a run is killed


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--nodes', type=int, default=100)
    parser.add_argument('--containers', type=int, default=10000)
    parser.add_argument('--runs', type=int, default=3, help='runs of each inventory (median is reported)')
    parser.add_argument('--budget', type=float, default=170.0, help='seconds the whole benchmark may take')
    options = parser.parse_args()
    if options.nodes < 1 or options.containers < 0 or options.runs < 1 or options.budget <= 0:
        parser.error('--nodes and --runs must be at least 1, --containers at least 0, --budget positive')
    return options


def ansible_inventory():
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-inventory')
    found = beside if os.path.exists(beside) else shutil.which('ansible-inventory')
    if not found:
        sys.exit('bench_inventory: ansible-inventory not found next to %s nor on PATH' % sys.executable)
    return found


def collections_tree(directory):
    namespace = os.path.join(directory, 'ansible_collections', 'anbox')
    os.makedirs(namespace)
    os.symlink(ROOT, os.path.join(namespace, 'ams'))
    return directory


def environment(collections_root, inventory_plugin):
    env = dict(os.environ)
    for name in ('AMS_URL', 'AMS_CLIENT_CERT', 'AMS_CLIENT_KEY', 'AMS_CA_CERT', 'AMS_VALIDATE_CERTS'):
        env.pop(name, None)
    env.update({'ANSIBLE_COLLECTIONS_PATH': collections_root, 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True', 'ANSIBLE_INVENTORY_ENABLED': inventory_plugin})
    return env


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def static_inventory(listing):
    """A YAML inventory (all -> children -> hosts) holding exactly the groups, hosts and vars of a --list output."""
    hostvars = listing['_meta']['hostvars']
    children = {}
    placed = set()
    for name, group in listing.items():
        if name in ('_meta', 'all'):
            continue
        entry = {}
        if group.get('hosts'):
            entry['hosts'] = {}
            for host in group['hosts']:
                # each host's variables once, in the first group that lists it
                entry['hosts'][host] = None if host in placed else hostvars.get(host)
                placed.add(host)
        if group.get('children'):
            entry['children'] = dict((child, None) for child in group['children'])
        children[name] = entry
    return {'all': {'children': children}}


def comparable(listing):
    """A --list output with group members sorted (the order groups were created in differs)."""
    result = {}
    for name, group in listing.items():
        if name == '_meta':
            result[name] = group
        else:
            result[name] = dict((key, sorted(value) if isinstance(value, list) else value)
                                for key, value in group.items())
    return result


class Runner:
    """Runs ``ansible-inventory -i SOURCE --list``; returns (wall seconds, CPU seconds, stdout)."""

    def __init__(self, command, collections_root, deadline):
        self.command = command
        self.collections_root = collections_root
        self.deadline = deadline

    def list(self, source, inventory_plugin):
        started, cpu_before = time.monotonic(), children_cpu_seconds()
        remaining = max(1.0, self.deadline - started)
        try:
            completed = subprocess.run([self.command, '-i', source, '--list'], capture_output=True, text=True,
                                       env=environment(self.collections_root, inventory_plugin),
                                       timeout=remaining, check=False)
        except subprocess.TimeoutExpired:
            sys.exit('bench_inventory: ansible-inventory -i %s did not finish within the time bound' % source)
        seconds, cpu = time.monotonic() - started, children_cpu_seconds() - cpu_before
        if completed.returncode != 0:
            sys.exit('bench_inventory: ansible-inventory -i %s failed:\n%s' % (source, completed.stderr[-3000:]))
        return seconds, cpu, completed.stdout


def write_plugin_source(directory, simulator, cert, key):
    path = os.path.join(directory, 'bench.ams.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('plugin: anbox.ams.ams\nurl: %s\nclient_cert: %s\nclient_key: %s\nca_cert: %s\n'
                     % (simulator.url, cert, key, simulator.ca_cert))
    return path


def main():
    options = parse_arguments()
    began = time.monotonic()
    command = ansible_inventory()
    work = tempfile.mkdtemp(prefix='bench-inventory-')
    simulator = None
    try:
        cert, key, _fingerprint = make_client_cert(os.path.join(work, 'client'), name='bench-client')
        simulator = SimulatorProcess(os.path.join(work, 'state'), python=sys.executable, start_timeout=120, extra_args=[
            '--populate-nodes', options.nodes, '--populate-containers', options.containers, '--trust-cert', cert])
        simulator.start()
        print('simulator with %d nodes and %d containers ready in %.1f s'
              % (options.nodes, options.containers, time.monotonic() - began))
        runner = Runner(command, collections_tree(os.path.join(work, 'collections')),
                        began + options.budget + HARD_MARGIN)
        plugin_source = write_plugin_source(work, simulator, cert, key)
        static_source = os.path.join(work, 'static-inventory.yml')

        plugin_times, static_times, plugin_cpu, static_cpu, request_counts = [], [], [], [], []
        stopped_early = False
        while len(plugin_times) < options.runs:
            if plugin_times:
                pair = max(plugin_times) + max(static_times)
                if time.monotonic() + pair > began + options.budget:
                    stopped_early = True
                    break
            mark = simulator.log_mark()
            seconds, cpu, output = runner.list(plugin_source, 'anbox.ams.ams')
            plugin_times.append(seconds)
            plugin_cpu.append(cpu)
            request_counts.append(len(simulator.requests_since(mark)))
            print('run %d: plugin %.2f s (CPU %.2f s, %d AMS requests)'
                  % (len(plugin_times), seconds, cpu, request_counts[-1]), flush=True)
            listing = json.loads(output)
            if not static_times:
                with open(static_source, 'w', encoding='utf-8') as handle:
                    json.dump(static_inventory(listing), handle)
            seconds, cpu, static_output = runner.list(static_source, 'ansible.builtin.yaml')
            static_times.append(seconds)
            static_cpu.append(cpu)
            print('run %d: static %.2f s (CPU %.2f s)' % (len(static_times), seconds, cpu), flush=True)
            if len(static_times) == 1 and comparable(json.loads(static_output)) != comparable(listing):
                sys.exit('bench_inventory: the static inventory does not give the same --list output as the plugin')

        hosts = len(listing['_meta']['hostvars'])
        plugin_median, static_median = statistics.median(plugin_times), statistics.median(static_times)
        ratio = plugin_median / static_median
        early = ' (stopped early: time budget of %.0f s)' % options.budget if stopped_early else ''
        print('hosts: %d, runs: %d each%s' % (hosts, len(plugin_times), early))
        print('plugin median: %.2f s, static median: %.2f s' % (plugin_median, static_median))
        print('CPU time medians: plugin %.2f s, static %.2f s, ratio %.2f'
              % (statistics.median(plugin_cpu), statistics.median(static_cpu),
                 statistics.median(plugin_cpu) / statistics.median(static_cpu)))
        print('ratio plugin/static: %.2f (goal <= %.1f)' % (ratio, GOAL_RATIO))
        print('AMS requests per plugin run: %d (goal <= %d)' % (max(request_counts), GOAL_REQUESTS))
        print('total: %.1f s' % (time.monotonic() - began))
        failures = []
        if ratio > GOAL_RATIO:
            failures.append('ratio %.2f above %.1f' % (ratio, GOAL_RATIO))
        if max(request_counts) > GOAL_REQUESTS:
            failures.append('%d requests above %d' % (max(request_counts), GOAL_REQUESTS))
        if failures:
            print('bench_inventory: goal missed: ' + '; '.join(failures))
            return 1
        return 0
    finally:
        if simulator is not None:
            simulator.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
