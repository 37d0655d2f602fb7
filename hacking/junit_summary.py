"""Sum the test cases of JUnit XML files and print `N passed, N failed, N skipped`.

A test case fails when it holds a <failure> or <error>, is skipped when it holds <skipped>,
and passes otherwise. A file that cannot be parsed counts as one failure. Directories given
are searched for *.xml. Exit status: 0 when something passed and nothing failed, else 1.

Usage: python junit_summary.py PATH [PATH ...]
"""

import sys
from xml.etree import ElementTree
from pathlib import Path


def xml_files(paths):
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(path.rglob("*.xml"))
        elif path.exists():
            yield path


def outcome(testcase):
    if testcase.find("failure") is not None or testcase.find("error") is not None:
        return "failed"
    if testcase.find("skipped") is not None:
        return "skipped"
    return "passed"


def count(paths):
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for path in xml_files(paths):
        try:
            testcases = ElementTree.parse(path).getroot().iter("testcase")
            outcomes = [outcome(testcase) for testcase in testcases]
        except ElementTree.ParseError as error:
            print("junit_summary: %s is not valid JUnit XML (%s): counted as a failure" % (path, error), file=sys.stderr)
            outcomes = ["failed"]
        for name in outcomes:
            totals[name] += 1
    return totals


def main(argv):
    if not argv:
        sys.exit(__doc__.strip())
    totals = count(argv)
    print("{passed} passed, {failed} failed, {skipped} skipped".format(**totals))
    return 0 if totals["passed"] and not totals["failed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
