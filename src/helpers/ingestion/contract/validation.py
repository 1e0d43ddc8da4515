"""Validation of parsed exports with a pandera schema built from the declared form.

Cleaning (``parsing.py``) has already turned each cell into a value of its kind; the schema
checks types, ranges and the rules between columns and rows: non-negative counts, a count not
above its total, a date not before another, a cell required by another cell, known codes and
ids (regions, ОКТМО, schools, chats), dates not after the snapshot, unique keys. Each failure
becomes a ``Problem`` naming the Excel row and the header as the user wrote it, with the rule
in Russian.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from helpers.ingestion.contract.cleaning import name_key
from helpers.ingestion.contract.columnar import DTYPES as NULLABLE_DTYPES
from helpers.ingestion.contract.columnar import duplicated, is_known, split_lists
from helpers.ingestion.contract.forms import BLANK, EARLIEST_DATE, FILLED, Column, Form
from helpers.ingestion.contract.parsing import ROW_COLUMN, ParsedTable

EARLIEST_SNAPSHOT = EARLIEST_DATE
DATE_KINDS = ("date", "done_date")

DTYPES: dict[str, object] = {**NULLABLE_DTYPES, "count": "int64", "flag": bool}
"""The dtype of a column whose cells may not be empty (nullable ones keep ``columnar.DTYPES``)."""

UNKNOWN_CODE = "код не найден в справочнике"


@dataclass(frozen=True)
class Context:
    """What the rules are checked against: known codes and ids and their names, today's date.

    ``known`` and ``names`` are keyed by the column's ``refers_to`` (e.g. ``"school"``) or, for
    columns without one, by its canonical name (e.g. ``"region_code"``); ``unknown_rules``
    words the rule for an unknown value of each (default: «код не найден в справочнике»).
    """

    known: dict[str, frozenset[str]] = field(default_factory=dict)
    names: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)  # code col → code → name keys
    today: dt.date = field(default_factory=dt.date.today)
    unknown_rules: dict[str, str] = field(default_factory=dict)


def _known_key(column: Column, context: Context) -> str | None:
    for key in (column.refers_to, column.name):
        if key and key in context.known:
            return key
    return None


def _column_checks(form: Form, name: str, context: Context) -> list[pa.Check]:
    column = form.column(name)
    checks = []
    if column.kind == "count":
        checks.append(pa.Check(lambda s: s >= 0, name="non_negative"))
    key = _known_key(column, context)
    if key and column.kind == "id_list":
        allowed = context.known[key]
        checks.append(pa.Check(
            lambda s, allowed=allowed: is_known(split_lists(s), allowed).groupby(level=0).all()
            .reindex(s.index, fill_value=True), name="known_code",
        ))
    elif key:
        allowed = context.known[key]
        checks.append(pa.Check(lambda s, allowed=allowed: is_known(s, allowed), name="known_code"))
    if column.kind in DATE_KINDS:
        low, high = pd.Timestamp(column.earliest), pd.Timestamp(context.today)
        checks.append(pa.Check(lambda s, low=low, high=high: (s >= low) & (s <= high),
                               name="date_range"))
    return checks


def _blank(series: pd.Series) -> pd.Series:
    return series.isna()


def _required_if(df: pd.DataFrame, name: str, other: str, values: tuple[str, ...]) -> pd.Series:
    if values == (BLANK,):
        needed = _blank(df[other])
    elif values == (FILLED,):
        needed = ~_blank(df[other])
    else:
        needed = df[other].isin(values)
    return ~(needed & _blank(df[name]))


def _aligned(df: pd.DataFrame, name: str, other: str) -> pd.Series:
    mine = df[name].str.count(",").fillna(-1)
    theirs = df[other].str.count(",").fillna(-1)
    return (mine == theirs) | (mine == 0) | _blank(df[name]) | _blank(df[other])


def _frame_checks(form: Form, present: set[str]) -> list[pa.Check]:
    checks = []
    for column in form.columns:
        if column.name not in present:
            continue
        if column.not_above and column.not_above in present:
            checks.append(pa.Check(
                lambda df, a=column.name, b=column.not_above: df[a] <= df[b],
                name=f"not_above:{column.name}:{column.not_above}",
            ))
        if column.not_before and column.not_before in present:
            checks.append(pa.Check(
                lambda df, a=column.name, b=column.not_before: df[a].isna() | (df[a] >= df[b]),
                name=f"not_before:{column.name}:{column.not_before}",
            ))
        if column.required_if and column.required_if[0] in present:
            other, values = column.required_if
            checks.append(pa.Check(
                lambda df, a=column.name, b=other, v=values: _required_if(df, a, b, v),
                name=f"required_if:{column.name}:{other}",
            ))
        if column.aligned_with and column.aligned_with in present:
            checks.append(pa.Check(
                lambda df, a=column.name, b=column.aligned_with: _aligned(df, a, b),
                name=f"aligned:{column.name}:{column.aligned_with}",
            ))
        snapshot = form.date_column
        if column.kind in DATE_KINDS and snapshot and column.name != snapshot and snapshot in present:
            checks.append(pa.Check(
                lambda df, a=column.name, b=snapshot: df[a].isna() | (df[a] <= df[b]),
                name=f"not_after_snapshot:{column.name}:{snapshot}",
            ))
    key = [k for k in form.key if k in present]
    if key:
        checks.append(pa.Check(lambda df: ~duplicated(df, key), name="unique_key"))
    return checks


def build_schema(form: Form, present: Iterable[str], context: Context) -> pa.DataFrameSchema:
    """The pandera schema of a form for the columns a file has."""
    present = set(present)
    columns = {}
    for c in form.columns:
        if c.name not in present:
            continue
        nullable = c.nullable or not c.required
        dtype = NULLABLE_DTYPES[c.kind] if nullable else DTYPES[c.kind]
        columns[c.name] = pa.Column(dtype, _column_checks(form, c.name, context),
                                    nullable=nullable, coerce=True)
    return pa.DataFrameSchema(columns, checks=_frame_checks(form, present), strict=False)


def _rule_text(parsed: ParsedTable, check: str, column: str, context: Context,
               row: pd.Series | None) -> str:
    """The rule a failed check stands for, naming other columns by the file's own headers."""
    form = parsed.form

    def header(name: str) -> str:
        return parsed.headers.get(name) or form.column(name).header

    parts = check.split(":")
    if check == "non_negative":
        return "количество не может быть отрицательным"
    if check == "known_code":
        key = _known_key(form.column(column), context)
        return context.unknown_rules.get(key or "", UNKNOWN_CODE)
    if check == "date_range":
        earliest = form.column(column).earliest
        return (f"дата вне допустимого периода (с {earliest:%d.%m.%Y} "
                f"по {context.today:%d.%m.%Y}, не в будущем)")
    if parts[0] == "not_above":
        return f"больше, чем «{header(parts[2])}»"
    if parts[0] == "not_before":
        return f"раньше, чем «{header(parts[2])}»"
    if parts[0] == "not_after_snapshot":
        day = row[parts[2]] if row is not None else None
        when = f" ({day:%d.%m.%Y})" if isinstance(day, (pd.Timestamp, dt.date)) else ""
        return f"дата позже даты среза (выгрузки){when}"
    if parts[0] == "required_if":
        other = form.column(parts[2])
        condition = form.column(column).required_if
        if condition and condition[1] == (BLANK,):
            return f"пустая ячейка: значение обязательно, когда не заполнен «{header(other.name)}»"
        if condition and condition[1] == (FILLED,):
            return f"пустая ячейка: значение обязательно, когда заполнен «{header(other.name)}»"
        shown = row[parts[2]] if row is not None else ""
        label = other.choices.labels.get(str(shown), shown) if other.choices else shown
        return f"пустая ячейка: значение обязательно для «{header(other.name)}» = «{label}»"
    if parts[0] == "aligned":
        return (f"число элементов списка не совпадает с «{header(parts[2])}» "
                f"(нужно столько же или один)")
    if check == "unique_key":
        keys = ", ".join(f"«{header(k)}»" for k in form.key if k in parsed.headers) \
            or ", ".join(f"«{header(k)}»" for k in form.key)
        first = _first_copy(parsed, row)
        where = f" в строке {first}" if first is not None else ""
        return f"повтор ключа: та же строка уже есть{where} ({keys})"
    return f"нарушено правило {check}"  # a dtype failure: cleaning should have prevented it


