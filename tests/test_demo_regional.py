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
    CHATS_2025_BEFORE,
    CHATS_BEFORE,
    COUNT_COLUMNS,
    REGISTRY_BEFORE,
    TASKS_AT,
    TASKS_BEFORE,
    RegionDemo,
    build_region,
    federal_rows,
)
from helpers.indicators.campaigns import load_tasks, task_status
from helpers.indicators.kpis import delta_k1, region_indicators, select_snapshot
from helpers.ingestion.contract.snils import normalize, validity
from helpers.ingestion.regional import RegionData, load_region
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
        pd.testing.assert_frame_equal(getattr(first.earlier, name, first.schools),
                                      getattr(second.earlier, name, second.schools))


# --- the written exports -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def read_back(demo_data: Path) -> RegionData:
    """The demo's exports of region 35 read and validated through the data contract."""
    return load_region(demo_data / "regions" / "35", "35", load_municipalities(), base=demo_data)


def test_the_exports_read_back_without_errors(read_back: RegionData) -> None:
    data = read_back
    problems = [str(p) for p in data.problems]
    assert data.ok, problems[:5]
    assert len(problems) <= 3 and all("Вытегорский р-н" in p for p in problems)
    assert len(data.frames["schools"]) == 345
    assert data.frames["school_activity"]["snapshot_date"].nunique() == 16
    assert data.frames["chats"]["snapshot_date"].nunique() == 4  # a week earlier each


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


# --- the exports of a week earlier (the base of «Что изменилось») ------------------------------

EARLIER_FILES = {  # file → the date of the export it holds
    "реестр_чатов_2024-09-09.xlsx": D("2024-09-09"),
    "участники_чатов_2024-09-09_1350.csv": D("2024-09-09"),
    "задачи_ОМСУ_на_24.09.2024.xlsx": D("2024-09-24"),
    "ЭЖД_Ученики_09.09.2024.csv": D("2024-09-09"),
    "ЭЖД_Реестр_родителей_09.09.2024.csv": D("2024-09-09"),
    "реестр_чатов_2025-11-03.csv": D("2025-11-03"),
    "участники_чатов_MAX_03.11.2025.csv": D("2025-11-03"),
}
# The later exports are what every current briefing and tests/seed_figures.py show: the earlier
# ones come from random streams of their own and must leave them byte for byte (CSV) or cell for
# cell (workbooks, whose zip headers carry the write time). A deliberate change of the demo
# updates these digests.
UNCHANGED_CSV = {
    "ЭЖД_Реестр_родителей.csv": "2f220f5daeeefb5f83e10641117796fde12cbeb0b27a466c220108cdf5f338b9",
    "ЭЖД_Ученики.csv": "0128c3f4ef4bb29f9f93848d192dad6b6b1af9af0d602a2eeb349a223400492f",
    "мониторинг_школ_июнь-август_2024.csv":
        "ddd494764dbd115ae577e4c6456d7e93361b7ecfae2b6c7b4bec0f9f5ff02960",
    "реестр_чатов_2025-11-10.csv": "9c4542a56aa6bac040509e9e59137ddcc73c6a8657a0cc8c3781c9259faed969",
    "участники_чатов_2024-09-16_1405.csv":
        "b7514cfaed8b14761a20afb074f9a1318267553c30d44f314622e9782e288c49",
    "участники_чатов_MAX.csv": "be755602450cce143b6a0db0e6b5ecf11ee94952d5b6938995970dbc4d38ee30",
}
UNCHANGED_XLSX = {
    "задачи_ОМСУ_на_01.10.2024.xlsx":
        "bab1944c1c8897773baf07080e52352d185f74c282c5ca4831866a55ab7526e8",
    "реестр_чатов_2024-09-16.xlsx": "34dbed675bb5078bb12aafb89a8524510a38286ae2b68b242d99af59afa205ee",
    "Реестр_ОО.xlsx": "b64b5781ff9ac3999cbace9e6cdead121346511e196ae352ba407868094aac37",
}


def test_the_later_exports_are_unchanged(demo_data: Path) -> None:
    import hashlib

    from python_calamine import CalamineWorkbook

    folder = demo_data / "regions" / "35"
    for name, digest in UNCHANGED_CSV.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    for name, digest in UNCHANGED_XLSX.items():
        book = CalamineWorkbook.from_path(str(folder / name))
        cells = repr([(n, book.get_sheet_by_name(n).to_python()) for n in book.sheet_names])
        assert hashlib.sha256(cells.encode()).hexdigest() == digest, name


