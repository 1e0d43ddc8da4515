# ruff: noqa: E501  (OOXML boilerplate: one namespace or relationship per line)
"""The hostile corpus: exports built to break a reader, generated here (no committed binaries).

Each entry is a file name and a function writing it; ``build(folder)`` writes them all.
``tests/test_hostile.py`` ingests each one next to good exports and expects one error line
naming the file, exit code 2, the previous warehouse and briefings unchanged, memory bounded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>")
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>")
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Свод" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>")
SHEET_OPEN = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _xlsx(path: Path, sheet: str | bytes, *, stream: Callable[[zipfile.ZipFile], None] | None = None
          ) -> None:
    """A minimal workbook whose one sheet is ``sheet`` (or written by ``stream``)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if stream is not None:
            stream(archive)
        else:
            archive.writestr("xl/worksheets/sheet1.xml", sheet)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def empty_csv(path: Path) -> None:
    path.write_bytes(b"")


def blank_csv(path: Path) -> None:
    path.write_bytes(b"\r\n\r\n  \r\n")


def huge_cell_csv(path: Path) -> None:
    path.write_text("Код субъекта;Субъект Российской Федерации\n01;" + "А" * 2_000_000 + "\n",
                    encoding="utf-8")


def wide_row_csv(path: Path) -> None:
    path.write_bytes(b"a;" * 1_500_000 + b"\n")


def nul_bytes_csv(path: Path) -> None:
    path.write_bytes(b"\x00\x01\x02" * 10_000)


def dimension_bomb_xlsx(path: Path) -> None:
    _xlsx(path, SHEET_OPEN + '<dimension ref="A1:XFD1048576"/><sheetData><row r="1">'
          + _cell("A1", "Код субъекта") + "</row></sheetData></worksheet>")


def far_cell_xlsx(path: Path) -> None:
    _xlsx(path, SHEET_OPEN + '<sheetData><row r="1">' + _cell("A1", "Код субъекта")
          + '</row><row r="1048576">' + _cell("XFD1048576", "x") + "</row></sheetData></worksheet>")


def zip_bomb_xlsx(path: Path) -> None:
    """A sheet that inflates to 1.2 GB of spaces (about 1.2 MB on disk)."""
    def stream(archive: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as sheet:
            sheet.write(SHEET_OPEN.encode() + b"<sheetData>")
            block = b" " * (1 << 24)
            for _ in range(70):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    _xlsx(path, "", stream=stream)


def lying_zip_xlsx(path: Path) -> None:
    """The central directory says the sheet is small; it inflates to 300 MB."""
    body = SHEET_OPEN.encode() + b"<sheetData>" + b" " * 300_000_000 + b"</sheetData></worksheet>"
    _xlsx(path, body)
    data = bytearray(path.read_bytes())
    # patch the declared uncompressed size (central directory and local header) to 1 000 bytes
    name = b"xl/worksheets/sheet1.xml"
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (46 if signature == b"PK\x01\x02" else 30)
            if data[name_at:name_at + len(name)] == name:
                data[start + offset:start + offset + 4] = (1000).to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))


def entity_bomb_xlsx(path: Path) -> None:
    entities = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(
        f'<!ENTITY a{i} "{"&a" + str(i - 1) + ";" * 1}' * 1 + f'{("&a" + str(i - 1) + ";") * 9}">'
        for i in range(1, 10))
    _xlsx(path, f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
          '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row>'
          "</sheetData></worksheet>")


def renamed_png_xlsx(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000)


def truncated_xlsx(path: Path) -> None:
    _xlsx(path, SHEET_OPEN + "<sheetData>" + "".join(
        f'<row r="{r}">{_cell(f"A{r}", "x" * 50)}</row>' for r in range(1, 2000))
        + "</sheetData></worksheet>")
    path.write_bytes(path.read_bytes()[:3000])


def _ods(path: Path, table: str) -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Свод">{table}'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml",
                         '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                         '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                         '"application/vnd.oasis.opendocument.spreadsheet"/>'
                         '<manifest:file-entry manifest:full-path="content.xml" '
                         'manifest:media-type="text/xml"/></manifest:manifest>')


def ods_with_trailing_empty_runs(path: Path) -> None:
    """Not hostile: what LibreOffice writes — a few values, then empty runs to the sheet's end."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    rows = "".join(f"<table:table-row>{cell.format('a')}{cell.format(n)}"
                   '<table:table-cell table:number-columns-repeated="16382"/></table:table-row>'
                   for n in range(3))
    _ods(path, rows + '<table:table-row table:number-rows-repeated="1048573">'
         '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>')


def ods_repeat_bomb(path: Path) -> None:
    _ods(path, '<table:table-row table:number-rows-repeated="1048576">'
         '<table:table-cell table:number-columns-repeated="16384" office:value-type="string">'
         "<text:p>x</text:p></table:table-cell></table:table-row>")


CORPUS: dict[str, Callable[[Path], None]] = {
    "empty.csv": empty_csv,
    "blank_lines.csv": blank_csv,
    "huge_cell.csv": huge_cell_csv,
    "wide_row.csv": wide_row_csv,
    "nul_bytes.csv": nul_bytes_csv,
    "dimension_bomb.xlsx": dimension_bomb_xlsx,
    "far_cell.xlsx": far_cell_xlsx,
    "zip_bomb.xlsx": zip_bomb_xlsx,
    "lying_zip.xlsx": lying_zip_xlsx,
    "entity_bomb.xlsx": entity_bomb_xlsx,
    "renamed_png.xlsx": renamed_png_xlsx,
    "truncated.xlsx": truncated_xlsx,
    "repeat_bomb.ods": ods_repeat_bomb,
}


def build(folder: Path, names: list[str] | None = None) -> list[Path]:
    """Write the corpus (or the named part of it) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or list(CORPUS):
        CORPUS[name](folder / name)
        written.append(folder / name)
    return written


if __name__ == "__main__":
    import sys

    for path in build(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")):
        print(path, path.stat().st_size)
