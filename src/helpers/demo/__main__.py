"""``python -m helpers.demo --out data/demo [--scale national] [--exclude COLUMN=VALUE ...]``.

Writes the whole demo data folder: the federal monitoring snapshots (``federal/``) and the
school-level exports of Вологодская область (``regions/35/``), whose sums are the federal
row of region 35. With ``--scale national`` every other region gets school-level data too
(synthetic municipalities, registered in ``reference/municipalities.csv``), about 40 thousand
schools for load tests.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers import cli
from helpers.config import settings
from helpers.demo.federal import (
    build_federal_history,
    excluded_codes,
    parse_exclude,
    write_federal_exports,
)
from helpers.demo.national import other_plans
from helpers.demo.regional import build_region, federal_rows, vologda_plan
from helpers.demo.regional_exports import write_region
from helpers.demo.stamp import STAMP, is_current, record, source_hash
from helpers.warehouse.reference import load_regions

MARKER = ".sferum-demo"  # a folder holding this file was written by this generator
MAX_VARIANT = 10_000


def _clean(out: Path) -> None:
    """Remove the regions and generated reference of an earlier run (only in a demo folder)."""
    if not (out / MARKER).exists():
        if (out / "regions").exists():
            raise SystemExit(f"{out} is not a demo folder written by this generator "
                             f"(no {MARKER}); refusing to overwrite its regions/")
        return
    shutil.rmtree(out / "regions", ignore_errors=True)
    (out / "reference" / "municipalities.csv").unlink(missing_ok=True)


def _variant(text: str) -> int:
    """A variant number for ``--variant``: 0 … 10 000."""
    if not text.strip().isdigit() or int(text) > MAX_VARIANT:
        raise argparse.ArgumentTypeError(f"вариант — целое число от 0 до {MAX_VARIANT}, получено «{text}» "
                                         f"/ a whole number 0…{MAX_VARIANT}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.demo",
        description="Демонстрационные данные: федеральный мониторинг и данные школ регионов.",
    )
    parser.add_argument("--out", type=Path, default=None,
                        help="папка данных (по умолчанию DATA_DIR)")
    parser.add_argument("--scale", choices=("region", "national"), default="region",
                        help="region: данные школ Вологодской области; national: всех регионов "
                             "(нагрузочный режим, около 40 тысяч школ)")
    parser.add_argument("--exclude", action="append", default=[], metavar="СТОЛБЕЦ=ЗНАЧЕНИЕ",
                        help="исключить регионы по столбцу справочника, например is_added_2022=1")
    parser.add_argument("--school-regions", default="35", metavar="КОДЫ",
                        help="регионы с данными по школам через запятую (по умолчанию 35; "
                             "пусто — только федеральный мониторинг); муниципалитеты регионов, "
                             "кроме 35, берутся из их реестров школ, справочник не пишется")
    parser.add_argument("--if-changed", action="store_true",
                        help="ничего не делать, если код генератора, params/, data/reference и "
                             "аргументы не менялись с прошлой генерации в эту папку")
    parser.add_argument("--variant", type=_variant, default=0, metavar="N",
                        help="другой случайный вариант тех же данных (0 — основной, сверенный со "
                             "слайдами министерства; общероссийские показатели слайдов верны в любом)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="процессов для нагрузочного режима (по умолчанию 2)")
    args = parser.parse_args(argv)
    try:
        exclude = parse_exclude(args.exclude)
        excluded = excluded_codes(load_regions(), exclude)
    except ValueError as exc:
        parser.error(str(exc))
    out = (args.out or settings().data_dir).resolve()
    if args.scale == "national":
        import helpers.demo.national  # noqa: F401 -- its code is part of what the demo is made from
    sources = source_hash({"scale": args.scale, "exclude": exclude,
                           "school_regions": args.school_regions, "variant": args.variant})
    if args.if_changed and is_current(out, sources):
        sys.stdout.write(f"Демо-данные актуальны ({out}): генератор, params/ и data/reference "
                         f"не менялись — не пересоздаю\n")
        return 0
    started = time.perf_counter()
    (out / STAMP).unlink(missing_ok=True)  # an interrupted generation is never taken as current
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    (out / MARKER).write_text("written by python -m helpers.demo\n", encoding="utf-8")
    schooled = [c.strip().zfill(2) for c in args.school_regions.split(",") if c.strip()]
    schooled = [c for c in schooled if c not in excluded]
    unknown = sorted(set(schooled) - set(load_regions()["region_code"]))
    if unknown:
        parser.error(f"неизвестные коды регионов: {', '.join(unknown)}")
    variant = args.variant
    vologda = build_region(vologda_plan(variant)) if "35" in schooled else None
    requested = [c for c in schooled if c != "35"]
    others = [build_region(plan) for plan in other_plans(
        build_federal_history(exclude=exclude, variant=variant), requested, variant)] if requested else []
    built = ([vologda] if vologda is not None else []) + others
    fixed = pd.concat([federal_rows(demo) for demo in built], ignore_index=True) if built else None
    history = build_federal_history(exclude=exclude, fixed=fixed, variant=variant)
    federal = write_federal_exports(history, out / "federal")
    lines = [f"{len(federal)} файлов федерального мониторинга: "
             f"{history['region_code'].nunique()} регионов → {out / 'federal'}"]
    if vologda is not None:
        files = write_region(vologda, out / "regions" / "35")
        lines.append(f"{len(files)} выгрузок Вологодской области: школ {len(vologda.schools)}, "
                     f"учеников {int(vologda.schools['pupils'].sum())}, родителей в реестре "
                     f"{len(vologda.parents)}, чатов {vologda.chats['chat_id'].nunique()} (в "
                     f"реестрах 16.09.2024 и 10.11.2025); выгрузки недели раньше: чаты и "
                     f"участники 09.09.2024 и 03.11.2025, задачи 24.09.2024, реестры ЭЖД 09.09.2024 → "
                     f"{out / 'regions' / '35'}")
    for demo in others:
        files = write_region(demo, out / "regions" / demo.plan.code)
        lines.append(f"{len(files)} выгрузок, {demo.plan.region_name}: школ {len(demo.schools)}, "
                     f"муниципалитетов {len(demo.plan.municipalities)} (только в реестре школ) "
                     f"→ {out / 'regions' / demo.plan.code}")
    if args.scale == "national":
        from helpers.demo.national import write_national

        totals = write_national(out, history, excluded | set(schooled), jobs=args.jobs, variant=variant)
        lines.append(f"нагрузочный режим: регионов {totals['regions']}, школ "
                     f"{totals['schools']}, учеников {totals['pupils']} → {out / 'regions'}")
    record(out, sources)
    seconds = time.perf_counter() - started
    sys.stdout.write("\n".join(lines) + f"\nготово за {seconds:.0f} с\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main, log_dir=settings().output_dir / "logs"))
