"""What each kind reads, declared once, decides when it is re-rendered — for every kind.

Each kind's ``READS`` (``helpers.briefings.<kind>``) feeds the batch's data fingerprint. For every
kind and every warehouse table: changing rows of a table it reads changes the fingerprint (the
briefing re-renders); changing a table it does not read, another region's rows, or a column it
does not use does not (it is not re-rendered for nothing). This is what keeps a new task report
from leaving the diary briefings silently stale.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers.batch.fingerprint import DataHasher
from helpers.batch.plan import Job
from helpers.batch.territories import Territory
from helpers.briefings import registry
from helpers.warehouse import store

KINDS = tuple(registry())
UNUSED = "column_no_briefing_reads"


def reads_of(kind: str):  # noqa: ANN201
    return registry()[kind].reads
DAY = dt.date(2024, 9, 16)


def _columns(table: str) -> list[str]:
    declared = {c for kind in KINDS for read in reads_of(kind) or () if read.table == table
                for c in read.columns}
    return sorted(declared | {"region_code", "snapshot_date", UNUSED})


TABLES = sorted({read.table for kind in KINDS for read in reads_of(kind) or ()}
                | {"federal_snapshots", "source_files"})


def _frame(table: str) -> pd.DataFrame:
    rows = []
    for region in ("35", "48"):
        row: dict[str, object] = {c: f"{table}-{c}-{region}" for c in _columns(table)}
        row.update(region_code=region, snapshot_date=DAY)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    store.rebuild(path, {table: _frame(table) for table in TABLES}, {})
    return path


def _job(kind: str) -> Job:
    level = "municipality" if kind == "municipality_scorecard" else "region"
    code = "19701000" if level == "municipality" else "35"
    return Job(registry()[kind], Territory(code, code, level, region="35"), {"period": ""})


def _data_hash(path: Path, kind: str) -> str:
    with DataHasher(path) as hasher:
        return hasher.job_data(_job(kind))


def _change(path: Path, table: str, column: str, region: str) -> None:
    """Change ``column`` of the region's rows; a row goes away when the kind only counts rows."""
    with duckdb.connect(str(path)) as con:
        if column == "":
            con.execute(f"DELETE FROM {table} WHERE region_code = ?", [region])
        else:
            con.execute(f"UPDATE {table} SET {column} = 'changed' WHERE region_code = ?", [region])


def _used_column(kind: str, table: str) -> str:
    """A column of ``table`` the kind uses (any column when it declares all; '' when it only
    counts the rows of each export)."""
    (read,) = [r for r in reads_of(kind) or () if r.table == table]
    if not read.columns:
        return UNUSED
    return next((c for c in read.columns if c not in ("region_code", "snapshot_date")), "")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("table", TABLES)
def test_a_kind_re_renders_exactly_when_a_table_it_reads_changes(warehouse: Path, kind: str,
                                                                  table: str) -> None:
    reads = reads_of(kind)
    assert reads is not None
    before = _data_hash(warehouse, kind)
    column = _used_column(kind, table) if table in reads.names else UNUSED
    _change(warehouse, table, column, "35")
    assert (_data_hash(warehouse, kind) != before) == (table in reads.names)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "regional_ranking"])
def test_another_regions_rows_do_not_re_render_a_regional_briefing(warehouse: Path, kind: str) -> None:
    before = _data_hash(warehouse, kind)
    for table in (reads_of(kind) or ()).names:
        _change(warehouse, table, _used_column(kind, table), "48")
    assert _data_hash(warehouse, kind) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_column_no_briefing_uses_does_not_re_render_a_kind_that_names_its_columns(
        warehouse: Path, kind: str) -> None:
    named = [read.table for read in reads_of(kind) or () if read.columns]
    before = _data_hash(warehouse, kind)
    for table in named:
        _change(warehouse, table, UNUSED, "35")
    assert _data_hash(warehouse, kind) == before


def test_the_diary_re_renders_when_a_new_task_report_arrives(warehouse: Path) -> None:
    before = _data_hash(warehouse, "diary_authorization_gaps")
    _change(warehouse, "tasks", "auth_info", "35")
    assert _data_hash(warehouse, "diary_authorization_gaps") != before


def test_every_shipped_kind_declares_its_reads_and_inputs() -> None:
    for name, kind in registry().items():
        assert kind.reads is not None, f"{name} has no READS declaration"
        assert kind.inputs, f"{name} declares no params or reference file"
        assert kind.notebook.is_file() and kind.fragments is not None and kind.fragments.is_dir(), name
