# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: anbox.ams against a nearby AMS and one 30 ms away (the simulator's --fault-latency).

Four benchmarks, one per first argument; each starts its own simulators, measures the
nearby case and the remote one in the same run, prints them side by side, and exits 1
when a goal is missed:

  containers  ams_container 0 -> --count containers that take 1 s each to boot, at 0 ms
              and at --latency: task time, requests sent, peak requests in flight (the
              simulator's request log) and peak threads of the module process (sampled
              from /proc). Goal: at --latency, task time <= 2.5 s.
  demo        playbooks/demo.yml (what `make demo` runs) at 0 ms and at --latency, then
              its no-change rerun at --latency: time, requests, mutating requests.
              Goal: the rerun changes nothing and sends no mutating request.
  exec        --commands raw tasks on one instance over the anbox.ams.ams connection plugin
              (connection: exec), at 0 ms and at --latency: time per command, requests and
              TLS handshakes per command. Goal: a command costs at most 8 round trips more
              at --latency than nearby.
  no-change   a task that changes nothing (ams_config with one item as it is) against
              ansible.builtin.uri GET of the same object (/1.0/config), in alternating
              rounds, nearby and at --latency: median time per task, the ratio, and the
              requests and TLS handshakes each costs (the floor: one of each); then each
              module process alone (kept with ANSIBLE_KEEP_REMOTE_FILES), run in turns:
              wall and CPU time, steadier on a busy machine. Goal: task time ratio <= 1.05
              at both.

Options: --collection DIR measures the collection in DIR (default: this checkout);
--baseline DIR measures a second one (e.g. an export of main: `git archive main | tar -x -C DIR`)
in the same run, taking turns case by case, and prints before/after columns side by side.
Needs ansible-playbook next to this Python (or on PATH) and the simulator importable
(PYTHONPATH=simulator, as `make bench` sets). Every playbook run is bounded in time.
"""

import argparse
import collections
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from ams_simulator.testing import SimulatorProcess, make_client_cert  # noqa: E402

CONTAINERS_GOAL_SECONDS = 2.5
NO_CHANGE_GOAL_RATIO = 1.05
# A command's round trips to AMS: POST exec, the streams' sockets dialled together (TCP, TLS), the control
# stream's upgrade, then 0/1/2 upgraded together, the output, the final wait: 7, and one to spare.
EXEC_GOAL_ROUND_TRIPS = 8
PLAYBOOK_TIMEOUT = 300
IMAGE = 'populated-image'   # made by the simulator's --populate-* options
INSTANCE_TYPE = 'a2.3'
READ_ONLY = ('GET', 'HEAD', 'OPTIONS')
# A launched container goes created -> prepared -> started -> running in the simulator, one step per
# --container-boot-delay: a boot of --boot-delay seconds is three steps of a third of it.
BOOT_STEPS = 3

SCALE_PLAYBOOK = """
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
        wait_timeout: 120
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

NO_CHANGE_CONFIG_TASK = """
    - name: Clock
      ansible.builtin.set_fact:
        mark: "{{ now().timestamp() }}"
    - name: ams_config with nothing to change
      anbox.ams.ams_config:
        url: "%(url)s"
        client_cert: "%(cert)s"
        client_key: "%(key)s"
        ca_cert: "%(ca)s"
        config:
          application.max_published_versions: %(value)s
      loop: "{{ range(%(per_round)d) | list }}"
      register: config_result
      failed_when: config_result.changed or config_result.failed
    - name: Record
      ansible.builtin.set_fact:
        config_times: "{{ config_times + [now().timestamp() - (mark | float)] }}"
"""

