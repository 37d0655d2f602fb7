"""Byte sizes as AMS writes them ("3GB", "256GB", "512MB"): decimal units, binary with an `i`."""

import re

from .errors import bad_request

_UNITS = {"": 1, "B": 1, "KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9, "TB": 10 ** 12, "PB": 10 ** 15,
          "KIB": 2 ** 10, "MIB": 2 ** 20, "GIB": 2 ** 30, "TIB": 2 ** 40, "PIB": 2 ** 50}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_size(text, what):
    """'3GB' -> 3000000000; 400 naming `what` when it is not a size."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise bad_request("%s must be a size such as \"4GB\", got %r" % (what, text))
    match = _PATTERN.match(str(text))
    unit = match.group(2).upper() if match else None
    if not match or unit not in _UNITS:
        raise bad_request("%s must be a size such as \"4GB\", got %r" % (what, text))
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(size):
    for unit in ("TB", "GB", "MB", "KB"):
        if size and size % _UNITS[unit] == 0:
            return "%d%s" % (size // _UNITS[unit], unit)
    return "%dB" % size
