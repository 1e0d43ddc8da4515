"""Where a printed briefing's headings and captions landed: read from the tagged PDF's structure.

The stylesheet asks Chromium to keep a heading with what follows it and a caption with its table
(``break-after: avoid``, the caption inside the table); these functions check that it did, on the
printed file, from the structure tree Chromium writes: each element's content lies on pages known
from its ``/Pg`` entries, and the tree is in reading order.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf

__all__ = ["Stranded", "stranded", "table_breaks"]

HEADINGS = frozenset({"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"})


@dataclass(frozen=True)
class Stranded:
    """A heading or caption printed at the foot of a page, away from what it introduces."""

    role: str  # /H2, /Caption …
    page: int  # 1-based page it ends on
    next_page: int  # 1-based page where what it introduces starts


@dataclass(frozen=True)
class _Node:
    role: str
    pages: tuple[int, ...]  # the pages of its own and its descendants' content, in order
    children: tuple[_Node, ...]


def _node(element: pikepdf.Dictionary, page_numbers: dict[tuple[int, int], int], inherited: int) -> _Node:
    """The element with the pages of its content (marked content inherits the nearest ``/Pg``)."""
    here = page_numbers.get(element["/Pg"].objgen, inherited) if "/Pg" in element else inherited
    kids = element.get("/K")
    pages: list[int] = []
    children: list[_Node] = []
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            child = _node(kid, page_numbers, here)
            children.append(child)
            pages += child.pages
        elif isinstance(kid, pikepdf.Dictionary) and "/Pg" in kid:  # a marked-content reference
            pages.append(page_numbers.get(kid["/Pg"].objgen, here))
        elif kid is not None:  # an MCID on this element's page
            pages.append(here)
    return _Node(str(element.get("/S")), tuple(pages), tuple(children))


def _walk(node: _Node) -> Iterator[_Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _leaves_after(order: list[_Node], index: int) -> int | None:
    """The page where the content after ``order[index]`` (and outside it) starts."""
    inside = {id(n) for n in _walk(order[index])}
    for later in order[index + 1:]:
        if id(later) not in inside and not later.children and later.pages:
            return later.pages[0]
    return None


def _tree(pdf_bytes: bytes) -> list[_Node]:
    """The structure tree's top elements with the pages of their content ([] when untagged)."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return []
        numbers = {page.obj.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        top = root.get("/K")
        kids = list(top) if isinstance(top, pikepdf.Array) else [top]
        return [_node(kid, numbers, 1) for kid in kids if isinstance(kid, pikepdf.Dictionary)]


def _rows(table: _Node) -> list[_Node]:
    return [node for child in table.children for node in _walk(child) if node.role == "/TR"]


def table_breaks(pdf_bytes: bytes) -> tuple[int, list[tuple[int, int]]]:
    """How many tables the PDF has, and where each one continues on a new page: (the table's
    index among them, the index of its first row on the new page), in reading order."""
    tables = [node for top in _tree(pdf_bytes) for node in _walk(top) if node.role == "/Table"]
    breaks = []
    for index, table in enumerate(tables):
        rows = [row for row in _rows(table) if row.pages]
        # a row starts a new page when it begins after the page the row above begins on (a row
        # never breaks inside; header rows repeat on every page, so their first page counts)
        breaks += [(index, position) for position in range(1, len(rows))
                   if rows[position].pages[0] > rows[position - 1].pages[0]]
    return len(tables), breaks


def stranded(pdf_bytes: bytes) -> list[Stranded]:
    """Headings whose next content starts on a later page, table captions whose table's first row
    does, figure captions on another page than their figure: what a reader finds cut off from
    what it belongs to."""
    order = [node for top in _tree(pdf_bytes) for node in _walk(top)]
    found = []
    for index, node in enumerate(order):
        if not node.pages:
            continue
        if node.role in HEADINGS:
            following = _leaves_after(order, index)
            if following is not None and following > node.pages[-1]:
                found.append(Stranded(node.role, node.pages[-1], following))
        elif node.role == "/Table":
            caption = next((c for c in node.children if c.role == "/Caption" and c.pages), None)
            rows = [p for c in node.children if c.role != "/Caption" for p in c.pages]
            if caption is not None and rows and rows[0] > caption.pages[-1]:
                found.append(Stranded("/Caption", caption.pages[-1], rows[0]))
        elif any(c.role == "/Figure" for c in node.children):
            image = [p for c in node.children if c.role == "/Figure" for p in c.pages]
            below = [p for c in node.children if c.role == "/Caption" for p in c.pages]
            if image and below and below[0] != image[-1]:
                found.append(Stranded("/Caption", below[0], image[-1]))
    return found