NO_CHANGE_URI_TASK = """
    - name: Clock
      ansible.builtin.set_fact:
        mark: "{{ now().timestamp() }}"
    - name: uri GET of the same object
      ansible.builtin.uri:
        url: "%(url)s/1.0/config"
        client_cert: "%(cert)s"
        client_key: "%(key)s"
        ca_path: "%(ca)s"
        validate_certs: true
      loop: "{{ range(%(per_round)d) | list }}"
    - name: Record
      ansible.builtin.set_fact:
        uri_times: "{{ uri_times + [now().timestamp() - (mark | float)] }}"
"""


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('benchmark', choices=['containers', 'demo', 'no-change', 'exec'])
    parser.add_argument('--latency', type=float, default=0.03, help='seconds added to every API request (remote case)')
    parser.add_argument('--collection', default=ROOT, help='checkout of the collection to measure')
    parser.add_argument('--baseline', help='another checkout (e.g. an export of main) measured side by side, '
                                           'every case taking turns with --collection')
    parser.add_argument('--count', type=int, default=200, help='containers (containers benchmark)')
    parser.add_argument('--boot-delay', type=float, default=1.0,
                        help='seconds from launch to running (containers benchmark)')
    parser.add_argument('--rounds', type=int, default=5, help='alternating rounds (no-change benchmark)')
    parser.add_argument('--per-round', type=int, default=4, help='tasks of each kind per round (no-change)')
    parser.add_argument('--process-runs', type=int, default=15,
                        help='runs of each kept module process, taking turns (no-change)')
    parser.add_argument('--commands', type=int, default=20, help='raw tasks on one instance (exec)')
    options = parser.parse_args()
    if options.latency <= 0 or min(options.count, options.rounds, options.per_round, options.process_runs,
                                   options.commands) < 1:
        parser.error('--latency must be positive, --count, --rounds, --per-round and --process-runs at least 1')
    return options


