"""Validate the exports under ``DATA_DIR`` and ingest them into the warehouse.

``python -m helpers.ingestion [--check]``: the federal snapshots (``DATA_DIR/federal``) and every
region's school-level exports (``DATA_DIR/regions/<code>``) are validated and, when all are
valid, loaded in one atomic rebuild of the warehouse. Every problem is printed, one line each,
naming file, sheet, row, column, value and rule; with any error anywhere the exit code is 2 and
the warehouse is left as it was. Warnings are printed and kept in the run's log
(``OUTPUT_DIR/logs/ingest.log``).

Regions are validated and loaded one at a time, so memory stays bounded by the largest region
(the national load mode of the demo has about 40 thousand schools).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from helpers.config import Settings, settings
from helpers.ingestion import freshness, heap, regional
from helpers.ingestion.contract.cleaning import name_key
from helpers.ingestion.contract.forms import FEDERAL
from helpers.ingestion.contract.loading import FILE_COLUMN, Loaded, load_folder
from helpers.ingestion.contract.problems import Problem
from helpers.ingestion.contract.validation import Context
from helpers.ingestion.privacy import SECRET_VARIABLE, Pseudonymizer, key_fingerprint, secret
from helpers.vocabulary import fmt_int
from helpers.warehouse import store
from helpers.warehouse.reference import load_municipalities, load_regions

EXIT_INVALID = 2


def federal_context(today: dt.date | None = None) -> Context:
    """Known region codes and accepted names (official and short forms) from the reference."""
    regions = load_regions()
    names = {
        row.region_code: frozenset(name_key(n) for n in (row.name_ru, row.name_alt) if n)
        for row in regions.itertuples()
    }
    return Context(
        known={"region_code": frozenset(regions["region_code"])},
        names={"region_code": names},
        today=today or dt.date.today(),
    )


def federal_table(loaded: Loaded) -> pd.DataFrame:
    """The warehouse table of federal snapshots: canonical columns, reference names, source file."""
    frame = loaded.frame
    names = dict(zip(load_regions()["region_code"], load_regions()["name_ru"], strict=True))
    table = pd.DataFrame({c.name: frame[c.name] for c in FEDERAL.columns if c.name in frame})
    table["snapshot_date"] = pd.to_datetime(table["snapshot_date"]).dt.date
    table["region_name"] = table["region_code"].map(names)
    table["source_file"] = frame[FILE_COLUMN]
    return table


def sources_table(files: dict[str, str], rows: dict[str, int]) -> pd.DataFrame:
    """Each ingested file with its SHA-256 and the number of rows taken from it."""
    return pd.DataFrame({
        "file": pd.array(list(files), dtype="str"),
        "sha256": pd.array(list(files.values()), dtype="str"),
        "rows": pd.array([int(rows.get(name, 0)) for name in files], dtype="int64"),
    })


def _rows_per_file(frames: list[pd.DataFrame]) -> dict[str, int]:
    sizes = [f.groupby(FILE_COLUMN).size() for f in frames if not f.empty and FILE_COLUMN in f]
    return pd.concat(sizes).groupby(level=0).sum().to_dict() if sizes else {}


MAX_SUM_DATES_SHOWN = 3


def sums_against_federal(code: str, sums: pd.DataFrame | None, federal: pd.DataFrame
                         ) -> list[Problem]:
    """Warnings where a region's school sums differ from its federal row of the same date.

    Each says by how much, column by column (at most :data:`MAX_SUM_DATES_SHOWN` dates per
    region are spelt out; the rest are counted). Not an error: the two forms are sent by
    different people at slightly different moments.
    """
    if sums is None or sums.empty or federal.empty or "region_code" not in federal:
        return []
    mine = federal[federal["region_code"] == code]
    columns = [c for c in sums.columns if c != "snapshot_date" and c in mine]
    both = sums.merge(mine, on="snapshot_date", suffixes=("_schools", "_federal"))
    lines = []
    for row in both.itertuples(index=False):
        values = row._asdict()
        parts = []
        for column in columns:
            schools, federal_value = values[f"{column}_schools"], values[f"{column}_federal"]
            if pd.isna(schools) or pd.isna(federal_value) or schools == federal_value:
                continue
            difference = int(schools) - int(federal_value)
            parts.append(f"«{FEDERAL.column(column).header}»: по школам {fmt_int(schools)}, в "
                         f"федеральной форме {fmt_int(federal_value)} "
                         f"({'+' if difference > 0 else '−'}{fmt_int(abs(difference))})")
        if parts:
            day = pd.Timestamp(values["snapshot_date"])
            lines.append(f"суммы мониторинга по школам на {day:%d.%m.%Y} не совпадают со "
                         f"строкой региона {code} в федеральном мониторинге: " + "; ".join(parts))
    problems = [Problem(file=f"regions/{code}", rule=line, severity="warning")
                for line in lines[:MAX_SUM_DATES_SHOWN]]
    if len(lines) > MAX_SUM_DATES_SHOWN:
        problems.append(Problem(file=f"regions/{code}", severity="warning",
                                rule=f"и ещё {len(lines) - MAX_SUM_DATES_SHOWN} срезов, где суммы "
                                     "по школам не совпадают с федеральным мониторингом"))
    return problems


@dataclass
class IngestResult:
    problems: list[Problem]
    rows: int = 0
    snapshots: int = 0
    regions: dict[str, dict[str, int]] = field(default_factory=dict)  # code → regional.counts
    unchanged: bool = False  # the warehouse was already built from these exports: not rebuilt
    changes: list[str] = field(default_factory=list)  # why it was rebuilt (freshness.changes)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


class _Invalid(Exception):
    """Raised inside the table stream so that the warehouse rebuild is abandoned."""


KEYS: dict[str, tuple[str, ...]] = {
    store.FEDERAL_TABLE: FEDERAL.key, store.SOURCES_TABLE: ("file",), store.INPUTS_TABLE: ("item",),
    **regional.TABLE_KEYS,
}


def _sorted(name: str, frame: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """A chunk made in this process, in its table's key order (the warehouse writes chunks as
    they come: :func:`helpers.warehouse.store.rebuild` with ``ordered``)."""
    return name, store.in_key_order(frame, KEYS[name])


IN_FLIGHT_PER_WORKER = 3
"""Regions in flight per worker process, submitted and not yet written (measured on the national data
load with 2 workers: 1 → 131 s, 3 → 121 s, 6 → 121 s)."""


def default_jobs() -> int:
    """Processes for the regions: ``INGEST_JOBS``, else the machine's cores (at most 4)."""
    configured = os.environ.get("INGEST_JOBS", "").strip()
    return int(configured) if configured.isdigit() else min(4, os.cpu_count() or 1)


