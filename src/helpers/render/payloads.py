"""Read back what a briefing notebook displayed: the JSON payloads of its tables and provenance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nbformat import NotebookNode

from helpers.presentation.display import PROVENANCE_MIME, TABLE_MIME

__all__ = ["find_payloads", "find_provenance", "find_tables"]


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
