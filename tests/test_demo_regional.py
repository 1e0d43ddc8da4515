"""The regional demo: Вологодская область's schools, chats, tasks and ЭЖД registries.

Sizes and shapes, consistency with the federal row of region 35, the two campaigns, the gaps,
the exports read back through the contract, and the national load mode on a few small regions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from seed_figures import assert_seed_figures

from helpers.demo.federal import build_federal_history, snapshot_dates
from helpers.demo.national import national_plans, synthetic_municipalities, write_national
from helpers.demo.regional import (
    CHATS_2024,
    CHATS_2025,
    COUNT_COLUMNS,
    TASKS_AT,
    RegionDemo,
    build_region,
    federal_rows,
)
from helpers.indicators.campaigns import load_tasks, task_status
from helpers.indicators.kpis import delta_k1, region_indicators, select_snapshot
from helpers.ingestion.contract.snils import normalize, validity
from helpers.ingestion.regional import load_region
from helpers.warehouse.reference import load_municipalities

D = pd.Timestamp


def registry(demo: RegionDemo, at: dt.datetime) -> pd.DataFrame:
    return demo.chats[demo.chats["snapshot_date"] == D(at.date())]


# --- sizes --------------------------------------------------------------------------------------


def test_the_real_municipalities_and_the_sizes(vologda_demo: RegionDemo) -> None:
    schools = vologda_demo.schools
    assert schools["oktmo"].nunique() == 28
    assert set(schools["oktmo"]) == set(load_municipalities()["oktmo"])
    assert len(schools) == 345 and schools["school_id"].is_unique
    assert schools["pupils"].sum() == 146_000
    assert schools["teachers"].sum() == 10_420 and schools["classes"].sum() == 7_400
    by_town = schools.groupby("municipality").size()
    assert by_town["город Вологда"] > 30 and by_town["город Череповец"] > 30
    city = schools.loc[schools["city"], "pupils"].median()
    rural = schools.loc[~schools["city"], "pupils"].median()
    assert city > 4 * rural and schools["pupils"].min() >= 8


def test_classes_one_to_eleven_with_letters(vologda_demo: RegionDemo) -> None:
    classes, schools = vologda_demo.classes, vologda_demo.schools
    assert classes["class_name"].str.fullmatch(r"([1-9]|1[01])[А-Я]").all()
    assert classes.groupby("school")["size"].sum().tolist() == schools["pupils"].tolist()
    assert (classes.groupby("school")["grade"].max() == schools["last_grade"]).all()
    assert set(classes["grade"]) == set(range(1, 12))
    assert (classes["size"] >= 1).all() and classes["size"].max() <= 40
    assert classes.groupby(["school", "class_name"]).size().max() == 1
    assert (schools["teachers"] >= schools["classes"] + 1).all()  # class teachers and others
    assert 10 <= schools["pupils"].sum() / schools["teachers"].sum() <= 18


def test_parents_one_or_two_some_with_children_in_two_schools(vologda_demo: RegionDemo) -> None:
    parents = vologda_demo.parents
    linked = parents[parents["children"].notna()]
    counts = linked["children"].str.count(",") + 1
    assert 1.15 <= counts.mean() <= 1.6 and counts.max() >= 3
    schools = linked["children_schools"].str.split(", ")
    assert (schools.map(lambda s: len(set(s))) > 1).sum() > 1000
    per_child = linked["children"].str.split(", ").explode().value_counts()
    assert set(per_child.unique()) <= {1, 2} and (per_child == 2).mean() > 0.5


# --- the federal row of region 35 is the sum of the schools ------------------------------------


def test_school_sums_are_the_federal_row_for_every_date(vologda_demo: RegionDemo) -> None:
    history = build_federal_history(fixed=federal_rows(vologda_demo))
    region = history[history["region_code"] == "35"].set_index("snapshot_date")
    sums = vologda_demo.activity.groupby("snapshot_date")[COUNT_COLUMNS].sum()
    assert list(sums.index) == [D(d) for d in snapshot_dates()]
    pd.testing.assert_frame_equal(region[COUNT_COLUMNS], sums, check_dtype=False,
                                  check_names=False)
    assert_seed_figures(history)
    latest = region_indicators(select_snapshot(history, "2024-09-16")).set_index("region_code")
    assert 0.17 < latest.loc["35", "k1"] < 0.3 and latest.loc["35", "k4"] > 0.6
    deltas = delta_k1(history, dt.date(2024, 9, 16), 4).set_index("region_code")["delta_k1"]
    best = deltas.nlargest(5)
    assert "35" not in best.index and best.min() - deltas["35"] > 0.01  # the seed's list holds


def test_activity_counters_keep_the_form_rules(vologda_demo: RegionDemo) -> None:
    a = vologda_demo.activity
    assert (a["directors_total"] == 1).all() and a["directors_active"].isin([0, 1]).all()
    for column, total in (("teachers_active", "teachers_total"), ("teachers_linked",
                                                                   "teachers_total"),
                          ("class_teachers_parent_chat", "class_teachers_total"),
                          ("pupils_linked", "pupils_total"), ("teachers_esia", "teachers_total")):
        assert (a[column] <= a[total]).all(), column
    k1 = a.groupby("snapshot_date")[["directors_active", "teachers_active"]].sum().sum(axis=1)
    assert k1.is_monotonic_increasing


# --- chats: the department's, the schools', two campaigns -------------------------------------


def test_the_departments_chat_with_directors(vologda_demo: RegionDemo) -> None:
    chats = registry(vologda_demo, CHATS_2024)
    directors = chats[chats["chat_type"] == "dept_directors"].set_index("platform")
    assert directors.loc["sferum", "title"] == "Директора школ ВО"
    assert directors.loc["sferum", "members"] == 395
    assert directors.loc["telegram", "closed"] == D("2024-09-10")
    members = vologda_demo.members
    listed = members[members["chat_id"] == directors.loc["sferum", "chat_id"]]
    assert len(listed) == 395
    assert listed["role"].value_counts().to_dict() == {"director": 341, "omsu": 28,
                                                       "department": 26}


def test_school_chats_created_around_the_cutover(vologda_demo: RegionDemo) -> None:
    chats = registry(vologda_demo, CHATS_2024)
    sferum = chats[(chats["platform"] == "sferum") & (chats["chat_type"] == "staff")]
    created = pd.to_datetime(sferum["created"])
    assert (created < D("2024-08-20")).mean() > 0.03
    assert 0.5 < ((created >= D("2024-08-26")) & (created <= D("2024-09-10"))).mean() < 0.85
    assert (created > D("2024-09-10")).mean() > 0.05
    assert len(sferum) < 345  # the late schools' chats are not there yet
    old = chats[chats["platform"].isin(["telegram", "whatsapp"]) & chats["school_id"].notna()]
    assert old["closed"].isna().sum() > 100  # old chats still open after the cut-over
    assert (old["closed"].dropna() <= D("2024-09-10")).all()


def test_the_2025_campaign_moves_sferum_to_max(vologda_demo: RegionDemo) -> None:
    chats = registry(vologda_demo, CHATS_2025)
    staff = chats[chats["chat_type"] == "staff"]
    sferum, max_ = staff[staff["platform"] == "sferum"], staff[staff["platform"] == "max"]
    closed = pd.to_datetime(sferum["closed"])
    assert closed.between(D("2025-10-25"), D("2025-11-01")).mean() > 0.8
    created = pd.to_datetime(max_["created"])
    assert created.between(D("2025-09-01"), D("2025-11-10")).mean() > 0.8
    assert 0.8 < len(max_) / 345 < 1.0
    assert set(vologda_demo.members["snapshot_date"]) == {D("2024-09-16"), D("2025-11-10")}


def test_staff_seen_in_the_last_week_are_the_activity_snapshots(vologda_demo: RegionDemo) -> None:
    chats = registry(vologda_demo, CHATS_2024)
    staff_chats = chats[(chats["platform"] == "sferum") & (chats["chat_type"] == "staff")]
    members = vologda_demo.members.merge(staff_chats[["chat_id", "school_id"]], on="chat_id")
    week = D(CHATS_2024) - pd.Timedelta(days=7)
    seen = members[members["last_seen"] > week].groupby(["school_id", "role"]).size().unstack(
        fill_value=0)
    latest = vologda_demo.activity[vologda_demo.activity["snapshot_date"] == D("2024-09-16")]
    latest = latest.set_index("school_id").loc[staff_chats["school_id"]]
    assert seen.reindex(latest.index, fill_value=0)["teacher"].tolist() == \
        latest["teachers_active"].tolist()
    assert seen.reindex(latest.index, fill_value=0)["director"].tolist() == \
        latest["directors_active"].tolist()


def test_parents_chats_are_the_activity_counter(vologda_demo: RegionDemo) -> None:
    chats = registry(vologda_demo, CHATS_2025)
    parents = chats[(chats["platform"] == "sferum") & (chats["chat_type"] == "parents")]
    for day in ("2024-09-02", "2024-09-16"):
        exists = parents[pd.to_datetime(parents["created"]) <= D(day)].groupby("school_id").size()
        activity = vologda_demo.activity[vologda_demo.activity["snapshot_date"] == D(day)]
        counter = activity.set_index("school_id")["class_teachers_parent_chat"]
        assert exists.reindex(counter.index, fill_value=0).tolist() == counter.tolist()


def test_last_seen_of_the_members(vologda_demo: RegionDemo) -> None:
    first = vologda_demo.members[vologda_demo.members["snapshot_date"] == D("2024-09-16")]
    assert (first["last_seen"].dropna() <= D(CHATS_2024)).all()
    assert 0.01 < first["last_seen"].isna().mean() < 0.06
    assert set(first["role"]) == {"department", "omsu", "director", "teacher", "pupil", "parent"}


# --- tasks and the ЭЖД registries ----------------------------------------------------------------


def test_tasks_with_schools_late_or_missing(vologda_demo: RegionDemo) -> None:
    _, tasks = load_tasks()
    report = vologda_demo.tasks
    schools = report[report["school_id"].notna()]
    assert len(schools) == 345 and report["school_id"].isna().sum() == 28
    for task in ("regulation_adopted", "regulation_posted", "parent_meeting", "auth_info"):
        statuses = schools[task].map(lambda d, t=task: task_status(
            None if pd.isna(d) else d.date(), tasks[t].deadline, TASKS_AT.date())).value_counts()
        assert statuses.get("done", 0) > 150, task
        assert statuses.get("overdue", 0) > 5, task
    adopted = schools["regulation_adopted"].dropna()
    assert (adopted > D("2024-09-20")).sum() > 10  # late
    assert schools.loc[schools["regulation_posted"].notna(), "regulation_url"].str.startswith(
        "https://").all()


def test_registry_gaps(vologda_demo: RegionDemo) -> None:
    pupils, parents = vologda_demo.pupils, vologda_demo.parents
    assert 140_000 < len(pupils) < 146_000  # some pupils are missing from «Ученики»
    pupil_snils = pupils["snils"].map(lambda v: normalize(v) if isinstance(v, str) else None)
    assert 0.01 < pupils["snils"].isna().mean() < 0.06
    invalid = (~validity(pupil_snils)).sum() - pupils["snils"].isna().sum()
    assert 300 < invalid < 3000
    assert 0.05 < parents["login"].isna().mean() < 0.25
    assert 0.04 < (~parents["esia_confirmed"]).mean() < 0.3
    assert 0.05 < parents["snils"].isna().mean() < 0.2
    assert parents["children"].isna().sum() > 1000  # duplicate records without children
    assert (parents["parent_name"].str.islower()).sum() > 1000  # «[redacted] татьяна юрьевна»
    age = (D("2024-09-16") - pupils["birth_date"]).dt.days / 365.25
    young = pupils[age < 14]
    assert 0.1 < (young["child_account"] == "none").mean() < 0.4


def test_deterministic_on_a_small_region() -> None:
    towns = synthetic_municipalities("83", "11", 20)
    plan = national_plans(build_federal_history(), set())[0]
    plan = type(plan)(code="83", region_name="Ненецкий автономный округ", short_name="НАО",
                      municipalities=towns, pupils=7_000, teachers=600, classes=300)
    first, second = build_region(plan), build_region(plan)
    for name in ("schools", "activity", "chats", "members", "tasks", "pupils", "parents"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


# --- the written exports -------------------------------------------------------------------------


def test_the_exports_read_back_without_errors(demo_data: Path) -> None:
    data = load_region(demo_data / "regions" / "35", "35", load_municipalities(),
                       base=demo_data)
    problems = [str(p) for p in data.problems]
    assert data.ok, problems[:5]
    assert len(problems) <= 3 and all("Вытегорский р-н" in p for p in problems)
    assert len(data.frames["schools"]) == 345
    assert data.frames["school_activity"]["snapshot_date"].nunique() == 16
    assert data.frames["chats"]["snapshot_date"].nunique() == 2


def test_the_exports_look_like_real_ones(demo_data: Path) -> None:
    folder = demo_data / "regions" / "35"
    names = {p.name for p in folder.iterdir()}
    assert {"Реестр_ОО.xlsx", "ЭЖД_Ученики.csv", "ЭЖД_Реестр_родителей.csv",
            "участники_чатов_2024-09-16_1405.csv", "задачи_ОМСУ_на_01.10.2024.xlsx"} <= names
    pupils = (folder / "ЭЖД_Ученики.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        pupils.decode("utf-8")
    text = pupils.decode("cp1251")
    assert text.startswith("Реестр «Ученики»") and "Выгружено 16.09.2024 08:30" in text
    members = (folder / "участники_чатов_2024-09-16_1405.csv").read_text(encoding="utf-8-sig")
    assert "заходила" in members and "заходил " in members and "назад" in members
    assert "вчера в" in members and "в сети" in members
    summer = (folder / "мониторинг_школ_июнь-август_2024.csv").read_bytes().decode("cp1251")
    assert "Дата среза" in summer and "\u00a0" in summer
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(folder / "Реестр_ОО.xlsx")).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[-1][1] == "Итого" and isinstance(rows[4][0], float)  # the id as a number cell
    assert any("Кичменгско – Городецкий" in str(r[3]) for r in rows)


# --- the national load mode --------------------------------------------------------------------


def test_national_plans_cover_about_forty_thousand_schools() -> None:
    history = build_federal_history()
    plans = national_plans(history, {"35"})
    assert len(plans) == 88
    schools = sum(int(p.municipalities["schools"].sum()) for p in plans)
    assert 38_000 <= schools + 345 <= 42_000
    towns = plans[0].municipalities
    assert towns["oktmo"].str.fullmatch(r"\d{8}").all() and towns["oktmo"].is_unique
    pd.testing.assert_frame_equal(towns, national_plans(history, {"35"})[0].municipalities)


def test_the_load_mode_writes_what_ingestion_accepts(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.demo.federal import write_federal_exports
    from helpers.ingestion import ingest

    history = build_federal_history()
    skip = set(history["region_code"]) - {"83", "87"}
    totals = write_national(tmp_path, history, skip, jobs=1)
    assert totals["regions"] == 2 and totals["schools"] > 10
    write_federal_exports(history, tmp_path / "federal")
    reference = pd.read_csv(tmp_path / "reference" / "municipalities.csv", dtype=str)
    assert set(reference["region_code"]) == {"83", "87"}
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    assert ingest.main(["--check"]) == 0
    assert np.isclose(totals["pupils"], history[history["region_code"].isin(["83", "87"])]
                      .groupby("region_code")["pupils_total"].last().sum())
