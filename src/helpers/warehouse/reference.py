"""Reference data shipped with the project (``data/reference``): regions, municipalities."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from helpers.config import REFERENCE_DIR

REGIONS_FILE = REFERENCE_DIR / "regions.csv"


def read_regions(path: Path = REGIONS_FILE) -> pd.DataFrame:
    """The regions' reference file as text columns (codes keep their leading zero)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    return read_regions()


def load_regions() -> pd.DataFrame:
    """The 89 regions: ``region_code`` (two digits), ``name_ru``, ``name_alt``, federal district…"""
    return _regions().copy()


def region_names() -> dict[str, str]:
    """Region code → official Russian name."""
    regions = _regions()
    return dict(zip(regions["region_code"], regions["name_ru"], strict=True))


# --- municipalities (ОКТМО) -----------------------------------------------------------------

SHIPPED_MUNICIPALITIES = "*_municipalities.csv"
"""Files of ``data/reference`` listing a region's municipalities (columns as the Vologda one:
``name_current, type_current, name_before_reform, oktmo_2019, oktmo_current``); the region is
recognised by the ОКТМО prefix of its codes (``regions.csv``, ``oktmo_code``)."""

EXTRA_MUNICIPALITIES = "municipalities.csv"
"""A file of ``DATA_DIR/reference`` with more municipalities (``region_code, oktmo, name`` and
optionally ``name_alt, kind``): for a region without a file here, and for the synthetic regions
of the national load mode of the demo."""

MUNICIPALITY_COLUMNS = ["region_code", "oktmo", "name", "name_alt", "kind"]


@lru_cache(maxsize=1)
def oktmo_prefixes() -> dict[str, str]:
    """Region code → the ОКТМО prefix of its municipalities (two or three digits; empty for
    the regions the reference gives none)."""
    regions = _regions()
    return {code: prefix.strip()
            for code, prefix in zip(regions["region_code"], regions["oktmo_code"], strict=True)}


def region_of_oktmo(code: object) -> str | None:
    """The region whose ОКТМО prefix ``code`` starts with (the longest prefix wins: an
    autonomous okrug inside a kray has a three-digit one)."""
    text = str(code or "")
    matches = [(len(prefix), region) for region, prefix in oktmo_prefixes().items()
               if prefix and text.startswith(prefix)]
    return max(matches)[1] if matches else None


def is_municipality_oktmo(code: object, region_code: str) -> bool:
    """Is ``code`` the ОКТМО of a municipality (district, okrug) of the region ``region_code``?

    The code structure: eight digits, the region's prefix first, then the municipality's type
    and number (not all zeros: that is the region itself), then ``000`` (a settlement inside a
    municipality has its own last three digits and is not a municipality of the briefings).
    A region without a prefix in ``regions.csv`` is checked on the structure only.
    """
    text = str(code or "")
    prefix = oktmo_prefixes().get(region_code, "")
    return (len(text) == 8 and text.isdigit() and text.endswith("000")
            and text[max(len(prefix), 2):5].strip("0") != ""
            and (not prefix or region_of_oktmo(text) == region_code))


def _shipped_municipalities(path: Path, code: str) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    current = raw["oktmo_current"] if "oktmo_current" in raw else pd.Series("", index=raw.index)
    # the current code where the reform gave one, else the 2019 code (one rule for every reader)
    oktmo = current.where(current.str.strip() != "", raw.get("oktmo_2019", current))
    return pd.DataFrame({
        "region_code": code,
        "oktmo": oktmo.str.strip().str.zfill(8),
        "name": raw["name_current"],
        "name_alt": raw.get("name_before_reform", ""),
        "kind": raw.get("type_current", ""),
    })


@lru_cache(maxsize=1)
def _shipped() -> pd.DataFrame:
    """Every ``*_municipalities.csv`` of ``data/reference``, each matched to its region."""
    frames = []
    for path in sorted(REFERENCE_DIR.glob(SHIPPED_MUNICIPALITIES)):
        first = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=1)
        code_column = next(c for c in ("oktmo_current", "oktmo_2019") if c in first
                           and first[c].iloc[0].strip())
        sample = first[code_column].iloc[0].strip().zfill(8)
        region = region_of_oktmo(sample)
        if region:
            frames.append(_shipped_municipalities(path, region))
    return pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame(columns=MUNICIPALITY_COLUMNS, dtype=str)


def load_municipalities(data_dir: Path | None = None) -> pd.DataFrame:
    """Every known municipality: ``region_code, oktmo`` (eight digits), ``name, name_alt, kind``.

    The files shipped in ``data/reference`` and, when ``data_dir`` is given and has one,
    ``data_dir/reference/municipalities.csv``; a code in both keeps the shipped row. (A region
    in neither is known from its school registry: see :func:`registry_municipalities`.)
    """
    frames = [_shipped().copy()]
    extra = data_dir / "reference" / EXTRA_MUNICIPALITIES if data_dir else None
    if extra is not None and extra.exists():
        more = pd.read_csv(extra, dtype=str, keep_default_na=False)
        more["region_code"] = more["region_code"].str.strip().str.zfill(2)
        more["oktmo"] = more["oktmo"].str.strip().str.zfill(8)
        frames.append(more.reindex(columns=MUNICIPALITY_COLUMNS, fill_value=""))
    table = pd.concat(frames, ignore_index=True)[MUNICIPALITY_COLUMNS]
    return table.drop_duplicates(["region_code", "oktmo"]).reset_index(drop=True)


def registry_municipalities(region_code: str, schools: pd.DataFrame) -> pd.DataFrame:
    """The municipalities a region's school registry names (``oktmo``, ``municipality``).

    Only codes of the region's municipalities (:func:`is_municipality_oktmo`) are kept; each
    is named as most of its schools name it (ties: the first in the registry).
    """
    rows = schools[["oktmo", "municipality"]].dropna()
    rows = rows[rows["oktmo"].map(lambda c: is_municipality_oktmo(c, region_code))]
    counts = rows.groupby(["oktmo", "municipality"], sort=False).size().reset_index(name="n")
    best = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("oktmo")
    table = pd.DataFrame({"region_code": region_code, "oktmo": best["oktmo"].astype(str),
                          "name": best["municipality"].astype(str), "name_alt": "", "kind": ""})
    return table.sort_values("oktmo").reset_index(drop=True)
