"""Run one step of `make test`, print its output as it comes, and make sure JUnit records it.

Modes:
  --single        the step is one test: it passes when the command exits 0.
  (default)       the command writes its own JUnit files into --results; when it exits
                  non-zero but those files record no failure (a crash, a setup error), the
                  exit is recorded as one failed test so that it is never lost.
  --skip REASON   do not run anything; record the step as skipped.

Usage: python run_step.py --name NAME --results DIR [--single | --skip REASON] -- COMMAND...
Exit status: the command's.
"""

import argparse
import collections
import os
import subprocess
import sys
import time
from pathlib import Path

from junit_summary import count
from junit_write import write_suite

TAIL_LINES = 60


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Run one step of `make test`.")
    parser.add_argument("--name", required=True)
    parser.add_argument("--results", required=True, type=Path)
    parser.add_argument("--single", action="store_true")
    parser.add_argument("--skip", metavar="REASON")
    parser.add_argument("command", nargs="*")
    arguments = parser.parse_args(argv)
    if not arguments.skip and not arguments.command:
        parser.error("a command is required unless --skip is given")
    return arguments


def run(command, env=None):
    """Run COMMAND, echoing its output; return (status, seconds, last lines of output)."""
    started = time.monotonic()
    tail = collections.deque(maxlen=TAIL_LINES)
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env)
    except OSError as error:
        return 127, 0.0, ["cannot run %s: %s" % (command[0], error)]
    for raw in process.stdout:
        line = raw.decode("utf-8", "replace")
        sys.stdout.write(line)
        sys.stdout.flush()
        tail.append(line)
    return process.wait(), time.monotonic() - started, list(tail)


def main(argv):
    arguments = parse_arguments(argv)
    junit = arguments.results / ("step-%s.xml" % arguments.name)
    print("==> %s" % arguments.name, flush=True)
    if arguments.skip:
        write_suite(junit, "make-test", [(arguments.name, 0.0, "skipped", arguments.skip)])
        print("<== %s skipped: %s" % (arguments.name, arguments.skip), flush=True)
        return 0

    arguments.results.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, JUNIT_DIR=str(arguments.results))
    status, seconds, tail = run(arguments.command, env)
    message = "exit status %d\n%s" % (status, "".join(tail))
    if arguments.single:
        write_suite(junit, "make-test", [(arguments.name, seconds, "passed" if status == 0 else "failed", message)])
    elif status != 0 and not count([arguments.results])["failed"]:
        write_suite(junit, "make-test", [(arguments.name, seconds, "failed", message)])
    print("<== %s: exit status %d after %.1fs" % (arguments.name, status, seconds), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
