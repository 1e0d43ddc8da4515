"""Where briefings run: one small interface (submit a job, collect outcomes), two pools behind it.

``LocalExecutor`` runs jobs in long-lived worker processes on this machine (pebble's process
pool: unlike ``concurrent.futures`` it kills a worker whose job overruns its timeout and starts
a fresh one). Each worker imports the renderer once and keeps one Chromium for all its PDFs.
A Dask cluster plugs in behind the same interface (:class:`helpers.batch.cluster.DaskExecutor`)
without any change to planning. Workers never touch the output folder or the catalog: each job
hands its files back (:mod:`helpers.batch.worker`), the driver publishes them and records every
outcome.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from helpers.batch.plan import Job
from helpers.batch.worker import SCRATCH_DIR, render_job, start_local_worker, timeout_error


@dataclass(frozen=True)
class Outcome:
    """A finished job: its manifest entry (status ``ok`` or ``failed`` with the error)."""

    job: Job
    entry: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.entry.get("status") == "ok"


class ExecutorLost(RuntimeError):
    """The pool went away mid-batch (a Dask scheduler that stopped answering): the outcomes
    already yielded stand, the rest are left for the next run."""


class Executor(Protocol):
    def submit(self, job: Job) -> None: ...

    def outcomes(self) -> Iterator[Outcome]: ...

    def shutdown(self) -> None: ...


def failed_entry(job: Job, error: str, duration: float) -> dict[str, Any]:
    """The manifest entry of a job that did not come back (timeout, dead worker)."""
    from helpers.render.provenance import code_version, render_moment

    return {
        "kind": job.kind.name, "territory": job.territory.code,
        "territory_name": job.territory.name, "title": job.kind.title,
        "parameters": job.parameters, "status": "failed", "error": error, "outputs": {},
        "snapshot_date": None, "data_hash": None, "code_version": code_version(),
        "rendered_at": render_moment().isoformat(), "duration_s": round(duration, 2),
    }


class LocalExecutor:
    """A pool of ``jobs`` worker processes on this machine; ``timeout`` seconds per briefing."""

    def __init__(self, output_dir: Path, *, jobs: int, timeout: float):
        from pebble import ProcessPool

        self.output_dir, self.timeout = output_dir, timeout
        # Fresh interpreters, not forks: forking a driver that already runs threads (pebble's own,
        # a test runner's) can leave a child holding a lock nobody will release.
        self._pool = ProcessPool(max_workers=jobs, initializer=start_local_worker,
                                 context=multiprocessing.get_context("spawn"))
        self._futures: dict[Any, tuple[Job, float]] = {}

    def submit(self, job: Job) -> None:
        future = self._pool.schedule(render_job, args=(job, str(self.output_dir / SCRATCH_DIR),
                                                       int(self.timeout)), timeout=self.timeout)
        self._futures[future] = (job, time.monotonic())

    def outcomes(self) -> Iterator[Outcome]:
        for future in as_completed(list(self._futures)):
            job, started = self._futures.pop(future)
            yield Outcome(job, self._entry(future, job, started))

    def _entry(self, future: Any, job: Job, started: float) -> dict[str, Any]:
        from pebble import ProcessExpired

        try:
            return dict(future.result())
        except FutureTimeout:
            error = timeout_error(self.timeout)
        except ProcessExpired as exc:
            error = f"процесс справки завершился аварийно (код {exc.exitcode})"
        except Exception as exc:  # an error outside render_briefing's own handling
            error = f"{type(exc).__name__}: {exc}"
        return failed_entry(job, error, time.monotonic() - started)

    def shutdown(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=10)
