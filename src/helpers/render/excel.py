"""The Excel workbook of a briefing: one sheet per displayed table, plus «Источник».

The tables come from the JSON payloads the notebook displayed
(:data:`helpers.presentation.display.TABLE_MIME`), so the workbook holds raw values (numbers
stay numbers) with Excel number formats; Excel shows them with the reader's own decimal and
thousands separators.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from helpers import vocabulary as words
from helpers.render.payloads import Figure
from helpers.render.provenance import AUTHOR, parse_date, provenance_rows

PROVENANCE_SHEET = "Источник"
MAX_SHEET_NAME = 31
CAPTION_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
MIN_WIDTH, MAX_WIDTH = 8, 60

# Declared formats (helpers.presentation.display.NUMBER_FORMATS) → Excel number formats. Percentage points
# are stored ×100 (a difference of shares 0.031 is the number 3.1 with the unit «п.п.»).
EXCEL_FORMATS = {
    "int": "#,##0",
    "signed": "+#,##0;-#,##0;0",
    "percent": "0.0%",
    "pp": '+0.0" п.п.";-0.0" п.п.";0.0" п.п."',
    "decimal": "#,##0.0",
    "date": "DD.MM.YYYY",
    "text": "@",
}

# Print: A4 with the ГОСТ Р 7.0.97 margins (inches), portrait while the columns fit its width, else
# landscape; always scaled to the page width. Widths are in Excel's character units (≈ 7 px each):
# about 97 fit the portrait printable width (7.1 in), 145 the landscape one.
PRINT_MARGINS = PageMargins(left=0.79, right=0.39, top=0.79, bottom=0.79, header=0.3, footer=0.3)
PORTRAIT_MAX_WIDTH = 95
MAX_HEADER_CHARS = 200  # Excel allows 255 characters in a whole page header, codes included
PAGE_FOOTER = "стр. &P из &N"
CAPTION_LINE_PT = 16  # the height of a line of the 12-point caption
LINE_PT = 15  # the height of a line of 11-point cells (Excel's default row)
BOLD_WIDTH = 1.15  # a bold header's characters are wider (LibreOffice wrapped «Обучающихся» in 13)

FIGURES_SHEET = "Графики"
FIGURE_ROW_PX = 20  # the default row height (15 pt) in pixels
HEADER_FILL = PatternFill("solid", fgColor="E8ECF1")
BOLD = Font(bold=True)
CAPTION_FONT = Font(bold=True, size=12)
WRAPPED = Alignment(wrap_text=True, vertical="top")  # a text longer than its column's width
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# Text a spreadsheet would take for a formula (or a DDE call) when typed in: «=», «+», «-», «@»,
# and a tab or a line break before them. Such text is stored as a string cell with Excel's own
# «quote prefix» (what Excel itself writes when a user types «'=…»): shown exactly as written,
# never evaluated, and still text after the reader edits the cell.
FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r", "\n")

__all__ = [
    "EXCEL_FORMATS",
    "PROVENANCE_SHEET",
    "build_workbook",
    "print_setup",
    "sheet_names",
    "status_of",
    "write_workbook",
]


def _clean_sheet_name(name: str) -> str:
    cleaned = _FORBIDDEN_IN_SHEET_NAME.sub(" ", name).strip(" '") or "Таблица"
    return cleaned[:MAX_SHEET_NAME]


def sheet_names(names: Iterable[str], reserved: Iterable[str] = (PROVENANCE_SHEET,)) -> list[str]:
    """Valid, unique Excel sheet names (≤ 31 characters, no ``[]:*?/\\``) for ``names``.

    Duplicates (compared case-insensitively, as Excel does) get a suffix `` (2)``, `` (3)``….
    """
    taken = {name.casefold() for name in reserved}
    result = []
    for name in names:
        base = candidate = _clean_sheet_name(name)
        number = 2
        while candidate.casefold() in taken:
            suffix = f" ({number})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
            number += 1
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def status_of(value: Any) -> str | None:
    """The status code of a status cell as the briefings write it («✔ выполнено», «✖ просрочено»),
    or ``None`` if it is none (see :data:`helpers.vocabulary.STATUS_OF_LABEL`)."""
    return words.status_of_label(value)


def excel_value(value: Any, number_format: str | None) -> Any:
    """A JSON value as Excel should hold it under the declared format."""
    if value is None:
        return None
    if number_format == "pp" and isinstance(value, int | float):
        return value * 100
    if number_format == "date":
        day = parse_date(value)
        return day if day is not None else value
    return value


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write ``value`` into a cell; text is always text (see :data:`FORMULA_LIKE`)."""
    cell = sheet.cell(row, column)
    cell.value = value
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_LIKE):
        cell.data_type = "s"  # openpyxl would store «=…» as a live formula
        cell.quotePrefix = True
    return cell


