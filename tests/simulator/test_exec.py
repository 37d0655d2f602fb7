"""Exec: the operation with fds secrets, its websockets, emulated commands, real processes, refusals."""

import asyncio
import hashlib
import json
import os

import aiohttp
import pytest

import ams_sim_async
from ams_sim_client import Api
from conftest import start_simulator

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def sim(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("exec") / "state", client_cert, "--operation-delay", "0.02",
                              "--container-boot-delay", "0.02", "--populate-nodes", "1",
                              "--populate-containers", "1", "--exec-connect-timeout", "1")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(sim, client_cert):
    api = Api(sim.url, sim.ca_cert, cert=client_cert[:2])
    api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "box"}))
    return api


class Result:
    def __init__(self, status, operation, stdout, stderr, stdout_size=None, stdout_sha=None):
        self.status = status
        self.operation = operation
        self.stdout = stdout
        self.stderr = stderr
        self.stdout_size = stdout_size
        self.stdout_sha = stdout_sha

    @property
    def rc(self):
        return self.operation["metadata"]["return"]


def run_exec(sim, cert, command, path="/1.0/instances/box/exec", stdin=(), eof="text", environment=None,
             interactive=False, hash_stdout=False, control=None):
    """POST the exec, connect every fd, feed stdin chunks, end it with `eof` (text, close, none), collect output."""

    async def scenario():
        async with ams_sim_async.session(sim.ca_cert, cert) as session:
            body = {"command": command, "environment": environment or {}, "interactive": interactive,
                    "width": 0, "height": 0}
            async with session.post(sim.url + path, json=body) as response:
                answer = await response.json()
                if response.status != 202:
                    return Result(response.status, answer, None, None)
            op = answer["metadata"]
            fds = op["metadata"]["fds"]

            async def connect(fd):
                url = "%s/1.0/operations/%s/websocket?secret=%s" % (sim.url, op["id"], fds[fd])
                return await session.ws_connect(url, max_msg_size=0)

            # Control first, like the Go SDK: the command starts as soon as the stream fds are connected.
            sockets = {fd: await connect(fd) for fd in sorted(fds, key=lambda fd: fd != "control")}
            out = {"1": bytearray(), "2": bytearray()}
            digest, size = hashlib.sha256(), [0]

            async def read(fd, ws):
                async for message in ws:
                    assert message.type == aiohttp.WSMsgType.BINARY, message
                    if hash_stdout and fd in ("0", "1"):
                        digest.update(message.data)
                        size[0] += len(message.data)
                    else:
                        out["1" if fd == "0" else fd].extend(message.data)
                return ws.close_code

            async def write(ws):
                for chunk in stdin:
                    await ws.send_bytes(chunk)
                if eof == "text":
                    await ws.send_str("")
                elif eof == "close":
                    await ws.close()

            readers = [asyncio.ensure_future(read(fd, sockets[fd])) for fd in (("0",) if interactive else ("1", "2"))]
            writer = asyncio.ensure_future(write(sockets["0"]))
            if control is not None:
                await control(sockets["control"])
            codes = await asyncio.gather(*readers)
            await writer
            assert all(code == 1000 for code in codes), codes
            async with session.get(sim.url + "/1.0/operations/%s/wait" % op["id"], params={"timeout": "60"}) as waited:
                final = (await waited.json())["metadata"]
            for ws in sockets.values():
                await ws.close()
            return Result(202, final, bytes(out["1"]), bytes(out["2"]), size[0], digest.hexdigest())

    return asyncio.run(scenario())


def test_echo_and_the_operation_shape(sim, client_cert, api):
    result = run_exec(sim, client_cert[:2], ["echo", "hello", "world"])
    assert result.stdout == b"hello world\n" and result.stderr == b""
    op = result.operation
    assert op["status_code"] == 200 and op["err"] == "" and op["may_cancel"] is False
    assert op["status"] == "Success" and op["class"] == "websocket" and op["metadata"]["return"] == 0
    assert sorted(op["metadata"]["fds"]) == ["0", "1", "2", "control"]
    box = api.metadata("/1.0/instances/box")
    assert op["resources"] == {"instances": ["/1.0/instances/" + box["id"]]}


