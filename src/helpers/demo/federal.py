"""Deterministic demo exports of the federal «Сферум» monitoring (SPEC §5, Appendix A).

:func:`build_federal_history` makes one row per region per weekly snapshot (Mondays from
03.06.2024 to 16.09.2024). Sizes follow the scale of Russian schooling (about 40 thousand
directors, 1,08 million teachers, 18 million pupils); activity follows the campaign (a slow
summer, then a jump around the closing of the Telegram chats on 10.09.2024). The latest
snapshot reproduces the seed's figures by construction, not by a lucky seed:

- K1 of the five lagging regions and ΔK1 of the five best-dynamics regions are set explicitly,
  more than a percentage point away from every other region;
- the K1 of every other ("free") region is shifted by one common amount so that the national
  K1 is 20,5 %; the shares of class teachers with a parents' chat and of teachers bound to ЕСИА
  are scaled so that K4 is 7,8 % and K5 is 83 112 teachers; the last few people are put into
  the largest free region so the totals are exact;
- exactly three regions never finish base integration.

Calibration runs after regions are excluded and after ``fixed`` rows are put in (for example
region 35's rows summed from school-level data), so the figures hold for any such build.
All figures are fictional.

:func:`write_federal_exports` writes one file per snapshot the way regions' exports look.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font

from helpers.indicators.kpis import load_targets
from helpers.ingestion.contract.forms import FEDERAL, Column
from helpers.warehouse.reference import load_regions

SEED = 20_240_916
FIRST_SNAPSHOT = dt.date(2024, 6, 3)
LAST_SNAPSHOT = dt.date(2024, 9, 16)

COLUMNS: tuple[str, ...] = (
    "snapshot_date", *(c.name for c in FEDERAL.columns if c.name != "snapshot_date")
)
SIZE_COLUMNS = ("directors_total", "teachers_total", "class_teachers_total", "pupils_total")

# --- sizes ---------------------------------------------------------------------------------

NATIONAL_SIZES = {"directors_total": 40_000, "teachers_total": 1_080_000,
                  "pupils_total": 18_000_000}
PUPILS_PER_CLASS = 25

# Approximate school pupils per region, thousands (their shares matter, not the exact values).
PUPILS_THOUSANDS: dict[str, float] = {
    "01": 56, "02": 520, "03": 150, "04": 40, "05": 500, "06": 105, "07": 115, "08": 34,
    "09": 57, "10": 70, "11": 110, "12": 82, "13": 78, "14": 165, "15": 95, "16": 480,
    "17": 72, "18": 200, "19": 70, "20": 380, "21": 150, "22": 265, "23": 780, "24": 340,
    "25": 215, "26": 345, "27": 160, "28": 95, "29": 115, "30": 120, "31": 175, "32": 125,
    "33": 140, "34": 290, "35": 146, "36": 250, "37": 100, "38": 320, "39": 135, "40": 120,
    "41": 40, "42": 290, "43": 135, "44": 65, "45": 85, "46": 115, "47": 220, "48": 115,
    "49": 18, "50": 1100, "51": 80, "52": 360, "53": 65, "54": 330, "55": 225, "56": 240,
    "57": 70, "58": 130, "59": 310, "60": 62, "61": 460, "62": 115, "63": 350, "64": 270,
    "65": 70, "66": 530, "67": 90, "68": 85, "69": 135, "70": 120, "71": 155, "72": 200,
    "73": 125, "74": 420, "75": 145, "76": 135, "77": 1500, "78": 640, "79": 22, "83": 7.5,
    "86": 235, "87": 8, "89": 85, "91": 235, "92": 60, "93": 210, "94": 140, "90": 55, "95": 28,
}  # fmt: skip
DEFAULT_PUPILS_THOUSANDS = 100.0
# Cities have large schools (Moscow's are multi-building complexes) and a heavier teacher load.
SCHOOL_SIZE_FACTOR = {"77": 4.5, "78": 1.8, "50": 1.5, "92": 1.3, "23": 1.1}
TEACHER_LOAD_FACTOR = {"77": 1.15, "78": 1.1, "50": 1.1}

# Region 35's sizes are pinned: its school-level demo data (about 345 schools and 146 thousand
# pupils, SPEC §5) must sum to this row. To replace its rows entirely, pass ``fixed``.
PINNED_SIZES: dict[str, dict[str, int]] = {
    "35": {"directors_total": 345, "teachers_total": 10_420, "class_teachers_total": 7_400,
           "pupils_total": 146_000},
}

# --- the seed's figures (SPEC §3) ----------------------------------------------------------

SEED_K1 = 0.205  # national K1 on the latest snapshot: «20,5 %»
SEED_K4 = 0.078  # national K4: «<10 %»
SEED_ESIA = 83_112  # national K5: «83 тыс.»
LAGGING_K1 = {"49": 0.081, "45": 0.094, "51": 0.107, "60": 0.120, "61": 0.132}
BEST_DYNAMICS = {  # ΔK1 over the window, and K1 on the latest snapshot
    "48": (0.152, 0.335), "70": (0.137, 0.318), "67": (0.123, 0.301), "21": (0.110, 0.322),
    "47": (0.098, 0.287),
}  # fmt: skip
NOT_INTEGRATED = ("09", "17", "79")  # never finish base integration in the demo
LATE_INTEGRATIONS = 11  # regions that finish base integration during the campaign
K1_FREE_RANGE = (0.150, 0.450)  # K1 of the other regions on the latest snapshot
DELTA_FREE_RANGE = (0.006, 0.075)  # their ΔK1 (the lagging ones grow 0.003–0.02)
K4_MAX, K5_MAX = 0.5, 0.6


def snapshot_dates(first: dt.date = FIRST_SNAPSHOT, last: dt.date = LAST_SNAPSHOT
                   ) -> list[dt.date]:
    """Weekly snapshot dates (Mondays) from ``first`` through ``last`` inclusive."""
    return [first + dt.timedelta(weeks=w) for w in range((last - first).days // 7 + 1)]


# --- the plan: per-region parameters, drawn once for all regions --------------------------


def _scaled(raw: np.ndarray, total: float, pinned: np.ndarray) -> np.ndarray:
    """Scale the unpinned entries so that all entries sum to ``total``; round to integers."""
    free = np.isnan(pinned)
    out = pinned.copy()
    out[free] = raw[free] * (total - np.nansum(pinned)) / raw[free].sum()
    return np.rint(out).astype("int64")


def _pinned(codes: pd.Index, column: str) -> np.ndarray:
    return np.array([PINNED_SIZES.get(code, {}).get(column, np.nan) for code in codes])


def _plan(regions: pd.DataFrame, snapshots: int, rng: np.random.Generator) -> pd.DataFrame:
    """Sizes and activity parameters of every region of the reference, indexed by code."""
    codes = pd.Index(regions["region_code"], name="region_code")
    n = len(codes)
    pupils_raw = np.array([PUPILS_THOUSANDS.get(c, DEFAULT_PUPILS_THOUSANDS) for c in codes])
    pupils_raw = pupils_raw * 1000 * rng.lognormal(0, 0.03, n)
    school_size = np.array([SCHOOL_SIZE_FACTOR.get(c, 1.0) for c in codes])
    load = np.array([TEACHER_LOAD_FACTOR.get(c, 1.0) for c in codes])
    per_school = 450 * school_size * rng.lognormal(0, 0.22, n)
    per_teacher = 16.7 * load * rng.lognormal(0, 0.08, n)
    per_class = PUPILS_PER_CLASS * rng.lognormal(0, 0.05, n)

    pupils = _scaled(pupils_raw, NATIONAL_SIZES["pupils_total"], _pinned(codes, "pupils_total"))
    directors = _scaled(pupils / per_school, NATIONAL_SIZES["directors_total"],
                        _pinned(codes, "directors_total"))
    teachers = _scaled(pupils / per_teacher, NATIONAL_SIZES["teachers_total"],
                       _pinned(codes, "teachers_total"))
    classes = np.minimum(np.rint(pupils / per_class), np.rint(0.85 * teachers))
    pinned_classes = _pinned(codes, "class_teachers_total")
    classes = np.where(np.isnan(pinned_classes), classes, pinned_classes).astype("int64")

    plan = pd.DataFrame(
        {
            "region_name": regions["name_ru"].to_numpy(),
            "directors_total": np.maximum(directors, 5),
            "teachers_total": teachers,
            "class_teachers_total": classes,
            "pupils_total": pupils,
            "k1_end": rng.normal(0.205, 0.035, n).clip(0.158, 0.34),
            "k1_delta": rng.uniform(*DELTA_FREE_RANGE, n),
            "k1_summer": rng.uniform(0.004, 0.03, n),  # growth from the first snapshot to the window
            "k1_power": rng.uniform(1.2, 2.2, n),  # growth in the window is back-loaded
            "director_factor": rng.uniform(1.8, 2.6, n),  # directors are more active than teachers
            "teachers_linked_end": rng.uniform(0.45, 0.85, n),
            "pupils_linked_end": rng.uniform(0.35, 0.75, n),
            "linked_start": rng.uniform(0.55, 0.85, n),  # share of the end value at the start
            "k4_end": rng.uniform(0.03, 0.14, n),
            "k4_start": rng.uniform(0.05, 0.25, n),
            "k5_end": rng.uniform(0.04, 0.12, n),
            "k5_start": rng.uniform(0.2, 0.45, n),
            "integrated_from": 0,  # index of the first snapshot with base integration done
        },
        index=codes,
    )
    lagging_growth = rng.uniform(0.003, 0.02, len(LAGGING_K1))
    for (code, k1), growth in zip(LAGGING_K1.items(), lagging_growth, strict=True):
        plan.loc[code, ["k1_end", "k1_delta", "k1_summer"]] = [k1, growth, growth / 2]
    for code, (delta, k1) in BEST_DYNAMICS.items():
        plan.loc[code, ["k1_end", "k1_delta"]] = [k1, delta]
    late = [c for c in rng.permutation(codes.to_numpy()) if c not in NOT_INTEGRATED]
    weeks = rng.integers(1, 14, LATE_INTEGRATIONS)
    plan.loc[late[:LATE_INTEGRATIONS], "integrated_from"] = weeks
    not_done = list(NOT_INTEGRATED)
    plan.loc[not_done, "integrated_from"] = 10_000
    plan.loc[not_done, "teachers_linked_end"] = rng.uniform(0.01, 0.04, len(not_done))
    plan.loc[not_done, "pupils_linked_end"] = rng.uniform(0.005, 0.03, len(not_done))
    noise = rng.normal(0, 0.0012, (n, snapshots))  # week-to-week wobble before the window
    return plan.join(pd.DataFrame(noise, index=codes).add_prefix("k1_noise_"))


# --- from the plan to rows -----------------------------------------------------------------


def _window_start(dates: Sequence[dt.date], window_weeks: int) -> int:
    """Index of the latest snapshot on or before the last one minus the ΔK1 window."""
    limit = dates[-1] - dt.timedelta(weeks=window_weeks)
    return max((i for i, d in enumerate(dates) if d <= limit), default=0)


def _k1_paths(plan: pd.DataFrame, noise: np.ndarray, start: int) -> np.ndarray:
    """K1 per region (rows) and snapshot (columns): summer drift, then the window's growth."""
    m = noise.shape[1]
    i = np.arange(m)
    end, delta = plan["k1_end"].to_numpy(), plan["k1_delta"].to_numpy()
    at_start = end - delta
    summer = np.minimum(plan["k1_summer"].to_numpy(), at_start - 0.02)
    x = np.clip((i - start) / max(m - 1 - start, 1), 0, 1)
    late = at_start[:, None] + delta[:, None] * x[None, :] ** plan["k1_power"].to_numpy()[:, None]
    early = at_start[:, None] - summer[:, None] * ((start - i) / max(start, 1))[None, :] + noise
    return np.clip(np.where(i[None, :] >= start, late, early), 0.005, 0.95)


