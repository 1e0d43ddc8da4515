"""A worker's side of a batch, the same in both pools: render one job into the worker's own
scratch folder and hand its files back to the driver.

Workers never write into the output folder. A job renders with the ordinary pipeline into a
scratch folder of its own and returns the files it made: their paths when the worker shares the
driver's disk (the local pool, whose scratch folder is ``<output>/.scratch``, so publishing is a
rename), their bytes when it does not (a Dask worker on another machine). The driver publishes
them with :func:`helpers.render.publish.publish_files` — one code path for both pools.
"""

from __future__ import annotations

import gc
import multiprocessing.util
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers.batch.plan import Job

TIMINGS = "timings"  # seconds per stage of an outcome (taken off before the manifest; make bench)
FILES = "files"  # relative output path → bytes or a path in the scratch folder (taken off too)
SCRATCH = "scratch"  # the job's scratch folder on the driver's disk, removed once published
SCRATCH_DIR = ".scratch"  # the local pool's scratch folder inside the output folder
# Seconds a briefing's kernel and browser get to die after its time is up before the worker
# process itself is ended (a render stuck outside them).
KILL_GRACE_S = 30.0

_printer: Any = None
_kernel: Any = None
_kernel_warehouse: str | None = None  # the WAREHOUSE the warm kernel was started with
_start_s = 0.0  # this worker's start-up (imports, Chromium, kernel), reported with its first job


# Optional modules a worker never uses but would import: jsonschema (under nbformat) builds a
# parser for its «iri» format check when rfc3987_syntax is installed (≈1 s of a worker's ≈2 s
# start-up); nbformat's notebook checks do not use format checks.
SKIPPED_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


def skip_optional_imports() -> None:
    """Make the modules of :data:`SKIPPED_OPTIONAL_IMPORTS` look absent to this process's later
    imports (those already imported stay)."""
    for name in SKIPPED_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: «not installed»


def kill_children() -> None:
    """Kill this process's descendants: the briefing's kernel and Chromium."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass


def _kill_children_and_exit(signum: int, _frame: object) -> None:
    """A local worker stopped for a timeout takes its kernel and browser with it."""
    kill_children()
    os._exit(128 + signum)


def warm_up() -> None:
    """Pay the renderer's imports once per worker, not once per briefing."""
    global _start_s
    started = time.perf_counter()
    skip_optional_imports()
    import helpers.render.pipeline  # noqa: F401
    from helpers.render.html import briefing_exporter

    briefing_exporter()
    # what the imports made lives as long as the worker: out of the cycle collector's reach, the
    # full collections while rendering (nbconvert's copies, openpyxl) walk only the briefing's
    # objects (HTML + Excel ≈ 18 % faster, measured on the demo's briefings)
    gc.collect()
    gc.freeze()
    _start_s += time.perf_counter() - started


def start_local_worker() -> None:
    """A local pool's worker: the driver decides what an interrupt stops; a timeout's SIGTERM
    takes the kernel and browser along."""
    signal.signal(signal.SIGTERM, _kill_children_and_exit)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()


def close_worker_resources() -> None:
    """Stop this worker's kernel and Chromium (either may already be dead)."""
    global _printer, _kernel
    kernel, printer, _kernel, _printer = _kernel, _printer, None, None
    for resource in (kernel, printer):
        if resource is not None:
            try:
                resource.close()
            except Exception:  # noqa: S110 -- a killed kernel or browser has nothing left to close
                pass


def _use_warehouse(warehouse: str | None) -> None:
    """Point this worker's kernels at ``warehouse`` (a cluster worker's copy of the driver's
    version); a warm kernel started with another one is stopped, the next starts with it."""
    global _kernel_warehouse
    if warehouse is None:
        return
    os.environ["WAREHOUSE"] = warehouse
    if _kernel is not None and _kernel_warehouse != warehouse:
        _kernel.close()
    _kernel_warehouse = warehouse


