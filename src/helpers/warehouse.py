"""The embedded DuckDB warehouse: one file, rebuilt from validated exports and swapped in atomically.

Ingestion never edits the live file: it builds a new database next to it and renames it into
place, so a failed or interrupted ingestion leaves the previous good warehouse in force, and
re-ingesting the same exports gives the same warehouse (idempotent).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

FEDERAL_TABLE = "federal_snapshots"
SOURCES_TABLE = "source_files"


class WarehouseMissing(FileNotFoundError):
    """The warehouse has not been built yet."""


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse."""
    if not path.exists():
        raise WarehouseMissing(
            f"Хранилище данных не найдено: {path}. Выполните `make ingest` "
            f"(warehouse not built yet: run `make ingest`)."
        )
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def rebuild(path: Path, tables: Mapping[str, pd.DataFrame],
            keys: Mapping[str, tuple[str, ...]]) -> None:
    """Write ``tables`` into a new database file and rename it over ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(temporary))
        try:
            for name, frame in tables.items():
                con.register("incoming", frame)
                order = ", ".join(keys.get(name, ())) or "ALL"
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming ORDER BY {order}")
                if keys.get(name):
                    con.execute(f"ALTER TABLE {name} ADD PRIMARY KEY ({', '.join(keys[name])})")
                con.unregister("incoming")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def frame_hash(frame: pd.DataFrame) -> str:
    """A content hash of a data slice (row order and dtypes normalised), short hex."""
    canonical = frame.sort_index(axis=1)
    canonical = canonical.sort_values(list(canonical.columns)).reset_index(drop=True)
    digest = hashlib.sha256(canonical.to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()[:16]


def read_federal(path: Path) -> pd.DataFrame:
    """Every federal snapshot row, with ``snapshot_date`` as a date-time column."""
    with connect(path) as con:
        return con.execute(
            f"SELECT * FROM {FEDERAL_TABLE} ORDER BY snapshot_date, region_code"
        ).df()
