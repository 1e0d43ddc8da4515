"""The national load mode of the demo: school-level data for every region, about 40 thousand schools.

Each region other than Вологодская область gets synthetic municipalities («Городской округ № 1»,
«Муниципальный округ № 7», ОКТМО codes under the region's ОКТМО prefix), registered in
``DATA_DIR/reference/municipalities.csv`` so that validation knows them, and the same generator
as Vologda (:func:`helpers.demo.regional.build_region`) sized by the region's row of the federal
monitoring (schools = directors, pupils, teachers, classes). Member lists hold the department's
and the staff's chats only (not every pupil and parent), and every export is a plain UTF-8 CSV:
this mode exists to measure ingestion at the country's scale, not to be read.

Regions are generated in parallel processes (``--jobs``), each deterministic on its own.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.demo.federal import drawn
from helpers.demo.regional import RegionPlan, allocate, build_region
from helpers.demo.regional_exports import write_region_fast
from helpers.warehouse.reference import EXTRA_MUNICIPALITIES, MUNICIPALITY_COLUMNS, load_regions

SEED = 40_000


def synthetic_municipalities(code: str, oktmo_prefix: str, schools: int, variant: int = 0
                             ) -> pd.DataFrame:
    """Municipalities of a region for the load mode: a few city okrugs with more schools."""
    rng = np.random.default_rng(drawn(SEED + int(code), variant))
    towns = int(np.clip(round(schools / 14), 3, 60))
    cities = 1 + int(towns > 20) + int(towns > 40)
    city = np.arange(towns) < cities
    weights = np.where(city, rng.uniform(6, 12, towns), rng.uniform(0.6, 1.6, towns))
    counts = allocate(weights, schools, minimum=1)
    number = np.where(city, np.arange(towns) + 1, np.arange(towns) - cities + 1)
    tail = "0" * (8 - len(oktmo_prefix) - 3)  # okrugs inside a kray have 3-digit prefixes
    oktmo = [f"{oktmo_prefix}{7 if c else 6}{k:02d}{tail}" for c, k in zip(city, number, strict=True)]
    return pd.DataFrame({
        "region_code": code,
        "oktmo": oktmo,
        "name": [f"Городской округ № {k}" if c else f"Муниципальный округ № {k}"
                 for c, k in zip(city, number, strict=True)],
        "name_alt": "",
        "kind": np.where(city, "городской округ", "муниципальный округ"),
        "schools": counts,
        "city": city,
        "lagging": rng.random(towns) < 0.15,
    })


def national_plans(history: pd.DataFrame, skip: set[str], variant: int = 0) -> list[RegionPlan]:
    """A plan per region of the federal history (except ``skip``), sized by its latest row."""
    regions = load_regions().set_index("region_code")
    latest = history[history["snapshot_date"] == history["snapshot_date"].max()]
    plans = []
    for row in latest.itertuples():
        code = str(row.region_code)
        if code in skip:
            continue
        prefix = str(regions.at[code, "oktmo_code"] or "").strip() or code
        towns = synthetic_municipalities(code, prefix.zfill(2), int(row.directors_total), variant)
        plans.append(RegionPlan(
            code=code, region_name=str(row.region_name), short_name=str(row.region_name),
            municipalities=towns, pupils=int(row.pupils_total), teachers=int(row.teachers_total),
            classes=int(row.class_teachers_total), load_mode=True, variant=variant,
        ))
    return plans


def other_plans(history: pd.DataFrame, codes: list[str], variant: int = 0) -> list[RegionPlan]:
    """Plans of the regions ``codes`` as the load mode sizes them (synthetic municipalities)."""
    skip = set(load_regions()["region_code"]) - set(codes)
    return [replace(plan, load_mode=False) for plan in national_plans(history, skip, variant)]


def _generate(plan: RegionPlan, folder: Path) -> dict[str, int]:
    demo = build_region(plan)
    write_region_fast(demo, folder)
    return {"schools": len(demo.schools), "pupils": int(demo.schools["pupils"].sum())}


def write_national(out: Path, history: pd.DataFrame, skip: set[str], *, jobs: int = 2,
                   variant: int = 0) -> dict[str, int]:
    """School-level exports of every region but ``skip`` under ``out/regions``, and their
    municipalities in ``out/reference/municipalities.csv``."""
    plans = national_plans(history, skip, variant)
    reference = pd.concat([p.municipalities for p in plans], ignore_index=True)
    (out / "reference").mkdir(parents=True, exist_ok=True)
    partial = out / "reference" / f".{EXTRA_MUNICIPALITIES}.part"
    reference[MUNICIPALITY_COLUMNS].to_csv(partial, index=False)
    os.replace(partial, out / "reference" / EXTRA_MUNICIPALITIES)
    folders = [out / "regions" / plan.code for plan in plans]
    workers = max(1, min(jobs, len(plans)))
    if workers == 1:
        results = [_generate(plan, folder) for plan, folder in zip(plans, folders, strict=True)]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_generate, plans, folders))
    return {"regions": len(plans), "schools": sum(r["schools"] for r in results),
            "pupils": sum(r["pupils"] for r in results)}
