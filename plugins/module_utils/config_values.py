# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain: AMS configuration values as AMS renders them, so comparisons decide idempotency right.

AMS takes every value as a string and renders booleans and numbers as JSON
booleans and numbers; ``true``, ``"true"`` and ``True`` must all be equal.
"""


# Keys AMS never shows: it renders them as a boolean meaning "is set".
SECRET_KEYS = frozenset(['core.trust_password', 'images.auth'])

_BOOLEAN_WORDS = {'true': True, 'false': False}


class ConfigValueError(ValueError):
    pass


def as_boolean(value):
    """The boolean a value stands for, or None when it stands for none."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _BOOLEAN_WORDS.get(value.strip().lower())
    return None


def as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def render(value):
    """The string sent to AMS for a value given in a task."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ','.join(render(item) for item in value)
    return str(value)


def expected(current, desired, key):
    """What AMS will report after ``desired`` is set where it now reports ``current``.

    Raises ConfigValueError, naming the key, when the value does not fit the
    type AMS shows for it.
    """
    if key in SECRET_KEYS:
        return render(desired) != ''
    if isinstance(current, bool) or (isinstance(current, str) and as_boolean(current) is not None
                                     and as_boolean(desired) is not None):
        flag = as_boolean(desired)
        if flag is None:
            raise ConfigValueError('config %s takes true or false, not %r' % (key, desired))
        return flag if isinstance(current, bool) else render(flag)
    if isinstance(current, (int, float)):
        number = as_number(desired)
        if number is None:
            raise ConfigValueError('config %s takes a number, not %r' % (key, desired))
        return number
    return render(desired)


def equal(current, wanted):
    """Compare a value AMS reports with an ``expected()`` result."""
    if isinstance(current, bool) or isinstance(wanted, bool):
        return as_boolean(current) == as_boolean(wanted)
    if isinstance(current, (int, float)) and isinstance(wanted, (int, float)):
        return float(current) == float(wanted)
    return render(current) == render(wanted)
