"""``BENCH_CLUSTER=1 make bench``: the same briefings through the local pool and through a Dask
cluster of as many workers on this machine, at equal cores, side by side in one run.

Both ways start cold inside the measurement: the local pool spawns its ``JOBS`` workers; the
cluster starts a scheduler and ``JOBS`` workers (``dask worker --nthreads 1 --preload
helpers.batch.cluster`` under their nannies, in a worker folder of their own), is sent the
warehouse and renders. Core-seconds are the user + system CPU of every process involved
(driver, scheduler, nannies, workers, kernels, browsers), sampled every 0.2 s. Prints seconds
and core-seconds per briefing for each way, the cluster's overhead per briefing (core·s and
%), the warehouse's transfer, and — with ``--transfer-mb`` — the transfer of a file of that size
(the national warehouse is ≈1 200 MB) to a worker, as the first batch of a new version pays it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from bench import ALL_KINDS, Measured, measured, pick

from helpers.batch.cluster import DaskExecutor, send_warehouse, warehouse_version
from helpers.batch.executors import LocalExecutor
from helpers.batch.plan import Job
from helpers.batch.run import run_batch
from helpers.config import PROJECT_ROOT, settings

VENV_BIN = Path(sys.executable).parent
DASK_SETTINGS = PROJECT_ROOT / "deploy" / "dask"  # as make cluster-scheduler / cluster-worker


class LocalDaskCluster:
    """A scheduler and ``workers`` worker processes on this machine, as the make targets start them."""

    def __init__(self, root: Path, workers: int):
        root.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DASK_CONFIG": str(DASK_SETTINGS), "WORKER_DIR": str(root / "worker")}
        scheduler_file = root / "scheduler.json"
        log = (root / "cluster.log").open("ab")
        self.processes = [
            subprocess.Popen([str(VENV_BIN / "dask"), "scheduler", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(scheduler_file)], env=env, stdout=log, stderr=log),
            subprocess.Popen([str(VENV_BIN / "dask"), "worker", "--scheduler-file", str(scheduler_file),
                              "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard",
                              "--preload", "helpers.batch.cluster",
                              "--local-directory", str(root / "dask")], env=env, stdout=log, stderr=log),
        ]
        while not scheduler_file.exists():
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=300)

    def close(self) -> None:
        for process in reversed(self.processes):
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()
            process.kill()
            process.wait()


def through_pool(jobs: list[Job], folder: Path, workers: int, result: Measured) -> None:
    """The local pool, cold."""
    with measured(result, sample_memory=True):
        summary = run_batch("bench-local", jobs, output_dir=folder, warehouse=settings().warehouse,
                            force=True,
                            make_executor=lambda: LocalExecutor(folder, jobs=workers, timeout=900))
    if summary.failed:
        raise RuntimeError(f"bench: {summary.failed} failed on the pool: {summary.failures}")


def _descendants_cpu() -> float:
    """User + system seconds so far of this process's descendants."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def through_cluster(jobs: list[Job], root: Path, workers: int, start: Measured,
                    result: Measured) -> list[tuple[str, float, int]]:
    """A cluster on this machine: started and sent the warehouse (``start``: once per cluster and
    per warehouse version), then the batch on it (``result``); the warehouse's transfers."""
    folder = root / "output"
    with measured(start, sample_memory=True):
        running = LocalDaskCluster(root / "cluster", workers)
        executor = DaskExecutor(folder, address=running.address, timeout=900,
                                warehouse=settings().warehouse)
    try:
        before = _descendants_cpu()  # the cluster's start-up, counted in ``start``
        with measured(result, sample_memory=True):
            summary = run_batch("bench-cluster", jobs, output_dir=folder, warehouse=settings().warehouse,
                                force=True, make_executor=lambda: executor)
        result.cpu -= before
    finally:
        running.close()
    if summary.failed or summary.lost:
        raise RuntimeError(f"bench: {summary.failed} failed on the cluster: {summary.failures} "
                           f"{summary.lost}")
    return executor.transfers


def transfer(root: Path, megabytes: int) -> tuple[float, float, float]:
    """Hashing a file of ``megabytes`` on the driver, sending it to one worker (written, its
    hash checked there): seconds for each, and the driver's peak memory growth (MB)."""
    big = root / "big.duckdb"
    with big.open("wb") as handle:
        for _ in range(megabytes):
            handle.write(os.urandom(1 << 20))
    running = LocalDaskCluster(root / "cluster-transfer", 1)
    try:
        from distributed import Client

        started = time.perf_counter()
        version = warehouse_version(big)
        hashed = time.perf_counter() - started
        rss = psutil.Process().memory_info().rss
        with Client(running.address, timeout=60) as client:
            worker = next(iter(client.scheduler_info(n_workers=-1)["workers"]))
            started = time.perf_counter()
            send_warehouse(client, worker, big, version)
            sent = time.perf_counter() - started
        grown = (psutil.Process().memory_info().rss - rss) / 2**20
    finally:
        running.close()
        big.unlink(missing_ok=True)
    return hashed, sent, grown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N") or 13), help="per kind")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS") or os.cpu_count() or 1))
    parser.add_argument("--transfer-mb", type=int, default=int(os.environ.get("BENCH_TRANSFER_MB") or 0))
    args = parser.parse_args(argv)
    jobs = pick(list(ALL_KINDS), args.n)
    n, workers = len(jobs), args.jobs
    pool, start, cluster = Measured(), Measured(), Measured()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        through_pool(jobs, root / "pool", workers, pool)
        transfers = through_cluster(jobs, root / "dask", workers, start, cluster)
        moved = transfer(root, args.transfer_mb) if args.transfer_mb else None
    overhead = (cluster.cpu - pool.cpu) / n
    mix = ", ".join(f"{kind} {sum(j.kind.name == kind for j in jobs)}" for kind in ALL_KINDS)
    lines = [
        f"Кластер против локального пула: {n} справок ({mix}), {workers} исполнителя в каждом, "
        f"ядер {os.cpu_count()}, нагрузка {os.getloadavg()[0]:.1f}",
        f"{'способ':<58} {'с/справку':>9} {'ядро·с/справку':>15}",
        f"{'локальный пул (процессы запускаются на каждый пакет)':<58} {pool.wall / n:>9.2f} "
        f"{pool.cpu / n:>15.2f}",
        f"{'кластер Dask на этой машине (запущен, хранилище на месте)':<58} {cluster.wall / n:>9.2f} "
        f"{cluster.cpu / n:>15.2f}",
        f"накладные кластера: {overhead:+.3f} ядро·с на справку ({overhead / (pool.cpu / n) * 100:+.1f} %), "
        f"по времени ×{cluster.wall / pool.wall:.2f}",
        f"однократно: запуск кластера и отправка хранилища {start.wall:.1f} с, {start.cpu:.1f} ядро·с "
        f"(= {start.cpu / n:.2f} ядро·с на справку этого пакета)",
    ]
    for worker, seconds, size in transfers:
        lines.append(f"хранилище {size / 2**20:.1f} МБ отправлено исполнителю {worker} за {seconds:.2f} с")
    if moved:
        hashed, sent, grown = moved
        lines.append(f"файл {args.transfer_mb} МБ: SHA-256 у запускающего {hashed:.1f} с, отправка одному "
                     f"исполнителю (запись и проверка хеша там) {sent:.1f} с "
                     f"({args.transfer_mb / sent:.0f} МБ/с), память запускающего +{grown:.0f} МБ")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
