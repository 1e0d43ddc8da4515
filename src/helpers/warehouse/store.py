"""The embedded DuckDB warehouse: one file, rebuilt from validated exports and swapped in atomically.

Ingestion never edits the live file: it builds a new database next to it and renames it into
place, so a failed or interrupted ingestion leaves the previous good warehouse in force, and
re-ingesting the same exports gives the same warehouse (idempotent).

Tables (keys in brackets; every regional table starts with ``region_code``):

- ``federal_snapshots`` (snapshot_date, region_code) — the federal monitoring;
- ``municipalities`` (region_code, oktmo) — the reference municipalities of the regions;
- ``schools`` (region_code, school_id); ``school_activity`` (region_code, snapshot_date,
  school_id); ``chats`` (region_code, snapshot_date, chat_id); ``chat_members`` (region_code,
  snapshot_date, chat_id, member_id); ``tasks`` (region_code, snapshot_date, level, unit_id);
  ``pupils`` (region_code, snapshot_date, pupil_id); ``parents`` (region_code, snapshot_date,
  parent_id); ``parent_children`` (region_code, snapshot_date, parent_id, pupil_id);
- ``source_files`` (file) — each ingested file with its SHA-256 and row count;
- ``ingest_inputs`` (item) — the SHA-256 of every file under ``DATA_DIR`` and of the ingestion
  code the warehouse was built from (see :mod:`helpers.ingestion.freshness`).

Person identifiers are pseudonyms and no table holds a name, SNILS, login or birth date
(see :mod:`helpers.ingestion.privacy`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeAlias

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.errors import BadInput

FEDERAL_TABLE = "federal_snapshots"
SOURCES_TABLE = "source_files"
INPUTS_TABLE = "ingest_inputs"
MUNICIPALITIES_TABLE = "municipalities"

Chunk: TypeAlias = pd.DataFrame | pa.Table
Chunks = Mapping[str, Chunk] | Iterable[tuple[str, Chunk]]


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def identifier(name: str) -> str:
    """``name`` when it is a plain SQL identifier (lower-case letters, digits, ``_``).

    Table and column names are the only text pasted into SQL here (DuckDB cannot bind them);
    they come from declarations, and this check keeps anything else out. Values are always
    bound as ``?`` parameters.
    """
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not an SQL identifier: {name!r}")
    return name


def identifiers(names: Iterable[str]) -> str:
    """Checked identifiers joined by commas (a column list, a key)."""
    return ", ".join(identifier(name) for name in names)


class WarehouseMissing(BadInput, FileNotFoundError):
    """The warehouse has not been built yet."""


class WarehouseUnreadable(BadInput):
    """The warehouse file is there but DuckDB cannot open it (truncated, not a database)."""


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse (close it); a clear error when it is missing or
    unreadable."""
    if not path.exists():
        raise WarehouseMissing(
            f"Хранилище данных не найдено: {path}. Выполните `make ingest` "
            f"(warehouse not built yet: run `make ingest`)."
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseUnreadable(
            f"Хранилище данных {path} повреждено или не читается ({exc.__class__.__name__}); "
            f"выполните `make ingest`, чтобы собрать его заново (warehouse unreadable: run "
            f"`make ingest`).") from exc


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse."""
    con = open_read_only(path)
    try:
        yield con
    finally:
        con.close()


BUILD_MEMORY = os.environ.get("WAREHOUSE_BUILD_MEMORY", "1GB")
"""How much memory DuckDB may use while it builds the warehouse (``WAREHOUSE_BUILD_MEMORY``);
its default of 80 % of the machine let the key checks of the national data reach 6 GB."""


def in_key_order(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` sorted by ``key`` (ascending, missing last), by arrow's multi-column sort: a
    region's tables are sorted in the ingestion's worker processes, not by the one process
    that writes the warehouse."""
    columns = [name for name in key if name in frame]
    if len(frame) < 2 or not columns:
        return frame.reset_index(drop=True)
    table = pa.Table.from_pandas(frame[columns], preserve_index=False)
    order = pc.sort_indices(table, sort_keys=[(name, "ascending", "at_end") for name in columns])
    positions = order.to_numpy()
    if np.array_equal(positions, np.arange(len(frame))):  # in order already: no copy
        return frame.reset_index(drop=True)
    return frame.take(positions).reset_index(drop=True)


def rebuild(path: Path, tables: Chunks, keys: Mapping[str, tuple[str, ...]], *,
            key_id: str = "", ordered: bool = False, unique_chunks: frozenset[str] = frozenset()
            ) -> None:
    """Write ``tables`` into a new database file and rename it over ``path`` in one step.

    ``tables`` maps names to frames, or yields ``(name, frame)`` chunks: the first chunk of a
    name creates the table, later ones are appended, so a large ingestion never holds every
    table in memory. Each chunk is written in key order — or, with ``ordered``, as it comes
    (the caller has ordered it, e.g. with :func:`in_key_order`) — and the key becomes the
    primary key (see :func:`_enforce_key`) — except a large table named in ``unique_chunks``:
    its chunks were each checked for repeated keys by whoever made them, and no key spans two
    chunks (the ingestion's: one region per chunk, every key starts with the region), so a
    query over the whole table would only repeat those checks at the end. DuckDB works within
    :data:`BUILD_MEMORY` and spills to a temporary folder beyond it. If the chunks raise (say,
    an export turned out invalid) or a key repeats, nothing replaces ``path``. ``key_id``, the
    fingerprint of the pseudonymisation key, is kept in the file with the data (see
    :func:`key_id`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    chunks = tables.items() if isinstance(tables, Mapping) else tables
    try:
        con = duckdb.connect(str(temporary), config={"memory_limit": BUILD_MEMORY})
        try:
            created: list[str] = []
            for name, frame in chunks:
                con.register("incoming", frame)
                name = identifier(name)
                identifiers(frame.column_names if isinstance(frame, pa.Table) else frame.columns)
                order = "" if ordered else \
                    f" ORDER BY {identifiers(keys.get(name, ())) or 'ALL'}"
                if name in created:
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming{order}")  # noqa: S608 -- identifiers checked (store.identifier), values bound
                else:
                    con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming{order}")  # noqa: S608 -- identifiers checked (store.identifier), values bound
                    created.append(name)
                con.unregister("incoming")
            for name in created:
                if keys.get(name):
                    _enforce_key(con, name, keys[name], checked=name in unique_chunks)
            if key_id and SOURCES_TABLE in created:
                con.execute(f"COMMENT ON TABLE {SOURCES_TABLE} IS '{KEY_ID_PREFIX}{_key_id(key_id)}'")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


PRIMARY_KEY_MAX_ROWS = 5_000_000


class DuplicateKey(BadInput):
    """A key repeats in a table: validation should have caught it (a bug, not bad data)."""


def _enforce_key(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], *,
                 checked: bool = False) -> None:
    """A primary key; above :data:`PRIMARY_KEY_MAX_ROWS` rows (the national load mode) the
    key is checked by a query instead — or not at all when its chunks were ``checked`` — : an
    index on tens of millions of text keys would take gigabytes of memory and minutes, for a
    uniqueness validation has already ensured."""
    table, columns = identifier(table), identifiers(key)
    (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)  # noqa: S608 -- identifiers checked (store.identifier), values bound
    if rows <= PRIMARY_KEY_MAX_ROWS:
        con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({columns})")
        return
    if checked:
        return
    (repeated,) = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY {columns} "  # noqa: S608 -- identifiers checked (store.identifier), values bound
                              f"HAVING count(*) > 1)").fetchone() or (0,)
    if repeated:
        raise DuplicateKey(f"{table}: {repeated} repeated keys ({columns})")


def frame_hash(frame: pd.DataFrame) -> str:
    """A content hash of a data slice, short hex: the same rows (values and dtypes) give the
    same hash in any row and column order.

    Each row is hashed by pandas' vectorised ``hash_pandas_object`` and the sorted row hashes
    are digested with the column names: a diary's slices (hundreds of thousands of rows) hash in
    a tenth of a second, where sorting the rows and writing them out as CSV took 1.5 s.
    """
    canonical = frame.sort_index(axis=1)
    digest = hashlib.sha256("|".join(map(str, canonical.columns)).encode("utf-8"))
    if len(canonical.columns):
        rows = pd.util.hash_pandas_object(canonical, index=False).to_numpy()
        digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()[:16]


def read_table(path: Path, name: str) -> pd.DataFrame:
    """A whole warehouse table."""
    with connect(path) as con:
        return con.execute(f"SELECT * FROM {identifier(name)}").df()  # noqa: S608 -- identifiers checked (store.identifier), values bound


def snapshot_range(path: Path) -> tuple[dt.date, dt.date] | None:
    """The first and the last federal snapshot date, or ``None`` when there is none."""
    with connect(path) as con:
        present = {name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables()").fetchall()}
        if FEDERAL_TABLE not in present:
            return None
        first, last = con.execute(
            f"SELECT min(snapshot_date), max(snapshot_date) FROM {FEDERAL_TABLE}").fetchone() \
            or (None, None)  # noqa: S608 -- identifiers checked (store.identifier), values bound
    return (first, last) if first is not None and last is not None else None


KEY_ID_PREFIX = "pseudonym-key:"
_KEY_ID = re.compile(r"[0-9a-f]{8,64}")


def _key_id(value: str) -> str:
    if not _KEY_ID.fullmatch(value):
        raise ValueError(f"not a key fingerprint: {value!r}")
    return value


def key_id(path: Path) -> str | None:
    """The fingerprint of the key the warehouse's pseudonyms were made with (kept as the comment
    of ``source_files``); ``None`` for a warehouse built before it was kept."""
    with connect(path) as con:
        row = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?",
                          [SOURCES_TABLE]).fetchone()
    comment = str(row[0] or "") if row else ""
    return comment.removeprefix(KEY_ID_PREFIX) if comment.startswith(KEY_ID_PREFIX) else None


def read_federal(path: Path) -> pd.DataFrame:
    """Every federal snapshot row, with ``snapshot_date`` as a date-time column."""
    with connect(path) as con:
        return con.execute(
            f"SELECT * FROM {FEDERAL_TABLE} ORDER BY snapshot_date, region_code"  # noqa: S608 -- identifiers checked (store.identifier), values bound
        ).df()
