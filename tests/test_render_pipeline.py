"""End to end: the tiny notebook rendered to HTML, PDF and Excel, and a failure recorded."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from helpers.render.catalog import INDEX_NAME, load_manifest
from helpers.render.pdf import PdfPrinter
from helpers.render.pipeline import BriefingResult, render_briefing

FIXTURE = Path(__file__).parent / "fixtures" / "render" / "tiny_briefing.ipynb"
PARAMETERS = {"region_code": "35"}
STEM = "tiny_35_2024-09-16"


def test_fixture_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(FIXTURE, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert any("parameters" in cell.metadata.get("tags", []) for cell in code)


def render(notebook: Path, output_dir: Path, printer: PdfPrinter) -> BriefingResult:
    return render_briefing(
        notebook,
        PARAMETERS,
        kind="tiny",
        territory="35",
        territory_name="Вологодская область",
        title="Тестовая справка",
        output_dir=output_dir,
        printer=printer,
    )


def failing_copy(tmp_path: Path) -> Path:
    """The fixture with its ``fail`` parameter defaulting to true (same parameters passed)."""
    nb = nbformat.read(FIXTURE, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace("fail: bool = False", "fail: bool = True")
    path = tmp_path / "failing" / FIXTURE.name
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def plain(text: str) -> str:
    """PDF text with every kind of space as a plain space."""
    return "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("output")


@pytest.fixture(scope="module")
def rendered(output_dir: Path, printer: PdfPrinter) -> BriefingResult:
    return render(FIXTURE, output_dir, printer)


@pytest.mark.slow
def test_renders_html_pdf_xlsx_and_keeps_the_executed_notebook(rendered: BriefingResult) -> None:
    assert rendered.ok, rendered.error
    assert rendered.outputs == {
        "html": f"tiny/35/{STEM}.html",
        "pdf": f"tiny/35/{STEM}.pdf",
        "xlsx": f"tiny/35/{STEM}.xlsx",
        "notebook": f"_executed/tiny/35/{STEM}.ipynb",
    }
    assert rendered.snapshot_date == "2024-09-16"
    assert rendered.data_hash == "sha256:0123abcd"
    assert set(rendered.timings) == {"execute", "html", "pdf", "xlsx", "publish"}


@pytest.mark.slow
def test_pdf_is_a4_with_heading_page_numbers_table_and_provenance(
    rendered: BriefingResult, output_dir: Path
) -> None:
    reader = PdfReader(output_dir / rendered.outputs["pdf"])
    text = plain("\n".join(page.extract_text() for page in reader.pages))
    assert "Ключевые показатели" in text
    assert "стр. 1 из" in text
    assert "Тестовая справка · Вологодская область · 16 сентября 2024 г." in text
    for value in ("Активность педагогов", "26,2 %", "12 345", "выполнено", "отстаёт"):
        assert value in text
    assert "СКРЫТАЯ-ЯЧЕЙКА" not in text and "ПОТОК-STDERR" not in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    assert {font["/Subtype"] for font in fonts} == {"/Type0"}  # no Type 3 (faked bold) glyphs
    descriptors = [font["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts]
    assert all("/FontFile2" in descriptor for descriptor in descriptors)  # embedded
    info = reader.metadata
    assert info is not None and info.author == "Сферум: мониторинг"
    assert "sha256:0123abcd" in str(info["/Keywords"])
    assert "region_code = 35" in str(info.subject)


@pytest.mark.slow
def test_excel_and_manifest(rendered: BriefingResult, output_dir: Path) -> None:
    workbook = load_workbook(output_dir / rendered.outputs["xlsx"])
    assert workbook.sheetnames == ["Ключевые показатели", "Графики", "Источник"]  # its PNG chart too
    assert workbook["Ключевые показатели"]["C3"].value == 12345
    (entry,) = load_manifest(output_dir)
    assert entry["status"] == "ok" and entry["outputs"] == rendered.outputs
    assert entry["code_version"] == rendered.code_version
    page = (output_dir / INDEX_NAME).read_text(encoding="utf-8")
    assert f'href="tiny/35/{STEM}.pdf"' in page


@pytest.mark.slow
def test_failure_is_recorded_and_previous_outputs_stay(tmp_path: Path, printer: PdfPrinter) -> None:
    good = render(FIXTURE, tmp_path, printer)
    assert good.ok, good.error
    before = {name: (tmp_path / path).read_bytes() for name, path in good.outputs.items()}

    failed = render(failing_copy(tmp_path), tmp_path, printer)

    assert failed.status == "failed"
    assert "RuntimeError: Намеренная ошибка в справке" in (failed.error or "")
    executed = nbformat.read(tmp_path / failed.outputs["notebook"], as_version=4)
    assert any(out.get("output_type") == "error" for c in executed.cells for out in c.get("outputs", []))
    assert {name: (tmp_path / path).read_bytes() for name, path in good.outputs.items()} == before
    (entry,) = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["briefings"]
    assert entry["status"] == "failed" and entry["last_good"]["outputs"] == good.outputs
    assert '<tr class="failed"' in (tmp_path / INDEX_NAME).read_text(encoding="utf-8")
    leftovers = [p for p in tmp_path.rglob(".*") if p.name != ".manifest.lock"]
    assert leftovers == []
