"""What a briefing depends on, as content hashes: re-render when (and only when) one changes.

The dependencies: the notebook, its parameters, the helpers' code, the nbconvert template, the
dependency lock (``pyproject.toml``) and the data it reads — a hash of the rows of the warehouse
tables its kind declares (``helpers.briefings.<kind>.READS``), not of file times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from helpers.batch.plan import Job
from helpers.config import PACKAGE_DIR, PROJECT_ROOT, TEMPLATES_DIR
from helpers.warehouse import store
from helpers.warehouse.slices import Reads, TableRead


def _hash_files(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def code_hash() -> str:
    """The helpers package's Python code."""
    return _hash_files(PACKAGE_DIR.rglob("*.py"), PACKAGE_DIR)


@cache
def template_hash() -> str:
    return _hash_files((p for p in TEMPLATES_DIR.rglob("*") if p.is_file()), TEMPLATES_DIR)


@cache
def lock_hash() -> str:
    """The pinned dependencies."""
    return _hash_files([PROJECT_ROOT / "pyproject.toml"], PROJECT_ROOT)


@cache
def notebook_hash(path: Path) -> str:
    return _hash_files([path], path.parent)


def _identity(warehouse: Path) -> str:
    """The warehouse file as it is now: a rebuild replaces it (new inode and time), never edits it."""
    try:
        stat = warehouse.stat()
    except OSError:
        return ""
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


class DataHasher:
    """Hashes of warehouse slices, computed in DuckDB and memoised for a batch.

    The hashes are also kept next to the warehouse (``.<name>.slices.json``) with the file's
    identity: a no-op ``make briefings`` on an unchanged warehouse (ingestion no longer rebuilds
    it, see ``helpers.ingestion.freshness``) reads them instead of some 400 queries (≈2 s on the
    demo). Any rebuild gives a new identity, and the saved hashes are ignored.
    """

    def __init__(self, warehouse: Path):
        self.warehouse = warehouse
        self._con: duckdb.DuckDBPyConnection | None = None
        self._memo: dict[tuple[TableRead, str, str], str] = {}
        self._cache_path = warehouse.with_name(f".{warehouse.name}.slices.json")
        self._identity = _identity(warehouse)
        self._saved: dict[str, str] = {}
        try:
            saved = json.loads(self._cache_path.read_text(encoding="utf-8"))
            if self._identity and saved.get("warehouse") == self._identity:
                self._saved = dict(saved.get("slices", {}))
        except (OSError, ValueError, AttributeError):
            pass
        self._loaded = len(self._saved)

    def __enter__(self) -> DataHasher:
        return self

    def __exit__(self, *_: object) -> None:
        if self._con is not None:
            self._con.close()
        if self._identity and len(self._saved) > self._loaded and _identity(self.warehouse) == self._identity:
            try:  # best effort: without it the next batch only queries again
                partial = self._cache_path.with_name(f"{self._cache_path.name}.part")
                partial.write_text(json.dumps({"warehouse": self._identity, "slices": self._saved}),
                                   encoding="utf-8")
                partial.replace(self._cache_path)
            except OSError:
                pass

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = store.open_read_only(self.warehouse)
        return self._con

    def table_slice(self, read: TableRead, region: str, period: str) -> str:
        """md5 of the declared columns of ``read``'s rows (of ``region`` where its scope is the
        region; up to ``period`` when given). Values are bound as parameters, never pasted in."""
        key = (read, region, period)
        saved_key = json.dumps([read.table, read.scope, list(read.columns), region, period])
        if key not in self._memo and saved_key in self._saved:
            self._memo[key] = self._saved[saved_key]
        if key not in self._memo:
            con = self._connection()
            available = [row[0] for row in con.execute(f"DESCRIBE {store.identifier(read.table)}").fetchall()]
            columns = [c for c in (read.columns or available) if c in available and c != "source_file"]
            where: list[str] = []
            parameters: list[object] = []
            if read.scope == "region" and "region_code" in available:
                where.append("region_code = ?")
                parameters.append(region)
            if period and "snapshot_date" in available:
                where.append("snapshot_date <= ?")
                parameters.append(dt.date.fromisoformat(period))
            condition = f" WHERE {' AND '.join(where)}" if where else ""
            query = (f"SELECT md5(coalesce(string_agg(t::VARCHAR, chr(10) ORDER BY t::VARCHAR), ''))"  # noqa: S608 -- identifiers checked (store.identifier), values bound
                     f" FROM (SELECT {store.identifiers(columns)} FROM {store.identifier(read.table)}"
                     f"{condition}) t")
            self._memo[key] = str(con.execute(query, parameters).fetchone()[0])[:16]  # type: ignore[index]
            self._saved[saved_key] = self._memo[key]
        return self._memo[key]

    def job_data(self, job: Job) -> str:
        """The hash of every slice the job's kind reads (every table when it declares none)."""
        reads = job.kind.reads
        present = {name for (name,) in self._connection().execute(
            "SELECT table_name FROM duckdb_tables()").fetchall()}
        if reads is None:
            reads = Reads(tuple(TableRead(name, scope="all") for name in sorted(present)))
        period = str(job.parameters.get("period", "") or "")
        parts = []
        for read in sorted(reads, key=lambda r: r.table):
            state = self.table_slice(read, job.territory.region, period) if read.table in present else "-"
            parts.append(f"{read.table}:{state}")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def fingerprint(job: Job, data: str) -> dict[str, Any]:
    """Every dependency's hash and their combination (``total``)."""
    parts = {
        "notebook": notebook_hash(job.kind.notebook),
        "parameters": hashlib.sha256(job.key[2].encode()).hexdigest()[:16],
        "code": code_hash(),
        "template": template_hash(),
        "lock": lock_hash(),
        "data": data,
    }
    parts["total"] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    return parts


CHANGE_NAMES = {"notebook": "блокнот", "parameters": "параметры", "code": "код helpers",
                "template": "шаблон", "lock": "зависимости", "data": "данные"}


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """The dependencies that differ (Russian names); all of them when there is no old record."""
    if not old:
        return ["новая справка"]
    return [CHANGE_NAMES[k] for k in CHANGE_NAMES if old.get(k) != new.get(k)]
