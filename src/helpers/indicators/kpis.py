"""Indicators K1–K5 and ΔK1 of the «Сферум» monitoring (SPEC §3) on federal snapshots.

Every function here is pure: it takes frames in the canonical columns of
:data:`helpers.ingestion.contract.forms.FEDERAL` (``snapshot_date`` as a date or datetime, ``region_code``
as two-digit text) and returns new ones. Shares are fractions 0..1. Aggregates are ratios of
sums, never means of regional ratios.

Output columns:

- :func:`region_indicators`: ``[snapshot_date,] region_code, region_name, federal_district,
  federal_district_full, k1, k2, k3, k4, k5, k5_share`` (``k3`` is a bool);
- :func:`district_indicators` and :func:`national_indicators`: ``regions, regions_integrated,
  regions_not_integrated, k1, k2, k3, k4, k5, k5_share`` and the sums of every count column
  (``k3`` is the share of regions that finished base integration);
- :func:`delta_k1`: ``region_code, region_name, federal_district, federal_district_full,
  snapshot_date, k1, start_date, k1_start, delta_k1``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import pandas as pd
import yaml

from helpers.config import PARAMS_DIR
from helpers.errors import BadInput, DataMissing
from helpers.ingestion.contract.forms import FEDERAL
from helpers.warehouse.reference import load_regions

Status = Literal["met", "near", "behind", "unknown"]

"""A KPI's status; its words, symbols and colours are in :data:`helpers.vocabulary.STATUSES`."""

KPIS = ("k1", "k2", "k3", "k4", "k5")
KPI_VALUE_COLUMN = {"k1": "k1", "k2": "k2", "k3": "k3", "k4": "k4", "k5": "k5_share"}
"""The column each KPI's status is computed from (K5's target is a share of teachers)."""

COUNT_COLUMNS: tuple[str, ...] = FEDERAL.count_columns
DISTRICT_ORDER = ("ЦФО", "СЗФО", "ЮФО", "СКФО", "ПФО", "УФО", "СФО", "ДФО")
REFERENCE_COLUMNS = ["region_code", "name_ru", "federal_district", "federal_district_full"]

FrameOrSeries = TypeVar("FrameOrSeries", pd.DataFrame, pd.Series)


# --- targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The 2024–2025 target of one KPI: a share, reached at (or strictly above) ``value``."""

    kpi: str
    label: str
    value: float
    strict: bool = False


@dataclass(frozen=True)
class Targets:
    """The targets of ``params/targets.yml``, the status threshold and the ΔK1 window."""

    campaign: str
    k1: Target
    k2: Target
    k3: Target
    k4: Target
    k5: Target
    near: float  # «близко к цели»: at least ``near`` × target
    delta_window_weeks: int
    changes_base_days: int = 7  # «что изменилось»: the base is at least this many days older

    @property
    def kpis(self) -> tuple[Target, ...]:
        return (self.k1, self.k2, self.k3, self.k4, self.k5)

    def target(self, kpi: str) -> Target:
        return cast(Target, getattr(self, kpi))


def _params_error(path: Path, problem: str) -> BadInput:
    return BadInput(f"{path}: {problem}")


def load_targets(path: Path = PARAMS_DIR / "targets.yml") -> Targets:
    """Read the targets, status threshold and ΔK1 window from the YAML parameters file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kpis: dict[str, Any] = data.get("kpis") or {}
    targets = {}
    for kpi in KPIS:
        entry = kpis.get(kpi)
        if not isinstance(entry, dict) or "target" not in entry:
            raise _params_error(path, f"нет цели показателя {kpi} / missing target of {kpi}")
        value = float(entry["target"])
        if not 0 < value <= 1:
            raise _params_error(
                path, f"цель {kpi} = {value}: нужна доля от 0 до 1 / target must be a share 0..1"
            )
        targets[kpi] = Target(kpi, str(entry.get("label", kpi)), value, bool(entry.get("strict")))
    near = float((data.get("status") or {}).get("near", 0.8))
    if not 0 < near < 1:
        raise _params_error(path, f"status.near = {near}: нужно число от 0 до 1 / must be 0..1")
    weeks = (data.get("delta_k1") or {}).get("window_weeks", 4)
    if not isinstance(weeks, int) or weeks < 1:
        raise _params_error(
            path, f"delta_k1.window_weeks = {weeks!r}: нужно целое ≥ 1 / must be an integer ≥ 1"
        )
    base_days = (data.get("changes") or {}).get("base_min_days", 7)
    if not isinstance(base_days, int) or base_days < 1:
        raise _params_error(
            path, f"changes.base_min_days = {base_days!r}: нужно целое ≥ 1 / must be an integer ≥ 1"
        )
    return Targets(
        campaign=str(data.get("campaign", "")), near=near, delta_window_weeks=weeks,
        changes_base_days=base_days, **targets
    )


# --- statuses ------------------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def status(value: float | bool | None, target: float, *, strict: bool = False,
           near: float = 0.8) -> Status:
    """'met' at the target (strictly above it when ``strict``), 'near' from ``near`` × target,
    else 'behind'; 'unknown' for a missing value."""
    if _missing(value):
        return "unknown"
    share = float(cast(float, value))
    at_target = math.isclose(share, target, rel_tol=1e-9, abs_tol=1e-12)
    if (share > target and not at_target) or (at_target and not strict):
        return "met"
    threshold = near * target
    if share >= threshold or math.isclose(share, threshold, rel_tol=1e-9, abs_tol=1e-12):
        return "near"
    return "behind"


def add_status(indicators: FrameOrSeries, targets: Targets) -> FrameOrSeries:
    """Add ``k1_status`` … ``k5_status`` for each KPI whose value column is present."""
    if isinstance(indicators, pd.Series):
        return add_status(indicators.to_frame().T, targets).iloc[0]
    out = indicators.copy()
    for goal in targets.kpis:
        column = KPI_VALUE_COLUMN[goal.kpi]
        if column in out.columns:
            out[f"{goal.kpi}_status"] = [
                status(v, goal.value, strict=goal.strict, near=targets.near) for v in out[column]
            ]
    return out


# --- snapshots and dates -------------------------------------------------------------------


def _as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(day.strip())
    except ValueError:
        raise BadInput(
            f"Дата «{day}» не в формате ГГГГ-ММ-ДД / date {day!r} is not an ISO date (YYYY-MM-DD)"
        ) from None


def _dated(history: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``snapshot_date`` as datetime64[ns] (midnight), whatever it came as."""
    if "snapshot_date" not in history.columns:
        raise ValueError("Нет столбца «Дата среза» / no snapshot_date column")
    out = history.copy()
    dates = pd.to_datetime(out["snapshot_date"]).dt.normalize()
    out["snapshot_date"] = dates.astype("datetime64[ns]")
    return out


