"""The Excel workbook: one formatted sheet per displayed table, provenance in «Источник»."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from openpyxl import load_workbook

from helpers.presentation.display import PROVENANCE_MIME, TABLE_MIME, table_payload
from helpers.render.excel import (
    EXCEL_FORMATS,
    PROVENANCE_SHEET,
    build_workbook,
    sheet_names,
    status_of,
    write_workbook,
)
from helpers.render.payloads import find_provenance, find_tables
from helpers.vocabulary import STATUSES

PROVENANCE = {
    "parameters": {"region_code": "35", "period": "2024-09-16"},
    "snapshot_date": "2024-09-16",
    "data_hash": "sha256:abc",
    "code_version": "v1-3-gdeadbee",
    "rendered_at": "2024-09-16T14:05:00+03:00",
}


def kpi_payload(name: str = "Ключевые показатели") -> dict[str, Any]:
    frame = pd.DataFrame(
        {
            "Регион": ["Вологодская область", "Курганская область"],
            "Активность": [0.262, 0.151],
            "Педагогов": [12345, 6789],
            "Прирост": [0.031, -0.004],
            "Дата": pd.to_datetime(["2024-09-16", "2024-09-09"]),
            "Статус": ["✔ выполнено", "отстаёт"],
            "Задача": ["✖ просрочено", "▲ выполнено с опозданием"],
        }
    )
    return table_payload(
        frame,
        name=name,
        title="Ключевые показатели регионов",
        formats={
            "Активность": "percent",
            "Педагогов": "int",
            "Прирост": "pp",
            "Дата": "date",
        },
        status_columns=["Статус", "Задача"],
    )


@pytest.fixture
def workbook_path(tmp_path: Path) -> Path:
    path = tmp_path / "briefing.xlsx"
    write_workbook(path, [kpi_payload()], PROVENANCE, title="Справка")
    return path


def test_one_sheet_per_table_and_the_provenance_sheet_last(workbook_path: Path) -> None:
    workbook = load_workbook(workbook_path)
    assert workbook.sheetnames == ["Ключевые показатели", PROVENANCE_SHEET]
    assert workbook.properties.creator == "Сферум: мониторинг"


def test_caption_header_frozen_and_filtered(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)["Ключевые показатели"]
    assert sheet["A1"].value == "Ключевые показатели регионов"
    assert [cell.value for cell in sheet[2]] == [
        "Регион", "Активность", "Педагогов", "Прирост", "Дата", "Статус", "Задача",
    ]  # fmt: skip
    assert all(cell.font.bold and cell.fill.fill_type == "solid" for cell in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:G4"
    assert sheet.column_dimensions["A"].width >= len("Вологодская область")


def test_values_stay_numbers_with_excel_formats(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)["Ключевые показатели"]
    share, count, delta, day = sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"]
    assert share.value == pytest.approx(0.262) and share.number_format == "0.0%"
    assert count.value == 12345 and count.number_format == "#,##0"
    assert delta.value == pytest.approx(3.1) and delta.number_format == EXCEL_FORMATS["pp"]
    assert day.value == dt.datetime(2024, 9, 16) and day.number_format == "DD.MM.YYYY"


def test_every_status_column_is_coloured_and_keeps_the_word(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)["Ключевые показатели"]
    met, behind = sheet["F3"], sheet["F4"]
    assert (met.value, behind.value) == ("✔ выполнено", "отстаёт")
    assert met.fill.fgColor.rgb.endswith(STATUSES["met"].fill)
    assert behind.fill.fgColor.rgb.endswith(STATUSES["behind"].fill)
    overdue, late = sheet["G3"], sheet["G4"]
    assert overdue.fill.fgColor.rgb.endswith(STATUSES["behind"].fill)
    assert late.fill.fgColor.rgb.endswith(STATUSES["near"].fill)


def test_provenance_sheet_has_key_value_rows(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)[PROVENANCE_SHEET]
    rows = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Контрольная сумма данных"] == "sha256:abc"
    assert rows["Версия программы"] == "v1-3-gdeadbee"
    assert rows["Параметр region_code"] == "35"
    assert rows["Данные по состоянию на"].startswith("16 сентября 2024")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("выполнено", "met"),
        ("✔ выполнено", "met"),
        ("▲ близко к цели", "near"),
        ("отстаёт", "behind"),
        ("✔ в срок", "met"),
        ("✖\u00a0просрочено", "behind"),
        ("— нет данных", "unknown"),
        ("выполнил", None),
        ("—", None),
        (0.5, None),
    ],
)
def test_status_of_words(word: Any, status: str | None) -> None:
    assert status_of(word) == status


def test_sheet_names_are_valid_and_unique() -> None:
    long = "Школы, отстающие по авторизации в ЭЖД: список на неделю"
    names = sheet_names([long, long, "Итоги [1/2]", "источник"])
    assert all(len(name) <= 31 for name in names)
    assert len({name.casefold() for name in names}) == 4
    assert names[1].endswith("(2)")
    assert not set("[]:*?/\\") & set(names[2])
    assert names[3].casefold() != PROVENANCE_SHEET.casefold()


def test_tables_and_provenance_are_read_from_notebook_outputs() -> None:
    table = kpi_payload()
    cell = new_code_cell(
        "show_table(...)",
        outputs=[
            new_output("display_data", data={"text/html": "<table></table>", TABLE_MIME: table}),
            new_output("display_data", data={"text/html": "<p/>", PROVENANCE_MIME: PROVENANCE}),
        ],
    )
    nb = nbformat.from_dict(new_notebook(cells=[cell]))
    assert find_tables(nb) == [table]
    assert find_provenance(nb) == PROVENANCE
    workbook = build_workbook(find_tables(nb), find_provenance(nb))
    assert workbook.sheetnames == ["Ключевые показатели", PROVENANCE_SHEET]


def test_empty_table_still_gets_a_header(tmp_path: Path) -> None:
    payload = table_payload(pd.DataFrame({"Школа": []}), name="Пусто", title="Нет отстающих")
    sheet = build_workbook([payload], {})["Пусто"]
    assert sheet["A2"].value == "Школа"
    assert sheet.auto_filter.ref == "A2:A2"
