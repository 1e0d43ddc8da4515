"""Shared fixtures: tiny federal exports written the way real ones look."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from helpers.ingestion.contract.forms import FEDERAL
from helpers.render.pdf import ChromiumNotFound, PdfPrinter

HEADERS = [c.header for c in FEDERAL.columns if c.name != "snapshot_date"]

# code, name, directors total/active, teachers total/active, class teachers total/with chat,
# pupils, teachers linked, pupils linked, teachers ESIA, integration
GOOD_ROWS = [
    ["01", "Республика Адыгея (Адыгея)", 100, 20, 1000, 200, 50, 3, 10000, 100, 2000, 10, "да"],
    ["35", "Вологодская область", 345, 60, 9000, 1900, 400, 30, 146000, 1000, 50000, 900, "нет"],
]


def totals_row(rows: list[list[object]]) -> list[object]:
    sums = [sum(int(str(r[i]).replace(" ", "").replace("\u00a0", "")) for r in rows)
            for i in range(2, 12)]
    return ["", "Итого", *sums, ""]


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Write a federal export as a workbook: title rows, header, rows, optional totals row."""

    def write(rows: list[list[object]], *, name: str = "federal.xlsx",
              title: str | None = "по состоянию на 16.09.2024",
              headers: list[str] | None = None, totals: list[object] | None = None) -> Path:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Свод"
        sheet.append(["Мониторинг ИКОП «Сферум»"])
        if title:
            sheet.append([title])
        sheet.append([])
        sheet.append(headers or HEADERS)
        for row in rows:
            sheet.append(row)
        if totals:
            sheet.append(totals)
        path = tmp_path / "federal" / name
        path.parent.mkdir(exist_ok=True)
        workbook.save(path)
        return path

    return write


@pytest.fixture
def today() -> dt.date:
    return dt.date(2024, 11, 1)


# --- the regional demo, generated and ingested once per test session --------------------------

DEMO_KEY = "test-pseudonymisation-key"


@pytest.fixture(autouse=True)
def _pseudonymisation_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never generate a key into the project's .env."""
    monkeypatch.setenv("SFERUM_SECRET", DEMO_KEY)


@pytest.fixture(scope="session")
def vologda_demo():
    """The Vologda demo (every school-level table, personal data included), built once."""
    from helpers.demo.regional import build_region, vologda_plan

    return build_region(vologda_plan())


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m helpers.demo`` into a temporary DATA_DIR (federal + regions/35)."""
    from helpers.demo.__main__ import main

    out = tmp_path_factory.mktemp("demo") / "data"
    assert main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def demo_warehouse(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ingested into a warehouse of its own."""
    from helpers.ingestion import ingest

    root = tmp_path_factory.mktemp("warehouse")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SFERUM_SECRET", DEMO_KEY)
        patch.setenv("DATA_DIR", str(demo_data))
        patch.setenv("WAREHOUSE", str(root / "warehouse.duckdb"))
        patch.setenv("OUTPUT_DIR", str(root / "output"))
        assert ingest.main([]) == 0
    return root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def printer() -> Iterator[PdfPrinter]:
    """One Chromium for a test module's PDFs (skips when no Chromium is installed)."""
    try:
        opened = PdfPrinter()
    except ChromiumNotFound as missing:
        pytest.skip(str(missing))
    with opened:
        yield opened


@pytest.fixture(scope="session")
def published(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The regional briefings of the Vologda demo rendered through the batch engine (readiness and
    diary of the region, a municipality's diary and scorecard) and the national ranking: the
    outputs readers get."""
    from helpers.batch import territories
    from helpers.batch.executors import LocalExecutor
    from helpers.batch.plan import job_for, load_kinds
    from helpers.batch.run import run_batch

    kinds = load_kinds()
    jobs = [job_for(kinds["migration_readiness"], territories.by_code("35"), {}),
            job_for(kinds["diary_authorization_gaps"], territories.by_code("35"), {}),
            job_for(kinds["diary_authorization_gaps"], territories.by_code("19701000"), {}),
            job_for(kinds["municipality_scorecard"], territories.by_code("19730000"), {}),
            job_for(kinds["regional_ranking"], territories.by_code("RU"), {})]
    output = tmp_path_factory.mktemp("published") / "output"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE", str(demo_warehouse))
        summary = run_batch("privacy", jobs, output_dir=output, warehouse=demo_warehouse,
                            force=True, make_executor=lambda: LocalExecutor(output, jobs=2, timeout=300))
    assert (summary.rendered, summary.failed) == (len(jobs), 0), summary.failures
    return output
