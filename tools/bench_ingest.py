"""Ingestion time and peak memory at the country's scale (the figure ``make bench`` prints).

``python tools/bench_ingest.py [--data-dir data/national] [--generate] [--jobs 2] [--keep W]``

Generates the demo's national load mode into ``--data-dir`` when it has no regions yet (or with
``--generate``), then validates and ingests it into a temporary warehouse in a fresh process,
and prints the seconds, the peak resident memory of that process and what was loaded. The
project's own warehouse is not touched. A figure, not a test: nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from helpers.config import PROJECT_ROOT
from helpers.vocabulary import fmt_int

DEFAULT_DIR = PROJECT_ROOT / "data" / "national"
TARGET_SECONDS, TARGET_MB = 120, 3 * 1024  # the national ingestion's goal on a 2-core machine


def _ingest(data_dir: str, warehouse: str) -> tuple[float, float, float, dict[str, int], bool]:
    """Run in a fresh process: seconds, core-seconds (CPU of it and its workers), peak RSS (MB)
    of this process or of its largest worker, table sizes, success."""
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
    return seconds, cpu, peak, sizes, result.ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/bench_ingest.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--generate", action="store_true",
                        help="regenerate the national demo data even if present")
    parser.add_argument("--jobs", type=int, default=2, help="processes for the generation")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the warehouse there (for tools/bench_batch.py)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    if args.generate or not (data_dir / "regions").is_dir():
        from helpers.demo.__main__ import main as generate

        started = time.perf_counter()
        generate(["--out", str(data_dir), "--scale", "national", "--jobs", str(args.jobs)])
        sys.stdout.write(f"генерация: {time.perf_counter() - started:.0f} с\n")
    size = sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            seconds, cpu, peak, sizes, ok = pool.submit(_ingest, str(data_dir), str(warehouse)).result()
        stored = warehouse.stat().st_size if warehouse.exists() else 0
        if args.keep is not None and ok:
            args.keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(warehouse), args.keep)
    if not ok:
        sys.stderr.write("загрузка не удалась (см. ошибки выше)\n")
        return 2
    tables = ", ".join(f"{name} {fmt_int(n)}" for name, n in sorted(sizes.items()))
    sys.stdout.write(
        f"загрузка {data_dir} ({size / 2**30:.1f} ГБ выгрузок): {seconds:.0f} с, {cpu:.0f} ядро·с "
        f"({os.cpu_count()} ядра), пиковая память {fmt_int(round(peak))} МБ (RSS самого большого "
        f"процесса), хранилище {stored / 2**30:.2f} ГБ\n  строк: {tables}\n"
        f"  цель issue 9: ≤ {TARGET_SECONDS} с и ≤ {TARGET_MB // 1024} ГБ — время "
        f"{'достигнуто' if seconds <= TARGET_SECONDS else 'не достигнуто'}, память "
        f"{'в пределах' if peak <= TARGET_MB else 'выше предела'}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
