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
def ams_simulator_strict_fields():
    """Override to return True (unknown JSON fields are 400) or False (ignored, as AMS does); None leaves it to
    the AMS_SIMULATOR_STRICT_FIELDS environment variable."""
    return None


@pytest.fixture
def ams_simulator(tmp_path_factory, ams_simulator_args, ams_simulator_strict_fields):
    base = tmp_path_factory.mktemp("ams-simulator")
    cert_path, key_path, fingerprint = make_client_cert(str(base / "client"), name="client")
    process = SimulatorProcess(str(base / "state"), extra_args=["--trust-cert", cert_path] + list(ams_simulator_args),
                               strict_fields=ams_simulator_strict_fields)
    process.start()
    process.client_cert = cert_path
    process.client_key = key_path
    process.fingerprint = fingerprint
    try:
        yield process
    finally:
        process.stop()
