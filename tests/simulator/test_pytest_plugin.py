"""The pytest plugin users load in their own suites."""

from importlib import metadata

import pytest

USER_TEST = '''
import requests


def test_user_suite(ams_simulator):
    session = requests.Session()
    session.trust_env = False
    reply = session.get(ams_simulator.url + "/1.0", verify=ams_simulator.ca_cert,
                        cert=(ams_simulator.client_cert, ams_simulator.client_key))
    assert reply.json()["metadata"]["auth"] == "trusted"
    nodes = session.get(ams_simulator.url + "/1.0/nodes", verify=ams_simulator.ca_cert,
                        cert=(ams_simulator.client_cert, ams_simulator.client_key)).json()["metadata"]
    assert len(nodes) == 1
'''


def test_plugin_fixture_in_a_user_suite(tmp_path):
    """Runs a user's test file with the plugin in a nested, in-process pytest session."""
    (tmp_path / "test_user.py").write_text(USER_TEST)

    class Outcomes:
        def __init__(self):
            self.passed, self.failed = [], []

        def pytest_runtest_logreport(self, report):
            if report.when == "call":
                (self.passed if report.passed else self.failed).append(report.nodeid)

    outcomes = Outcomes()
    # An installed package registers the plugin through its pytest11 entry point; otherwise name it.
    load = [] if _installed_as_plugin() else ["-p", "ams_simulator.pytest_plugin"]
    code = pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path / "test_user.py")]
                       + load, plugins=[outcomes])
    assert code == 0
    assert len(outcomes.passed) == 1 and not outcomes.failed


def _installed_as_plugin():
    try:
        points = metadata.entry_points(group="pytest11")
    except TypeError:  # Python 3.9: entry_points() takes no arguments
        points = metadata.entry_points().get("pytest11", [])
    return any(point.value == "ams_simulator.pytest_plugin" for point in points)
