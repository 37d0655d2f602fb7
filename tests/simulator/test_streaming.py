"""Large uploads stream through the TLS bridge to disk with bounded server memory."""

import hashlib
import os
import tarfile

import pytest

import ams_sim_packages as packages
from conftest import start_simulator

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    """Its own simulator, so the memory high-water mark reflects these uploads only."""
    process = start_simulator(tmp_path_factory.mktemp("stream") / "state", client_cert, "--populate-nodes", "1",
                              "--bootstrap-delay", "0.05")
    yield process
    process.stop()


def _memory_kib(pid, field):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for pid %d" % (field, pid))


def _body(chunks):
    chunk = b"\0" * MIB
    for _chunk in range(chunks):
        yield chunk


def test_large_upload_streams_with_bounded_memory(sim, api):
    before = _memory_kib(sim.pid, "VmHWM")
    size_mib = 256
    response = api.upload("POST", "/1.0/images", _body(size_mib), meta={"name": "huge"}, fingerprint="f" * 64)
    assert response.status_code == 400
    expected = hashlib.sha256(b"\0" * MIB * size_mib).hexdigest()
    assert expected in response.json()["error"]
    growth_mib = (_memory_kib(sim.pid, "VmHWM") - before) / 1024
    assert growth_mib < 64, "server memory grew by %.0f MiB for a %d MiB upload" % (growth_mib, size_mib)


def test_large_download_of_an_exported_version(sim, api):
    api.ok(api.upload("POST", "/1.0/images", packages.image(), meta={"name": "bulky-image"}))
    apk = os.urandom(16 * MIB)
    package = packages.application({"name": "bulky", "instance-type": "a2.3", "image": "bulky-image"}, apk=apk,
                                   kind="zip")
    api.ok(api.upload("POST", "/1.0/applications", package))
    api.wait_until("/1.0/applications/bulky", lambda app: app["status"] in ("ready", "error"))
    exported = api.get("/1.0/applications/bulky/0", stream=True)
    assert exported.status_code == 200
    with tarfile.open(fileobj=exported.raw, mode="r|") as image:
        for member in image:
            if member.name == "rootfs/var/lib/anbox/application/package.zip":
                digest = hashlib.sha256(image.extractfile(member).read()).hexdigest()
    assert digest == hashlib.sha256(package).hexdigest()
