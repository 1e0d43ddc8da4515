"""Ingestion: demo exports into the warehouse, seed figures from it, atomic and idempotent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from seed_figures import SEED_BEST_DYNAMICS, SEED_LAGGING, assert_seed_figures

from helpers.briefings.regional_ranking import build
from helpers.config import settings
from helpers.demo.federal import build_federal_history, write_federal_exports
from helpers.ingestion import ingest
from helpers.warehouse import store


@pytest.fixture(scope="module")
def demo_history() -> pd.DataFrame:
    return build_federal_history()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_history: pd.DataFrame) -> Path:
    """DATA_DIR with the demo exports, a warehouse and output dir of its own."""
    write_federal_exports(demo_history, tmp_path / "data" / "federal")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "output"))
    return tmp_path


def test_seed_figures_hold_in_the_warehouse(project: Path) -> None:
    assert ingest.main([]) == 0
    history = store.read_federal(settings().warehouse)
    assert_seed_figures(history)
    ranking = build.load()  # what the notebook calls
    assert ranking.lagging["region_name"].tolist() == SEED_LAGGING
    assert ranking.best_dynamics["region_name"].tolist() == SEED_BEST_DYNAMICS
    assert len(ranking.not_integrated) == 3


def test_warehouse_holds_exactly_the_generated_figures(project: Path, demo_history) -> None:
    assert ingest.main([]) == 0
    stored = store.read_federal(settings().warehouse)
    assert len(stored) == len(demo_history) == 16 * 89
    columns = ["region_code", "teachers_total", "teachers_active", "pupils_linked"]
    left = stored.sort_values(["snapshot_date", "region_code"])[columns].reset_index(drop=True)
    right = demo_history.sort_values(["snapshot_date", "region_code"])[columns]
    pd.testing.assert_frame_equal(left, right.reset_index(drop=True), check_dtype=False)


def test_reingest_is_idempotent(project: Path) -> None:
    assert ingest.main([]) == 0
    first = store.read_federal(settings().warehouse)
    assert ingest.main([]) == 0
    pd.testing.assert_frame_equal(first, store.read_federal(settings().warehouse))


def test_bad_export_exits_2_and_keeps_the_previous_warehouse(project: Path, capsys) -> None:
    assert ingest.main([]) == 0
    path = settings().warehouse
    before = path.read_bytes()
    bad = project / "data" / "federal" / "broken_2024-09-23.csv"
    bad.write_text("Код субъекта;Субъект Российской Федерации\n1;Адыгея\n", encoding="cp1251")
    assert ingest.main([]) == ingest.EXIT_INVALID
    err = capsys.readouterr().err
    assert "broken_2024-09-23.csv" in err and "не найдена строка заголовков" in err
    assert "хранилище не изменено" in err
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".*.tmp"))


def test_check_only_does_not_write(project: Path) -> None:
    assert ingest.main(["--check"]) == 0
    assert not settings().warehouse.exists()


def test_errors_and_warnings_are_kept_in_the_log(project: Path) -> None:
    bad = project / "data" / "federal" / "broken_2024-09-23.csv"
    bad.write_text("x;y\n1;2\n", encoding="utf-8")
    ingest.main([])
    log = (project / "output" / "logs" / "ingest.log").read_text(encoding="utf-8")
    assert "broken_2024-09-23.csv" in log and "Данные не приняты" in log


def test_no_exports_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    assert ingest.main([]) == ingest.EXIT_INVALID


def test_unchanged_exports_are_not_ingested_again(project: Path, capsys) -> None:
    assert ingest.main([]) == 0
    path = settings().warehouse
    built = path.stat()
    capsys.readouterr()
    assert ingest.main([]) == 0
    assert "Хранилище актуально" in capsys.readouterr().out
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
    assert ingest.main(["--force"]) == 0  # a rebuild on request
    assert "Данные загружены" in capsys.readouterr().out
    assert path.stat().st_ino != built.st_ino


def test_one_changed_export_is_ingested_again(project: Path, demo_history: pd.DataFrame,
                                              capsys) -> None:
    assert ingest.main([]) == 0
    latest = demo_history["snapshot_date"].max()
    changed = demo_history.copy()
    row = changed.index[(changed["snapshot_date"] == latest)][0]
    changed.loc[row, ["teachers_total", "directors_total"]] += 7
    written = write_federal_exports(changed, project / "other")  # same names as the originals
    name = written[-1].name  # the latest snapshot's file
    (project / "other" / name).replace(project / "data" / "federal" / name)
    capsys.readouterr()
    assert ingest.main([]) == 0
    out = capsys.readouterr().out
    assert "Данные загружены" in out and f"изменён federal/{name}" in out
    stored = store.read_federal(settings().warehouse)
    region = changed.loc[row, "region_code"]
    mine = stored[(stored["snapshot_date"] == pd.Timestamp(latest)) & (stored["region_code"] == region)]
    assert int(mine["teachers_total"].iloc[0]) == int(changed.loc[row, "teachers_total"])
    capsys.readouterr()
    assert ingest.main([]) == 0
    assert "Хранилище актуально" in capsys.readouterr().out


def test_a_new_export_is_ingested_and_a_bad_one_keeps_the_current_warehouse(project: Path,
                                                                          capsys) -> None:
    assert ingest.main([]) == 0
    path = settings().warehouse
    before = path.read_bytes()
    (project / "data" / "federal" / "broken_2024-09-23.csv").write_text("x;y\n1;2\n", encoding="utf-8")
    assert ingest.main([]) == ingest.EXIT_INVALID  # new file noticed, and refused
    assert path.read_bytes() == before
    (project / "data" / "federal" / "broken_2024-09-23.csv").unlink()
    capsys.readouterr()
    assert ingest.main([]) == 0
    assert "Хранилище актуально" in capsys.readouterr().out
