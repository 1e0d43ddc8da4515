"""What a published briefing says on its first page, read back from its HTML for other outputs:
the «Что изменилось» block's title and items (the meeting pack's cover and each mail's body lead
with them). BeautifulSoup reads the page as the reader's PDF shows it; no warehouse or kernel."""

from __future__ import annotations

from dataclasses import dataclass, field

from bs4 import BeautifulSoup

LEAD_CHANGES = 5  # how many changes a cover or a mail leads with


@dataclass(frozen=True)
class PageChanges:
    """The week's changes a briefing shows: «Что изменилось с <дата>» and its first items."""

    title: str = ""
    items: list[str] = field(default_factory=list)


def text_of(node: object) -> str:
    """A node's text with its whitespace collapsed ('' for no node)."""
    return " ".join(node.get_text(" ", strip=True).split()) if node else ""  # type: ignore[attr-defined]


def parse_page(page: str) -> BeautifulSoup:
    """A published page, parsed once for everything read from it."""
    return BeautifulSoup(page, "html.parser")


def page_changes(page: str | BeautifulSoup, limit: int = LEAD_CHANGES) -> PageChanges:
    """The first ``limit`` items of the page's changes block (empty when it has none)."""
    soup = parse_page(page) if isinstance(page, str) else page
    block = soup.select_one("section.changes")
    if block is None:
        return PageChanges()
    title = block.select_one(".changes-title")
    items = [text_of(item) for item in block.select("li")][:limit]
    if not items:  # no base, or nothing moved: the block's own sentence says which
        items = [text_of(p) for p in block.select("p")][:1]
    return PageChanges(text_of(title) if title else "", items)
