"""The seed's figures (SPEC §3) as one assertion, reusable on any federal history frame.

Call :func:`assert_seed_figures` on the demo history, on what the warehouse holds after
ingesting the demo exports, or on anything else that must reproduce the ministry's slide.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from helpers.indicators.kpis import (
    best_dynamics,
    delta_k1,
    lagging_regions,
    latest_snapshot_date,
    load_targets,
    national_indicators,
    region_indicators,
    select_snapshot,
)
from helpers.vocabulary import fmt_percent, fmt_thousands

SEED_DATE = dt.date(2024, 9, 16)
SEED_K1 = "20,5\u00a0%"
SEED_K5 = "83\u00a0тыс."
SEED_NOT_INTEGRATED = 3
SEED_LAGGING = [
    "Магаданская область",
    "Курганская область",
    "Мурманская область",
    "Псковская область",
    "Ростовская область",
]
SEED_BEST_DYNAMICS = [
    "Липецкая область",
    "Томская область",
    "Смоленская область",
    "Чувашская Республика – Чувашия",
    "Ленинградская область",
]


def assert_seed_figures(history: pd.DataFrame) -> None:
    """The latest snapshot of ``history`` shows every figure of the ministry's slide."""
    day = latest_snapshot_date(history)
    assert day == SEED_DATE
    snapshot = select_snapshot(history, day)
    national = national_indicators(snapshot)
    assert fmt_percent(national["k1"]) == SEED_K1, national["k1"]
    assert national["k4"] < 0.10, national["k4"]
    assert fmt_thousands(national["k5"]) == SEED_K5, national["k5"]
    assert national["regions_not_integrated"] == SEED_NOT_INTEGRATED

    lagging = lagging_regions(region_indicators(snapshot), n=5)
    assert lagging["region_name"].tolist() == SEED_LAGGING

    window = load_targets().delta_window_weeks
    deltas = delta_k1(history, day, window)
    assert (deltas["start_date"] == pd.Timestamp(day - dt.timedelta(weeks=window))).all()
    assert best_dynamics(deltas, n=5)["region_name"].tolist() == SEED_BEST_DYNAMICS
