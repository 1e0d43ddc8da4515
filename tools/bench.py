"""``make bench``: the same briefings rendered the naive way, the suite's way and the floor, like for like.

- naive: per briefing, the ``papermill`` CLI, then ``jupyter nbconvert --to html --no-input``,
  then ``chromium --headless --print-to-pdf`` — run ``JOBS`` at a time, as ``xargs -P JOBS`` or
  ``make -j JOBS`` would (nbconvert's own ``webpdf`` needs a browser download this machine cannot
  make);
- suite: the batch engine (long-lived workers, one warm kernel and one Chromium per worker) with
  the same ``JOBS`` workers, and once more with 1 worker (scaling);
- floor: in one plain Python process, each notebook's code cells executed with the briefing's
  parameters (no kernel, no papermill, no nbconvert), its figures saved as SVG, then the suite's
  HTML of the briefing printed to PDF on one reused Playwright page.

``BENCH_KINDS``: ``all`` (default: region cards, municipality scorecards, readiness, diary),
``regional_ranking`` or a comma-separated list; ``BENCH_N`` per kind (default 2; fewer when the
demo has fewer). Prints seconds per briefing (wall, at the given parallelism)
and core-seconds per briefing (user + system CPU of every process involved) for each way, the
ratios, the suite's time by stage, throughput with 1 and with ``JOBS`` workers and the memory per
worker. The machine may be shared: compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.batch.executors import LocalExecutor
from helpers.batch.plan import Job, plan_batch
from helpers.batch.run import Summary, run_batch
from helpers.config import settings

VENV_BIN = Path(sys.executable).parent
ALL_KINDS = ("regional_ranking", "municipality_scorecard", "migration_readiness",
             "diary_authorization_gaps")
STAGES = ("worker_start", "execute", "html", "pdf", "xlsx", "publish", "catalog")


@dataclass
class Measured:
    wall: float = 0.0
    cpu: float = 0.0  # user + system seconds of this process and its waited-for children
    per_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    peak_rss_mb: float = 0.0


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextlib.contextmanager
def measured(result: Measured, *, sample_memory: bool = False) -> Iterator[None]:
    """Wall and CPU seconds of the block; with ``sample_memory``, the peak resident memory of
    this process's descendants (the workers, their kernels and browsers), sampled every 0.2 s."""
    import psutil

    stop = threading.Event()
    seen: dict[int, float] = {}  # descendant → its CPU seconds when last sampled

    def sample() -> None:
        me = psutil.Process()
        while not stop.wait(0.2):
            total = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
                    times = child.cpu_times()
                    seen[child.pid] = times.user + times.system
            result.peak_rss_mb = max(result.peak_rss_mb, total / 2**20)

    sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
    if sampler:
        sampler.start()
    started, cpu = time.perf_counter(), _cpu()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu = mine.ru_utime + mine.ru_stime
    try:
        yield
    finally:
        stop.set()
        if sampler:
            sampler.join()
        own = resource.getrusage(resource.RUSAGE_SELF)
        # workers that are not waited for (a pool's, their kernels and browsers) are not in
        # RUSAGE_CHILDREN: their sampled CPU time is the better count then
        result.wall = time.perf_counter() - started
        result.cpu = max(_cpu() - cpu, own.ru_utime + own.ru_stime - own_cpu + sum(seen.values()))


def _run(command: list[str], **kwargs: Any) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


def naive_one(job: Job, folder: Path, index: int) -> float:
    """One briefing with the command-line tools (what a shell loop would run); its seconds."""
    started = time.perf_counter()
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
          f"--user-data-dir={folder / f'chromium-profile-{index}'}",  # one per parallel slot
          f"--print-to-pdf={stem}.pdf", f"{stem}.html"])
    return time.perf_counter() - started


