"""The shared vocabulary: one wording of numbers, dates, plurals, names, targets and statuses."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest

from helpers import vocabulary as words
from helpers.config import TEMPLATES_DIR
from helpers.render.html import status_css

NBSP = words.NBSP


def test_numbers_and_dates_read_the_russian_way() -> None:
    assert words.fmt_int(1234567) == f"1{NBSP}234{NBSP}567"
    assert words.fmt_percent(0.205) == f"20,5{NBSP}%"
    assert words.fmt_pp(0.031) == f"+3,1{NBSP}п.п."
    assert words.fmt_pp(-0.004) == f"−0,4{NBSP}п.п."
    assert words.fmt_thousands(83112) == f"83{NBSP}тыс."
    assert words.fmt_date(dt.date(2024, 9, 11)) == f"11 сентября 2024{NBSP}г."
    assert words.fmt_percent(float("nan")) == "—"


@pytest.mark.parametrize(("number", "expected"), [
    (1, "школа"), (2, "школы"), (4, "школы"), (5, "школ"), (11, "школ"), (12, "школ"),
    (14, "школ"), (21, "школа"), (22, "школы"), (101, "школа"), (111, "школ"), (0, "школ"),
])
def test_plurals_agree_with_the_number(number: int, expected: str) -> None:
    assert words.plural(number, *words.SCHOOL_WORDS) == expected


def test_counted_puts_the_number_before_the_noun() -> None:
    assert words.counted(32, "родитель", "родителя", "родителей") == "32 родителя"
    assert words.counted(1021, *words.DAY_WORDS) == f"1{NBSP}021 день"


def test_one_short_form_of_municipality_names() -> None:
    assert words.short_municipality("Бабаевский муниципальный округ") == f"Бабаевский м.{NBSP}о."
    assert words.short_municipality("Вологодский муниципальный район") == f"Вологодский м.{NBSP}р."
    assert words.short_municipality("город Вологда") == "город Вологда"


@dataclass
class _Target:
    value: float
    strict: bool = False


@pytest.mark.parametrize(("target", "wording"), [
    (_Target(0.25, strict=True), f"более 25{NBSP}%"),
    (_Target(0.75), f"не менее 75{NBSP}%"),
    (_Target(1.0), f"100{NBSP}%"),
])
def test_a_target_is_worded_one_way(target: _Target, wording: str) -> None:
    assert words.target_wording(target) == wording


def test_every_status_has_a_symbol_a_word_and_colours() -> None:
    for code, status in words.STATUSES.items():
        assert status.label == f"{status.symbol} {status.word}"
        assert status.css_class == f"status-{code}"
        assert re.fullmatch(r"[0-9A-F]{6}", status.fill) and re.fullmatch(r"[0-9A-F]{6}", status.ink)
    for state in words.TASK_STATES.values():
        assert state.colour_of in words.STATUSES


def test_every_written_status_maps_back_to_its_colour() -> None:
    for code, status in words.STATUSES.items():
        assert words.status_of_label(status.label) == code
    for state in words.TASK_STATES.values():
        for text in (state.label, state.short_label, state.short_label.replace(" ", NBSP)):
            assert words.status_of_label(text) == state.colour_of


def test_the_page_css_takes_its_status_colours_from_the_vocabulary() -> None:
    css = status_css()
    for status in words.STATUSES.values():
        assert f"--{status.code}-fill: #{status.fill.lower()}" in css
    stylesheet = (TEMPLATES_DIR / "briefing" / "briefing.css").read_text(encoding="utf-8")
    assert not re.search(r"--(met|near|behind|unknown)-(fill|ink):", stylesheet)
    for code in words.STATUSES:
        assert f".status-{code}" in stylesheet


def test_every_status_the_indicators_compute_has_a_wording() -> None:
    from typing import get_args

    from helpers.indicators.campaigns import TaskStatus
    from helpers.indicators.kpis import Status

    assert set(get_args(Status)) == set(words.STATUSES)
    assert set(get_args(TaskStatus)) <= set(words.TASK_STATES)
