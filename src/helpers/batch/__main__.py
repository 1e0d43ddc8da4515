"""Render briefings: ``python -m helpers.batch [--batch weekly] [--region 35] [--kind K --territory T]``.

Plans the batch from ``params/`` (every parameter checked before a kernel starts), skips what is
up to date, renders the rest in parallel, and prints a summary. Exit code 0 when every briefing
is fine, 1 when any failed, 2 when the plan is invalid, 75 when another batch holds the output
folder, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from helpers.batch.executors import DaskExecutor, Executor, LocalExecutor
from helpers.batch.plan import PlanError, plan_batch, plan_single
from helpers.batch.run import BatchBusy, run_batch
from helpers.config import settings

EXIT_PLAN = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: another batch holds the output folder; try again later
DEFAULT_TIMEOUT = 300


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", default=os.environ.get("BATCH") or "weekly",
                        help="пакет из params/batches/ (по умолчанию weekly)")
    parser.add_argument("--region", default=os.environ.get("REGION", ""),
                        help="только справки по этому региону")
    parser.add_argument("--kind", default=os.environ.get("KIND", ""), help="вид справки")
    parser.add_argument("--territory", default=os.environ.get("TERRITORY", ""),
                        help="код территории (RU, код региона или ОКТМО)")
    parser.add_argument("--force", action="store_true", default=os.environ.get("FORCE") == "1")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS") or os.cpu_count() or 1))
    parser.add_argument("--timeout", type=float,
                        default=float(os.environ.get("TIMEOUT") or DEFAULT_TIMEOUT),
                        help="секунд на одну справку")
    parser.add_argument("--executor", choices=("local", "dask"),
                        default=os.environ.get("EXECUTOR") or "local")
    parser.add_argument("--dask-scheduler", default=os.environ.get("DASK_SCHEDULER", ""))
    return parser.parse_args(argv)


def _executor_factory(args: argparse.Namespace, output_dir: Path):  # noqa: ANN202
    def make() -> Executor:
        if args.executor == "dask":
            return DaskExecutor(output_dir, address=args.dask_scheduler, timeout=args.timeout)
        return LocalExecutor(output_dir, jobs=max(1, args.jobs), timeout=args.timeout)

    return make


def _warn(line: str) -> None:
    sys.stderr.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    config = settings()
    common = {"period": config.period} if config.period else {}
    try:
        if args.kind or args.territory:
            jobs = plan_single(args.kind, args.territory or "RU", common=common)
            name = f"{args.kind}:{args.territory}"
        else:
            jobs = plan_batch(args.batch, common=common, region=args.region)
            name = args.batch + (f" (регион {args.region})" if args.region else "")
    except (PlanError, ValueError) as exc:
        sys.stderr.write(f"План не составлен:\n{exc}\n")
        return EXIT_PLAN
    try:
        summary = run_batch(name, jobs, output_dir=config.output_dir, warehouse=config.warehouse,
                            force=args.force, make_executor=_executor_factory(args, config.output_dir),
                            note=_warn)
    except BatchBusy as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_BUSY
    for failure in summary.failures:
        sys.stderr.write(f"✖ {failure}\n")
    sys.stdout.write(summary.text() + f"\nКаталог: {config.output_dir / 'index.html'}\n")
    return summary.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