def _outcomes(folders: list[tuple[str, Path]], data_dir: Path, municipalities: pd.DataFrame,
              key: bytes | None, jobs: int, spool: Path, inputs: dict[str, str]
              ) -> Iterator[regional.RegionOutcome]:
    """Each region processed, in order: in this process, or in ``jobs`` worker processes
    (whose tables come back as Arrow files in ``spool``); ``inputs``: the files' hashes of the
    freshness check (:func:`freshness.current_inputs`), not computed again."""
    def hashes(folder: Path) -> dict[str, str]:
        prefix = f"data/{folder.relative_to(data_dir).as_posix()}/"
        return {item.removeprefix("data/"): sha for item, sha in inputs.items()
                if item.startswith(prefix)}

    if jobs <= 1 or len(folders) <= 1:
        for code, folder in folders:
            yield regional.process_region(folder, code, data_dir, municipalities, key,
                                          hashes(folder))
        return
    pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"),
                               initializer=heap.keep_freed_memory)
    pending: deque[Future[regional.RegionOutcome]] = deque()
    try:
        for code, folder in folders:
            # regions are written in order: a few per worker in flight, so that the others go
            # on while a large region is still being read (one more than the workers left them
            # idle a tenth of the national ingestion); finished ones wait in the spool, on disk
            if len(pending) > IN_FLIGHT_PER_WORKER * jobs:
                yield pending.popleft().result()
            pending.append(pool.submit(regional.spool_region, folder, code, data_dir,
                                       municipalities, key, spool, hashes(folder)))
        while pending:
            yield pending.popleft().result()
    finally:  # stopped early (an error elsewhere): do not wait for the regions not started
        pool.shutdown(wait=True, cancel_futures=True)


