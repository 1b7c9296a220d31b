import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cases.validators import validate_id_number, validate_phone
from tests.factories import id_number


@given(st.integers(0, 999), st.dates(dt.date(1920, 1, 1), dt.date(2025, 12, 31)))
def test_generated_id_numbers_validate(n, birth):
    validate_id_number(id_number(n, birth))


@given(st.integers(0, 999), st.dates(dt.date(1920, 1, 1), dt.date(2025, 12, 31)), st.integers(1, 9))
def test_any_changed_check_digit_is_refused(n, birth, delta):
    good = id_number(n, birth)
    digits = "0123456789X"
    wrong = digits[(digits.index(good[-1]) + delta) % 11]
    with pytest.raises(ValidationError, match="校验码"):
        validate_id_number(good[:-1] + wrong)


@pytest.mark.parametrize("value", ["11010519700231001X", "1101051970050100", "abc"])
def test_bad_id_numbers(value):
    with pytest.raises(ValidationError):
        validate_id_number(value)


@pytest.mark.parametrize("value", ["13800138000", "0571-87654321", "01087654321"])
def test_good_phones(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12345", "23800138000", "138001380001", "电话"])
def test_bad_phones(value):
    with pytest.raises(ValidationError, match="电话号码"):
        validate_phone(value)
