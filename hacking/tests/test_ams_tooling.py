"""Tests of ams_tooling: what `make test` counts and how its steps run."""

import io
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

HACKING = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HACKING))

import ams_tooling  # noqa: E402  pylint: disable=wrong-import-position

SUITES = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="one">
    <testcase name="ok"/>
    <testcase name="broken"><failure message="boom"/></testcase>
    <testcase name="crashed"><error message="boom"/></testcase>
    <testcase name="later"><skipped message="not now"/></testcase>
  </testsuite>
  <testsuite name="two"><testcase name="also ok"/></testsuite>
</testsuites>
"""


def summary(*paths):
    completed = subprocess.run([sys.executable, str(HACKING / "ams_tooling.py"), "summary"] + [str(p) for p in paths],
                               capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout.splitlines()[-1], completed.stderr


def test_counts_testcases_of_nested_suites(tmp_path):
    (tmp_path / "a.xml").write_text(SUITES, encoding="utf-8")
    assert ams_tooling.count([tmp_path]) == {"passed": 2, "failed": 2, "skipped": 1}


def test_directories_are_searched_recursively_and_files_taken_as_given(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "a.xml").write_text(SUITES, encoding="utf-8")
    single = tmp_path / "b.xml"
    ams_tooling.write_suite(single, "lint", [("step", 1.0, "passed", "")])
    assert ams_tooling.count([tmp_path / "deep", single]) == {"passed": 3, "failed": 2, "skipped": 1}


def test_unparsable_file_is_one_failure_and_named(tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text("<testsuite><testcase name='x'>", encoding="utf-8")
    status, last_line, errors = summary(broken)
    assert (status, last_line) == (1, "0 passed, 1 failed, 0 skipped")
    assert "broken.xml" in errors


def test_nothing_passed_is_a_failure(tmp_path):
    status, last_line, _errors = summary(tmp_path)
    assert (status, last_line) == (1, "0 passed, 0 failed, 0 skipped")


def test_all_passed_exits_zero(tmp_path):
    ams_tooling.write_suite(tmp_path / "x.xml", "lint", [("a", 0.1, "passed", ""), ("b", 0.0, "skipped", "why")])
    assert summary(tmp_path)[:2] == (0, "1 passed, 0 failed, 1 skipped")


@pytest.mark.parametrize("result", ["passed", "failed", "skipped"])
def test_written_suites_read_back(tmp_path, result):
    ams_tooling.write_suite(tmp_path / "x.xml", "suite", [("case <&>", 0.5, result, "output with <markup> & ]]>")])
    expected = {"passed": 0, "failed": 0, "skipped": 0}
    expected[result] = 1
    assert ams_tooling.count([tmp_path]) == expected


def test_crash_without_junit_failure_is_recorded_with_its_output(tmp_path):
    ams_tooling.write_suite(tmp_path / "own.xml", "own", [("a", 0.0, "passed", "")])
    ams_tooling.record_exit(tmp_path, "units", 2, 1.0, "what went wrong\n")
    assert ams_tooling.count([tmp_path]) == {"passed": 1, "failed": 1, "skipped": 0}
    report = (tmp_path / "exit-units.xml").read_text(encoding="utf-8")
    assert "what went wrong" in report and "exit status 2" in report


def test_failure_already_in_junit_is_not_counted_twice(tmp_path):
    ams_tooling.write_suite(tmp_path / "own.xml", "own", [("a", 0.0, "failed", "no")])
    ams_tooling.record_exit(tmp_path, "units", 1, 1.0, "")
    assert ams_tooling.count([tmp_path]) == {"passed": 0, "failed": 1, "skipped": 0}


def test_run_copies_and_returns_the_output_and_status():
    copy = io.StringIO()
    status, _seconds, output = ams_tooling.run(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"], output=copy)
    assert status == 3
    assert sorted(output.split()) == ["err", "out"] and copy.getvalue() == output


def test_run_of_a_missing_program_is_status_127_not_a_traceback(tmp_path):
    status, _seconds, output = ams_tooling.run([tmp_path / "no-such-program"], output=io.StringIO())
    assert status == 127 and "cannot run" in output


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_run_stops_the_whole_process_group_at_its_timeout(tmp_path):
    script = tmp_path / "sleepers.py"
    script.write_text("import subprocess, sys, time\n"
                      "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
                      "print(child.pid, flush=True)\n"
                      "time.sleep(600)\n", encoding="utf-8")
    status, _seconds, output = ams_tooling.run([sys.executable, script], timeout=2, output=io.StringIO())
    assert status == 124 and "stopped after 2 s" in output
    grandchild = int(output.split()[0])
    for _attempt in range(100):
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild)


FAILED_OUTPUT = """Running ams_config integration test role
FATAL: The 2 integration test(s) listed below (out of 4) failed. See error output above for details:
ams_config
ams_node
"""


def test_integration_counts_one_test_per_target(tmp_path):
    (tmp_path / "integration-2026-01-01-10-00-00.json").write_text(json.dumps({"targets": {
        "ams_image": {"run_time_seconds": 4}, "ams_addon": {"run_time_seconds": 2}}}), encoding="utf-8")
    cases = ams_tooling.integration_cases(tmp_path, FAILED_OUTPUT)
    assert [(name, result) for name, _seconds, result, _message in cases] == [
        ("ams_addon", "passed"), ("ams_image", "passed"), ("ams_config", "failed"), ("ams_node", "failed")]


def test_integration_takes_the_newest_report(tmp_path):
    old = tmp_path / "integration-1.json"
    old.write_text(json.dumps({"targets": {"stale": {}}}), encoding="utf-8")
    new = tmp_path / "integration-2.json"
    new.write_text(json.dumps({"targets": {"fresh": {}}}), encoding="utf-8")
    past = time.time() - 60
    os.utime(old, (past, past))
    assert [case[0] for case in ams_tooling.integration_cases(tmp_path, "")] == ["fresh"]


def test_integration_without_report_or_failures_counts_nothing(tmp_path):
    assert ams_tooling.integration_cases(tmp_path, "ERROR: something else broke\n") == []


class WithoutStrictFields:
    def __init__(self, state_dir, extra_args=()):
        self.state_dir, self.extra_args = state_dir, list(extra_args)


class WithStrictFields:
    def __init__(self, state_dir, extra_args=(), strict_fields=False):
        self.state_dir, self.extra_args, self.strict_fields = state_dir, list(extra_args), strict_fields


def test_strict_fields_as_a_keyword_when_the_process_class_takes_it():
    assert ams_tooling.strict_simulator_options(WithStrictFields) == ({"strict_fields": True}, [])


def test_strict_fields_follow_the_simulators_command_line(monkeypatch):
    monkeypatch.setattr(ams_tooling, "simulator_has_strict_fields", lambda python=None: True)
    assert ams_tooling.strict_simulator_options(WithoutStrictFields) == ({}, ["--strict-fields"])
    monkeypatch.setattr(ams_tooling, "simulator_has_strict_fields", lambda python=None: False)
    assert ams_tooling.strict_simulator_options(WithoutStrictFields) == ({}, [])


def test_simulator_help_is_read_for_the_option():
    completed = subprocess.run([sys.executable, "-m", "ams_simulator", "--help"], capture_output=True, text=True,
                               env=ams_tooling.simulator_env(), check=False)
    assert completed.returncode == 0, completed.stderr
    assert ams_tooling.simulator_has_strict_fields(sys.executable) == ("--strict-fields" in completed.stdout)


def test_collection_copy_holds_the_tracked_files_and_keeps_ansible_tests_output(tmp_path):
    collection = ams_tooling.copy_collection(tmp_path)
    assert collection == tmp_path / "ansible_collections" / "anbox" / "ams"
    assert (collection / "galaxy.yml").is_file() and (collection / "noxfile.py").is_file()
    assert not (collection / ".venv").exists() and not (collection / "build").exists()
    cached = collection / "tests" / "output" / ".tmp" / "cached-venv"
    cached.mkdir(parents=True)
    ams_tooling.copy_collection(tmp_path)
    assert cached.is_dir()


def test_python_links_point_at_working_interpreters(tmp_path):
    links = ams_tooling.python_links(tmp_path)
    found = sorted(path.name for path in links.iterdir())
    assert found == sorted("python" + version for version, _path in ams_tooling.real_pythons())
    for link in links.iterdir():
        assert subprocess.run([str(link), "-c", ""], check=False).returncode == 0


def _fake_simulator_package(monkeypatch, process_class):
    package = types.ModuleType("ams_simulator")
    package.testing = types.ModuleType("ams_simulator.testing")
    package.testing.SimulatorProcess = process_class
    monkeypatch.setitem(sys.modules, "ams_simulator", package)
    monkeypatch.setitem(sys.modules, "ams_simulator.testing", package.testing)


def test_as_pytest_plugin_it_makes_every_simulator_strict_unless_a_test_says_otherwise(monkeypatch):
    class Process(WithStrictFields):
        pass

    _fake_simulator_package(monkeypatch, Process)
    monkeypatch.setenv(ams_tooling.STRICT_ENVIRONMENT, "1")
    ams_tooling.pytest_configure(None)
    assert Process("state").strict_fields is True
    assert Process("state", strict_fields=False).strict_fields is False


def test_as_pytest_plugin_it_adds_the_option_when_only_the_command_line_has_it(monkeypatch):
    class Process(WithoutStrictFields):
        pass

    _fake_simulator_package(monkeypatch, Process)
    monkeypatch.setattr(ams_tooling, "simulator_has_strict_fields", lambda python=None: True)
    monkeypatch.setenv(ams_tooling.STRICT_ENVIRONMENT, "1")
    ams_tooling.pytest_configure(None)
    assert Process("state", extra_args=["--populate-nodes", "1"]).extra_args == [
        "--populate-nodes", "1", "--strict-fields"]
    assert Process("state", extra_args=["--strict-fields"]).extra_args == ["--strict-fields"]


def test_as_pytest_plugin_it_leaves_the_simulator_alone_without_the_environment(monkeypatch):
    class Process(WithStrictFields):
        pass

    _fake_simulator_package(monkeypatch, Process)
    monkeypatch.delenv(ams_tooling.STRICT_ENVIRONMENT, raising=False)
    ams_tooling.pytest_configure(None)
    assert Process("state").strict_fields is False
