"""No heading or caption is printed at the foot of a page away from what it introduces: checked on
the PDF Chromium prints (its structure tree says where each element landed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.config import TEMPLATES_DIR
from helpers.presentation.display import captioned
from helpers.presentation.tables import html_view
from helpers.render.pages import Stranded, stranded, table_breaks
from helpers.render.pdf import PdfPrinter

CSS = (TEMPLATES_DIR / "briefing" / "briefing.css").read_text(encoding="utf-8")
# what the house rules keep together, undone: the checker must see the stranded heading then
NO_KEEPING = ("h2, .cell { break-after: auto !important; } .cell { break-before: auto !important; }"
              " .output_html table caption { caption-side: top; }")
FIGURE = ('<figure class="figure" role="group"><img alt="Столбцы" style="height: 70mm; width: 100mm" '
          'src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRo'
          'PSIxMCIgaGVpZ2h0PSIxMCI+PHJlY3Qgd2lkdGg9IjEwIiBoZWlnaHQ9IjEwIi8+PC9zdmc+"><figcaption>Подпись'
          "</figcaption></figure>")


def notebook_page(tmp_path: Path, filler_mm: int, after_heading: str, extra_css: str = "") -> Path:
    """Cells as nbconvert writes them: a filler, a markdown cell with only a heading (an analyst's
    new section), then a code cell's output."""
    path = tmp_path / "cells.html"
    path.write_text(
        f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><style>{CSS}{extra_css}</style></head>'
        '<body><main class="briefing">'
        f'<div class="cell text_cell"><p style="height: {filler_mm}mm">Начало.</p></div>'
        '<div class="cell text_cell"><div class="inner_cell"><div class="text_cell_render">'
        '<h2 id="section-1">Раздел аналитика</h2></div></div></div>'
        '<div class="cell code_cell"><div class="output_wrapper"><div class="output_html">'
        f"{after_heading}</div></div></div></main></body></html>", encoding="utf-8")
    return path


def table(rows: int = 30) -> str:
    frame = pd.DataFrame({"Школа": [f"МОУ «СОШ № {n}»" for n in range(rows)], "K1": [0.2] * rows})
    return captioned(html_view(frame, {"K1": "percent"}), "Школы с наименьшим K1, по возрастанию")


@pytest.mark.parametrize("filler_mm", [228, 236, 244])
def test_a_heading_at_the_foot_of_a_page_moves_to_the_figure_it_introduces(
        tmp_path: Path, printer: PdfPrinter, filler_mm: int) -> None:
    pdf = printer.render(notebook_page(tmp_path, filler_mm, FIGURE), running_title="Проверка")
    assert stranded(pdf) == []
    unkept = printer.render(notebook_page(tmp_path, filler_mm, FIGURE, NO_KEEPING), running_title="Проверка")
    assert Stranded("/H2", 1, 2) in stranded(unkept)  # what the reader would have got


@pytest.mark.parametrize("filler_mm", [236, 242, 248])
def test_a_table_caption_stays_with_the_first_rows(tmp_path: Path, printer: PdfPrinter,
                                                   filler_mm: int) -> None:
    body = f'<p style="height: 5mm">Абзац.</p>{table()}'
    pdf = printer.render(notebook_page(tmp_path, filler_mm - 20, body), running_title="Проверка")
    assert stranded(pdf) == []


