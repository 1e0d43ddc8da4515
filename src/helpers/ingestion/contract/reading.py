"""Reading exports as they come: ``.xlsx`` (python-calamine) and ``.csv`` (UTF-8 or cp1251, ``,``/``;``).

A file becomes a list of ``RawTable`` (one per sheet): every cell as the file holds it, in a
frame with positional columns, row ``i`` of which is the row the user sees as Excel row
``i + 1``. Workbook cells keep their types (numbers, dates, text); CSV cells are text.

CSV files of millions of rows are read by pyarrow's multi-threaded reader: the first rows
(titles and the header) are read by Python's ``csv`` module, the rest by pyarrow when its rows
all have one width; anything unusual falls back to Python's reader, which accepts everything.

Reading has limits, so that a hostile or broken file ends in one problem naming it and never
exhausts memory or aborts the process (:data:`LIMITS`): the file's size, a workbook's unzipped
size (read from the archive's directory before anything is inflated, and checked again while
its sheets are scanned, so a directory that lies is caught too), the cells a sheet spans (a
single cell at XFD1048576 makes the reader allocate every cell up to it), the columns of a CSV
row and the characters of a CSV cell.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zlib import error as zlib_error

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from python_calamine import CalamineWorkbook

from helpers.errors import BadInput
from helpers.ingestion.contract.problems import Problem

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
CSV_ENCODINGS = ("utf-8-sig", "cp1251")
CSV_DELIMITERS = (";", "\t", ",")
HEAD_ROWS = 60  # rows read by Python's csv module (titles and the header are among them)
FAST_CSV_BYTES = 256_000  # larger CSV files go through pyarrow
HEAD_BYTES = 1_000_000  # where a large CSV file's encoding, titles and header are looked for


@dataclass(frozen=True)
class Limits:
    """What one export may hold; beyond it the file is refused with a problem naming the limit."""

    file_bytes: int = 4 << 30  # 4 GiB: the largest regional CSV of the national mode is ~0.3 GB
    unzipped_bytes: int = 1 << 30  # a workbook's parts, inflated
    sheet_cells: int = 20_000_000  # rows × columns a workbook sheet spans (calamine allocates them)
    columns: int = 16_384  # Excel's own column limit
    cell_chars: int = 131_072  # characters of one CSV cell (Python's csv default)


LIMITS = Limits()
csv.field_size_limit(LIMITS.cell_chars)
ZIPPED_SUFFIXES = (".xlsx", ".xlsm", ".ods")
_ANY_CELL = re.compile(rb"[^ \t\r\n;,\xef\xbb\xbf]")
_CELL_REF = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,4})([0-9]{1,8})\"")
SCAN_CHUNK = 1 << 22


def _size(number: int) -> str:
    for unit, name in ((1 << 30, "ГБ"), (1 << 20, "МБ"), (1 << 10, "КБ")):
        if number >= unit:
            return f"{number / unit:.1f} {name}".replace(".", ",")
    return f"{number} Б"


def _refuse(label: str, rule: str) -> UnreadableFile:
    return UnreadableFile(Problem(file=label, rule=rule))


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
    Raises ``UnreadableFile`` for a file that cannot be read or is beyond :data:`LIMITS`.
    """
    suffix = path.suffix.lower()
    label = label or path.name
    if suffix not in SUPPORTED_SUFFIXES:
        rule = f"неподдерживаемый формат файла (нужен один из: {', '.join(SUPPORTED_SUFFIXES)})"
        raise UnreadableFile(Problem(file=label, rule=rule))
    if suffix == ".csv":
        cells = _read_csv(path, read_bytes(path, label) if data is None else data, label)
        return [RawTable(path, "", cells, label)]
    check_size(path, label)
    if suffix in ZIPPED_SUFFIXES:
        check_workbook_archive(path, label)
    return _read_workbook(path, label)


def check_size(path: Path, label: str) -> int:
    """The file's size; ``UnreadableFile`` when it is beyond :attr:`Limits.file_bytes`."""
    size = path.stat().st_size
    if size > LIMITS.file_bytes:
        raise _refuse(label, f"файл слишком большой: {_size(size)}, предел {_size(LIMITS.file_bytes)} "
                             f"/ file too large")
    return size


def read_bytes(path: Path, label: str) -> bytes:
    """The file's bytes, after :func:`check_size`."""
    check_size(path, label)
    return path.read_bytes()


