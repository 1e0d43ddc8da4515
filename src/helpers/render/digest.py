"""What a briefing says on its first page, as the notebook left it: page one's data (see
:class:`helpers.presentation.blocks.PageOne`), kept in the briefing's manifest entry. The meeting
pack's cover and each mail lead with its «Что изменилось»; mail lists its key figures. Nothing
here reads published HTML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LEAD_CHANGES = 5  # how many changes a cover or a mail leads with


@dataclass(frozen=True)
class PageChanges:
    """The week's changes a briefing shows: «Что изменилось с <дата>» and its first items."""

    title: str = ""
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KeyFigure:
    """One key-figure card as the reader sees it: indicator, fact, plan and status in words."""

    label: str
    fact: str
    plan: str
    status: str


def page_one_of(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """A manifest entry's page one (empty for a briefing that showed none, or failed)."""
    return entry.get("page_one") or {}


def page_changes(entry: Mapping[str, Any], limit: int = LEAD_CHANGES) -> PageChanges:
    """The first ``limit`` changes of a briefing's page one (empty when it has none)."""
    changes = page_one_of(entry).get("changes") or {}
    return PageChanges(str(changes.get("title") or ""), [str(i) for i in changes.get("items", [])][:limit])


def key_figures(entry: Mapping[str, Any]) -> tuple[KeyFigure, ...]:
    """The key-figure cards of a briefing's page one (none if it has no cards)."""
    return tuple(KeyFigure(str(card["label"]), str(card["fact"]), str(card["plan"]),
                           str(card["status_label"]))
                 for card in page_one_of(entry).get("key_figures", []))
