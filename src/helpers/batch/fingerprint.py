"""What a briefing depends on, as content hashes: re-render when (and only when) one changes.

Each part of a fingerprint names one dependency, so the run log and the catalog can say why a
briefing was re-rendered («цели (targets.yml)», «данные: чаты», «код справки», «шаблон»):

- ``notebook`` and ``kind``: the kind's notebook, and its own code and fragments (its package,
  ``templates/briefing/fragments/<kind>/``) — a change re-renders that kind only;
- ``parameters``: the briefing's parameter set;
- ``code`` and ``template``: the shared code and templates of rendering — every helpers module
  but the kinds' packages and :data:`NOT_RENDERING`, every template but the kinds' fragments —
  and ``lock``, the pinned dependencies (``pyproject.toml``): a change re-renders all;
- ``inputs``: each params or reference file the kind declares (``BriefingKind.inputs``);
- ``data``: a hash of the rows of each warehouse slice the kind declares
  (``BriefingKind.reads``), not of file times.
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

from helpers.batch.plan import Job, Kind
from helpers.briefings import registry
from helpers.config import PACKAGE_DIR, PROJECT_ROOT, TEMPLATES_DIR
from helpers.warehouse import store
from helpers.warehouse.slices import Reads, TableRead

NOT_RENDERING = ("delivery", "schedule", "demo", "ingestion/*.py")
"""Parts of the package no render imports (a test checks): mail, the scheduler, the demo
generator and ingestion's loading (its result, the warehouse, is hashed as ``data``; the data
contract under ``ingestion/contract`` is shared code: briefings name forms by it)."""


def _hash_files(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _kinds_folders() -> list[Path]:
    """The folders every declared kind owns: its package and its fragments."""
    return [folder for kind in registry().values()
            for folder in (kind.package, kind.fragments) if folder is not None]


def _outside(path: Path, folders: Iterable[Path]) -> bool:
    return not any(path.is_relative_to(folder) for folder in folders)


@cache
def code_hash() -> str:
    """The helpers package's shared rendering code (no kind's own package, nothing of
    :data:`NOT_RENDERING`)."""
    skipped = _kinds_folders()
    excluded = {path for pattern in NOT_RENDERING for path in (
        PACKAGE_DIR.glob(pattern) if "*" in pattern else (PACKAGE_DIR / pattern).rglob("*.py"))}
    return _hash_files((p for p in PACKAGE_DIR.rglob("*.py") if p not in excluded and _outside(p, skipped)),
                       PACKAGE_DIR)


@cache
def template_hash() -> str:
    """The shared templates (page, stylesheet, shared fragments), not a kind's own fragments."""
    skipped = _kinds_folders()
    return _hash_files((p for p in TEMPLATES_DIR.rglob("*") if p.is_file() and _outside(p, skipped)),
                       TEMPLATES_DIR)


@cache
def lock_hash() -> str:
    """The pinned dependencies."""
    return _hash_files([PROJECT_ROOT / "pyproject.toml"], PROJECT_ROOT)


@cache
def notebook_hash(path: Path) -> str:
    return _hash_files([path], path.parent)


def kind_hash(kind: Kind) -> str:
    """A kind's own code and fragments (its package and fragments folder; empty for a probe)."""
    return _files_hash(kind.own_files)


@cache
def _files_hash(paths: tuple[Path, ...]) -> str:
    return _hash_files(paths, PACKAGE_DIR)


@cache
def input_hash(path: Path) -> str:
    """One params or reference file ('-' when it is missing: the kind's load will say so)."""
    return _hash_files([path], path.parent) if path.is_file() else "-"


def clear_caches() -> None:
    """Forget the file hashes (a long-running scheduler reads changed files anew each run)."""
    for cached in (code_hash, template_hash, lock_hash, notebook_hash, _files_hash, input_hash):
        cached.cache_clear()


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

    def job_data(self, job: Job) -> dict[str, str]:
        """The hash of each slice the job's kind reads, by table (every table when it declares
        none); '-' for a table the warehouse does not have."""
        reads = job.kind.reads
        present = {name for (name,) in self._connection().execute(
            "SELECT table_name FROM duckdb_tables()").fetchall()}
        if reads is None:
            reads = Reads(tuple(TableRead(name, scope="all") for name in sorted(present)))
        period = str(job.parameters.get("period", "") or "")
        return {read.table: self.table_slice(read, job.territory.region, period)
                if read.table in present else "-" for read in sorted(reads, key=lambda r: r.table)}


def fingerprint(job: Job, data: Mapping[str, str]) -> dict[str, Any]:
    """Every dependency's hash and their combination (``total``); ``data`` by table
    (:meth:`DataHasher.job_data`)."""
    parts: dict[str, Any] = {
        "notebook": notebook_hash(job.kind.notebook),
        "kind": kind_hash(job.kind),
        "parameters": hashlib.sha256(job.key[2].encode()).hexdigest()[:16],
        "code": code_hash(),
        "template": template_hash(),
        "lock": lock_hash(),
        "inputs": {item.key: input_hash(item.path) for item in job.kind.inputs},
        "data": dict(data),
    }
    parts["total"] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    return parts


PART_WORDS = {"notebook": "блокнот справки", "kind": "код справки", "parameters": "параметры",
              "code": "общий код", "template": "шаблон", "lock": "зависимости",
              "inputs": "параметры и справочники", "data": "данные"}
TABLE_WORDS = {
    "federal_snapshots": "федеральный мониторинг", "schools": "школы",
    "school_activity": "активность школ", "chats": "чаты", "chat_members": "участники чатов",
    "tasks": "задачи", "pupils": "ученики", "parents": "родители",
    "parent_children": "связи родителей и детей", "municipalities": "муниципалитеты",
}


def _input_words(kind: Kind) -> dict[str, str]:
    return {item.key: item.reason for item in kind.inputs}


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any], kind: Kind | None = None) -> list[str]:
    """What differs, in Russian («цели (targets.yml)», «данные: чаты», «код справки»);
    «новая справка» when there is no old record. A part recorded by an older version of the
    suite in another shape is named as a whole («данные»)."""
    if not old:
        return ["новая справка"]
    words = _input_words(kind) if kind is not None else {}
    found: list[str] = []
    for part, word in PART_WORDS.items():
        before, after = old.get(part), new.get(part)
        if before == after:
            continue
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            keys = sorted(set(before) | set(after))
            changed = [k for k in keys if before.get(k) != after.get(k)]
            if part == "data":
                found += [f"данные: {TABLE_WORDS.get(k, k)}" for k in changed]
            else:
                found += [words.get(k, k) for k in changed]
        else:
            found.append(word)
    return found
