"""Ingestion time and peak memory at the country's scale (the figure ``make bench`` prints).

``python tools/bench_ingest.py [--data-dir data/national] [--generate] [--jobs 2] [--keep W]
[--baseline REV [--rounds 2]]``

Generates the demo's national load mode into ``--data-dir`` when it has no regions yet (or with
``--generate``), then validates and ingests it into a temporary warehouse in a fresh process,
and prints the seconds, the core-seconds, the peak resident memory and what was loaded. The
project's own warehouse is not touched. A figure, not a test: nothing fails on a slow machine.

With ``--baseline REV`` the code of that git revision (the whole tree, taken with ``git
archive``) is measured too, its runs alternating with the working tree's, and the ratios of the
medians are printed: runs of the same code on a shared machine differ by up to a tenth, so only
figures of one sitting compare.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers.config import PROJECT_ROOT
from helpers.vocabulary import fmt_int

DEFAULT_DIR = PROJECT_ROOT / "data" / "national"
TARGET_SECONDS, TARGET_MB = 120, 3 * 1024  # the national ingestion's goal on a 2-core machine


@dataclass
class Measurement:
    """One ingestion: seconds, core-seconds (CPU of the process and its workers), peak RSS (MB)
    of the process or of its largest worker, table sizes, success, warehouse bytes."""

    seconds: float = 0.0
    cpu: float = 0.0
    peak: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    ok: bool = False
    stored: int = 0


def _ingest(data_dir: str, warehouse: str) -> Measurement:
    """Ingest ``data_dir`` into ``warehouse`` in this (fresh) process and measure it."""
    os.environ["DATA_DIR"] = data_dir
    os.environ["WAREHOUSE"] = warehouse
    os.environ["OUTPUT_DIR"] = str(Path(warehouse).parent / "output")
    from helpers.config import settings
    from helpers.ingestion import ingest
    from helpers.warehouse import store

    started = time.perf_counter()
    result = ingest.run(settings())
    seconds = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak = max(u.ru_maxrss for u in usage) / 1024
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    sizes: dict[str, int] = {}
    if result.ok:
        with store.connect(Path(warehouse)) as con:
            for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
                (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
                sizes[table] = int(count)
    else:
        for problem in result.problems[:20]:
            sys.stderr.write(f"{problem}\n")
    stored = Path(warehouse).stat().st_size if Path(warehouse).exists() else 0
    return Measurement(seconds, cpu, peak, sizes, result.ok, stored)


def _measure(data_dir: Path, root: Path, keep: Path | None = None) -> Measurement:
    """One ingestion by the code of the project tree ``root``, in a fresh Python process (its
    ``src`` first on the path)."""
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        env = {**os.environ, "PYTHONPATH": str(root / "src")}
        done = subprocess.run([sys.executable, __file__, "--data-dir", str(data_dir),
                               "--one", str(warehouse)], env=env, stdout=subprocess.PIPE,
                              text=True, check=False)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            return Measurement()
        measured = Measurement(**json.loads(lines[-1]))
        if keep is not None and measured.ok:
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(warehouse), keep)
    return measured


def _checkout(revision: str, into: Path) -> Path:
    """The project's tree at ``revision`` (``git archive``), unpacked under ``into``."""
    archive = subprocess.run(["git", "-C", str(PROJECT_ROOT), "archive", revision],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _report(data_dir: Path, size: int, measured: Measurement, label: str = "") -> str:
    tables = ", ".join(f"{name} {fmt_int(n)}" for name, n in sorted(measured.sizes.items()))
    return (
        f"загрузка{label} {data_dir} ({size / 2**30:.1f} ГБ выгрузок): {measured.seconds:.0f} с, "
        f"{measured.cpu:.0f} ядро·с ({os.cpu_count()} ядра), пиковая память "
        f"{fmt_int(round(measured.peak))} МБ (RSS самого большого процесса), хранилище "
        f"{measured.stored / 2**30:.2f} ГБ\n  строк: {tables}\n"
    )


def _goal(measured: Measurement) -> str:
    return (f"  цель issue 9: ≤ {TARGET_SECONDS} с и ≤ {TARGET_MB // 1024} ГБ — время "
            f"{'достигнуто' if measured.seconds <= TARGET_SECONDS else 'не достигнуто'}, память "
            f"{'в пределах' if measured.peak <= TARGET_MB else 'выше предела'}\n")


def _compare(data_dir: Path, size: int, revision: str, rounds: int, keep: Path | None) -> int:
    """The baseline and the working tree measured in turn, ``rounds`` times each; the ratios
    of their medians (``keep``: where the working tree's last warehouse goes)."""
    runs: dict[str, list[Measurement]] = {revision: [], "рабочая копия": []}
    # one throw-away pseudonymisation key for both (the other tree has no .env of its own)
    os.environ.setdefault("SFERUM_SECRET", secrets.token_hex(32))
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        trees = {revision: _checkout(revision, Path(tmp)), "рабочая копия": PROJECT_ROOT}
        for number in range(1, rounds + 1):
            for label, root in trees.items():
                measured = _measure(data_dir, root, keep if root == PROJECT_ROOT else None)
                if not measured.ok:
                    sys.stderr.write(f"загрузка ({label}) не удалась\n")
                    return 2
                runs[label].append(measured)
                sys.stdout.write(_report(data_dir, size, measured, f" [{label}, {number}]"))
    base, new = ({key: statistics.median(getattr(m, key) for m in runs[label])
                  for key in ("seconds", "cpu", "peak")} for label in runs)
    sys.stdout.write(
        f"медианы из {rounds}: {revision} {base['seconds']:.0f} с, {base['cpu']:.0f} ядро·с, "
        f"{fmt_int(round(base['peak']))} МБ → рабочая копия {new['seconds']:.0f} с, "
        f"{new['cpu']:.0f} ядро·с, {fmt_int(round(new['peak']))} МБ; отношение (рабочая копия / "
        f"{revision}): время {new['seconds'] / base['seconds']:.2f}, ядро·с "
        f"{new['cpu'] / base['cpu']:.2f}, память {new['peak'] / base['peak']:.2f}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/bench_ingest.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--generate", action="store_true",
                        help="regenerate the national demo data even if present")
    parser.add_argument("--jobs", type=int, default=2, help="processes for the generation")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the warehouse there (for tools/bench_batch.py)")
    parser.add_argument("--baseline", metavar="REV", default=None,
                        help="also measure this git revision, in turn with the working tree")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each with --baseline")
    parser.add_argument("--one", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    if args.one is not None:  # a measuring process of _measure: one ingestion, as JSON
        sys.stdout.write(json.dumps(asdict(_ingest(str(data_dir), str(args.one)))) + "\n")
        return 0
    if args.generate or not (data_dir / "regions").is_dir():
        from helpers.demo.__main__ import main as generate

        started = time.perf_counter()
        generate(["--out", str(data_dir), "--scale", "national", "--jobs", str(args.jobs)])
        sys.stdout.write(f"генерация: {time.perf_counter() - started:.0f} с\n")
    size = sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
    if args.baseline:
        return _compare(data_dir, size, args.baseline, args.rounds, args.keep)
    measured = _measure(data_dir, PROJECT_ROOT, args.keep)
    if not measured.ok:
        sys.stderr.write("загрузка не удалась (см. ошибки выше)\n")
        return 2
    sys.stdout.write(_report(data_dir, size, measured) + _goal(measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
