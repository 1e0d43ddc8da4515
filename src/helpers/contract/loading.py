"""Loading a folder of exports of one form: read, parse, validate, and collect every problem."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.contract.forms import Form
from helpers.contract.parsing import ROW_COLUMN, ParsedTable, parse_table
from helpers.contract.problems import Problem
from helpers.contract.reading import SUPPORTED_SUFFIXES, UnreadableFile, read_tables
from helpers.contract.validation import EARLIEST_SNAPSHOT, Context, validate_table

FILE_COLUMN, SHEET_COLUMN = "_file", "_sheet"


@dataclass
class Loaded:
    """The valid rows of every file of a form, with provenance columns, and every problem."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file name → sha256 of its bytes

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def export_files(folder: Path) -> list[Path]:
    """The exports in a folder, sorted by name (temporary and hidden files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith((".", "~$"))
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


def load_file(path: Path, form: Form, context: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Valid rows of one export (all its sheets) and the problems found in it."""
    try:
        tables = read_tables(path)
    except UnreadableFile as exc:
        return pd.DataFrame(), [exc.problem]
    frames, problems = [], []
    for table in tables:
        parsed = parse_table(table, form)
        _stamp_date(parsed, context)
        if not any(p.severity == "error" for p in parsed.problems):
            valid = validate_table(parsed, context)
            frames.append(valid.assign(**{FILE_COLUMN: path.name, SHEET_COLUMN: table.sheet}))
        problems.extend(parsed.problems)
    if not frames and not problems:
        problems.append(Problem(file=path.name, rule="в файле нет ни одной таблицы формы"))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame, problems


def load_folder(folder: Path, form: Form, context: Context) -> Loaded:
    """Every export of a form in a folder; keys must be unique across files too."""
    files = export_files(folder)
    loaded = Loaded(frame=pd.DataFrame())
    if not files:
        loaded.problems.append(Problem(file=str(folder), rule=f"нет файлов формы «{form.title}» "
                                       f"({', '.join(SUPPORTED_SUFFIXES)})"))
        return loaded
    frames = []
    for path in files:
        loaded.files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        frame, problems = load_file(path, form, context)
        loaded.problems.extend(problems)
        if not frame.empty:
            frames.append(frame)
    if frames:
        loaded.frame = pd.concat(frames, ignore_index=True)
        loaded.problems.extend(_duplicates_across_files(loaded.frame, form))
    return loaded


def _duplicates_across_files(frame: pd.DataFrame, form: Form) -> list[Problem]:
    key = [k for k in form.key if k in frame]
    dupes = frame[frame.duplicated(key, keep="first")]
    problems = []
    for _, row in dupes.iterrows():
        first = frame[(frame[key] == row[key]).all(axis=1)].iloc[0]
        where = f"{first[FILE_COLUMN]}, строка {first[ROW_COLUMN]}"
        value = ", ".join(_key_text(row[k]) for k in key)
        problems.append(Problem(
            file=row[FILE_COLUMN], sheet=row[SHEET_COLUMN], row=int(row[ROW_COLUMN]),
            column=form.column(key[-1]).header, value=value,
            rule=f"повтор ключа: та же строка уже есть в {where}",
        ))
    return problems


def _key_text(value: object) -> str:
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{value:%d.%m.%Y}"
    return str(value)