def _rows(plan: pd.DataFrame, dates: Sequence[dt.date], window_weeks: int) -> pd.DataFrame:
    """One row per region and snapshot date, counts derived from the plan's shares."""
    m = len(dates)
    noise = plan[[f"k1_noise_{i}" for i in range(m)]].to_numpy()
    t = np.arange(m) / max(m - 1, 1)

    def col(name: str) -> np.ndarray:
        return plan[name].to_numpy(dtype="float64")[:, None]

    directors, teachers = col("directors_total"), col("teachers_total")
    classes, pupils = col("class_teachers_total"), col("pupils_total")
    k1 = _k1_paths(plan, noise, _window_start(dates, window_weeks))
    active = np.rint(k1 * (directors + teachers))
    directors_active = np.rint(directors * np.minimum(0.97, k1 * col("director_factor")))
    teachers_active = np.clip(active - directors_active, 0, teachers)
    linked = col("linked_start") + (1 - col("linked_start")) * t
    k4 = col("k4_end") * (col("k4_start") + (1 - col("k4_start")) * t**3)
    k5 = col("k5_end") * (col("k5_start") + (1 - col("k5_start")) * t**1.5)
    values = {
        "directors_total": np.broadcast_to(directors, k1.shape),
        "directors_active": directors_active,
        "teachers_total": np.broadcast_to(teachers, k1.shape),
        "teachers_active": teachers_active,
        "class_teachers_total": np.broadcast_to(classes, k1.shape),
        "class_teachers_parent_chat": np.rint(classes * np.minimum(k4, 1)),
        "pupils_total": np.broadcast_to(pupils, k1.shape),
        "teachers_linked": np.rint(teachers * np.minimum(col("teachers_linked_end") * linked, 1)),
        "pupils_linked": np.rint(pupils * np.minimum(col("pupils_linked_end") * linked, 1)),
        "teachers_esia": np.rint(teachers * np.minimum(k5, 1)),
    }
    frame = pd.DataFrame({name: v.T.ravel().astype("int64") for name, v in values.items()})
    stamps = pd.to_datetime(np.repeat(np.array(dates), len(plan))).astype("datetime64[ns]")
    frame.insert(0, "snapshot_date", stamps)
    frame.insert(1, "region_code", np.tile(plan.index.to_numpy(), m))
    frame.insert(2, "region_name", np.tile(plan["region_name"].to_numpy(), m))
    integrated = np.arange(m)[None, :] >= plan["integrated_from"].to_numpy()[:, None]
    frame["integration_done"] = integrated.T.ravel()
    frame["region_code"] = frame["region_code"].astype(str)
    frame["region_name"] = frame["region_name"].astype(str)
    return frame[list(COLUMNS)]


