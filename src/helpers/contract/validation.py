"""Validation of parsed exports with a pandera schema built from the declared form.

Cleaning (``parsing.py``) has already turned each cell into a value of its kind; the schema
checks types, ranges and the rules between columns and rows: non-negative counts, a count not
above its total, known codes, unique keys, a sane snapshot date. Each failure becomes a
``Problem`` naming the Excel row and the header as the user wrote it, with the rule in Russian.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from helpers.contract.cleaning import name_key
from helpers.contract.forms import Form
from helpers.contract.parsing import ROW_COLUMN, ParsedTable

EARLIEST_SNAPSHOT = dt.date(2020, 1, 1)

DTYPES: dict[str, object] = {
    "region_code": str, "oktmo": str, "text": str, "id": str,
    "count": "int64", "flag": bool, "date": "datetime64[ns]", "datetime": "datetime64[ns]",
}


@dataclass(frozen=True)
class Context:
    """What the rules are checked against: known codes and their names, today's date."""

    known: dict[str, frozenset[str]] = field(default_factory=dict)
    names: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)  # code col → code → name keys
    today: dt.date = field(default_factory=dt.date.today)


def _column_checks(form: Form, name: str, context: Context) -> list[pa.Check]:
    column = form.column(name)
    checks = []
    if column.kind == "count":
        checks.append(pa.Check(lambda s: s >= 0, name="non_negative"))
    if name in context.known:
        allowed = context.known[name]
        checks.append(pa.Check(lambda s, allowed=allowed: s.isin(allowed), name="known_code"))
    if column.kind in ("date", "datetime"):
        low, high = pd.Timestamp(EARLIEST_SNAPSHOT), pd.Timestamp(context.today)
        checks.append(pa.Check(lambda s: (s >= low) & (s <= high), name="date_range"))
    return checks


def _frame_checks(form: Form, present: set[str]) -> list[pa.Check]:
    checks = []
    for column in form.columns:
        if column.not_above and {column.name, column.not_above} <= present:
            checks.append(pa.Check(
                lambda df, a=column.name, b=column.not_above: df[a] <= df[b],
                name=f"not_above:{column.name}:{column.not_above}",
            ))
    key = [k for k in form.key if k in present]
    if key:
        checks.append(pa.Check(lambda df: ~df.duplicated(key, keep="first"), name="unique_key"))
    return checks


def build_schema(form: Form, present: Iterable[str], context: Context) -> pa.DataFrameSchema:
    """The pandera schema of a form for the columns a file has."""
    present = set(present)
    columns = {
        c.name: pa.Column(DTYPES[c.kind], _column_checks(form, c.name, context),
                          nullable=c.nullable or not c.required, coerce=True)
        for c in form.columns if c.name in present
    }
    return pa.DataFrameSchema(columns, checks=_frame_checks(form, present), strict=False)


def _rule_text(form: Form, check: str, column: str, context: Context) -> str:
    if check == "non_negative":
        return "количество не может быть отрицательным"
    if check == "known_code":
        return "код не найден в справочнике"
    if check == "date_range":
        return (f"дата вне допустимого периода (с {EARLIEST_SNAPSHOT:%d.%m.%Y} "
                f"по {context.today:%d.%m.%Y}, не в будущем)")
    if check.startswith("not_above:"):
        other = form.column(check.split(":")[2]).header
        return f"больше, чем «{other}»"
    if check == "unique_key":
        keys = ", ".join(f"«{form.column(k).header}»" for k in form.key)
        return f"повтор ключа: такая строка уже есть ({keys})"
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
        if not code_column or column.name not in frame or code_column not in context.names:
            continue
        accepted = context.names[code_column]
        for row, code, name in zip(frame[ROW_COLUMN], frame[code_column], frame[column.name],
                                   strict=True):
            if name and name_key(name) not in accepted.get(code, frozenset()):
                parsed.problem(f"наименование не совпадает со справочником для кода {code}",
                               row=int(row), column=column.name, value=name, severity="warning")


def _report(parsed: ParsedTable, failures: pd.DataFrame, context: Context) -> None:
    seen: set[tuple[object, str, str]] = set()
    for case in failures.itertuples(index=False):
        check, column, index = str(case.check), str(case.column), case.index
        if check.startswith("not_above:") and column != check.split(":")[1]:
            continue  # a wide check lists every column of the row; name the one that is too large
        if check == "unique_key" and column not in parsed.form.key[-1:]:
            continue
        if (index, column, check) in seen:
            continue
        seen.add((index, column, check))
        row = int(parsed.frame.at[index, ROW_COLUMN]) if index is not None and index == index \
            else None
        value = parsed.frame.at[index, column] if row is not None and column in parsed.frame \
            else case.failure_case
        parsed.problem(_rule_text(parsed.form, check, column, context), row=row,
                       column=column, value=_value_text(value))


def _value_text(value: object) -> str:
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    return str(value)
