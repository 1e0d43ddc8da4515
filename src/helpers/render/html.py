"""Convert an executed briefing notebook to a standalone, code-free HTML page.

nbconvert's :class:`HTMLExporter` with the project's own template (``templates/briefing``):
inputs and prompts excluded, cells tagged ``remove_cell`` and outputs tagged ``remove_output``
removed, stderr hidden, a contents block built from the ``h2`` headings, and the provenance in
the footer. The PDF is printed from this same HTML, so both look the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nbconvert import HTMLExporter
from nbformat import NotebookNode

from helpers.config import TEMPLATES_DIR
from helpers.presentation.display import PROVENANCE_MIME
from helpers.presentation.lab import status_css
from helpers.render.payloads import find_provenance
from helpers.render.provenance import provenance_rows
from helpers.vocabulary import fmt_date

TEMPLATE_NAME = "briefing"
CONTENTS_PLACEHOLDER = "<!-- contents -->"
# Fewer sections than this need no contents block.
MIN_CONTENTS_ENTRIES = 2

_H1_MARKDOWN = re.compile(r"^\s{0,3}#\s+\S", re.MULTILINE)
_H2_HTML = re.compile(r'<h2[^>]*\bid="(?P<id>[^"]+)"[^>]*>(?P<inner>.*?)</h2>', re.DOTALL)
_HEADING_HTML = re.compile(r'<h([1-6])[^>]*\bid="(?P<id>[^"]+)"[^>]*>(?P<inner>.*?)</h\1>', re.DOTALL)
_H1_HTML_END = re.compile(r"</h1>")
_ANCHOR_LINK = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")

__all__ = [
    "BriefingHead",
    "add_contents",
    "ascii_heading_ids",
    "heading_targets",
    "number_captions",
    "briefing_exporter",
    "briefing_resources",
    "running_title",
    "to_html",
]


@dataclass(frozen=True)
class BriefingHead:
    """What the page shows around the notebook: its head, running title and provenance."""

    title: str = ""
    territory_name: str = ""
    snapshot_date: dt.date | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)


def running_title(head: BriefingHead) -> str:
    """``Справка · Вологодская область · 16 сентября 2024 г.`` (the parts that are known)."""
    parts = [head.title, head.territory_name, fmt_date(head.snapshot_date) if head.snapshot_date else ""]
    return " · ".join(part for part in parts if part)


def _subtitle(head: BriefingHead) -> str:
    snapshot = f"по состоянию на {fmt_date(head.snapshot_date)}" if head.snapshot_date else ""
    return " · ".join(part for part in (head.territory_name, snapshot) if part)


def _has_title(nb: NotebookNode) -> bool:
    """Whether a markdown cell of the notebook starts a ``# Title`` of its own."""
    return any(cell.cell_type == "markdown" and _H1_MARKDOWN.search(cell.source) for cell in nb.cells)


def briefing_resources(nb: NotebookNode, head: BriefingHead) -> dict[str, Any]:
    """The ``resources`` the briefing template reads (see ``templates/briefing/index.html.j2``)."""
    return {
        "metadata": {"name": head.title or "Справка"},
        "briefing": {
            "title": head.title,
            "subtitle": _subtitle(head),
            "document_title": running_title(head),
            "has_title": _has_title(nb),
            "provenance": dict(head.provenance),
        },
    }


def _is_provenance(data: Mapping[str, Any]) -> bool:
    return PROVENANCE_MIME in data


@functools.cache
def briefing_exporter() -> HTMLExporter:
    """The one HTML exporter of this process (building it loads and compiles the templates)."""
    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
        filters={
            "is_provenance": _is_provenance,
            "notebook_provenance": find_provenance,
            "provenance_rows": provenance_rows,
            "status_css": lambda _: status_css(),
        },
    )


def _heading_text(inner: str) -> str:
    return html.unescape(_TAG.sub("", _ANCHOR_LINK.sub("", inner))).strip()


def _contents_block(headings: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<li><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>' for anchor, text in headings
    )
    return f'<nav class="contents"><p class="contents-title">Содержание</p><ol>{items}</ol></nav>'


