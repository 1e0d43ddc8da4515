"""Read back what a briefing notebook displayed: its tables' JSON payloads, its provenance, and
the figures it left as PNG (an analyst's plain ``df.plot()``, for the Excel workbook)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from helpers.presentation.display import PAGE_ONE_MIME, PROVENANCE_MIME, TABLE_MIME

__all__ = ["Figure", "find_figures", "find_page_one", "find_payloads", "find_provenance", "find_tables"]

PNG_MIME = "image/png"
IMAGE_MIMES = (PNG_MIME, "image/svg+xml", "image/jpeg")
HIDDEN_TAGS = frozenset({"remove_cell", "remove_output"})  # what the HTML leaves out (conf.json)


@dataclass(frozen=True)
class Figure:
    """A figure the notebook displayed as PNG, with its caption (output or cell metadata)."""

    png: bytes
    caption: str = ""
    number: int | None = None  # «Рисунок N» as in the HTML and PDF; None: shown in the workbook only


def _outputs(nb: NotebookNode) -> Iterator[NotebookNode]:
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def find_payloads(nb: NotebookNode, mime: str) -> list[dict[str, Any]]:
    """Every payload of MIME type ``mime`` in the notebook's outputs, in display order."""
    return [dict(output.data[mime]) for output in _outputs(nb) if mime in output.get("data", {})]


def _shown(cell: NotebookNode) -> bool:
    """Whether the cell's outputs are in the HTML and PDF (not tagged away)."""
    return not HIDDEN_TAGS & set(cell.metadata.get("tags", []))


def find_tables(nb: NotebookNode) -> list[dict[str, Any]]:
    """The table payloads (see :func:`helpers.presentation.display.table_payload`), in display order,
    each with its ``number``: «Таблица N» as the HTML and PDF number it
    (:func:`helpers.render.html.number_captions`), ``None`` for a table shown in the workbook only."""
    tables, shown = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if TABLE_MIME in output.get("data", {}):
                shown += _shown(cell)
                tables.append({**output.data[TABLE_MIME], "number": shown if _shown(cell) else None})
    return tables


def find_provenance(nb: NotebookNode) -> dict[str, Any]:
    """The provenance payload the notebook displayed last, or an empty dict if it showed none."""
    found = find_payloads(nb, PROVENANCE_MIME)
    return found[-1] if found else {}


def find_page_one(nb: NotebookNode) -> dict[str, Any]:
    """Page one as data (lead, key figures, findings, changes; see
    :class:`helpers.presentation.blocks.PageOne`), or an empty dict if the notebook showed none."""
    found = find_payloads(nb, PAGE_ONE_MIME)
    return found[0] if found else {}


def find_figures(nb: NotebookNode) -> list[Figure]:
    """Every PNG figure in the notebook's outputs, in display order (cells tagged
    ``remove_cell`` excluded), numbered as the HTML and PDF number the captioned figures they show
    (:func:`helpers.render.html.number_captions`)."""
    figures, captioned = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code" or "remove_cell" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            caption = (output.get("metadata") or {}).get("caption") or cell.metadata.get("caption", "")
            numbered = bool(caption) and _shown(cell) and any(mime in data for mime in IMAGE_MIMES)
            captioned += numbered
            if PNG_MIME in data:
                figures.append(Figure(base64.b64decode(data[PNG_MIME]), str(caption),
                                      captioned if numbered else None))
    return figures
