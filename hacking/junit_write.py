"""Write JUnit XML for test steps that produce none themselves (lint, build, crashed runners)."""

from xml.etree import ElementTree
from pathlib import Path


def write_suite(path, suite_name, cases):
    """Write one <testsuite> to PATH.

    cases: iterable of (name, seconds, result, message) with result "passed", "failed"
    or "skipped"; message is the failure output or the reason for skipping.
    """
    cases = list(cases)
    suite = ElementTree.Element("testsuite", {
        "name": suite_name,
        "tests": str(len(cases)),
        "failures": str(sum(1 for case in cases if case[2] == "failed")),
        "skipped": str(sum(1 for case in cases if case[2] == "skipped")),
        "errors": "0",
    })
    for name, seconds, result, message in cases:
        case = ElementTree.SubElement(suite, "testcase", {
            "classname": suite_name, "name": name, "time": "%.3f" % seconds})
        if result == "failed":
            ElementTree.SubElement(case, "failure", {"message": name + " failed"}).text = message
        elif result == "skipped":
            ElementTree.SubElement(case, "skipped", {"message": message})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
