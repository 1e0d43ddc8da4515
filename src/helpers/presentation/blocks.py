"""The blocks a briefing is made of — a table, a chart, a note, page one — and ``show`` for each.

A kind's ``present`` returns blocks, each one object with everything the outputs need: a table
carries its frame, title, Excel sheet name, formats bound to its columns and status columns; a
chart its figure, caption and description; page one its lead, key figures, findings and changes
as data. A notebook cell reads ``show(present.schools(data))``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers import vocabulary as words
from helpers.errors import BadInput
from helpers.presentation import charts, fragments, tables
from helpers.presentation.charts import Chart
from helpers.presentation.display import (
    NUMBER_FORMATS,
    PAGE_ONE_MIME,
    show_html,
    show_provenance,
    show_table,
)
from helpers.presentation.fragments import KeyFigure

__all__ = ["Changes", "Chart", "Note", "PageOne", "Provenance", "Table", "shared", "show"]

PREVIEW_ROWS = 10  # rows of an Excel-only table shown in JupyterLab
LEAD_CHANGES = 5  # changes a mail or the pack's cover leads with


class BlockError(BadInput):
    """A block that cannot be shown as declared (a format for a column the table lacks)."""


def _text(fragment: str) -> str:
    """The words of trusted markup (our own templates' output), whitespace collapsed."""
    return " ".join(Markup(fragment).striptags().split())


def shared(formats: dict[str, str], frame: pd.DataFrame) -> dict[str, str]:
    """The formats, out of a set shared by several tables, of the columns ``frame`` has (for
    tables whose columns depend on the territory: a municipality's shows the region's share)."""
    return {column: kind for column, kind in formats.items() if column in frame.columns}


@dataclass(frozen=True)
class Table:
    """One table: its frame, caption, Excel sheet, formats bound to its columns, status columns.

    ``excel_only``: the table is for the workbook (its cell tagged ``remove_output``); JupyterLab
    shows its first rows and how many more the workbook holds. ``html``: a reader's view of
    its own (a shortened list), else the frame styled with its formats."""

    frame: pd.DataFrame
    title: str
    sheet: str
    formats: dict[str, str] = field(default_factory=dict)
    status_columns: Sequence[str] = ()
    highlight_rows: Sequence[int] = ()
    row_formats: dict[str, list[str]] = field(default_factory=dict)  # a column of mixed figures
    excel_only: bool = False
    html: str = ""

    def __post_init__(self) -> None:
        columns = {str(c) for c in self.frame.columns}
        missing = [c for c in [*self.formats, *self.status_columns, *self.row_formats]
                   if c not in columns]
        if missing:
            raise BlockError(
                f"В таблице «{self.title}» нет столбцов {missing}: формат или статус задан для "
                f"столбца, которого нет (есть: {sorted(columns)}). "
                f"No such columns in table {self.sheet!r}: {missing}.")
        unknown = sorted(set(self.formats.values()) - set(NUMBER_FORMATS))
        if unknown:
            raise BlockError(f"Неизвестные форматы {unknown} в таблице «{self.title}»; "
                             f"допустимы: {', '.join(NUMBER_FORMATS)}.")

    def view(self) -> str:
        """The HTML a reader sees (for an Excel-only table: its first rows and a count of the rest)."""
        if self.html and not self.excel_only:
            return self.html
        frame = self.frame.head(PREVIEW_ROWS) if self.excel_only else self.frame
        rows = [r for r in self.highlight_rows if r < len(frame)]
        row_formats = {column: list(kinds)[:len(frame)] for column, kinds in self.row_formats.items()}
        view = tables.html_view(frame, self.formats, self.status_columns, rows, row_formats)
        rest = len(self.frame) - len(frame)
        if self.excel_only and rest > 0:
            more = words.counted(rest, "строка", "строки", "строк")
            view += f'<p class="table-more">ещё {html.escape(more)} — в книге Excel</p>'
        return view


@dataclass(frozen=True)
class Note:
    """A piece of prose between tables and charts (a lead, a note, the methodology)."""

    html: str


@dataclass(frozen=True)
class Provenance:
    """The briefing's provenance: parameters, data snapshot and hash, code version, time."""

    data: dict[str, Any]
    html: str


@dataclass(frozen=True)
class Changes:
    """«Что изменилось с <дата>»: the comparison base, the moves since it, where the rest is."""

    base_date: dt.date | None
    items: Sequence[str]
    min_days: int
    more: str = ""

    @property
    def title(self) -> str:
        """The block's heading, as the page shows it."""
        return f"Что изменилось с {words.fmt_date(self.base_date)}" if self.base_date else "Что изменилось"

    def sentences(self) -> list[str]:
        """The moves as plain text, or the one sentence saying there are none or no base."""
        if self.items:
            return [_text(item) for item in self.items]
        if self.base_date:
            return ["С прошлого среза заметных изменений нет."]
        days = words.counted(self.min_days, *words.DAY_WORDS)
        return [f"Среза, сделанного не позднее чем за {days} до этой справки, нет — сравнивать не с чем."]

    def html(self) -> str:
        """The block as the page shows it."""
        return fragments.changes_html(self.base_date, self.items, min_days=self.min_days,
                                      more=self.more)


@dataclass(frozen=True)
class PageOne:
    """Page one: the lead, the key-figure cards, the findings and the week's changes.

    ``html`` is the page as the kind lays it out; the rest is the same page as data, for mail,
    the meeting pack's cover and the catalog."""

    html: str
    lead: str
    key_figures: Sequence[KeyFigure]
    findings: Sequence[str]
    changes: Changes

    def payload(self, limit: int = LEAD_CHANGES) -> dict[str, Any]:
        """Page one as JSON: plain-text lead, cards, findings and the first ``limit`` changes."""
        cards = [{**dataclasses.asdict(f), "status_label": words.status_label(f.status)}
                 for f in self.key_figures]
        return {"lead": _text(self.lead), "key_figures": cards,
                "findings": [_text(f) for f in self.findings],
                "changes": {"title": _text(self.changes.title),
                            "items": self.changes.sentences()[:limit]}}


def page_one(*, lead: str, key_figures: Sequence[KeyFigure], findings: Sequence[str],
             changes: Changes, summary: str, html_page: str = "") -> PageOne:
    """Page one in the common layout (lead, cards, «Главное», changes, page break), or in the
    kind's own (``html_page``)."""
    page = html_page or "\n".join([lead, fragments.key_figures_html(key_figures), summary,
                                   changes.html()])
    return PageOne(page + "\n" + fragments.page_break_html(), lead, list(key_figures),
                   list(findings), changes)


Block = Table | Chart | Note | PageOne | Provenance


def show(block: Block | Sequence[Block]) -> None:
    """Display a block (or several, in order) in the notebook, for the page and for the
    outputs that read it back."""
    if isinstance(block, Sequence):
        for one in block:
            show(one)
    elif isinstance(block, Table):
        show_table(block.frame, block.view(), name=block.sheet, title=block.title,
                   formats=block.formats, status_columns=block.status_columns,
                   row_formats=block.row_formats or None, numbered=not block.excel_only)
    elif isinstance(block, Chart):
        charts.show(block.figure, block.caption, block.description or None,
                    png=block.workbook or block.excel_only, numbered=not block.excel_only)
    elif isinstance(block, PageOne):
        from IPython.display import display

        display({"text/html": block.html, PAGE_ONE_MIME: block.payload()}, raw=True)
    elif isinstance(block, Provenance):
        show_provenance(block.data, block.html)
    else:
        show_html(block.html)
