# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: anbox.ams.ams_image uploading a 1 GiB image, beside curl --data-binary of the same file.

Starts its own simulator (port 0), writes a valid image tarball of the given
size (metadata.yaml plus a rootfs file repeating a random block, gzip at level 0:
the cheapest kind AMS accepts, as the data does not compress), and runs one
ams_image task through ansible-playbook while it polls the module process's
peak RSS (VmHWM in /proc/<pid>/status; the module is the AnsiballZ python
below ansible-playbook). Then curl uploads the same file to the simulator with
the same client certificate. Module and curl take turns for --rounds rounds (a
new image name each time) and the medians are compared, as one upload of 1 GiB
varies by tens of percent with the page cache and the disk. Throughput is the
file size over the time AMS took to receive the POST (the simulator's request
log), and over wall time.

Usage: bench_upload.py [--size-mib 1024] [--rounds 3] [--keep-dir]
Needs ansible-playbook (next to this Python or on PATH), curl, and the simulator
importable (PYTHONPATH=simulator, as `make bench` sets). Bounded: each step has a
timeout, the whole run stays under five minutes.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'simulator'))

from ams_simulator.testing import SimulatorProcess, make_client_cert  # noqa: E402

RSS_GOAL_MIB = 100
# The whole run stops with an error past this many seconds.
BUDGET_SECONDS = 290
CHUNK = 4 * 1024 * 1024
MIB = 1024 * 1024

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Upload the image
      anbox.ams.ams_image:
        url: "%(url)s"
        client_cert: "%(cert)s"
        client_key: "%(key)s"
        ca_cert: "%(ca)s"
        name: "%(name)s"
        src: "%(src)s"
        request_timeout: 120
      register: uploaded

    - name: Check the upload
      ansible.builtin.assert:
        that:
          - uploaded is changed
          - uploaded.image.versions | length == 1
"""


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mib', type=int, default=1024, help='size of the rootfs file (default 1024)')
    parser.add_argument('--rounds', type=int, default=3, help='module and curl uploads each (default 3)')
    parser.add_argument('--keep-dir', action='store_true', help='keep the work directory (for debugging)')
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error('--rounds must be at least 1')
    return arguments


def tool(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    found = beside if os.path.exists(beside) else shutil.which(name)
    if not found:
        sys.exit('bench_upload: %s is not installed (next to %s or on PATH)' % (name, sys.executable))
    return found


class PatternFile(io.RawIOBase):
    """``size`` bytes repeating one random block: incompressible, cheap, never all in memory."""

    def __init__(self, size):
        self.left = size
        self.block = os.urandom(CHUNK)

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.left, CHUNK)
        buffer[:count] = self.block[:count]
        self.left -= count
        return count


def write_image(path, size):
    """A valid image tarball: metadata.yaml first, then a rootfs file of random bytes; gzip level 0."""
    with gzip.open(path, 'wb', compresslevel=0) as compressed:
        with tarfile.open(fileobj=compressed, mode='w|') as archive:
            metadata = b'architecture: x86_64\ncreation_date: 1700000000\nproperties: {description: bench}\n'
            info = tarfile.TarInfo('metadata.yaml')
            info.size = len(metadata)
            archive.addfile(info, io.BytesIO(metadata))
            info = tarfile.TarInfo('rootfs/data.bin')
            info.size = size
            archive.addfile(info, io.BufferedReader(PatternFile(size), CHUNK))
    return os.path.getsize(path)


def _children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as handle:
            return [int(child) for child in handle.read().split()]
    except (IOError, OSError, ValueError):
        return []


def _descendants(pid):
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return handle.read().split(b'\0')
    except (IOError, OSError):
        return []


def _peak_rss_kib(pid):
    try:
        with open('/proc/%d/status' % pid) as handle:
            for line in handle:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except (IOError, OSError, ValueError):
        return None
    return None


class PeakRSSWatcher(threading.Thread):
    """Polls the processes below ``root_pid`` whose command line matches, keeping each one's VmHWM."""

    def __init__(self, root_pid, matches, interval=0.01):
        super(PeakRSSWatcher, self).__init__(daemon=True)
        self.root_pid = root_pid
        self.matches = matches
        self.interval = interval
        self.peaks = {}
        self.seen = {}  # pid -> (first, last) time it was seen
        self.samples = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            candidates = [self.root_pid] + _descendants(self.root_pid)
            for pid in candidates:
                if self.matches(_cmdline(pid)):
                    peak = _peak_rss_kib(pid)
                    if peak is not None:
                        self.peaks[pid] = max(peak, self.peaks.get(pid, 0))
                        now = time.monotonic()
                        self.seen[pid] = (self.seen.get(pid, (now, now))[0], now)
                        self.samples += 1
            self.stopping.wait(self.interval)

    def stop(self):
        self.stopping.set()
        self.join()


