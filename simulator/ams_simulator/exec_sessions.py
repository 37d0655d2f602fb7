"""Exec sessions: LXD's exec protocol, which AMS serves for POST /1.0/{instances,containers}/<id>/exec.

The exec request answers with an operation (class "websocket") whose metadata is
`{"fds": {"0": secret, "1": secret, "2": secret, "control": secret}}` (interactive: only "0" and
"control"). The client opens `GET /1.0/operations/<id>/websocket?secret=<secret>` once per fd. The
command starts when the stream fds are connected (the control socket is optional), so no output is lost.

Non-interactive framing: the client sends stdin as binary messages on fd 0 and ends it with a text message
(LXD's "barrier", usually empty), a close frame, or by dropping the connection; an empty binary message is
just zero bytes, not EOF. The server sends stdout on fd 1 and stderr on fd 2 as binary messages and closes
each with a close frame (1000) when the stream ends. Interactive: fd 0 carries stdin one way and stdout and
stderr, merged, the other way. Control: JSON text messages `{"command": "signal", "signal": 15}` signal the
command; `window-resize` is accepted and ignored. Once the output streams are closed, the operation ends
`Success` with `metadata.return` = the exit status (128+N when killed by signal N), fds kept.
"""

import asyncio
import json
import os
import secrets
import signal as signals

from aiohttp import WSMsgType

from . import exec_commands

_QUEUE_CHUNKS = 4
MAX_MESSAGE = 16 * 1024 * 1024
EMULATED_ENVIRONMENT = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                        "USER": "root", "LANG": "C.UTF-8"}


def _exit_status(returncode):
    return 128 - returncode if returncode < 0 else returncode


class _EmulatedIo:
    def __init__(self, session, environment):
        self.session = session
        self.environment = environment

    async def read(self):
        return await self.session.stdin.get()

    async def out(self, data):
        await self.session.stdout.put(data)

    async def err(self, data):
        await self.session.stderr.put(data)


