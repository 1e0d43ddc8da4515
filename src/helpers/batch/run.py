"""Running a planned batch: skip what is up to date, render the rest in a pool, publish as it goes.

Each finished briefing is merged into the manifest within seconds (the catalog is rewritten at
most every ``FLUSH_SECONDS`` and at the end), so an interrupted batch keeps what it finished and
the next run renders only what is missing or stale. Every run is appended to ``runs.jsonl``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from helpers.batch.executors import Executor, ExecutorLost, Outcome
from helpers.batch.fingerprint import DataHasher, changes, fingerprint
from helpers.batch.plan import Job, territory_parameters
from helpers.batch.progress import BatchProgress
from helpers.batch.worker import FILES, SCRATCH, SCRATCH_DIR, TIMINGS
from helpers.render import catalog
from helpers.render.content import content_hash
from helpers.render.provenance import render_moment
from helpers.render.publish import publish_files, sweep_stale_temps

FLUSH_SECONDS = 2.0
RUNS_LOG = "runs.jsonl"
BATCH_LOCK = ".batch.lock"


@dataclass
class Summary:
    """What a batch run did."""

    batch: str
    planned: int
    up_to_date: int = 0
    rendered: int = 0
    failed: int = 0
    interrupted: bool = False
    lost: str = ""  # why the pool went away mid-batch (a Dask scheduler that stopped answering)
    started_at: str = field(default_factory=lambda: render_moment().isoformat())
    elapsed_s: float = 0.0
    # for make bench, not logged: seconds by stage per rendered briefing, and in the catalog
    timings: list[dict[str, Any]] = field(default_factory=list, repr=False)
    catalog_s: float = 0.0
    failures: list[str] = field(default_factory=list)
    # each briefing rendered this run and why: {"briefing": label, "why": ["цели (targets.yml)"]}
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed or self.lost else 0

    def text(self) -> str:
        state = "ПРЕРВАН" if self.interrupted or self.lost else "готов"
        lost = (f"\n{self.lost}; сформированное опубликовано, остальное будет сформировано при "
                f"следующем запуске / the cluster went away, what finished is published") \
            if self.lost else ""
        return (f"Пакет «{self.batch}» {state}: справок {self.planned}, актуальных {self.up_to_date}, "
                f"сформировано {self.rendered}, с ошибкой {self.failed}; {self.elapsed_s:.1f} с.{lost}")


class BatchBusy(RuntimeError):
    """Another batch is writing into the same output folder."""


@dataclass(frozen=True)
class LockState:
    """Who holds (or last held) an output folder's batch lock."""

    held: bool
    holder: dict[str, Any] | None  # {"pid", "since", "what"} written by the holder; None when free
    stale: bool  # a holder is written down but its lock is gone: it crashed (kill -9, power loss)


_HELD: dict[Path, int] = {}  # output folders whose lock this process holds → nesting depth


