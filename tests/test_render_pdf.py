"""PDF printing pieces that need no browser: metadata, header, the missing-Chromium message."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader, PdfWriter

from helpers.render.pdf import (
    FOOTER_TEMPLATE,
    PROVENANCE_KEY,
    ChromiumNotFound,
    PdfPrinter,
    header_template,
    pdf_metadata,
    resolve_chromium,
    stamp_metadata,
)

PROVENANCE = {
    "parameters": {"region_code": "35"},
    "snapshot_date": "2024-09-16",
    "data_hash": "sha256:abc",
    "code_version": "abc1234",
    "rendered_at": "2024-09-16T14:05:00+03:00",
}


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_metadata_carries_title_author_and_provenance() -> None:
    metadata = pdf_metadata("Рейтинг · Вологодская область", PROVENANCE)
    assert metadata["/Author"] == "Сферум: мониторинг"
    assert "region_code = 35" in metadata["/Subject"]
    assert "2024-09-16" in metadata["/Subject"] and "abc1234" in metadata["/Subject"]
    assert "data_hash=sha256:abc" in metadata["/Keywords"]
    assert json.loads(metadata[PROVENANCE_KEY]) == PROVENANCE


def test_stamped_metadata_is_readable_back() -> None:
    stamped = stamp_metadata(blank_pdf(), pdf_metadata("Справка", PROVENANCE))
    info = PdfReader(io.BytesIO(stamped)).metadata
    assert info is not None
    assert info.title == "Справка"
    assert info.author == "Сферум: мониторинг"
    assert "rendered_at=2024-09-16T14:05:00+03:00" in str(info["/Keywords"])


def test_header_is_escaped_and_sized() -> None:
    header = header_template("Справка <черновик> · 35")
    assert "&lt;черновик&gt;" in header
    assert "font-size:" in header and "font-size:" in FOOTER_TEMPLATE
    assert 'class="pageNumber"' in FOOTER_TEMPLATE and 'class="totalPages"' in FOOTER_TEMPLATE
    assert FOOTER_TEMPLATE.count("стр.") == 1 and " из " in FOOTER_TEMPLATE


def test_missing_chromium_says_what_to_do_in_both_languages() -> None:
    with pytest.raises(ChromiumNotFound) as raised:
        resolve_chromium("/nonexistent/chromium")
    message = str(raised.value)
    assert "Не найден браузер Chromium" in message and "not found" in message
    assert "apt-get install chromium" in message and "CHROMIUM=" in message


def test_missing_chromium_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium-from-env")
    with pytest.raises(ChromiumNotFound, match="chromium-from-env"):
        PdfPrinter()


def test_metadata_is_appended_and_the_printed_bytes_are_kept() -> None:
    printed = blank_pdf()
    stamped = stamp_metadata(printed, pdf_metadata("Справка", PROVENANCE))
    assert stamped.startswith(printed) and len(stamped) - len(printed) < 4096  # an update, not a copy
    again = stamp_metadata(stamped, {"/Title": "Справка «вторая»"})
    reader = PdfReader(io.BytesIO(again))
    assert len(reader.pages) == 1
    assert reader.metadata is not None and reader.metadata.title == "Справка «вторая»"
    assert reader.metadata.author == "Сферум: мониторинг"  # the first stamp's entries stay
    assert json.loads(str(reader.metadata[PROVENANCE_KEY])) == PROVENANCE


def test_a_pdf_not_ending_in_a_plain_xref_table_is_rewritten_whole() -> None:
    odd = blank_pdf() + b"% a comment after the end\n"
    stamped = stamp_metadata(odd, pdf_metadata("Справка", PROVENANCE))
    assert not stamped.startswith(odd)
    info = PdfReader(io.BytesIO(stamped)).metadata
    assert info is not None and info.title == "Справка"
