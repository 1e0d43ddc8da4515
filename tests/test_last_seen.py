"""«Last seen» texts of the chat screen → timestamps, with hand-computed expectations.

The export time is 16.09.2024 14:05 (a Monday) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from helpers.ingestion.contract import last_seen

AT = dt.datetime(2024, 9, 16, 14, 5)


def ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d.%m.%Y %H:%M")


@pytest.mark.parametrize("text, expected", [
    # the seed's screen
    ("заходила три часа назад", "16.09.2024 11:05"),
    ("заходил 42 минуты назад", "16.09.2024 13:23"),
    ("заходила 9 минут назад", "16.09.2024 13:56"),
    ("заходила два часа назад", "16.09.2024 12:05"),
    ("заходила вчера в 21:23", "15.09.2024 21:23"),
    ("заходил вчера в 15:22", "15.09.2024 15:22"),
    ("заходила 6 августа в 20:15", "06.08.2024 20:15"),
    ("заходила 2 февраля в 09:36", "02.02.2024 09:36"),
    ("заходила 25 июля в 08:51", "25.07.2024 08:51"),
    ("в сети", "16.09.2024 14:05"),
    # masculine and feminine forms, numbers in words and in digits
    ("заходил три часа назад", "16.09.2024 11:05"),
    ("заходила 42 минуты назад", "16.09.2024 13:23"),
    ("заходил минуту назад", "16.09.2024 14:04"),
    ("заходила две минуты назад", "16.09.2024 14:03"),
    ("заходил одну минуту назад", "16.09.2024 14:04"),
    ("заходила пять минут назад", "16.09.2024 14:00"),
    ("заходил двадцать две минуты назад", "16.09.2024 13:43"),
    ("заходила сорок минут назад", "16.09.2024 13:25"),
    ("заходил час назад", "16.09.2024 13:05"),
    ("заходил 5 часов назад", "16.09.2024 09:05"),
    ("был в сети полчаса назад", "16.09.2024 13:35"),
    ("заходил сегодня в 09:15", "16.09.2024 09:15"),
    ("заходила позавчера в 23:59", "14.09.2024 23:59"),
    ("была в сети вчера в 7:05", "15.09.2024 07:05"),
    # dates: a date later than the export is last year's
    ("заходил 16 сентября в 10:00", "16.09.2024 10:00"),
    ("заходила 17 сентября в 10:00", "17.09.2023 10:00"),
    ("заходил 20 октября в 10:00", "20.10.2023 10:00"),
    ("заходила 31 декабря в 23:59", "31.12.2023 23:59"),
    ("заходила 6 авг. в 20:15", "06.08.2024 20:15"),
    ("заходил 3 марта 2023 г. в 10:15", "03.03.2023 10:15"),
    ("заходила 3 марта 2023", "03.03.2023 00:00"),
    # case, ё, spaces
    ("  Заходила   ВЧЕРА в 21:23 ", "15.09.2024 21:23"),
    ("ЗАХОДИЛА\u00a0три часа назад", "16.09.2024 11:05"),
    ("Онлайн", "16.09.2024 14:05"),
    ("заходил(а) вчера в 21:23", "15.09.2024 21:23"),
    ("был(а) в сети 9 минут назад", "16.09.2024 13:56"),
    ("Последний визит: 6 августа в 20:15", "06.08.2024 20:15"),
    ("вчера в 21:23", "15.09.2024 21:23"),
    ("6 августа в 20:15", "06.08.2024 20:15"),
    ("только что", "16.09.2024 14:05"),
    # timestamps
    ("16.09.2024 10:00", "16.09.2024 10:00"),
    ("2024-09-16 10:00:00", "16.09.2024 10:00"),
    ("2024-09-16T10:00", "16.09.2024 10:00"),
    ("15.09.2024", "15.09.2024 00:00"),
])
def test_texts_of_the_chat_screen(text: str, expected: str) -> None:
    assert last_seen.parse(text, AT) == ts(expected)


def test_seconds() -> None:
    assert last_seen.parse("заходила 30 секунд назад", AT) == dt.datetime(2024, 9, 16, 14, 4, 30)


def test_the_previous_year_rule_at_the_start_of_a_year() -> None:
    at = dt.datetime(2025, 1, 10, 9, 0)
    assert last_seen.parse("заходила 28 декабря в 18:00", at) == dt.datetime(2024, 12, 28, 18)
    assert last_seen.parse("заходил вчера в 23:00", at) == dt.datetime(2025, 1, 9, 23)
    assert last_seen.parse("заходил 2 часа назад", dt.datetime(2025, 1, 1, 1, 0)) == \
        dt.datetime(2024, 12, 31, 23, 0)


def test_excel_cells() -> None:
    assert last_seen.parse(dt.datetime(2024, 9, 16, 10, 0, 30, 5), AT) == dt.datetime(
        2024, 9, 16, 10, 0, 30)
    assert last_seen.parse(dt.date(2024, 9, 1), AT) == dt.datetime(2024, 9, 1)


@pytest.mark.parametrize("text", ["заходил давно", "заходила давно", "давно", "никогда",
                                  "не заходил", "не заходила"])
def test_never_or_long_ago_is_no_timestamp(text: str) -> None:
    assert last_seen.parse(text, AT) is None


@pytest.mark.parametrize("text, rule", [
    ("заходила недавно", "не удалось прочитать"),
    ("заходила на этой неделе", "не удалось прочитать"),
    ("заходил 42 минуты", "не удалось прочитать"),
    ("заходила восемьсот минут назад", "не удалось прочитать"),
    ("заходила 31 февраля в 10:00", "нет такой даты"),
    ("заходил вчера в 25:10", "нет такого времени суток"),
    ("заходила сегодня в 15:00", "позже времени выгрузки"),
    ("16.09.2024 15:00", "позже времени выгрузки"),
    (45551.5, "не удалось прочитать"),
])
def test_unreadable_values_raise_with_the_rule(text: object, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        last_seen.parse(text, AT)


def test_relative_texts_need_the_export_time() -> None:
    with pytest.raises(ValueError, match="не найдено время выгрузки"):
        last_seen.parse("заходила три часа назад", None)
    assert last_seen.parse("16.09.2024 10:00", None) == dt.datetime(2024, 9, 16, 10)
    assert last_seen.is_relative("вчера в 10:00") and not last_seen.is_relative("16.09.2024 10:00")


@pytest.mark.parametrize("minutes, feminine, text", [
    (0, True, "в сети"),
    (1, False, "заходил минуту назад"),
    (2, True, "заходила две минуты назад"),
    (3, False, "заходил три минуты назад"),
    (9, True, "заходила 9 минут назад"),
    (21, False, "заходил 21 минуту назад"),
    (42, False, "заходил 42 минуты назад"),
    (60, True, "заходила час назад"),
    (185, True, "заходила три часа назад"),
    (300, True, "заходила сегодня в 09:05"),
    (60 * 16 + 42, True, "заходила вчера в 21:23"),
    (60 * 24 * 41, True, "заходила 6 августа в 14:05"),
    (60 * 24 * 300, False, "заходил 21 ноября в 14:05"),
    (60 * 24 * 400, False, "заходил 13 августа 2023 в 14:05"),
])
def test_describe_writes_what_the_screen_shows(minutes: int, feminine: bool, text: str) -> None:
    stamp = AT - dt.timedelta(minutes=minutes)
    assert last_seen.describe(stamp, AT, feminine=feminine) == text
    back = last_seen.parse(text, AT)
    assert back is not None and abs(back - stamp) < dt.timedelta(hours=1)


def test_describe_never() -> None:
    assert last_seen.describe(None, AT, feminine=True) == "заходила давно"


def test_many_at_once_equals_one_by_one() -> None:
    texts = ["заходила 6 августа в 20:15", "заходил вчера в 15:22", "заходила 20 октября в 10:00",
             "заходила сегодня в 09:00", "заходил позавчера в 01:02", "заходила 9 минут назад",
             "в сети", "что-то", "заходила 31 февраля в 10:00"]
    many = last_seen.parse_many(pd.Series(texts, dtype="str"), AT)
    for text, value in zip(texts, many, strict=True):
        if pd.isna(value):
            continue  # left to the one-by-one parser
        assert value == last_seen.parse(text, AT), text
    assert many.notna().sum() == 5