def _resources() -> tuple[Any, Any]:
    """This worker's Chromium and warm kernel, started on its first briefing."""
    global _printer, _kernel, _start_s
    from helpers.render.execute import WarmKernel
    from helpers.render.pdf import PdfPrinter

    if _printer is None:
        started = time.perf_counter()
        _printer = PdfPrinter()
        _printer.__enter__()
        _kernel = WarmKernel()
        # stopped when the worker ends normally (a pool's shutdown), so the kernel does not
        # outlive it and log «Parent appears to have exited»
        multiprocessing.util.Finalize(None, close_worker_resources, exitpriority=10)
        _start_s += time.perf_counter() - started
    return _printer, _kernel


class Deadline:
    """The per-briefing time limit inside a worker that cannot be killed from outside (a Dask
    worker): when it passes, the briefing's kernel and Chromium are killed, so the render fails
    at once; a render still running :data:`KILL_GRACE_S` later ends the worker process (its
    nanny starts a new one). Dask has no per-task timeout of its own."""

    def __init__(self, seconds: float | None):
        self.seconds, self.expired = seconds, False
        self._timers: list[threading.Timer] = []

    def _expire(self) -> None:
        self.expired = True
        kill_children()

    def __enter__(self) -> Deadline:
        if self.seconds:
            self._timers = [threading.Timer(self.seconds, self._expire),
                            threading.Timer(self.seconds + KILL_GRACE_S, os._exit, args=(70,))]
            for timer in self._timers:
                timer.daemon = True
                timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        for timer in self._timers:
            timer.cancel()


def timeout_error(seconds: float) -> str:
    """The manifest's error for a briefing stopped at its time limit."""
    return f"превышено время на справку ({seconds:.0f} с), процесс остановлен"


@contextmanager
def _scratch(root: Path, keep: bool) -> Iterator[Path]:
    """A new scratch folder for one job under ``root``; removed afterwards unless ``keep``."""
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=root))
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


def _files(scratch: Path, outputs: dict[str, str], as_bytes: bool) -> dict[str, bytes | str]:
    """The job's rendered files: relative path → bytes, or → the file's path in ``scratch``."""
    return {relative: (scratch / relative).read_bytes() if as_bytes else str(scratch / relative)
            for relative in outputs.values()}


def render_job(job: Job, scratch_root: str, cell_timeout: int | None, *, as_bytes: bool = False,
               time_limit: float | None = None, warehouse: str | None = None) -> dict[str, Any]:
    """Render one briefing in this worker into a scratch folder under ``scratch_root``.

    Args:
        job: the briefing.
        scratch_root: where this worker may write (inside the output folder for the local pool,
            the worker's own folder on a cluster).
        cell_timeout: seconds per notebook cell.
        as_bytes: return the files' bytes (and remove the scratch folder) instead of paths.
        time_limit: seconds for the whole briefing, enforced here (see :class:`Deadline`).
        warehouse: the warehouse file the notebook reads (``WAREHOUSE``); ``None``: as inherited.

    Returns:
        The manifest entry, with :data:`TIMINGS`, :data:`FILES` and (paths only) :data:`SCRATCH`.
    """
    global _start_s
    from helpers.render.pipeline import render_briefing

    _use_warehouse(warehouse)
    printer, kernel = _resources()
    with _scratch(Path(scratch_root), keep=not as_bytes) as scratch:
        with Deadline(time_limit) as deadline:
            result = render_briefing(
                job.kind.notebook, job.parameters, kind=job.kind.name, territory=job.territory.code,
                territory_name=job.territory.name, title=job.kind.title, printer=printer,
                output_dir=scratch, update_catalog=False, timeout=cell_timeout, kernel=kernel,
            )
        entry = result.entry()
        if deadline.expired:  # the kernel and browser were killed: the next briefing starts new ones
            close_worker_resources()
            if entry["status"] != "ok":
                entry["error"] = timeout_error(time_limit or 0)
        files = _files(scratch, entry["outputs"], as_bytes)
    timings = dict(result.timings)
    if _start_s:
        timings["worker_start"], _start_s = round(_start_s, 3), 0.0
    return {**entry, TIMINGS: timings, FILES: files, **({} if as_bytes else {SCRATCH: str(scratch)})}
