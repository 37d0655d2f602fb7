"""What AMS puts on every object: ids (xid-shaped), timestamps (two forms) and numeric status codes."""

import datetime
import itertools
import os
import struct
import time


# -- timestamps ------------------------------------------------------------------------------
def unix_now():
    return int(time.time())


def rfc3339_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d000Z" % now.microsecond


# -- ids: 20 chars of base32hex, time-ordered, like the xid values AMS hands out -------------
_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
_MACHINE = os.urandom(5)
_COUNTER = itertools.count(int.from_bytes(os.urandom(3), "big"))


def new_id():
    raw = struct.pack(">I", int(time.time())) + _MACHINE + (next(_COUNTER) & 0xFFFFFF).to_bytes(3, "big")
    number = int.from_bytes(raw, "big")
    chars = []
    for _attempt in range(20):
        chars.append(_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


# -- status codes and their names, per object kind -------------------------------------------
APPLICATION = {-1: "error", 0: "unknown", 1: "initializing", 2: "ready", 3: "deleted"}
VERSION = {-1: "error", 0: "unknown", 1: "initializing", 2: "created", 3: "active", 4: "deleted", 5: "available",
           6: "queued"}
IMAGE = VERSION
CONTAINER = {-1: "error", 0: "unknown", 1: "created", 2: "prepared", 3: "started", 4: "running", 5: "stopped",
             6: "deleted"}
NODE = {-1: "error", 0: "unknown", 1: "created", 2: "initializing", 3: "initialized", 4: "online", 5: "offline",
        6: "deleted"}
TASK = {-1: "unknown", 0: "created", 1: "assigned", 2: "prepared", 3: "started", 4: "running", 5: "shutdown",
        6: "stopped", 7: "completed", 8: "error", 9: "deleted"}


def set_status(obj, table, code):
    obj["status_code"] = code
    obj["status"] = table[code]
    return obj
