"""Object ids shaped like the xid values AMS hands out (20 chars of base32hex, time-ordered)."""

import itertools
import os
import struct
import time

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
