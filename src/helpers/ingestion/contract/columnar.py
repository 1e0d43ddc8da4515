"""Cleaning a whole column at once, with the rules of ``cleaning.py`` and their messages.

Exports run to millions of rows (a region's pupils and parents), so cells are not cleaned one by
one: a column's distinct values are cleaned once each and mapped back (most columns repeat a
few values: codes, dates, classes, roles), and the columns where nearly every value is distinct
(identifiers, SNILS, names, lists) are cleaned with vectorised string operations, falling back
to the scalar rule only for the values that need it. Either way each cell gets the same value
and the same Russian rule as the scalar cleaner would give it.

The whole-column checks live here too: membership in a set of ids (:func:`is_known`) and
repeated keys (:func:`repeated_keys` counted by DuckDB, :func:`duplicated` marking rows), which
validation and the ingestion's per-region key checks share.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingestion.contract import cleaning, last_seen, snils
from helpers.ingestion.contract.forms import Column

STRING = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str"
DTYPES: dict[str, object] = {
    "region_code": STRING, "oktmo": STRING, "text": STRING, "id": STRING, "id_list": STRING,
    "snils": STRING, "choice": STRING, "class_name": STRING, "url": STRING,
    "count": "Int64", "flag": "boolean",
    "date": "datetime64[ns]", "done_date": "datetime64[ns]", "datetime": "datetime64[ns]",
    "last_seen": "datetime64[ns]",
}


@dataclass
class Cleaned:
    """Clean values of a column and, per cell, the rule its value breaks (``None`` if clean).

    ``errors`` is ``None`` when no cell breaks a rule — the usual case, which then costs no
    column of Python objects (hundreds of millions of cells nationally).
    """

    values: pd.Series
    errors: pd.Series | None = None  # object dtype, aligned with ``values``

    @functools.cached_property
    def bad(self) -> np.ndarray:
        if self.errors is None:
            return np.zeros(len(self.values), dtype=bool)
        return self.errors.notna().to_numpy()

    def error_rows(self) -> pd.Series:
        """The rule each bad cell breaks, by row."""
        return self.errors[self.bad] if self.errors is not None else pd.Series(dtype=object)

    def errors_or_none(self) -> pd.Series:
        """``errors``, with ``None`` for every cell when there are none."""
        if self.errors is None:
            return pd.Series(None, index=self.values.index, dtype=object)
        return self.errors


def is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype)


def arrow_strings(series: pd.Series) -> pa.Array:
    """A text column as one pyarrow string array (zero-copy for pandas' "str" columns)."""
    array = pa.array(series.astype(STRING) if not is_text(series) else series)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def encode(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes of a text column's distinct values (-1 for missing) and the values, in C."""
    encoded = pc.dictionary_encode(arrow_strings(series))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    codes = np.where(encoded.is_null().to_numpy(zero_copy_only=False), -1, codes)
    return codes.astype(np.int64), encoded.dictionary.to_pylist()


@functools.lru_cache(maxsize=8)
def _value_set(allowed: frozenset[str]) -> pa.Array:
    """``allowed`` as one arrow array, built once per set (a region's chats run to millions)."""
    return pa.array(list(allowed), type=pa.string())


def is_known(series: pd.Series, allowed: frozenset[str]) -> pd.Series:
    """``series.isin(allowed)`` for text, in C: pandas' ``isin`` of an arrow string column turns
    the whole set into a Python list on every call (seconds for a region's millions of chat ids)."""
    if not is_text(series):
        return series.isin(allowed)
    found = pc.is_in(arrow_strings(series), value_set=_value_set(allowed))
    return pd.Series(found.fill_null(False).to_numpy(zero_copy_only=False), index=series.index)


def repeated_keys(frame: pd.DataFrame | pa.Table, key: Iterable[str]) -> int:
    """How many keys repeat in ``frame`` (missing equals missing), counted by DuckDB on one
    thread over the frame's arrow columns: a region's two million parent–child links in 0.3 s,
    where pandas' ``duplicated`` takes 0.8 s and arrow's own group-by 2.8 s."""
    names = set(frame.column_names if isinstance(frame, pa.Table) else frame.columns)
    columns = ", ".join('"' + str(column).replace('"', '""') + '"'
                        for column in key if column in names)
    if len(frame) < 2 or not columns:
        return 0
    with _counting_database().cursor() as con:
        con.register("incoming", frame)
        (repeated,) = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM incoming GROUP BY "  # noqa: S608 -- names quoted, no values
                                  f"{columns} HAVING count(*) > 1)").fetchone() or (0,)
    return int(repeated)


def duplicated(frame: pd.DataFrame, key: Sequence[str], keep: Literal["first", False] = "first"
               ) -> pd.Series:
    """pandas' ``frame.duplicated(key, keep=keep)``, the usual answer — no key repeats — found
    by :func:`repeated_keys` first (pandas' own marking is 2–3× slower on a region's sheets)."""
    if not repeated_keys(frame, key):
        return pd.Series(False, index=frame.index)
    return frame.duplicated(list(key), keep=keep)


@functools.cache
def _counting_database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process for :func:`repeated_keys` (a new one costs ≈ 15 ms:
    more than the count itself on a small region's sheets, which are checked by the dozen)."""
    return duckdb.connect(config={"threads": 1})


def split_lists(series: pd.Series) -> pd.Series:
    """Comma-separated lists → one row per element, labelled with its list's row (no rows for
    a missing list)."""
    lists = pc.split_pattern(arrow_strings(series), ",")
    rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    items = pc.list_flatten(lists).to_pandas(types_mapper={pa.string(): STRING,
                                                           pa.large_string(): STRING}.get)
    return pd.Series(items.array, index=series.index[rows], dtype=STRING)


def blank_mask(series: pd.Series) -> np.ndarray:
    """``True`` for empty cells: missing, or text of spaces only."""
    if is_text(series):  # arrow predicates: no stripped copy of the column is made
        cells = arrow_strings(series)
        # a byte length is read from the offsets; utf8_length would decode every cell
        blank = pc.or_kleene(pc.equal(pc.binary_length(cells), 0), pc.utf8_is_space(cells))
        return blank.fill_null(True).to_numpy(zero_copy_only=False)
    return series.map(cleaning.is_blank).to_numpy(dtype=bool)


def by_unique(series: pd.Series, rule: Callable[[object], object], dtype: object) -> Cleaned:
    """Apply a scalar cleaner to each distinct value once and map the results back."""
    if is_text(series) and series.notna().all():
        codes, uniques = encode(series)
    else:  # workbook cells: numbers, dates and text mixed
        codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=False)
    values: list[object] = []
    errors: list[object] = []
    for value in uniques:
        try:
            values.append(rule(value))
            errors.append(None)
        except ValueError as exc:
            values.append(None)
            errors.append(str(exc))
    clean = _as_dtype(values, dtype)
    once_errors = None if all(error is None for error in errors) else np.array(errors, dtype=object)
    return _by_codes(pd.Series(clean.take(codes), index=series.index), once_errors, codes)


def _by_codes(values: pd.Series, once_errors: np.ndarray | None, codes: np.ndarray) -> Cleaned:
    """``values`` (already mapped back) with the rule of each distinct value taken by its cells'
    ``codes`` — no column of error objects when no distinct value broke a rule."""
    if once_errors is None:
        return Cleaned(values=values)
    return Cleaned(values=values, errors=pd.Series(once_errors[codes], index=values.index,
                                                   dtype=object))


def _as_dtype(values: list[object], dtype: object) -> pd.api.extensions.ExtensionArray | pd.Index:
    if dtype == "datetime64[ns]":
        return pd.DatetimeIndex(pd.to_datetime(pd.Series(values, dtype=object))).as_unit("ns")
    return pd.array(values, dtype=dtype)  # type: ignore[call-overload]


def _as_it_is(series: pd.Series) -> Cleaned:
    return _no_errors(series.astype(STRING))


def _no_errors(values: pd.Series) -> Cleaned:
    return Cleaned(values=values)


def _fast_text(series: pd.Series, rule: Callable[[object], object], needs_rule: str) -> Cleaned:
    """Strip text cells; cells matching ``needs_rule`` (a regex) get the full scalar rule."""
    if not is_text(series):
        return by_unique(series, rule, STRING)
    special = series.str.contains(needs_rule, regex=True).to_numpy(dtype=bool)
    values = series.str.strip()
    if not special.any():
        return _no_errors(values)
    slow = by_unique(series[special], rule, STRING)
    values[special] = slow.values
    return Cleaned(values=values, errors=_placed(slow, special, series.index))


def _snils(series: pd.Series) -> Cleaned:
    """SNILS cells as digits when they are a number; an invalid one is a finding, not an error."""
    if not is_text(series):
        return by_unique(series, snils.normalize, STRING)
    cells = arrow_strings(series)  # arrow kernels throughout: no masked assignment
    # the usual «123-456-789 01» by two literal replacements; the regular expression (all the
    # dashes and spaces) only for the cells these leave without 11 digits
    digits = pc.replace_substring(pc.replace_substring(cells, "-", ""), " ", "")
    other = pc.invert(pc.match_substring_regex(digits, "^[0-9]{11}$").fill_null(False))
    if pc.any(other).as_py():
        rest = cells.filter(other)
        rest_digits = pc.replace_substring_regex(rest, "[ \t\u00a0\u202f\\-\u2010-\u2015.]", "")
        numeric = pc.match_substring_regex(rest_digits, "^[0-9]{11}$")
        digits = pc.replace_with_mask(digits, other, pc.if_else(
            numeric, rest_digits, pc.utf8_trim_whitespace(rest)))
    return _no_errors(pd.Series(pd.arrays.ArrowStringArray(digits), index=series.index
                                ).astype(STRING))


def _id_list(series: pd.Series) -> Cleaned:
    """Lists of ids: any of ``,`` ``;`` line breaks with spaces around become one comma; cells
    with spaces inside an id, or nothing left, get the scalar rule (and its message)."""
    if not is_text(series):
        return by_unique(series, cleaning.clean_id_list, STRING)
    # the usual «1001,1002» has nothing to tidy: one RE2 pass finds the cells that do
    untidy = f"[ ;\n\r{ODD_SPACES}]|^,|,$|,,"
    if not series.str.contains(untidy, regex=True).any():
        return _no_errors(series)
    values = series.str.replace(f"[ {ODD_SPACES}]*[,;\n\r]+[ {ODD_SPACES}]*", ",",
                                regex=True).str.strip(f" ,{ODD_SPACES}")
    special = (values.str.contains(f"[ {ODD_SPACES}]", regex=True) | values.eq("")).to_numpy(
        dtype=bool)
    if not special.any():
        return _no_errors(values)
    slow = by_unique(series[special], cleaning.clean_id_list, STRING)
    values[special] = slow.values
    return Cleaned(values=values, errors=_placed(slow, special, series.index))


def _placed(slow: Cleaned, rows: np.ndarray, index: pd.Index) -> pd.Series | None:
    """The errors of ``slow``, cleaned from the ``rows`` of a column, placed in the column."""
    if slow.errors is None:
        return None
    errors = pd.Series(None, index=index, dtype=object)
    errors[rows] = slow.errors.to_numpy(dtype=object)
    return errors


ODD_SPACES = "\t\n\r\u00a0\u202f\u2007\u2009\u200b"
STAMP_FORMATS = ("%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def _per_distinct(clean: Callable[[pd.Series], Cleaned], series: pd.Series) -> Cleaned:
    """``clean`` run on a text column's distinct values once and mapped back (a chat member
    export repeats the same «last seen» minute thousands of times)."""
    if not is_text(series):
        return clean(series)
    codes, uniques = encode(series)
    once = clean(pd.Series(uniques, dtype=STRING))
    missing = codes < 0
    if missing.any():  # the missing cell's own result, as the column cleaner gives it
        tail = clean(pd.Series([None], dtype=STRING))
        errors = None if once.errors is None and tail.errors is None else pd.concat(
            [once.errors_or_none(), tail.errors_or_none()], ignore_index=True)
        once = Cleaned(values=pd.concat([once.values, tail.values], ignore_index=True),
                       errors=errors)
        codes = np.where(missing, len(uniques), codes)
    values = pd.Series(once.values.array.take(codes), index=series.index)
    return _by_codes(values, None if once.errors is None else once.errors.to_numpy(dtype=object),
                     codes)


def _last_seen(series: pd.Series, at: dt.datetime | None) -> Cleaned:
    """«Last seen» cells: timestamps in the usual formats and the chat screen's commonest texts
    parsed for the whole column at once; every other cell by :func:`last_seen.parse`, once per
    distinct text (which also words the rule of an unreadable cell)."""
    values = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if is_text(series):
        digits = series.str.match("[ ]*[0-9]{4}-|[ ]*[0-9]{1,2}[.][0-9]").fillna(False)
        for fmt in STAMP_FORMATS:
            todo = digits & values.isna()
            if not todo.any():
                break
            values[todo] = pd.to_datetime(series[todo].str.strip(), format=fmt,
                                          errors="coerce").astype("datetime64[ns]")
        if at is not None:
            texts = ~digits
            if texts.any():
                values[texts] = last_seen.parse_many(series[texts], at)
            values[values > pd.Timestamp(at)] = pd.NaT  # reported by the scalar rule below
    rest = values.isna()
    if not rest.any():
        return Cleaned(values=values)
    slow = by_unique(series[rest], lambda v: last_seen.parse(v, at), "datetime64[ns]")
    values[rest] = slow.values
    return Cleaned(values=values, errors=_placed(slow, rest.to_numpy(), series.index))


def cleaner(column: Column, at: dt.datetime | None = None) -> Callable[[pd.Series], Cleaned]:
    """The column cleaner of a declared column (``at``: the export time, for «last seen»)."""
    kind = column.kind
    dtype = DTYPES[kind]
    if column.personal == "drop" or (column.personal == "flags" and kind == "text"):
        return _as_it_is  # only whether the cell is empty is kept: no need to clean it
    scalar: dict[str, Callable[[object], object]] = {
        "region_code": partial(cleaning.clean_code, width=2),
        "oktmo": partial(cleaning.clean_code, width=8),
        "count": cleaning.clean_count,
        "flag": cleaning.clean_flag,
        "date": cleaning.clean_date,
        "done_date": cleaning.clean_done_date,
        "datetime": lambda v: last_seen.parse(v, None),
        "class_name": cleaning.clean_class,
        "url": cleaning.clean_url,
        "choice": lambda v: cleaning.clean_choice(v, column.choices),  # type: ignore[arg-type]
    }
    if kind in scalar:
        return lambda series: by_unique(series, scalar[kind], dtype)
    if kind == "last_seen":
        return partial(_per_distinct, partial(_last_seen, at=at))
    if kind == "snils":
        return _snils
    # The patterns hold the characters themselves and no \s, \d or \u escapes: pandas then runs
    # them with pyarrow's RE2, a hundred times faster than Python's re on millions of cells.
    if kind == "id":
        return partial(_fast_text, rule=cleaning.clean_id, needs_rule=f"  |[{ODD_SPACES}]")
    if kind == "id_list":
        return _id_list
    return partial(_fast_text, rule=cleaning.clean_text,
                   needs_rule=f"  |[{ODD_SPACES}\u2010-\u2015\u2212\u0300-\u036f]| -|- ")
