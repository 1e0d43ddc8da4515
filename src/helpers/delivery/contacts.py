"""The contacts file an analyst keeps: who reads each territory's briefings, by role.

One row per territory and role — the region's education department, each municipality's ОМСУ —
with its addresses; CSV (UTF-8 or cp1251, ``,`` or ``;``) or Excel (first sheet, headers in the
first row). Headers, in Russian or English, any case: «Код территории» (``code``), «Роль»
(``role``), «Адреса» (``addresses``; several separated by ``,``, ``;`` or spaces), and any other
column (a name, a note) is left alone. A list of ``params/recipients.yml`` with
``per_territory: <роль>`` then sends each territory only its own briefings.

Every problem is reported with the file and the row: an unknown territory code, a malformed
address, a row without a role or an address, a missing column.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pandas as pd

from helpers.batch import territories
from helpers.batch.territories import UnknownTerritory

ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]+$")
HEADERS = {
    "code": ("код территории", "код", "code", "territory", "territory code", "октмо"),
    "role": ("роль", "role"),
    "addresses": ("адреса", "адрес", "e-mail", "email", "электронная почта", "addresses", "address"),
}
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class Contacts:
    """Addresses by role (casefolded) and territory code, as read from one file."""

    path: Path
    by_role: Mapping[str, Mapping[str, tuple[str, ...]]]

    def roles(self) -> list[str]:
        return sorted(self.by_role)

    def addresses(self, role: str, code: str) -> tuple[str, ...]:
        """The addresses of ``role`` for territory ``code`` (none when the file has no row)."""
        return tuple(self.by_role.get(role.casefold(), {}).get(code, ()))


def _read_table(path: Path) -> pd.DataFrame:
    """Every cell as text; a CSV's encoding and separator are recognised."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return pd.read_excel(path, dtype=str, keep_default_na=False, engine="calamine")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")
    first = text.splitlines()[0] if text.strip() else ""
    separator = ";" if first.count(";") > first.count(",") else ","
    return pd.read_csv(StringIO(text), sep=separator, dtype=str, keep_default_na=False)


def _columns(frame: pd.DataFrame, where: str) -> dict[str, str]:
    """Our column name → the file's header, or a problem naming what is missing."""
    found: dict[str, str] = {}
    for header in frame.columns:
        key = " ".join(str(header).split()).casefold()
        for name, aliases in HEADERS.items():
            if key in aliases and name not in found:
                found[name] = str(header)
    missing = [HEADERS[n][0] for n in HEADERS if n not in found]
    if missing:
        raise ValueError(f"{where}: нет столбцов {', '.join('«' + m.capitalize() + '»' for m in missing)} "
                         f"(есть: {', '.join(map(str, frame.columns))})")
    return found


def territory_code(text: str) -> str:
    """A code as the reference spells it: «35», «5» → «05», «1605000» → «01605000», «19605000.0»."""
    code = text.strip().removesuffix(".0")
    if code.isdigit() and len(code) == 1:
        return code.zfill(2)
    if code.isdigit() and len(code) == 7:
        return code.zfill(8)
    return code.upper() if code.casefold() == "ru" else code


def split_addresses(text: str) -> list[str]:
    return [a for a in re.split(r"[,;\s]+", text.strip()) if a]


def load_contacts(path: Path, problems: list[str]) -> Contacts:
    """The contacts of ``path``; each bad row adds a line to ``problems`` (file and row named)."""
    where = path.name
    try:
        frame = _read_table(path)
        columns = _columns(frame, where)
    except (OSError, ValueError) as exc:  # unreadable file, broken sheet, missing columns
        problems.append(str(exc) if str(exc).startswith(where) else f"{where}: файл не прочитан — {exc}")
        return Contacts(path, {})
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for number, row in enumerate(frame.to_dict("records"), start=2):  # row 1 holds the headers
        raw_code, role = str(row[columns["code"]]), " ".join(str(row[columns["role"]]).split())
        addresses = split_addresses(str(row[columns["addresses"]]))
        if not (raw_code.strip() or role or addresses):
            continue  # an empty row
        at = f"{where}, строка {number}"
        try:
            code = territories.by_code(territory_code(raw_code)).code
        except UnknownTerritory as exc:
            problems.append(f"{at}: {exc}")
            continue
        if not role:
            problems.append(f"{at}: не указана роль (столбец «Роль»)")
        if not addresses:
            problems.append(f"{at}: нет адреса (столбец «Адреса»)")
        bad = [a for a in addresses if not ADDRESS.match(a)]
        problems.extend(f"{at}: «{a}» — не адрес электронной почты" for a in bad)
        if role and addresses and not bad:
            known = found[role.casefold()][code]
            known.extend(a for a in addresses if a not in known)
    return Contacts(path, {role: {code: tuple(a) for code, a in codes.items()}
                           for role, codes in found.items()})
