"""The demo briefings as their readers' software opens them: a PDF/UA checker, a screen reader's
descriptions, the printed pages, the workbooks (rendered once per session, see ``published``)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from pdfua.model import Severity
from pdfua.validator import validate

from helpers.render.pages import stranded, table_breaks

TEXT_FIGURE = re.compile(r"^[+−-]?\d[\d\u00a0 ]*(,\d+)?\s?(%|п\.п\.)?$")


def _files(published: Path, suffix: str) -> list[Path]:
    found = sorted(p for p in published.glob(f"*/*/*{suffix}") if "_executed" not in p.parts)
    assert found
    return found


def test_every_pdf_passes_the_pdfua_checker_without_warnings(published: Path) -> None:
    problems = {}
    for path in _files(published, ".pdf"):
        findings = [f for f in validate(str(path)).findings if f.severity >= Severity.WARNING]
        if findings:
            problems[path.name] = [f"{f.rule_id}: {f.message}" for f in findings[:3]]
    assert problems == {}


def test_no_heading_or_caption_is_cut_off_and_numbered_tables_say_where_they_continue(
        published: Path) -> None:
    for path in _files(published, ".pdf"):
        pdf = path.read_bytes()
        assert stranded(pdf) == [], path.name
        text = path.with_suffix(".html").read_text(encoding="utf-8")
        numbered = len(re.findall(r'<caption class="table-caption">', text))
        assert numbered, path.name
        tables, _ = table_breaks(pdf)
        assert tables >= numbered  # continued tables are tables of their own in print


def test_every_chart_has_a_russian_description_from_its_data(published: Path) -> None:
    for path in _files(published, ".html"):
        alts = re.findall(r'<img [^>]*alt="([^"]*)"', path.read_text(encoding="utf-8"))
        assert alts, path.name
        for alt in alts:
            assert re.match(r"(Столбчатая диаграмма|Линейный график|Воронка|Диаграмма|Гистограмма)", alt), alt
            assert "No description" not in alt and re.search(r"\d", alt), alt


@pytest.mark.parametrize("kind", ["migration_readiness", "municipality_scorecard", "diary_authorization_gaps",
                                  "regional_ranking"])
def test_workbook_figures_are_numbers_and_every_sheet_prints_with_headers(published: Path,
                                                                          kind: str) -> None:
    for path in (p for p in _files(published, ".xlsx") if p.name.startswith(kind)):
        book = openpyxl.load_workbook(path)
        for sheet in book:
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, (path.name, sheet.title)
            assert sheet.oddHeader.left.text and "&P" in sheet.oddFooter.center.text
            texts = [cell.value for row in sheet.iter_rows(min_row=3) for cell in row
                     if isinstance(cell.value, str) and TEXT_FIGURE.match(cell.value.strip())
                     and not cell.value.strip().isdigit()]  # codes (ОКТМО, school ids) stay text
            assert texts == [], (path.name, sheet.title, texts[:5])
