"""Indicators K1–K5 and ΔK1 on a three-region fixture with hand-computed expectations."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from helpers.indicators.kpis import (
    add_status,
    best_dynamics,
    delta_k1,
    district_indicators,
    lagging_regions,
    latest_snapshot_date,
    load_targets,
    national_indicators,
    national_trend,
    region_indicators,
    select_snapshot,
    status,
)

# Sizes per region: directors, teachers, class teachers, pupils, teachers linked, pupils linked,
# teachers ESIA, integration done.
#   01: K2 = (50 + 450) / (90 + 910) = 0.5,   K4 = 4 / 40 = 0.1, K5 = 9 (9 / 90 = 0.1)
#   35: K2 = (180 + 1620) / (180 + 1820) = 0.9, K4 = 40 / 80 = 0.5, K5 = 36 (36 / 180 = 0.2)
#   47: K2 = (95 + 655) / (95 + 905) = 0.75,  K4 = 0 / 50 = 0,    K5 = 95 (95 / 95 = 1)
SIZES = {
    "01": (10, 90, 40, 910, 50, 450, 9, 4, True),
    "35": (20, 180, 80, 1820, 180, 1620, 36, 40, False),
    "47": (5, 95, 50, 905, 95, 655, 95, 0, True),
}
# Active directors and teachers per date; K1 = (directors + teachers active) / (all of them).
ACTIVE = {
    "2024-08-12": {"01": (1, 4), "35": (5, 15), "47": (1, 4)},  # K1 0.05, 0.10, 0.05
    "2024-08-19": {"01": (2, 8), "35": (10, 40)},  # K1 0.10, 0.25; region 47 did not report
    "2024-09-16": {"01": (4, 16), "35": (10, 50), "47": (5, 20)},  # K1 0.20, 0.30, 0.25
}


def _row(day: str, code: str, directors_active: int, teachers_active: int) -> dict[str, object]:
    d, t, c, p, tl, pl, esia, chats, done = SIZES[code]
    return {
        "snapshot_date": pd.Timestamp(day), "region_code": code, "region_name": f"регион {code}",
        "directors_total": d, "directors_active": directors_active,
        "teachers_total": t, "teachers_active": teachers_active,
        "class_teachers_total": c, "class_teachers_parent_chat": chats, "pupils_total": p,
        "teachers_linked": tl, "pupils_linked": pl, "teachers_esia": esia,
        "integration_done": done,
    }


@pytest.fixture
def history() -> pd.DataFrame:
    return pd.DataFrame([
        _row(day, code, *active) for day, regions in ACTIVE.items()
        for code, active in regions.items()
    ])


@pytest.fixture
def snapshot(history: pd.DataFrame) -> pd.DataFrame:
    return select_snapshot(history, "2024-09-16")


def test_region_indicators(snapshot: pd.DataFrame) -> None:
    out = region_indicators(snapshot).set_index("region_code")
    assert list(out.columns) == ["snapshot_date", "region_name", "federal_district",
                                 "federal_district_full", "k1", "k2", "k3", "k4", "k5",
                                 "k5_share"]
    assert out["k1"].tolist() == pytest.approx([0.20, 0.30, 0.25])
    assert out["k2"].tolist() == pytest.approx([0.50, 0.90, 0.75])
    assert out["k3"].tolist() == [True, False, True]
    assert out["k4"].tolist() == pytest.approx([0.10, 0.50, 0.0])
    assert out["k5"].tolist() == [9, 36, 95]
    assert out["k5_share"].tolist() == pytest.approx([0.1, 0.2, 1.0])
    assert out.loc["35", "region_name"] == "Вологодская область"  # the reference name wins
    assert out.loc["01", "federal_district"] == "ЮФО"


def test_zero_denominator_is_missing(snapshot: pd.DataFrame) -> None:
    empty = snapshot.assign(class_teachers_total=0, class_teachers_parent_chat=0)
    assert region_indicators(empty)["k4"].isna().all()


def test_national_is_ratio_of_sums(snapshot: pd.DataFrame) -> None:
    national = national_indicators(snapshot)
    assert national["snapshot_date"] == dt.date(2024, 9, 16)
    assert national["k1"] == pytest.approx((20 + 60 + 25) / 400)  # not the mean 0.25
    assert national["k2"] == pytest.approx(3050 / 4000)
    assert national["k4"] == pytest.approx(44 / 170)
    assert national["k5"] == 140
    assert national["k5_share"] == pytest.approx(140 / 365)
    assert (national["regions"], national["regions_integrated"]) == (3, 2)
    assert national["regions_not_integrated"] == 1
    assert national["k3"] == pytest.approx(2 / 3)
    assert national["teachers_total"] == 365


def test_national_needs_one_snapshot(history: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="один срез"):
        national_indicators(history)


def test_district_indicators(snapshot: pd.DataFrame) -> None:
    out = district_indicators(snapshot)
    assert out["federal_district"].tolist() == ["СЗФО", "ЮФО"]  # the official order
    szfo = out.iloc[0]
    assert szfo["k1"] == pytest.approx(85 / 300)
    assert szfo["k2"] == pytest.approx(2550 / 3000)
    assert (szfo["regions"], szfo["regions_integrated"], szfo["k3"]) == (2, 1, 0.5)
    assert out.iloc[1]["k1"] == pytest.approx(0.2)


def test_delta_k1_over_the_window(history: pd.DataFrame) -> None:
    out = delta_k1(history, dt.date(2024, 9, 16), 4).set_index("region_code")
    assert out["delta_k1"].tolist() == pytest.approx([0.10, 0.05, 0.20])
    # region 47 has no snapshot on 19.08: its latest one before the window start counts
    assert out.loc["47", "start_date"] == pd.Timestamp("2024-08-12")
    assert out.loc["01", "start_date"] == pd.Timestamp("2024-08-19")
    assert out.loc["35", "k1_start"] == pytest.approx(0.25)


def test_delta_k1_window_and_date_between_snapshots(history: pd.DataFrame) -> None:
    five_weeks = delta_k1(history, "2024-09-16", 5)
    assert five_weeks["delta_k1"].tolist() == pytest.approx([0.15, 0.20, 0.20])
    between = delta_k1(history, "2024-09-18", 4)  # 18.09 − 4 weeks = 21.08 → start 19.08
    assert between["snapshot_date"].eq(pd.Timestamp("2024-09-16")).all()
    assert between["delta_k1"].tolist() == pytest.approx([0.10, 0.05, 0.20])


def test_delta_k1_without_an_earlier_snapshot_is_missing(history: pd.DataFrame) -> None:
    out = delta_k1(history, "2024-09-16", 10)
    assert out["delta_k1"].isna().all()
    assert best_dynamics(out).empty


def test_rankings(history: pd.DataFrame, snapshot: pd.DataFrame) -> None:
    lagging = lagging_regions(region_indicators(snapshot), n=2)
    assert lagging["region_code"].tolist() == ["01", "47"]
    best = best_dynamics(delta_k1(history, "2024-09-16", 4), n=5)
    assert best["region_code"].tolist() == ["47", "01", "35"]


@pytest.mark.parametrize(
    ("value", "target", "strict", "expected"),
    [
        (0.25, 0.25, True, "near"),  # «более 25 %»: exactly 25 % is not yet met
        (0.2501, 0.25, True, "met"),
        (0.75 - 1e-15, 0.75, False, "met"),  # float noise at the target is the target
        (0.75, 0.75, False, "met"),  # «не менее 75 %»
        (0.2, 0.25, True, "near"),  # exactly 80 % of the target
        (0.1999, 0.25, True, "behind"),
        (0.0, 1.0, False, "behind"),
        (True, 1.0, False, "met"),  # K3 of a region
        (False, 1.0, False, "behind"),
        (math.nan, 0.25, True, "unknown"),
        (None, 0.25, True, "unknown"),
    ],
)
def test_status(value: float | None, target: float, strict: bool, expected: str) -> None:
    assert status(value, target, strict=strict, near=0.8) == expected


def test_load_targets() -> None:
    targets = load_targets()
    assert (targets.k1.value, targets.k1.strict) == (0.25, True)
    assert (targets.k2.value, targets.k2.strict) == (0.75, False)
    assert targets.k3.value == targets.k4.value == targets.k5.value == 1.0
    assert targets.near == 0.8
    assert targets.delta_window_weeks == 4


def test_load_targets_rejects_a_percent(tmp_path: Path) -> None:
    path = tmp_path / "targets.yml"
    path.write_text("kpis: {k1: {target: 25}}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="k1"):
        load_targets(path)


def test_add_status(snapshot: pd.DataFrame) -> None:
    out = add_status(region_indicators(snapshot), load_targets()).set_index("region_code")
    assert out.loc["47", ["k1_status", "k2_status", "k3_status", "k4_status", "k5_status"]
                   ].tolist() == ["near", "met", "met", "behind", "met"]
    assert out.loc["35", "k1_status"] == "met"
    assert out.loc["35", "k3_status"] == "behind"
    national = add_status(national_indicators(snapshot), load_targets())
    assert national["k1_status"] == "met"  # 26,25 % > 25 %


def test_latest_snapshot_date(history: pd.DataFrame) -> None:
    assert latest_snapshot_date(history) == dt.date(2024, 9, 16)
    assert latest_snapshot_date(history, "") == dt.date(2024, 9, 16)
    assert latest_snapshot_date(history, "2024-09-01") == dt.date(2024, 8, 19)
    assert latest_snapshot_date(history, "2024-08-12") == dt.date(2024, 8, 12)
    with pytest.raises(ValueError, match="Нет ни одного среза.*no snapshot"):
        latest_snapshot_date(history, "2024-01-01")
    with pytest.raises(ValueError, match="ГГГГ-ММ-ДД"):
        latest_snapshot_date(history, "16.09.2024")


def test_national_trend(history: pd.DataFrame) -> None:
    trend = national_trend(history)
    assert trend["snapshot_date"].dt.date.astype(str).tolist() == list(ACTIVE)
    assert trend["k1"].tolist() == pytest.approx([30 / 400, 60 / 300, 105 / 400])
    recent = national_trend(history, window_weeks=4)
    assert recent["snapshot_date"].min() == pd.Timestamp("2024-08-19")
    assert len(national_trend(history, at="2024-08-19")) == 2


def test_dates_as_python_dates(history: pd.DataFrame) -> None:
    """The warehouse hands back ``datetime.date`` objects; the results are the same."""
    as_dates = history.assign(snapshot_date=history["snapshot_date"].dt.date)
    pd.testing.assert_frame_equal(delta_k1(as_dates, "2024-09-16", 4),
                                  delta_k1(history, "2024-09-16", 4))
    assert latest_snapshot_date(as_dates, "2024-09-01") == dt.date(2024, 8, 19)
    assert national_indicators(select_snapshot(as_dates, "2024-09-16"))["k5"] == 140
