"""Validate the exports under ``DATA_DIR`` and ingest them into the warehouse.

``python -m helpers.ingest [--check]``: every problem is printed, one line each, naming file,
sheet, row, column, value and rule; with any error the exit code is 2 and the warehouse is left
as it was. Warnings are printed and kept in the run's log (``OUTPUT_DIR/logs/ingest.log``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass

import pandas as pd

from helpers import warehouse
from helpers.config import Settings, settings
from helpers.contract.cleaning import name_key
from helpers.contract.forms import FEDERAL
from helpers.contract.loading import FILE_COLUMN, Loaded, load_folder
from helpers.contract.problems import Problem
from helpers.contract.validation import Context
from helpers.reference import load_regions

EXIT_INVALID = 2


def federal_context(today: dt.date | None = None) -> Context:
    """Known region codes and accepted names (official and short forms) from the reference."""
    regions = load_regions()
    names = {
        row.region_code: frozenset(name_key(n) for n in (row.name_ru, row.name_alt) if n)
        for row in regions.itertuples()
    }
    return Context(
        known={"region_code": frozenset(regions["region_code"])},
        names={"region_code": names},
        today=today or dt.date.today(),
    )


def federal_table(loaded: Loaded) -> pd.DataFrame:
    """The warehouse table of federal snapshots: canonical columns, reference names, source file."""
    frame = loaded.frame
    names = dict(zip(load_regions()["region_code"], load_regions()["name_ru"], strict=True))
    table = pd.DataFrame({c.name: frame[c.name] for c in FEDERAL.columns if c.name in frame})
    table["snapshot_date"] = pd.to_datetime(table["snapshot_date"]).dt.date
    table["region_name"] = table["region_code"].map(names)
    table["source_file"] = frame[FILE_COLUMN]
    return table


def sources_table(loaded: Loaded) -> pd.DataFrame:
    rows = loaded.frame.groupby(FILE_COLUMN).size() if not loaded.frame.empty else pd.Series()
    return pd.DataFrame({
        "file": list(loaded.files),
        "sha256": list(loaded.files.values()),
        "rows": [int(rows.get(name, 0)) for name in loaded.files],
    })


@dataclass
class IngestResult:
    problems: list[Problem]
    rows: int = 0
    snapshots: int = 0

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def run(config: Settings, *, check_only: bool = False) -> IngestResult:
    """Validate every export; unless ``check_only``, rebuild the warehouse when all are valid."""
    loaded = load_folder(config.federal_dir, FEDERAL, federal_context())
    result = IngestResult(problems=loaded.problems)
    if not loaded.ok:
        return result
    table = federal_table(loaded)
    result.rows, result.snapshots = len(table), table["snapshot_date"].nunique()
    if not check_only:
        warehouse.rebuild(
            config.warehouse,
            {warehouse.FEDERAL_TABLE: table, warehouse.SOURCES_TABLE: sources_table(loaded)},
            keys={warehouse.FEDERAL_TABLE: FEDERAL.key, warehouse.SOURCES_TABLE: ("file",)},
        )
    return result


def _log(config: Settings, lines: list[str]) -> None:
    log_dir = config.output_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    with (log_dir / "ingest.log").open("a", encoding="utf-8") as log:
        log.writelines(f"{stamp} {line}\n" for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate only, do not ingest")
    args = parser.parse_args(argv)
    config = settings()
    result = run(config, check_only=args.check)
    lines = [str(p) for p in result.problems]
    for line in lines:
        sys.stderr.write(line + "\n")
    if not result.ok:
        count = sum(1 for p in result.problems if p.severity == "error")
        summary = (f"Данные не приняты: ошибок {count}; хранилище не изменено "
                   f"({config.warehouse}).")
    else:
        action = "проверены" if args.check else f"загружены в {config.warehouse}"
        summary = (f"Данные {action}: строк {result.rows}, срезов {result.snapshots}, "
                   f"предупреждений {len(lines)}.")
    _log(config, [*lines, summary])
    (sys.stdout if result.ok else sys.stderr).write(summary + "\n")
    return 0 if result.ok else EXIT_INVALID


if __name__ == "__main__":
    raise SystemExit(main())
