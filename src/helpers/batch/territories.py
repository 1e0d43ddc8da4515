"""Territories a briefing can be about, expanded from the reference data and the warehouse,
never typed by hand.

Expressions a batch may use: ``national``; ``all regions``; ``regions of <ФО>`` (e.g.
``regions of СЗФО``); ``region <code>``; ``municipalities of <region code>``; an explicit list
of codes (regions or municipalities); and the ones that follow the data:
``regions with school data`` — every region whose exports hold what the briefing kind reads
(on or before the batch's period), and ``municipalities of regions with school data`` — the
municipalities with schools of those regions.

Municipalities come from one list, the warehouse's ``municipalities`` table (ingestion builds
it from ``data/reference``, ``DATA_DIR/reference/municipalities.csv`` and each region's school
registry); before the first ingestion, from the reference files alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd

from helpers.config import settings
from helpers.errors import BadInput
from helpers.warehouse import slices
from helpers.warehouse.reference import load_municipalities, load_regions
from helpers.warehouse.slices import Reads

Level = Literal["national", "region", "municipality"]
NATIONAL_CODE, NATIONAL_NAME = "RU", "Российская Федерация"
SCHOOL_DATA_READS = Reads((slices.TableRead("schools"),))
"""What «regions with school data» means when the kind is not known: a school registry."""


@dataclass(frozen=True)
class Territory:
    code: str
    name: str
    level: Level
    region: str = ""  # the region code of a region or municipality


class UnknownTerritory(BadInput):
    """A territory expression or code that the reference data does not know."""


def national() -> Territory:
    return Territory(NATIONAL_CODE, NATIONAL_NAME, "national")


@lru_cache(maxsize=1)
def regions() -> tuple[Territory, ...]:
    frame = load_regions().sort_values("region_code")
    return tuple(Territory(r.region_code, r.name_ru, "region", r.region_code)
                 for r in frame.itertuples())


def _municipality_frame() -> pd.DataFrame:
    """The one list of municipalities (see the module's docstring)."""
    config = settings()
    stamp = config.warehouse.stat().st_mtime_ns if config.warehouse.exists() else 0
    return _municipality_frame_at(str(config.warehouse), stamp, str(config.data_dir))


@lru_cache(maxsize=4)
def _municipality_frame_at(warehouse: str, stamp: int, data_dir: str) -> pd.DataFrame:
    listed = slices.municipality_list(Path(warehouse)) if stamp else None
    if listed is None:
        listed = load_municipalities(Path(data_dir))
    return listed[["region_code", "oktmo", "name"]].astype(str).reset_index(drop=True)


def municipalities(region: str) -> tuple[Territory, ...]:
    """The municipalities (ОКТМО codes) of a region, from the one list."""
    frame = _municipality_frame()
    mine = frame[frame["region_code"] == region]
    if mine.empty:
        known = sorted(set(frame["region_code"]))
        raise UnknownTerritory(
            f"муниципалитеты региона {region} неизвестны: нет ни справочника в data/reference "
            f"или DATA_DIR/reference/municipalities.csv, ни загруженного реестра школ региона "
            f"(известны для: {', '.join(known) or 'ни одного'})")
    return tuple(Territory(row.oktmo, row.name, "municipality", region)
                 for row in mine.itertuples())


def regions_with_school_data(reads: Reads | None = None, period: str = "") -> list[Territory]:
    """The regions whose school-level exports hold what ``reads`` needs, on or before ``period``."""
    codes = slices.regions_with_data(reads or SCHOOL_DATA_READS, period)
    return [t for t in regions() if t.code in codes]


def municipalities_with_school_data(reads: Reads | None = None, period: str = ""
                                    ) -> list[Territory]:
    """The municipalities with schools of the regions with school data."""
    schooled = slices.municipalities_with_schools()
    return [m for region in regions_with_school_data(reads, period)
            for m in municipalities(region.code) if (region.code, m.code) in schooled]


def by_code(code: str) -> Territory:
    """A territory from its code: ``RU``, a region code (``35``, ``5``) or an ОКТМО code."""
    text = str(code).strip()
    if text.upper() == NATIONAL_CODE:
        return national()
    known = {t.code: t for t in regions()}
    if text.isdigit() and len(text) <= 2 and text.zfill(2) in known:
        return known[text.zfill(2)]
    frame = _municipality_frame()
    known.update({row.oktmo: Territory(row.oktmo, row.name, "municipality", row.region_code)
                  for row in frame.itertuples()})
    if text in known:
        return known[text]
    named = search(text) if not text.isdigit() else []
    if named:
        codes = "; ".join(f"{t.code} — {t.name}" for t in named[:SUGGESTED])
        raise UnknownTerritory(f"«{text}» — название, а нужен код территории; по названию "
                               f"подходит: {codes}. {WHERE_CODES}")
    hint = difflib.get_close_matches(text, list(known), n=3, cutoff=0.6)
    suggestion = "; возможно, имелось в виду: " + ", ".join(
        f"{code} ({known[code].name})" for code in hint) if hint else ""
    raise UnknownTerritory(f"неизвестный код территории «{text}»{suggestion}. {WHERE_CODES}")


SUGGESTED = 5  # territories a message suggests for a name
WHERE_CODES = ("Коды территорий: make territories (поиск по названию: make territories "
               "Q=Вологда) / unknown territory code: see make territories")


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w]+", " ", text.lower().replace("ё", "е")).split()


