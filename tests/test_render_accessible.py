"""The PDF a reader's software opens: what is an artifact, what is described, what is claimed.

Unit checks of :mod:`helpers.render.accessible` on content streams and small pages printed by the
real Chromium; the demo briefings themselves are checked in ``tests/test_render_readers.py``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from pdfua.validator import validate

from helpers.render.accessible import artifact_wrapped, link_description, make_accessible
from helpers.render.pdf import PdfPrinter, finish_pdf, pdf_metadata

HEADER = b"BT /F1 9 Tf 1 0 0 -1 10 10 Tm <0011> Tj ET\n"
BODY = b"/P <</MCID 0 >>BDC\nBT /F1 12 Tf <0012> Tj ET\nEMC\n"
NESTED = b"/Sect <</MCID 1 /Alt (a \\) BDC paren)>>BDC\n/Span BMC\n0 0 1 1 re f\nEMC\nEMC\n"


def test_content_outside_marked_sequences_becomes_artifacts_and_tagged_content_stays() -> None:
    wrapped, runs = artifact_wrapped(HEADER + BODY + NESTED + HEADER)
    artifact = ["BMC /Artifact", "BT", "Tf", "Tm", "Tj", "ET", "EMC"]
    # the tags, their operands and a string that reads like an operator stay as they were
    assert runs == 2 and _operators(wrapped) == artifact + _operators(BODY + NESTED) + artifact
    assert b"/Alt (a \\) BDC paren)" in wrapped


def _operators(content: bytes) -> list[str]:
    """Each operator of ``content``, a marked-content one with its tag."""
    found = []
    with pikepdf.new() as pdf:
        for operands, operator in pikepdf.parse_content_stream(pdf.make_stream(content)):
            tag = f" {operands[0]}" if str(operator) in ("BMC", "BDC") else ""
            found.append(f"{operator}{tag}")
    return found


def test_fully_tagged_content_is_left_as_it_is() -> None:
    assert artifact_wrapped(BODY + b"\n  \n" + BODY) == (BODY + b"\n  \n" + BODY, 0)


def test_links_say_where_they_lead_in_russian() -> None:
    targets = {"section-2": "Школы с наименьшим K1"}
    assert link_description("/section-2", targets) == "Переход к разделу «Школы с наименьшим K1»"
    assert link_description("https://sferum.ru", targets) == "Ссылка: https://sferum.ru"
    assert link_description("/unknown", targets) == "Переход к месту в документе"


def _page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.html"
    path.write_text('<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Т</title></head>'
                    f'<body><main><h1 id="top">Справка</h1>{body}<h2 id="section-1">Итоги</h2>'
                    "<p>Текст.</p></main></body></html>", encoding="utf-8")
    return path


def _errors(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    return [f"{f.rule_id}: {f.message}" for f in validate(path).findings]


SVG = ('<img alt="{alt}" src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAw'
       'MC9zdmciIHdpZHRoPSIxMDAiIGhlaWdodD0iNTAiPjxyZWN0IHdpZHRoPSIxMDAiIGhlaWdodD0iNTAiLz48L3N2Zz4=">')


def test_a_printed_page_passes_the_pdfua_checker_and_claims_pdfua(tmp_path: Path,
                                                                  printer: PdfPrinter) -> None:
    body = (f'<figure class="figure" role="group">{SVG.format(alt="Столбцы: наибольшее 20 %")}'
            '<figcaption>Подпись</figcaption></figure><p><strong>Важно</strong>: '
            '<a href="#section-1">к итогам</a></p>')
    source = _page(tmp_path, body)
    printed = printer.render(source, running_title="Справка · Вологодская область")
    assert _errors(printed, tmp_path)  # Chromium's own file: header and footer untagged, no XMP
    finished = finish_pdf(printed, source.read_text(encoding="utf-8"),
                          pdf_metadata("Справка · Вологодская область", {}))
    assert _errors(finished, tmp_path) == []
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfuaid:part"] == "1" and meta["dc:title"] == "Справка · Вологодская область"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert pdf.Root.StructTreeRoot.RoleMap.Strong == pikepdf.Name.Span
        (link,) = [a for a in pdf.pages[0].Annots if a.Subtype == pikepdf.Name.Link]
        assert str(link.Contents) == "Переход к разделу «Итоги»"


def test_pdfua_is_not_claimed_for_a_figure_without_description(tmp_path: Path, printer: PdfPrinter) -> None:
    undescribed = SVG.replace(' alt="{alt}"', "")
    printed = printer.render(_page(tmp_path, f"<figure>{undescribed}</figure>"), running_title="Проверка")
    finished, report = make_accessible(printed, title="Проверка")
    assert report.figures_without_alt and not report.claims_pdfua
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        assert "pdfuaid:part" not in pdf.open_metadata()
    assert any(error.startswith("UA-13-004") for error in _errors(finished, tmp_path))


@pytest.mark.parametrize("text", ["стр. 1 из 1", "Справка · Вологодская область"])
def test_the_running_header_and_footer_are_not_read_as_content(text: str, tmp_path: Path,
                                                               printer: PdfPrinter) -> None:
    import subprocess

    source = _page(tmp_path, "")
    finished = finish_pdf(printer.render(source, running_title="Справка · Вологодская область"),
                          source.read_text(encoding="utf-8"), pdf_metadata("Справка", {}))
    path = tmp_path / "read.pdf"
    path.write_bytes(finished)
    printed = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    tagged = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True,
                            check=True)
    assert text in printed.stdout  # on paper
    assert text not in tagged.stdout and "Итоги" in tagged.stdout  # not in what is read aloud
