"""Outputs as registered exporters: the pipeline, the catalog and delivery iterate the registry,
so a new format is one class — shown here with a plain-text one, rendered, published and linked."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_render_pipeline import FIXTURE, render

from helpers.render import exporters
from helpers.render.catalog import INDEX_NAME, load_manifest
from helpers.render.content import content_parts
from helpers.render.pdf import PdfPrinter


class TextExporter(exporters.Exporter):
    """The briefing's words as plain text (a format a user might add)."""

    key, suffix, label = "txt", ".txt", "Текст"

    def write(self, target: Path, export: exporters.Export) -> None:
        words = [part for part in content_parts(export.nb) if isinstance(part, str)]
        target.write_text("\n".join(words), encoding="utf-8")


def test_the_registry_holds_each_output_once_with_its_suffix_and_label() -> None:
    keys = [e.key for e in exporters.EXPORTERS]
    assert keys == ["html", "pdf", "xlsx", "notebook"]
    assert len({e.suffix for e in exporters.EXPORTERS}) == len(keys)
    assert [e.key for e in exporters.public()] == ["html", "pdf", "xlsx"]
    assert exporters.by_key("pdf").attach and not exporters.by_key("notebook").attach


def test_a_new_format_is_one_class(tmp_path: Path, printer: PdfPrinter,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exporters, "EXPORTERS", (*exporters.EXPORTERS, TextExporter()))
    monkeypatch.setattr("helpers.render.pipeline.EXPORTERS", exporters.EXPORTERS)
    result = render(FIXTURE, tmp_path, printer)
    assert result.ok, result.error
    (entry,) = load_manifest(tmp_path)
    assert entry["outputs"]["txt"].endswith("_2024-09-16.txt")
    text = (tmp_path / entry["outputs"]["txt"]).read_text(encoding="utf-8")
    assert text.strip()
    index = (tmp_path / INDEX_NAME).read_text(encoding="utf-8")
    assert f'href="{entry["outputs"]["txt"]}">Текст</a>' in index