def test_the_earlier_exports_exist_and_read_back(demo_data: Path, read_back: RegionData) -> None:
    folder = demo_data / "regions" / "35"
    assert set(EARLIER_FILES) <= {p.name for p in folder.iterdir()}
    pupils = (folder / "ЭЖД_Ученики_09.09.2024.csv").read_bytes().decode("cp1251")
    assert pupils.startswith("Реестр «Ученики»") and "Выгружено 09.09.2024 08:30" in pupils
    parents = (folder / "ЭЖД_Реестр_родителей_09.09.2024.csv").read_text(encoding="utf-8-sig")
    assert "Выгружено 09.09.2024 08:30" in parents
    members = (folder / "участники_чатов_2024-09-09_1350.csv").read_text(encoding="utf-8-sig")
    assert "заходила" in members and "назад" in members and "вчера в" in members
    assert data_ok(read_back)
    exports = {"2024-09-09", "2024-09-16", "2025-11-03", "2025-11-10"}
    for form, dates in (("chats", exports), ("chat_members", exports),
                        ("tasks", {"2024-09-24", "2024-10-01"}),
                        ("pupils", {"2024-09-09", "2024-09-16"}),
                        ("parents", {"2024-09-09", "2024-09-16"})):
        assert set(read_back.frames[form]["snapshot_date"]) == {D(d) for d in dates}, form
    for name, day in EARLIER_FILES.items():
        rows = [f[f["_file"].str.endswith(name)] for f in read_back.frames.values()
                if "_file" in f]
        found = pd.concat(rows)
        assert len(found) > 20 and set(found["snapshot_date"]) == {day}, name


def data_ok(data: RegionData) -> bool:
    return data.ok and all("Вытегорский р-н" in str(p) for p in data.problems)


def test_the_earlier_task_report_is_a_week_behind(vologda_demo: RegionDemo,
                                                  read_back: RegionData) -> None:
    earlier, later = vologda_demo.earlier.tasks, vologda_demo.tasks
    assert (earlier["snapshot_date"] == D(TASKS_BEFORE.date())).all()
    assert earlier[["oktmo", "school_id"]].equals(later[["oktmo", "school_id"]])
    done_between = 0
    for task in ("regulation_adopted", "regulation_posted", "parent_meeting", "auth_info"):
        was, now = earlier[task], later[task]
        assert (was.dropna() == now[was.notna()]).all(), task  # same dates, nothing undone
        assert (was.dropna() <= D(TASKS_BEFORE.date())).all(), task
        done_between += int((was.isna() & now.notna()).sum())
    assert done_between > 100
    assert not (earlier["test_week_held"] & ~later["test_week_held"]).any()
    towns = earlier["school_id"].isna()
    assert (earlier.loc[towns, "auth_info"].isna() & later.loc[towns, "auth_info"].notna()).any()
    # the same through the exports: every task done on 24.09 is done on 01.10
    tasks = read_back.frames["tasks"]
    tasks = tasks.set_index(tasks["school_id"].fillna(tasks["oktmo"]))
    first = tasks[tasks["snapshot_date"] == D("2024-09-24")]
    second = tasks[tasks["snapshot_date"] == D("2024-10-01")]
    for task in ("parent_meeting", "auth_info"):
        done = first[task].notna()
        assert second.loc[done[done].index, task].notna().all(), task
        assert second[task].notna().sum() > first[task].notna().sum(), task


def test_the_earlier_chats_are_a_subset_with_the_later_closures(vologda_demo: RegionDemo,
                                                                read_back: RegionData) -> None:
    earlier = vologda_demo.earlier.chats.set_index("chat_id")
    later = registry(vologda_demo, CHATS_2024).set_index("chat_id")
    assert earlier.index.is_unique and set(earlier.index) <= set(later.index)
    assert (earlier["created"] <= D(CHATS_BEFORE.date())).all()
    both = later.loc[earlier.index]
    assert (earlier["created"] == both["created"]).all()
    closed_then = earlier["closed"].notna()
    assert (earlier.loc[closed_then, "closed"] == both.loc[closed_then, "closed"]).all()
    closed_before = both["closed"].notna() & (both["closed"] <= D(CHATS_BEFORE.date()))
    assert (closed_then == closed_before).all()
    old = earlier["platform"].isin(["telegram", "whatsapp"]) & earlier["school_id"].notna()
    closed_since = old & ~closed_then & both["closed"].notna()
    assert closed_since.sum() > 50  # old chats closed between the exports
    assert (~closed_then & old).sum() > (later["closed"].isna() & later["platform"].isin(
        ["telegram", "whatsapp"]) & later["school_id"].notna()).sum()
    sferum = earlier["platform"] == "sferum"
    assert 1000 < (later["platform"] == "sferum").sum() - sferum.sum()
    departments = earlier[earlier["chat_type"] == "dept_directors"].set_index("platform")
    assert departments.loc["sferum", "members"] < 395
    assert pd.isna(departments.loc["telegram", "closed"])  # closed on the cut-over, 10.09
    # the registry's member counts of the Сферум chats are the member list's
    members = vologda_demo.earlier.members
    counted = members.groupby("chat_id").size()
    assert (earlier.loc[sferum, "members"] == counted.reindex(earlier.index[sferum],
                                                              fill_value=0)).all()
    # read back: the 09.09 chats are among the 16.09 ones by id
    chats = read_back.frames["chats"]
    first = set(chats.loc[chats["snapshot_date"] == D("2024-09-09"), "chat_id"])
    second = set(chats.loc[chats["snapshot_date"] == D("2024-09-16"), "chat_id"])
    assert first < second