_HEADING_ID = re.compile(r'(<h[1-6][^>]*\bid=")([^"]+)(")')
_SHORT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,40}")


def ascii_heading_ids(page: str) -> str:
    """Headings with non-ASCII ids get short ASCII ones (``section-1``…) and links follow them.

    nbconvert makes ids from the heading text; Cyrillic ones become percent-encoded PDF
    destination names longer than the PDF specification allows (poppler warns on every file).
    """
    renamed: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        if _SHORT_ID.fullmatch(match[2]):  # an id a notebook chose (``region-card``) stays
            return match[0]
        new = renamed.setdefault(match[2], f"section-{len(renamed) + 1}")
        return f"{match[1]}{new}{match[3]}"

    page = _HEADING_ID.sub(rename, page)
    for old, new in renamed.items():
        page = page.replace(f'href="#{old}"', f'href="#{new}"')
    return page


_NUMBERED = re.compile(
    r'<(?P<tag>caption|p) class="table-caption"(?: data-number="[^"]*")?>(?P<title>.*?)</(?P=tag)>'
    r'|<p class="table-continued" data-continues="(?P<continues>[^"]*)">[^<]*</p>'
    r"|<figcaption>", re.DOTALL)


def number_captions(page: str) -> str:
    """«Таблица N — » and «Рисунок N — » written into the page's captions in their order, and
    «Продолжение таблицы N» where a table is continued (the number of the table whose title it
    names). The workbook numbers its tables and figures the same way
    (:func:`helpers.render.payloads.find_tables`, :func:`~helpers.render.payloads.find_figures`)."""
    numbers = {"table": 0, "figure": 0}
    by_title: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        if match["tag"]:
            numbers["table"] += 1
            by_title[html.unescape(match["title"])] = numbers["table"]
            return (f'<{match["tag"]} class="table-caption"><span class="caption-number">Таблица '
                    f'{numbers["table"]} — </span>{match["title"]}</{match["tag"]}>')
        if match["continues"] is not None:
            continued = by_title.get(html.unescape(match["continues"]))
            text = f"Продолжение таблицы {continued}" if continued else "Продолжение таблицы"
            return f'<p class="table-caption table-continued">{text}</p>'
        numbers["figure"] += 1
        return f'<figcaption><span class="caption-number">Рисунок {numbers["figure"]} — </span>'

    return _NUMBERED.sub(number, page)


def heading_targets(page: str) -> dict[str, str]:
    """Each heading's id → its text: where the page's links lead (the PDF's link descriptions)."""
    return {match["id"]: _heading_text(match["inner"]) for match in _HEADING_HTML.finditer(page)}


def add_contents(page: str) -> str:
    """Put a contents block (links to every ``h2``) after the first ``h1``, or at the top.

    The template marks the top of the body with ``<!-- contents -->``; pages with fewer than
    two sections get no contents block.
    """
    start = page.find(CONTENTS_PLACEHOLDER)
    if start < 0:
        return page
    headings = [(match["id"], _heading_text(match["inner"])) for match in _H2_HTML.finditer(page, start)]
    block = _contents_block(headings) if len(headings) >= MIN_CONTENTS_ENTRIES else ""
    first_h1 = _H1_HTML_END.search(page, start)
    first_h2 = page.find("<h2", start)
    if first_h1 and (first_h2 < 0 or first_h1.end() < first_h2):
        page = page[: first_h1.end()] + block + page[first_h1.end() :]
        block = ""
    return page.replace(CONTENTS_PLACEHOLDER, block, 1)


def to_html(nb: NotebookNode, head: BriefingHead | None = None) -> str:
    """The briefing page of an executed notebook.

    Args:
        nb: the executed notebook.
        head: title, territory, snapshot date and provenance for the page head and footer;
            without it the page shows only what the notebook displayed.

    Returns:
        A standalone HTML document (images inline, no scripts, no external files).
    """
    head = head or BriefingHead(provenance=find_provenance(nb))
    body, _ = briefing_exporter().from_notebook_node(nb, resources=briefing_resources(nb, head))
    return add_contents(ascii_heading_ids(number_captions(body)))