def latest_snapshot_date(history: pd.DataFrame, period: str | dt.date | None = None) -> dt.date:
    """The latest snapshot date on or before ``period`` (ISO date; None or '' for the latest)."""
    dates = pd.to_datetime(history["snapshot_date"]).dropna() if len(history) else pd.Series()
    if period:
        limit = pd.Timestamp(_as_date(period))
        dates = dates[dates <= limit]
    if dates.empty:
        when = f" на {_as_date(period):%d.%m.%Y} или раньше" if period else ""
        when_en = f" on or before {_as_date(period).isoformat()}" if period else ""
        raise DataMissing(f"Нет ни одного среза мониторинга{when} / no snapshot{when_en}")
    return cast(pd.Timestamp, dates.max()).date()


def select_snapshot(history: pd.DataFrame, day: dt.date | str) -> pd.DataFrame:
    """The rows of one snapshot date."""
    frame = _dated(history)
    return frame[frame["snapshot_date"] == pd.Timestamp(_as_date(day))].reset_index(drop=True)


def _single_snapshot(snapshot: pd.DataFrame) -> pd.DataFrame:
    if "snapshot_date" not in snapshot.columns:
        return snapshot
    frame = _dated(snapshot)
    dates = frame["snapshot_date"].dropna().unique()
    if len(dates) > 1:
        raise ValueError(
            f"Ожидался один срез, а в данных {len(dates)} дат: выберите срез (select_snapshot) / "
            f"expected one snapshot date, got {len(dates)}"
        )
    return frame


# --- indicators ----------------------------------------------------------------------------


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Numerator / denominator as float, NaN where the denominator is 0."""
    denominator = denominator.astype("float64")
    return numerator.astype("float64") / denominator.where(denominator > 0)


def _kpis(counts: pd.DataFrame) -> pd.DataFrame:
    """K1, K2, K4, K5 and the K5 share from counts (rows may be regions or sums of them)."""
    return pd.DataFrame(
        {
            "k1": _ratio(
                counts["directors_active"] + counts["teachers_active"],
                counts["directors_total"] + counts["teachers_total"],
            ),
            "k2": _ratio(
                counts["teachers_linked"] + counts["pupils_linked"],
                counts["teachers_total"] + counts["pupils_total"],
            ),
            "k4": _ratio(counts["class_teachers_parent_chat"], counts["class_teachers_total"]),
            "k5": counts["teachers_esia"].astype("int64"),
            "k5_share": _ratio(counts["teachers_esia"], counts["teachers_total"]),
        },
        index=counts.index,
    )


def _with_reference(frame: pd.DataFrame, regions: pd.DataFrame | None) -> pd.DataFrame:
    """Join the reference name and federal district of each region code."""
    reference = (load_regions() if regions is None else regions)[REFERENCE_COLUMNS]
    joined = frame.merge(reference, on="region_code", how="left", validate="many_to_one")
    if "region_name" in joined.columns:
        joined["name_ru"] = joined["name_ru"].fillna(joined["region_name"])
    return joined.drop(columns=["region_name"], errors="ignore").rename(
        columns={"name_ru": "region_name"}
    )


def region_indicators(snapshot: pd.DataFrame, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """K1–K5 per region (one row per region and snapshot date), named from the reference."""
    frame = _dated(snapshot) if "snapshot_date" in snapshot.columns else snapshot.copy()
    frame = _with_reference(frame.reset_index(drop=True), regions)
    kpis = _kpis(frame)
    keys = [c for c in ("snapshot_date", "region_code") if c in frame.columns]
    out = pd.concat(
        [
            frame[[*keys, "region_name", "federal_district", "federal_district_full"]],
            kpis[["k1", "k2"]],
            frame["integration_done"].astype(bool).rename("k3"),
            kpis[["k4", "k5", "k5_share"]],
        ],
        axis=1,
    )
    return out.sort_values(keys).reset_index(drop=True)


def _aggregate(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sums of the counts by ``by``, then the ratios of the sums, and the K3 region counts."""
    grouped = frame.groupby(by, sort=False, dropna=False)
    sums = grouped[list(COUNT_COLUMNS)].sum()
    done = frame["integration_done"].astype(bool)
    regions = grouped["region_code"].nunique().rename("regions")
    integrated = done.groupby([frame[c] for c in by], sort=False, dropna=False).sum()
    head = pd.DataFrame(
        {
            "regions": regions,
            "regions_integrated": integrated.astype("int64"),
        }
    )
    head["regions_not_integrated"] = head["regions"] - head["regions_integrated"]
    kpis = _kpis(sums)
    kpis.insert(2, "k3", _ratio(head["regions_integrated"], head["regions"]))
    return pd.concat([head, kpis, sums], axis=1).reset_index()


