"""The emulated commands an exec runs when real processes are off (the default).

Each command is a coroutine `(args, io) -> exit code`. `io.read()` returns the next stdin chunk (b"" at
EOF); `io.out(data)` / `io.err(data)` queue output (waiting while the client is slow, so memory stays
bounded). Commands (exactly these; anything else exits 127 with "sh: NAME: not found" on stderr):

    echo [-n] ARG...            the arguments joined by spaces, then a newline (none with -n)
    cat                         stdin to stdout, byte for byte, until stdin's EOF
    true / false                exit 0 / exit 1
    exit [N]                    exit N (default 0)
    sleep SECONDS               wait, then exit 0 (a signal on the control socket ends it with 128+signal)
    head -c N /dev/zero         N zero bytes, streamed in 64 KiB chunks
    env                         the environment given in the request, one KEY=VALUE per line, sorted
    getprop [KEY]               Android properties: every "[key]: [value]" line, or KEY's value ("" if unknown)
    anbox-shell COMMAND...      COMMAND (one of these) as Android's shell would run it
    sh -c SCRIPT / /bin/sh -c   SCRIPT split like a shell splits words; one simple command of this list,
    bash -c / /bin/bash -c      or several joined by ";" or "&&" (stops at the first failure of "&&")
"""

import asyncio
import shlex

CHUNK = 64 * 1024
ANDROID_PROPERTIES = {
    "ro.build.version.release": "13",
    "ro.build.version.sdk": "33",
    "ro.build.type": "user",
    "ro.product.brand": "Anbox",
    "ro.product.manufacturer": "Canonical",
    "ro.product.model": "Anbox Cloud",
    "ro.product.cpu.abi": "x86_64",
    "ro.hardware": "anbox",
    "sys.boot_completed": "1",
}


async def _echo(args, io):
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    await io.out((" ".join(args) + ("\n" if newline else "")).encode())
    return 0


async def _cat(args, io):
    if args:
        await io.err(("cat: %s: No such file or directory\n" % args[0]).encode())
        return 1
    while True:
        chunk = await io.read()
        if not chunk:
            return 0
        await io.out(chunk)


async def _true(args, io):
    return 0


async def _false(args, io):
    return 1


async def _exit(args, io):
    if not args:
        return 0
    try:
        return int(args[0]) & 0xFF
    except ValueError:
        await io.err(("sh: exit: Illegal number: %s\n" % args[0]).encode())
        return 2


async def _sleep(args, io):
    try:
        seconds = float(args[0]) if len(args) == 1 else None
    except ValueError:
        seconds = None
    if seconds is None or seconds < 0:
        await io.err(b"sleep: usage: sleep SECONDS\n")
        return 1
    await asyncio.sleep(seconds)
    return 0


async def _head(args, io):
    if len(args) != 3 or args[0] != "-c" or args[2] != "/dev/zero" or not args[1].isdigit():
        await io.err(b"head: only 'head -c N /dev/zero' is emulated\n")
        return 1
    remaining = int(args[1])
    block = bytes(CHUNK)
    while remaining > 0:
        size = min(remaining, CHUNK)
        await io.out(block if size == CHUNK else bytes(size))
        remaining -= size
    return 0


async def _env(args, io):
    await io.out("".join("%s=%s\n" % item for item in sorted(io.environment.items())).encode())
    return 0


async def _getprop(args, io):
    if not args:
        lines = "".join("[%s]: [%s]\n" % item for item in sorted(ANDROID_PROPERTIES.items()))
        await io.out(lines.encode())
    else:
        await io.out((ANDROID_PROPERTIES.get(args[0], "") + "\n").encode())
    return 0


async def _anbox_shell(args, io):
    if not args:
        await io.err(b"anbox-shell: interactive shells are not emulated; give a command\n")
        return 1
    return await run(args, io)


async def _shell(args, io):
    if len(args) < 2 or args[0] != "-c":
        await io.err(b"sh: only 'sh -c SCRIPT' is emulated\n")
        return 2
    lexer = shlex.shlex(args[1], posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError as exc:
        await io.err(("sh: syntax error: %s\n" % exc).encode())
        return 2
    unsupported = [word for word in words if word and word[0] in "();<>|&" and word not in (";", "&&")]
    if unsupported:
        await io.err(("sh: %s is not emulated (only ';' and '&&' join commands)\n" % unsupported[0]).encode())
        return 2
    code = 0
    command = []
    for word in words + [";"]:
        if word not in (";", "&&"):
            command.append(word)
            continue
        if command:
            code = await run(command, io)
            if command[0] == "exit":
                return code
            command = []
        if word == "&&" and code != 0:
            return code
    return code


COMMANDS = {
    "echo": _echo, "cat": _cat, "true": _true, "false": _false, "exit": _exit, "sleep": _sleep, "head": _head,
    "env": _env, "getprop": _getprop, "anbox-shell": _anbox_shell, "sh": _shell, "bash": _shell,
}


async def run(command, io):
    name = command[0].rsplit("/", 1)[-1] if command[0].startswith("/") else command[0]
    handler = COMMANDS.get(name)
    if handler is None:
        await io.err(("sh: %s: not found\n" % command[0]).encode())
        return 127
    return await handler(command[1:], io)