def run(config: Settings, *, check_only: bool = False, jobs: int | None = None,
        force: bool = False) -> IngestResult:
    """Validate every export; unless ``check_only``, rebuild the warehouse when all are valid.

    Nothing is read or rebuilt when the warehouse was built from the same files by the same
    code with the same key (:mod:`helpers.ingestion.freshness`), unless ``force``.
    Regions are validated (and their tables derived) in ``jobs`` processes, one region at a
    time each; the tables are written as they come, and abandoned with the new file at the
    first invalid export.
    """
    inputs: dict[str, str] = {}
    if not check_only:
        inputs = freshness.current_inputs(config.data_dir, config.warehouse)
        stored = freshness.stored_inputs(config.warehouse)
        changes = freshness.changes(stored, inputs)
        if not changes and not force and _same_key(config):
            return IngestResult(problems=[], unchanged=True)
        if force and not changes:
            changes = ["принудительно (--force)"]
    federal = load_folder(config.federal_dir, FEDERAL, federal_context())
    result = IngestResult(problems=list(federal.problems), changes=[] if check_only else changes)
    regions = load_regions()
    folders, problems = regional.region_folders(config.data_dir,
                                                   frozenset(regions["region_code"]))
    result.problems.extend(problems)
    municipalities = load_municipalities(config.data_dir)
    key = None if check_only else secret()

    def tables(spool: Path) -> Iterator[tuple[str, store.Chunk]]:
        files, rows = dict(federal.files), _rows_per_file([federal.frame])
        if result.ok:
            table = federal_table(federal)
            result.rows, result.snapshots = len(table), table["snapshot_date"].nunique()
            if key is not None:
                yield _sorted(store.FEDERAL_TABLE, table)
                yield _sorted(store.MUNICIPALITIES_TABLE, municipalities)
                yield from regional.empty_tables(municipalities, Pseudonymizer(key))
        outcomes = _outcomes(folders, config.data_dir, municipalities,
                             key if result.ok else None, jobs or default_jobs(), spool, inputs)
        for outcome in outcomes:
            result.problems.extend(outcome.problems)
            if federal.ok:
                result.problems.extend(sums_against_federal(outcome.code, outcome.sums,
                                                            federal.frame))
            if outcome.files:
                result.regions[outcome.code] = outcome.counts
            files.update(outcome.files)
            rows.update(outcome.rows)
            if result.ok:
                yield from outcome.tables  # sorted by the worker
                for name, path in outcome.spooled:
                    yield name, regional.mapped(path)
                    path.unlink()
                if key is not None and outcome.municipalities is not None:
                    yield _sorted(store.MUNICIPALITIES_TABLE, outcome.municipalities)
            outcome.tables.clear()  # written: not held while the next region is awaited
        if not result.ok:
            raise _Invalid
        if key is not None:
            yield _sorted(store.SOURCES_TABLE, sources_table(files, rows))
            yield _sorted(store.INPUTS_TABLE, freshness.inputs_table(inputs))

    if key is not None:
        changed = key_change(config, key)
        if changed:
            result.problems.append(changed)
            return result
    if key is not None:
        config.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # the workers' tables wait in Arrow files next to the warehouse (same disk), removed after
    with tempfile.TemporaryDirectory(prefix=".ingest-spool-", dir=config.warehouse.parent
                                     if key is not None else None) as folder:
        try:
            if key is not None:
                store.rebuild(config.warehouse, tables(Path(folder)), keys=KEYS,
                              key_id=key_fingerprint(key), ordered=True,
                              unique_chunks=regional.CHECKED_BY_REGION)
            else:
                for _ in tables(Path(folder)):
                    pass
        except _Invalid:
            pass
    return result


NEW_KEY_VARIABLE = "SFERUM_NEW_KEY"


def _same_key(config: Settings) -> bool:
    """The warehouse's pseudonyms were made with the key in force now (no key → not the same)."""
    try:
        stored = store.key_id(config.warehouse)
        return stored is not None and stored == key_fingerprint(secret())
    except (store.WarehouseUnreadable, store.WarehouseMissing):
        return False


