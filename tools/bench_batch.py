"""The whole batch at scale: how many briefings it plans, what one costs, the projection.

``python tools/bench_batch.py [--batch weekly] [--sample 12] [--workers 2] [--cores 16]``

Plans the batch on the warehouse of ``WAREHOUSE``/``DATA_DIR`` (on the national load data:
every region's school-level briefings, thousands), renders a sample of it — the same number of
each kind, spread evenly over the plan — with the suite's engine into a temporary folder, and
prints the count per kind, the seconds per briefing of each kind (a worker's time, from the
manifest) and the projected wall time of the whole batch on ``--cores`` workers:
``Σ count × seconds / cores`` plus one worker start. A figure, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from helpers.batch.executors import LocalExecutor
from helpers.batch.plan import Job, plan_batch
from helpers.batch.run import run_batch
from helpers.config import settings
from helpers.vocabulary import fmt_int


def sample(jobs: list[Job], per_kind: int) -> list[Job]:
    """``per_kind`` jobs of each kind, evenly spaced over the kind's jobs in plan order."""
    chosen = []
    for kind in dict.fromkeys(job.kind.name for job in jobs):
        mine = [job for job in jobs if job.kind.name == kind]
        step = max(1, len(mine) // per_kind)
        chosen += mine[::step][:per_kind]
    return chosen


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} ч" if seconds >= 3600 else f"{seconds / 60:.0f} мин"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/bench_batch.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--batch", default="weekly")
    parser.add_argument("--sample", type=int, default=12, help="briefings of the sample in all")
    parser.add_argument("--workers", type=int, default=2, help="workers rendering the sample")
    parser.add_argument("--cores", type=int, default=16, help="cores of the projection")
    args = parser.parse_args(argv)
    config = settings()
    started = time.perf_counter()
    jobs = plan_batch(args.batch)
    planning = time.perf_counter() - started
    counts = Counter(job.kind.name for job in jobs)
    chosen = sample(jobs, max(1, args.sample // max(1, len(counts))))
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        summary = run_batch("bench-batch", chosen, output_dir=folder, warehouse=config.warehouse,
                            force=True, make_executor=lambda: LocalExecutor(
                                folder, jobs=args.workers, timeout=900))
        wall = time.perf_counter() - started
        entries = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["briefings"]
    if summary.failed:
        sys.stderr.write("\n".join(summary.failures) + "\n")
        return 1
    seconds: dict[str, list[float]] = {}
    for entry in entries:
        seconds.setdefault(entry["kind"], []).append(float(entry["duration_s"]))
    per_kind = {kind: sum(values) / len(values) for kind, values in seconds.items()}
    work = sum(counts[kind] * per_kind[kind] for kind in counts)
    start = max(0.0, wall - sum(sum(v) for v in seconds.values()) / args.workers)
    projected = work / args.cores + start
    lines = [f"пакет «{args.batch}» на {config.warehouse}: справок {fmt_int(len(jobs))} "
             f"(план за {planning:.1f} с)"]
    lines += [f"  {kind}: {fmt_int(counts[kind])} × {per_kind[kind]:.2f} с" for kind in counts]
    lines.append(f"выборка: {len(chosen)} справок на {args.workers} процессах за {wall:.0f} с "
                 f"(запуск процесса ≈{start:.0f} с)")
    lines.append(f"весь пакет: ≈{_duration(work)} работы одного процесса; на {args.cores} "
                 f"ядрах ≈{_duration(projected)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