# --- calibration to the seed's figures -----------------------------------------------------


def _solve(total: Callable[[float], float], wanted: float, low: float, high: float) -> float:
    """The argument where an increasing ``total`` reaches ``wanted`` (bisection, clamped)."""
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if total(middle) < wanted else (low, middle)
    return (low + high) / 2


def _scaled_shares(shares: np.ndarray, weights: np.ndarray, wanted: float, cap: float
                   ) -> np.ndarray:
    """Shares times one common factor (each at most ``cap``) whose weighted sum is ``wanted``."""

    def total(factor: float) -> float:
        return float((np.minimum(shares * factor, cap) * weights).sum())

    return np.minimum(shares * _solve(total, wanted, 0.0, 50.0), cap)


def _calibrate(plan: pd.DataFrame, pinned: pd.DataFrame) -> pd.DataFrame:
    """Shift the free regions' K1 and scale everyone's K4 and ESIA shares to the seed's totals.

    ``pinned`` holds the latest rows of the regions given as ``fixed`` rows: their counts are
    taken as they are and the other regions make up the difference.
    """
    plan = plan.copy()
    fixed = plan.index.isin(pinned["region_code"])
    free_k1 = ~fixed & ~plan.index.isin([*LAGGING_K1, *BEST_DYNAMICS])
    staff = (plan["directors_total"] + plan["teachers_total"]).to_numpy(dtype="float64")
    staff_all = staff[~fixed].sum() + (pinned["directors_total"] + pinned["teachers_total"]).sum()
    set_active = (plan["k1_end"].to_numpy() * staff)[~fixed & ~free_k1].sum() + (
        pinned["directors_active"] + pinned["teachers_active"]
    ).sum()
    base = plan.loc[free_k1, "k1_end"].to_numpy()

    def active(shift: float) -> float:
        return float((np.clip(base + shift, *K1_FREE_RANGE) * staff[free_k1]).sum())

    if free_k1.any():
        shift = _solve(active, SEED_K1 * staff_all - set_active, -0.5, 0.5)
        plan.loc[free_k1, "k1_end"] = np.clip(base + shift, *K1_FREE_RANGE)
    if fixed.all():
        return plan
    classes_all = plan.loc[~fixed, "class_teachers_total"].sum() + pinned[
        "class_teachers_total"
    ].sum()
    free = plan.loc[~fixed]
    plan.loc[~fixed, "k4_end"] = _scaled_shares(
        free["k4_end"].to_numpy(), free["class_teachers_total"].to_numpy(dtype="float64"),
        SEED_K4 * classes_all - pinned["class_teachers_parent_chat"].sum(), K4_MAX,
    )
    plan.loc[~fixed, "k5_end"] = _scaled_shares(
        free["k5_end"].to_numpy(), free["teachers_total"].to_numpy(dtype="float64"),
        SEED_ESIA - pinned["teachers_esia"].sum(), K5_MAX,
    )
    return plan


