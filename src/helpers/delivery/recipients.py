"""``params/recipients.yml``: who gets which briefings. Addresses are data, never code.

Each list has a ``name``, ``addresses`` and what it gets: ``briefings`` (kind and territories,
as in a batch: ``national``, ``region 35``, ``municipalities of 35``, ``regions of СЗФО``, a list
of codes), ``meeting_pack: true`` (the ministry's meeting pack, once it is rendered: manifest
entries of the kind ``meeting_pack``), ``failures: true`` (the analysts: a failed scheduled run
is reported to them), ``excel: true`` (attach the Excel workbooks too), ``per_territory: <роль>``
(instead of ``addresses``: each territory's briefings go, in a message of their own, to that
role's addresses for the territory in the contacts file named by the top-level key ``contacts``;
see :mod:`helpers.delivery.contacts`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from helpers.batch import territories
from helpers.batch.plan import load_kinds
from helpers.batch.territories import UnknownTerritory
from helpers.config import PARAMS_DIR, ParamsError
from helpers.delivery.contacts import ADDRESS, Contacts, load_contacts

RECIPIENTS_FILE = PARAMS_DIR / "recipients.yml"
MEETING_PACK_KIND = "meeting_pack"  # the kind the meeting pack's manifest entries carry
LIST_KEYS = {"name", "addresses", "briefings", "meeting_pack", "failures", "excel", "per_territory"}
TOP_KEYS = {"lists", "contacts"}
ITEM_KEYS = {"kind", "territories"}


class RecipientsError(ParamsError):
    """``params/recipients.yml`` cannot be used; ``problems`` has one line per problem."""


@dataclass(frozen=True)
class Selection:
    """Briefings of one kind for some territories (``None``: any territory)."""

    kind: str
    territories: frozenset[str] | None

    def matches(self, entry: Mapping[str, Any]) -> bool:
        return entry.get("kind") == self.kind and (
            self.territories is None or str(entry.get("territory")) in self.territories)


@dataclass(frozen=True)
class Recipient:
    name: str
    addresses: tuple[str, ...]
    selections: tuple[Selection, ...] = ()
    failures: bool = False
    excel: bool = False
    per_territory: str = ""  # a role of the contacts file: each territory to its own readers
    contacts: Contacts | None = None

    def wants(self, entry: Mapping[str, Any]) -> bool:
        return any(selection.matches(entry) for selection in self.selections)

    def readers(self, territory: str) -> tuple[str, ...]:
        """Who gets a territory's briefings: the role's contacts, or the list's own addresses."""
        if self.per_territory and self.contacts is not None:
            return self.contacts.addresses(self.per_territory, territory)
        return self.addresses


def _hint(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"; возможно, имелось в виду «{close[0]}»" if close else ""


def _selection(item: Any, where: str, kinds: set[str], problems: list[str]) -> Selection | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: ожидается {{kind: …, territories: …}}")
        return None
    for key in item:
        if key not in ITEM_KEYS:
            problems.append(f"{where}: неизвестный ключ «{key}»{_hint(str(key), sorted(ITEM_KEYS))}")
    kind = str(item.get("kind") or "")
    if kind not in kinds:
        problems.append(f"{where}: неизвестный вид справки «{kind}»{_hint(kind, sorted(kinds))}")
        return None
    expression = item.get("territories")
    if expression in (None, "", "all"):
        return Selection(kind, None)
    try:
        codes = frozenset(t.code for t in territories.expand(expression))
    except UnknownTerritory as exc:
        problems.append(f"{where}: {exc}")
        return None
    return Selection(kind, codes)


def _contacts(data: dict[str, Any], path: Path, problems: list[str]) -> Contacts | None:
    """The contacts file the top-level key ``contacts`` names (relative to the recipients file)."""
    name = data.get("contacts")
    if not name:
        return None
    file = Path(str(name)).expanduser()
    file = file if file.is_absolute() else path.parent / file
    if not file.exists():
        problems.append(f"{path.name}: файл контактов «{name}» не найден ({file})")
        return None
    return load_contacts(file, problems)


def _readers(entry: dict[str, Any], where: str, contacts: Contacts | None,
             problems: list[str]) -> tuple[tuple[str, ...], str]:
    """A list's own addresses and its contacts role, each checked."""
    addresses = tuple(str(a).strip() for a in (entry.get("addresses") or []))
    role = " ".join(str(entry.get("per_territory") or "").split())
    problems.extend(f"{where}: «{a}» — не адрес электронной почты" for a in addresses if not ADDRESS.match(a))
    if role and contacts is None:
        problems.append(f"{where}: per_territory «{role}» требует файла контактов "
                        "(ключ contacts: в начале файла)")
    elif role and contacts is not None and contacts.by_role and role.casefold() not in contacts.by_role:
        known = f" (есть: {', '.join(contacts.roles())})"
        problems.append(f"{where}: роли «{role}» нет в {contacts.path.name}"
                        f"{_hint(role.casefold(), contacts.roles()) or known}")
    elif not role and not addresses:
        problems.append(f"{where}: нет адресов (addresses) и не задано per_territory")
    if entry.get("failures") and not addresses:
        problems.append(f"{where}: failures: true — отчёты об ошибках уходят на addresses, а их нет")
    return addresses, role


def parse_recipients(data: Any, path: Path = RECIPIENTS_FILE) -> tuple[Recipient, ...]:
    """The recipient lists of a parsed YAML document; every problem reported at once."""
    if not isinstance(data, dict) or not isinstance(data.get("lists"), list):
        raise RecipientsError([f"{path.name}: ожидается ключ lists со списком адресатов"])
    kinds = set(load_kinds())
    problems: list[str] = [f"{path.name}: неизвестный ключ «{key}»{_hint(str(key), sorted(TOP_KEYS))}"
                           for key in data if key not in TOP_KEYS]
    contacts = _contacts(data, path, problems)
    found = []
    for number, entry in enumerate(data["lists"], start=1):
        if not isinstance(entry, dict):
            problems.append(f"{path.name}, список {number}: ожидается словарь")
            continue
        name = str(entry.get("name") or f"список {number}")
        where = f"{path.name}, «{name}»"
        for key in entry:
            if key not in LIST_KEYS:
                problems.append(f"{where}: неизвестный ключ «{key}»{_hint(str(key), sorted(LIST_KEYS))}")
        addresses, role = _readers(entry, where, contacts, problems)
        selections = [_selection(item, f"{where}, справка {i}", kinds, problems)
                      for i, item in enumerate(entry.get("briefings") or [], start=1)]
        if entry.get("meeting_pack"):
            selections.append(Selection(MEETING_PACK_KIND, None))
        found.append(Recipient(name, addresses, tuple(s for s in selections if s),
                               failures=bool(entry.get("failures")), excel=bool(entry.get("excel")),
                               per_territory=role, contacts=contacts if role else None))
    if problems:
        raise RecipientsError(problems)
    return tuple(found)


def load_recipients(path: Path = RECIPIENTS_FILE) -> tuple[Recipient, ...]:
    if not path.exists():
        return ()
    return parse_recipients(yaml.safe_load(path.read_text(encoding="utf-8")), path)
