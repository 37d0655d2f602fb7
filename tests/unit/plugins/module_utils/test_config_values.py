# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Config value normalisation decides whether ams_config sends anything: check it by properties."""


import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.anbox.ams.plugins.module_utils import config_values as cv

booleans_as_users_write_them = st.booleans().flatmap(
    lambda flag: st.sampled_from([flag, str(flag), str(flag).lower(), str(flag).upper(), ' %s ' % str(flag).lower()]))


@given(current=st.booleans(), desired=booleans_as_users_write_them)
def test_boolean_spellings_compare_by_meaning(current, desired):
    wanted = cv.expected(current, desired, 'application.auto_publish')
    assert isinstance(wanted, bool)
    assert cv.equal(current, wanted) == (cv.as_boolean(desired) == current)


@given(number=st.integers(min_value=-10 ** 9, max_value=10 ** 9),
       spelling=st.sampled_from([int, str, float, lambda n: '%d.0' % n]))
def test_numbers_compare_by_value(number, spelling):
    wanted = cv.expected(3, spelling(number), 'application.max_published_versions')
    assert cv.equal(number, wanted)
    assert cv.equal(number + 1, wanted) is False


@given(current=st.text(max_size=20), desired=st.text(max_size=20))
def test_strings_compare_exactly(current, desired):
    if cv.as_boolean(current) is not None and cv.as_boolean(desired) is not None:
        return  # boolean-looking strings are covered above
    wanted = cv.expected(current, desired, 'scheduler.strategy')
    assert cv.equal(current, wanted) == (current == desired)


@given(value=st.one_of(st.booleans(), st.integers(), st.text(max_size=30),
                       st.floats(allow_nan=False, allow_infinity=False)))
def test_render_is_a_fixed_point_after_one_round(value):
    rendered = cv.render(value)
    assert isinstance(rendered, str)
    assert cv.render(rendered) == rendered


@given(desired=st.text(max_size=10).filter(lambda text: cv.as_boolean(text) is None))
def test_boolean_item_refuses_other_words(desired):
    with pytest.raises(cv.ConfigValueError) as info:
        cv.expected(True, desired, 'application.auto_publish')
    assert 'application.auto_publish' in str(info.value)


@given(desired=st.text(min_size=1, max_size=10).filter(lambda text: cv.as_number(text) is None))
def test_number_item_refuses_non_numbers(desired):
    with pytest.raises(cv.ConfigValueError):
        cv.expected(3, desired, 'application.max_published_versions')


@given(password=st.text(min_size=1, max_size=30).filter(lambda text: text.strip() != ''))
def test_secret_items_compare_by_being_set(password):
    assert cv.expected(True, password, 'core.trust_password') is True
    assert cv.equal(True, cv.expected(True, password, 'core.trust_password'))
    assert not cv.equal(False, cv.expected(False, password, 'core.trust_password'))
    assert cv.expected(True, '', 'core.trust_password') is False


def test_lists_render_comma_separated():
    assert cv.render(['a', 'b', True]) == 'a,b,true'