def _read_holder(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
        return json.loads(text) if text else None
    except (OSError, ValueError):
        return None


def lock_state(output_dir: Path) -> LockState:
    """Whether a batch holds ``output_dir`` now, and whether a crashed one left its name behind."""
    path = output_dir / BATCH_LOCK
    if not path.exists():
        return LockState(False, None, False)
    holder = _read_holder(path)
    if output_dir.resolve() in _HELD:
        return LockState(True, holder, False)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return LockState(True, holder, False)
        fcntl.flock(handle, fcntl.LOCK_UN)
    return LockState(False, holder, holder is not None)


@contextlib.contextmanager
def batch_lock(output_dir: Path, what: str = "") -> Iterator[LockState]:
    """One batch at a time per output folder: ``make briefings``, the scheduler and cron share it.

    The lock is an ``flock`` on ``output/.batch.lock``, so it dies with the process, even on
    kill -9; the holder writes its pid into the file and clears it on the way out, so a pid
    found in a free lock file is a crashed run's (the yielded state says ``stale``). Re-entrant
    within one process: a scheduled job takes it once for ingestion and rendering together.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    key = output_dir.resolve()
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield LockState(True, None, False)
        finally:
            _HELD[key] -= 1
        return
    path = output_dir / BATCH_LOCK
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _read_holder(path) or {}
            who = f" (pid {holder['pid']}, {holder.get('what') or 'пакет'}, с {holder.get('since')})" \
                if holder.get("pid") else ""
            raise BatchBusy(f"в {output_dir} уже идёт другой пакет{who} / another batch is running") from exc
        previous = _read_holder(path)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "since": render_moment().isoformat(),
                                 "what": what}, ensure_ascii=False))
        handle.flush()
        _HELD[key] = 1
        try:
            yield LockState(True, previous, previous is not None)
        finally:
            del _HELD[key]
            handle.seek(0)
            handle.truncate()
            handle.flush()


def stale_lock_note(state: LockState) -> str:
    """The line that says a crashed run's lock was found and taken over ('' when there was none)."""
    if not state.stale or not state.holder:
        return ""
    holder = state.holder
    return (f"Блокировка прежнего запуска (pid {holder.get('pid')}, {holder.get('what') or 'пакет'}, "
            f"с {holder.get('since')}) устарела: он завершился аварийно; его недоделанное будет "
            "сформировано заново.")


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the batch the way Ctrl-C does: finished work is kept, the rest is not started."""
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def is_up_to_date(entry: Mapping[str, Any] | None, print_: Mapping[str, Any], output_dir: Path) -> bool:
    """Rendered fine before, from the same dependencies, and every output still there."""
    if not entry or entry.get("status") != "ok":
        return False
    if (entry.get("fingerprint") or {}).get("total") != print_["total"]:
        return False
    return all((output_dir / path).exists() for path in (entry.get("outputs") or {}).values())


def earlier_content(entry: Mapping[str, Any] | None, output_dir: Path) -> dict[str, Any] | None:
    """What a briefing rendered before content hashes said, for delivery's ledger
    (``helpers.delivery.ledger.delivered``): its fingerprint and the content hash of its
    executed notebook. Carried on until the briefing is delivered by content; None when there
    is nothing to carry."""
    if not entry or entry.get("status") != "ok":
        return None
    if entry.get("earlier") or entry.get("content_hash"):
        return entry.get("earlier")
    notebook = output_dir / str((entry.get("outputs") or {}).get("notebook") or "")
    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError):
        return None
    head = {"title": entry.get("title"), "territory": entry.get("territory_name"),
            "snapshot_date": entry.get("snapshot_date")}
    return {"fingerprint": (entry.get("fingerprint") or {}).get("total"),
            "content_hash": content_hash(nb, head)}


def stale_jobs(jobs: list[Job], prints: Mapping[tuple[str, str, str], dict[str, Any]],
               output_dir: Path, force: bool, known: Mapping[tuple[str, str, str], Mapping[str, Any]]
               ) -> list[tuple[Job, list[str]]]:
    """The jobs to render, each with why (the dependencies that changed); ``known``: the
    manifest's entries by key."""
    stale = []
    for job in jobs:
        entry = known.get(job.key)
        if force or not is_up_to_date(entry, prints[job.key], output_dir):
            why = ["FORCE"] if force else changes((entry or {}).get("fingerprint"), prints[job.key],
                                                  job.kind)
            stale.append((job, why or ["нет файлов или прошлый запуск с ошибкой"]))
    return stale


def run_batch(name: str, jobs: list[Job], *, output_dir: Path, warehouse: Path, force: bool,
              make_executor: Callable[[], Executor],
              note: Callable[[str], None] = lambda _line: None) -> Summary:
    """Render every job of a batch that is not up to date; record outcomes as they arrive."""
    summary = Summary(batch=name, planned=len(jobs))
    clock = time.monotonic()
    with batch_lock(output_dir, what=f"пакет «{name}»") as lock, sigterm_as_interrupt():
        if stale_lock_note(lock):
            note(stale_lock_note(lock))
        sweep_stale_temps(output_dir)
        shutil.rmtree(output_dir / SCRATCH_DIR, ignore_errors=True)  # a killed run's local scratch
        with DataHasher(warehouse) as hasher:
            prints = {job.key: fingerprint(job, hasher.job_data(job)) for job in jobs}
        known = {catalog.entry_key(e): e for e in catalog.load_manifest(output_dir)}
        stale = stale_jobs(jobs, prints, output_dir, force, known)
        why_of = {job.key: why for job, why in stale}
        earlier = {job.key: earlier_content(known.get(job.key), output_dir) for job, _why in stale}
        summary.reasons = [{"briefing": job.label, "why": why} for job, why in stale]
        summary.up_to_date = len(jobs) - len(stale)
        progress = BatchProgress(len(stale), summary.up_to_date)
        pending: list[dict[str, Any]] = []
        executor = make_executor() if stale else None
        try:
            for job, _why in stale:
                executor.submit(job)  # type: ignore[union-attr]
            last_flush = time.monotonic()
            for returned in executor.outcomes() if executor else []:
                outcome = publish_outcome(output_dir, returned)
                entry = {k: v for k, v in outcome.entry.items() if k != TIMINGS}
                summary.timings.append({"kind": outcome.job.kind.name, **outcome.entry.get(TIMINGS, {})})
                pending.append({**entry, "fingerprint": prints[outcome.job.key],
                                "reasons": why_of[outcome.job.key], "earlier": earlier[outcome.job.key],
                                "section": outcome.job.kind.section_title,
                                "section_order": outcome.job.kind.order,
                                "territory_parameters": territory_parameters(outcome.job)})
                _count(summary, outcome)
                progress.advance(outcome)
                if time.monotonic() - last_flush > FLUSH_SECONDS:
                    flushed = time.monotonic()
                    catalog.record_many(output_dir, pending)
                    summary.catalog_s += time.monotonic() - flushed
                    pending, last_flush = [], time.monotonic()
        except KeyboardInterrupt:
            summary.interrupted = True
        except ExecutorLost as exc:
            summary.lost = str(exc)
        finally:
            progress.close()
            if executor is not None:
                executor.shutdown()
            unrecorded: OSError | None = None
            if pending:
                try:
                    flushed = time.monotonic()
                    catalog.record_many(output_dir, pending)
                    summary.catalog_s += time.monotonic() - flushed
                except OSError as exc:  # a full disk: the run is still logged, then reported
                    unrecorded = exc
            summary.elapsed_s = round(time.monotonic() - clock, 2)
            _log_run(output_dir, summary)
            if unrecorded is not None:
                raise CatalogNotWritten(output_dir, unrecorded) from unrecorded
    return summary


class CatalogNotWritten(OSError):
    """The catalog could not be rewritten (a full disk): the previous one stays in force."""

    def __init__(self, output_dir: Path, cause: OSError):
        super().__init__(f"каталог {output_dir / 'index.html'} не обновлён ({cause.strerror or cause}); "
                         f"прежний каталог и справки на месте, освободите место и повторите "
                         f"запуск / catalog not written")


def publish_outcome(output_dir: Path, outcome: Outcome) -> Outcome:
    """Publish the files a job handed back (both pools alike); its entry says ``ok`` only when
    every output it lists is on this disk."""
    entry = dict(outcome.entry)
    files, scratch = entry.pop(FILES, None) or {}, entry.pop(SCRATCH, None)
    try:
        publish_files(output_dir, files)
    except (OSError, ValueError) as exc:
        entry.update(status="failed", outputs={},
                     error=f"файлы справки не опубликованы / not published: {exc}")
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    missing = [path for path in (entry.get("outputs") or {}).values() if not (output_dir / path).is_file()]
    if entry.get("status") == "ok" and missing:
        entry.update(status="failed", outputs={},
                     error=f"файлов справки нет на диске / missing: {', '.join(missing)}")
    return Outcome(outcome.job, entry)


def _count(summary: Summary, outcome: Outcome) -> None:
    if outcome.ok:
        summary.rendered += 1
    else:
        summary.failed += 1
        summary.failures.append(f"{outcome.job.label}: {outcome.entry.get('error')}")


def _log_run(output_dir: Path, summary: Summary) -> None:
    """Append the run to ``runs.jsonl`` in one write (a full disk loses the line, not the log)."""
    record = {**asdict(summary), "finished_at": render_moment().isoformat()}
    del record["timings"], record["catalog_s"]  # make bench's measurements, not the run's record
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        descriptor = os.open(output_dir / RUNS_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
    except OSError as exc:
        sys.stderr.write(f"ПРЕДУПРЕЖДЕНИЕ: запуск не записан в {output_dir / RUNS_LOG} "
                         f"({exc.strerror or exc}) / run not logged\n")
