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
from collections import Counter
from pathlib import Path
from typing import Any, NoReturn

from helpers import cli
from helpers.batch import territories
from helpers.batch.cluster import ClusterRefused, DaskExecutor
from helpers.batch.executors import Executor, LocalExecutor
from helpers.batch.plan import PlanError, check_period, load_kinds, plan_batch, plan_single, tables_read
from helpers.batch.run import BatchBusy, run_batch
from helpers.config import settings
from helpers.warehouse import store

EXIT_PLAN = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: another batch holds the output folder; try again later
DEFAULT_TIMEOUT = 300
MAX_JOBS, MAX_TIMEOUT = 64, 24 * 3600
EXECUTORS = ("local", "dask")


class _Parser(argparse.ArgumentParser):
    """argparse that ends a bad value in one line and exit code 2 (no usage block)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"План не составлен: {message}\n")
        raise SystemExit(EXIT_PLAN)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", default=os.environ.get("BATCH") or "weekly",
                        help="пакет из params/batches/ (по умолчанию weekly)")
    parser.add_argument("--region", default=os.environ.get("REGION", ""),
                        help="только справки по этому региону")
    parser.add_argument("--kind", default=os.environ.get("KIND", ""), help="вид справки")
    parser.add_argument("--territory", default=os.environ.get("TERRITORY", ""),
                        help="код территории (RU, код региона или ОКТМО)")
    parser.add_argument("--force", action="store_true", default=os.environ.get("FORCE") == "1")
    parser.add_argument("--jobs", type=_jobs, default=os.environ.get("JOBS") or str(os.cpu_count() or 1),
                        help="параллельных процессов (1…64)")
    parser.add_argument("--timeout", type=_timeout,
                        default=os.environ.get("TIMEOUT") or str(DEFAULT_TIMEOUT),
                        help="секунд на одну справку")
    parser.add_argument("--executor", type=_executor, default=os.environ.get("EXECUTOR") or "local",
                        help="local или dask")
    parser.add_argument("--dask-scheduler", default=os.environ.get("DASK_SCHEDULER", ""))
    parser.add_argument("--kinds", action="store_true",
                        help="перечислить виды справок: уровни территорий, что читает каждый")
    parser.add_argument("--territories", nargs="?", const="", default=None, metavar="НАЗВАНИЕ",
                        help="перечислить коды территорий (с НАЗВАНИЕМ — только подходящие)")
    return parser.parse_args(argv)


def kinds_text() -> str:
    """Every declared kind: its name for KIND=, title, levels, tables and files it reads."""
    lines = []
    for kind in load_kinds().values():
        files = ", ".join(item.shown_path for item in kind.inputs) or "—"
        lines += [f"{kind.name} — {kind.title}",
                  f"    уровни: {', '.join(kind.levels)}; блокнот: {kind.notebook.name}",
                  f"    читает: {tables_read(kind)}; файлы: {files}"]
    return "\n".join(lines) + "\n"


def reasons_text(reasons: list[dict[str, Any]], listed: int = 12) -> str:
    """Why briefings are rendered: each one when few, else how many for each reason."""
    if not reasons:
        return ""
    if len(reasons) <= listed:
        return "".join(f"→ {r['briefing']}: {'; '.join(r['why'])}\n" for r in reasons)
    counts = Counter("; ".join(r["why"]) for r in reasons)
    return "".join(f"→ {why}: справок {count}\n" for why, count in counts.most_common())


def _jobs(text: str) -> int:
    """JOBS: a whole number of workers, 1…64."""
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_JOBS:
        raise argparse.ArgumentTypeError(
            f"JOBS={text!r}: ожидается целое число от 1 до {MAX_JOBS} / JOBS must be 1…{MAX_JOBS}")
    return int(value)


def _executor(text: str) -> str:
    """EXECUTOR: ``local`` or ``dask`` (argparse does not check a default against choices)."""
    if text.strip() not in EXECUTORS:
        raise argparse.ArgumentTypeError(
            f"EXECUTOR={text!r}: ожидается {' или '.join(EXECUTORS)} / EXECUTOR must be local or dask")
    return text.strip()


def _timeout(text: str) -> float:
    """TIMEOUT: seconds per briefing, a positive number."""
    try:
        value = float(text.strip())
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"TIMEOUT={text!r}: ожидается число секунд от 1 до {MAX_TIMEOUT} / TIMEOUT must be "
            f"seconds, 1…{MAX_TIMEOUT}")
    return value


def _check_chromium(configured: str) -> None:
    """``CHROMIUM``, when set, must be an executable file (checked before any kernel starts)."""
    if configured and not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
        raise PlanError([f"CHROMIUM={configured}: такого исполняемого файла нет; укажите путь к "
                         f"Chromium или уберите CHROMIUM / CHROMIUM is not an executable file"])


def _executor_factory(args: argparse.Namespace, output_dir: Path, warehouse: Path):  # noqa: ANN202
    def make() -> Executor:
        if args.executor == "dask":
            return DaskExecutor(output_dir, address=args.dask_scheduler, timeout=args.timeout,
                                warehouse=warehouse, note=_warn)
        return LocalExecutor(output_dir, jobs=max(1, args.jobs), timeout=args.timeout)

    return make


def _warn(line: str) -> None:
    sys.stderr.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.kinds:
        sys.stdout.write(kinds_text())
        return 0
    if args.territories is not None:
        sys.stdout.write(territories.territories_text(args.territories))
        return 0
    config = settings()
    common = {"period": config.period} if config.period else {}
    unplanned: list[str] = []  # lines of the batch that give no briefing: told once every check holds
    try:
        if args.kind or args.territory:
            jobs = plan_single(args.kind, args.territory or "RU", common=common)
            name = f"{args.kind}:{args.territory}"
        else:
            jobs = plan_batch(args.batch, common=common, region=args.region, note=unplanned.append)
            name = args.batch + (f" (регион {args.region})" if args.region else "")
        if config.period:
            check_period(config.period, store.snapshot_range(config.warehouse))
        _check_chromium(os.environ.get("CHROMIUM", "").strip())
        if args.executor == "dask" and not args.dask_scheduler.strip():
            raise PlanError(["EXECUTOR=dask: укажите планировщик, DASK_SCHEDULER=host:port "
                             "(make cluster-scheduler его запускает) / DASK_SCHEDULER is required"])
    except (PlanError, ValueError) as exc:
        sys.stderr.write(f"План не составлен:\n{exc}\n")
        return EXIT_PLAN
    for line in unplanned:
        _warn(line)
    try:
        summary = run_batch(name, jobs, output_dir=config.output_dir, warehouse=config.warehouse,
                            force=args.force, note=_warn,
                            make_executor=_executor_factory(args, config.output_dir, config.warehouse))
    except BatchBusy as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_BUSY
    except ClusterRefused as exc:
        sys.stderr.write(f"Кластер не принял пакет: {exc}\n")
        return EXIT_PLAN
    sys.stdout.write(reasons_text(summary.reasons))
    for failure in summary.failures:
        sys.stderr.write(f"✖ {failure}\n")
    sys.stdout.write(summary.text() + f"\nКаталог: {config.output_dir / 'index.html'}\n")
    return summary.exit_code


if __name__ == "__main__":
    raise SystemExit(cli.run(main, log_dir=settings().output_dir / "logs"))
