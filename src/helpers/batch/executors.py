"""Where briefings run: one small interface (submit a job, collect outcomes), two pools behind it.

``LocalExecutor`` runs jobs in long-lived worker processes on this machine (pebble's process
pool: unlike ``concurrent.futures`` it kills a worker whose job overruns its timeout and starts
a fresh one). Each worker imports the renderer once and keeps one Chromium for all its PDFs.
A Dask cluster plugs in behind the same interface (``DaskExecutor``) without any change to
planning or publishing. Workers never touch the catalog: the driver records every outcome.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from helpers.batch.plan import Job


@dataclass(frozen=True)
class Outcome:
    """A finished job: its manifest entry (status ``ok`` or ``failed`` with the error)."""

    job: Job
    entry: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.entry.get("status") == "ok"


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


TIMINGS = "timings"  # seconds per stage of an outcome (taken off before the manifest; make bench)


# --- the worker side --------------------------------------------------------------------------

_printer: Any = None
_kernel: Any = None
_start_s = 0.0  # this worker's start-up (imports, Chromium, kernel), reported with its first job


def _kill_children_and_exit(signum: int, _frame: object) -> None:
    """A worker stopped for a timeout takes its kernel and browser with it."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        child.kill()
    os._exit(128 + signum)


# Optional modules a worker never uses but would import: jsonschema (under nbformat) builds a
# parser for its «iri» format check when rfc3987_syntax is installed (≈1 s of a worker's ≈2 s
# start-up); nbformat's notebook checks do not use format checks.
SKIPPED_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


def skip_optional_imports() -> None:
    """Make the modules of :data:`SKIPPED_OPTIONAL_IMPORTS` look absent to this process's later
    imports (those already imported stay)."""
    for name in SKIPPED_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: «not installed»


def _start_worker() -> None:
    """Pay the imports once per worker, not once per briefing."""
    global _start_s
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, _kill_children_and_exit)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides what an interrupt stops
    skip_optional_imports()
    import helpers.render.pipeline  # noqa: F401
    from helpers.render.html import briefing_exporter

    briefing_exporter()
    # what the imports made lives as long as the worker: out of the cycle collector's reach, the
    # full collections while rendering (nbconvert's copies, openpyxl) walk only the briefing's
    # objects (HTML + Excel ≈ 18 % faster, measured on the demo's briefings)
    gc.collect()
    gc.freeze()
    _start_s = time.perf_counter() - started


def _close_worker_resources() -> None:
    """Stop this worker's kernel and Chromium."""
    global _printer, _kernel
    if _kernel is not None:
        _kernel.close()
        _kernel = None
    if _printer is not None:
        _printer.close()
        _printer = None


def render_job(job: Job, output_dir: str, cell_timeout: int | None) -> dict[str, Any]:
    """Render one briefing in this worker (its Chromium and kernel started on the first call)."""
    global _printer, _kernel, _start_s
    from helpers.render.execute import WarmKernel
    from helpers.render.pdf import PdfPrinter
    from helpers.render.pipeline import render_briefing

    if _printer is None:
        started = time.perf_counter()
        _printer = PdfPrinter()
        _printer.__enter__()
        _kernel = WarmKernel()
        # stopped when the worker ends normally (a pool's shutdown), so the kernel does not
        # outlive it and log «Parent appears to have exited»
        multiprocessing.util.Finalize(None, _close_worker_resources, exitpriority=10)
        _start_s += time.perf_counter() - started
    result = render_briefing(
        job.kind.notebook, job.parameters, kind=job.kind.name, territory=job.territory.code,
        territory_name=job.territory.name, title=job.kind.title, printer=_printer,
        output_dir=Path(output_dir), update_catalog=False, timeout=cell_timeout, kernel=_kernel,
    )
    timings = dict(result.timings)
    if _start_s:
        timings["worker_start"], _start_s = round(_start_s, 3), 0.0
    return {**result.entry(), TIMINGS: timings}


# --- the driver side --------------------------------------------------------------------------

class LocalExecutor:
    """A pool of ``jobs`` worker processes on this machine; ``timeout`` seconds per briefing."""

    def __init__(self, output_dir: Path, *, jobs: int, timeout: float):
        from pebble import ProcessPool

        self.output_dir, self.timeout = output_dir, timeout
        # Fresh interpreters, not forks: forking a driver that already runs threads (pebble's own,
        # a test runner's) can leave a child holding a lock nobody will release.
        self._pool = ProcessPool(max_workers=jobs, initializer=_start_worker,
                                 context=multiprocessing.get_context("spawn"))
        self._futures: dict[Any, tuple[Job, float]] = {}

    def submit(self, job: Job) -> None:
        future = self._pool.schedule(render_job, args=(job, str(self.output_dir), int(self.timeout)),
                                     timeout=self.timeout)
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
            error = f"превышено время на справку ({self.timeout:.0f} с), процесс остановлен"
        except ProcessExpired as exc:
            error = f"процесс справки завершился аварийно (код {exc.exitcode})"
        except Exception as exc:  # an error outside render_briefing's own handling
            error = f"{type(exc).__name__}: {exc}"
        return failed_entry(job, error, time.monotonic() - started)

    def shutdown(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=10)


class DaskExecutor:
    """The same interface on a Dask cluster (``EXECUTOR=dask DASK_SCHEDULER=host:port``)."""

    def __init__(self, output_dir: Path, *, address: str, timeout: float):
        from distributed import Client

        self.output_dir, self.timeout = output_dir, timeout
        self._client = Client(address)
        self._futures: dict[Any, tuple[Job, float]] = {}

    def submit(self, job: Job) -> None:
        future = self._client.submit(render_job, job, str(self.output_dir), int(self.timeout),
                                     pure=False)
        self._futures[future] = (job, time.monotonic())

    def outcomes(self) -> Iterator[Outcome]:
        from distributed import as_completed as dask_completed

        for future in dask_completed(list(self._futures)):
            job, started = self._futures.pop(future)
            try:
                entry = dict(future.result())
            except Exception as exc:
                entry = failed_entry(job, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
            yield Outcome(job, entry)

    def shutdown(self) -> None:
        self._client.close()
