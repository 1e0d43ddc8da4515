"""The regional ranking's figures, computed from the federal snapshots.

``build`` is pure (the frames of :data:`~helpers.briefings.regional_ranking.READS` in, a
:class:`Ranking` out); ``load`` reads the warehouse and builds. What the reader sees — tables,
charts, key figures, the HTML fragments — is made from the result in ``present.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.briefings.regional_ranking import READS
from helpers.config import settings
from helpers.indicators import kpis as ind
from helpers.vocabulary import fmt_date
from helpers.warehouse import slices, store

HISTORY = "federal_snapshots"


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


def build(frames: slices.Frames, *, period: str = "", window_weeks: int = 0,
          highlight_region: str = "", targets: ind.Targets | None = None) -> Ranking:
    """All figures of the briefing for the latest snapshot on or before ``period``.

    ``window_weeks`` 0 takes the ΔK1 window of ``params/targets.yml`` (``delta_k1.window_weeks``).
    """
    targets = targets or ind.load_targets()
    weeks = window_weeks or targets.delta_window_weeks
    history = frames[HISTORY].sort_values(["snapshot_date", "region_code"], kind="stable")
    history = history.reset_index(drop=True)
    day = ind.latest_snapshot_date(history, period or None)
    used = history[pd.to_datetime(history["snapshot_date"]) <= pd.Timestamp(day)]
    snapshot = ind.select_snapshot(used, day)
    regions = ind.add_status(ind.region_indicators(snapshot), targets)
    deltas = ind.delta_k1(used, day, weeks)[["region_code", "start_date", "k1_start", "delta_k1"]]
    regions = regions.merge(deltas, on="region_code", how="left")
    regions["rank"] = regions["k1"].rank(ascending=False, method="min").astype("int64")
    regions["delta_rank"] = regions["delta_k1"].rank(ascending=False, method="min").astype("Int64")
    return Ranking(
        snapshot_date=day,
        window_weeks=weeks,
        window_start=day - dt.timedelta(weeks=weeks),
        targets=targets,
        national=ind.add_status(ind.national_indicators(snapshot), targets),
        regions=regions.sort_values(["rank", "region_code"]).reset_index(drop=True),
        districts=ind.add_status(ind.district_indicators(snapshot), targets),
        trend=ind.national_trend(used, weeks, day),
        region_trend=_region_trend(used, highlight_region, day, weeks),
        highlight_region=highlight_region,
        data_hash=store.frame_hash(used.drop(columns=["source_file"], errors="ignore")),
    )


def _region_trend(history: pd.DataFrame, region: str, day: dt.date, weeks: int) -> pd.DataFrame:
    if not region:
        return pd.DataFrame(columns=["snapshot_date", "k1"])
    start = pd.Timestamp(day - dt.timedelta(weeks=weeks))
    rows = history[(history["region_code"] == region)
                   & (pd.to_datetime(history["snapshot_date"]) >= start)]
    return ind.region_indicators(rows)[["snapshot_date", "k1"]]


def load(period: str = "", window_weeks: int = 0, highlight_region: str = "",
         warehouse_path: Path | None = None) -> Ranking:
    """The briefing's figures from the warehouse (``PERIOD``/``WAREHOUSE`` settings by default)."""
    config = settings()
    frames = slices.read(READS, "", warehouse_path or config.warehouse)
    return build(frames, period=period or config.period, window_weeks=window_weeks,
                 highlight_region=highlight_region)


# --- the highlighted region (a region's own briefing) ----------------------------------------

def region_row(ranking: Ranking) -> pd.Series:
    """The highlighted region's row of the ranking (KPIs, statuses, ΔK1, ranks)."""
    position = ranking.highlight_position
    if position is None:
        raise ValueError(f"Регион «{ranking.highlight_region}» не найден в срезе "
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