@pytest.mark.parametrize("command, rc, stdout, stderr", [
    (["true"], 0, b"", b""),
    (["false"], 1, b"", b""),
    (["sh", "-c", "exit 7"], 7, b"", b""),
    (["/bin/sh", "-c", "echo one; echo 'two  words' && exit 3; echo never"], 3, b"one\ntwo  words\n", b""),
    (["sh", "-c", "false && echo never"], 1, b"", b""),
    (["no-such-command", "x"], 127, b"", b"sh: no-such-command: not found\n"),
    (["sh", "-c", "echo a | cat"], 2, b"", b"sh: | is not emulated (only ';' and '&&' join commands)\n"),
    (["anbox-shell", "getprop", "ro.build.version.release"], 0, b"13\n", b""),
    (["anbox-shell", "getprop", "no.such.prop"], 0, b"\n", b""),
    (["echo", "-n", "x"], 0, b"x", b""),
    (["head", "-c", "5", "/dev/zero"], 0, b"\0" * 5, b""),
    (["cat", "/etc/passwd"], 1, b"", b"cat: /etc/passwd: No such file or directory\n"),
])
def test_emulated_commands(sim, client_cert, api, command, rc, stdout, stderr):
    result = run_exec(sim, client_cert[:2], command)
    assert (result.rc, result.stdout, result.stderr) == (rc, stdout, stderr)


def test_getprop_lists_and_env_is_passed(sim, client_cert, api):
    listing = run_exec(sim, client_cert[:2], ["anbox-shell", "getprop"]).stdout.decode()
    assert "[ro.build.version.release]: [13]\n" in listing and "[ro.product.cpu.abi]: [x86_64]\n" in listing
    env = run_exec(sim, client_cert[:2], ["env"], environment={"FOO": "bar baz"}).stdout.decode().splitlines()
    assert "FOO=bar baz" in env and "HOME=/root" in env


@pytest.mark.parametrize("eof", ["text", "close", "drop"])
def test_cat_is_binary_safe_whatever_ends_stdin(sim, client_cert, api, eof):
    data = os.urandom(3 * MIB + 17)
    chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)] + [b""]
    if eof == "drop":
        result = _cat_with_drop(sim, client_cert[:2], chunks)
    else:
        result = run_exec(sim, client_cert[:2], ["cat"], stdin=chunks, eof=eof)
    assert result.rc == 0 and result.stdout == data and result.stderr == b""


def _cat_with_drop(sim, cert, chunks):
    """Like the Go SDK: stdin's websocket is closed at the TCP level, without a close frame."""

    async def scenario():
        async with ams_sim_async.session(sim.ca_cert, cert) as session:
            async with session.post(sim.url + "/1.0/instances/box/exec", json={"command": ["cat"]}) as response:
                op = (await response.json())["metadata"]
            fds = op["metadata"]["fds"]
            url = "%s/1.0/operations/%s/websocket?secret=" % (sim.url, op["id"])
            stdin_session = ams_sim_async.session(sim.ca_cert, cert)
            stdin_ws = await stdin_session.ws_connect(url + fds["0"])
            stdout_ws = await session.ws_connect(url + fds["1"], max_msg_size=0)
            stderr_ws = await session.ws_connect(url + fds["2"])
            for chunk in chunks:
                await stdin_ws.send_bytes(chunk)
            await stdin_session.connector.close()  # drops the connection: no close frame
            stdout = bytearray()
            async for message in stdout_ws:
                stdout.extend(message.data)
            async for _message in stderr_ws:
                pass
            await stdin_session.close()
            async with session.get(sim.url + "/1.0/operations/%s/wait" % op["id"]) as waited:
                final = (await waited.json())["metadata"]
            return Result(202, final, bytes(stdout), b"")

    return asyncio.run(scenario())


def _peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for %d" % pid)


