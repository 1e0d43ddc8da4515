"""What a reader gets from a briefing, as one hash: its words and figures, nothing else.

Delivery mails a briefing again only when this hash changed (``helpers.delivery.ledger``): a
re-render after a code deploy that changes no word and no figure sends nothing; a changed
figure is sent. The hash covers, in display order, the text of every displayed HTML fragment
(markup stripped: a renamed CSS class is not news), page one as data (lead, key figures,
findings, changes), every table's title, columns and values (the Excel-only tables included),
the notebook's own prose (markdown cells), printed text and each chart's caption — and leaves
out the provenance block (render time, code version, data hash), JupyterLab's stylesheet, image
bytes and file bytes, and a chart's description for screen readers: it is worded by code from
the same figures the briefing's tables and cards show, so a deploy that words it better is not
news to a reader, while the figures it describes are hashed where they are shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from bs4 import BeautifulSoup
from nbformat import NotebookNode

from helpers.presentation.display import LAB_ONLY, PAGE_ONE_MIME, PROVENANCE_MIME, TABLE_MIME

__all__ = ["content_hash", "content_parts"]

IMAGE_PREFIX = "image/"


def _words(html: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def _source(cell: NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _output_parts(output: NotebookNode) -> Iterator[Any]:
    data: Mapping[str, Any] = output.get("data", {})
    if (output.get("metadata") or {}).get(LAB_ONLY):
        return
    if output.get("output_type") == "stream":
        yield " ".join(str(output.get("text", "")).split())
    elif PROVENANCE_MIME in data:
        return
    elif PAGE_ONE_MIME in data:
        yield data[PAGE_ONE_MIME]
    elif TABLE_MIME in data:
        table = data[TABLE_MIME]
        yield {key: table.get(key) for key in ("name", "title", "columns", "rows")}
    elif "text/html" in data:
        html = data["text/html"]
        yield _words("".join(html) if isinstance(html, list) else html)
    elif any(mime.startswith(IMAGE_PREFIX) for mime in data):
        metadata = output.get("metadata") or {}
        if metadata.get("caption"):
            yield {"caption": metadata["caption"]}


def content_parts(nb: NotebookNode) -> list[Any]:
    """The words and figures of an executed briefing notebook, in display order (the cells
    tagged ``remove_cell`` left out, as in the published HTML)."""
    parts: list[Any] = []
    for cell in nb.cells:
        if "remove_cell" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "markdown":
            parts.append(" ".join(_source(cell).split()))
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                parts.extend(_output_parts(output))
    return parts


def content_hash(nb: NotebookNode, head: Mapping[str, Any] | None = None) -> str:
    """The hash of what the reader gets: the page head (``title``, territory, date) and
    :func:`content_parts`."""
    text = json.dumps([dict(head or {}), content_parts(nb)], ensure_ascii=False, sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