def is_module_process(cmdline):
    return len(cmdline) > 1 and b'python' in os.path.basename(cmdline[0]) and \
        any(b'AnsiballZ_ams_image' in part for part in cmdline[1:])


def is_curl(cmdline):
    return bool(cmdline) and os.path.basename(cmdline[0]) == b'curl'


def watched_run(command, env, matches, exit_on_failure=True):
    """Run ``command``; return (output, seconds, peak RSS KiB, lifetime seconds of the matching process).

    A failed command ends the benchmark, or with ``exit_on_failure=False`` gives its message (text) as
    output and None as peak.
    """
    started = time.monotonic()
    timeout = max(DEADLINE - started, 1)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watcher = PeakRSSWatcher(process.pid, matches)
    watcher.start()
    try:
        output, _unused = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _unused = process.communicate()
        watcher.stop()
        sys.exit('bench_upload: %s did not finish within the %d s budget:\n%s'
                 % (command[0], BUDGET_SECONDS, output.decode('utf-8', 'replace')[-3000:]))
    seconds = time.monotonic() - started
    watcher.stop()
    if process.returncode != 0:
        message = '%s failed:\n%s' % (command[0], output.decode('utf-8', 'replace')[-3000:])
        if exit_on_failure:
            sys.exit('bench_upload: ' + message)
        return message, seconds, None, None
    if not watcher.peaks:
        return output, seconds, None, None
    pid = max(watcher.peaks, key=watcher.peaks.get)
    first, last = watcher.seen[pid]
    return output, seconds, watcher.peaks[pid], last - first


def collection_tree(work):
    parent = os.path.join(work, 'collections', 'ansible_collections', 'anbox')
    if not os.path.exists(parent):
        os.makedirs(parent)
        os.symlink(ROOT, os.path.join(parent, 'ams'))
    return os.path.join(work, 'collections')


def run_module(work, sim, cert, key, image, name):
    playbook = os.path.join(work, 'upload.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(PLAYBOOK % dict(url=sim.url, cert=cert, key=key, ca=sim.ca_cert, src=image, name=name))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_tree(work), ANSIBLE_NOCOLOR='1',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false')
    command = [tool('ansible-playbook'), '-i', 'localhost,', '-c', 'local', playbook]
    _output, seconds, peak, lifetime = watched_run(command, env, is_module_process)
    if peak is None:
        sys.exit('bench_upload: the module process was never seen; cannot report its peak RSS')
    return seconds, peak, lifetime


def curl_command(sim, cert, key, fingerprint, body_option, name):
    return [tool('curl'), '-sS', '--fail', '--cacert', sim.ca_cert, '--cert', cert, '--key', key,
            '-X', 'POST', '-H', 'Content-Type: application/octet-stream',
            '-H', 'X-AMS-Request: %s' % json.dumps({'name': name, 'default': False}),
            '-H', 'X-AMS-Fingerprint: ' + fingerprint] + body_option + [sim.url + '/1.0/images']


def curl_ways(image):
    return [('--data-binary @file', ['--data-binary', '@' + image]), ('--upload-file file', ['--upload-file', image])]


def run_curl(sim, cert, key, ways, fingerprint, name):
    """curl --data-binary @file as the issue asks; curl refuses that for files beyond its in-memory
    limit ("out of memory"), and then the same upload runs with --upload-file, which streams."""
    refusals = []
    for label, body_option in ways:
        command = curl_command(sim, cert, key, fingerprint, body_option, name)
        output, seconds, peak, _lifetime = watched_run(command, dict(os.environ), is_curl, exit_on_failure=False)
        if isinstance(output, bytes):
            break
        refusals.append((label, ' '.join(output.split('\n')[1:2]).strip()))
    else:
        sys.exit('bench_upload: curl could not upload the image: %s' % (refusals,))
    answer = json.loads(output.decode('utf-8'))
    if answer.get('type') != 'async':
        sys.exit('bench_upload: curl upload was not accepted: %s' % answer)
    return label, seconds, peak, refusals


def upload_entry(entries, path='/1.0/images'):
    posts = [entry for entry in entries if entry['method'] == 'POST' and entry['path'] == path]
    if len(posts) != 1:
        sys.exit('bench_upload: expected one POST %s in the request log, found %d' % (path, len(posts)))
    return posts[0]


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0