def naive(jobs: list[Job], folder: Path, workers: int, result: Measured) -> None:
    """The naive commands, ``workers`` briefings at a time (``xargs -P``)."""
    folder.mkdir(parents=True, exist_ok=True)
    with measured(result), ThreadPoolExecutor(workers) as pool:
        seconds = list(pool.map(lambda item: naive_one(item[1], folder, item[0] % workers),
                                enumerate(jobs)))
    for job, spent in zip(jobs, seconds, strict=True):
        result.per_kind[job.kind.name].append(spent)


def suite(jobs: list[Job], folder: Path, workers: int, result: Measured) -> Summary:
    """The batch engine (FORCE: nothing is skipped)."""
    config = settings()
    with measured(result, sample_memory=True):
        summary = run_batch("bench", jobs, output_dir=folder, warehouse=config.warehouse, force=True,
                            make_executor=lambda: LocalExecutor(folder, jobs=workers, timeout=900))
    if summary.failed:
        raise RuntimeError(f"bench: {summary.failed} briefings failed: {summary.failures}")
    for timing in summary.timings:
        result.per_kind[str(timing["kind"])].append(
            sum(float(v) for k, v in timing.items() if k not in ("kind", "worker_start")))
    return summary


def _injected(job: Job) -> str:
    """The parameters as papermill would inject them."""
    return "\n".join(f"{name} = {value!r}" for name, value in job.parameters.items())


def _code_cells(notebook: Path) -> list[tuple[str, bool]]:
    """Each code cell's source, and whether it is the parameters cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [("".join(c["source"]) if isinstance(c["source"], list) else c["source"],
             "parameters" in c.get("metadata", {}).get("tags", []))
            for c in cells if c["cell_type"] == "code"]


def floor_compute(job: Job) -> float:
    """The notebook's code with the job's parameters, in this process, figures saved as SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    started = time.perf_counter()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    cwd = os.getcwd()
    os.chdir(job.kind.notebook.parent)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for index, (code, parameters) in enumerate(_code_cells(job.kind.notebook)):
                cell = compile(code, f"{job.kind.notebook.name}[{index}]", "exec")
                exec(cell, namespace)  # noqa: S102 -- our own notebooks
                if parameters:
                    exec(_injected(job), namespace)  # noqa: S102 -- values from the plan
            for number in plt.get_fignums():
                plt.figure(number).savefig(io.StringIO(), format="svg")
            plt.close("all")
    finally:
        os.chdir(cwd)
    return time.perf_counter() - started