def _exact_totals(history: pd.DataFrame, plan: pd.DataFrame, pinned: pd.DataFrame
                  ) -> pd.DataFrame:
    """Put the last few rounded-off people into the largest free region on the latest date."""
    free = plan.index[~plan.index.isin([*pinned["region_code"], *LAGGING_K1, *BEST_DYNAMICS])]
    if free.empty:
        return history
    anchor = plan.loc[free, "teachers_total"].idxmax()
    latest = history["snapshot_date"] == history["snapshot_date"].max()
    row = history.index[latest & (history["region_code"] == anchor)][0]
    today = history[latest]
    staff = int((today["directors_total"] + today["teachers_total"]).sum())
    active = int((today["directors_active"] + today["teachers_active"]).sum())
    out = history.copy()
    out.loc[row, "teachers_active"] += round(SEED_K1 * staff) - active
    out.loc[row, "teachers_esia"] += SEED_ESIA - int(today["teachers_esia"].sum())
    return out


# --- exclusions, fixed rows, constraints ---------------------------------------------------

Exclude = Mapping[str, str | Iterable[str]]


def excluded_codes(regions: pd.DataFrame, exclude: Exclude | None) -> set[str]:
    """Codes of the regions whose reference column equals one of the given values."""
    codes: set[str] = set()
    for column, values in (exclude or {}).items():
        if column not in regions.columns:
            raise ValueError(
                f"Нет столбца «{column}» в справочнике регионов / unknown reference column "
                f"{column!r}; known: {', '.join(regions.columns)}"
            )
        wanted = {values} if isinstance(values, str) else set(values)
        codes |= set(regions.loc[regions[column].astype(str).isin(wanted), "region_code"])
    return codes


