"""One run of a scheduled job, under the batch lock: ingest the exports, render, record, deliver.

This is the command every way of scheduling calls (``python -m helpers.schedule run-job NAME``):
the foreground scheduler, a crontab line and a systemd timer alike, so all of them share
``make briefings``'s lock and write the same ledger. Exit codes: 0 done, 1 failed, 2 bad data or
plan, 75 another batch holds the output folder (skipped), 130 interrupted.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.batch.executors import LocalExecutor
from helpers.batch.plan import PlanError, plan_batch
from helpers.batch.run import BatchBusy, Summary, batch_lock, run_batch, stale_lock_note
from helpers.config import settings
from helpers.render import catalog
from helpers.schedule import ledger
from helpers.schedule.config import ScheduledJob
from helpers.schedule.triggers import data_signature

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_BUSY, EXIT_INTERRUPTED = 0, 1, 2, 75, 130
ERROR_LINES = 5


@dataclass
class RunRequest:
    """Why and when a job runs: the scheduler passes these on the command line."""

    reason: str = "manual"
    fire_time: dt.datetime | None = None
    attempt: int = 1
    attempts: int = 1
    deadline: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.attempt >= self.attempts


def first_lines(text: str, count: int = ERROR_LINES) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:count])


def ingest() -> tuple[int, str]:
    """Validate and load the exports (``python -m helpers.ingestion``); its exit code and errors."""
    done = subprocess.run([sys.executable, "-m", "helpers.ingestion"], capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    return done.returncode, done.stderr


def render(job: ScheduledJob, output_dir: Path, warehouse: Path, note: Callable[[str], None]) -> Summary:
    """Plan the job's batch (narrowed to its region and kinds) and render what is stale."""
    config = settings()
    common = {"period": config.period} if config.period else {}
    jobs = plan_batch(job.batch, common=common, region=job.region, note=note)
    if job.kinds:
        jobs = [j for j in jobs if j.kind.name in job.kinds]
    workers = int(os.environ.get("JOBS") or os.cpu_count() or 1)
    timeout = float(os.environ.get("TIMEOUT") or 300)
    return run_batch(f"{job.batch} · задание «{job.name}»", jobs, output_dir=output_dir,
                     warehouse=warehouse, force=False, note=note,
                     make_executor=lambda: LocalExecutor(output_dir, jobs=max(1, workers), timeout=timeout))


def say(line: str) -> None:
    """One line to the console (the scheduler's log), flushed at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_job(job: ScheduledJob, request: RunRequest, *,
            after_run: Callable[[ScheduledJob, dict[str, Any], RunRequest], None] | None = None,
            ingest_: Callable[[], tuple[int, str]] = ingest,
            render_: Callable[..., Summary] = render, now: Callable[[], dt.datetime] = _now,
            say: Callable[[str], None] = say) -> int:
    """Run the job once and append its record to the ledger; returns the exit code."""
    config = settings()
    output_dir = config.output_dir
    started, clock = now(), time.monotonic()
    record: dict[str, Any] = {
        "job": job.name, "batch": job.batch, "reason": request.reason,
        "fire_time": request.fire_time.isoformat() if request.fire_time else None,
        "started_at": started.isoformat(), "attempt": request.attempt, "attempts": request.attempts,
        "deadline": request.deadline.isoformat() if request.deadline else None,
        "data_signature": data_signature(config.data_dir), "counts": {}, "errors": [],
    }
    code = EXIT_OK
    try:
        with batch_lock(output_dir, what=f"задание «{job.name}»") as lock:
            if stale_lock_note(lock):
                say(stale_lock_note(lock))
            # unchanged exports are not re-read: ingestion itself compares them with what the
            # warehouse was built from (helpers.ingestion.freshness) and says «Хранилище актуально»
            ingested, errors = ingest_()
            if ingested != 0:
                code = EXIT_BAD_INPUT if ingested == 2 else EXIT_FAILED
                record["errors"] = [f"Проверка и загрузка выгрузок: {first_lines(errors)}"]
            else:
                summary = render_(job, output_dir, config.warehouse, say)
                record["counts"] = {"planned": summary.planned, "up_to_date": summary.up_to_date,
                                    "rendered": summary.rendered, "failed": summary.failed}
                record["errors"] = [first_lines(f) for f in summary.failures]
                code = summary.exit_code
                say(summary.text())
    except BatchBusy as exc:
        say(f"Задание «{job.name}» пропущено: {exc}")
        record.update(outcome="skipped", errors=[str(exc)])
        code = EXIT_BUSY
    except PlanError as exc:
        record["errors"] = [first_lines(str(exc))]
        code = EXIT_BAD_INPUT
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    finished = now()
    record["finished_at"] = finished.isoformat()
    record["duration_s"] = round(time.monotonic() - clock, 2)
    if "outcome" not in record:
        record["outcome"] = outcome_of(code, finished, request.deadline)
    ledger.append(output_dir, record)
    catalog.record_many(output_dir, [])  # the catalog page shows each job's last run
    if record["outcome"] == "late":
        say(f"Задание «{job.name}» выполнено с опозданием: срок был {request.deadline}")
    if after_run is not None and code not in (EXIT_BUSY, EXIT_INTERRUPTED):
        after_run(job, record, request)
    return code


def outcome_of(code: int, finished: dt.datetime, deadline: dt.datetime | None) -> str:
    if code == EXIT_INTERRUPTED:
        return "interrupted"
    if code != EXIT_OK:
        return "failed"
    return "late" if deadline is not None and finished > deadline else "ok"
