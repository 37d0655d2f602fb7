# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hypothesis settings for every unit test: CI machines are shared and often loaded, and time is not
what the property tests are about, so no deadline and no "too slow" health check."""

try:
    from hypothesis import HealthCheck, settings
except ImportError:
    settings = None

if settings is not None:
    settings.register_profile('anbox-ams', deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile('anbox-ams')