def _normalise_fixed(fixed: pd.DataFrame | None) -> pd.DataFrame:
    if fixed is None or fixed.empty:
        return pd.DataFrame(columns=["snapshot_date", "region_code"])
    unknown = set(fixed.columns) - set(COLUMNS)
    if unknown:
        raise ValueError(f"Неизвестные столбцы / unknown columns in fixed rows: {sorted(unknown)}")
    out = fixed.copy()
    out["snapshot_date"] = pd.to_datetime(out["snapshot_date"]).dt.normalize()
    out["region_code"] = out["region_code"].astype(str).str.zfill(2)
    return out


def _put_fixed(history: pd.DataFrame, fixed: pd.DataFrame) -> pd.DataFrame:
    """Replace the generated values of the keys given in ``fixed`` by the given ones."""
    if fixed.empty:
        return history
    keys = ["snapshot_date", "region_code"]
    out = history.set_index(keys)
    given = fixed.set_index(keys)
    missing = given.index.difference(out.index)
    if len(missing):
        raise ValueError(f"Нет таких срезов и регионов / fixed rows for unknown keys: {list(missing)}")
    columns = [c for c in given.columns if c in out.columns]
    out.loc[given.index, columns] = given[columns].to_numpy()
    return out.reset_index().astype(history.dtypes.to_dict())[list(history.columns)]


