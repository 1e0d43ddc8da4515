"""Reading exports as they come: ``.xlsx`` (python-calamine) and ``.csv`` (UTF-8 or cp1251, ``,``/``;``).

A file becomes a list of ``RawTable`` (one per sheet): every cell as the file holds it, with
row numbers as the user sees them in Excel (row ``i`` of ``rows`` is Excel row ``i + 1``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from helpers.contract.problems import Problem

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
CSV_ENCODINGS = ("utf-8-sig", "cp1251")
CSV_DELIMITERS = (";", "\t", ",")


@dataclass(frozen=True)
class RawTable:
    """The cells of one sheet (or CSV file), untouched."""

    file: Path
    sheet: str
    rows: list[list[object]]


class UnreadableFile(Exception):
    """A file that cannot be opened as a table at all."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def read_tables(path: Path) -> list[RawTable]:
    """Every sheet of a workbook, or the single table of a CSV file."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        rule = f"неподдерживаемый формат файла (нужен один из: {', '.join(SUPPORTED_SUFFIXES)})"
        raise UnreadableFile(Problem(file=path.name, rule=rule))
    if suffix == ".csv":
        return [RawTable(path, "", _read_csv_rows(path))]
    return _read_workbook(path)


def _read_workbook(path: Path) -> list[RawTable]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for corrupt files
        rule = f"файл не открывается как книга Excel ({exc})"
        raise UnreadableFile(Problem(file=path.name, rule=rule)) from exc
    tables = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        tables.append(RawTable(path, name, [list(row) for row in rows]))
    return tables


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, otherwise cp1251 — the two encodings exports use."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("cp1251", data, 0, 1, "not cp1251")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most lines into the same, largest number of fields."""
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    best, best_score = ",", -1
    for delimiter in CSV_DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delimiter))) for line in lines]
        widest = max(counts, default=1)
        score = sum(1 for c in counts if c == widest) * (widest - 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv_rows(path: Path) -> list[list[object]]:
    try:
        text = decode_csv(path.read_bytes())
    except UnicodeDecodeError as exc:
        rule = "кодировка файла не распознана (ожидается UTF-8 или Windows-1251)"
        raise UnreadableFile(Problem(file=path.name, rule=rule)) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    return [list(row) for row in reader]