def check_workbook_archive(path: Path, label: str) -> None:
    """Refuse a workbook (``.xlsx``, ``.xlsm``, ``.ods``) whose parts inflate beyond
    :attr:`Limits.unzipped_bytes` (zip bomb) or whose sheet spans more than
    :attr:`Limits.sheet_cells` cells — before calamine reads it.

    The declared sizes are checked first (nothing inflated); each sheet is then inflated in
    chunks and scanned for where its cells are, so a size that lies or a far-away cell is
    caught with bounded memory. A file that is not a zip archive is left to calamine's message.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with archive:
        declared = sum(info.file_size for info in archive.infolist())
        if declared > LIMITS.unzipped_bytes:
            raise _refuse(label, f"книга в распакованном виде — {_size(declared)}, предел "
                                 f"{_size(LIMITS.unzipped_bytes)} (zip-бомба или слишком большая "
                                 f"книга: пришлите CSV) / workbook inflates beyond the limit")
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                _scan_part(archive, info, label, _XlsxExtent())
            elif info.filename == "content.xml":
                _scan_part(archive, info, label, _OdsExtent())


class _XlsxExtent:
    """The farthest cell reference (``<c r="XFD1048576">``) of an OOXML sheet."""

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        for letters, number in _CELL_REF.findall(text):
            self.columns = max(self.columns, _column_number(letters))
            self.rows = max(self.rows, int(number))
        self._tail = text[-256:]


_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell|table)\b([^>]*)>")
_ODS_REPEAT = re.compile(rb'number-(rows|columns)-repeated="([0-9]{1,10})"')


class _OdsExtent:
    """The farthest cell holding a value in an OpenDocument spreadsheet, repeats counted
    (``number-rows-repeated``/``number-columns-repeated`` make a few bytes stand for billions of
    cells); trailing empty runs, which LibreOffice writes to the sheet's end, do not count."""

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self._row = self._column = 0  # position in the current table
        self._row_repeat = 1
        self._row_has_value = False
        self._pending = b""

    def feed(self, chunk: bytes) -> None:
        text = self._pending + chunk
        cut = text.rfind(b">") + 1
        self._pending = text[cut:][-65536:]
        for tag, attributes in _ODS_TAG.findall(text[:cut]):
            repeats = dict(_ODS_REPEAT.findall(attributes))
            if tag == b"table":
                self._row = 0
            elif tag == b"table-row":
                self._row_repeat = int(repeats.get(b"rows", 1))
                self._row += self._row_repeat
                self._column = 0
            else:
                self._column += int(repeats.get(b"columns", 1))
                if b"value-type" in attributes:
                    self.columns = max(self.columns, self._column)
                    self.rows = max(self.rows, self._row)


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str,
               extent: _XlsxExtent | _OdsExtent) -> None:
    inflated = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(SCAN_CHUNK):
                inflated += len(chunk)
                if inflated > LIMITS.unzipped_bytes:
                    raise _refuse(label, f"лист книги в распакованном виде больше "
                                         f"{_size(LIMITS.unzipped_bytes)} / sheet inflates beyond the limit")
                extent.feed(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, zlib_error) as exc:
        raise _refuse(label, f"книга повреждена ({exc.__class__.__name__}: {exc}) "
                             f"/ damaged workbook") from exc
    rows, columns = extent.rows, extent.columns
    if rows * columns > LIMITS.sheet_cells:
        raise _refuse(label, f"лист занимает {rows:,} строк × {columns:,} столбцов "
                             f"(до ячейки {_column_letters(columns)}{rows}) — больше предела "
                             f"{LIMITS.sheet_cells:,} ячеек; удалите лишние строки и столбцы "
                             f"или пришлите CSV / sheet spans too many cells".replace(",", " "))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read_workbook(path: Path, label: str) -> list[RawTable]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        tables = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            tables.append(RawTable(path, name, pd.DataFrame(rows, dtype=object), label))
    except Exception as exc:  # calamine raises several types for corrupt files and sheets
        rule = f"файл не открывается как книга Excel ({' '.join(str(exc).split())[:300]})"
        raise UnreadableFile(Problem(file=label, rule=rule)) from exc
    return tables


