"""Fixtures: a shared simulator per test module, a trusted client, package builders."""

import os
import sys

import pytest

SIMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                             "simulator")
if SIMULATOR_DIR not in sys.path:
    sys.path.insert(0, SIMULATOR_DIR)

from ams_simulator.testing import SimulatorProcess, make_client_cert  # noqa: E402

from ams_sim_client import Api  # noqa: E402

TRUST_PASSWORD = "sim-trust-pw"


@pytest.fixture(scope="session")
def client_cert(tmp_path_factory):
    cert, key, fingerprint = make_client_cert(str(tmp_path_factory.mktemp("client")), name="trusted")
    return cert, key, fingerprint


def start_simulator(state_dir, client_cert, *extra_args, strict_fields=True):
    process = SimulatorProcess(str(state_dir), trust_password=TRUST_PASSWORD, strict_fields=strict_fields,
                               extra_args=["--trust-cert", client_cert[0]] + [str(arg) for arg in extra_args])
    return process.start()


@pytest.fixture(scope="session")
def shared_sim(tmp_path_factory, client_cert):
    """One simulator shared by the modules that do not need their own (they use distinct object names)."""
    state = tmp_path_factory.mktemp("sim") / "state"
    process = start_simulator(state, client_cert, "--populate-nodes", "2", "--operation-delay", "0.02",
                              "--bootstrap-delay", "0.05", "--container-boot-delay", "0.02",
                              "--unix-socket", state / "ams.socket", "--fail", "node:broken-node",
                              "--stale-etag-once", "node/stale-node")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def sim(shared_sim):
    """Modules override this fixture when they need a simulator of their own."""
    return shared_sim


@pytest.fixture(scope="module")
def api(sim, client_cert):
    return Api(sim.url, sim.ca_cert, cert=client_cert[:2])
