"""What changed since the last meeting: the base snapshot and the moves, on hand-made frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from helpers import vocabulary as words
from helpers.indicators import changes

D = dt.date


def test_the_base_is_the_latest_snapshot_at_least_a_week_older() -> None:
    dates = [D(2024, 9, 2), D(2024, 9, 9), D(2024, 9, 13), D(2024, 9, 16)]
    assert changes.comparison_base(dates, D(2024, 9, 16)) == D(2024, 9, 9)
    assert changes.comparison_base(dates, D(2024, 9, 16), min_days=10) == D(2024, 9, 2)
    assert changes.comparison_base(dates, D(2024, 9, 8)) is None  # nothing a week older


def test_status_moves_in_both_directions_and_rows_in_one_snapshot_only() -> None:
    before = pd.DataFrame({"region": ["01", "02", "03"], "k1_status": ["behind", "met", "near"]})
    after = pd.DataFrame({"region": ["01", "02", "04"], "k1_status": ["met", "near", "met"]})
    moved = changes.status_moves(before, after, key="region", status="k1_status")
    assert moved.to_dict("records") == [
        {"region": "01", "before": "behind", "after": "met"},
        {"region": "02", "before": "met", "after": "near"},
        {"region": "03", "before": "near", "after": None},
        {"region": "04", "before": None, "after": "met"},
    ]


def test_crossings_reached_and_lost_and_a_new_school_is_no_crossing() -> None:
    before = pd.DataFrame({"school": ["a", "b", "c"], "ok": [False, True, True]})
    after = pd.DataFrame({"school": ["a", "b", "c", "new"], "ok": [True, False, True, True]})
    moved = changes.crossings(before, after, key="school", met="ok")
    assert moved.to_dict("records") == [{"school": "a", "direction": "reached"},
                                        {"school": "b", "direction": "lost"}]


def test_rank_moves_with_a_tie_and_a_region_missing_before() -> None:
    before = pd.DataFrame({"region": ["01", "02", "03"], "rank": [1, 2, 2]})
    after = pd.DataFrame({"region": ["01", "02", "03", "04"], "rank": [3, 1, 1, 4]})
    moves = changes.rank_moves(before, after, key="region").set_index("region")["move"]
    assert moves["01"] == -2 and moves["02"] == 1 and moves["03"] == 1
    assert pd.isna(moves["04"])
    assert words.fmt_places(moves["01"]) == f"−2{words.NBSP}места"
    assert words.fmt_places(moves["02"]) == f"+1{words.NBSP}место"


def test_entered_and_left_a_list() -> None:
    assert changes.set_changes(["a", "b", "c"], ["b", "c", "d"]) == (["d"], ["a"])