def csv_encoding(data: bytes) -> str:
    """``utf-8-sig`` when the bytes are valid UTF-8, else ``cp1251``.

    UTF-8 is checked by arrow's validating cast (vectorised, no Python string is built).
    """
    try:
        pa.array([data], type=pa.large_binary()).cast(pa.large_string())
        return "utf-8-sig"
    except pa.ArrowInvalid:
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
        counts = [_fields(line, delimiter) for line in lines]
        widest = max(counts, default=1)
        score = sum(1 for c in counts if c == widest) * (widest - 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _fields(line: str, delimiter: str) -> int:
    """The fields of one line (a line the csv module cannot split counts as one)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except csv.Error:
        return 1


def _encoding(data: bytes, label: str) -> str:
    try:
        return csv_encoding(data)
    except UnicodeDecodeError as exc:
        rule = "кодировка файла не распознана (ожидается UTF-8 или Windows-1251)"
        raise UnreadableFile(Problem(file=label, rule=rule)) from exc


def _read_csv(path: Path, data: bytes, label: str) -> pd.DataFrame:
    big = len(data) > FAST_CSV_BYTES
    # a large file's encoding is told by its first lines; arrow's reader checks the rest is
    # valid UTF-8 while it reads, and a file that is not is read again as a whole below
    head = data[:HEAD_BYTES]
    encoding = _encoding(head[:head.rfind(b"\n") + 1] or head if big else data, label)
    if not _ANY_CELL.search(data):  # a search, not a stripped copy of the whole file
        raise _refuse(label, "файл пуст: в нём нет ни одной строки с данными / empty file")
    sample = data[:200_000].decode(encoding, errors="ignore")
    delimiter = sniff_delimiter(sample)
    try:
        if big:
            fast = _read_csv_fast(data, encoding, delimiter)
            if fast is not None:
                return fast
            encoding = _encoding(data, label)
        reader = csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter)
        return _frame(_bounded_rows(reader))
    except csv.Error as exc:
        line = getattr(reader, "line_num", 0) if "reader" in locals() else 0
        where = f"строка {line}: " if line else ""
        if "field larger than field limit" in str(exc):
            rule = (f"{where}ячейка длиннее {LIMITS.cell_chars:,} символов — это не выгрузка "
                    f"формы / a cell is longer than the limit").replace(",", " ")
        else:
            rule = f"{where}файл CSV не читается ({exc}) / unreadable CSV"
        raise _refuse(label, rule) from exc
    except TooWide as exc:
        raise _refuse(label, f"строка {exc.line}: {exc.width:,} столбцов, предел "
                             f"{LIMITS.columns:,} / too many columns".replace(",", " ")) from exc


class TooWide(BadInput):
    """A CSV row with more columns than :attr:`Limits.columns`."""

    def __init__(self, line: int, width: int):
        self.line, self.width = line, width
        super().__init__(f"line {line}: {width} columns")


def _bounded_rows(reader: Iterator[list[str]]) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in reader:
        if len(row) > LIMITS.columns:
            raise TooWide(len(rows) + 1, len(row))
        rows.append(row)
    return rows


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {i: [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return pd.DataFrame({i: pd.array(v, dtype="str") for i, v in columns.items()},
                        columns=range(width))


def _read_csv_fast(data: bytes, encoding: str, delimiter: str) -> pd.DataFrame | None:
    """Head rows by Python's reader, the body by pyarrow; ``None`` when the body is irregular
    (rows of another width, line breaks inside quoted cells, old Mac line ends)."""
    start = data[:HEAD_BYTES]
    if start.count(b"\r") != start.count(b"\r\n"):
        return None
    text_head = start.decode(encoding, errors="ignore")
    lines = io.StringIO(text_head, newline="")
    reader = csv.reader(lines, delimiter=delimiter)
    head = [row for _, row in zip(range(HEAD_ROWS), reader, strict=False)]
    consumed = reader.line_num  # physical lines the head rows took (quoted line breaks included)
    offset = 0
    for _ in range(consumed):
        offset = data.index(b"\n", offset) + 1
    width = max(len(r) for r in head)
    if width > LIMITS.columns:
        raise TooWide(next(i for i, r in enumerate(head, 1) if len(r) == width), width)
    body_bytes: bytes | memoryview = memoryview(data)[offset:]  # the body, not a copy of it
    if encoding == "cp1251":
        body_bytes = bytes(body_bytes).decode("cp1251").encode("utf-8")
    names = [str(i) for i in range(width)]
    try:
        body = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(body_bytes)),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    padded = [r + [""] * (width - len(r)) for r in head]
    top = pa.table({n: pa.array([r[i] for r in padded], type=pa.string())
                    for i, n in enumerate(names)})
    # one chunk per column: every arrow kernel later runs on it without combining it again
    whole = pa.concat_tables([top, body]).combine_chunks()
    frame = whole.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=float("nan"))}.get)
    frame.columns = range(width)
    return frame
