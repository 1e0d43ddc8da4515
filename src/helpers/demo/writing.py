"""Writing demo tables the way regions' exports look: title rows, Russian headers, a totals row.

One function per file format; each file is written to a hidden temporary name and renamed into
place, so a half-written export is never left behind. Large tables go to CSV: openpyxl writes
about ten thousand rows a second even in its streaming mode, too slow for a region's pupils.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter


@dataclass
class Sheet:
    """One table of an export: title rows above it, its header and rows, an optional totals row."""

    name: str
    header: list[str]
    rows: pd.DataFrame  # columns in the order of ``header``, cells as they should appear
    titles: list[str] = field(default_factory=list)
    totals: list[object] | None = None


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """A workbook with one worksheet per sheet (dates formatted ДД.ММ.ГГГГ), written in
    openpyxl's streaming mode."""
    workbook = openpyxl.Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.name)
        for index, text in enumerate(spec.header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(max(12, len(text) // 2), 45)
        bold = Font(bold=True)
        for line in spec.titles:
            sheet.append([_styled(sheet, line, font=bold)])
        if spec.titles:
            sheet.append([])
        wrap = Alignment(wrap_text=True, vertical="top")
        sheet.append([_styled(sheet, text, font=bold, alignment=wrap) for text in spec.header])
        sheet.freeze_panes = f"A{len(spec.titles) + (2 if spec.titles else 1) + 1}"
        for row in spec.rows.itertuples(index=False):
            sheet.append([_dated(sheet, _cell(v)) for v in row])
        if spec.totals is not None:
            sheet.append([_styled(sheet, v, font=bold) for v in spec.totals])
    return _atomic(path, workbook.save)


def _styled(sheet: object, value: object, **style: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _dated(sheet: object, value: object) -> object:
    if not isinstance(value, dt.datetime):
        return value
    fmt = "DD.MM.YYYY" if value.time() == dt.time() else "DD.MM.YYYY HH:MM"
    return _styled(sheet, value, number_format=fmt)


def write_csv(path: Path, sheet: Sheet, *, encoding: str = "utf-8-sig", delimiter: str = ";"
              ) -> Path:
    """A CSV file: title rows (padded to the table's width), a blank line, header, rows."""
    def save(target: Path) -> None:
        width = len(sheet.header)
        with target.open("w", encoding=encoding, newline="", errors="strict") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            for line in sheet.titles:
                writer.writerow([line] + [""] * (width - 1))
            if sheet.titles:
                writer.writerow([""] * width)
            writer.writerow(sheet.header)
        if encoding.startswith("utf-8"):  # pyarrow writes millions of rows a second
            table = pa.Table.from_pandas(sheet.rows, preserve_index=False)
            with target.open("ab") as handle:
                pa_csv.write_csv(table, handle, pa_csv.WriteOptions(
                    include_header=False, delimiter=delimiter, quoting_style="needed"))
        else:
            sheet.rows.to_csv(target, mode="a", sep=delimiter, header=False, index=False,
                              encoding=encoding, lineterminator="\r\n")
        if sheet.totals is not None:
            with target.open("a", encoding=encoding.replace("-sig", ""), newline="") as handle:
                csv.writer(handle, delimiter=delimiter).writerow(
                    ["" if v is None else v for v in sheet.totals])

    return _atomic(path, save)


def _atomic(path: Path, save: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    save(partial)  # type: ignore[operator]
    os.replace(partial, path)
    return path
