"""What a briefing notebook displays, in a form the renderer can read back.

Tables and provenance are displayed as MIME bundles: ``text/html`` for the reader (HTML and
PDF), plus a JSON payload under the suite's own MIME type. The Excel converter and the
publisher read the JSON payloads from the executed notebook, so the notebook is the single
source of every figure in every output format.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from IPython.display import HTML, display

TABLE_MIME = "application/vnd.sferum.table+json"
PROVENANCE_MIME = "application/vnd.sferum.provenance+json"
PAGE_ONE_MIME = "application/vnd.sferum.page-one+json"  # lead, key figures, findings, changes
LAB_ONLY = "sferum_lab_only"  # output metadata: for JupyterLab only, not on the page nor hashed

# Number formats a table column may declare; the Excel writer maps them to Excel formats.
NUMBER_FORMATS = ("int", "signed", "percent", "pp", "decimal", "date", "text")


def _json_ready(frame: pd.DataFrame) -> list[list[Any]]:
    """Rows as plain JSON values (dates as ISO strings, NaN as null)."""
    payload = json.loads(frame.to_json(orient="values", date_format="iso", force_ascii=False))
    return payload  # type: ignore[no-any-return]


def table_payload(
    frame: pd.DataFrame,
    *,
    name: str,
    title: str,
    formats: dict[str, str] | None = None,
    status_columns: Sequence[str] = (),
    row_formats: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The JSON payload of one table: sheet name, caption, columns, rows, formats, status columns,
    and ``row_formats``: for a column whose rows hold different kinds of figures (a share in one
    row, a count in the next), one format per row."""
    formats, row_formats = formats or {}, row_formats or {}
    declared = set(formats.values()) | {kind for kinds in row_formats.values() for kind in kinds}
    unknown = declared - set(NUMBER_FORMATS)
    if unknown:
        raise ValueError(f"Неизвестные форматы чисел {sorted(unknown)}; "
                         f"допустимы: {', '.join(NUMBER_FORMATS)} / unknown number formats")
    if any(len(kinds) != len(frame) for kinds in row_formats.values()):
        raise ValueError("row_formats: нужен один формат на каждую строку таблицы / one format per row")
    return {
        "name": name,
        "title": title,
        "columns": [str(c) for c in frame.columns],
        "rows": _json_ready(frame),
        "formats": {str(k): v for k, v in formats.items()},
        "status_columns": [str(c) for c in status_columns],
        **({"row_formats": {str(k): list(v) for k, v in row_formats.items()}} if row_formats else {}),
    }


WORKBOOK_ONLY = "Только в книге Excel — "  # in Lab, before the caption of a table the page leaves out


@dataclass
class _Numbering:
    """Captions shown since the setup cell, counted as the PDF numbers them. In JupyterLab a cell
    run again keeps the numbers it had (its n-th table is the same table), so that running one
    cell does not renumber what the page prints; papermill sends no cell id and counts on."""

    count: Counter[str] = field(default_factory=Counter)  # the last number given, per kind
    by_cell: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (cell, kind, n-th) → number
    run: str = ""  # the message id of the cell run being numbered
    nth: Counter[str] = field(default_factory=Counter)  # captions of each kind in this run so far

    def clear(self) -> None:
        self.count.clear()
        self.by_cell.clear()
        self.run = ""
        self.nth.clear()


_numbering = _Numbering()


def _running_cell() -> tuple[str, str]:
    """The id of the cell the front end is running (JupyterLab sends it, papermill does not) and
    the id of this run; empty outside a kernel."""
    from IPython import get_ipython

    kernel = getattr(get_ipython(), "kernel", None)
    parent = kernel.get_parent() if kernel is not None else None
    if not isinstance(parent, dict):
        return "", ""
    return str(parent.get("metadata", {}).get("cellId", "")), str(parent.get("header", {}).get("msg_id", ""))


def reset_numbers() -> None:
    """Number tables and figures from 1 again (the setup cell of a notebook run)."""
    _numbering.clear()


def next_number(what: str) -> str:
    """The next caption's number as the page will print it: «Таблица 3 — », «Рисунок 2 — ».

    The page numbers its captions itself (:func:`helpers.render.html.number_captions`); this is
    the same count for JupyterLab, which shows it from the caption's ``data-number``."""
    cell, run = _running_cell()
    if run != _numbering.run:
        _numbering.run, _numbering.nth = run, Counter()
    _numbering.nth[what] += 1
    key = (cell, what, _numbering.nth[what])
    number = _numbering.by_cell.get(key) if cell else None
    if number is None:
        _numbering.count[what] += 1
        number = _numbering.count[what]
        if cell:
            _numbering.by_cell[key] = number
    return f"{'Таблица' if what == 'table' else 'Рисунок'} {number} — "


def show_table(
    frame: pd.DataFrame,
    html_view: str,
    *,
    name: str,
    title: str,
    formats: dict[str, str] | None = None,
    status_columns: Sequence[str] = (),
    row_formats: dict[str, list[str]] | None = None,
    numbered: bool = True,
) -> None:
    """Display a table: ``html_view`` for readers, the raw values for the Excel workbook.

    ``numbered``: the page shows it and counts it; a table of a ``remove_output`` cell (the
    workbook's only) is not counted, and JupyterLab says so in its caption."""
    payload = table_payload(
        frame, name=name, title=title, formats=formats, status_columns=status_columns,
        row_formats=row_formats,
    )
    number = next_number("table") if numbered else WORKBOOK_ONLY
    display({"text/html": captioned(html_view, title, number), TABLE_MIME: payload}, raw=True)


def captioned(html_view: str, title: str, number: str = "") -> str:
    """The table's caption as its ``<caption>`` (tagged ``Caption`` inside the PDF's ``Table``):
    a caption inside the table is never printed at the foot of a page without its rows.
    ``number`` goes to ``data-number``, for JupyterLab (the page writes its own)."""
    numbered = f' data-number="{html.escape(number)}"' if number else ""
    caption = f'<caption class="table-caption"{numbered}>{html.escape(title)}</caption>'
    start = html_view.find("<table")
    end = html_view.find(">", start) + 1
    if start < 0 or end <= 0:
        return f'<p class="table-caption"{numbered}>{html.escape(title)}</p>' + html_view
    return html_view[:end] + caption + html_view[end:]


def show_lab_only(fragment: str) -> None:
    """Display HTML that JupyterLab shows and the page leaves out (its stylesheet, a figure's
    numbered caption: the page prints its own)."""
    display({"text/html": fragment}, raw=True, metadata={LAB_ONLY: True})


def show_provenance(provenance: dict[str, Any], html_view: str) -> None:
    """Display the provenance block (parameters, data snapshot and hash, code version, time)."""
    display({"text/html": html_view, PROVENANCE_MIME: provenance}, raw=True)


def show_html(fragment: str) -> None:
    """Display an HTML fragment of the briefing (a lead, a note, key-figure cards)."""
    display(HTML(fragment))
