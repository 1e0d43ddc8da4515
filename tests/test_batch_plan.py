"""Planning: batches expand from the reference data; every parameter is checked before a kernel starts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from helpers.batch import territories
from helpers.batch.plan import Kind, PlanError, check_parameters, job_for, plan_batch, plan_single
from helpers.warehouse import store

PROBE = Path(__file__).parent / "fixtures" / "batch" / "probe.ipynb"


def _table(region: str, dates: list[str], **columns: object) -> pd.DataFrame:
    return pd.DataFrame([{"region_code": region, "snapshot_date": dt.date.fromisoformat(d),
                          **columns} for d in dates])


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A tiny warehouse: ``build(tables)`` writes it and points ``WAREHOUSE`` at it."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE", str(path))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "exports"))

    def build(tables: dict[str, pd.DataFrame]) -> Path:
        store.rebuild(path, tables, keys={})
        return path

    return build


LIPETSK_MUNICIPALITIES = pd.DataFrame({
    "region_code": "48", "oktmo": ["42701000", "42601000", "42602000"],
    "name": ["город Липецк", "Воловский муниципальный округ", "Грязинский район"],
    "name_alt": "", "kind": ""})
LIPETSK_SCHOOLS = pd.DataFrame({"region_code": "48", "school_id": ["1", "2", "3"],
                                "oktmo": ["42701000", "42701000", "42601000"]})


def lipetsk(dates: list[str], *, chats: bool = True) -> dict[str, pd.DataFrame]:
    """Region 48's school-level tables (two of its three municipalities have schools)."""
    tables = {"municipalities": LIPETSK_MUNICIPALITIES, "schools": LIPETSK_SCHOOLS,
              "school_activity": _table("48", dates, school_id="1"),
              "pupils": _table("48", dates, pupil_id="p"),
              "parents": _table("48", dates, parent_id="r"),
              "parent_children": _table("48", dates, parent_id="r", pupil_id="p")}
    if chats:
        tables |= {"chats": _table("48", dates, chat_id="c"),
                   "chat_members": _table("48", dates, chat_id="c", member_id="m")}
    return tables


def kinds_of(jobs: list) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for job in jobs:
        found.setdefault(job.kind.name, []).append(job.territory.code)
    return found


def test_federal_exports_only_give_the_ranking_and_every_region_card(warehouse) -> None:
    warehouse({"federal_snapshots": _table("35", ["2024-09-16"])})
    jobs = plan_batch("weekly")
    ranking = [j for j in jobs if j.kind.name == "regional_ranking"]
    assert len(jobs) == len(ranking) == 90
    assert ranking[0].territory.code == "RU" and ranking[0].parameters == {}
    assert {j.territory.code for j in ranking[1:]} == {t.code for t in territories.regions()}
    assert all(j.parameters == {"highlight_region": j.territory.code} for j in ranking[1:])


def test_a_line_that_plans_nothing_says_why(warehouse) -> None:
    warehouse({"federal_snapshots": _table("35", ["2024-09-16"])})
    told: list[str] = []
    plan_batch("weekly", note=told.append)
    assert len(told) == 4  # readiness, diary (regions), scorecard, diary (municipalities)
    assert "справка 3: Готовность" in told[0] and "ни одной территории" in told[0]
    assert "chats" in told[0] and "regions with school data" in told[0]
    warehouse(lipetsk(["2024-09-16"]))
    told.clear()
    plan_batch("weekly", note=told.append)
    assert told == []


def test_a_plan_that_fails_says_only_why_it_failed(warehouse) -> None:
    warehouse({"federal_snapshots": _table("35", ["2024-09-16"])})
    told: list[str] = []
    with pytest.raises(PlanError):
        plan_batch("weekly", common={"window_weeks": "четыре"}, note=told.append)
    assert told == []  # no «не планируется» lines around the error


def test_the_weekly_batch_follows_the_regions_that_sent_school_data(warehouse) -> None:
    warehouse(lipetsk(["2024-09-16"]))
    jobs = plan_batch("weekly")
    planned = kinds_of(jobs)
    assert planned["migration_readiness"] == ["48"]
    assert planned["municipality_scorecard"] == ["42601000", "42701000"]  # not the one without schools
    assert planned["diary_authorization_gaps"] == ["48", "42601000", "42701000"]
    scorecard = next(j for j in jobs if j.kind.name == "municipality_scorecard")
    assert scorecard.parameters == {"region_code": "48", "oktmo": "42601000"}
    assert len(plan_batch("weekly", region="48")) == 1 + 1 + 1 + 2 + 2


def test_a_region_is_planned_for_the_kinds_whose_tables_it_sent(warehouse) -> None:
    warehouse(lipetsk(["2024-09-16"], chats=False))
    planned = kinds_of(plan_batch("weekly"))
    assert "migration_readiness" not in planned  # no chat registry, no readiness briefing
    assert planned["municipality_scorecard"] == ["42601000", "42701000"]


def test_a_region_is_planned_only_for_periods_it_has_data_for(warehouse) -> None:
    warehouse(lipetsk(["2024-09-16", "2024-10-01"]))
    assert "migration_readiness" in kinds_of(plan_batch("weekly", common={"period": "2024-09-20"}))
    early = kinds_of(plan_batch("weekly", common={"period": "2024-09-01"}))
    assert set(early) == {"regional_ranking"}