DEADLINE = time.monotonic() + BUDGET_SECONDS


def main():
    arguments = parse_arguments()
    work = tempfile.mkdtemp(prefix='bench-upload-')
    sim = None
    try:
        started = time.monotonic()
        image = os.path.join(work, 'bench-image.tar.gz')
        size = write_image(image, arguments.size_mib * MIB)
        build_seconds = time.monotonic() - started
        cert, key, _fingerprint = make_client_cert(os.path.join(work, 'client'))
        sim = SimulatorProcess(os.path.join(work, 'state'), port=0, extra_args=['--trust-cert', cert]).start()

        fingerprint = sha256_of(image)
        ways = curl_ways(image)
        module_runs, curl_runs, curl_refusals = [], [], []
        for round_number in range(arguments.rounds):
            mark = sim.log_mark()
            seconds, peak, lifetime = run_module(work, sim, cert, key, image, 'bench-module-%d' % round_number)
            entries = sim.requests_since(mark)
            module_runs.append((seconds, peak, lifetime, upload_entry(entries)['duration_ms'] / 1000.0,
                                len(entries)))

            mark = sim.log_mark()
            curl_label, seconds, peak, refusals = run_curl(sim, cert, key, ways, fingerprint,
                                                           'bench-curl-%d' % round_number)
            curl_refusals += refusals
            ways = [way for way in ways if way[0] == curl_label]  # a refusal is not retried every round
            curl_runs.append((seconds, peak, upload_entry(sim.requests_since(mark))['duration_ms'] / 1000.0))
    finally:
        if sim is not None:
            sim.stop()
        if arguments.keep_dir:
            print('work directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)

    megabytes = size / 1e6
    module_seconds = median(run[0] for run in module_runs)
    module_mib = max(run[1] for run in module_runs) / 1024.0
    module_lifetime = median(run[2] for run in module_runs)
    module_post_s = median(run[3] for run in module_runs)
    module_requests = max(run[4] for run in module_runs)
    curl_seconds = median(run[0] for run in curl_runs)
    curl_peaks = [run[1] for run in curl_runs if run[1]]
    curl_post_s = median(run[2] for run in curl_runs)
    rows = [
        ('image tarball (gzip level 0, incompressible rootfs)',
         '%.0f MiB, written in %.1f s' % (size / MIB, build_seconds)),
        ('rounds (module and curl take turns; medians below)', '%d' % len(module_runs)),
        ('module POST seconds, each round', ', '.join('%.2f' % run[3] for run in module_runs)),
        ('curl POST seconds, each round', ', '.join('%.2f' % run[2] for run in curl_runs)),
        ('module peak RSS (VmHWM of the module process, highest)', '%.1f MiB' % module_mib),
        ('goal for the module peak RSS',
         '<= %d MiB: %s' % (RSS_GOAL_MIB, 'met' if module_mib <= RSS_GOAL_MIB else 'MISSED')),
    ]
    rows += [('curl %s' % label, 'failed: %s' % reason) for label, reason in curl_refusals]
    rows += [
        ('curl %s peak RSS' % curl_label, '%.1f MiB' % (max(curl_peaks) / 1024.0) if curl_peaks else 'not seen'),
        ('module: POST /1.0/images as AMS timed it', '%.2f s = %.0f MB/s' % (module_post_s, megabytes / module_post_s)),
        ('curl:   POST /1.0/images as AMS timed it (%s)' % curl_label,
         '%.2f s = %.0f MB/s' % (curl_post_s, megabytes / curl_post_s)),
        ('upload throughput module / curl (medians)', '%.2f' % (curl_post_s / module_post_s)),
        ('module: module process, start to exit', '%.2f s = %.0f MB/s (checks, SHA-256 pre-pass, upload, wait)'
         % (module_lifetime, megabytes / module_lifetime)),
        ('module: whole ansible-playbook run', '%.2f s' % module_seconds),
        ('curl:   whole command', '%.2f s = %.0f MB/s' % (curl_seconds, megabytes / curl_seconds)),
        ('requests sent by the module', '%d' % module_requests),
    ]
    width = max(len(label) for label, _value in rows)
    print('bench_upload: ams_image uploading %.0f MiB to the simulator on loopback' % (size / MIB))
    for label, value in rows:
        print('  %-*s  %s' % (width, label, value))
    if module_mib > RSS_GOAL_MIB:
        sys.exit('bench_upload: the module peak RSS %.1f MiB is above the goal of %d MiB' % (module_mib, RSS_GOAL_MIB))


if __name__ == '__main__':
    main()
