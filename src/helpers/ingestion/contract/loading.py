"""Loading a folder of exports: read, recognise each sheet's form, parse, validate, collect problems.

The federal folder holds one form; a region's folder holds any of the regional forms, in any
files and sheets: each sheet's form is recognised from its header row (the form with the
largest share of its required columns found there). Validation runs per form, so a caller can
validate the forms in order and check later ones against what earlier ones declared (schools
before the chats that name them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.ingestion.contract.cleaning import is_blank
from helpers.ingestion.contract.columnar import duplicated
from helpers.ingestion.contract.forms import Form
from helpers.ingestion.contract.parsing import ROW_COLUMN, ParsedTable, header_score, parse_table
from helpers.ingestion.contract.problems import Problem
from helpers.ingestion.contract.reading import (
    SUPPORTED_SUFFIXES,
    RawTable,
    UnreadableFile,
    read_bytes,
    read_tables,
)
from helpers.ingestion.contract.validation import EARLIEST_SNAPSHOT, Context, validate_table

FILE_COLUMN, SHEET_COLUMN = "_file", "_sheet"


@dataclass
class Loaded:
    """The valid rows of every file of a form, with provenance columns, and every problem."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file name → sha256 of its bytes
    headers: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    """(file, sheet) → canonical column name → the header as that sheet writes it."""

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def header(self, file: str, sheet: str, name: str, form: Form) -> str:
        """How the sheet ``file``/``sheet`` heads the column ``name`` (else the form's header)."""
        return self.headers.get((file, sheet), {}).get(name) or form.column(name).header


@dataclass
class Parsed:
    """Every sheet of a folder parsed against its form, before validation."""

    tables: dict[str, list[ParsedTable]] = field(default_factory=dict)  # form name → sheets
    problems: list[Problem] = field(default_factory=list)  # unreadable files, unknown sheets
    files: dict[str, str] = field(default_factory=dict)  # file name → sha256 of its bytes


def export_files(folder: Path, *, recursive: bool = False) -> list[Path]:
    """The exports in a folder, sorted by name (temporary and hidden files skipped)."""
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        (p for p in found
         if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
         and not any(part.startswith((".", "~$")) for part in p.relative_to(folder).parts)),
        key=lambda p: p.relative_to(folder).as_posix(),
    )


def _stamp_date(parsed: ParsedTable, context: Context) -> None:
    """Put the snapshot date of the title or file name into the frame when it has no date column."""
    column = parsed.form.date_column
    if column is None or parsed.frame.empty or column in parsed.frame:
        return
    date = parsed.snapshot_date
    if date is None:
        parsed.problem("не найдена дата среза: нет столбца «Дата среза», строки «по состоянию "
                       "на ДД.ММ.ГГГГ» над таблицей и даты в имени файла")
    elif not EARLIEST_SNAPSHOT <= date <= context.today:
        parsed.problem("дата среза вне допустимого периода (не раньше 01.01.2020 и не в будущем)",
                       value=f"{date:%d.%m.%Y}")
    else:
        parsed.frame[column] = pd.Timestamp(date)


EXPORT_MOMENT = "exported_at"


def _stamp_export_time(parsed: ParsedTable) -> None:
    """Keep the moment of the export (title row or file name, with its time of day) in a form
    that declares ``exported_at`` when the sheet has no such column; a date alone is no moment."""
    names = {c.name for c in parsed.form.columns}
    if EXPORT_MOMENT not in names or parsed.frame.empty or EXPORT_MOMENT in parsed.frame:
        return
    moment = parsed.export_time if parsed.export_clock else None
    parsed.frame[EXPORT_MOMENT] = pd.Series(pd.Timestamp(moment) if moment else pd.NaT,
                                            index=parsed.frame.index, dtype="datetime64[ns]")


def _has_cells(table: RawTable) -> bool:
    return len(table.cells) > len(table.rows) or any(
        not is_blank(cell) for row in table.rows for cell in row)


def detect_form(table: RawTable, forms: Sequence[Form]) -> Form | None:
    """The form whose columns the sheet's header row names best (``None``: none of them)."""
    if len(forms) == 1:
        return forms[0]
    rows = table.rows
    scored = sorted(((header_score(rows, form), i) for i, form in enumerate(forms)), reverse=True)
    (best, index), *_ = scored
    return forms[index] if best[0] > 0 else None


def parse_file(path: Path, forms: Sequence[Form], data: bytes | None = None, label: str = ""
               ) -> tuple[list[ParsedTable], list[Problem]]:
    """Every sheet of one export parsed against its form; problems of unreadable sheets.

    ``label`` is how problems name the file (default: its name).
    """
    try:
        tables = read_tables(path, data, label)
    except UnreadableFile as exc:
        return [], [exc.problem]
    parsed, problems = [], []
    if not any(_has_cells(table) for table in tables):
        return [], [Problem(file=label or path.name, rule="файл пуст: ни на одном листе нет "
                                                           "ни заголовков, ни данных / empty file")]
    for table in tables:
        form = detect_form(table, forms)
        if form is None:
            if _has_cells(table):
                titles = ", ".join(f"«{f.title}»" for f in forms)
                problems.append(Problem(
                    file=table.label, sheet=table.sheet,
                    rule=f"не удалось определить форму: на листе нет строки заголовков ни одной "
                         f"из форм ({titles}); см. docs/data-contract.md"))
            continue
        parsed.append(parse_table(table, form))
    return parsed, problems


