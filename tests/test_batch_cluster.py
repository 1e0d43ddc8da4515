"""The batch on a Dask cluster whose workers share nothing with the driver but the network.

The slow tests start a real scheduler and worker processes (``dask scheduler``, ``dask worker
--preload helpers.batch.cluster``, as ``make cluster-*`` do), each worker in a folder of its own
with its own copy of the project, its own output and warehouse paths; where the machine allows
it (root, ``unshare``) each worker runs in a mount namespace where the driver's output folder,
warehouse and project sources are hidden under empty tmpfs mounts, as on another machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from helpers.batch import cluster, territories
from helpers.batch.cluster import ClusterRefused, DaskExecutor
from helpers.batch.executors import Outcome
from helpers.batch.plan import Job, Kind, job_for
from helpers.batch.run import publish_outcome, run_batch
from helpers.config import PROJECT_ROOT
from helpers.render import catalog
from helpers.render.publish import publish_files
from helpers.warehouse import store
from helpers.warehouse.slices import Reads, TableRead

FIXTURES = Path(__file__).parent / "fixtures" / "batch"
READS_WAREHOUSE = FIXTURES / "reads_warehouse.ipynb"
VENV_BIN = Path(sys.executable).parent
CODES = ("35", "48", "77", "01", "02", "03")


def _warehouse(path: Path, rows_of_35: int = 1) -> Path:
    rows = [{"snapshot_date": pd.Timestamp("2024-09-16").date() - pd.Timedelta(days=7 * i),
             "region_code": code, "region_name": code, "teachers_total": 100, "teachers_active": 20}
            for code in CODES for i in range(rows_of_35 if code == "35" else 1)]
    store.rebuild(path, {"federal_snapshots": pd.DataFrame(rows)}, {})
    return path


def _jobs(codes: tuple[str, ...] = CODES, **extra: object) -> list[Job]:
    kind = Kind("reads_warehouse", READS_WAREHOUSE, "Проверка хранилища",
                {"region": {"territory": "{territory}", **extra}},
                Reads((TableRead("federal_snapshots", scope="region"),)))
    return [job_for(kind, territories.by_code(code), {}) for code in codes]


# --- small cases (make test) ------------------------------------------------------------------

def test_other_params_on_a_worker_make_another_identity(tmp_path: Path, monkeypatch) -> None:
    ours = cluster.local_identity()
    params = tmp_path / "params"
    shutil.copytree(cluster.PARAMS_DIR, params)
    monkeypatch.setattr(cluster, "PARAMS_DIR", params)
    assert cluster.local_identity().same(ours)
    (params / "recipients.yml").write_text("# only the driver reads it\n", encoding="utf-8")
    assert cluster.local_identity().same(ours)
    (params / "targets.yml").write_text((params / "targets.yml").read_text() + "\n# changed\n")
    theirs = cluster.local_identity()
    assert not theirs.same(ours) and theirs.code == ours.code
    line = cluster.mismatch_text("tcp://w:1", theirs, ours)
    assert theirs.params in line and ours.params in line


def test_the_warehouse_arrives_whole_is_checked_and_old_versions_go(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKER_DIR", str(tmp_path / "worker"))
    source = _warehouse(tmp_path / "w.duckdb")
    version = cluster.warehouse_version(source)
    data = source.read_bytes()
    for offset in range(0, len(data), 1000):
        cluster.receive_chunk(version, "t1", offset, data[offset:offset + 1000])
    assert Path(cluster.finish_warehouse(version, "t1")).read_bytes() == data
    assert cluster.has_warehouse(version)
    cluster.receive_chunk("0" * 64, "t2", 0, data[:100])  # cut short: its hash is not the version
    with pytest.raises(ValueError, match="damaged"):
        cluster.finish_warehouse("0" * 64, "t2")
    assert not cluster.has_warehouse("0" * 64)
    for n in (2, 3):
        newer = _warehouse(tmp_path / f"w{n}.duckdb", rows_of_35=n)
        cluster.receive_chunk(cluster.warehouse_version(newer), "t", 0, newer.read_bytes())
        time.sleep(0.01)
        cluster.finish_warehouse(cluster.warehouse_version(newer), "t")
    assert not cluster.has_warehouse(version)  # two newer versions kept, the oldest dropped
    assert len(list((tmp_path / "worker" / "warehouse").glob("*.duckdb"))) == cluster.KEEP_VERSIONS


def test_a_file_from_a_worker_cannot_land_outside_the_output_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        publish_files(tmp_path / "out", {"../escaped.pdf": b"%PDF"})
    assert not (tmp_path / "escaped.pdf").exists()


def test_an_ok_briefing_whose_file_did_not_arrive_is_recorded_failed(tmp_path: Path) -> None:
    job = _jobs(("35",))[0]
    entry = {"status": "ok", "outputs": {"pdf": "k/35/a.pdf", "html": "k/35/a.html"},
             "files": {"k/35/a.pdf": b"%PDF"}}
    outcome = publish_outcome(tmp_path, Outcome(job, entry))
    assert outcome.entry["status"] == "failed" and "k/35/a.html" in outcome.entry["error"]
    assert (tmp_path / "k/35/a.pdf").read_bytes() == b"%PDF"


def test_a_cluster_without_a_worker_started_for_the_suite_is_refused(tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as local:
        notes: list[str] = []
        with pytest.raises(ClusterRefused, match="нет исполнителей версии"):
            DaskExecutor(tmp_path / "out", address=local.scheduler_address, timeout=60,
                         warehouse=_warehouse(tmp_path / "w.duckdb"), note=notes.append)
    assert "allowed-failures" in notes[0]  # Dask's default retries a deadly briefing 3 times
    assert "без --preload helpers.batch.cluster" in notes[1]


# --- separate machines (slow) -------------------------------------------------------------------

def _can_hide() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None


def _machine_copy(home: Path, changed_params: bool = False) -> Path:
    """A worker machine's own clone of the project (what a worker's files hold)."""
    project = home / "project"
    for part in ("src", "notebooks", "params", "data/reference", "tests/fixtures/batch"):
        shutil.copytree(PROJECT_ROOT / part, project / part,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project / "pyproject.toml")
    if changed_params:
        targets = project / "params" / "targets.yml"
        targets.write_text(targets.read_text(encoding="utf-8") + "\n# другая неделя\n", encoding="utf-8")
    return project


def _hidden(command: list[str], hide: list[Path]) -> list[str]:
    """``command`` in a mount namespace where each of ``hide`` is an empty tmpfs."""
    if not _can_hide():
        return command
    mounts = " && ".join(f"mount -t tmpfs none '{path}'" for path in hide)
    return ["unshare", "--mount", "sh", "-c", f'{mounts} && exec "$@"', "sh", *command]


class Cluster:
    """A scheduler and worker processes, each worker in a folder of its own."""

    def __init__(self, root: Path, driver: Path):
        self.root, self.driver = root, driver
        self.scheduler_file = root / "scheduler.json"
        self.processes: list[subprocess.Popen] = []
        env = {**os.environ, "DASK_CONFIG": str(PROJECT_ROOT / "deploy" / "dask")}
        self.scheduler = self._start([str(VENV_BIN / "dask"), "scheduler", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", str(self.scheduler_file)],
                                     env, root)
        deadline = time.monotonic() + 60
        while not self.scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.address = json.loads(self.scheduler_file.read_text())["address"]

    def _start(self, command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
        log = (cwd / "log.txt").open("ab")
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def add_worker(self, name: str, changed_params: bool = False) -> Path:
        home = self.root / name
        project = _machine_copy(home, changed_params)
        env = {**os.environ, "PYTHONPATH": str(project / "src"), "WORKER_DIR": str(home / "worker"),
               "DASK_CONFIG": str(PROJECT_ROOT / "deploy" / "dask"),
               "OUTPUT_DIR": str(home / "output"), "WAREHOUSE": str(home / "warehouse.duckdb")}
        command = [str(VENV_BIN / "dask"), "worker", "--scheduler-file", str(self.scheduler_file),
                   "--nthreads", "1", "--preload", "helpers.batch.cluster", "--no-dashboard",
                   "--name", name, "--local-directory", str(home / "dask")]
        hide = [self.driver, *(PROJECT_ROOT / p for p in ("src", "notebooks", "params", "data"))]
        self._start(_hidden(command, hide), env, home)
        return home

    def wait_for(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(n, timeout=180)

    def stop_scheduler(self) -> None:
        os.killpg(self.scheduler.pid, signal.SIGKILL)

    def close(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=30)


@pytest.fixture
def machines(tmp_path: Path) -> Iterator[tuple[Cluster, Path]]:
    driver = tmp_path / "driver"
    driver.mkdir()
    running = Cluster(tmp_path, driver)
    try:
        yield running, driver
    finally:
        running.close()


def _kill_a_busy_worker(address: str, killed: list[int]) -> None:
    """Kill (-9) the first worker process seen running a briefing."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not killed:
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:
                time.sleep(2)  # inside the briefing's kernel
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
            time.sleep(0.2)