def check_constraints(history: pd.DataFrame) -> list[str]:
    """Rules of the form the demo rows break (a count above its total, a negative count)."""
    broken = []
    for column in FEDERAL.columns:
        if column.kind == "count" and (history[column.name] < 0).any():
            broken.append(f"{column.name} < 0")
        if column.not_above and (history[column.name] > history[column.not_above]).any():
            broken.append(f"{column.name} > {column.not_above}")
    return broken


# --- the history ---------------------------------------------------------------------------


def drawn(seed: int, variant: int) -> int:
    """A generator's seed for another draw of the demo (variant 0: the seed itself)."""
    return seed + variant * 1_000_003  # a prime step: no variant meets another region's seed


def build_federal_history(exclude: Exclude | None = None, fixed: pd.DataFrame | None = None,
                          variant: int = 0) -> pd.DataFrame:
    """The demo federal monitoring: one row per region per weekly snapshot, canonical columns.

    Args:
        exclude: reference columns and values of regions to leave out,
            e.g. ``{"is_added_2022": "1"}`` or ``{"federal_district": ["ДФО", "СКФО"]}``.
        fixed: rows (``snapshot_date``, ``region_code`` and any canonical columns) to use
            instead of the generated values; other regions make up the seed's totals.
        variant: another random draw of the free regions (0: the demo checked against the
            slides); the seed's national figures and pinned lists hold for every variant.

    Returns:
        ``snapshot_date`` (datetime64), ``region_code`` (two digits), ``region_name`` and the
        counts and flag of :data:`helpers.ingestion.contract.forms.FEDERAL`, sorted by date and code.
    """
    regions = load_regions()
    dates = snapshot_dates()
    window = load_targets().delta_window_weeks
    plan = _plan(regions, len(dates), np.random.default_rng(drawn(SEED, variant)))
    plan = plan[~plan.index.isin(excluded_codes(regions, exclude))]
    fixed_rows = _normalise_fixed(fixed)
    fixed_rows = fixed_rows[fixed_rows["region_code"].isin(plan.index)]

    draft = _put_fixed(_rows(plan, dates, window), fixed_rows)
    latest = draft["snapshot_date"] == pd.Timestamp(dates[-1])
    pinned_codes = fixed_rows.loc[fixed_rows["snapshot_date"] == pd.Timestamp(dates[-1]),
                                  "region_code"]
    pinned = draft[latest & draft["region_code"].isin(pinned_codes)]
    plan = _calibrate(plan, pinned)
    history = _put_fixed(_rows(plan, dates, window), fixed_rows)
    history = _exact_totals(history, plan, pinned)
    broken = check_constraints(history)
    if broken:
        raise ValueError(f"Демо-данные нарушают правила формы / demo rows break: {broken}")
    return history.sort_values(["snapshot_date", "region_code"]).reset_index(drop=True)