class ExecSession:
    def __init__(self, manager, op_id, fds, instance, command, environment, interactive):
        self.manager = manager
        self.sim = manager.sim
        self.op_id = op_id
        self.instance_id = instance["id"]
        self.instance_name = instance["name"]
        self.command = command
        self.environment = environment
        self.interactive = interactive
        self.fds = fds
        self.streams = ("0",) if interactive else ("0", "1", "2")
        self.sockets = {}
        self.ready = asyncio.Event()
        self.done = asyncio.Event()
        self.stdin = asyncio.Queue(_QUEUE_CHUNKS)
        self.stdout = asyncio.Queue(_QUEUE_CHUNKS)
        self.stderr = self.stdout if interactive else asyncio.Queue(_QUEUE_CHUNKS)
        self.process = None
        self.command_task = None
        self.killed_by = None
        self.window = None
        self._tasks = set()
        self.task = asyncio.get_event_loop().create_task(self._run())

    # -- connections --------------------------------------------------------------------
    def fd_for(self, secret):
        for name, value in self.fds.items():
            if secrets.compare_digest(value, secret):
                return name
        return None

    def attach(self, fd, ws):
        self.sockets[fd] = ws
        if fd == "control":
            self._spawn(self._read_control(ws))
        if all(name in self.sockets for name in self.streams):
            self.ready.set()

    def _spawn(self, coroutine):
        task = asyncio.get_event_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- the session --------------------------------------------------------------------
    async def _run(self):
        timeout = self.sim.options.exec_connect_timeout
        try:
            await asyncio.wait_for(self.ready.wait(), timeout)
        except asyncio.TimeoutError:
            missing = sorted(name for name in self.streams if name not in self.sockets)
            await self._end(error="timed out after %gs waiting for the websockets of fds %s to connect"
                            % (timeout, ", ".join(missing)))
            return
        reader = self._spawn(self._read_stdin(self.sockets["0"]))
        senders = [self._spawn(self._send(self.sockets["0" if self.interactive else "1"], self.stdout))]
        if not self.interactive:
            senders.append(self._spawn(self._send(self.sockets["2"], self.stderr)))
        try:
            if self.sim.options.exec_real_processes:
                code = await self._run_process()
            else:
                code = await self._run_emulated()
        except Exception as exc:  # a simulator bug must still end the operation, visibly
            await self._put_end()
            await asyncio.gather(*senders, return_exceptions=True)
            reader.cancel()
            await self._end(error="internal simulator error while running the command: %r" % (exc,))
            return
        await asyncio.gather(*senders, return_exceptions=True)
        reader.cancel()
        await self._end(code=code)

    async def _put_end(self):
        await self.stdout.put(None)
        if self.stderr is not self.stdout:
            await self.stderr.put(None)

    async def _run_emulated(self):
        environment = dict(EMULATED_ENVIRONMENT)
        environment.update(self.environment)
        if self.killed_by is not None:
            await self._put_end()
            return 128 + self.killed_by
        self.command_task = asyncio.get_event_loop().create_task(
            exec_commands.run(self.command, _EmulatedIo(self, environment)))
        try:
            code = await self.command_task
        except asyncio.CancelledError:
            if self.killed_by is None:
                raise
            code = 128 + self.killed_by
        await self._put_end()
        return code

    async def _run_process(self):
        home = os.path.join(self.sim.state_dir, "exec", self.instance_id)
        os.makedirs(home, exist_ok=True)
        environment = {"PATH": os.environ.get("PATH", EMULATED_ENVIRONMENT["PATH"]), "HOME": home,
                       "LANG": "C.UTF-8"}
        environment.update(self.environment)
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT if self.interactive else asyncio.subprocess.PIPE,
                cwd=home, env=environment, start_new_session=True)
        except FileNotFoundError:
            await self._put_end()
            return 127
        except PermissionError:
            await self._put_end()
            return 126
        if self.killed_by is not None:
            self.signal(self.killed_by)
        pumps = [self._spawn(self._copy_out(self.process.stdout, self.stdout))]
        if not self.interactive:
            pumps.append(self._spawn(self._copy_out(self.process.stderr, self.stderr)))
        feeder = self._spawn(self._feed_process(self.process.stdin))
        await asyncio.gather(*pumps)
        code = await self.process.wait()
        feeder.cancel()
        return _exit_status(code)

    @staticmethod
    async def _copy_out(stream, queue):
        while True:
            chunk = await stream.read(exec_commands.CHUNK)
            if not chunk:
                break
            await queue.put(chunk)
        await queue.put(None)

    async def _feed_process(self, pipe):
        try:
            while True:
                chunk = await self.stdin.get()
                if not chunk:
                    break
                pipe.write(chunk)
                await pipe.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            pipe.close()

    async def _read_stdin(self, ws):
        """fd 0 -> the command's stdin; a text message, a close or a drop is EOF."""
        while True:
            message = await ws.receive()
            if message.type == WSMsgType.BINARY:
                if message.data:
                    await self.stdin.put(message.data)
                continue
            break
        await self.stdin.put(b"")

    @staticmethod
    async def _send(ws, queue):
        """queue -> websocket as binary messages; then a close frame. A client that left is drained."""
        while True:
            chunk = await queue.get()
            if chunk is None:
                break
            if ws.closed:
                continue
            try:
                await ws.send_bytes(chunk)
            except (ConnectionError, RuntimeError):
                continue
        if not ws.closed:
            try:
                await ws.close(code=1000)
            except (ConnectionError, RuntimeError):
                pass

    async def _read_control(self, ws):
        while True:
            message = await ws.receive()
            if message.type != WSMsgType.TEXT:
                if message.type == WSMsgType.BINARY:
                    continue
                return
            try:
                control = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(control, dict):
                continue
            if control.get("command") == "signal" and isinstance(control.get("signal"), int):
                self.signal(control["signal"])
            elif control.get("command") == "window-resize":
                self.window = control.get("args")

    def signal(self, number):
        """Deliver a signal: to the process group of a real process, or end an emulated command."""
        if self.process is not None and self.process.returncode is None:
            try:
                os.killpg(self.process.pid, number)
            except (ProcessLookupError, PermissionError, ValueError, OSError):
                pass
            return
        if self.sim.options.exec_real_processes:
            if self.process is None:
                self.killed_by = number  # not started yet: delivered once it is
            return
        if number in (0, signals.SIGWINCH, signals.SIGCHLD, signals.SIGCONT):
            return
        if self.command_task is None:
            self.killed_by = number
        elif not self.command_task.done():
            self.killed_by = number
            self.command_task.cancel()

    def terminate(self):
        """The instance stops or goes away: kill what runs, end the operation."""
        if self.ready.is_set():
            self.signal(signals.SIGKILL)
        else:
            self.task.cancel()
            self._spawn(self._end(error="instance %s stopped before the command started" % self.instance_name))

    async def _end(self, code=None, error=None):
        if self.done.is_set():
            return
        metadata = {"fds": dict(self.fds)}
        if error is None:
            metadata["return"] = code
        self.sim.ops.finish_external(self.op_id, error=error, metadata=metadata)
        self.manager.discard(self)
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        for ws in list(self.sockets.values()):
            if not ws.closed:
                try:
                    await ws.close(code=1000)
                except (ConnectionError, RuntimeError):
                    pass
        self.done.set()


class ExecSessions:
    def __init__(self, sim):
        self.sim = sim
        self._by_op = {}

    def start(self, instance, resources, command, environment, interactive):
        names = ("0", "control") if interactive else ("0", "1", "2", "control")
        fds = {name: secrets.token_hex(32) for name in names}
        op = self.sim.ops.create_external("Executing command", resources, metadata={"fds": dict(fds)},
                                          op_class="websocket")
        self._by_op[op["id"]] = ExecSession(self, op["id"], fds, instance, command, environment, interactive)
        return op

    def get(self, op_id):
        return self._by_op.get(op_id)

    def discard(self, session):
        self._by_op.pop(session.op_id, None)

    def terminate_instance(self, instance_id):
        for session in list(self._by_op.values()):
            if session.instance_id == instance_id:
                session.terminate()
