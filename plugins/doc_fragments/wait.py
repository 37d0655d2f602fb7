# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

class ModuleDocFragment:

    # Options of modules that start AMS background operations.
    DOCUMENTATION = r'''
options:
  wait:
    description:
      - Wait until every operation the task started has reached a final status, and fail with the
        operation's error when one failed.
      - With V(false) the task returns as soon as AMS accepted the requests.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in all for the operations of the task when O(wait=true).
    type: int
    default: 600
'''
