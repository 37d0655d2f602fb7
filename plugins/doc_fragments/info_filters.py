# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:

    # The name filter of every *_info module.
    DOCUMENTATION = r'''
options:
  name:
    description:
      - Only the object with this name.
      - Without any filter the module returns every object of its kind.
    type: str
'''

    # The id filter of the *_info modules whose objects have ids (applications, images, containers).
    ID = r'''
options:
  id:
    description:
      - Only the object with this id.
    type: str
'''
