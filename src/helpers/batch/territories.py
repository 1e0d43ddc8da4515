"""Territories a briefing can be about, expanded from the reference data, never typed by hand.

Expressions a batch may use: ``national``; ``all regions``; ``regions of <ФО>`` (e.g.
``regions of СЗФО``); ``region <code>``; ``municipalities of <region code>``; or an explicit list
of codes (regions or municipalities).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import pandas as pd

from helpers.config import REFERENCE_DIR
from helpers.warehouse.reference import load_regions

Level = Literal["national", "region", "municipality"]
NATIONAL_CODE, NATIONAL_NAME = "RU", "Российская Федерация"


@dataclass(frozen=True)
class Territory:
    code: str
    name: str
    level: Level
    region: str = ""  # the region code of a region or municipality


class UnknownTerritory(ValueError):
    """A territory expression or code that the reference data does not know."""


def national() -> Territory:
    return Territory(NATIONAL_CODE, NATIONAL_NAME, "national")


@lru_cache(maxsize=1)
def regions() -> tuple[Territory, ...]:
    frame = load_regions().sort_values("region_code")
    return tuple(Territory(r.region_code, r.name_ru, "region", r.region_code)
                 for r in frame.itertuples())


@lru_cache(maxsize=1)
def _municipality_files() -> dict[str, str]:
    """Region code → reference file of its municipalities, matched by the ОКТМО prefix."""
    prefixes = {r.oktmo_code: r.region_code for r in load_regions().itertuples() if r.oktmo_code}
    found = {}
    for path in sorted(REFERENCE_DIR.glob("*_municipalities.csv")):
        frame = pd.read_csv(path, dtype=str, nrows=1)
        code_column = next(c for c in frame.columns if c.startswith("oktmo"))
        first = str(frame[code_column].iloc[0])
        region = next((code for prefix, code in prefixes.items() if first.startswith(prefix)), None)
        if region:
            found[region] = path.name
    return found


@cache
def municipalities(region: str) -> tuple[Territory, ...]:
    """The municipalities (ОКТМО codes) of a region, from ``data/reference``."""
    files = _municipality_files()
    if region not in files:
        raise UnknownTerritory(
            f"нет справочника муниципалитетов для региона {region} в {REFERENCE_DIR} "
            f"(есть для: {', '.join(sorted(files)) or 'ни одного'})"
        )
    frame = pd.read_csv(REFERENCE_DIR / files[region], dtype=str, keep_default_na=False)
    name = next(c for c in ("name_current", "name_2019") if c in frame.columns)
    code = next(c for c in ("oktmo_2019", "oktmo_current") if c in frame.columns)
    return tuple(Territory(row[code], row[name], "municipality", region)
                 for _, row in frame.iterrows() if row[code])


def by_code(code: str) -> Territory:
    """A territory from its code: ``RU``, a region code (``35``, ``5``) or an ОКТМО code."""
    text = str(code).strip()
    if text.upper() == NATIONAL_CODE:
        return national()
    known = {t.code: t for t in regions()}
    if text.isdigit() and len(text) <= 2 and text.zfill(2) in known:
        return known[text.zfill(2)]
    for region in _municipality_files():
        known.update({t.code: t for t in municipalities(region)})
    if text in known:
        return known[text]
    hint = difflib.get_close_matches(text, list(known), n=3, cutoff=0.6)
    suggestion = f"; возможно, имелось в виду: {', '.join(hint)}" if hint else ""
    raise UnknownTerritory(f"неизвестный код территории «{text}»{suggestion}")


def expand(expression: str | list[str]) -> list[Territory]:
    """The territories an expression of a batch names, in reference order."""
    if isinstance(expression, list):
        return [by_code(str(code)) for code in expression]
    text = " ".join(str(expression).split()).casefold()
    if text in ("national", "россия", "rf", "ru"):
        return [national()]
    if text in ("all regions", "все регионы"):
        return list(regions())
    if match := re.fullmatch(r"regions of (\S+)", text):
        district = match.group(1).upper()
        frame = load_regions()
        codes = set(frame.loc[frame["federal_district"] == district, "region_code"])
        if not codes:
            raise UnknownTerritory(f"неизвестный федеральный округ «{match.group(1)}»")
        return [t for t in regions() if t.code in codes]
    if match := re.fullmatch(r"region (\d{1,2})", text):
        return [by_code(match.group(1))]
    if match := re.fullmatch(r"municipalities of (\d{1,2})", text):
        return list(municipalities(match.group(1).zfill(2)))
    raise UnknownTerritory(
        f"непонятный список территорий «{expression}»: ожидается national, all regions, "
        "regions of <ФО>, region <код>, municipalities of <код> или список кодов"
    )