def every_territory() -> list[Territory]:
    """The country, its regions and every municipality of the one list, in that order."""
    listed = [Territory(r.oktmo, r.name, "municipality", r.region_code)
              for r in _municipality_frame().itertuples()]
    return [national(), *regions(), *listed]


def search(query: str) -> list[Territory]:
    """The territories whose name holds every word of ``query`` (case and «ё» ignored), or,
    when none does, the closest names."""
    wanted, everything = _words(query), every_territory()
    if not wanted:
        return everything
    found = [t for t in everything if all(any(w.startswith(q) or q in w for w in _words(t.name))
                                          for q in wanted)]
    if found:
        return found
    names = {" ".join(_words(t.name)): t for t in everything}
    close = difflib.get_close_matches(" ".join(wanted), list(names), n=SUGGESTED, cutoff=0.6)
    return [names[name] for name in close]


def territories_text(query: str = "") -> str:
    """The territories a briefing can be about, code and name, one a line (``query``: by name)."""
    found = search(query)
    if not found:
        return f"По запросу «{query}» территорий не найдено.\n"
    levels = {"national": "страна", "region": "регион", "municipality": "МО"}
    return "".join(f"{t.code:>10}  {t.name} ({levels[t.level]}"
                   f"{', регион ' + t.region if t.level == 'municipality' else ''})\n" for t in found)


SCHOOL_DATA = ("regions with school data", "регионы с данными по школам")
SCHOOL_DATA_MUNICIPALITIES = ("municipalities of regions with school data",
                              "муниципалитеты регионов с данными по школам")


def expand(expression: str | list[str], *, reads: Reads | None = None, period: str = ""
           ) -> list[Territory]:
    """The territories an expression of a batch names, in reference order.

    ``reads`` (what the briefing kind reads) and ``period`` decide which regions have the
    data for the expressions that follow the data.
    """
    if isinstance(expression, list):
        return [by_code(str(code)) for code in expression]
    text = " ".join(str(expression).split()).casefold()
    if text in SCHOOL_DATA:
        return regions_with_school_data(reads, period)
    if text in SCHOOL_DATA_MUNICIPALITIES:
        return municipalities_with_school_data(reads, period)
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
        "regions of <ФО>, region <код>, municipalities of <код>, regions with school data, "
        "municipalities of regions with school data или список кодов"
    )
