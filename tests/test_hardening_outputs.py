"""Hostile text from an export reaches published outputs as text: never a live spreadsheet
formula, never mathtext in a chart."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers.presentation.display import table_payload
from helpers.render.excel import write_workbook

matplotlib.use("Agg")

HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/x","click")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
]


def test_formula_looking_text_is_stored_as_text_and_reads_the_same(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Школа": HOSTILE_NAMES, "Учеников": range(len(HOSTILE_NAMES)),
                          "=Столбец": ["=A1"] * len(HOSTILE_NAMES)})
    payload = table_payload(frame, name="Школы", title="=1+1 заголовок", formats={"Учеников": "int"})
    path = tmp_path / "b.xlsx"
    write_workbook(path, [payload], {"parameters": {"territory": "=2+2"}}, title="Справка")

    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n)
                                  for n in sheets)
    sheet = load_workbook(path)["Школы"]
    read = [sheet.cell(3 + i, 1) for i in range(len(HOSTILE_NAMES))]
    assert [c.value for c in read] == HOSTILE_NAMES  # readable, exactly as in the export
    assert all(c.data_type == "s" and c.quotePrefix for c in read)
    assert sheet.cell(3, 2).value == 0 and sheet.cell(3, 2).data_type == "n"  # numbers stay numbers
    assert sheet.cell(1, 1).data_type == "s" and sheet.cell(2, 3).data_type == "s"
    provenance = load_workbook(path)["Источник"]
    assert any(row[1].value == "=2+2" and row[1].data_type == "s"
               for row in provenance.iter_rows(min_row=2) if row[1].value)


@pytest.mark.parametrize("name", ["МБОУ «Школа № 1» $$", "Школа $x^{2}$ \\frac{", "$", "a$b$c$"])
def test_dollar_signs_in_names_are_drawn_as_text(name: str) -> None:
    from helpers.presentation.charts import apply_style, category_bars

    apply_style()
    frame = pd.DataFrame({"school": [name, "Школа № 2"], "share": [0.4, 0.6]})
    figure = category_bars(frame, label="school", value="share", title=f"Худшие: {name}")
    svg, png = io.BytesIO(), io.BytesIO()
    figure.savefig(svg, format="svg")
    figure.savefig(png, format="png")
    text = svg.getvalue().decode()
    assert name.replace("<", "&lt;").replace(">", "&gt;").split("{")[0] in text
    assert png.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["pupils; DROP TABLE pupils", "t --", "T", "a b", "1x", "x'y", ""])
def test_only_plain_identifiers_are_pasted_into_sql(name: str) -> None:
    from helpers.warehouse import store

    with pytest.raises(ValueError):
        store.identifier(name)
    assert store.identifiers(["region_code", "snapshot_date"]) == "region_code, snapshot_date"


def test_a_hostile_column_name_never_reaches_the_warehouse(tmp_path: Path) -> None:
    from helpers.warehouse import store

    path = tmp_path / "w.duckdb"
    frame = pd.DataFrame({"a) ; COPY (SELECT 1) TO 'x.csv' --": [1]})
    with pytest.raises(ValueError):
        store.rebuild(path, {"t": frame}, keys={})
    assert not path.exists() and not (tmp_path / "x.csv").exists()