def tool(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    found = beside if os.path.exists(beside) else shutil.which(name)
    if not found:
        sys.exit('bench_remote: %s is not installed (next to %s or on PATH)' % (name, sys.executable))
    return found


class Workspace:
    """A temporary directory with a collections path that holds the measured checkout as anbox.ams."""

    def __init__(self, collection):
        self.dir = tempfile.mkdtemp(prefix='bench-remote-')
        parent = os.path.join(self.dir, 'collections', 'ansible_collections', 'anbox')
        os.makedirs(parent)
        self.collection = os.path.abspath(collection)
        os.symlink(self.collection, os.path.join(parent, 'ams'))
        self.collections = os.path.join(self.dir, 'collections')
        self.cert, self.key, _fingerprint = make_client_cert(os.path.join(self.dir, 'client'))
        self.simulators = []
        self.runs = 0

    def simulator(self, latency, *extra_args, trusted=True):
        state = os.path.join(self.dir, 'state-%d' % len(self.simulators))
        args = ['--fault-latency', str(latency)] if latency else []
        if trusted:
            args += ['--trust-cert', self.cert]
        sim = SimulatorProcess(state, port=0, extra_args=args + [str(arg) for arg in extra_args])
        self.simulators.append(sim)
        return sim.start()

    def playbook(self, text, extra_vars=None, sample_threads_of=None, env=None, inventory=None):
        """Run a playbook; (seconds, output, peak threads of a module process or None)."""
        self.runs += 1
        path = os.path.join(self.dir, 'play-%d.yml' % self.runs)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        return self.run_playbook(path, extra_vars, sample_threads_of, env, inventory)

    def run_playbook(self, path, extra_vars=None, sample_threads_of=None, extra_env=None, inventory=None):
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_NOCOLOR='1',
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_RETRY_FILES_ENABLED='false', **(extra_env or {}))
        for name in ('AMS_URL', 'AMS_CLIENT_CERT', 'AMS_CLIENT_KEY', 'AMS_CA_CERT', 'AMS_VALIDATE_CERTS',
                     'AMS_MAX_PARALLEL'):
            env.pop(name, None)
        command = [tool('ansible-playbook')] + (['-i', inventory] if inventory else ['-i', 'localhost,', '-c', 'local'])
        command.append(path)
        if extra_vars:
            vars_file = os.path.join(self.dir, 'vars-%d.json' % self.runs)
            with open(vars_file, 'w', encoding='utf-8') as handle:
                json.dump(extra_vars, handle)
            command += ['-e', '@' + vars_file]
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sampler = ThreadSampler(process.pid, sample_threads_of) if sample_threads_of else None
        try:
            output, _none = process.communicate(timeout=PLAYBOOK_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            sys.exit('bench_remote: %s ran longer than %d s' % (path, PLAYBOOK_TIMEOUT))
        finally:
            if sampler:
                sampler.stop()
        seconds = time.monotonic() - started
        output = output.decode('utf-8', 'replace')
        if process.returncode != 0:
            sys.exit('bench_remote: the playbook %s failed:\n%s' % (path, output[-4000:]))
        return seconds, output, sampler.peak if sampler else None

    def close(self):
        for sim in self.simulators:
            sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class ThreadSampler:
    """Peak thread count of the descendants of ``pid`` whose command line names ``marker``, sampled every 10 ms."""

    def __init__(self, pid, marker):
        self.pid = pid
        self.marker = marker.encode()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.wait(0.01):
            parents = {}
            for entry in os.listdir('/proc'):
                if not entry.isdigit():
                    continue
                try:
                    with open('/proc/%s/stat' % entry, 'rb') as handle:
                        parents[int(entry)] = int(handle.read().rsplit(b')', 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
            for pid in parents:
                if self._descends(pid, parents):
                    self._sample(pid)

    def _descends(self, pid, parents):
        seen = 0
        while pid in parents and seen < 64:
            pid = parents[pid]
            if pid == self.pid:
                return True
            seen += 1
        return False

    def _sample(self, pid):
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                if self.marker not in handle.read():
                    return
            with open('/proc/%d/status' % pid, encoding='ascii', errors='replace') as handle:
                for line in handle:
                    if line.startswith('Threads:'):
                        self.peak = max(self.peak, int(line.split()[1]))
        except (OSError, ValueError):
            pass


def peak_in_flight(entries):
    return max((entry.get('in_flight') or 0 for entry in entries), default=0)


def request_kinds(entries):
    kinds = collections.Counter()
    for entry in entries:
        path = entry['path']
        for prefix in ('/1.0/operations/', '/1.0/containers/'):
            if path.startswith(prefix):
                path = prefix + '<id>' + ('/wait' if path.endswith('/wait') else '')
        kinds['%s %s' % (entry['method'], path)] += 1
    return kinds


def print_table(title, header, rows):
    table = [header] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    print(title)
    for row in table:
        print('  ' + '  '.join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


# -- containers ------------------------------------------------------------------------------

def scale_once(work, options, latency):
    nodes = max(2, -(-options.count // 100))
    sim = work.simulator(latency, '--container-boot-delay', options.boot_delay / BOOT_STEPS, '--populate-nodes', nodes,
                         '--populate-containers', 1)
    out = os.path.join(work.dir, 'scale-%s.json' % latency)
    mark = sim.log_mark()
    _seconds, _output, threads = work.playbook(SCALE_PLAYBOOK % dict(
        url=sim.url, cert=work.cert, key=work.key, ca=sim.ca_cert, image=IMAGE, instance_type=INSTANCE_TYPE,
        count=options.count, out=out), sample_threads_of='AnsiballZ_ams_container')
    entries = sim.requests_since(mark)
    sim.stop()
    with open(out, encoding='utf-8') as handle:
        result = json.load(handle)
    if result['launched'] != options.count or result['running'] != options.count:
        sys.exit('bench_remote: expected %d launched and running, got %s' % (options.count, result))
    return dict(seconds=result['seconds'], requests=len(entries), in_flight=peak_in_flight(entries),
                threads=threads, kinds=request_kinds(entries))


def bench_containers(variants, options):
    remote_ms, results, columns = nearby_and_remote(variants, options, scale_once)
    rows = [
        ['task time'] + ['%.2f s' % results[column]['seconds'] for column in columns],
        ['requests sent'] + [results[column]['requests'] for column in columns],
        ['peak requests in flight'] + [results[column]['in_flight'] for column in columns],
        ['peak threads of the module'] + [results[column]['threads'] for column in columns],
    ]
    kinds = set()
    for result in results.values():
        kinds.update(result['kinds'])
    for kind in sorted(kinds):
        rows.append(['  ' + kind] + [results[column]['kinds'][kind] for column in columns])
    print_table('bench_remote containers: ams_container 0 -> %d containers, %.1f s boot each'
                % (options.count, options.boot_delay), [''] + [column_title(column) for column in columns], rows)
    for name, _work in variants:
        ratio = results[(name, remote_ms)]['seconds'] / results[(name, '0 ms')]['seconds']
        print('  %sremote/nearby task time: %.2fx' % (name and name + ': ', ratio))
    if len(variants) > 1:
        for label in ('0 ms', remote_ms):
            print('  after/before task time at %s: %.2fx' % (label, results[(variants[1][0], label)]['seconds']
                                                             / results[(variants[0][0], label)]['seconds']))
    seconds = results[(variants[-1][0], remote_ms)]['seconds']
    met = seconds <= CONTAINERS_GOAL_SECONDS
    print('  goal: task time at %s <= %.1f s: %s' % (remote_ms, CONTAINERS_GOAL_SECONDS, 'met' if met else 'MISSED'))
    return 0 if met else 1


def nearby_and_remote(variants, options, once):
    """``once(work, options, latency)`` for every variant at 0 ms, then at --latency:
    (the remote label, results by (variant, label), the columns in print order)."""
    remote_ms = '%g ms' % (options.latency * 1000)
    results = {}
    for latency, label in ((0, '0 ms'), (options.latency, remote_ms)):
        for name, work in variants:
            results[(name, label)] = once(work, options, latency)
    return remote_ms, results, [(name, label) for label in ('0 ms', remote_ms) for name, _work in variants]


def column_title(column):
    name, label = column
    return '%s, %s' % (name, label) if name else label


# -- demo --------------------------------------------------------------------------------------

def demo_once(work, options, latency, rerun):
    sim = work.simulator(latency, trusted=False)
    demo_dir = os.path.join(work.dir, 'demo-%s' % latency)
    os.makedirs(demo_dir)
    extra_vars = dict(ams_url=sim.url, ams_ca_cert=sim.ca_cert, ams_trust_password=sim.trust_password,
                      ams_client_cert=os.path.join(demo_dir, 'client.crt'),
                      ams_client_key=os.path.join(demo_dir, 'client.key'), demo_work_dir=demo_dir)
    playbook = os.path.join(work.collection, 'playbooks', 'demo.yml')
    mark = sim.log_mark()
    seconds, _output, _threads = work.run_playbook(playbook, extra_vars)
    runs = [dict(seconds=seconds, entries=sim.requests_since(mark))]
    if rerun:
        mark = sim.log_mark()
        seconds, output, _threads = work.run_playbook(playbook, extra_vars)
        recap = [line for line in output.splitlines() if line.startswith('localhost ')]
        runs.append(dict(seconds=seconds, entries=sim.requests_since(mark), recap=recap[-1] if recap else ''))
    sim.stop()
    return runs


def bench_demo(variants, options):
    remote_ms = '%g ms' % (options.latency * 1000)
    runs = {}
    for name, work in variants:
        runs[(name, 'first run, 0 ms')] = demo_once(work, options, 0, rerun=False)[0]
    for name, work in variants:
        runs[(name, 'first run, ' + remote_ms)], runs[(name, 'no-change rerun, ' + remote_ms)] = \
            demo_once(work, options, options.latency, rerun=True)
    columns = [(name, label) for label in ('first run, 0 ms', 'first run, ' + remote_ms,
                                           'no-change rerun, ' + remote_ms) for name, _work in variants]

    def mutating(run):
        return len([entry for entry in run['entries'] if entry['method'] not in READ_ONLY])
    rows = [
        ['playbook time'] + ['%.2f s' % runs[column]['seconds'] for column in columns],
        ['requests sent'] + [len(runs[column]['entries']) for column in columns],
        ['  of which mutating'] + [mutating(runs[column]) for column in columns],
        ['peak requests in flight'] + [peak_in_flight(runs[column]['entries']) for column in columns],
    ]
    print_table('bench_remote demo: playbooks/demo.yml', [''] + [column_title(column) for column in columns], rows)
    met = True
    for name, _work in variants:
        ratio = runs[(name, 'first run, ' + remote_ms)]['seconds'] / runs[(name, 'first run, 0 ms')]['seconds']
        print('  %sremote/nearby first run: %.2fx' % (name and name + ': ', ratio))
        rerun = runs[(name, 'no-change rerun, ' + remote_ms)]
        print('  %srerun recap: %s' % (name and name + ': ', ' '.join(rerun['recap'].split())))
        met = met and mutating(rerun) == 0 and ' changed=0 ' in rerun['recap'] + ' '
    print('  goal: the rerun changes nothing (changed=0, no mutating request): %s' % ('met' if met else 'MISSED'))
    return 0 if met else 1


# -- no-change ---------------------------------------------------------------------------------

def no_change_once(work, options, latency):
    sim = work.simulator(latency)
    values = dict(url=sim.url, cert=work.cert, key=work.key, ca=sim.ca_cert, per_round=options.per_round,
                  value=2)
    tasks = []
    for number in range(options.rounds):
        pair = [NO_CHANGE_CONFIG_TASK % values, NO_CHANGE_URI_TASK % values]
        tasks.extend(pair if number % 2 == 0 else reversed(pair))
    out = os.path.join(work.dir, 'no-change-%s.json' % latency)
    text = ('- hosts: localhost\n  gather_facts: false\n  vars:\n    config_times: []\n    uri_times: []\n'
            '  tasks:\n    - name: Set the item once\n      anbox.ams.ams_config:\n        url: "%(url)s"\n'
            '        client_cert: "%(cert)s"\n        client_key: "%(key)s"\n        ca_cert: "%(ca)s"\n'
            '        config:\n          application.max_published_versions: %(value)s\n' % values)
    text += ''.join(tasks)
    text += ('    - name: Write the times\n      ansible.builtin.copy:\n        dest: "%s"\n'
             '        content: "{{ {\'config\': config_times, \'uri\': uri_times} | to_json }}"\n'
             '        mode: "0600"\n' % out)
    work.playbook(text)
    with open(out, encoding='utf-8') as handle:
        times = json.load(handle)
    counts = {}
    handshakes = {}
    modules = {}
    for kind, task in (('config', NO_CHANGE_CONFIG_TASK), ('uri', NO_CHANGE_URI_TASK)):
        mark = sim.log_mark()
        kept = os.path.join(work.dir, 'kept-%s-%s' % (kind, latency))
        work.playbook('- hosts: localhost\n  gather_facts: false\n  vars:\n    config_times: []\n'
                      '    uri_times: []\n  tasks:\n' + task % dict(values, per_round=1),
                      env=dict(ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=kept))
        entries = sim.requests_since(mark)
        counts[kind] = request_kinds(entries)
        handshakes[kind] = len(set(entry.get('connection') for entry in entries))
        found = glob.glob(os.path.join(kept, '*', 'AnsiballZ_*.py'))
        if len(found) != 1:
            sys.exit('bench_remote: expected one kept AnsiballZ file in %s, found %s' % (kept, found))
        modules[kind] = found[0]
    process = module_processes(modules, options.process_runs)
    sim.stop()
    config_median = statistics.median(times['config']) / options.per_round
    uri_median = statistics.median(times['uri']) / options.per_round
    return dict(config=config_median, uri=uri_median, ratio=config_median / uri_median,
                config_requests=counts['config'], uri_requests=counts['uri'], process=process,
                config_handshakes=handshakes['config'], uri_handshakes=handshakes['uri'])


def module_processes(modules, runs):
    """Run each kept module (AnsiballZ file, with the arguments it was given) ``runs`` times, taking turns;
    median wall and CPU (user + system) seconds of each, as the module process alone costs them."""
    samples = dict((kind, {'wall': [], 'cpu': []}) for kind in modules)
    for _run in range(runs):
        for kind, path in sorted(modules.items()):
            started = time.monotonic()
            child = subprocess.Popen([sys.executable, path], cwd=os.path.dirname(path), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
            output = child.stdout.read()
            child.stdout.close()
            _pid, status, usage = os.wait4(child.pid, 0)
            child.returncode = 0
            samples[kind]['wall'].append(time.monotonic() - started)
            samples[kind]['cpu'].append(usage.ru_utime + usage.ru_stime)
            if status != 0 or b'"failed": true' in output:
                sys.exit('bench_remote: %s failed:\n%s' % (path, output.decode('utf-8', 'replace')[-2000:]))
    return dict((kind, dict((measure, statistics.median(values)) for measure, values in taken.items()))
                for kind, taken in samples.items())


def describe_counts(kinds):
    return '%d (%s)' % (sum(kinds.values()), ', '.join('%s x%d' % (kind, number) for kind, number in sorted(kinds.items())))


def bench_no_change(variants, options):
    remote_ms, results, columns = nearby_and_remote(variants, options, no_change_once)
    rows = [
        ['ams_config, nothing to change (median per task)'] + ['%.3f s' % results[column]['config'] for column in columns],
        ['ansible.builtin.uri GET /1.0/config'] + ['%.3f s' % results[column]['uri'] for column in columns],
        ['ratio'] + ['%.3fx' % results[column]['ratio'] for column in columns],
        ['module process alone, ams_config / uri (median of %d)' % options.process_runs] + [
            '%.0f / %.0f ms' % (results[column]['process']['config']['wall'] * 1000,
                                results[column]['process']['uri']['wall'] * 1000) for column in columns],
        ['  ratio'] + ['%.3fx' % (results[column]['process']['config']['wall'] / results[column]['process']['uri']['wall'])
                       for column in columns],
        ['  CPU (user + system), ams_config / uri'] + [
            '%.0f / %.0f ms' % (results[column]['process']['config']['cpu'] * 1000,
                                results[column]['process']['uri']['cpu'] * 1000) for column in columns],
        ['  CPU ratio'] + ['%.3fx' % (results[column]['process']['config']['cpu'] / results[column]['process']['uri']['cpu'])
                           for column in columns],
        ['requests per ams_config task'] + [describe_counts(results[column]['config_requests']) for column in columns],
        ['requests per uri task'] + [describe_counts(results[column]['uri_requests']) for column in columns],
        ['TLS handshakes per task, ams_config / uri'] + [
            '%d / %d' % (results[column]['config_handshakes'], results[column]['uri_handshakes']) for column in columns],
    ]
    print_table('bench_remote no-change: %d rounds of %d tasks each, alternating'
                % (options.rounds, options.per_round), [''] + [column_title(column) for column in columns], rows)
    name = variants[-1][0]
    met = all(results[(name, label)]['ratio'] <= NO_CHANGE_GOAL_RATIO for label in ('0 ms', remote_ms))
    print('  goal: ratio <= %.2f nearby and at %s: %s' % (NO_CHANGE_GOAL_RATIO, remote_ms, 'met' if met else 'MISSED'))
    return 0 if met else 1


# -- exec --------------------------------------------------------------------------------------

EXEC_PLAYBOOK = """
- hosts: "%(host)s"
  gather_facts: false
  tasks:
    - name: Start the clock
      ansible.builtin.set_fact:
        started: "{{ now().timestamp() }}"
    - name: A command in the instance
      ansible.builtin.raw: echo hi
      register: said
      failed_when: said.stdout | trim != 'hi'
      loop: "{{ range(%(commands)d) | list }}"
    - name: Say how long
      ansible.builtin.debug:
        msg: "BENCH {{ now().timestamp() - (started | float) }}"
"""


def exec_once(work, options, latency):
    sim = work.simulator(latency, '--populate-nodes', 1, '--populate-containers', 1, '--exec-real-processes')
    inventory = os.path.join(work.dir, 'exec-%s.ams.yml' % latency)
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('plugin: anbox.ams.ams\nurl: %s\nclient_cert: %s\nclient_key: %s\nca_cert: %s\n'
                     'include: [instances]\nconnection: exec\ncompose:\n  ansible_python_interpreter: "%r"\n'
                     % (sim.url, work.cert, work.key, sim.ca_cert, sys.executable))
    mark = sim.log_mark()
    _seconds, output, _threads = work.playbook(EXEC_PLAYBOOK % dict(host='all[0]', commands=options.commands),
                                               inventory=inventory)
    # The inventory's own requests (3, once) are counted in too.
    entries = sim.requests_since(mark)
    sim.stop()
    seconds = float(output.split('BENCH ', 1)[1].split('"', 1)[0])
    return dict(per_command=seconds / options.commands, requests=len(entries) / float(options.commands),
                handshakes=len(set(entry.get('connection') for entry in entries)) / float(options.commands))


def bench_exec(variants, options):
    remote_ms, results, columns = nearby_and_remote(variants, options, exec_once)
    rows = [
        ['per command, connection plugin (raw)'] + ['%.0f ms' % (results[column]['per_command'] * 1000)
                                                    for column in columns],
        ['requests per command'] + ['%.1f' % results[column]['requests'] for column in columns],
        ['TLS handshakes per command'] + ['%.1f' % results[column]['handshakes'] for column in columns],
    ]
    print_table('bench_remote exec: %d raw commands on one instance over the anbox.ams.ams connection plugin'
                % options.commands, [''] + [column_title(column) for column in columns], rows)
    extra = {}
    for name, _work in variants:
        extra[name] = results[(name, remote_ms)]['per_command'] - results[(name, '0 ms')]['per_command']
        print('  %sremote costs %.0f ms more a command: %.1f round trips of %s'
              % (name and name + ': ', extra[name] * 1000, extra[name] / options.latency, remote_ms))
    round_trips = extra[variants[-1][0]] / options.latency
    met = round_trips <= EXEC_GOAL_ROUND_TRIPS
    print('  goal: a command costs at most %d round trips more at %s than nearby: %s'
          % (EXEC_GOAL_ROUND_TRIPS, remote_ms, 'met' if met else 'MISSED'))
    return 0 if met else 1


def main():
    options = parse_arguments()
    variants = []
    try:
        if options.baseline:
            variants.append(('before', Workspace(options.baseline)))
        variants.append(('after' if options.baseline else '', Workspace(options.collection)))
        bench = {'containers': bench_containers, 'demo': bench_demo, 'no-change': bench_no_change,
                 'exec': bench_exec}[options.benchmark]
        return bench(variants, options)
    finally:
        for _name, work in variants:
            work.close()


if __name__ == '__main__':
    sys.exit(main())