def test_the_earlier_members_joined_later_ones_and_were_seen_earlier(
        vologda_demo: RegionDemo) -> None:
    earlier = vologda_demo.earlier.members
    later = vologda_demo.members[vologda_demo.members["snapshot_date"] == D(CHATS_2024.date())]
    pairs = earlier[["chat_id", "member_id"]].merge(later[["chat_id", "member_id"]], how="left",
                                                    indicator=True)
    assert (pairs["_merge"] == "both").all() and len(earlier) < 0.8 * len(later)
    assert (earlier["last_seen"].dropna() <= D(CHATS_BEFORE)).all()
    then = earlier.drop_duplicates("member_id").set_index("member_id")["last_seen"]
    now = later.drop_duplicates("member_id").set_index("member_id")["last_seen"].loc[then.index]
    settled = now.notna() & (now <= D(CHATS_BEFORE))
    assert (then[settled] == now[settled]).all()  # seen before the export: the same time
    seen_since = now.notna()
    assert ((then[seen_since] <= now[seen_since]) | then[seen_since].isna()).all()
    assert (then[now.isna()].isna()).all()  # «давно» then as now
    assert set(earlier["role"]) == {"department", "omsu", "director", "teacher", "pupil",
                                    "parent"}


def test_the_max_export_of_a_week_earlier(vologda_demo: RegionDemo) -> None:
    earlier = vologda_demo.earlier.chats_max.set_index("chat_id")
    later = registry(vologda_demo, CHATS_2025).set_index("chat_id")
    assert set(earlier.index) <= set(later.index)
    both = later.loc[earlier.index]
    assert (earlier["created"] == both["created"]).all()
    closed_then = earlier["closed"].notna()
    assert (earlier.loc[closed_then, "closed"] == both.loc[closed_then, "closed"]).all()
    max_then, max_now = (earlier["platform"] == "max").sum(), (later["platform"] == "max").sum()
    assert 500 < max_now - max_then < max_now
    sferum = earlier["platform"] == "sferum"
    assert (sferum & ~closed_then & both["closed"].notna()).sum() > 100  # closed since
    members = vologda_demo.earlier.members_max
    after = vologda_demo.members[vologda_demo.members["snapshot_date"] == D(CHATS_2025.date())]
    pairs = members[["chat_id", "member_id"]].merge(after[["chat_id", "member_id"]], how="left",
                                                    indicator=True)
    assert (pairs["_merge"] == "both").all() and len(members) < len(after)
    assert (members["last_seen"].dropna() <= D(CHATS_2025_BEFORE)).all()
    directors = earlier[(earlier["chat_type"] == "dept_directors")
                        & (earlier["platform"] == "max")]["members"].iat[0]
    assert directors < later[(later["chat_type"] == "dept_directors")
                             & (later["platform"] == "max")]["members"].iat[0]


def test_staff_seen_in_the_week_before_the_earlier_export(vologda_demo: RegionDemo) -> None:
    chats = vologda_demo.earlier.chats
    staff = chats[(chats["platform"] == "sferum") & (chats["chat_type"] == "staff")]
    assert 100 < len(staff) < len(registry(vologda_demo, CHATS_2024).query(
        "platform == 'sferum' and chat_type == 'staff'"))
    members = vologda_demo.earlier.members.merge(staff[["chat_id", "school_id"]], on="chat_id")
    week = D(CHATS_BEFORE) - pd.Timedelta(days=7)
    seen = members[members["last_seen"] > week].groupby(["school_id", "role"]).size().unstack(
        fill_value=0)
    activity = vologda_demo.activity
    snapshot = activity[activity["snapshot_date"] == D("2024-09-09")]
    snapshot = snapshot.set_index(snapshot["school_id"].astype(str)).loc[
        staff["school_id"].astype(str)]
    seen = seen.set_axis(seen.index.astype(str)).reindex(snapshot.index, fill_value=0)
    assert seen["teacher"].tolist() == snapshot["teachers_active"].tolist()
    assert seen["director"].tolist() == snapshot["directors_active"].tolist()


