"""Tables as the reader sees them: Russian headers and number formats, statuses in words and colour.

``show`` displays a table twice over (see ``display.show_table``): a styled HTML view for the
HTML/PDF briefing and the raw values with declared formats for the Excel workbook. Status
columns are coloured in both, from the same vocabulary (:data:`helpers.vocabulary.STATUSES`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from helpers import vocabulary as words

FORMATTERS: dict[str, Callable[[object], str]] = {
    "int": lambda v: words.fmt_int(v),  # type: ignore[arg-type]
    "signed": lambda v: words.fmt_signed_int(v),  # type: ignore[arg-type]
    "percent": lambda v: words.fmt_percent(v),  # type: ignore[arg-type]
    "pp": lambda v: words.fmt_pp(v),  # type: ignore[arg-type]
    "decimal": lambda v: words.fmt_decimal(v),  # type: ignore[arg-type]
    "date": lambda v: words.fmt_date_short(pd.Timestamp(v).date()) if pd.notna(v) else "—",  # type: ignore[arg-type]
    "text": lambda v: "—" if v is None or v != v else str(v),
}
NUMERIC_FORMATS = ("int", "signed", "percent", "pp", "decimal")
WIDE_COLUMNS = 8  # from this many columns a table gets smaller type (class "wide" in the CSS)
VERY_WIDE_COLUMNS = 12  # and from this many, smaller still ("very-wide")
LONG_WORD = 30  # a cell with a run of more characters than this without a space may break anywhere


def width_class(columns: int) -> str:
    """The table's CSS class by its column count, so that wide tables fit the A4 width."""
    if columns >= VERY_WIDE_COLUMNS:
        return "briefing-table very-wide"
    return "briefing-table wide" if columns >= WIDE_COLUMNS else "briefing-table"


def _long_word_class(value: object) -> str:
    """``" long-word"`` for text with a run longer than :data:`LONG_WORD` characters and no space
    (a registry's typo: a 300-character school name), which the stylesheet lets break anywhere so
    that one bad cell cannot push the table past the page; other cells keep whole words."""
    if not isinstance(value, str):
        return ""
    return " long-word" if any(len(word) > LONG_WORD for word in value.split()) else ""


def _status_class(value: object) -> str:
    code = words.status_of_label(value)
    return f"status {words.STATUSES[code].css_class}" if code else "status"


def _row_formatted(frame: pd.DataFrame, row_formats: dict[str, list[str]]) -> pd.DataFrame:
    """``frame`` with each column of ``row_formats`` written as text, each row in its own format."""
    shown = frame.copy()
    for column, kinds in row_formats.items():
        shown[column] = pd.Series([FORMATTERS[kind](value) if value is not None and value == value else "—"
                                   for value, kind in zip(frame[column], kinds, strict=True)],
                                  index=frame.index, dtype=object)
    return shown


def html_view(frame: pd.DataFrame, formats: dict[str, str], status_columns: Sequence[str] = (),
              highlight_rows: Sequence[int] = (), row_formats: dict[str, list[str]] | None = None) -> str:
    """The styled HTML of a table: formatted numbers (per row where ``row_formats`` says), status
    cells classed, no index."""
    row_formats = row_formats or {}
    numeric_rows = {column: [kind in NUMERIC_FORMATS for kind in kinds]
                    for column, kinds in row_formats.items()}
    frame = _row_formatted(frame, row_formats)
    styler = frame.style.format(
        {c: FORMATTERS[f] for c, f in formats.items() if c in frame.columns}, na_rep="—", escape="html"
    ).hide(axis="index")
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column in status_columns:
        classes[column] = frame[column].map(_status_class)
    for column, kind in formats.items():
        if kind in NUMERIC_FORMATS and column in classes:
            classes[column] = classes[column] + " num"
    for column, numeric in numeric_rows.items():
        flags = pd.Series([" num" if flag else "" for flag in numeric], index=classes.index, dtype=str)
        classes[column] = classes[column] + flags
    for column in frame.columns:
        classes[column] = classes[column] + frame[column].map(_long_word_class).astype(str)
    for position in highlight_rows:
        classes.iloc[position] = classes.iloc[position] + " highlight"
    attributes = f'class="{width_class(len(frame.columns))}"'
    return styler.set_td_classes(classes).set_table_attributes(attributes).to_html()


def show(frame: pd.DataFrame, *, name: str, title: str, formats: dict[str, str],
         status_columns: Sequence[str] = (), highlight_rows: Sequence[int] = (),
         row_formats: dict[str, list[str]] | None = None) -> None:
    """Display a table in the briefing and register it for the Excel workbook: the older spelling
    of ``show(Table(…))``, with the same checks (a format for a column the frame lacks is an error)."""
    from helpers.presentation import blocks  # blocks are made of this module's views

    blocks.show(blocks.Table(frame, title, name, formats, status_columns, highlight_rows,
                             row_formats or {}))