def validate_table(parsed: ParsedTable, context: Context) -> pd.DataFrame:
    """Check a parsed table; problems are added to ``parsed``; returns the rows that passed."""
    frame = parsed.frame
    if frame.empty:
        return frame
    schema = build_schema(parsed.form, frame.columns, context)
    try:
        valid = schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        _report(parsed, exc.failure_cases, context)
        return frame.iloc[0:0]
    _warn_on_names(parsed, valid, context)
    return valid


def _warn_on_names(parsed: ParsedTable, frame: pd.DataFrame, context: Context) -> None:
    """A name that differs from the reference name of its code is a warning, not an error."""
    for column in parsed.form.columns:
        code_column = column.names_of
        if not code_column or column.name not in frame or code_column not in frame:
            continue
        accepted = context.names.get(parsed.form.column(code_column).refers_to or "") \
            or context.names.get(code_column)
        if not accepted:
            continue
        names = frame[[ROW_COLUMN, code_column, column.name]].dropna()
        keys = names[column.name].map(name_key)
        wrong = [k not in accepted.get(code, frozenset())
                 for k, code in zip(keys, names[code_column], strict=True)]
        for row, code, name in names[wrong].itertuples(index=False):
            parsed.problem(f"наименование не совпадает со справочником для кода {code}",
                           row=int(row), column=column.name, value=name, severity="warning")


def _report(parsed: ParsedTable, failures: pd.DataFrame, context: Context) -> None:
    seen: set[tuple[object, str, str]] = set()
    key_column = [k for k in parsed.form.key if k in parsed.frame][-1:]
    for case in failures.itertuples(index=False):
        check, column, index = str(case.check), str(case.column), case.index
        parts = check.split(":")
        # a wide check lists the row's columns (not those that are empty): name the one at fault
        if len(parts) == 3:
            column = parts[1]
        elif check == "unique_key":
            column = key_column[0]
        if (index, column, check) in seen:
            continue
        seen.add((index, column, check))
        known_row = index is not None and index == index
        row = parsed.frame.loc[index] if known_row else None
        value = row[column] if row is not None and column in parsed.frame else case.failure_case
        parsed.problem(_rule_text(parsed, check, column, context, row),
                       row=int(row[ROW_COLUMN]) if row is not None else None,
                       column=column, value=_value_text(value))


def _first_copy(parsed: ParsedTable, row: pd.Series | None) -> int | None:
    """The file's row number of the first row with the same key as ``row``."""
    if row is None:
        return None
    key = [k for k in parsed.form.key if k in parsed.frame]
    same = np.ones(len(parsed.frame), dtype=bool)
    for name in key:
        column = parsed.frame[name]
        same &= (column == row[name]).fillna(False).to_numpy(dtype=bool) if not \
            pd.isna(row[name]) else column.isna().to_numpy(dtype=bool)
    rows = parsed.frame.loc[same, ROW_COLUMN]
    first = int(rows.min()) if len(rows) else None
    return first if first is not None and first != int(row[ROW_COLUMN]) else None


def _value_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    return str(value)
