"""``make bench``: the same N briefings rendered the naive way, the suite's way, and the floor.

- naive: per briefing, the ``papermill`` CLI, then ``jupyter nbconvert --to html --no-input``,
  then ``chromium --headless --print-to-pdf`` (nbconvert's own ``webpdf`` needs a browser
  download this machine cannot make);
- suite: the batch engine (long-lived workers, one Chromium per worker) with ``JOBS`` workers;
- floor: the same computations and charts in one plain Python process, no notebooks.

Prints seconds per briefing for each and the ratios, measured in one run on this machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from helpers.batch.executors import LocalExecutor
from helpers.batch.plan import Job, plan_batch
from helpers.batch.run import run_batch
from helpers.config import settings

VENV_BIN = Path(sys.executable).parent


def _run(command: list[str], **kwargs: object) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   **kwargs)  # type: ignore[call-overload]


def naive(jobs: list[Job], folder: Path) -> None:
    """Render each briefing with the command-line tools, one process after another."""
    for job in jobs:
        stem = folder / f"{job.kind.name}_{job.territory.code}"
        command = [str(VENV_BIN / "papermill"), str(job.kind.notebook), f"{stem}.ipynb",
                   "--cwd", str(job.kind.notebook.parent)]
        for name, value in job.parameters.items():
            command += ["-r" if isinstance(value, str) else "-p", name, str(value)]
        _run(command)
        _run([str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", f"{stem}.ipynb"])
        _run([settings().chromium, "--headless", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--no-first-run", "--disable-dev-shm-usage", "--no-pdf-header-footer",
              f"--user-data-dir={folder / 'chromium-profile'}",
              f"--print-to-pdf={stem}.pdf", f"{stem}.html"])


def suite(jobs: list[Job], folder: Path, workers: int) -> None:
    """Render with the batch engine (FORCE: nothing is skipped)."""
    config = settings()
    summary = run_batch("bench", jobs, output_dir=folder, warehouse=config.warehouse, force=True,
                        make_executor=lambda: LocalExecutor(folder, jobs=workers, timeout=600))
    if summary.failed:
        raise RuntimeError(f"bench: {summary.failed} briefings failed: {summary.failures}")


def floor(jobs: list[Job]) -> None:
    """The same figures, tables and charts in this process, without notebooks or conversion."""
    from io import StringIO

    import matplotlib.pyplot as plt

    from helpers.briefings.regional_ranking import READS, build, present
    from helpers.presentation import charts, tables
    from helpers.warehouse import slices

    charts.apply_style()
    frames = slices.read(READS, "", settings().warehouse)
    for job in jobs:
        data = build.build(frames, highlight_region=job.parameters.get("highlight_region", ""))
        for figure in (present.plan_fact_chart(data), present.trend_chart(data),
                       present.district_chart(data)):
            figure.savefig(StringIO(), format="svg")
            plt.close(figure)
        tables.html_view(present.ranking_table(data), present.RANKING_FORMATS,
                         present.RANKING_STATUS_COLUMNS)
        tables.html_view(present.district_table(data), present.DISTRICT_FORMATS,
                         present.DISTRICT_STATUS_COLUMNS)


def _timed(step: Callable[[], None]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N") or 20))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS") or os.cpu_count() or 1))
    args = parser.parse_args(argv)
    jobs = plan_batch("weekly")[1: args.n + 1]  # region cards: the kind a batch has most of
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "naive").mkdir()
        seconds = {
            "floor (one process, no notebooks)": _timed(lambda: floor(jobs)),
            f"suite ({args.jobs} workers)": _timed(lambda: suite(jobs, root / "suite", args.jobs)),
            "naive (papermill + nbconvert CLI + chromium)": _timed(lambda: naive(jobs, root / "naive")),
        }
    naive_s = seconds["naive (papermill + nbconvert CLI + chromium)"]
    lines = [f"Бенчмарк: {len(jobs)} справок regional_ranking (карточки регионов), "
             f"{os.cpu_count()} ядра", f"{'способ':<46} {'с/справку':>10} {'× к наивному':>13}"]
    for name, total in seconds.items():
        lines.append(f"{name:<46} {total / len(jobs):>10.2f} {naive_s / total:>13.1f}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