def floor(jobs: list[Job], suite_dir: Path, result: Measured) -> None:
    """Computation floor plus printing the suite's HTML of each briefing on one reused page."""
    from playwright.sync_api import sync_playwright

    from helpers.render.pdf import FOOTER_TEMPLATE, PAGE_MARGINS, header_template

    html = {p.stem: p for p in suite_dir.rglob("*.html") if p.name != "index.html"}
    with measured(result), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=settings().chromium,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = browser.new_page()
        for job in jobs:
            spent = floor_compute(job)
            started = time.perf_counter()
            mine = [p for stem, p in html.items()
                    if f"/{job.kind.name}/" in p.as_posix() and f"/{job.territory.code}/" in p.as_posix()]
            if mine:
                page.goto(mine[0].resolve().as_uri(), wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                page.pdf(format="A4", margin=PAGE_MARGINS, display_header_footer=True,
                         header_template=header_template(job.kind.title),
                         footer_template=FOOTER_TEMPLATE, print_background=True, tagged=True,
                         outline=True)
            result.per_kind[job.kind.name].append(spent + time.perf_counter() - started)
        browser.close()


def pick(kinds: list[str], per_kind: int) -> list[Job]:
    """Up to ``per_kind`` jobs of each kind from the weekly batch (the kinds a batch renders)."""
    planned = plan_batch("weekly")
    jobs: list[Job] = []
    for kind in kinds:
        of_kind = [j for j in planned if j.kind.name == kind]
        if kind == "regional_ranking":
            of_kind = [j for j in of_kind if j.territory.code != "RU"] or of_kind  # region cards
        jobs += of_kind[:per_kind]
    return jobs


def _stage_table(summary: Summary) -> list[str]:
    totals: dict[str, float] = defaultdict(float)
    for timing in summary.timings:
        for stage, value in timing.items():
            if stage != "kind":
                totals[stage] += float(value)
    totals["catalog"] = summary.catalog_s
    n = max(1, len(summary.timings))
    whole = sum(totals.values()) or 1.0
    lines = [f"Время комплекта по этапам (в процессах-исполнителях, на справку; {n} справок):"]
    for stage in STAGES:
        if stage in totals:
            lines.append(f"  {stage:<13} {totals[stage] / n:>6.2f} с  {100 * totals[stage] / whole:>4.0f} %")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N") or 2))
    parser.add_argument("--kinds", default=os.environ.get("BENCH_KINDS") or "all")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS") or os.cpu_count() or 1))
    args = parser.parse_args(argv)
    kinds = list(ALL_KINDS) if args.kinds == "all" else [k.strip() for k in args.kinds.split(",")]
    jobs = pick(kinds, args.n)
    workers = args.jobs
    n = len(jobs)
    ways: dict[str, Measured] = {}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        ways["suite"] = Measured()
        summary = suite(jobs, root / "suite", workers, ways["suite"])
        ways["floor"] = Measured()
        floor(jobs, root / "suite", ways["floor"])
        ways["naive"] = Measured()
        naive(jobs, root / "naive", workers, ways["naive"])
        one = Measured()
        suite(jobs, root / "suite1", 1, one) if workers > 1 else None
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    names = {"naive": f"наивный (papermill + nbconvert + chromium CLI), {workers} параллельно",
             "suite": f"комплект, {workers} исполнителя",
             "floor": "пол (код в одном процессе + PDF на той же странице)"}
    lines = [f"Бенчмарк: {n} справок ({', '.join(kinds)}), {workers} исполнителя, ядер {cores}, "
             f"нагрузка машины {load:.1f} (машина может быть общей)",
             f"{'способ':<62} {'с/справку':>9} {'ядро·с/справку':>15} {'× наивный':>10} "
             f"{'ядро·с к полу':>14}"]
    for key in ("naive", "suite", "floor"):
        way = ways[key]
        lines.append(f"{names[key]:<62} {way.wall / n:>9.2f} {way.cpu / n:>15.2f} "
                     f"{ways['naive'].wall / way.wall:>10.1f} {way.cpu / ways['floor'].cpu:>14.2f}")
    lines.append("«× наивный»: во сколько раз быстрее наивного при том же числе процессов (по "
                 "времени); «ядро·с к полу»: процессорное время на справку относительно пола")
    lines.append("по видам (с на справку: наивный — задержка при параллельной работе; комплект — "
                 "сумма этапов в исполнителе, без запуска; пол — код + PDF):")
    for kind in kinds:
        parts = [sum(ways[k].per_kind[kind]) / max(1, len(ways[k].per_kind[kind]))
                 for k in ("naive", "suite", "floor")]
        if parts[1]:
            lines.append(f"  {kind:<26} наивный {parts[0]:>6.2f}  комплект {parts[1]:>6.2f}  "
                         f"пол {parts[2]:>6.2f}  × наивный {parts[0] / parts[1]:>5.1f}  "
                         f"× пол {parts[1] / max(parts[2], 1e-9):>5.2f}")
    lines += _stage_table(summary)
    if workers > 1:
        lines.append(f"Масштабирование: 1 исполнитель {n / one.wall:.2f} справки/с, {workers} — "
                     f"{n / ways['suite'].wall:.2f} справки/с (×{one.wall / ways['suite'].wall:.2f}); "
                     f"один исполнитель (его ядро Python, Chromium, потоки DuckDB и pyarrow) уже "
                     f"занимает {one.cpu / one.wall:.2f} ядра, {workers} — "
                     f"{ways['suite'].cpu / ways['suite'].wall:.2f} из {cores}; "
                     f"память на исполнителя (с ядром и Chromium) "
                     f"≈{ways['suite'].peak_rss_mb / workers:.0f} МБ")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