def test_large_streams_keep_memory_bounded(sim, client_cert, api):
    before = _peak_rss_kib(sim.pid)
    produced = run_exec(sim, client_cert[:2], ["head", "-c", str(64 * MIB), "/dev/zero"], hash_stdout=True)
    assert produced.rc == 0 and produced.stdout_size == 64 * MIB
    assert produced.stdout_sha == hashlib.sha256(bytes(64 * MIB)).hexdigest()
    block = os.urandom(MIB)
    expected = hashlib.sha256()
    for _index in range(100):
        expected.update(block)
    piped = run_exec(sim, client_cert[:2], ["cat"], stdin=[block] * 100, hash_stdout=True)
    assert piped.rc == 0 and piped.stdout_size == 100 * MIB and piped.stdout_sha == expected.hexdigest()
    grown = _peak_rss_kib(sim.pid) - before
    assert grown < 48 * 1024, "peak RSS of the simulator grew by %d KiB" % grown


def test_control_signal_ends_a_long_command(sim, client_cert, api):
    async def control(ws):
        await asyncio.sleep(0.2)
        await ws.send_str(json.dumps({"command": "window-resize", "args": {"width": "80", "height": "24"}}))
        await ws.send_str(json.dumps({"command": "signal", "signal": 15}))

    result = run_exec(sim, client_cert[:2], ["sleep", "600"], control=control)
    assert result.rc == 128 + 15 and result.operation["status_code"] == 200


def test_interactive_uses_one_stream(sim, client_cert, api):
    result = run_exec(sim, client_cert[:2], ["sh", "-c", "echo out; no-such"], interactive=True, eof="none")
    assert sorted(result.operation["metadata"]["fds"]) == ["0", "control"]
    assert result.rc == 127 and result.stdout == b"out\nsh: no-such: not found\n"


def test_containers_endpoint(sim, client_cert, api):
    container = api.metadata("/1.0/containers", params={"recursion": "1"})[0]
    result = run_exec(sim, client_cert[:2], ["echo", "via containers"], path="/1.0/containers/%s/exec" % container["id"])
    assert result.stdout == b"via containers\n" and result.rc == 0
    assert result.operation["resources"] == {"containers": ["/1.0/containers/" + container["id"]]}


@pytest.mark.parametrize("body, status, message", [
    ({"command": []}, 400, "command must be a non-empty list of strings"),
    ({"command": "echo hi"}, 400, "field 'command' must be a list"),
    ({"command": ["echo"], "environment": {"A": 1}}, 400, "environment values must be strings"),
    ({"command": ["echo"], "tty": True}, 400, "unknown field(s) tty"),
])
def test_bad_requests(api, body, status, message):
    response = api.post("/1.0/instances/box/exec", json=body)
    assert response.status_code == status and message in response.json()["error"]


def test_refusals(sim, client_cert, api):
    assert api.post("/1.0/instances/nobody/exec", json={"command": ["true"]}).status_code == 404
    api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "sleepy", "no_start": True}))
    refused = api.post("/1.0/instances/sleepy/exec", json={"command": ["true"]})
    assert refused.status_code == 400
    assert "sleepy is not running (status stopped)" in refused.json()["error"]
    response = api.post("/1.0/instances/box/exec", json={"command": ["true"]})
    op = response.json()["metadata"]
    secret = op["metadata"]["fds"]["0"]

    async def sockets():
        async with ams_sim_async.session(sim.ca_cert, None) as guest:
            url = "%s/1.0/operations/%s/websocket" % (sim.url, op["id"])
            async with guest.get(url, params={"secret": "wrong"}) as wrong:
                assert wrong.status == 403
            ws = await guest.ws_connect(url + "?secret=" + secret)  # guests may connect with the secret
            async with guest.get(url, params={"secret": secret}) as again:
                assert again.status == 409
            await ws.close()
            async with guest.get(sim.url + "/1.0/operations/no-such-op/websocket", params={"secret": "x"}) as none:
                assert none.status == 404

    asyncio.run(sockets())
    final = api.wait(response)
    assert final["status_code"] == 400 and "timed out after 1s waiting for the websockets of fds 1, 2" in final["err"]
    done = api.metadata("/1.0/operations/" + final["id"])
    websocket = api.get("/1.0/operations/%s/websocket" % done["id"], params={"secret": secret})
    assert websocket.status_code == 400 and "has finished" in websocket.json()["error"]
    _delete = api.delete("/1.0/instances/sleepy")
    api.ok(_delete)


