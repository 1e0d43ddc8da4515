"""The demo federal monitoring: deterministic, plausible, the seed's figures, messy files."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from seed_figures import assert_seed_figures

from helpers.demo.__main__ import main
from helpers.demo.federal import (
    build_federal_history,
    check_constraints,
    snapshot_dates,
    write_federal_exports,
)
from helpers.indicators.kpis import (
    best_dynamics,
    delta_k1,
    lagging_regions,
    national_indicators,
    national_trend,
    region_indicators,
    select_snapshot,
)
from helpers.ingestion.contract.forms import FEDERAL
from helpers.ingestion.contract.loading import load_folder
from helpers.ingestion.ingest import federal_context

LATEST = dt.date(2024, 9, 16)
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return build_federal_history()


@pytest.fixture(scope="module")
def latest(history: pd.DataFrame) -> pd.DataFrame:
    return select_snapshot(history, LATEST)


@pytest.fixture(scope="module")
def exports(history: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_federal_exports(history, tmp_path_factory.mktemp("data") / "federal")


def test_deterministic(history: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(build_federal_history(), history)


def test_shape_and_columns(history: pd.DataFrame) -> None:
    dates = snapshot_dates()
    assert dates[0] == dt.date(2024, 6, 3) and dates[-1] == LATEST and len(dates) == 16
    assert all(d.weekday() == 0 for d in dates)
    assert list(history.columns) == ["snapshot_date"] + [
        c.name for c in FEDERAL.columns if c.name != "snapshot_date"
    ]
    assert len(history) == 89 * 16
    assert not history.duplicated(["snapshot_date", "region_code"]).any()
    assert history["region_code"].str.fullmatch(r"\d\d").all()
    assert history["integration_done"].dtype == bool


def test_seed_figures(history: pd.DataFrame) -> None:
    assert_seed_figures(history)


def test_seed_lists_have_clear_margins(history: pd.DataFrame, latest: pd.DataFrame) -> None:
    k1 = lagging_regions(region_indicators(latest), n=6)["k1"].tolist()
    assert k1[5] - k1[4] > 0.01
    deltas = best_dynamics(delta_k1(history, LATEST, 4), n=6)["delta_k1"].tolist()
    assert deltas[4] - deltas[5] > 0.01


def test_constraints(history: pd.DataFrame) -> None:
    assert check_constraints(history) == []
    for column in FEDERAL.columns:
        if column.not_above:
            assert (history[column.name] <= history[column.not_above]).all(), column.name
    assert (history["class_teachers_total"] <= history["teachers_total"]).all()


def test_plausible_sizes(latest: pd.DataFrame) -> None:
    national = national_indicators(latest)
    assert 38_000 <= national["directors_total"] <= 42_000
    assert 1_000_000 <= national["teachers_total"] <= 1_150_000
    assert 17_500_000 <= national["pupils_total"] <= 18_500_000
    assert 0.85 <= national["class_teachers_total"] * 25 / national["pupils_total"] <= 1.15
    assert 0.40 <= national["k2"] <= 0.70
    sizes = latest.set_index("region_code")["pupils_total"]
    big = ["77", "50", "23", "78", "02", "16", "66", "61", "05", "74", "52"]
    small = ["83", "87", "49", "79"]
    assert sizes[big].min() > 10 * sizes[small].max()
    vologda = latest.set_index("region_code").loc["35"]
    assert (vologda["pupils_total"], vologda["directors_total"]) == (146_000, 345)


def test_activity_grows(history: pd.DataFrame) -> None:
    k1 = region_indicators(history).pivot(index="region_code", columns="snapshot_date",
                                          values="k1")
    assert (k1.iloc[:, -1] > k1.iloc[:, 0]).mean() >= 0.9
    trend = national_trend(history)["k1"]
    assert trend.is_monotonic_increasing
    done = history.groupby("snapshot_date")["integration_done"].sum()
    assert done.is_monotonic_increasing and done.iloc[0] < done.iloc[-1]


def test_exclude(history: pd.DataFrame) -> None:
    kept = build_federal_history(exclude={"is_added_2022": "1"})
    assert kept["region_code"].nunique() == 85
    assert not kept["region_code"].isin(["90", "93", "94", "95"]).any()
    assert_seed_figures(kept)  # calibrated after the exclusion
    with pytest.raises(ValueError, match="no_such_column"):
        build_federal_history(exclude={"no_such_column": "1"})


def test_fixed_rows_replace_generated_ones(history: pd.DataFrame) -> None:
    # e.g. region 35's rows summed from its school-level data: more active, more ЕСИА
    rows = history[history["region_code"] == "35"]
    fixed = rows.assign(teachers_active=rows["teachers_active"] + 1500, teachers_esia=5000)
    built = build_federal_history(fixed=fixed)
    got = built[built["region_code"] == "35"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, fixed.reset_index(drop=True))
    assert_seed_figures(built)  # the other regions made up the difference


def test_files(exports: list[Path]) -> None:
    names = sorted(p.name for p in exports)
    assert len(names) == 16
    assert "sferum_monitoring_2024-09-16.xlsx" in names
    assert "monitoring_2024-07-15.xlsx" in names
    assert sum(n.endswith(".xlsx") for n in names) > sum(n.endswith(".csv") for n in names)
    assert not [p for p in exports[0].parent.iterdir() if p.name.startswith(".")]


def _csv_texts(exports: list[Path]) -> dict[str, str]:
    texts = {}
    for path in exports:
        if path.suffix == ".csv":
            data = path.read_bytes()
            try:
                texts[path.name] = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                texts[path.name] = "cp1251:" + data.decode("cp1251")
    return texts


def _sheet(path: Path) -> list[list[object]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_messy_csv_features(exports: list[Path]) -> None:
    texts = _csv_texts(exports)
    cp1251 = [t for t in texts.values() if t.startswith("cp1251:")]
    assert cp1251 and all("субъекта" in t and ";" in t for t in cp1251)
    utf8 = [t for t in texts.values() if not t.startswith("cp1251:")]
    assert utf8 and all(len(next(csv.reader(io.StringIO(t.splitlines()[3])))) == 13 for t in utf8)
    everything = "\n".join(texts.values())
    assert "\n1;" in everything  # a region code without its leading zero
    assert NBSP in everything and "Итого" in everything
    assert "Чувашская Республика-Чувашия" in everything  # a hyphen for the en dash
    assert "Чувашская Республика \u2014 Чувашия" in everything  # an em dash


def test_messy_xlsx_features(exports: list[Path]) -> None:
    by_name = {p.name: p for p in exports}
    latest = _sheet(by_name["sferum_monitoring_2024-09-16.xlsx"])
    assert latest[0][0] == "Мониторинг ИКОП «Сферум»"
    assert latest[1][0] == "по состоянию на 16.09.2024"
    header = latest[3]
    assert "Руководителей ОО,\nвсего (чел.)" in header  # wrapped, with a unit
    assert any("учетные" in str(h) for h in header)  # е for ё
    assert latest[-1][1] == "Итого"
    name_only = _sheet(by_name["monitoring_2024-07-15.xlsx"])
    assert not any("состоянию" in str(c) for row in name_only[:3] for c in row)
    cells = [c for p in exports if p.suffix == ".xlsx" for row in _sheet(p) for c in row]
    assert "Дата среза" in cells
    assert {"да", "Да", "+", "-", 1, 0} <= set(cells)
    assert 1 in cells and "01" in cells  # codes with and without the leading zero
    assert any(isinstance(c, str) and NBSP in c and c.replace(NBSP, "").isdigit() for c in cells)


def test_totals_rows_are_column_sums(history: pd.DataFrame, exports: list[Path]) -> None:
    rows = _sheet(next(p for p in exports if p.name == "sferum_monitoring_2024-09-16.xlsx"))
    header = [str(h).replace("\n", " ") for h in rows[3]]
    totals = dict(zip(header, rows[-1], strict=True))
    latest = select_snapshot(history, LATEST)
    assert totals["Обучающихся, всего (чел.)"] == latest["pupils_total"].sum()
    assert totals["Педагогов, привязавших учетную запись к ЕСИА (чел.)"] == 83_112
    text = _csv_texts(exports)["sferum_monitoring_2024-06-03.csv"].removeprefix("cp1251:")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    first = select_snapshot(history, "2024-06-03")
    assert lines[-1][1] == "Итого"
    assert int(lines[-1][8].replace(" ", "")) == first["pupils_total"].sum()


def test_exports_read_back_through_the_contract(history: pd.DataFrame,
                                                exports: list[Path]) -> None:
    loaded = load_folder(exports[0].parent, FEDERAL, federal_context())
    assert loaded.ok, [str(p) for p in loaded.problems]
    columns = [c for c in history.columns if c != "region_name"]
    back = loaded.frame[columns].sort_values(["snapshot_date", "region_code"])
    back = back.reset_index(drop=True).astype(history[columns].dtypes.to_dict())
    pd.testing.assert_frame_equal(back, history[columns])


def test_the_one_demo_cli_writes_the_federal_snapshots(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["--out", str(tmp_path), "--exclude", "is_added_2022=1", "--exclude", "region_code=35"]
    assert main(arguments) == 0
    assert len(list((tmp_path / "federal").iterdir())) == 16
    assert not (tmp_path / "regions").exists()
    out = capsys.readouterr().out
    assert "84 регионов" in out and "готово за" in out


def test_demo_is_regenerated_only_when_changed(tmp_path: Path, capsys) -> None:
    from helpers.demo.__main__ import main as generate

    out = tmp_path / "demo"
    arguments = ["--out", str(out), "--school-regions", "", "--if-changed"]
    assert generate(arguments) == 0
    files = {p: p.stat().st_mtime_ns for p in (out / "federal").iterdir()}
    capsys.readouterr()
    assert generate(arguments) == 0
    assert "Демо-данные актуальны" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in (out / "federal").iterdir()} == files
    edited = sorted(files)[0]
    edited.write_bytes(b"edited by hand")
    assert generate(arguments) == 0  # a file touched in the demo folder: generated again
    assert "Демо-данные актуальны" not in capsys.readouterr().out
    assert edited.read_bytes() != b"edited by hand"
    assert generate([*arguments[:-1], "--exclude", "is_added_2022=1", "--if-changed"]) == 0
    assert "Демо-данные актуальны" not in capsys.readouterr().out  # other arguments


def test_another_variant_draws_other_regions_and_keeps_the_slides(history: pd.DataFrame) -> None:
    other = build_federal_history(variant=1)
    assert_seed_figures(other)  # the slides' national figures and lists hold in every variant
    keys = ["snapshot_date", "region_code"]
    changed = (other.set_index(keys)["teachers_active"] != history.set_index(keys)["teachers_active"])
    assert changed.mean() > 0.5
    pd.testing.assert_frame_equal(build_federal_history(variant=1), other)  # still deterministic


def test_the_variant_is_part_of_what_the_demo_is_made_from(tmp_path: Path, capsys) -> None:
    arguments = ["--out", str(tmp_path), "--school-regions", "", "--if-changed"]
    assert main(arguments) == 0
    first = (tmp_path / "federal").iterdir().__next__().name
    before = (tmp_path / "federal" / first).read_bytes()
    capsys.readouterr()
    assert main([*arguments, "--variant", "3"]) == 0
    assert "Демо-данные актуальны" not in capsys.readouterr().out
    assert (tmp_path / "federal" / first).read_bytes() != before
    with pytest.raises(SystemExit):
        main([*arguments, "--variant", "-1"])
    assert "вариант — целое число от 0" in capsys.readouterr().err
