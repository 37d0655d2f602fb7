# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.anbox.ams.plugins.module_utils.sizes import SizeError, same_size, to_bytes


@pytest.mark.parametrize('text, size', [
    ('3GB', 3 * 10 ** 9), ('3gb', 3 * 10 ** 9), ('3 GB', 3 * 10 ** 9), ('3G', 3 * 10 ** 9),
    ('512MB', 512 * 10 ** 6), ('1.5GB', 1500 * 10 ** 6), ('2GiB', 2 * 2 ** 30), ('2gib', 2 * 2 ** 30),
    ('100kB', 100000), ('7', 7), ('7B', 7), (4096, 4096), (8.0, 8), ('1TB', 10 ** 12),
])
def test_sizes_read_like_ams_does(text, size):
    assert to_bytes(text) == size


@pytest.mark.parametrize('bad', ['lots', '3XB', '-1GB', '', True, 1.5, '0.5B', -4])
def test_bad_sizes_are_named_in_the_error(bad):
    with pytest.raises(SizeError) as caught:
        to_bytes(bad, 'memory')
    assert 'memory' in str(caught.value)


@pytest.mark.parametrize('current, desired, equal', [
    ('3GB', '3GB', True), ('3GB', '3gb', True), ('3GB', '3000MB', True), ('3GB', '3072MB', False),
    ('3GB', '3GiB', False), ('4GiB', '4096MiB', True), ('3GB', 3000000000, True), ('3GB', '4GB', False),
    ('weird', 'WEIRD', True), (None, '3GB', False), (None, None, True),
])
def test_same_size_compares_bytes(current, desired, equal):
    assert same_size(current, desired) is equal
