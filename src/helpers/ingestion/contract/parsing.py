"""From the cells of a sheet to a frame of canonical columns, driven by a declared ``Form``.

Finds the header row under any title rows, maps the Russian headers to canonical names, finds
the snapshot date and the export time (date column, a title row such as «по состоянию на …» or
«Выгружено 16.09.2024 14:05», or the file name), cleans every column by its kind, and checks
and drops the totals row («Итого»/«Всего»).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from helpers.ingestion.contract import cleaning, columnar
from helpers.ingestion.contract.forms import Form
from helpers.ingestion.contract.problems import Problem
from helpers.ingestion.contract.reading import RawTable
from helpers.ingestion.contract.shapes import describe, has_own_shape

HEADER_SEARCH_ROWS = 40
ROW_COLUMN = "_row"  # Excel row number of each record, kept for error messages
MAX_PROBLEMS_PER_RULE = 50  # per column and rule of a sheet; the rest are counted in one line
DATE_KINDS = ("count", "flag", "date", "done_date", "datetime", "last_seen")
RELATIVE_WORDS = r"назад|сегодня|вчера|в сети|онлайн|только что"


@dataclass
class ParsedTable:
    """A sheet read against a form: canonical frame, where each column came from, problems."""

    table: RawTable
    form: Form
    frame: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)  # canonical name → header as written
    problems: list[Problem] = field(default_factory=list)
    snapshot_date: dt.date | None = None
    export_time: dt.datetime | None = None  # with the time of day when ``export_clock``
    export_clock: bool = False
    _counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def file(self) -> str:
        return self.table.label

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def problem(self, rule: str, *, row: int | None = None, column: str = "",
                value: object = "", severity: str = "error") -> None:
        """Record a problem at a cell of this table (``column`` is the canonical name).

        After :data:`MAX_PROBLEMS_PER_RULE` problems of one rule in one column the rest are
        only counted; :meth:`close` reports how many.
        """
        self._counts[(column, rule)] += 1
        if self._counts[(column, rule)] > MAX_PROBLEMS_PER_RULE:
            return
        shown = _shown(value)
        masked = self.form.is_personal(column)
        shape = ""
        if shown and not masked and self.form.personal_columns and not has_own_shape(
                self._kind(column), shown):  # a file with people in it: maybe a person's data
            masked, shape = True, describe(shown)
        self.problems.append(Problem(
            file=self.file, sheet=self.table.sheet, row=row,
            column=self.headers.get(column, column), value=shown,
            rule=rule, severity=severity,  # type: ignore[arg-type]
            masked=masked, shape=shape,
        ))

    def _kind(self, column: str) -> str:
        """The value kind of a column of the form ('' for one it does not declare)."""
        return next((c.kind for c in self.form.columns if c.name == column), "")

    def close(self) -> None:
        """Report the problems counted beyond the limit, one line per column and rule."""
        for (column, rule), count in self._counts.items():
            hidden = count - MAX_PROBLEMS_PER_RULE
            if hidden > 0:
                severity = next(p.severity for p in self.problems if p.rule == rule)
                self.problems.append(Problem(
                    file=self.file, sheet=self.table.sheet,
                    column=self.headers.get(column, column), severity=severity,
                    rule=f"и ещё {hidden} строк с той же ошибкой: {rule}",
                ))
        self._counts.clear()


def _shown(value: object) -> str:
    if cleaning.is_blank(value):
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y %H:%M}" if value.time() != dt.time() else f"{value:%d.%m.%Y}"
    return str(value)


def header_lookup(form: Form) -> dict[str, str]:
    """Normalised header text → canonical column name, for every header variant of the form."""
    return {
        cleaning.normalize_header(text): column.name
        for column in form.columns
        for text in (column.name, *column.headers)
    }


def locate_header(rows: list[list[object]], form: Form) -> tuple[int, dict[int, str]] | None:
    """The header row (index) and its mapping of cell position → canonical name.

    A row is a header when it names at least two of the form's columns and at least half of its
    required ones; the row naming the most required columns (then the most columns) wins.
    """
    lookup = header_lookup(form)
    required = {c.name for c in form.columns if c.required}
    best: tuple[int, dict[int, str]] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[int, str] = {}
        for position, cell in enumerate(row):
            name = lookup.get(cleaning.normalize_header(cell))
            if name and name not in mapping.values():
                mapping[position] = name
        if len(mapping) < max(2, len(required) // 2) or len(required & set(mapping.values())) \
                < len(required) // 2:
            continue
        if best is None or _rank(mapping, required) > _rank(best[1], required):
            best = (index, mapping)
    return best


def _rank(mapping: dict[int, str], required: set[str]) -> tuple[int, int]:
    return len(required & set(mapping.values())), len(mapping)


def header_score(rows: list[list[object]], form: Form) -> tuple[float, int]:
    """How well a sheet's header fits a form: share of its required columns (and of its groups
    of which one must exist) found, and the number of its columns found."""
    located = locate_header(rows, form)
    if located is None:
        return (0.0, 0)
    # each required column is one unit, and so is each group of which one column must exist
    units = [{c.name} for c in form.columns if c.required] + [set(g) for g in form.any_of]
    present = set(located[1].values())
    found = sum(1 for unit in units if unit & present)
    return (found / max(len(units), 1), len(located[1]))


def parse_table(table: RawTable, form: Form) -> ParsedTable:
    """Read one sheet against a form; problems are collected, never raised."""
    parsed = ParsedTable(table=table, form=form, frame=pd.DataFrame())
    head = table.rows
    located = locate_header(head, form)
    if located is None:
        if any(not cleaning.is_blank(c) for row in head for c in row) or len(table.cells) > len(head):
            parsed.problem(f"не найдена строка заголовков формы «{form.title}» "
                           f"(ожидаются столбцы: {_header_list(form)})")
        return parsed
    header_index, mapping = located
    header_row = head[header_index]
    parsed.headers = {name: str(header_row[pos]).replace("\n", " ") for pos, name in mapping.items()}
    for column in form.columns:
        if column.required and column.name not in mapping.values():
            parsed.problem(f"нет обязательного столбца «{column.header}»", row=header_index + 1)
    for group in form.any_of:
        if not set(group) & set(mapping.values()):
            names = " или ".join(f"«{form.column(n).header}»" for n in group)
            parsed.problem(f"нет столбца {names}", row=header_index + 1)
    if not parsed.ok:
        return parsed
    _find_export_time(parsed, head[:header_index])
    body = table.cells.iloc[header_index + 1:, list(mapping)]
    body.columns = list(mapping.values())
    body.index = body.index + 1  # Excel row numbers
    parsed.frame = _clean(parsed, body)
    # the raw cells are not needed any more (a region's sheets are all parsed before any is
    # validated): not holding them cut a large region's page faults by a fifth
    parsed.table = replace(table, cells=table.cells.iloc[:0])
    return parsed


def _header_list(form: Form) -> str:
    return ", ".join(f"«{c.header}»" for c in form.columns if c.required)


def _find_export_time(parsed: ParsedTable, title_rows: list[list[object]]) -> None:
    """The export time of the title rows, else of the file name (``None`` when neither has one)."""
    found = _title_time(title_rows) or cleaning.find_datetime(parsed.table.file.stem,
                                                              file_name=True)
    if found:
        parsed.export_time, parsed.export_clock = found
        parsed.snapshot_date = parsed.export_time.date()


def _title_time(title_rows: list[list[object]]) -> tuple[dt.datetime, bool] | None:
    """A date (and time) in the title rows above the header («по состоянию на 16.09.2024»)."""
    for row in title_rows:
        for cell in row:
            if isinstance(cell, dt.datetime):
                return cell.replace(microsecond=0), cell.time() != dt.time()
            if isinstance(cell, dt.date):
                return dt.datetime.combine(cell, dt.time()), False
            if isinstance(cell, str):
                found = cleaning.find_datetime(cell)
                if found:
                    return found
    return None


def _totals_mask(body: pd.DataFrame, form: Form) -> np.ndarray:
    """Totals rows: the code or name cell — one of the first two text columns — starts with
    «Итого» or «Всего»; or any later text cell does while every key column of the row is empty
    (a totals row whose label stands under another column: its row has no code, so it cannot
    be a school or a region)."""
    mask = np.zeros(len(body), dtype=bool)
    texts = [name for name in body.columns if form.column(name).kind not in DATE_KINDS
             and form.column(name).kind != "count"]
    keyless = np.ones(len(body), dtype=bool)
    for name in (k for k in form.key if k in body.columns and k != form.date_column):
        keyless &= columnar.blank_mask(body[name])
    for position, name in enumerate(texts):
        if position < 2:
            mask |= _labelled(body[name], form.totals_labels)
        elif keyless.any():  # a later column counts only on rows without a key
            mask[keyless] |= _labelled(body[name][keyless], form.totals_labels)
    return mask


def _labelled(cells: pd.Series, labels: tuple[str, ...]) -> np.ndarray:
    """Cells starting with one of ``labels`` (any case, after spaces and asterisks)."""
    if columnar.is_text(cells):  # one pass of RE2 over the column, no lowered copy
        pattern = "^[ \u00a0\t*]*(" + "|".join(re.escape(label) for label in labels) + ")"
        found = pc.match_substring_regex(columnar.arrow_strings(cells), pattern, ignore_case=True)
        return found.fill_null(False).to_numpy(zero_copy_only=False)
    text = cells.astype("str").str.lower().str.lstrip(" \u00a0\t*")
    return text.str.startswith(labels).fillna(False).to_numpy(dtype=bool)


def _clean(parsed: ParsedTable, body: pd.DataFrame) -> pd.DataFrame:
    """Clean every column; a row with a bad cell is reported and left out."""
    blank = pd.DataFrame({name: columnar.blank_mask(body[name]) for name in body.columns},
                         index=body.index)
    body, blank = _without(body, blank, blank.all(axis=1).to_numpy())
    totals = _totals_mask(body, parsed.form)
    totals_rows = body[totals]
    body, blank = _without(body, blank, totals)
    at = _anchor(parsed, body)
    frame = pd.DataFrame(index=body.index)
    bad = np.zeros(len(body), dtype=bool)
    for name in body.columns:
        column = parsed.form.column(name)
        empty = blank[name].to_numpy()
        if column.required and not column.nullable:
            for row in body.index[empty]:
                parsed.problem("пустая ячейка: значение обязательно", row=int(row), column=name)
            bad |= empty
        dtype = columnar.DTYPES[column.kind]
        values = pd.Series(index=body.index, dtype=dtype)  # all empty
        if (~empty).any():
            cells = body[name] if not empty.any() else body[name][~empty]
            cleaned = columnar.cleaner(column, at)(cells)
            values = _spread(cleaned.values, empty, body.index).astype(dtype)
            for row, rule in cleaned.error_rows().items():
                parsed.problem(str(rule), row=int(row), column=name, value=body.at[row, name])
            bad[~empty] |= cleaned.bad
        frame[name] = values
    frame = frame[~bad] if bad.any() else frame
    frame.insert(0, ROW_COLUMN, frame.index.astype("int64"))
    frame = frame.reset_index(drop=True)
    _check_totals(parsed, frame, totals_rows)
    return frame


def _without(body: pd.DataFrame, blank: pd.DataFrame, dropped: np.ndarray
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``body`` and its blank mask without the ``dropped`` rows (not copied when there are
    none: a copy of a region's million-row sheet costs a tenth of a second or more)."""
    if not dropped.any():
        return body, blank
    return body[~dropped], blank[~dropped]


