"""Parsing what users type: dates, booleans, phones, ids, Vietnamese text."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from tracing.errors import InvalidValue
from tracing.values import (fold, normalize_national_id, normalize_phone, parse_bool, parse_date, parse_datetime,
                            parse_int, parse_setting)


@pytest.mark.parametrize("text, expected", [
    ("2021-05-07", dt.date(2021, 5, 7)), ("07/05/2021", dt.date(2021, 5, 7)), ("7/5/2021", dt.date(2021, 5, 7)),
    ("07.05.2021", dt.date(2021, 5, 7)), (" ", None), (None, None),
])
def test_dates_in_both_notations(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2021-13-01", "31/02/2021", "05/07", "hôm qua", "2021/05/07x", "0000-01-01"])
def test_bad_dates_name_the_field(text):
    with pytest.raises(InvalidValue, match="^onset: "):
        parse_date(text, "onset")


def test_excel_serials_only_where_allowed():
    assert parse_date(44323, allow_serial=True) == dt.date(2021, 5, 7)
    with pytest.raises(InvalidValue):
        parse_date("44323")


def test_datetimes():
    assert parse_datetime("2021-05-07T18:30:15") == dt.datetime(2021, 5, 7, 18, 30, 15)
    assert parse_datetime("07/05/2021 08:05") == dt.datetime(2021, 5, 7, 8, 5)
    with pytest.raises(InvalidValue):
        parse_datetime("2021-05-07 25:00")


@pytest.mark.parametrize("text, expected", [("có", True), ("Không", False), ("yes", True), ("0", False),
                                            ("TRUE", True), ("", None)])
def test_booleans_in_vietnamese_and_english(text, expected):
    assert parse_bool(text) is expected


def test_bad_boolean_and_setting_and_int():
    with pytest.raises(InvalidValue, match="masked"):
        parse_bool("maybe", "masked")
    with pytest.raises(InvalidValue, match="unknown setting"):
        parse_setting("phòng trọ")  # karaoke is a venue (VOCABULARY)
    with pytest.raises(InvalidValue, match="out of range"):
        parse_int("2000", "minutes", lo=0, hi=1440)


@pytest.mark.parametrize("form", ["0912345678", "+84912345678", "84912345678", "+84 912 345 678", "(+84) 912.345.678"])
def test_phone_forms_are_one_number(form):
    assert normalize_phone(form) == "0912345678"


def test_phone_and_national_id_errors():
    with pytest.raises(InvalidValue):
        normalize_phone("12ab")
    with pytest.raises(InvalidValue):
        normalize_phone("123")
    assert normalize_national_id("001 085 012 345") == "001085012345"
    with pytest.raises(InvalidValue):
        normalize_national_id("<script>")


def test_fold_handles_d_stroke_and_both_unicode_forms():
    composed = "Đặng Thị Hồng"
    decomposed = "Đặng Thị Hồng"  # typed with combining marks
    assert fold(composed) == fold(decomposed) == "dang thi hong"


@given(st.text())
def test_fold_is_ascii_lowercase_for_vietnamese_and_idempotent(text):
    once = fold(text)
    assert fold(once) == once


@pytest.mark.parametrize("field, parse", [("setting", "parse_setting"), ("sex", "parse_sex"),
                                          ("result", "parse_result")])
def test_every_word_of_the_vocabulary_with_or_without_diacritics(field, parse):
    """Issue 13 point 6: one vocabulary (tracing.values.VOCABULARY) for every enumerated field."""
    import tracing.values as values

    for canonical, words in values.VOCABULARY[field].items():
        for word in (canonical, *words):
            for typed in (word, word.upper(), fold(word)):
                assert getattr(values, parse)(typed) == canonical, typed


def test_unknown_enumerated_values_name_the_field():
    from tracing.values import parse_result, parse_sex

    with pytest.raises(InvalidValue, match="^setting: unknown setting 'sân bóng'"):
        parse_setting("sân bóng")
    with pytest.raises(InvalidValue, match="^sex: 'x' is not m or f"):
        parse_sex("x")
    with pytest.raises(InvalidValue, match="^result: "):
        parse_result("maybe")