@pytest.mark.slow
def test_briefings_rendered_on_workers_that_share_no_disk_arrive_on_the_driver(machines) -> None:
    running, driver = machines
    homes = [running.add_worker("w1"), running.add_worker("w2"),
             running.add_worker("stale", changed_params=True)]
    running.wait_for(3)
    warehouse = _warehouse(driver / "warehouse.duckdb", rows_of_35=3)
    version = cluster.warehouse_version(warehouse)
    output, notes, killed = driver / "output", [], []
    killer = threading.Thread(target=_kill_a_busy_worker, args=(running.address, killed))
    killer.start()
    summary = run_batch("cluster", _jobs(sleep_seconds=4.0), output_dir=output, warehouse=warehouse,
                        force=False, note=notes.append, make_executor=lambda: DaskExecutor(
                            output, address=running.address, timeout=120, warehouse=warehouse,
                            note=notes.append))
    killer.join()
    assert killed, "no worker was seen busy"
    assert (summary.rendered, summary.failed) == (len(CODES), 0), summary.failures
    entries = {e["territory"]: e for e in catalog.load_manifest(output)}
    for code in CODES:
        for path in entries[code]["outputs"].values():
            assert (output / path).is_file() and (output / path).stat().st_size > 0
    html = (output / entries["35"]["outputs"]["html"]).read_text(encoding="utf-8")
    assert version in html  # the kernel on the worker read its copy of the driver's version
    assert [h for h in homes[:2] if (h / "worker" / "warehouse" / f"{version}.duckdb").exists()]
    assert not (homes[2] / "worker" / "warehouse").exists()  # the refused worker got nothing
    refused = [n for n in notes if "stale" in n or "отклонён" in n]
    assert len(refused) == 1 and "параметры" in refused[0]
    for home in homes:  # nothing was written where the workers' own settings point
        assert not (home / "output").exists() and not (home / "warehouse.duckdb").exists()


