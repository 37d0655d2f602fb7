"""Tests of the JUnit helpers that decide what `make test` reports."""

import subprocess
import sys
from pathlib import Path

import pytest

HACKING = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HACKING))

from junit_summary import count  # noqa: E402  pylint: disable=wrong-import-position
from junit_write import write_suite  # noqa: E402  pylint: disable=wrong-import-position

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
    completed = subprocess.run([sys.executable, str(HACKING / "junit_summary.py")] + [str(p) for p in paths],
                               capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout.splitlines()[-1], completed.stderr


def test_counts_testcases_of_nested_suites(tmp_path):
    (tmp_path / "a.xml").write_text(SUITES, encoding="utf-8")
    assert count([tmp_path]) == {"passed": 2, "failed": 2, "skipped": 1}


def test_directories_are_searched_recursively_and_files_taken_as_given(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "a.xml").write_text(SUITES, encoding="utf-8")
    single = tmp_path / "b.xml"
    write_suite(single, "lint", [("step", 1.0, "passed", "")])
    assert count([tmp_path / "deep", single]) == {"passed": 3, "failed": 2, "skipped": 1}


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
    write_suite(tmp_path / "x.xml", "lint", [("a", 0.1, "passed", ""), ("b", 0.0, "skipped", "why")])
    assert summary(tmp_path)[:2] == (0, "1 passed, 0 failed, 1 skipped")


@pytest.mark.parametrize("result", ["passed", "failed", "skipped"])
def test_written_suites_read_back(tmp_path, result):
    write_suite(tmp_path / "x.xml", "suite", [("case <&>", 0.5, result, "output with <markup> & ]]>")])
    expected = {"passed": 0, "failed": 0, "skipped": 0}
    expected[result] = 1
    assert count([tmp_path]) == expected
