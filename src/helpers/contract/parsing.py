"""From the cells of a sheet to a frame of canonical columns, driven by a declared ``Form``.

Finds the header row under any title rows, maps the Russian headers to canonical names, finds
the snapshot date (date column, «по состоянию на …» title row, or the file name), cleans every
cell by the column's kind, and checks and drops the totals row («Итого»/«Всего»).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from helpers.contract import cleaning
from helpers.contract.forms import Column, Form
from helpers.contract.problems import Problem
from helpers.contract.reading import RawTable

HEADER_SEARCH_ROWS = 40
ROW_COLUMN = "_row"  # Excel row number of each record, kept for error messages

CLEANERS: dict[str, Callable[[object], object]] = {
    "region_code": lambda v: cleaning.clean_code(v, 2),
    "oktmo": lambda v: cleaning.clean_code(v, 8),
    "count": cleaning.clean_count,
    "flag": cleaning.clean_flag,
    "date": cleaning.clean_date,
    "text": cleaning.clean_text,
    "id": lambda v: cleaning.normalize_name(v),
}


@dataclass
class ParsedTable:
    """A sheet read against a form: canonical frame, where each column came from, problems."""

    table: RawTable
    form: Form
    frame: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)  # canonical name → header as written
    problems: list[Problem] = field(default_factory=list)
    snapshot_date: dt.date | None = None

    @property
    def file(self) -> str:
        return self.table.file.name

    def problem(self, rule: str, *, row: int | None = None, column: str = "",
                value: object = "", severity: str = "error") -> None:
        """Record a problem at a cell of this table (``column`` is the canonical name)."""
        self.problems.append(Problem(
            file=self.file, sheet=self.table.sheet, row=row,
            column=self.headers.get(column, column), value=_shown(value),
            rule=rule, severity=severity,  # type: ignore[arg-type]
        ))


def _shown(value: object) -> str:
    if cleaning.is_blank(value):
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def header_lookup(form: Form) -> dict[str, str]:
    """Normalised header text → canonical column name, for every header variant of the form."""
    return {
        cleaning.normalize_header(text): column.name
        for column in form.columns
        for text in (column.name, *column.headers)
    }


def locate_header(rows: list[list[object]], form: Form) -> tuple[int, dict[int, str]] | None:
    """The header row (index) and its mapping of cell position → canonical name."""
    lookup = header_lookup(form)
    required = {c.name for c in form.columns if c.required}
    best: tuple[int, dict[int, str]] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[int, str] = {}
        for position, cell in enumerate(row):
            name = lookup.get(cleaning.normalize_header(cell))
            if name and name not in mapping.values():
                mapping[position] = name
        found = len(required & set(mapping.values()))
        if found >= max(2, len(required) // 2) and (best is None or found > len(best[1])):
            best = (index, mapping)
    return best


def parse_table(table: RawTable, form: Form) -> ParsedTable:
    """Read one sheet against a form; problems are collected, never raised."""
    parsed = ParsedTable(table=table, form=form, frame=pd.DataFrame())
    located = locate_header(table.rows, form)
    if located is None:
        if any(not cleaning.is_blank(c) for row in table.rows for c in row):
            parsed.problem(f"не найдена строка заголовков формы «{form.title}» "
                           f"(ожидаются столбцы: {_header_list(form)})")
        return parsed
    header_index, mapping = located
    header_row = table.rows[header_index]
    parsed.headers = {name: str(header_row[pos]).replace("\n", " ") for pos, name in mapping.items()}
    for column in form.columns:
        if column.required and column.name not in mapping.values():
            parsed.problem(f"нет обязательного столбца «{column.header}»", row=header_index + 1)
    if any(p.severity == "error" for p in parsed.problems):
        return parsed
    parsed.snapshot_date = _title_date(table.rows[:header_index]) or cleaning.find_date(
        table.file.stem.replace("_", " ")
    )
    records = _records(parsed, table.rows[header_index + 1 :], header_index + 2, mapping)
    parsed.frame = _check_totals(parsed, records)
    return parsed


def _header_list(form: Form) -> str:
    return ", ".join(f"«{c.header}»" for c in form.columns if c.required)


def _title_date(title_rows: list[list[object]]) -> dt.date | None:
    """A date in the title rows above the header («по состоянию на 16.09.2024»)."""
    for row in title_rows:
        for cell in row:
            if isinstance(cell, (dt.date, dt.datetime)):
                return cell if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime) \
                    else cell.date()  # type: ignore[union-attr]
            if isinstance(cell, str):
                found = cleaning.find_date(cell)
                if found:
                    return found
    return None


def _is_totals_row(values: dict[str, object], form: Form) -> bool:
    for name, value in values.items():
        if form.column(name).kind in ("count", "flag", "date"):
            continue
        text = cleaning.normalize_header(value)
        if any(text.startswith(label) for label in form.totals_labels):
            return True
    return False


def _records(parsed: ParsedTable, rows: list[list[object]], first_row: int,
             mapping: dict[int, str]) -> list[dict[str, object]]:
    """Clean every cell of the data rows; a row with a bad cell is reported and left out."""
    records = []
    for offset, row in enumerate(rows):
        raw = {name: (row[pos] if pos < len(row) else None) for pos, name in mapping.items()}
        if all(cleaning.is_blank(v) for v in raw.values()):
            continue
        row_number = first_row + offset
        if _is_totals_row(raw, parsed.form):
            records.append({"__totals__": True, ROW_COLUMN: row_number, **raw})
            continue
        record = _clean_record(parsed, raw, row_number)
        if record is not None:
            records.append(record)
    return records


def _clean_record(parsed: ParsedTable, raw: dict[str, object], row: int) -> dict | None:
    record: dict[str, object] = {ROW_COLUMN: row}
    ok = True
    for name, value in raw.items():
        column: Column = parsed.form.column(name)
        if cleaning.is_blank(value):
            if column.required and not column.nullable:
                parsed.problem("пустая ячейка: значение обязательно", row=row, column=name)
                ok = False
            record[name] = None
            continue
        try:
            record[name] = CLEANERS[column.kind](value)
        except ValueError as exc:
            parsed.problem(str(exc), row=row, column=name, value=value)
            ok = False
    return record if ok else None


def _check_totals(parsed: ParsedTable, records: list[dict[str, object]]) -> pd.DataFrame:
    """Compare a totals row with the sum of the rows above it, then drop it."""
    data = [r for r in records if not r.get("__totals__")]
    frame = pd.DataFrame(data)
    if any(p.severity == "error" for p in parsed.problems):
        return frame  # rows left out would make every sum differ
    for totals in (r for r in records if r.get("__totals__")):
        for name in parsed.form.totals_columns or parsed.form.count_columns:
            value = totals.get(name)
            if name not in frame.columns or cleaning.is_blank(value):
                continue
            try:
                stated = cleaning.clean_count(value)
            except ValueError as exc:
                parsed.problem(f"итоговая строка: {exc}", row=totals[ROW_COLUMN],  # type: ignore[arg-type]
                               column=name, value=value)
                continue
            actual = int(pd.to_numeric(frame[name], errors="coerce").fillna(0).sum())
            if stated != actual:
                parsed.problem(
                    f"итоговая строка не равна сумме строк таблицы "
                    f"(сумма строк: {actual})",
                    row=totals[ROW_COLUMN], column=name, value=value,  # type: ignore[arg-type]
                )
    return frame