ACCOUNT_STEP = {"none": 0, "created": 1, "linked": 2}


def test_the_earlier_diary_registries_move_forward(vologda_demo: RegionDemo) -> None:
    pupils_then, pupils_now = vologda_demo.earlier.pupils, vologda_demo.pupils
    assert (pupils_then["snapshot_date"] == D(REGISTRY_BEFORE.date())).all()
    assert pupils_then["pupil_id"].tolist() == pupils_now["pupil_id"].tolist()
    step_then = pupils_then["child_account"].map(ACCOUNT_STEP)
    step_now = pupils_now["child_account"].map(ACCOUNT_STEP)
    assert (step_then <= step_now).all() and (step_then < step_now).sum() > 5000
    parents_then, parents_now = vologda_demo.earlier.parents, vologda_demo.parents
    assert parents_then["parent_id"].tolist() == parents_now["parent_id"].tolist()
    assert not (parents_then["esia_confirmed"] & ~parents_now["esia_confirmed"]).any()
    assert parents_now["esia_confirmed"].sum() - parents_then["esia_confirmed"].sum() > 5000
    assert not (parents_then["login"].notna() & parents_now["login"].isna()).any()
    assert (parents_then["login"].isna() & parents_now["login"].notna()).sum() > 500
    unchanged = ["parent_name", "snils", "children", "children_schools"]
    pd.testing.assert_frame_equal(parents_then[unchanged], parents_now[unchanged])


def _can_log_in(data: RegionData, day: str) -> pd.Series:
    """Per school, the share of its pupils who can log in to the diary through Госуслуги,
    computed here from the registries alone: the pupil is in «Ученики» with a valid SNILS and
    a ready account of their own (created under 14, linked from 14), and a parent of the child
    with this school has a valid SNILS, a login and a confirmed Госуслуги account."""
    pupils = data.frames["pupils"]
    pupils = pupils[pupils["snapshot_date"] == D(day)]
    parents = data.frames["parents"]
    parents = parents[parents["snapshot_date"] == D(day)]
    age = (D(day) - pd.to_datetime(pupils["birth_date"])).dt.days / 365.25
    ready = np.where(age < 14, pupils["child_account"].isin(["created", "linked"]),
                     pupils["child_account"] == "linked") & validity(pupils["snils"]).to_numpy()
    good = parents[validity(parents["snils"]).to_numpy() & parents["login"].notna()
                   & parents["esia_confirmed"].fillna(False).astype(bool)]
    links = pd.DataFrame({"pupil_id": good["children"].astype(str).str.split(","),
                          "school_id": good["children_schools"].astype(str).str.split(",")})
    links = links.explode(["pupil_id", "school_id"]) if len(links) else links
    links = links.assign(pupil_id=links["pupil_id"].str.strip(),
                         school_id=links["school_id"].str.strip())
    covered = pupils.assign(pupil_id=pupils["pupil_id"].astype(str),
                            school_id=pupils["school_id"].astype(str)).merge(
        links.drop_duplicates(), on=["pupil_id", "school_id"], how="left", indicator=True)
    can = pd.Series(ready, index=pupils.index).to_numpy() & (covered["_merge"] == "both").to_numpy()
    schools = data.frames["schools"].set_index(data.frames["schools"]["school_id"].astype(str))
    return pd.Series(can).groupby(covered["school_id"].to_numpy()).sum() / schools["pupils"]


def test_the_diary_funnel_moves_and_a_school_crosses_80_percent(read_back: RegionData) -> None:
    before, after = _can_log_in(read_back, "2024-09-09"), _can_log_in(read_back, "2024-09-16")
    assert (before <= after + 1e-9).all()
    assert after.mean() - before.mean() > 0.03
    crossed = (before < 0.8) & (after >= 0.8)
    assert crossed.sum() >= 1
    parents = read_back.frames["parents"]
    confirmed = parents.groupby("snapshot_date")["esia_confirmed"].sum()
    assert confirmed[D("2024-09-09")] < confirmed[D("2024-09-16")]


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


def test_another_variant_of_vologda_keeps_its_municipalities_and_the_slides(vologda_demo: RegionDemo) -> None:
    from helpers.demo.regional import vologda_plan

    other = build_region(vologda_plan(variant=1))
    assert list(other.schools["oktmo"].value_counts().sort_index()) == \
        list(vologda_demo.schools["oktmo"].value_counts().sort_index())  # the real municipalities
    assert (other.schools["pupils"].to_numpy() != vologda_demo.schools["pupils"].to_numpy()).mean() > 0.5
    assert_seed_figures(build_federal_history(fixed=federal_rows(other), variant=1))