def key_change(config: Settings, key: bytes) -> Problem | None:
    """A problem when the warehouse was built with another pseudonymisation key: every
    pseudonym would change without anyone noticing (``.env`` deleted or replaced)."""
    if os.environ.get(NEW_KEY_VARIABLE, "").strip() == "1" or not config.warehouse.exists():
        return None
    try:
        stored = store.key_id(config.warehouse)
    except (store.WarehouseUnreadable, store.WarehouseMissing):
        return None  # an unreadable warehouse is simply rebuilt
    current = key_fingerprint(key)
    if stored is None or stored == current:
        return None
    return Problem(
        file=str(config.warehouse),
        rule=(f"хранилище собрано с другим ключом псевдонимизации (отпечаток {stored}, сейчас "
              f"{current}): файл .env удалён или заменён? С новым ключом псевдонимы всех людей "
              f"изменятся. Верните прежний {SECRET_VARIABLE} в .env или окружение; если прежний "
              f"ключ утерян и смена осознанна — запустите с {NEW_KEY_VARIABLE}=1 / the warehouse "
              f"was built with another pseudonymisation key"))


def summary(result: IngestResult) -> str:
    """What was read: federal rows and snapshots, the regions' schools, pupils, parents, chats."""
    text = f"федеральный мониторинг — строк {fmt_int(result.rows)}, срезов {result.snapshots}"
    if result.regions:
        totals = pd.DataFrame(result.regions.values()).sum()
        codes = ", ".join(sorted(result.regions)) if len(result.regions) <= 5 \
            else f"{len(result.regions)}"
        text += (f"; школьные данные регионов ({codes}): школ {fmt_int(totals['schools'])}, "
                 f"учеников {fmt_int(totals['pupils'])}, родителей {fmt_int(totals['parents'])}, "
                 f"чатов {fmt_int(totals['chats'])}, участников чатов "
                 f"{fmt_int(totals['chat_members'])}; СНИЛС нет или неверен у "
                 f"{fmt_int(totals['snils_gaps'])} учеников и родителей (это пробелы "
                 f"авторизации, не ошибки)")
    return text


LOG_MODE, LOG_DIR_MODE = 0o600, 0o700  # the log is for the operator, not for the readers


def _log(config: Settings, lines: list[str]) -> None:
    """Append to ``OUTPUT_DIR/logs/ingest.log``: owner-only (folder 700, file 600), so a published
    output folder never serves it; personal values are already masked in ``lines``."""
    log_dir = config.output_dir / "logs"
    log_dir.mkdir(mode=LOG_DIR_MODE, parents=True, exist_ok=True)
    os.chmod(log_dir, LOG_DIR_MODE)
    path = log_dir / "ingest.log"
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, LOG_MODE)
    os.fchmod(descriptor, LOG_MODE)  # a log an older version left world-readable
    with os.fdopen(descriptor, "a", encoding="utf-8") as log:
        log.writelines(f"{stamp} {line}\n" for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate only, do not ingest")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes for the regions (default: INGEST_JOBS or the cores, ≤ 4)")
    parser.add_argument("--force", action="store_true", default=os.environ.get("FORCE") == "1",
                        help="rebuild even when the exports and the code have not changed (FORCE=1)")
    args = parser.parse_args(argv)
    config = settings()
    result = run(config, check_only=args.check, jobs=args.jobs, force=args.force)
    if result.unchanged:
        message = (f"Хранилище актуально: выгрузки в {config.data_dir} и код загрузки не "
                   f"менялись с последней сборки — загрузка пропущена ({config.warehouse}).")
        _log(config, [message])
        sys.stdout.write(message + "\n")
        return 0
    lines = [str(p) for p in result.problems]
    for line in lines:
        sys.stderr.write(line + "\n")
    if not result.ok:
        count = sum(1 for p in result.problems if p.severity == "error")
        message = (f"Данные не приняты: ошибок {count}; хранилище не изменено "
                   f"({config.warehouse}).")
    else:
        action = "проверены" if args.check else f"загружены в {config.warehouse}"
        message = f"Данные {action}: {summary(result)}; предупреждений {len(lines)}."
        if result.changes:
            shown = "; ".join(result.changes[:5]) + ("; …" if len(result.changes) > 5 else "")
            message += f" Причина сборки: {shown}."
    _log(config, [*lines, message])
    (sys.stdout if result.ok else sys.stderr).write(message + "\n")
    return 0 if result.ok else EXIT_INVALID


if __name__ == "__main__":
    raise SystemExit(main())
