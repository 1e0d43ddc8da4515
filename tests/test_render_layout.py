"""Every page prints whole: the layout check before printing, and what the PDF carries.

Rendered in the real Chromium on small HTML pages written for the test, styled with the
briefing's own stylesheet: a page that fits passes; a too-wide table, a card whose text spills,
a long unbreakable name in a narrow box each fail, naming the element.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from helpers.config import TEMPLATES_DIR
from helpers.presentation import fragments
from helpers.presentation.fragments import KeyFigure
from helpers.presentation.tables import html_view
from helpers.render.html import ascii_heading_ids, status_css
from helpers.render.pdf import ClippedLayout, PdfPrinter

CSS = (TEMPLATES_DIR / "briefing" / "briefing.css").read_text(encoding="utf-8")


def page(tmp_path: Path, body: str) -> Path:
    """A briefing-like page: the house stylesheet, the status colours, ``body`` in <main>."""
    path = tmp_path / "page.html"
    path.write_text(f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><style>{CSS}'
                    f'{status_css()}</style></head><body><main class="briefing">'
                    f'<h1 id="Заголовок-справки">Справка</h1><h2 id="Раздел-первый">Раздел</h2>'
                    f'<div class="output_html">{body}</div></main></body></html>', encoding="utf-8")
    return path


def cards() -> str:
    long_label = "Доля педагогов и обучающихся, связавших учётные записи ЭЖД и Сферума"
    return fragments.key_figures_html([
        KeyFigure(long_label, "55,1 %", "не менее 75 %", "behind", note="по России: 55,1 %"),
        KeyFigure("Базовая интеграция ЭЖД со Сферумом завершена", "86 из 89 регионов", "все",
                  "near", note="не завершили: 3"),
        KeyFigure("Обязательные чаты школ созданы и активны (Сферум (VK Мессенджер))", "81,6 %",
                  "100 %", "near"),
        KeyFigure("Педагогов привязали учётную запись Сферума к ЕСИА", "83 тыс.", "все", "behind"),
    ])


def test_key_figure_cards_and_a_wide_table_fit_the_page(tmp_path: Path, printer: PdfPrinter) -> None:
    wide = pd.DataFrame({"Место": [1], "Субъект РФ": ["Ханты-Мансийский автономный округ — Югра"],
                         **{f"K{i}": [0.205] for i in range(1, 11)}, "Статус K1": ["✖ отстаёт"]})
    body = cards() + html_view(wide, {f"K{i}": "percent" for i in range(1, 11)}, ["Статус K1"])
    pdf = printer.render(page(tmp_path, body), running_title="Проверка")
    assert pdf.startswith(b"%PDF")


def test_a_table_too_wide_for_the_page_fails_naming_it(tmp_path: Path, printer: PdfPrinter) -> None:
    # numbers never break (a long text does, see the test of a school name without a space)
    unbreakable = pd.DataFrame({f"Столбец{i}": [1234567890.5] for i in range(30)})
    formats = {f"Столбец{i}": "decimal" for i in range(30)}
    with pytest.raises(ClippedLayout) as clipped:
        printer.render(page(tmp_path, html_view(unbreakable, formats)), running_title="Проверка")
    assert any(element.startswith("table.briefing-table") for element in clipped.value.elements)
    assert "за правым полем" in str(clipped.value)


def test_text_spilling_out_of_its_box_fails_naming_it(tmp_path: Path, printer: PdfPrinter) -> None:
    spill = '<div style="width: 30mm; white-space: nowrap">Кичменгско-Городецкий муниципальный округ</div>'
    with pytest.raises(ClippedLayout) as clipped:
        printer.render(page(tmp_path, spill), running_title="Проверка")
    assert "Кичменгско-Городецкий" in str(clipped.value)


def test_the_pdf_is_tagged_has_an_outline_and_says_it_is_russian(tmp_path: Path,
                                                                 printer: PdfPrinter) -> None:
    source = page(tmp_path, "<p>Текст справки.</p>")
    source.write_text(ascii_heading_ids(source.read_text(encoding="utf-8")), encoding="utf-8")
    pdf = printer.render(source, running_title="Проверка")
    root = PdfReader(__import__("io").BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "ru"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert "/Outlines" in root
    names = re.findall(rb"/[^\s/<>\[\]()%{}]+", pdf)
    assert max(len(name) for name in names) <= 127  # the PDF name limit poppler checks


def test_heading_ids_become_short_and_links_follow() -> None:
    html = ('<h2 id="Плановые-показатели">Плановые</h2><a href="#Плановые-показатели">к разделу</a>'
            '<h2 id="ТОП-5">ТОП</h2><h2 id="region-card">Карточка</h2>'
            '<h2 id="%D0%9C%D0%B5%D1%82%D0%BE%D0%B4">Методика</h2>')
    renamed = ascii_heading_ids(html)
    assert 'id="region-card"' in renamed and 'id="section-3"' in renamed and "%D0" not in renamed
    assert 'id="section-1"' in renamed and 'href="#section-1"' in renamed and 'id="section-2"' in renamed
    assert "Плановые-показатели" not in renamed


def test_a_briefing_that_would_print_clipped_is_recorded_failed(tmp_path: Path,
                                                                printer: PdfPrinter) -> None:
    import nbformat

    from helpers.render.pipeline import render_briefing

    fixture = Path(__file__).parent / "fixtures" / "render" / "tiny_briefing.ipynb"
    notebook = nbformat.read(fixture, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "from IPython.display import HTML, display\n"
        "display(HTML('<table class=\"briefing-table\"><tr>' + "
        "'<td>Оченьдлинноенеразрывноезначениеячейки</td>' * 8 + '</tr></table>'))"))
    copy = tmp_path / "wide" / fixture.name
    copy.parent.mkdir()
    nbformat.write(notebook, copy)
    result = render_briefing(copy, {"region_code": "35"}, kind="tiny", territory="35",
                             territory_name="Вологодская область", title="Слишком широкая",
                             output_dir=tmp_path / "output", printer=printer)
    assert not result.ok and result.status == "failed"
    assert "не помещается по ширине страницы" in (result.error or "")
    assert "table.briefing-table" in (result.error or "")


def _page_one_state(printer: PdfPrinter, path: Path) -> tuple[bool, float]:
    from helpers.render.pdf import PAGE_ONE_END, TIGHT_PAGE_ONE

    with printer._checked_page(path) as opened:  # noqa: SLF001 — the laid-out page itself
        tight = opened.evaluate(f"document.body.classList.contains('{TIGHT_PAGE_ONE}')")
        return bool(tight), float(opened.evaluate(PAGE_ONE_END))


def test_a_page_one_that_would_run_over_is_set_tighter_to_fit(tmp_path: Path, printer: PdfPrinter) -> None:
    from helpers.render.pdf import PRINTABLE_HEIGHT_PX

    findings = [f"Находка номер {n}: короткая строка" for n in range(50)]
    breaks = fragments.page_break_html()
    long = page(tmp_path, fragments.summary_html(about="", findings=findings) + breaks)
    tight, end = _page_one_state(printer, long)
    assert tight and end <= PRINTABLE_HEIGHT_PX
    short = page(tmp_path, fragments.summary_html(about="", findings=findings[:5]) + breaks)
    assert not _page_one_state(printer, short)[0]  # a page one that fits keeps the house type


def test_one_school_name_without_a_space_wraps_inside_its_cell(tmp_path: Path, printer: PdfPrinter) -> None:
    typo = "СредняяобщеобразовательнаяшколаВологды" * 8  # 304 characters, no space
    schools = pd.DataFrame({"Школа": [typo, "МОУ «Школа № 5»"], "K1": [0.2, 0.31],
                            "Статус": ["✖ отстаёт", "✔ выполнено"]})
    body = (html_view(schools, {"K1": "percent"}, ["Статус"]) + f"<p>Школа с наименьшим K1: {typo}.</p>"
            + cards())
    pdf = printer.render(page(tmp_path, body), running_title="Проверка")
    text = "".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(pdf)).pages)
    assert "МОУ «Школа № 5»" in text and "31,0" in text  # the rest of the table is printed
