"""What a briefing reads from the warehouse, declared once, and the one way to read it.

Each briefing kind declares its :class:`Reads` (``helpers.briefings.<kind>.READS``): the tables,
whether it reads all their rows or only its region's, and the columns it uses. The same
declaration drives :func:`read` (the kind's loader) and the batch's fingerprint
(:mod:`helpers.batch.fingerprint`), so a briefing is re-rendered when — and only when — a slice
it reads has changed.

Every regional table starts with ``region_code``; tables with a ``snapshot_date`` hold several
exports over time. ``at_snapshot`` gives the latest export on or before a period, so that each
briefing reports on one consistent date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from helpers.config import settings
from helpers.errors import BadInput, DataMissing
from helpers.warehouse import store

Scope = Literal["all", "region"]
Frames = Mapping[str, pd.DataFrame]
"""The frames a briefing's ``build`` takes: warehouse table name → its rows."""


@dataclass(frozen=True)
class TableRead:
    """One warehouse table a briefing reads.

    ``scope``: ``all`` rows, or only its ``region``'s. ``columns``: the columns it uses (all when
    empty); the fingerprint hashes only these. ``optional``: a region may not have sent the
    table yet; the briefing then gets an empty frame with ``columns``.
    """

    table: str
    scope: Scope = "region"
    columns: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Reads:
    """Every table a briefing kind reads."""

    tables: tuple[TableRead, ...]

    def __iter__(self) -> Iterator[TableRead]:
        return iter(self.tables)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(read.table for read in self.tables)


class MissingData(DataMissing):
    """The warehouse lacks a table (or a region's rows) a briefing needs."""


def _query(read: TableRead, available: list[str], region_code: str) -> tuple[str, list[object]]:
    """The SELECT of one declared read (bookkeeping ``source_file`` left out)."""
    columns = store.identifiers(read.columns or [c for c in available if c != "source_file"])
    table = store.identifier(read.table)
    if read.scope == "region":
        return f"SELECT {columns} FROM {table} WHERE region_code = ?", [region_code]  # noqa: S608 -- identifiers checked (store.identifier), values bound
    return f"SELECT {columns} FROM {table}", []  # noqa: S608 -- identifiers checked (store.identifier), values bound


def _empty(read: TableRead) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in read.columns})


def read(reads: Reads, region_code: str = "", warehouse_path: Path | None = None
         ) -> dict[str, pd.DataFrame]:
    """The rows of every table in ``reads`` (a region's rows where its scope is ``region``).

    Raises:
        MissingData: a table that is not optional is not in the warehouse (exports not
            ingested yet), in Russian and English.
    """
    path = warehouse_path or settings().warehouse
    frames: dict[str, pd.DataFrame] = {}
    with store.connect(path) as con:
        present = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for table in reads:
            if table.table in present:
                described = con.execute(f"DESCRIBE {store.identifier(table.table)}").fetchall()
                available = [row[0] for row in described]
                query, parameters = _query(table, available, region_code)
                frames[table.table] = con.execute(query, parameters).df()
            elif table.optional:
                frames[table.table] = _empty(table)
            else:
                raise MissingData(
                    f"В хранилище {path} нет таблицы {table.table}: выгрузки ещё не загружены — "
                    f"выполните `make ingest` / the warehouse has no {table.table} table")
    return frames


def require_rows(frames: Frames, table: str, region_code: str) -> None:
    """Refuse to build a regional briefing for a region that sent no rows of ``table``."""
    if frames[table].empty:
        raise MissingData(f"В хранилище нет данных «{table}» региона {region_code}: регион не "
                          f"присылает данные по школам или они не загружены (`make ingest`) / "
                          f"no {table} rows for region {region_code}")


def check_period(period: str) -> None:
    """Refuse a period that is not an ISO date (empty means the latest export)."""
    if not period:
        return
    try:
        dt.date.fromisoformat(period)
    except ValueError:
        raise BadInput(f"Дата «{period}» не в формате ГГГГ-ММ-ДД / period {period!r} is not "
                         "an ISO date") from None


def snapshot_on_or_before(frame: pd.DataFrame, period: str = "") -> dt.date:
    """The latest ``snapshot_date`` of ``frame`` on or before ``period`` (ISO; '' = latest)."""
    dates = pd.to_datetime(frame["snapshot_date"])
    if period:
        dates = dates[dates <= pd.Timestamp(period)]
    if dates.empty:
        when = f" на {period} или раньше" if period else ""
        raise DataMissing(f"Нет выгрузки{when} / no snapshot on or before {period or 'now'}")
    return dates.max().date()


def at_snapshot(frame: pd.DataFrame, period: str = "") -> pd.DataFrame:
    """The rows of the latest export on or before ``period``."""
    day = snapshot_on_or_before(frame, period)
    return frame[pd.to_datetime(frame["snapshot_date"]) == pd.Timestamp(day)].reset_index(drop=True)


def frames_hash(*frames: pd.DataFrame) -> str:
    """One content hash of the slices a briefing read (for its provenance)."""
    digest = hashlib.sha256("|".join(store.frame_hash(f) for f in frames).encode())
    return digest.hexdigest()[:16]


# --- which territories have the data a briefing reads ----------------------------------------


def _tables(con: object) -> dict[str, list[str]]:
    rows = con.execute("SELECT table_name, column_name FROM duckdb_columns()").fetchall()  # type: ignore[attr-defined]
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def regions_with_data(reads: Reads, period: str = "", warehouse_path: Path | None = None
                      ) -> set[str]:
    """The regions with rows in every table ``reads`` needs from a region (not the optional
    ones, not the national ones), on or before ``period`` where the table has dates.

    An empty set when the warehouse is not built yet.
    """
    check_period(period)
    path = warehouse_path or settings().warehouse
    needed = [r for r in reads if r.scope == "region" and not r.optional]
    if not path.exists() or not needed:
        return set()
    found: set[str] | None = None
    with store.connect(path) as con:
        tables = _tables(con)
        for table in needed:
            if table.table not in tables:
                return set()
            dated = period and "snapshot_date" in tables[table.table]
            query = f"SELECT DISTINCT region_code FROM {table.table}" + (
                " WHERE snapshot_date <= CAST(? AS DATE)" if dated else "")
            codes = {code for (code,) in con.execute(query, [period] if dated else []).fetchall()}
            found = codes if found is None else found & codes
    return found or set()


def municipalities_with_schools(warehouse_path: Path | None = None) -> set[tuple[str, str]]:
    """(region code, ОКТМО) of every municipality with a school in its region's registry."""
    path = warehouse_path or settings().warehouse
    if not path.exists():
        return set()
    with store.connect(path) as con:
        if "schools" not in _tables(con):
            return set()
        rows = con.execute("SELECT DISTINCT region_code, oktmo FROM schools "
                           "WHERE oktmo IS NOT NULL").fetchall()
    return {(str(region), str(oktmo)) for region, oktmo in rows}


def municipality_list(warehouse_path: Path | None = None) -> pd.DataFrame | None:
    """The warehouse's ``municipalities`` (the one list ingestion made: reference files and
    what each region's registry names); ``None`` when the warehouse is not built yet."""
    path = warehouse_path or settings().warehouse
    if not path.exists():
        return None
    with store.connect(path) as con:
        if store.MUNICIPALITIES_TABLE not in _tables(con):
            return None
        return con.execute(f"SELECT region_code, oktmo, name FROM {store.MUNICIPALITIES_TABLE} "
                           "ORDER BY region_code, oktmo").df()
