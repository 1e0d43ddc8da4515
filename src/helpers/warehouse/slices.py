"""Reading a region's school-level tables from the warehouse, for the regional briefings.

Every regional table starts with ``region_code``; tables with a ``snapshot_date`` hold several
exports over time. ``read_table`` gives a region's rows, ``at_snapshot`` the latest export on
or before a period, so that each briefing reports on one consistent date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from helpers.config import settings
from helpers.warehouse import store


def read_table(table: str, region_code: str, warehouse_path: Path | None = None) -> pd.DataFrame:
    """All rows of ``table`` for one region (without the ``source_file`` bookkeeping column)."""
    with store.connect(warehouse_path or settings().warehouse) as con:
        frame = con.execute(f"SELECT * FROM {table} WHERE region_code = ?", [region_code]).df()
    return frame.drop(columns=["source_file"], errors="ignore")


def check_period(period: str) -> None:
    """Refuse a period that is not an ISO date (empty means the latest export)."""
    if not period:
        return
    try:
        dt.date.fromisoformat(period)
    except ValueError:
        raise ValueError(f"Дата «{period}» не в формате ГГГГ-ММ-ДД / period {period!r} is not "
                         "an ISO date") from None


def snapshot_on_or_before(frame: pd.DataFrame, period: str = "") -> dt.date:
    """The latest ``snapshot_date`` of ``frame`` on or before ``period`` (ISO; '' = latest)."""
    dates = pd.to_datetime(frame["snapshot_date"])
    if period:
        dates = dates[dates <= pd.Timestamp(period)]
    if dates.empty:
        when = f" на {period} или раньше" if period else ""
        raise ValueError(f"Нет выгрузки{when} / no snapshot on or before {period or 'now'}")
    return dates.max().date()


def at_snapshot(frame: pd.DataFrame, period: str = "") -> pd.DataFrame:
    """The rows of the latest export on or before ``period``."""
    day = snapshot_on_or_before(frame, period)
    return frame[pd.to_datetime(frame["snapshot_date"]) == pd.Timestamp(day)].reset_index(drop=True)


def municipality_names(region_code: str, warehouse_path: Path | None = None) -> dict[str, str]:
    """ОКТМО code → name of the region's municipalities."""
    frame = read_table(store.MUNICIPALITIES_TABLE, region_code, warehouse_path)
    return dict(zip(frame["oktmo"], frame["name"], strict=True))


def frames_hash(*frames: pd.DataFrame) -> str:
    """One content hash of the slices a briefing read (for its provenance)."""
    import hashlib

    digest = hashlib.sha256("|".join(store.frame_hash(f) for f in frames).encode())
    return digest.hexdigest()[:16]