# --- the export files ----------------------------------------------------------------------

TITLE = "Мониторинг ИКОП «Сферум»"
EN_DASH = " \u2013 "


@dataclass(frozen=True)
class ExportStyle:
    """How one export file looks; each field is one feature of real regions' exports."""

    suffix: Literal[".xlsx", ".csv"] = ".xlsx"
    encoding: str = "utf-8-sig"  # CSV only: "cp1251" or UTF-8 (with the BOM Excel writes)
    delimiter: str = ";"  # CSV only
    stem: str = "sferum_monitoring_{date:%Y-%m-%d}"
    date_in: Literal["title", "column", "filename"] = "title"
    wrap: bool = False  # headers wrapped over two lines
    case: Literal["", "upper", "lower"] = ""
    yo_as_e: bool = False  # «учетные» for «учётные»
    units: bool = False  # «(чел.)» after count headers
    aliases: bool = False  # «Код региона», «Субъект РФ»
    thousands: str = ""  # counts as text grouped with this separator, e.g. "1 234"
    codes_as_numbers: bool = False  # 1 instead of 01
    dash: str = EN_DASH  # the dash inside region names
    flags: tuple[object, object] = ("да", "нет")
    totals: str = "Итого"  # label of the totals row ('' for none)
    sheet: str = "Мониторинг"


NBSP = "\u00a0"
STYLES: tuple[ExportStyle, ...] = (
    ExportStyle(suffix=".csv", encoding="cp1251", thousands=" ", codes_as_numbers=True, dash="-"),
    ExportStyle(flags=("Да", "Нет"), sheet="Лист1"),
    ExportStyle(suffix=".csv", delimiter=",", thousands=NBSP, dash=" \u2014 ", flags=("+", "-"),
                case="lower"),
    ExportStyle(wrap=True, thousands=NBSP, flags=(1, 0), totals="ИТОГО"),
    ExportStyle(yo_as_e=True, units=True, aliases=True, codes_as_numbers=True),
    ExportStyle(suffix=".csv", encoding="cp1251", flags=("ДА", "НЕТ"), units=True, wrap=True),
    ExportStyle(stem="monitoring_{date:%Y-%m-%d}", date_in="filename", sheet="Лист1"),
    ExportStyle(case="upper", dash=" - "),
    ExportStyle(totals=""),
    ExportStyle(date_in="column"),
    ExportStyle(suffix=".csv", delimiter=",", thousands=" ", flags=("Да", "Нет"), aliases=True),
    ExportStyle(wrap=True, yo_as_e=True),
    ExportStyle(thousands=NBSP, dash=" \u2014 ", flags=("+", "-")),
    ExportStyle(suffix=".csv", encoding="cp1251", codes_as_numbers=True, thousands=NBSP),
    ExportStyle(units=True, flags=(1, 0)),
    ExportStyle(wrap=True, yo_as_e=True, units=True),
)
"""The style of the i-th snapshot's file (cycled); the 7th (15.07.2024) has its date only in
its name."""


def _header(column: Column, style: ExportStyle) -> str:
    text = column.aliases[0] if style.aliases and column.aliases else column.header
    if style.units and column.kind == "count":
        text += " (чел.)"
    if style.yo_as_e:
        text = text.replace("ё", "е").replace("Ё", "Е")
    if style.wrap:
        text = text.replace(", ", ",\n", 1) if ", " in text else text.replace(" ", "\n", 1)
    if style.case == "upper":
        text = text.upper()
    elif style.case == "lower":
        text = text.lower()
    return text


