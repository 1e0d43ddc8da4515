"""docs/analysts.md's «Add a chart» recipe, followed on a copy of a briefing notebook.

The chart cell is taken from the document itself, so the recipe and the test cannot drift: a
plain pandas plot must show in the rendered PDF (as text-bearing SVG) and in the workbook.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from helpers.config import NOTEBOOKS_DIR, PROJECT_ROOT
from helpers.demo.federal import build_federal_history, write_federal_exports
from helpers.ingestion import ingest
from helpers.render.excel import FIGURES_SHEET
from helpers.render.pdf import PdfPrinter
from helpers.render.pipeline import render_briefing

GUIDE = PROJECT_ROOT / "docs" / "analysts.md"


def recipe(heading: str) -> str:
    """The first python block under ``## heading`` in the analysts' guide."""
    section = GUIDE.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


def test_a_plain_pandas_chart_reaches_the_pdf_and_the_workbook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, printer: PdfPrinter) -> None:
    write_federal_exports(build_federal_history(), tmp_path / "data" / "federal")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("PERIOD", "")
    assert ingest.main([]) == 0

    notebook = nbformat.read(NOTEBOOKS_DIR / "regional_ranking.ipynb", as_version=4)
    chart = recipe("Add a chart")
    notebook.cells.append(nbformat.v4.new_code_cell(chart))
    copy = tmp_path / "analyst" / "regional_ranking.ipynb"
    copy.parent.mkdir()
    nbformat.write(notebook, copy)

    result = render_briefing(copy, {}, kind="regional_ranking", territory="RU",
                             territory_name="Российская Федерация", title="Проверка рецепта",
                             output_dir=tmp_path / "output", printer=printer)
    assert result.ok, result.error
    title = re.search(r'title="([^"]+)"', chart).group(1)  # type: ignore[union-attr]
    pages = PdfReader(tmp_path / "output" / result.outputs["pdf"]).pages
    pdf = " ".join(page.extract_text() for page in pages)
    assert title in " ".join(pdf.replace("\u00a0", " ").split())
    book = load_workbook(tmp_path / "output" / result.outputs["xlsx"])
    assert FIGURES_SHEET in book.sheetnames
    assert len(book[FIGURES_SHEET]._images) == 1  # noqa: SLF001 — openpyxl keeps images there