def _display_width(value: Any) -> int:
    if isinstance(value, float):
        return len(f"{value:,.1f}")
    if isinstance(value, dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _column_widths(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    widths = []
    for index, column in enumerate(columns):
        header = math.ceil(_display_width(column) * BOLD_WIDTH)
        longest = max([header] + [_display_width(row[index]) for row in rows])
        widths.append(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))
    return widths


def _style_status(cell: Any, code: str | None) -> None:
    if code is None:
        return
    status = words.STATUSES[code]
    cell.fill = PatternFill("solid", fgColor=status.fill)
    cell.font = Font(bold=True, color=status.ink)
    cell.alignment = Alignment(horizontal="center")


def print_setup(sheet: Worksheet, *, title: str, width: float, repeat_rows: str | None = None) -> None:
    """How ``sheet`` prints: A4, orientation by its ``width`` (character units), scaled to the page
    width, ``repeat_rows`` (e.g. ``"2:2"``) on every page, ``title`` in the page header, page
    numbers in the footer."""
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "portrait" if width <= PORTRAIT_MAX_WIDTH else "landscape"
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins = PRINT_MARGINS
    if repeat_rows:
        sheet.print_title_rows = repeat_rows
    header = title if len(title) <= MAX_HEADER_CHARS else title[: MAX_HEADER_CHARS - 1] + "…"
    sheet.oddHeader.left.text = header.replace("&", "&&")
    sheet.oddHeader.left.size = 9
    sheet.oddFooter.center.text = PAGE_FOOTER
    sheet.oddFooter.center.size = 9


def _caption(sheet: Worksheet, text: str, columns: int, width: float) -> None:
    """The table's caption in row 1, spread over the table's columns and wrapped, so that a long
    one prints whole instead of running past the page's right edge."""
    cell = put(sheet, CAPTION_ROW, 1, text)
    cell.font = CAPTION_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if columns > 1:
        sheet.merge_cells(start_row=CAPTION_ROW, start_column=1, end_row=CAPTION_ROW, end_column=columns)
    lines = math.ceil(len(text) * 1.2 / max(width, 1))  # 12-point type: ≈1.2 units a character
    sheet.row_dimensions[CAPTION_ROW].height = max(lines, 1) * CAPTION_LINE_PT


def _lines(value: Any, width: float) -> int:
    """How many lines ``value`` takes wrapped in a column ``width`` characters wide (an estimate)."""
    return max(math.ceil(_display_width(value) / max(width - 2, 1)), 1)


def _fit_row_heights(sheet: Worksheet, rows: Sequence[Sequence[Any]], columns: Sequence[str],
                     widths: Sequence[float], wrapped: set[int]) -> None:
    """Rows tall enough for their wrapped cells: spreadsheet programs do not size the rows of a
    written file themselves (LibreOffice printed wrapped lines over each other)."""
    header = max(_lines(column, width) for column, width in zip(columns, widths, strict=True))
    if header > 1:
        sheet.row_dimensions[HEADER_ROW].height = header * LINE_PT
    for offset, row in enumerate(rows):
        lines = max((_lines(row[index - 1], widths[index - 1]) for index in wrapped), default=1)
        if lines > 1:
            sheet.row_dimensions[FIRST_DATA_ROW + offset].height = lines * LINE_PT


def write_table(sheet: Worksheet, payload: Mapping[str, Any], *, title: str = "") -> None:
    """Fill ``sheet`` with one table payload: caption, header, data, formats, status colours, and
    its print set-up (``title``: the briefing's running title, for the page header)."""
    columns: list[str] = list(payload["columns"])
    rows: list[list[Any]] = [list(row) for row in payload["rows"]]
    formats: Mapping[str, str] = payload.get("formats") or {}
    row_formats: Mapping[str, Sequence[str]] = payload.get("row_formats") or {}
    status_columns = set(payload.get("status_columns") or ())
    widths = _column_widths(columns, rows)
    wrapped = {index for index, (column, width) in enumerate(zip(columns, widths, strict=True), start=1)
               if max([_display_width(row[index - 1]) for row in rows], default=0) + 2 > width
               and column not in status_columns}

    title_text = payload.get("title") or payload.get("name") or ""
    number = payload.get("number")
    caption = f"Таблица {number} — {title_text}" if number else title_text
    _caption(sheet, caption, len(columns), sum(widths))
    for index, column in enumerate(columns, start=1):
        cell = put(sheet, HEADER_ROW, index, column)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    for offset, row in enumerate(rows):
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            declared = row_formats[column][offset] if column in row_formats else formats.get(column)
            cell = put(sheet, FIRST_DATA_ROW + offset, index, excel_value(value, declared))
            if declared in EXCEL_FORMATS:
                cell.number_format = EXCEL_FORMATS[declared]
            if column in status_columns:
                _style_status(cell, status_of(value))
            elif index in wrapped:
                cell.alignment = WRAPPED

    last_row = max(HEADER_ROW, FIRST_DATA_ROW + len(rows) - 1)
    last_column = get_column_letter(max(len(columns), 1))
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{last_row}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _fit_row_heights(sheet, rows, columns, widths, wrapped)
    print_setup(sheet, title=title, width=sum(widths), repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def write_provenance(sheet: Worksheet, provenance: Mapping[str, Any], *, title: str = "") -> None:
    """Fill ``sheet`` with the provenance as label/value rows (parameters one per row)."""
    put(sheet, CAPTION_ROW, 1, "Сведения о подготовке справки").font = CAPTION_FONT
    rows = [(label, value) for label, value in provenance_rows(provenance)]
    parameters = provenance.get("parameters")
    if isinstance(parameters, Mapping):
        rows = [row for row in rows if row[0] != "Параметры"] + [
            (f"Параметр {key}", value) for key, value in parameters.items()
        ]
    for offset, (label, value) in enumerate(rows):
        put(sheet, HEADER_ROW + offset, 1, label).font = BOLD
        text = value if isinstance(value, str) else str(value)
        put(sheet, HEADER_ROW + offset, 2, text).alignment = WRAPPED
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 70
    print_setup(sheet, title=title, width=PORTRAIT_MAX_WIDTH)  # two columns, scaled to fit


def write_figures(sheet: Worksheet, figures: Sequence[Figure], *, title: str = "") -> None:
    """The notebook's PNG figures one below the other, each under its caption."""
    print_setup(sheet, title=title, width=PORTRAIT_MAX_WIDTH)
    row = 1
    for figure in figures:
        number = f"Рисунок {figure.number}" if figure.number else "Рисунок"
        put(sheet, row, 1, f"{number} — {figure.caption}" if figure.caption else number).font = BOLD
        image = Image(io.BytesIO(figure.png))
        sheet.add_image(image, f"A{row + 1}")
        row += 2 + math.ceil(image.height / FIGURE_ROW_PX)


def build_workbook(
    tables: Sequence[Mapping[str, Any]], provenance: Mapping[str, Any], *, title: str = "",
    figures: Sequence[Figure] = (),
) -> Workbook:
    """A workbook with one sheet per table payload, «Графики» when the notebook left PNG
    figures, and the «Источник» sheet last.

    Args:
        tables: payloads of :func:`helpers.presentation.display.table_payload`, in display order.
        provenance: the briefing's provenance (see :mod:`helpers.render.provenance`).
        title: the briefing title, for the workbook's properties.
        figures: the notebook's PNG figures (:func:`helpers.render.payloads.find_figures`).
    """
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    names = sheet_names([*(t["name"] for t in tables), *([FIGURES_SHEET] if figures else [])])
    for name, payload in zip(names, tables, strict=False):
        write_table(workbook.create_sheet(name), payload, title=title)
    if figures:
        write_figures(workbook.create_sheet(names[-1]), figures, title=title)
    write_provenance(workbook.create_sheet(PROVENANCE_SHEET), provenance, title=title)
    workbook.properties.title = title or None
    workbook.properties.creator = AUTHOR
    workbook.properties.subject = "; ".join(f"{k}: {v}" for k, v in provenance_rows(provenance))
    return workbook


def write_workbook(
    path: Path,
    tables: Sequence[Mapping[str, Any]],
    provenance: Mapping[str, Any],
    *,
    title: str = "",
    figures: Sequence[Figure] = (),
) -> None:
    """Build the workbook and save it to ``path`` (pass a temporary path to publish atomically)."""
    build_workbook(tables, provenance, title=title, figures=figures).save(path)
