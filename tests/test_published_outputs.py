"""No published output of the regional briefings holds a name, SNILS or login of the demo's people.

The regional briefings are rendered from the Vologda demo through the batch engine, then every
file under the output folder — HTML, PDF text, Excel cells, the executed notebooks kept for
debugging, the manifest — is scanned for the people of the raw exports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
from pypdf import PdfReader

SNILS = re.compile(r"\d{3}-\d{3}-\d{3}[ -]\d{2}|\b\d{11}\b")
FULL_NAME = re.compile(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+(?: [А-ЯЁ][а-яё]+)?")
LOGIN = re.compile(r"\b[a-z]+\.[a-z]{2}\d{4}\b")


def _texts(output: Path) -> dict[str, str]:
    texts = {}
    for path in output.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix == ".pdf":
            texts[str(path)] = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            texts[str(path)] = "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                                         for v in row if v is not None)
        elif path.suffix in (".html", ".ipynb", ".json", ".jsonl"):
            texts[str(path)] = path.read_text(encoding="utf-8")
    return texts


def test_every_regional_kind_was_published(published: Path) -> None:
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))["briefings"]
    for entry in manifest:
        assert {"html", "pdf", "xlsx"} <= set(entry["outputs"]), entry


def test_no_name_snils_or_login_in_any_published_file(published: Path, vologda_demo) -> None:
    people = vologda_demo
    names = set(people.pupils["pupil_name"]) | set(people.parents["parent_name"]) \
        | set(people.members["member_name"])
    snils = set(people.pupils["snils"].dropna()) | set(people.parents["snils"].dropna())
    snils |= {re.sub(r"\D", "", s) for s in snils}
    logins = set(people.parents["login"].dropna())
    texts = _texts(published)
    assert any(p.endswith(".pdf") for p in texts) and any(p.endswith(".xlsx") for p in texts)
    leaks = {}
    for path, text in texts.items():
        found = ({m for m in FULL_NAME.findall(text) if m in names}
                 | {m for m in SNILS.findall(text) if m in snils or re.sub(r"\D", "", m) in snils}
                 | {m for m in LOGIN.findall(text) if m in logins})
        if found:
            leaks[path] = sorted(found)[:5]
    assert leaks == {}
