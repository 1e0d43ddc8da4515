"""The Excel workbook: one formatted sheet per displayed table, provenance in «Источник»."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
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
    assert find_tables(nb) == [{**table, "number": 1}]
    assert find_provenance(nb) == PROVENANCE
    workbook = build_workbook(find_tables(nb), find_provenance(nb))
    assert workbook.sheetnames == ["Ключевые показатели", PROVENANCE_SHEET]


def test_empty_table_still_gets_a_header(tmp_path: Path) -> None:
    payload = table_payload(pd.DataFrame({"Школа": []}), name="Пусто", title="Нет отстающих")
    sheet = build_workbook([payload], {})["Пусто"]
    assert sheet["A2"].value == "Школа"
    assert sheet.auto_filter.ref == "A2:A2"


TITLE = "Вход в электронный дневник · Вологодская область · 16 сентября 2024 г."


def wide_payload(rows: int = 120) -> dict[str, Any]:
    """A long table of schools with ten numeric columns and one very long action text."""
    frame = pd.DataFrame({"Школа": [f"МОУ «Средняя общеобразовательная школа № {n}»" for n in range(rows)],
                          "Что сделать": ["Привязать учётную запись ребёнка 14 лет и старше к учётной "
                                          "записи родителя на портале Госуслуг"] * rows,
                          **{f"Проверка {i}": [0.5] * rows for i in range(1, 9)}})
    return table_payload(frame, name="Проверки по школам", title="Проверки по школам: доля выполненных "
                         "проверок в каждой школе региона, все школы, отсортированные по наименьшей доле",
                         formats={f"Проверка {i}": "percent" for i in range(1, 9)})


def test_every_table_sheet_prints_as_a_reader_expects() -> None:
    schools = pd.DataFrame({"Школа": ["МОУ «СОШ № 1»", "МОУ «СОШ № 2»"], "K1": [0.21, 0.3]})
    long_title = "Школы с наименьшей долей активных педагогов и обучающихся в обязательных чатах, по убыванию"
    book = build_workbook([table_payload(schools, name="Школы", title=long_title, formats={"K1": "percent"}),
                           wide_payload()], PROVENANCE, title=TITLE)
    narrow, wide = book["Школы"], book["Проверки по школам"]
    assert narrow.page_setup.orientation == "portrait" and wide.page_setup.orientation == "landscape"
    for sheet in book:
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.oddHeader.left.text == TITLE
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert wide.print_title_rows == "$2:$2"  # the header row on every page
    # a long caption is spread over its table and wrapped, not cut at the page's edge
    assert "A1:J1" in {str(merged) for merged in wide.merged_cells.ranges}
    assert "A1:B1" in {str(merged) for merged in narrow.merged_cells.ranges}
    assert narrow["A1"].alignment.wrap_text and narrow.row_dimensions[1].height >= 3 * 16
    # the long action wraps inside its column, on a row tall enough for its lines
    assert wide["B3"].alignment.wrap_text and wide.row_dimensions[3].height >= 30


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice missing: make readers installs it")
def test_libreoffice_prints_the_wide_table_whole_with_header_and_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "книга.xlsx"
    write_workbook(path, [wide_payload(rows=60)], PROVENANCE, title=TITLE)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=120)
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "книга.pdf"), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")
    pages = [page for page in pages if page.strip()]
    sheet_pages = [page for page in pages if "Проверка 8" in page]  # the header row repeated
    assert 2 <= len(sheet_pages) <= 4  # 60 rows on a few landscape pages, all ten columns on each
    assert all(TITLE in page for page in pages)
    assert all(f"из {len(pages)}" in page for page in pages)


def test_tables_and_figures_are_numbered_as_in_the_pdf() -> None:
    """The HTML numbers captions in display order; a table or figure shown only in the workbook
    (``remove_output``) has no number there, and none in the workbook either."""
    from helpers.render.html import number_captions
    from helpers.render.payloads import find_figures

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

    def table(name: str) -> Any:
        shown = f'<caption class="table-caption">{name}</caption>'
        return new_output("display_data", data={"text/html": shown, TABLE_MIME: kpi_payload(name)})

    def figure(caption: str) -> Any:
        return new_output("display_data", data={"image/png": png, "image/svg+xml": "<svg/>"},
                          metadata={"caption": caption})

    hidden = new_code_cell("", outputs=[table("Только в книге"), figure("Только в книге")])
    hidden.metadata["tags"] = ["remove_output"]
    cells = [new_code_cell("", outputs=[figure("Первый"), table("Первая")]), hidden,
             new_code_cell("", outputs=[table("Вторая"), figure("Второй")])]
    nb = nbformat.from_dict(new_notebook(cells=cells))
    book = build_workbook(find_tables(nb), PROVENANCE, figures=find_figures(nb))
    assert [book[name]["A1"].value for name in ("Первая", "Только в книге", "Вторая")] == [
        "Таблица 1 — Ключевые показатели регионов", "Ключевые показатели регионов",
        "Таблица 2 — Ключевые показатели регионов"]
    captions = [c.value for c in book["Графики"]["A"] if c.value]
    assert captions == ["Рисунок 1 — Первый", "Рисунок — Только в книге", "Рисунок 2 — Второй"]
    page = number_captions('<caption class="table-caption">Первая</caption><figcaption>Первый</figcaption>'
                           '<caption class="table-caption">Вторая</caption><figcaption>Второй</figcaption>'
                           '<p class="table-continued" data-continues="Первая">Продолжение таблицы</p>')
    assert "Таблица 2 — </span>Вторая" in page and "Рисунок 2 — </span>Второй" in page
    assert '<p class="table-caption table-continued">Продолжение таблицы 1</p>' in page


def test_a_column_of_mixed_figures_keeps_numbers_each_in_its_own_format() -> None:
    frame = pd.DataFrame({"Что изменилось": ["Индекс готовности", "Готовые школы", "Чат закрыт"],
                          "Было": [0.429, 3, "открыт"], "Изменение": [0.143, 18, ""],
                          "ОКТМО": ["19701000", "19730000", "19605000"]})
    payload = table_payload(frame, name="Изменения", title="Изменения", formats={"ОКТМО": "text"},
                            row_formats={"Было": ["percent", "int", "text"],
                                         "Изменение": ["pp", "signed", "text"]})
    sheet = build_workbook([payload], PROVENANCE)["Изменения"]
    cells = {(row[0].value, column): cell for row in sheet.iter_rows(min_row=3)
             for column, cell in zip(("Что", "Было", "Изменение", "ОКТМО"), row, strict=True)}
    share, count = cells[("Индекс готовности", "Было")], cells[("Готовые школы", "Изменение")]
    assert (share.value, share.number_format) == (0.429, EXCEL_FORMATS["percent"])
    assert cells[("Индекс готовности", "Изменение")].value == pytest.approx(14.3)  # п.п. with a sign
    assert (count.value, count.number_format) == (18, "+#,##0;-#,##0;0")
    assert cells[("Чат закрыт", "Было")].value == "открыт"
    assert all(isinstance(cells[(what, "ОКТМО")].value, str) for what, _ in cells)  # codes stay text
    with pytest.raises(ValueError, match="one format per row"):
        table_payload(frame, name="x", title="x", row_formats={"Было": ["percent"]})
