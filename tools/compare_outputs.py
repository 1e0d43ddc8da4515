"""Compare two output folders briefing by briefing: the PDF text and the Excel cells.

``python tools/compare_outputs.py BEFORE AFTER [--kind K] [--show N]``: for every PDF and XLSX
under BEFORE that AFTER also has, the words of the PDF (pypdf, whitespace collapsed) and the
cells of every sheet (but «Источник», which holds the render's own time and code version) are
compared; prints one line per briefing that differs and the first differing words. Exit 1 when
any differs. Used to show that a refactoring leaves every figure of the demo as it was.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

IGNORED_SHEETS = {"Источник"}


def pdf_words(path: Path) -> list[str]:
    """The words of a PDF, page furniture included (running header, page numbers)."""
    text = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return text.replace("\u00a0", " ").split()


def excel_cells(path: Path) -> list[str]:
    """``sheet!A1=value`` for every non-empty cell of every sheet but the provenance sheet."""
    book = load_workbook(path, read_only=True)
    cells = []
    for sheet in book.worksheets:
        if sheet.title in IGNORED_SHEETS:
            continue
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells.append(f"{sheet.title}!{cell.coordinate}={cell.value}")
    return cells


def difference(before: list[str], after: list[str], show: int) -> list[str]:
    diff = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    return diff[:show]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/compare_outputs.py", description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--kind", default="", help="only this kind's folder")
    parser.add_argument("--show", type=int, default=12, help="differing words shown per file")
    args = parser.parse_args(argv)
    root = args.before / args.kind if args.kind else args.before
    compared = differing = missing = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".pdf", ".xlsx") or "_executed" in path.parts:
            continue
        other = args.after / path.relative_to(args.before)
        if not other.exists():
            missing += 1
            continue
        compared += 1
        read = pdf_words if path.suffix == ".pdf" else excel_cells
        diff = difference(read(path), read(other), args.show)
        if diff:
            differing += 1
            print(f"≠ {path.relative_to(args.before)}")
            for line in diff:
                print(f"    {line}")
    print(f"compared {compared}, differing {differing}, missing in AFTER {missing}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
