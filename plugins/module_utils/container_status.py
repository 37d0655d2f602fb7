# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Container status codes (AMS guarantees the numbers; the words are for people)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ERROR = -1
RUNNING = 4
DELETED = 6

CODES = {
    'error': -1,
    'unknown': 0,
    'created': 1,
    'prepared': 2,
    'started': 3,
    'running': 4,
    'stopped': 5,
    'deleted': 6,
}


class StatusError(ValueError):
    pass


def to_code(value):
    """The numeric status of a word (``running``) or a number (``4``, ``"4"``)."""
    if isinstance(value, bool):
        raise StatusError('container status %r is neither a status name nor a status code' % (value,))
    if isinstance(value, int):
        code = value
    else:
        text = str(value).strip().lower()
        if text in CODES:
            return CODES[text]
        try:
            code = int(text)
        except ValueError:
            raise StatusError('unknown container status %r: use one of %s or their codes -1 to 6'
                              % (value, ', '.join(sorted(CODES, key=CODES.get))))
    if code not in CODES.values():
        raise StatusError('unknown container status code %r: codes go from -1 (error) to 6 (deleted)' % (value,))
    return code


def code_of(container):
    """A container's numeric status, read from status_code, or from status when the code is missing."""
    code = container.get('status_code')
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    return CODES.get(str(container.get('status') or '').lower(), 0)
