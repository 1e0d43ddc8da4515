"""Reference data shipped with the project (``data/reference``): regions, municipalities."""

from __future__ import annotations

from functools import lru_cache

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
