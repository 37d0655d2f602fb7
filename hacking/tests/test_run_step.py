"""Tests of run_step.py: a step of `make test` is never lost from the JUnit sum."""

import subprocess
import sys
from pathlib import Path

HACKING = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HACKING))

from junit_summary import count  # noqa: E402  pylint: disable=wrong-import-position
from junit_write import write_suite  # noqa: E402  pylint: disable=wrong-import-position


def run_step(results, *arguments):
    command = [sys.executable, str(HACKING / "run_step.py"), "--name", "demo", "--results", str(results)]
    return subprocess.run(command + list(arguments), capture_output=True, text=True, check=False)


def test_single_step_that_passes_is_one_passed_test(tmp_path):
    completed = run_step(tmp_path, "--single", "--", sys.executable, "-c", "print('fine')")
    assert completed.returncode == 0
    assert "fine" in completed.stdout
    assert count([tmp_path]) == {"passed": 1, "failed": 0, "skipped": 0}


def test_single_step_that_fails_keeps_its_output_and_status(tmp_path):
    completed = run_step(tmp_path, "--single", "--", sys.executable, "-c",
                         "import sys; print('what went wrong'); sys.exit(3)")
    assert completed.returncode == 3
    assert count([tmp_path]) == {"passed": 0, "failed": 1, "skipped": 0}
    report = (tmp_path / "step-demo.xml").read_text(encoding="utf-8")
    assert "what went wrong" in report and "exit status 3" in report


def test_crash_without_junit_failure_is_recorded(tmp_path):
    write_suite(tmp_path / "own.xml", "own", [("a", 0.0, "passed", "")])
    completed = run_step(tmp_path, "--", sys.executable, "-c", "raise SystemExit(2)")
    assert completed.returncode == 2
    assert count([tmp_path]) == {"passed": 1, "failed": 1, "skipped": 0}


def test_failure_already_in_junit_is_not_counted_twice(tmp_path):
    script = ("import sys; sys.path.insert(0, %r); from junit_write import write_suite; "
              "write_suite(%r, 'own', [('a', 0.0, 'failed', 'no')]); sys.exit(1)"
              % (str(HACKING), str(tmp_path / "own.xml")))
    completed = run_step(tmp_path, "--", sys.executable, "-c", script)
    assert completed.returncode == 1
    assert count([tmp_path]) == {"passed": 0, "failed": 1, "skipped": 0}


def test_missing_program_is_a_failed_step_not_a_traceback(tmp_path):
    completed = run_step(tmp_path, "--single", "--", str(tmp_path / "no-such-program"))
    assert completed.returncode == 127
    assert "Traceback" not in completed.stderr
    assert count([tmp_path]) == {"passed": 0, "failed": 1, "skipped": 0}


def test_skip_runs_nothing_and_records_the_reason(tmp_path):
    completed = run_step(tmp_path, "--skip", "no tests/e2e/")
    assert completed.returncode == 0
    assert count([tmp_path]) == {"passed": 0, "failed": 0, "skipped": 1}
    assert "no tests/e2e/" in (tmp_path / "step-demo.xml").read_text(encoding="utf-8")
