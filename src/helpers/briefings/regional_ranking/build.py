"""The regional ranking's figures, computed from the federal snapshots.

``build`` is pure (the frames of :data:`~helpers.briefings.regional_ranking.READS` in, a
:class:`Ranking` out); ``load`` reads the warehouse and builds. What the reader sees — tables,
charts, key figures, the HTML fragments — is made from the result in ``present.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from helpers.briefings import skeleton
from helpers.briefings.regional_ranking import KIND
from helpers.errors import DataMissing
from helpers.indicators import changes as moves
from helpers.indicators import kpis as ind
from helpers.vocabulary import fmt_date
from helpers.warehouse import slices

HISTORY = "federal_snapshots"
LIST_SIZE = 5  # the ТОП-5 lists: the five lowest by K1, the five best by ΔK1
STATUS_ORDER = {"behind": 0, "near": 1, "met": 2}  # «unknown» is no step on this ladder
CHANGE_KPIS = ("k1", "k2", "k3", "k4", "k5")


@dataclass(frozen=True)
class WeeklyChanges:
    """What moved between the comparison base (last week's snapshot) and the briefing's snapshot.

    ``regions`` has one row per region of either snapshot: ``region_code``, ``region_name``,
    ``federal_district``; for each KPI ``<kpi>_before``, ``<kpi>`` (now), ``<kpi>_change`` and
    ``<kpi>_status_before``, ``<kpi>_status`` (``k5`` is the count of teachers, ``k5_share`` its
    share; ``k3`` a bool); ``rank_before``, ``rank``, ``move`` (places up, NaN where the region is
    missing from one snapshot); ``lowest_before``/``lowest`` and ``dynamics_before``/``dynamics``
    (membership of the two ТОП-5 lists). Before-columns are NaN when there is no base.
    ``national``: one row per KPI, ``kpi``, ``before``, ``after``, ``change`` (the KPI's value
    column: shares; ``k3`` the share of integrated regions) and ``count_before``/``count_after``
    (``k3``: integrated regions; ``k5``: teachers bound to ЕСИА; else NaN).
    ``statuses``: one row per region and KPI whose status changed — ``region_code``,
    ``region_name``, ``kpi``, ``before``, ``after``, ``direction`` (``up``, ``down``, ``new`` —
    region not in the base, ``gone`` — not in the snapshot).
    """

    base_date: dt.date | None
    min_days: int
    regions: pd.DataFrame
    national: pd.DataFrame
    statuses: pd.DataFrame
    lowest_entered: tuple[str, ...] = ()
    lowest_left: tuple[str, ...] = ()
    dynamics_entered: tuple[str, ...] = ()
    dynamics_left: tuple[str, ...] = ()
    integrated: tuple[str, ...] = ()  # finished base integration since the base
    integration_lost: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # regions in the snapshot, not in the base
    missing: tuple[str, ...] = ()  # regions in the base, not in the snapshot

    @property
    def has_base(self) -> bool:
        return self.base_date is not None

    def movers(self, n: int = 3, *, up: bool = True) -> pd.DataFrame:
        """The ``n`` regions that rose (``up``) or fell most in the ranking by K1, biggest first
        (ties by region code); only regions that moved and are in both snapshots."""
        moved = self.regions.dropna(subset=["move"])
        moved = moved[moved["move"] > 0] if up else moved[moved["move"] < 0]
        order = moved.assign(_size=moved["move"].abs()).sort_values(
            ["_size", "region_code"], ascending=[False, True])
        return order.drop(columns="_size").head(n).reset_index(drop=True)

    def region(self, code: str) -> pd.Series | None:
        """One region's row of ``regions`` (None when the region is in neither snapshot)."""
        rows = self.regions[self.regions["region_code"] == code]
        return None if rows.empty else rows.iloc[0]


@dataclass(frozen=True)
class Ranking:
    """Everything the regional-ranking briefing shows, for one snapshot date."""

    snapshot_date: dt.date
    window_weeks: int
    window_start: dt.date
    targets: ind.Targets
    national: pd.Series
    regions: pd.DataFrame  # one row per region: KPIs, statuses, ΔK1, rank by K1 (1 = best)
    districts: pd.DataFrame
    trend: pd.DataFrame
    region_trend: pd.DataFrame  # K1 over the window of the highlighted region (may be empty)
    highlight_region: str
    data_hash: str
    changes: WeeklyChanges

    @property
    def lagging(self) -> pd.DataFrame:
        return ind.lagging_regions(self.regions, 5)

    @property
    def best_dynamics(self) -> pd.DataFrame:
        return ind.best_dynamics(self.regions, 5)

    @property
    def not_integrated(self) -> pd.DataFrame:
        return self.regions[~self.regions["k3"]].sort_values("region_code")

    @property
    def national_k1_gap(self) -> int:
        """The active directors and teachers the country lacks for K1's target."""
        n = self.national
        return k1_gap(float(n["directors_active"] + n["teachers_active"]),
                      float(n["directors_total"] + n["teachers_total"]), self.targets.k1)

    @property
    def highlight_position(self) -> int | None:
        """The highlighted region's row in ``regions`` (None when none is highlighted)."""
        codes = self.regions["region_code"].tolist()
        return codes.index(self.highlight_region) if self.highlight_region in codes else None

    @property
    def highlight_name(self) -> str:
        """The highlighted region's name ('' when none)."""
        position = self.highlight_position
        return "" if position is None else str(self.regions["region_name"].iloc[position])


@dataclass(frozen=True)
class RegionPosition:
    """Where the highlighted region stands: by K1, by ΔK1 and within its federal district."""

    name: str
    rank: int
    total: int
    delta_rank: int | None  # None when the region has no ΔK1
    federal_district: str
    district_rank: int
    district_size: int


@dataclass(frozen=True)
class Standings:
    """The ranking on one snapshot date: what :func:`build` compares now and at the base."""

    day: dt.date
    history: pd.DataFrame  # every snapshot up to ``day`` (the ΔK1 window and the trend)
    regions: pd.DataFrame  # :func:`ranked_regions`
    national: pd.Series  # the country's K1–K5 with statuses

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        return (self.history.drop(columns=["source_file"], errors="ignore"),)


def standings(frames: slices.Frames, on_or_before: dt.date | None, *, weeks: int,
              targets: ind.Targets, regions: pd.DataFrame) -> Standings:
    """The ranking of the latest snapshot on or before ``on_or_before`` (None: the latest).

    ``regions``: the regions' reference (names, federal districts).
    """
    history = frames[HISTORY]
    day = ind.latest_snapshot_date(history, on_or_before)
    used = history[pd.to_datetime(history["snapshot_date"]) <= pd.Timestamp(day)]
    national = ind.national_indicators(ind.select_snapshot(used, day))
    return Standings(day=day, history=used,
                     regions=ranked_regions(used, day, weeks, targets, regions),
                     national=ind.add_status(national, targets))


def build(frames: slices.Frames, *, targets: ind.Targets, regions: pd.DataFrame,
          period: str = "", window_weeks: int = 0, highlight_region: str = "") -> Ranking:
    """All figures of the briefing for the latest snapshot on or before ``period``.

    Args:
        frames: ``federal_snapshots`` of every region (:data:`READS`).
        targets: the 2024–2025 targets (``params/targets.yml``).
        regions: the regions' reference (``data/reference/regions.csv``).
        period: ISO date ('' = the latest snapshot).
        window_weeks: the ΔK1 window; 0 takes ``delta_k1.window_weeks`` of the targets.
        highlight_region: a region's code for its own briefing ('' = none).

    The week's changes are against the latest snapshot at least ``changes.base_min_days`` days
    older (:func:`helpers.briefings.skeleton.now_and_base`).
    """
    weeks = window_weeks or targets.delta_window_weeks
    history = frames[HISTORY].sort_values(["snapshot_date", "region_code"], kind="stable")
    history = history.reset_index(drop=True)
    compared = skeleton.now_and_base(
        {HISTORY: history}, period=period, min_days=targets.changes_base_days,
        dates=pd.to_datetime(history["snapshot_date"]).unique(),
        snapshot=partial(standings, weeks=weeks, targets=targets, regions=regions),
        compare=partial(weekly_changes, min_days=targets.changes_base_days))
    now = compared.now
    snapshot = ind.select_snapshot(now.history, now.day)
    return Ranking(
        snapshot_date=now.day,
        window_weeks=weeks,
        window_start=now.day - dt.timedelta(weeks=weeks),
        targets=targets,
        national=now.national,
        regions=now.regions,
        districts=ind.add_status(ind.district_indicators(snapshot, regions), targets),
        trend=ind.national_trend(now.history, weeks, now.day),
        region_trend=_region_trend(now.history, highlight_region, now.day, weeks, regions),
        highlight_region=highlight_region,
        data_hash=compared.data_hash,
        changes=compared.changes,
    )


def ranked_regions(history: pd.DataFrame, day: dt.date, weeks: int, targets: ind.Targets,
                   reference: pd.DataFrame) -> pd.DataFrame:
    """Every region of the snapshot ``day``: KPIs, statuses, ΔK1 over ``weeks``, its rank by K1
    (1 = best; ties share the best place) and by ΔK1, and ``k1_gap`` — the active directors and
    teachers it lacks for K1's target — in the ranking's order (``reference``: the regions')."""
    used = history[pd.to_datetime(history["snapshot_date"]) <= pd.Timestamp(day)]
    snapshot = ind.select_snapshot(used, day)
    regions = ind.add_status(ind.region_indicators(snapshot, reference), targets)
    people = snapshot.assign(k1_active=snapshot["directors_active"] + snapshot["teachers_active"],
                             k1_total=snapshot["directors_total"] + snapshot["teachers_total"])
    people["k1_gap"] = [k1_gap(active, total, targets.k1) for active, total
                        in zip(people["k1_active"], people["k1_total"], strict=True)]
    regions = regions.merge(people[["region_code", "k1_active", "k1_total", "k1_gap"]],
                            on="region_code", how="left")
    deltas = ind.delta_k1(used, day, weeks, reference)
    deltas = deltas[["region_code", "start_date", "k1_start", "delta_k1"]]
    regions = regions.merge(deltas, on="region_code", how="left")
    regions["rank"] = regions["k1"].rank(ascending=False, method="min").astype("int64")
    regions["delta_rank"] = regions["delta_k1"].rank(ascending=False, method="min").astype("Int64")
    return regions.sort_values(["rank", "region_code"]).reset_index(drop=True)


def k1_gap(active: float, total: float, target: ind.Target) -> int:
    """How many more active people K1 needs to reach its target: the fewest ``n`` with
    (active + n) / total at the target (strictly above it when the target is strict); 0 when
    it is reached or there is nobody to count."""
    if not total or pd.isna(total) or pd.isna(active):
        return 0
    need = (math.floor(target.value * total + 1e-9) + 1 if target.strict
            else math.ceil(target.value * total - 1e-9))
    return max(0, int(need) - int(active))


# --- what changed since the comparison base -----------------------------------------------------

def weekly_changes(base: Standings | None, now: Standings, *, min_days: int) -> WeeklyChanges:
    """The week's movements of the ranking: the snapshot ``now`` against the comparison base."""
    regions, national = now.regions, now.national
    if base is None:
        return WeeklyChanges(
            base_date=None, min_days=min_days,
            regions=_region_changes(None, regions), national=_national_changes(None, national),
            statuses=_status_changes(None, regions))
    before = base.regions
    lowest = moves.set_changes(_lowest(before), _lowest(regions))
    dynamics = moves.set_changes(_dynamics(before), _dynamics(regions))
    integration = moves.crossings(before, regions, key="region_code", met="k3")
    codes_before, codes_now = set(before["region_code"]), set(regions["region_code"])
    return WeeklyChanges(
        base_date=base.day,
        min_days=min_days,
        regions=_region_changes(before, regions),
        national=_national_changes(base.national, national),
        statuses=_status_changes(before, regions),
        lowest_entered=tuple(lowest[0]), lowest_left=tuple(lowest[1]),
        dynamics_entered=tuple(dynamics[0]), dynamics_left=tuple(dynamics[1]),
        integrated=_codes(integration, "reached"),
        integration_lost=_codes(integration, "lost"),
        added=tuple(sorted(codes_now - codes_before)),
        missing=tuple(sorted(codes_before - codes_now)),
    )


def _lowest(regions: pd.DataFrame) -> list[str]:
    return ind.lagging_regions(regions, LIST_SIZE)["region_code"].tolist()


def _dynamics(regions: pd.DataFrame) -> list[str]:
    return ind.best_dynamics(regions, LIST_SIZE)["region_code"].tolist()


def _codes(crossings: pd.DataFrame, direction: str) -> tuple[str, ...]:
    return tuple(crossings.loc[crossings["direction"] == direction, "region_code"])


def _region_changes(before: pd.DataFrame | None, after: pd.DataFrame) -> pd.DataFrame:
    """One row per region of either snapshot: values, statuses, ranks and list memberships."""
    values = ["k1", "k2", "k3", "k4", "k5", "k5_share"]
    statuses = [f"{kpi}_status" for kpi in CHANGE_KPIS]
    names = ["region_code", "region_name", "federal_district"]

    def columns(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[[*names, *values, *statuses, "rank"]].copy()
        out["lowest"] = out["region_code"].isin(_lowest(frame))
        out["dynamics"] = out["region_code"].isin(_dynamics(frame))
        return out

    now = columns(after)
    if before is None:
        old = now.iloc[0:0]
    else:
        old = columns(before)
    old = old.drop(columns=["region_name", "federal_district"]).rename(
        columns=lambda c: c if c == "region_code" else f"{c}_before")
    both = now.merge(old, on="region_code", how="outer")
    if before is not None:  # a region missing now keeps its name from the base
        names_before = before.set_index("region_code")[["region_name", "federal_district"]]
        for column in ("region_name", "federal_district"):
            both[column] = both[column].fillna(both["region_code"].map(names_before[column]))
    for kpi in ("k1", "k2", "k4", "k5", "k5_share"):
        both[f"{kpi}_change"] = both[kpi].astype("float64") - both[f"{kpi}_before"].astype("float64")
    both["move"] = both["rank_before"].astype("float64") - both["rank"].astype("float64")
    for flag in ("lowest", "dynamics"):
        both[flag] = both[flag].astype("boolean")
        both[f"{flag}_before"] = both[f"{flag}_before"].astype("boolean")
    both["k3"] = both["k3"].astype("boolean")
    both["k3_before"] = both["k3_before"].astype("boolean")
    order = both["rank"].astype("float64").fillna(float("inf"))
    return both.assign(_order=order).sort_values(["_order", "region_code"]).drop(
        columns="_order").reset_index(drop=True)


def _national_changes(before: pd.Series | None, after: pd.Series) -> pd.DataFrame:
    """The country's K1–K5 then, now and the change (shares; K3 and K5 also as counts)."""
    counts = {"k3": "regions_integrated", "k5": "k5"}
    rows = []
    for kpi in CHANGE_KPIS:
        value, count = ind.KPI_VALUE_COLUMN[kpi], counts.get(kpi)
        now = float(after[value])
        then = float("nan") if before is None else float(before[value])
        rows.append({
            "kpi": kpi, "before": then, "after": now, "change": now - then,
            "count_before": float("nan") if before is None or count is None
            else float(before[count]),
            "count_after": float("nan") if count is None else float(after[count]),
            "status_before": None if before is None else before[f"{kpi}_status"],
            "status": after[f"{kpi}_status"],
        })
    out = pd.DataFrame(rows)
    out["count_change"] = out["count_after"] - out["count_before"]
    return out


def _status_changes(before: pd.DataFrame | None, after: pd.DataFrame) -> pd.DataFrame:
    """Each region's status moves on K1–K5 between the base and the snapshot, with a direction."""
    columns = ["region_code", "region_name", "kpi", "before", "after", "direction"]
    if before is None:
        return pd.DataFrame(columns=columns)
    names = {**dict(zip(before["region_code"], before["region_name"], strict=True)),
             **dict(zip(after["region_code"], after["region_name"], strict=True))}
    frames = []
    for kpi in CHANGE_KPIS:
        moved = moves.status_moves(before, after, key="region_code", status=f"{kpi}_status")
        frames.append(moved.assign(kpi=kpi))
    rows = pd.concat(frames, ignore_index=True)
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows["region_name"] = rows["region_code"].map(names)
    rows["direction"] = [_direction(b, a) for b, a in zip(rows["before"], rows["after"],
                                                          strict=True)]
    rows = rows.dropna(subset=["direction"])
    return rows[columns].sort_values(["kpi", "region_code"]).reset_index(drop=True)


def _direction(before: str | None, after: str | None) -> str | None:
    """``up``/``down`` on the ladder behind → near → met; ``new``/``gone`` for a region in one
    snapshot only; None when a status is «unknown» (no step to speak of)."""
    if before is None:
        return "new"
    if after is None:
        return "gone"
    if before not in STATUS_ORDER or after not in STATUS_ORDER:
        return None
    return "up" if STATUS_ORDER[after] > STATUS_ORDER[before] else "down"


def _region_trend(history: pd.DataFrame, region: str, day: dt.date, weeks: int,
                  reference: pd.DataFrame) -> pd.DataFrame:
    if not region:
        return pd.DataFrame(columns=["snapshot_date", "k1"])
    start = pd.Timestamp(day - dt.timedelta(weeks=weeks))
    rows = history[(history["region_code"] == region)
                   & (pd.to_datetime(history["snapshot_date"]) >= start)]
    return ind.region_indicators(rows, reference)[["snapshot_date", "k1"]]


def load(period: str = "", window_weeks: int = 0, highlight_region: str = "",
         warehouse_path: Path | None = None) -> Ranking:
    """The briefing's figures from the warehouse (``PERIOD``/``WAREHOUSE`` settings by default)."""
    return skeleton.load(KIND, build, period=period, warehouse_path=warehouse_path,
                         window_weeks=window_weeks, highlight_region=highlight_region)


# --- the highlighted region (a region's own briefing) ----------------------------------------

def region_row(ranking: Ranking) -> pd.Series:
    """The highlighted region's row of the ranking (KPIs, statuses, ΔK1, ranks)."""
    position = ranking.highlight_position
    if position is None:
        raise DataMissing(f"Регион «{ranking.highlight_region}» не найден в срезе "
                         f"{fmt_date(ranking.snapshot_date)} / region not in the snapshot")
    return ranking.regions.iloc[position]


def region_position(ranking: Ranking) -> RegionPosition:
    """The highlighted region's place by K1, by ΔK1 and among its federal district's regions."""
    row = region_row(ranking)
    district = ranking.regions[ranking.regions["federal_district"] == row["federal_district"]]
    return RegionPosition(
        name=str(row["region_name"]),
        rank=int(row["rank"]),
        total=len(ranking.regions),
        delta_rank=None if pd.isna(row["delta_rank"]) else int(row["delta_rank"]),
        federal_district=str(row["federal_district"]),
        district_rank=int((district["k1"] > row["k1"]).sum()) + 1,
        district_size=len(district),
    )