def _count(value: int, style: ExportStyle) -> object:
    return f"{value:,}".replace(",", style.thousands) if style.thousands else int(value)


def _table(snapshot: pd.DataFrame, day: dt.date, style: ExportStyle
           ) -> tuple[list[object], list[list[object]]]:
    """The header and the rows (totals row included) of one snapshot's file."""
    columns = [c for c in FEDERAL.columns if c.name != "snapshot_date"]
    if style.date_in == "column":
        columns = [FEDERAL.column("snapshot_date"), *columns]
    header: list[object] = [_header(c, style) for c in columns]
    stamp = dt.datetime.combine(day, dt.time())
    rows: list[list[object]] = []
    for record in snapshot.to_dict("records"):
        row: list[object] = []
        for column in columns:
            value = record.get(column.name)
            if column.name == "snapshot_date":
                row.append(stamp if style.suffix == ".xlsx" else f"{day:%d.%m.%Y}")
            elif column.name == "region_code":
                row.append(int(value) if style.codes_as_numbers else str(value))
            elif column.name == "region_name":
                row.append(str(value).replace(EN_DASH, style.dash))
            elif column.kind == "count":
                row.append(_count(int(value), style))
            else:  # the integration flag
                row.append(style.flags[0] if value else style.flags[1])
        rows.append(row)
    if style.totals:
        sums = snapshot[[c.name for c in columns if c.kind == "count"]].sum()
        rows.append([
            style.totals if c.name == "region_name"
            else _count(int(sums[c.name]), style) if c.kind == "count" else ""
            for c in columns
        ])
    return header, rows


def _title_rows(day: dt.date, style: ExportStyle) -> list[str]:
    if style.date_in == "title":
        return [TITLE, f"по состоянию на {day:%d.%m.%Y}"]
    return [TITLE]


def _write_csv(path: Path, title: list[str], header: list[object], rows: list[list[object]],
               style: ExportStyle) -> None:
    width = len(header)
    with path.open("w", encoding=style.encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=style.delimiter)
        for line in title:
            writer.writerow([line] + [""] * (width - 1))
        writer.writerow([""] * width)
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, title: list[str], header: list[object], rows: list[list[object]],
                style: ExportStyle) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 -- narrows a type for mypy
    sheet.title = style.sheet
    for line in title:
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append([])
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "DD.MM.YYYY"
    if style.totals:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, text in enumerate(header, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if "Субъект" in str(text) else 16
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    workbook.save(path)


def write_federal_exports(history: pd.DataFrame, federal_dir: Path) -> list[Path]:
    """One export per snapshot date in ``federal_dir``, each file written atomically."""
    federal_dir.mkdir(parents=True, exist_ok=True)
    dates = sorted(pd.to_datetime(history["snapshot_date"]).dt.date.unique())
    stamps = pd.to_datetime(history["snapshot_date"]).dt.date
    written = []
    for index, day in enumerate(dates):
        style = STYLES[index % len(STYLES)]
        snapshot = history[stamps == day].sort_values("region_code")
        header, rows = _table(snapshot, day, style)
        path = federal_dir / f"{style.stem.format(date=day)}{style.suffix}"
        partial = path.with_name(f".{path.name}.part")
        write = _write_csv if style.suffix == ".csv" else _write_xlsx
        write(partial, _title_rows(day, style), header, rows, style)
        os.replace(partial, path)
        written.append(path)
    return written


# --- command line --------------------------------------------------------------------------


def parse_exclude(items: Sequence[str]) -> dict[str, list[str]]:
    exclude: dict[str, list[str]] = {}
    for item in items:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise ValueError(f"--exclude {item!r}: нужно СТОЛБЕЦ=ЗНАЧЕНИЕ / expected COLUMN=VALUE")
        exclude.setdefault(column.strip(), []).append(value.strip())
    return exclude
