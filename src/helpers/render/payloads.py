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


@dataclass(frozen=True)
class Figure:
    """A figure the notebook displayed as PNG, with its caption (output or cell metadata)."""

    png: bytes
    caption: str = ""


def _outputs(nb: NotebookNode) -> Iterator[NotebookNode]:
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def find_payloads(nb: NotebookNode, mime: str) -> list[dict[str, Any]]:
    """Every payload of MIME type ``mime`` in the notebook's outputs, in display order."""
    return [dict(output.data[mime]) for output in _outputs(nb) if mime in output.get("data", {})]


def find_tables(nb: NotebookNode) -> list[dict[str, Any]]:
    """The table payloads (see :func:`helpers.presentation.display.table_payload`), in display order."""
    return find_payloads(nb, TABLE_MIME)


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
    ``remove_cell`` excluded, as in the HTML)."""
    figures = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "remove_cell" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PNG_MIME in data:
                caption = (output.get("metadata") or {}).get("caption") or cell.metadata.get("caption", "")
                figures.append(Figure(base64.b64decode(data[PNG_MIME]), str(caption)))
    return figures