def _spread(values: pd.Series, empty: np.ndarray, index: pd.Index) -> pd.Series:
    """The cleaned values of the non-empty cells put back in their rows, missing in the empty
    ones: a positional take (a reindex by row number hashes every label, and a masked
    assignment rebuilds arrow arrays — both seconds on millions of rows)."""
    if not empty.any():
        return values
    where = np.full(len(empty), -1, dtype=np.int64)
    where[~empty] = np.arange(int((~empty).sum()))
    return pd.Series(values.array.take(where, allow_fill=True), index=index)


def _anchor(parsed: ParsedTable, body: pd.DataFrame) -> dt.datetime | None:
    """The time «… назад» and «вчера» count from: the export time, or the end of its day.

    Without a time of day in the title or file name, the end of the export day is used and a
    warning says so when the sheet has texts relative to the hour.
    """
    if parsed.export_time is None or parsed.export_clock:
        return parsed.export_time
    end = parsed.export_time.replace(hour=23, minute=59)
    for name in body.columns:
        if parsed.form.column(name).kind == "last_seen":
            text = body[name].astype("str").str.lower()
            if text.str.contains(RELATIVE_WORDS, regex=True).fillna(False).any():
                parsed.problem(f"время выгрузки не указано (только дата): «… назад», «сегодня» "
                               f"отсчитаны от конца дня {end:%d.%m.%Y %H:%M}", column=name,
                               severity="warning")
    return end


def _check_totals(parsed: ParsedTable, frame: pd.DataFrame, totals: pd.DataFrame) -> None:
    """Compare a totals row with the sum of the rows above it (it is never part of the frame)."""
    if not parsed.ok or totals.empty:
        return  # rows left out would make every sum differ
    for row, values in totals.iterrows():
        for name in parsed.form.totals_columns or parsed.form.count_columns:
            value = values.get(name)
            if name not in frame.columns or cleaning.is_blank(value):
                continue
            try:
                stated = cleaning.clean_count(value)
            except ValueError as exc:
                parsed.problem(f"итоговая строка: {exc}", row=int(row), column=name, value=value)
                continue
            actual = int(pd.to_numeric(frame[name], errors="coerce").fillna(0).sum())
            if stated != actual:
                parsed.problem(
                    f"итоговая строка не равна сумме строк таблицы "
                    f"(сумма строк: {actual})",
                    row=int(row), column=name, value=value,
                )
