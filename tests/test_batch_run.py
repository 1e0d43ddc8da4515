"""Running batches: up-to-date decisions, failure isolation, timeouts, catalog and run log."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers.batch import fingerprint as fp
from helpers.batch import territories
from helpers.batch.executors import LocalExecutor, Outcome
from helpers.batch.plan import Job, Kind, job_for
from helpers.batch.run import run_batch
from helpers.render import catalog
from helpers.warehouse import store
from helpers.warehouse.slices import Reads, TableRead

PROBE = Path(__file__).parent / "fixtures" / "batch" / "probe.ipynb"


class RecordingExecutor:
    """Stands in for a pool: 'renders' by writing small files and records what it was given."""

    def __init__(self, output_dir: Path, log: list[str]):
        self.output_dir, self.log, self.jobs = output_dir, log, []

    def submit(self, job: Job) -> None:
        self.jobs.append(job)
        self.log.append(job.territory.code)

    def outcomes(self) -> Iterator[Outcome]:
        for job in self.jobs:
            path = self.output_dir / job.kind.name / job.territory.code / "briefing.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF")
            yield Outcome(job, {
                "kind": job.kind.name, "territory": job.territory.code,
                "territory_name": job.territory.name, "title": job.kind.title,
                "parameters": job.parameters, "status": "ok", "error": None,
                "outputs": {"pdf": str(path.relative_to(self.output_dir))},
            })

    def shutdown(self) -> None:
        pass


def _federal_rows() -> pd.DataFrame:
    rows = []
    for code in ("35", "48", "77"):
        rows.append({"snapshot_date": pd.Timestamp("2024-09-16").date(), "region_code": code,
                     "region_name": code, "teachers_total": 100, "teachers_active": 20})
    return pd.DataFrame(rows)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A warehouse, a copy of the probe notebook, a code and a template folder of the test's own."""
    db_path = tmp_path / "warehouse.duckdb"
    store.rebuild(db_path, {"federal_snapshots": _federal_rows()}, {})
    notebook = tmp_path / "probe.ipynb"
    shutil.copy(PROBE, notebook)
    code, template = tmp_path / "code", tmp_path / "template"
    code.mkdir()
    template.mkdir()
    (code / "module.py").write_text("X = 1\n")
    (template / "index.html.j2").write_text("{{ x }}")
    (tmp_path / "pyproject.toml").write_text('dependencies = ["pandas==3.1.1"]\n')
    monkeypatch.setattr(fp, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(fp, "PACKAGE_DIR", code)
    monkeypatch.setattr(fp, "TEMPLATES_DIR", template)
    fp.clear_caches()
    yield tmp_path, db_path, notebook, code, template
    fp.clear_caches()


def _jobs(notebook: Path, scope: str = "region", **extra: object) -> list[Job]:
    kind = Kind("probe", notebook, "Проверка", {"region": {"territory": "{territory}", **extra}},
                Reads((TableRead("federal_snapshots", scope=scope),)))
    return [job_for(kind, territories.by_code(code), {}) for code in ("35", "48", "77")]


def _run(setup, jobs: list[Job], force: bool = False) -> list[str]:
    tmp, db_path = setup[0], setup[1]
    rendered: list[str] = []
    output = tmp / "output"
    run_batch("test", jobs, output_dir=output, warehouse=db_path, force=force,
              make_executor=lambda: RecordingExecutor(output, rendered))
    fp.clear_caches()
    return rendered


def test_second_run_with_nothing_changed_renders_nothing(setup) -> None:
    jobs = _jobs(setup[2])
    assert _run(setup, jobs) == ["35", "48", "77"]
    assert _run(setup, jobs) == []


def test_force_renders_everything(setup) -> None:
    jobs = _jobs(setup[2])
    _run(setup, jobs)
    assert _run(setup, jobs, force=True) == ["35", "48", "77"]


@pytest.mark.parametrize("change", ["notebook", "code", "template"])
def test_each_code_dependency_triggers_a_rerender(setup, change: str) -> None:
    _, _, notebook, code, template = setup
    jobs = _jobs(notebook)
    _run(setup, jobs)
    if change == "notebook":
        notebook.write_text(notebook.read_text().replace("Проверочная", "Изменённая"))
    elif change == "code":
        (code / "module.py").write_text("X = 2\n")
    else:
        (template / "index.html.j2").write_text("{{ y }}")
    assert _run(setup, jobs) == ["35", "48", "77"]


def test_dependency_lock_change_triggers_a_rerender(setup) -> None:
    jobs = _jobs(setup[2])
    _run(setup, jobs)
    (setup[0] / "pyproject.toml").write_text('dependencies = ["pandas==3.1.2"]\n')
    assert _run(setup, jobs) == ["35", "48", "77"]


def test_data_change_rerenders_only_the_briefings_that_read_it(setup) -> None:
    db_path = setup[1]
    jobs = _jobs(setup[2], scope="region")
    _run(setup, jobs)
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE federal_snapshots SET teachers_active = 21 WHERE region_code = '48'")
        con.execute("CREATE TABLE unrelated AS SELECT 1 AS x")
    assert _run(setup, jobs) == ["48"]


def test_data_change_rerenders_every_briefing_that_reads_all_rows(setup) -> None:
    db_path = setup[1]
    jobs = _jobs(setup[2], scope="all")
    _run(setup, jobs)
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE federal_snapshots SET teachers_active = 21 WHERE region_code = '48'")
    assert _run(setup, jobs) == ["35", "48", "77"]


def test_reingesting_the_same_data_changes_nothing(setup) -> None:
    jobs = _jobs(setup[2])
    _run(setup, jobs)
    store.rebuild(setup[1], {"federal_snapshots": _federal_rows()}, {})
    assert _run(setup, jobs) == []


def test_new_parameters_render_a_new_briefing_and_leave_the_rest(setup) -> None:
    _run(setup, _jobs(setup[2]))
    assert _run(setup, _jobs(setup[2], sleep_seconds=0.5)) == ["35", "48", "77"]
    assert _run(setup, _jobs(setup[2])) == []


def test_a_deleted_output_is_rendered_again(setup) -> None:
    jobs = _jobs(setup[2])
    _run(setup, jobs)
    (setup[0] / "output" / "probe" / "77" / "briefing.pdf").unlink()
    assert _run(setup, jobs) == ["77"]


def test_run_log_keeps_counts(setup) -> None:
    jobs = _jobs(setup[2])
    _run(setup, jobs)
    _run(setup, jobs)
    lines = (setup[0] / "output" / "runs.jsonl").read_text().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert (first["rendered"], first["up_to_date"]) == (3, 0)
    assert (second["rendered"], second["up_to_date"]) == (0, 3)


# --- real worker processes -----------------------------------------------------------------------

def _real_run(tmp_path: Path, jobs: list[Job], timeout: float = 120):
    db_path = tmp_path / "warehouse.duckdb"
    store.rebuild(db_path, {"federal_snapshots": _federal_rows()}, {})
    output = tmp_path / "output"
    summary = run_batch("test", jobs, output_dir=output, warehouse=db_path, force=False,
                        make_executor=lambda: LocalExecutor(output, jobs=2, timeout=timeout))
    return summary, {(e["territory"]): e for e in catalog.load_manifest(output)}, output


def test_one_failing_briefing_does_not_stop_the_others(tmp_path: Path) -> None:
    summary, entries, output = _real_run(tmp_path, _jobs(PROBE, fail_on="48"))
    assert (summary.rendered, summary.failed, summary.exit_code) == (2, 1, 1)
    assert entries["35"]["status"] == entries["77"]["status"] == "ok"
    assert entries["48"]["status"] == "failed" and "сбой на территории 48" in entries["48"]["error"]
    assert (output / entries["48"]["outputs"]["notebook"]).exists()  # kept for debugging
    assert (output / entries["35"]["outputs"]["pdf"]).exists()
    index = (output / "index.html").read_text(encoding="utf-8")
    assert "сбой на территории 48" in index
    # the parameters the territory's level fills are named, and the catalog does not repeat them
    assert entries["35"]["territory_parameters"] == ["fail_on", "territory"]
    assert "territory = 35" not in index


def test_a_briefing_over_its_time_is_stopped_and_recorded(tmp_path: Path) -> None:
    jobs = _jobs(PROBE, sleep_seconds=60.0)[:1]
    summary, entries, _ = _real_run(tmp_path, jobs, timeout=20)
    assert summary.failed == 1
    assert "превышено время" in entries["35"]["error"] or "Timeout" in entries["35"]["error"]


@pytest.mark.slow
def test_the_same_batch_runs_on_a_dask_cluster(tmp_path: Path) -> None:
    from distributed import LocalCluster

    from helpers.batch.cluster import DaskExecutor

    db_path = tmp_path / "warehouse.duckdb"
    store.rebuild(db_path, {"federal_snapshots": _federal_rows()}, {})
    output = tmp_path / "output"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      preload=["helpers.batch.cluster"]) as cluster:
        summary = run_batch("dask", _jobs(PROBE, fail_on="77"), output_dir=output, warehouse=db_path,
                            force=False, make_executor=lambda: DaskExecutor(
                                output, address=cluster.scheduler_address, timeout=120,
                                warehouse=db_path))
    assert (summary.rendered, summary.failed) == (2, 1)
    entries = {e["territory"]: e for e in catalog.load_manifest(output)}
    assert (output / entries["35"]["outputs"]["pdf"]).exists()
    assert "сбой на территории 77" in entries["77"]["error"]


def test_a_full_disk_while_writing_the_catalog_still_logs_the_run(
        setup, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from helpers.batch import run as run_module

    jobs = _jobs(setup[2])
    _run(setup, jobs)
    index = (setup[0] / "output" / "index.html").read_bytes()

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_module.catalog, "record_many", full_disk)
    with pytest.raises(run_module.CatalogNotWritten, match="не обновлён"):
        _run(setup, jobs, force=True)
    lines = (setup[0] / "output" / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[-1])["rendered"] == 3
    assert (setup[0] / "output" / "index.html").read_bytes() == index  # the last good catalog


def test_a_truncated_failed_notebook_is_not_kept(tmp_path: Path) -> None:
    from helpers.render import pipeline

    executed = tmp_path / ".x.abcdefgh.sferum-tmp.ipynb"
    executed.write_text('{"cells": [{"source": "cut sh', encoding="utf-8")

    class Run:
        executed_dir, kind, territory = tmp_path / "_executed", "probe", "35"

    assert pipeline._keep_failed_notebook(executed, Run()) == {}  # type: ignore[arg-type]
    assert not executed.exists() and not (tmp_path / "_executed").exists()
