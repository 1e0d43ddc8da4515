"""What a briefing notebook displays, in a form the renderer can read back.

Tables and provenance are displayed as MIME bundles: ``text/html`` for the reader (HTML and
PDF), plus a JSON payload under the suite's own MIME type. The Excel converter and the
publisher read the JSON payloads from the executed notebook, so the notebook is the single
source of every figure in every output format.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
from IPython.display import HTML, display

TABLE_MIME = "application/vnd.sferum.table+json"
PROVENANCE_MIME = "application/vnd.sferum.provenance+json"
PAGE_ONE_MIME = "application/vnd.sferum.page-one+json"  # lead, key figures, findings, changes

# Number formats a table column may declare; the Excel writer maps them to Excel formats.
NUMBER_FORMATS = ("int", "percent", "pp", "decimal", "date", "text")


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
) -> dict[str, Any]:
    """The JSON payload of one table: sheet name, caption, columns, rows, formats, status columns."""
    formats = formats or {}
    unknown = set(formats.values()) - set(NUMBER_FORMATS)
    if unknown:
        raise ValueError(f"unknown number formats {sorted(unknown)}; use one of {NUMBER_FORMATS}")
    return {
        "name": name,
        "title": title,
        "columns": [str(c) for c in frame.columns],
        "rows": _json_ready(frame),
        "formats": {str(k): v for k, v in formats.items()},
        "status_columns": [str(c) for c in status_columns],
    }


_numbered = {"table": 0}  # tables shown since the setup cell, numbered as the PDF numbers them


def reset_numbers() -> None:
    """Start numbering tables from 1 again (the setup cell of a notebook run)."""
    _numbered["table"] = 0


def show_table(
    frame: pd.DataFrame,
    html_view: str,
    *,
    name: str,
    title: str,
    formats: dict[str, str] | None = None,
    status_columns: Sequence[str] = (),
    numbered: bool = True,
) -> None:
    """Display a table: ``html_view`` for readers, the raw values for the Excel workbook.

    ``numbered``: the page shows it and counts it («Таблица N», by the page's CSS); JupyterLab
    shows the same number from the caption's ``data-number``. A table of a ``remove_output``
    cell (the workbook's only) is not numbered."""
    payload = table_payload(
        frame, name=name, title=title, formats=formats, status_columns=status_columns
    )
    number = ""
    if numbered:
        _numbered["table"] += 1
        number = f' data-number="Таблица {_numbered["table"]} — "'
    caption = f'<p class="table-caption"{number}>{html.escape(title)}</p>'
    display({"text/html": caption + html_view, TABLE_MIME: payload}, raw=True)


def show_provenance(provenance: dict[str, Any], html_view: str) -> None:
    """Display the provenance block (parameters, data snapshot and hash, code version, time)."""
    display({"text/html": html_view, PROVENANCE_MIME: provenance}, raw=True)


def show_html(fragment: str) -> None:
    """Display an HTML fragment of the briefing (a lead, a note, key-figure cards)."""
    display(HTML(fragment))