def district_indicators(snapshot: pd.DataFrame, regions: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """K1–K5 per federal district of one snapshot (ratios of the district's sums)."""
    frame = _with_reference(_single_snapshot(snapshot).reset_index(drop=True), regions)
    out = _aggregate(frame, ["federal_district", "federal_district_full"])
    rank = {name: i for i, name in enumerate(DISTRICT_ORDER)}
    order = out["federal_district"].map(lambda d: rank.get(d, len(rank)))
    return out.assign(_order=order).sort_values(["_order", "federal_district"]).drop(
        columns="_order"
    ).reset_index(drop=True)


def national_indicators(snapshot: pd.DataFrame) -> pd.Series:
    """K1–K5 of the country for one snapshot: sums first, then ratios."""
    frame = _single_snapshot(snapshot)
    sums = _aggregate(frame.assign(_all=0), ["_all"]).drop(columns="_all")
    values = {column: sums[column].iloc[0].item() for column in sums.columns}
    if "snapshot_date" in frame.columns and len(frame):
        values = {"snapshot_date": frame["snapshot_date"].iloc[0].date(), **values}
    return pd.Series(values, dtype=object)


def national_trend(history: pd.DataFrame, window_weeks: int | None = None,
                   at: dt.date | str | None = None) -> pd.DataFrame:
    """National K1–K5 per snapshot date up to ``at`` (default: the latest), over the last
    ``window_weeks`` weeks (default: all snapshots) — for trend charts."""
    frame = _dated(history)
    end = pd.Timestamp(latest_snapshot_date(frame, at))
    keep = frame["snapshot_date"] <= end
    if window_weeks is not None:
        keep &= frame["snapshot_date"] >= end - pd.Timedelta(weeks=window_weeks)
    out = _aggregate(frame[keep], ["snapshot_date"]).sort_values("snapshot_date")
    return out[["snapshot_date", "regions", "k1", "k2", "k3", "k4", "k5", "k5_share"]].reset_index(
        drop=True
    )


def delta_k1(history: pd.DataFrame, at: dt.date | str, window_weeks: int,
             regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """ΔK1 per region: K1 of the latest snapshot on/before ``at`` minus K1 of the region's latest
    snapshot on/before ``at`` − ``window_weeks`` (share units; NaN when there is none)."""
    frame = _dated(history)
    now = pd.Timestamp(latest_snapshot_date(frame, at))
    limit = pd.Timestamp(_as_date(at)) - pd.Timedelta(weeks=window_weeks)
    current = region_indicators(frame[frame["snapshot_date"] == now], regions)
    earlier = frame[frame["snapshot_date"] <= limit].sort_values("snapshot_date")
    earlier = earlier.groupby("region_code", sort=False).tail(1)
    start = region_indicators(earlier, regions) if len(earlier) else current.iloc[0:0]
    start = start[["region_code", "snapshot_date", "k1"]].rename(
        columns={"snapshot_date": "start_date", "k1": "k1_start"}
    )
    out = current[
        ["region_code", "region_name", "federal_district", "federal_district_full",
         "snapshot_date", "k1"]
    ].merge(start, on="region_code", how="left")
    out["delta_k1"] = out["k1"] - out["k1_start"]
    return out.sort_values("region_code").reset_index(drop=True)


def lagging_regions(indicators: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` regions with the lowest K1, ascending (ties by region code)."""
    ranked = indicators.dropna(subset=["k1"]).sort_values(["k1", "region_code"])
    return ranked.head(n).reset_index(drop=True)


def best_dynamics(deltas: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` regions with the highest ΔK1, descending (ties by region code)."""
    ranked = deltas.dropna(subset=["delta_k1"]).sort_values(
        ["delta_k1", "region_code"], ascending=[False, True]
    )
    return ranked.head(n).reset_index(drop=True)
