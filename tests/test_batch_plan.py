"""Planning: batches expand from the reference data; every parameter is checked before a kernel starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.batch import territories
from helpers.batch.plan import Kind, PlanError, check_parameters, job_for, plan_batch, plan_single

PROBE = Path(__file__).parent / "fixtures" / "batch" / "probe.ipynb"


def test_weekly_batch_is_the_country_every_region_and_region_35s_briefings() -> None:
    jobs = plan_batch("weekly")
    ranking = [j for j in jobs if j.kind.name == "regional_ranking"]
    assert len(ranking) == 90 and ranking[0].territory.code == "RU" and ranking[0].parameters == {}
    assert {j.territory.code for j in ranking[1:]} == {t.code for t in territories.regions()}
    assert all(j.parameters == {"highlight_region": j.territory.code} for j in ranking[1:])
    scorecards = [j for j in jobs if j.kind.name == "municipality_scorecard"]
    assert len(scorecards) == 28
    assert scorecards[0].parameters == {"region_code": "35", "oktmo": "19701000"}
    diary = [j for j in jobs if j.kind.name == "diary_authorization_gaps"]
    assert len(diary) == 29 and diary[0].parameters == {"region_code": "35"}
    assert [j.parameters for j in jobs if j.kind.name == "migration_readiness"] == [{"region_code": "35"}]
    assert len(jobs) == 90 + 1 + 28 + 29


def test_region_filter_keeps_the_briefings_of_that_region() -> None:
    assert [j.territory.name for j in plan_batch("weekly", region="48")] == ["Липецкая область"]
    assert len(plan_batch("weekly", region="35")) == 1 + 1 + 1 + 28 + 28


def test_territory_expressions_come_from_the_reference() -> None:
    assert len(territories.expand("all regions")) == 89
    assert len(territories.expand("municipalities of 35")) == 28
    assert {t.code for t in territories.expand("regions of СЗФО")} >= {"35", "47", "78"}
    assert [t.code for t in territories.expand(["35", "5", "19701000"])] == ["35", "05", "19701000"]


def test_unknown_territory_code_suggests_a_close_one() -> None:
    with pytest.raises(territories.UnknownTerritory, match="«350».*35"):
        territories.by_code("350")


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


def test_a_bad_common_parameter_fails_the_whole_plan() -> None:
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