def _stop_after_first_briefing(running: Cluster, output: Path, limit_s: float = 180) -> None:
    """Stop the scheduler once the manifest holds a rendered briefing (the batch is under way)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if any(e["status"] == "ok" for e in catalog.load_manifest(output)):
                break
        except (OSError, ValueError):  # the manifest is being replaced
            pass
        time.sleep(0.2)
    running.stop_scheduler()


@pytest.mark.slow
def test_on_the_cluster_overruns_and_deadly_briefings_fail_and_a_lost_scheduler_ends_the_batch(
        machines) -> None:
    running, driver = machines
    running.add_worker("w1")
    running.wait_for(1)
    warehouse = _warehouse(driver / "warehouse.duckdb")
    output = driver / "output"

    def executor(timeout: float) -> DaskExecutor:
        return DaskExecutor(output, address=running.address, timeout=timeout, warehouse=warehouse)

    slow = run_batch("slow", _jobs(("35",), sleep_seconds=120.0), output_dir=output,
                     warehouse=warehouse, force=False, make_executor=lambda: executor(8))
    assert slow.failed == 1 and "превышено время" in slow.failures[0]
    deadly = run_batch("deadly", _jobs(("48",), kill_worker=True), output_dir=output,
                       warehouse=warehouse, force=False, make_executor=lambda: executor(120))
    assert deadly.failed == 1 and "аварийно на этой справке 2 раз" in deadly.failures[0]
    running.wait_for(1)  # the nanny started the worker again: the cluster is still there
    jobs = _jobs(sleep_seconds=5.0)
    stopper = threading.Thread(target=_stop_after_first_briefing, args=(running, output))
    stopper.start()  # on the first briefing done, not after a time: the machine's speed varies
    lost = run_batch("lost", jobs, output_dir=output, warehouse=warehouse, force=False,
                     make_executor=lambda: executor(120))
    stopper.join()
    assert lost.lost and lost.exit_code == 1 and lost.rendered < len(CODES)
    done = {e["territory"] for e in catalog.load_manifest(output) if e["status"] == "ok"}
    assert len(done) == lost.rendered
    calls: list[Job] = []

    class Recording:
        def submit(self, job: Job) -> None:
            calls.append(job)

        def outcomes(self) -> Iterator[Outcome]:
            return iter(())

        def shutdown(self) -> None:
            pass

    run_batch("next", jobs, output_dir=output, warehouse=warehouse, force=False,
              make_executor=Recording)
    assert {j.territory.code for j in calls} == set(CODES) - done  # the next run renders the rest


def test_the_systemd_units_start_the_make_targets_of_the_cluster() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for unit, target in (("sferum-dask-scheduler", "cluster-scheduler"),
                         ("sferum-dask-worker", "cluster-worker")):
        text = (PROJECT_ROOT / "deploy" / "systemd" / f"{unit}.service").read_text(encoding="utf-8")
        assert f"make --no-print-directory {target}" in text
        assert f"\n{target}:" in makefile
    assert "--preload helpers.batch.cluster" in makefile and "DASK_CONFIG=" in makefile
    import yaml

    dask_settings = yaml.safe_load((PROJECT_ROOT / "deploy" / "dask" / "sferum.yaml").read_text())
    assert dask_settings["distributed"]["scheduler"]["allowed-failures"] == cluster.ALLOWED_FAILURES
