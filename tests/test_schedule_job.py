"""One run of a scheduled job: under the batch lock, recorded in the ledger, delivered after."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.batch.run import Summary
from helpers.schedule import ledger
from helpers.schedule.config import parse_schedule
from helpers.schedule.job import RunRequest, run_job

JOB = parse_schedule({"jobs": [{"name": "weekly", "batch": "weekly", "cron": "0 7 * * 1"}]}).jobs[0]
HOLD = """
import sys, time
from pathlib import Path
from helpers.batch.run import batch_lock
with batch_lock(Path(sys.argv[1]), what="make briefings"):
    print("held", flush=True)
    time.sleep(30)
"""


@pytest.fixture
def output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    return tmp_path / "out"


def rendered(failed: int = 0):  # noqa: ANN201
    def render(job, output_dir, warehouse, note):  # noqa: ANN001, ANN202
        summary = Summary(batch=job.batch, planned=3, up_to_date=1, rendered=2 - failed, failed=failed)
        summary.failures = ["regional_ranking · Вологодская область: KeyError: 'k1'\nTraceback …"] * failed
        return summary
    return render


def test_a_run_is_recorded_with_its_counts_and_delivered_after(output: Path) -> None:
    delivered = []
    code = run_job(JOB, RunRequest(reason="cron"), ingest_=lambda: (0, ""), render_=rendered(),
                   after_run=lambda job, record, request: delivered.append(record["outcome"]),
                   say=lambda _line: None)
    assert code == 0 and delivered == ["ok"]
    [record] = ledger.records(output)
    assert record["counts"] == {"planned": 3, "up_to_date": 1, "rendered": 2, "failed": 0}
    assert "Запуски по расписанию" in (output / "index.html").read_text(encoding="utf-8")


def test_bad_exports_fail_the_run_with_the_first_lines_of_the_error(output: Path) -> None:
    errors = "\n".join(f"federal/2024-09-16.xlsx, строка {n}: ошибка" for n in range(1, 10))
    code = run_job(JOB, RunRequest(), ingest_=lambda: (2, errors), render_=rendered(), say=lambda _: None)
    [record] = ledger.records(output)
    assert code == 2 and record["outcome"] == "failed"
    assert record["errors"][0].count("\n") == 4  # five lines, not the whole report


def test_a_run_finished_after_its_deadline_is_late(output: Path) -> None:
    moments = iter([dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC),
                    dt.datetime(2026, 11, 30, 6, 1, tzinfo=dt.UTC)])
    request = RunRequest(deadline=dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC))
    run_job(JOB, request, ingest_=lambda: (0, ""), render_=rendered(), now=lambda: next(moments),
            say=lambda _: None)
    assert ledger.records(output)[-1]["outcome"] == "late"


def test_a_run_while_make_briefings_holds_the_lock_is_skipped(output: Path) -> None:
    output.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(output)], stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert holder.stdout.readline().strip() == "held"  # type: ignore[union-attr]
        code = run_job(JOB, RunRequest(), ingest_=lambda: pytest.fail("ran under someone else's lock"),
                       render_=rendered(), say=lines.append)
    finally:
        holder.kill()
        holder.wait()
    assert code == 75
    assert ledger.records(output)[-1]["outcome"] == "skipped"
    assert "make briefings" in lines[0]


def test_status_shows_next_and_last_runs_and_undelivered_mail(output: Path) -> None:
    from helpers.delivery import ledger as deliveries
    from helpers.schedule.status import status_text

    run_job(JOB, RunRequest(reason="cron", fire_time=dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)),
            ingest_=lambda: (0, ""), render_=rendered(failed=1), say=lambda _: None)
    deliveries.append(output, [{"recipient": "Министерство", "status": "failed",
                                "error": "127.0.0.1:25: 3 попытки не удались — ConnectionRefusedError"}])
    plan = parse_schedule({"jobs": [{"name": "weekly", "batch": "weekly", "cron": "0 7 * * 1"}]})
    text = status_text(plan, output, output.parent / "data", dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC))
    assert "Планировщик: не запущен" in text
    assert "следующий запуск: 07.12.2026 07:00 MSK" in text
    assert "30.11.2026 07:00 MSK  ✖ ошибка  (cron)" in text
    assert "справок 3: сформировано 1, актуальных 1, с ошибкой 1" in text
    assert "✖ Министерство: 127.0.0.1:25: 3 попытки не удались" in text