def test_stopping_the_instance_kills_the_command(sim, client_cert, api):
    api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "stopper"}))

    async def control(_ws):
        await asyncio.get_event_loop().run_in_executor(None, lambda: api.ok(api.patch(
            "/1.0/instances/stopper", json={"desired_status": "stopped"})))

    result = run_exec(sim, client_cert[:2], ["sleep", "600"], path="/1.0/instances/stopper/exec", control=control)
    assert result.rc == 128 + 9
    api.ok(api.delete("/1.0/instances/stopper"))


@pytest.fixture(scope="module")
def real(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("exec-real") / "state", client_cert, "--operation-delay", "0.02",
                              "--container-boot-delay", "0.02", "--populate-nodes", "1", "--populate-containers", "1",
                              "--exec-real-processes")
    api = Api(process.url, process.ca_cert, cert=client_cert[:2])
    api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "box"}))
    api.ok(api.post("/1.0/instances", json={"app_id": "populated-app", "name": "other"}))
    yield process
    process.stop()


def test_real_processes(real, client_cert):
    script = "echo \"$HOME\"; pwd; echo \"$GREETING\"; echo oops >&2; exit 3"
    result = run_exec(real, client_cert[:2], ["/bin/sh", "-c", script], environment={"GREETING": "hi"})
    home, cwd, greeting = result.stdout.decode().splitlines()
    box = Api(real.url, real.ca_cert, cert=client_cert[:2]).metadata("/1.0/instances/box")
    assert home == cwd == os.path.join(real.state_dir, "exec", box["id"])
    assert greeting == "hi" and result.stderr == b"oops\n" and result.rc == 3
    other = run_exec(real, client_cert[:2], ["pwd"], path="/1.0/instances/other/exec").stdout.decode().strip()
    assert other != home and other.startswith(os.path.join(real.state_dir, "exec"))
    data = os.urandom(5 * MIB)
    piped = run_exec(real, client_cert[:2], ["cat"], stdin=[data[i:i + MIB] for i in range(0, len(data), MIB)])
    assert piped.rc == 0 and piped.stdout == data
    python = run_exec(real, client_cert[:2], ["python3", "-c", "import sys; sys.stdout.write(sys.stdin.read().upper())"],
                      stdin=[b"ansible"])
    assert python.stdout == b"ANSIBLE" and python.rc == 0
    assert run_exec(real, client_cert[:2], ["/no/such/binary"]).rc == 127


def test_real_process_signal(real, client_cert):
    async def control(ws):
        await asyncio.sleep(0.2)
        await ws.send_str(json.dumps({"command": "signal", "signal": 15}))

    assert run_exec(real, client_cert[:2], ["sleep", "600"], control=control).rc == 128 + 15


@pytest.fixture(scope="module")
def older(tmp_path_factory, client_cert):
    process = start_simulator(tmp_path_factory.mktemp("exec-older") / "state", client_cert, "--operation-delay", "0.02",
                              "--populate-nodes", "1", "--populate-containers", "1", "--without-instances")
    yield process
    process.stop()


def test_older_server_has_no_exec(older, client_cert):
    api = Api(older.url, older.ca_cert, cert=client_cert[:2])
    container = api.metadata("/1.0/containers", params={"recursion": "1"})[0]
    assert api.post("/1.0/containers/%s/exec" % container["id"], json={"command": ["true"]}).status_code == 404
    assert api.post("/1.0/instances/%s/exec" % container["id"], json={"command": ["true"]}).status_code == 404
