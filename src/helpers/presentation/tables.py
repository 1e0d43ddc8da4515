"""Tables as the reader sees them: Russian headers and number formats, statuses in words and colour.

``show`` displays a table twice over (see ``outputs.show_table``): a styled HTML view for the
HTML/PDF briefing and the raw values with declared formats for the Excel workbook.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from helpers import vocabulary
from helpers.indicators import kpis
from helpers.presentation.display import show_table

# A status is never shown by colour alone: a symbol and a word go with it.
STATUS_SYMBOLS = {"met": "✔", "near": "▲", "behind": "✖", "unknown": "—"}
STATUS_LABELS = {key: f"{symbol} {kpis.STATUS_LABELS[key]}"
                 for key, symbol in STATUS_SYMBOLS.items()}
STATUS_BY_LABEL = {label: key for key, label in STATUS_LABELS.items()}

FORMATTERS: dict[str, Callable[[object], str]] = {
    "int": lambda v: vocabulary.fmt_int(v),  # type: ignore[arg-type]
    "percent": lambda v: vocabulary.fmt_percent(v),  # type: ignore[arg-type]
    "pp": lambda v: vocabulary.fmt_pp(v),  # type: ignore[arg-type]
    "decimal": lambda v: vocabulary.fmt_decimal(v),  # type: ignore[arg-type]
    "date": lambda v: vocabulary.fmt_date_short(pd.Timestamp(v).date()) if pd.notna(v) else "—",  # type: ignore[arg-type]
    "text": lambda v: "—" if v is None or v != v else str(v),
}


def status_label(status: str) -> str:
    """``met`` → «✔ выполнено»."""
    return STATUS_LABELS[status]


def html_view(frame: pd.DataFrame, formats: dict[str, str], status_columns: Sequence[str] = (),
              highlight_rows: Sequence[int] = ()) -> str:
    """The styled HTML of a table: formatted numbers, status cells classed, no index."""
    styler = frame.style.format(
        {c: FORMATTERS[f] for c, f in formats.items() if c in frame.columns}, na_rep="—", escape="html"
    ).hide(axis="index")
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column in status_columns:
        classes[column] = frame[column].map(lambda v: f"status status-{STATUS_BY_LABEL.get(v, '')}")
    for column, kind in formats.items():
        if kind in ("int", "percent", "pp", "decimal") and column in classes:
            classes[column] = classes[column] + " num"
    for position in highlight_rows:
        classes.iloc[position] = classes.iloc[position] + " highlight"
    return styler.set_td_classes(classes).set_table_attributes('class="briefing-table"').to_html()


def show(frame: pd.DataFrame, *, name: str, title: str, formats: dict[str, str],
         status_columns: Sequence[str] = (), highlight_rows: Sequence[int] = ()) -> None:
    """Display a table in the briefing and register it for the Excel workbook."""
    show_table(frame, html_view(frame, formats, status_columns, highlight_rows), name=name,
               title=title, formats=formats,
               status_column=status_columns[0] if status_columns else None)


@dataclass(frozen=True)
class KeyFigure:
    """One card of the key-figures page: indicator, fact, plan and status."""

    label: str
    fact: str
    plan: str
    status: str  # met / near / behind
    note: str = ""


def key_figures_html(figures: Sequence[KeyFigure]) -> str:
    """The first-page cards: fact large, plan and status beside it."""
    cards = []
    for figure in figures:
        note = f'<div class="kf-note">{html.escape(figure.note)}</div>' if figure.note else ""
        cards.append(
            f'<div class="key-figure status-{figure.status}">'
            f'<div class="kf-label">{html.escape(figure.label)}</div>'
            f'<div class="kf-fact">{html.escape(figure.fact)}</div>'
            f'<div class="kf-plan">план: {html.escape(figure.plan)}</div>'
            f'<div class="kf-status">{html.escape(status_label(figure.status))}</div>{note}</div>'
        )
    return f'<div class="key-figures">{"".join(cards)}</div>'


def bullet_list_html(items: Sequence[str], *, ordered: bool = True) -> str:
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + f"</{tag}>"
