"""Reference data shipped with the project (``data/reference``): regions, municipalities."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from helpers.config import REFERENCE_DIR


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "regions.csv", dtype=str, keep_default_na=False)


def load_regions() -> pd.DataFrame:
    """The 89 regions: ``region_code`` (two digits), ``name_ru``, ``name_alt``, federal district…"""
    return _regions().copy()


def region_names() -> dict[str, str]:
    """Region code → official Russian name."""
    regions = _regions()
    return dict(zip(regions["region_code"], regions["name_ru"], strict=True))


# --- municipalities (ОКТМО) of the regions that send school-level data ------------------------

MUNICIPALITY_FILES: dict[str, str] = {"35": "vologda_municipalities.csv"}
"""Region code → its file of municipalities in ``data/reference`` (columns as the Vologda one:
``name_current, type_current, name_before_reform, oktmo_2019, oktmo_current``)."""

EXTRA_MUNICIPALITIES = "municipalities.csv"
"""A file of ``DATA_DIR/reference`` with more municipalities (``region_code, oktmo, name`` and
optionally ``name_alt, kind``): for a region without a file here, and for the synthetic regions
of the national load mode of the demo."""

MUNICIPALITY_COLUMNS = ["region_code", "oktmo", "name", "name_alt", "kind"]


def _shipped_municipalities(code: str, file_name: str) -> pd.DataFrame:
    raw = pd.read_csv(REFERENCE_DIR / file_name, dtype=str, keep_default_na=False)
    oktmo = raw["oktmo_current"].where(raw["oktmo_current"].str.strip() != "", raw["oktmo_2019"])
    return pd.DataFrame({
        "region_code": code,
        "oktmo": oktmo.str.strip().str.zfill(8),
        "name": raw["name_current"],
        "name_alt": raw["name_before_reform"],
        "kind": raw["type_current"],
    })


def load_municipalities(data_dir: Path | None = None) -> pd.DataFrame:
    """Every known municipality: ``region_code, oktmo`` (eight digits), ``name, name_alt, kind``.

    The files shipped in ``data/reference`` and, when ``data_dir`` is given and has one,
    ``data_dir/reference/municipalities.csv``; a code in both keeps the shipped row.
    """
    frames = [_shipped_municipalities(code, name) for code, name in MUNICIPALITY_FILES.items()]
    extra = data_dir / "reference" / EXTRA_MUNICIPALITIES if data_dir else None
    if extra is not None and extra.exists():
        more = pd.read_csv(extra, dtype=str, keep_default_na=False)
        more["region_code"] = more["region_code"].str.zfill(2)
        more["oktmo"] = more["oktmo"].str.zfill(8)
        frames.append(more.reindex(columns=MUNICIPALITY_COLUMNS, fill_value=""))
    table = pd.concat(frames, ignore_index=True)[MUNICIPALITY_COLUMNS]
    return table.drop_duplicates(["region_code", "oktmo"]).reset_index(drop=True)