def parse_folder(folder: Path, forms: Sequence[Form], *, recursive: bool = False,
                 base: Path | None = None, hashes: Mapping[str, str] | None = None) -> Parsed:
    """Read and parse every export of a folder, each sheet against its recognised form.

    Files are named by their path relative to ``base`` (default: the folder itself).
    ``hashes``: the SHA-256 of files (by that name) already hashed by the caller, moments
    before (the ingestion's freshness check) — not computed again.
    """
    result = Parsed(tables={form.name: [] for form in forms})
    for path in export_files(folder, recursive=recursive):
        name = path.relative_to(base or folder).as_posix()
        try:
            data = read_bytes(path, name)  # refused beyond the size limit, before it is read
        except UnreadableFile as exc:
            result.problems.append(exc.problem)
            continue
        known = (hashes or {}).get(name)
        result.files[name] = known or hashlib.sha256(data).hexdigest()
        tables, problems = parse_file(path, forms, data, name)
        result.problems.extend(problems)
        for table in tables:
            result.tables[table.form.name].append(table)
    return result


def validate_form(tables: list[ParsedTable], form: Form, context: Context) -> Loaded:
    """Validate the parsed sheets of one form; keys must be unique across files too."""
    loaded = Loaded(frame=pd.DataFrame())
    frames = []
    for parsed in tables:
        _stamp_date(parsed, context)
        _stamp_export_time(parsed)
        loaded.headers[(parsed.file, parsed.table.sheet)] = dict(parsed.headers)
        if parsed.ok and not parsed.frame.empty:
            valid = validate_table(parsed, context)
            if not valid.empty:
                frames.append(valid.assign(**{FILE_COLUMN: parsed.file,
                                              SHEET_COLUMN: parsed.table.sheet}))
        elif not parsed.frame.empty:
            _validate_other_rows(parsed, context)
        parsed.close()
        loaded.problems.extend(parsed.problems)
        parsed.frame = pd.DataFrame()  # the valid rows live on in ``frames``
    if frames:
        loaded.frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if len(frames) > 1:  # within one sheet the schema's unique_key check has done it
            loaded.problems.extend(_duplicates_across_files(loaded, form))
    return loaded


def _validate_other_rows(parsed: ParsedTable, context: Context) -> None:
    """Cell errors found while parsing: the rows without one are still validated (keys, rules
    across columns, references), so that every problem of a file is reported in one run, not
    in rounds. A sheet with a problem of its own (a missing column, no snapshot date) is not."""
    failed = {p.row for p in parsed.problems if p.severity == "error"}
    if None in failed:
        return
    whole = parsed.frame
    parsed.frame = whole[~whole[ROW_COLUMN].isin(failed)]
    try:
        validate_table(parsed, context)
    finally:
        parsed.frame = whole


def load_file(path: Path, form: Form, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Valid rows of one export (all its sheets) and the problems found in it."""
    tables, problems = parse_file(path, [form])
    loaded = validate_form(tables, form, context)
    problems = [*problems, *loaded.problems]
    if not tables and not problems:
        problems.append(Problem(file=path.name, rule="в файле нет ни одной таблицы формы"))
    return loaded.frame, problems


def load_folder(folder: Path, form: Form, context: Context) -> Loaded:
    """Every export of one form in a folder; keys must be unique across files too."""
    if not export_files(folder):
        return Loaded(frame=pd.DataFrame(), problems=[Problem(
            file=str(folder), rule=f"нет файлов формы «{form.title}» ({', '.join(SUPPORTED_SUFFIXES)})",
        )])
    parsed = parse_folder(folder, [form])
    loaded = validate_form(parsed.tables[form.name], form, context)
    loaded.problems[:0] = parsed.problems
    loaded.files = parsed.files
    return loaded


MAX_DUPLICATES_SHOWN = 50


def _duplicates_across_files(loaded: Loaded, form: Form) -> list[Problem]:
    frame = loaded.frame
    key = [k for k in form.key if k in frame]
    repeated = duplicated(frame, key, keep=False)
    if not repeated.any():
        return []
    dupes = frame[repeated]
    group = dupes.groupby(key, dropna=False, sort=False).ngroup()
    later = dupes.duplicated(key, keep="first")
    first_of = dict(zip(group[~later], dupes.index[~later], strict=True))
    problems = []
    for index in dupes.index[later][:MAX_DUPLICATES_SHOWN]:
        row, first = dupes.loc[index], dupes.loc[first_of[group[index]]]
        where = f"{first[FILE_COLUMN]}, строка {first[ROW_COLUMN]}"
        value = ", ".join(_key_text(row[k]) for k in key)
        problems.append(Problem(
            file=row[FILE_COLUMN], sheet=row[SHEET_COLUMN], row=int(row[ROW_COLUMN]),
            column=loaded.header(row[FILE_COLUMN], row[SHEET_COLUMN], key[-1], form), value=value,
            masked=any(form.is_personal(k) for k in key),
            rule=f"повтор ключа: та же строка уже есть в {where}",
        ))
    hidden = int(later.sum()) - MAX_DUPLICATES_SHOWN
    if hidden > 0:
        problems.append(Problem(file=str(dupes[FILE_COLUMN].iloc[-1]),
                                rule=f"и ещё {hidden} повторов ключа формы «{form.title}»"))
    return problems


def _key_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{value:%d.%m.%Y}"
    return str(value)
