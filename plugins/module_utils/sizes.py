# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain: byte sizes as AMS writes them ("3GB", "512MB", "4GiB") and as numbers of bytes.

AMS parses and renders sizes with LXD's units package: decimal suffixes (kB,
MB, GB, ...) are powers of 1000 and binary ones (KiB, MiB, GiB, ...) powers of
1024. We follow the same rule and read the unit case-insensitively, so "3GB",
"3gb", "3 GB" and "3000MB" are the same size while "3GB" and "3GiB" are not.
"""


import re

_DECIMAL = {'k': 1000, 'm': 1000 ** 2, 'g': 1000 ** 3, 't': 1000 ** 4, 'p': 1000 ** 5, 'e': 1000 ** 6}
_BINARY = {'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4, 'p': 1024 ** 5, 'e': 1024 ** 6}
_SIZE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*(?:([kmgtpe])(i?)b?|b|bytes)?\s*$', re.IGNORECASE)


class SizeError(ValueError):
    pass


def to_bytes(value, what='size'):
    """Number of bytes of a size given as a number (bytes) or a string such as "3GB"."""
    if isinstance(value, bool):
        raise SizeError('%s must be a size such as 3GB or a number of bytes, not %r' % (what, value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise SizeError('%s must be a whole number of bytes, not %r' % (what, value))
        number = int(value)
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise SizeError('%s %r is not a size: write a number of bytes or a number with a unit '
                            '(kB, MB, GB, TB as powers of 1000; KiB, MiB, GiB, TiB as powers of 1024)'
                            % (what, value))
        amount, prefix, binary = match.groups()
        factor = 1
        if prefix:
            factor = (_BINARY if binary else _DECIMAL)[prefix.lower()]
        number = float(amount) * factor
        if not number.is_integer():
            raise SizeError('%s %r is not a whole number of bytes' % (what, value))
        number = int(number)
    if number < 0:
        raise SizeError('%s must not be negative, got %r' % (what, value))
    return number


def same_size(current, desired):
    """True when two sizes are equal once both are read as bytes; unreadable values compare as text."""
    if current is None or desired is None:
        return current is desired
    try:
        return to_bytes(current) == to_bytes(desired)
    except SizeError:
        return str(current).strip().lower() == str(desired).strip().lower()