def test_municipalities_of_any_region_come_from_the_warehouse_list(warehouse) -> None:
    warehouse(lipetsk(["2024-09-16"]))
    assert [t.name for t in territories.expand("municipalities of 48")] == [
        "Воловский муниципальный округ", "Грязинский район", "город Липецк"]
    (job,) = plan_single("municipality_scorecard", "42701000")
    assert job.parameters == {"region_code": "48", "oktmo": "42701000"}
    with pytest.raises(territories.UnknownTerritory, match="муниципалитеты региона 47"):
        territories.expand("municipalities of 47")


def test_before_the_first_ingestion_municipalities_come_from_the_reference(warehouse) -> None:
    assert len(territories.expand("municipalities of 35")) == 28
    assert plan_single("diary_authorization_gaps", "19701000")[0].parameters == {
        "region_code": "35", "oktmo": "19701000"}


def test_territory_expressions_come_from_the_reference() -> None:
    assert len(territories.expand("all regions")) == 89
    assert {t.code for t in territories.expand("regions of СЗФО")} >= {"35", "47", "78"}
    assert [t.code for t in territories.expand(["35", "5"])] == ["35", "05"]


def test_unknown_territory_code_suggests_a_close_one() -> None:
    with pytest.raises(territories.UnknownTerritory, match="«350».*35"):
        territories.by_code("350")


def test_an_unknown_code_says_where_the_codes_are(warehouse) -> None:
    with pytest.raises(territories.UnknownTerritory) as refused:
        territories.by_code("99999999")
    message = str(refused.value)
    assert message.startswith("неизвестный код территории «99999999»")
    assert "make territories" in message and "Q=" in message


def test_a_name_instead_of_a_code_gets_the_code_for_that_name(warehouse) -> None:
    with pytest.raises(territories.UnknownTerritory) as refused:
        territories.by_code("город Вологда")
    assert "«город Вологда» — название, а нужен код территории" in str(refused.value)
    assert "19701000 — город Вологда" in str(refused.value)


def test_the_territory_list_is_searchable_by_name(warehouse) -> None:
    assert territories.territories_text("вологодская обл").split() [:2] == ["35", "Вологодская"]
    assert "19701000  город Вологда" in territories.territories_text("ВОЛОГДА")
    assert territories.territories_text("Атлантида").startswith("По запросу «Атлантида»")
    assert len(territories.territories_text().splitlines()) == 1 + 89 + len(
        territories.expand("municipalities of 35"))


def test_unknown_parameter_name_fails_with_did_you_mean() -> None:
    problems = check_parameters(PROBE, {"teritory": "35"})
    assert problems == ["probe.ipynb: неизвестный параметр «teritory»; возможно, имелось в виду "
                        "«territory» (объявлены: territory, fail_on, sleep_seconds)"]


@pytest.mark.parametrize("name, value, expected", [
    ("territory", 35, "ожидается строка, а не int"),
    ("sleep_seconds", "1", "ожидается число, а не str"),
])
def test_wrong_types_fail(name: str, value: object, expected: str) -> None:
    (problem,) = check_parameters(PROBE, {name: value})
    assert expected in problem and f"«{name}»" in problem


def test_right_types_pass() -> None:
    assert check_parameters(PROBE, {"territory": "35", "sleep_seconds": 1}) == []


def test_a_bad_common_parameter_fails_the_whole_plan(warehouse) -> None:
    warehouse(lipetsk(["2024-09-16"]))
    with pytest.raises(PlanError) as failure:
        plan_batch("weekly", common={"windw_weeks": 4})
    problems = failure.value.problems  # once per notebook, not once per territory
    assert len(problems) == 4 and all("«windw_weeks»" in p for p in problems)
    assert any("«window_weeks»" in p for p in problems)  # the did-you-mean of regional_ranking


def test_single_briefing_and_its_errors() -> None:
    (job,) = plan_single("regional_ranking", "48")
    assert job.parameters == {"highlight_region": "48"}
    with pytest.raises(PlanError, match="regional_ranking"):
        plan_single("regional_rankin", "48")
    with pytest.raises(PlanError, match="неизвестный код территории"):
        plan_single("regional_ranking", "999")


def test_a_kind_without_the_territory_level_is_refused() -> None:
    kind = Kind("probe", PROBE, "Проверка", {"region": {"territory": "{territory}"}})
    with pytest.raises(PlanError, match="нет справки для уровня «national»"):
        job_for(kind, territories.national(), {})
    assert job_for(kind, territories.by_code("35"), {}).parameters == {"territory": "35"}


def test_unknown_batch_lists_the_known_ones() -> None:
    with pytest.raises(PlanError, match="weekly"):
        plan_batch("weekyl")


@pytest.mark.parametrize("period", ["garbage", "2024-09-16') t; COPY (SELECT 'x') TO 'x.csv'; --"])
def test_a_period_that_is_not_a_date_is_refused_before_any_query(period: str) -> None:
    with pytest.raises(PlanError) as refused:
        plan_single("regional_ranking", "48", common={"period": period})
    assert "ГГГГ-ММ-ДД" in str(refused.value)


def test_an_iso_period_or_none_is_accepted() -> None:
    assert plan_single("regional_ranking", "48", common={"period": "2024-09-16"})
    assert plan_single("regional_ranking", "48", common={"period": ""})


def test_declared_parameters_are_read_as_papermill_reads_them() -> None:
    import papermill

    from helpers.batch.plan import declared_parameters
    from helpers.config import NOTEBOOKS_DIR

    for notebook in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        theirs = papermill.inspect_notebook(str(notebook))
        ours = declared_parameters(notebook)
        assert list(ours) == list(theirs), notebook.name
        for name, spec in theirs.items():
            assert ours[name]["inferred_type_name"] == spec["inferred_type_name"], (notebook.name, name)
            assert ours[name]["default"] == spec["default"], (notebook.name, name)
