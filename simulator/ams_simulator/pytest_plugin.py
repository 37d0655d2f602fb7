"""pytest fixtures for testing against the simulator.

`ams_simulator` gives a started simulator (one node, one trusted client certificate) with attributes
`url`, `ca_cert`, `client_cert`, `client_key`, `fingerprint`, plus everything of SimulatorProcess.
Enable it with `-p ams_simulator.pytest_plugin` (or automatically when the package is installed).
"""

import pytest

from .testing import SimulatorProcess, make_client_cert


@pytest.fixture
def ams_simulator_args():
    """Override to pass extra command line options to the `ams_simulator` fixture."""
    return ["--populate-nodes", "1"]


@pytest.fixture
def ams_simulator(tmp_path_factory, ams_simulator_args):
    base = tmp_path_factory.mktemp("ams-simulator")
    cert_path, key_path, fingerprint = make_client_cert(str(base / "client"), name="client")
    process = SimulatorProcess(str(base / "state"), extra_args=["--trust-cert", cert_path] + list(ams_simulator_args))
    process.start()
    process.client_cert = cert_path
    process.client_key = key_path
    process.fingerprint = fingerprint
    try:
        yield process
    finally:
        process.stop()
