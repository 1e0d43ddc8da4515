"""Reading exports as they come: ``.xlsx`` (python-calamine) and ``.csv`` (UTF-8 or cp1251, ``,``/``;``).

A file becomes a list of ``RawTable`` (one per sheet): every cell as the file holds it, in a
frame with positional columns, row ``i`` of which is the row the user sees as Excel row
``i + 1``. Workbook cells keep their types (numbers, dates, text); CSV cells are text.

CSV files of millions of rows are read by pyarrow's multi-threaded reader: the first rows
(titles and the header) are read by Python's ``csv`` module, the rest by pyarrow when its rows
all have one width; anything unusual falls back to Python's reader, which accepts everything.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from python_calamine import CalamineWorkbook

from helpers.ingestion.contract.problems import Problem

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
CSV_ENCODINGS = ("utf-8-sig", "cp1251")
CSV_DELIMITERS = (";", "\t", ",")
HEAD_ROWS = 60  # rows read by Python's csv module (titles and the header are among them)
FAST_CSV_BYTES = 4_000_000  # larger CSV files go through pyarrow


@dataclass(frozen=True)
class RawTable:
    """The cells of one sheet (or CSV file), untouched."""

    file: Path
    sheet: str
    cells: pd.DataFrame  # positional columns 0…n-1; row i is Excel row i + 1
    name: str = ""  # how messages name the file (default: its name)

    @property
    def label(self) -> str:
        return self.name or self.file.name

    @property
    def rows(self) -> list[list[object]]:
        """The first rows as lists of cells (where titles and the header are looked for)."""
        return head_rows(self.cells, HEAD_ROWS)


def head_rows(cells: pd.DataFrame, count: int) -> list[list[object]]:
    head = cells.iloc[:count].astype(object)
    return [[None if _missing(v) else v for v in row] for row in head.itertuples(index=False)]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


class UnreadableFile(Exception):
    """A file that cannot be opened as a table at all."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def read_tables(path: Path, data: bytes | None = None, label: str = "") -> list[RawTable]:
    """Every sheet of a workbook, or the single table of a CSV file.

    ``data``: the file's bytes when already read; ``label``: how messages name the file.
    """
    suffix = path.suffix.lower()
    label = label or path.name
    if suffix not in SUPPORTED_SUFFIXES:
        rule = f"неподдерживаемый формат файла (нужен один из: {', '.join(SUPPORTED_SUFFIXES)})"
        raise UnreadableFile(Problem(file=label, rule=rule))
    if suffix == ".csv":
        cells = _read_csv(path, path.read_bytes() if data is None else data, label)
        return [RawTable(path, "", cells, label)]
    return _read_workbook(path, label)


def _read_workbook(path: Path, label: str) -> list[RawTable]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for corrupt files
        rule = f"файл не открывается как книга Excel ({exc})"
        raise UnreadableFile(Problem(file=label, rule=rule)) from exc
    tables = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        tables.append(RawTable(path, name, pd.DataFrame(rows, dtype=object), label))
    return tables


def csv_encoding(data: bytes) -> str:
    """``utf-8-sig`` when the bytes are valid UTF-8 (checked in chunks), else ``cp1251``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start:start + step], final=start + step >= len(data))
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise UnicodeDecodeError("cp1251", data, 0, 1, "not cp1251") from exc
    return "cp1251"


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


def _read_csv(path: Path, data: bytes, label: str) -> pd.DataFrame:
    try:
        encoding = csv_encoding(data)
    except UnicodeDecodeError as exc:
        rule = "кодировка файла не распознана (ожидается UTF-8 или Windows-1251)"
        raise UnreadableFile(Problem(file=label, rule=rule)) from exc
    sample = data[:200_000].decode(encoding, errors="ignore")
    delimiter = sniff_delimiter(sample)
    if len(data) > FAST_CSV_BYTES:
        fast = _read_csv_fast(data, encoding, delimiter)
        if fast is not None:
            return fast
    reader = csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter)
    return _frame([list(row) for row in reader])


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {i: [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return pd.DataFrame({i: pd.array(v, dtype="str") for i, v in columns.items()},
                        columns=range(width))


def _read_csv_fast(data: bytes, encoding: str, delimiter: str) -> pd.DataFrame | None:
    """Head rows by Python's reader, the body by pyarrow; ``None`` when the body is irregular
    (rows of another width, line breaks inside quoted cells, old Mac line ends)."""
    start = data[:1_000_000]
    if start.count(b"\r") != start.count(b"\r\n"):
        return None
    text_head = data[:1_000_000].decode(encoding, errors="ignore")
    lines = io.StringIO(text_head, newline="")
    reader = csv.reader(lines, delimiter=delimiter)
    head = [row for _, row in zip(range(HEAD_ROWS), reader, strict=False)]
    consumed = reader.line_num  # physical lines the head rows took (quoted line breaks included)
    offset = 0
    for _ in range(consumed):
        offset = data.index(b"\n", offset) + 1
    width = max(len(r) for r in head)
    body_bytes = data[offset:]
    if encoding == "cp1251":
        body_bytes = body_bytes.decode("cp1251").encode("utf-8")
    names = [str(i) for i in range(width)]
    try:
        body = pa_csv.read_csv(
            io.BytesIO(body_bytes),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    frame = body.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=float("nan"))}.get)
    frame.columns = range(width)
    return pd.concat([_frame([r + [""] * (width - len(r)) for r in head]), frame],
                     ignore_index=True)