def test_a_table_continued_on_the_next_page_says_so_and_repeats_its_header(tmp_path: Path,
                                                                            printer: PdfPrinter) -> None:
    import subprocess

    from helpers.render.html import number_captions

    path = notebook_page(tmp_path, 20, number_captions(table(rows=90)))
    pdf = printer.render(path, running_title="Проверка")
    assert table_breaks(pdf)[1] == []  # every page's part is a table of its own
    (tmp_path / "continued.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "continued.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 3 and "Таблица 1 — Школы с наименьшим K1" in pages[0]
    for page in pages[1:]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[1] == "Продолжение таблицы 1"  # under the running header
        assert lines[2].split() == ["Школа", "K1"]  # the header row again
    assert all(f"МОУ «СОШ № {n}»" in text for n in range(90))  # no row lost or doubled
    assert sum(text.count(f"МОУ «СОШ № {n}» ") for n in range(90)) == 90


def _page_texts(tmp_path: Path, pdf: bytes) -> list[str]:
    import subprocess

    (tmp_path / "printed.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "printed.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


SCHOOLS = ("СОШ", "ООШ", "НОШ")


def long_tables(rows: int) -> str:
    """Long numbered tables one right after the other, as a briefing's sections print them."""
    from helpers.render.html import number_captions

    shown = [table(rows).replace("«СОШ", f"«{school}").replace("наименьшим", f"наименьшим ({school})")
             for school in SCHOOLS]
    return number_captions("".join(shown))


@pytest.mark.parametrize("filler_mm", range(20, 240, 25))
def test_a_continuation_line_never_leaves_a_page_with_a_row_or_two(tmp_path: Path, printer: PdfPrinter,
                                                                    filler_mm: int) -> None:
    pdf = printer.render(notebook_page(tmp_path, filler_mm, long_tables(rows=45)), running_title="Проверка")
    assert table_breaks(pdf)[1] == []
    pages = _page_texts(tmp_path, pdf)
    rows = [sum(page.count(f"«{school} № ") for school in SCHOOLS) for page in pages]
    # each page but the last is filled: a table's rows run on where the one before ends
    assert all(count >= 10 for count in rows[1:-1]), rows
    assert sum(rows) == 45 * len(SCHOOLS)


def tall_headed_table(rows: int = 8) -> str:
    """A numbered table with a three-line caption and a two-line header row (the readiness
    briefing's «наименее готовые школы»): caption and header fill the foot of a page alone."""
    columns = {"Школа": [f"Ш{n}я" for n in range(rows)]}
    names = ("Нет общешк. чата", "Нет чата сотр.", "Нет чатов классов", "Нет чатов родит.",
             "Неактивных чатов", "Открыто на прежних")
    columns.update({name: [1] * rows for name in names})
    title = ("15 наименее готовых школ из 324 не готовых (все — на листе «Школы не готовы» книги Excel): "
             "число не созданных обязательных чатов, созданных, но неактивных, и открытых на прежних "
             "платформах")
    return captioned(html_view(pd.DataFrame(columns), {}), title)


@pytest.mark.parametrize("filler_mm", range(196, 214, 2))
def test_a_table_with_no_row_under_its_caption_starts_the_next_page(tmp_path: Path, printer: PdfPrinter,
                                                                     filler_mm: int) -> None:
    from helpers.render.html import number_captions

    pdf = printer.render(notebook_page(tmp_path, filler_mm, number_captions(tall_headed_table())),
                         running_title="Проверка")
    pages = _page_texts(tmp_path, pdf)
    with_caption = next(page for page in pages if "Таблица 1 — " in page)
    assert "Ш0я" in with_caption and "Раздел аналитика" in with_caption  # the heading goes along


def _rows_per_page(tmp_path: Path, printer: PdfPrinter, filler_mm: int, rows: int) -> list[int]:
    from helpers.render.html import number_captions

    path = notebook_page(tmp_path, filler_mm, number_captions(table(rows)))
    pdf = printer.render(path, running_title="Проверка")
    return [page.count("«СОШ № ") for page in _page_texts(tmp_path, pdf)]


@pytest.mark.parametrize("filler_mm", range(186, 218, 4))
def test_a_short_table_is_never_cut(tmp_path: Path, printer: PdfPrinter, filler_mm: int) -> None:
    # a five-row table at the foot of a page used to print 4 + 1, 3 + 2 … 1 + 4 rows
    assert sorted(_rows_per_page(tmp_path, printer, filler_mm, rows=5))[-1] == 5


@pytest.mark.parametrize("filler_mm", [14, 18, 22])
def test_a_cut_leaves_at_least_three_rows_on_each_page(tmp_path: Path, printer: PdfPrinter,
                                                       filler_mm: int) -> None:
    # 31 rows after these fillers used to print 30 + 1 or 29 + 2
    counts = [count for count in _rows_per_page(tmp_path, printer, filler_mm, rows=31) if count]
    assert min(counts) >= 3 and sum(counts) == 31, counts
