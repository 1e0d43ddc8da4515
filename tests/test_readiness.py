"""The migration-readiness briefing: each figure on tiny hand-made frames, then the notebook.

The tiny region: two municipalities, three schools, a chats export for each campaign of
``params/campaigns.yml`` (16.09.2024: Telegram/WhatsApp → Сферум; 10.11.2025: Сферум → MAX).
Expected values are worked out by hand in the comments. ``build`` gets the frames as
``slices.read(READS, …)`` returns them (every export); ``present`` words the results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from functools import partial
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.briefings import inputs, skeleton
from helpers.briefings.migration_readiness import KIND, READS, parts
from helpers.briefings.migration_readiness import build as rd
from helpers.config import NOTEBOOKS_DIR
from helpers.indicators.campaigns import Campaign, DepartmentChat, load_campaigns
from helpers.presentation.blocks import Note
from helpers.presentation.charts import Chart
from helpers.warehouse import store

D24, D25 = dt.date(2024, 9, 16), dt.date(2025, 11, 10)
T24 = pd.Timestamp("2024-09-16 14:05")  # the latest «last seen» of the 2024 export
T25 = pd.Timestamp("2025-11-10 09:30")
A, B = "19605000", "19701000"
INPUTS = inputs.load(KIND.inputs)  # the targets and the regions' reference of the project


def _build(frames: dict[str, pd.DataFrame], campaign: Campaign | None = None,
           campaigns: dict[str, Campaign] | None = None, **parameters: object) -> rd.Readiness:
    """``rd.build`` of region 35 with the project's targets and regions' reference, for
    ``campaign`` (:data:`CAMPAIGN` by default) among ``campaigns`` (itself alone by default)."""
    chosen = campaign or CAMPAIGN
    return rd.build(frames, region_code="35", campaign=chosen.id,
                    campaigns=campaigns or {chosen.id: chosen},
                    **{"targets": INPUTS["targets"], "regions": INPUTS["regions"], **parameters})


def _campaign(**changes: object) -> Campaign:
    base = dict(
        id="c", title="Перевод", from_platforms=("telegram", "whatsapp"), to_platform="sferum",
        start=dt.date(2024, 8, 1), cutover=dt.date(2024, 9, 10), target_only_from=dt.date(2024, 9, 11),
        active_days=7,
        department_chats=(DepartmentChat("dept_directors", "Директора школ ВО", ("director",)),
                          DepartmentChat("dept_omsu", "Департамент – ОМСУ", ("omsu",))),
        school_chats=("school", "staff"), class_chats=("class", "parents"),
    )
    base.update(changes)
    return Campaign(**base)  # type: ignore[arg-type]


CAMPAIGN = _campaign()


# --- the tiny region -------------------------------------------------------------------------

SCHOOLS = pd.DataFrame({
    "region_code": "35", "school_id": ["s1", "s2", "s3"],
    "school_name": ["МБОУ «СОШ № 1»", "МБОУ «СОШ № 2»", "МБОУ «СОШ № 3»"],
    "oktmo": [A, A, B],
    "municipality": ["Бабаевский муниципальный округ"] * 2 + ["город Вологда"],
    "kind": "средняя общеобразовательная школа", "classes": [2, 1, 1], "pupils": [40, 20, 20],
})
MUNICIPALITIES = pd.DataFrame({
    "region_code": "35", "oktmo": [A, B],
    "name": ["Бабаевский муниципальный округ", "город Вологда"],
    "name_alt": ["", ""], "kind": ["муниципальный округ", "городской округ"],
})


def _chat(day: dt.date, chat_id: str, chat_type: str, school: str | None, class_name: str | None,
          platform: str, closed: dt.date | None = None, created: dt.date = dt.date(2024, 8, 20)) -> dict:
    return {"region_code": "35", "chat_id": chat_id, "title": f"чат {chat_id}", "chat_type": chat_type,
            "school_id": school, "class_name": class_name, "platform": platform, "created": created,
            "closed": closed, "members": 3, "snapshot_date": day}


CUT24, ON_TIME, LATE = dt.date(2024, 9, 10), dt.date(2024, 9, 10), dt.date(2024, 9, 12)
CHATS_24 = [
    # s1 (2 classes): everything on Сферум but the parents of 2А; class 2А inactive;
    # the WhatsApp parents' chat of 2А still open; the Telegram staff chat closed on time.
    _chat(D24, "a1", "school", "s1", None, "sferum"),
    _chat(D24, "a2", "staff", "s1", None, "sferum"),
    _chat(D24, "a3", "class", "s1", "1А", "sferum"),
    _chat(D24, "a4", "class", "s1", "2А", "sferum"),
    _chat(D24, "a5", "parents", "s1", "1А", "sferum"),
    _chat(D24, "a6", "parents", "s1", "2А", "whatsapp", created=dt.date(2020, 9, 1)),
    _chat(D24, "a7", "staff", "s1", None, "telegram", closed=ON_TIME, created=dt.date(2020, 9, 1)),
    # s2 (1 class): all four chats on Сферум and active → ready
    _chat(D24, "b1", "school", "s2", None, "sferum"),
    _chat(D24, "b2", "staff", "s2", None, "sferum"),
    _chat(D24, "b3", "class", "s2", "1Б", "sferum"),
    _chat(D24, "b4", "parents", "s2", "1Б", "sferum"),
    # s3 (1 class): only the school chat; its Telegram parents' chat closed after the cut-over
    _chat(D24, "c1", "school", "s3", None, "sferum"),
    _chat(D24, "c2", "parents", "s3", "1В", "telegram", closed=LATE, created=dt.date(2020, 9, 1)),
    # the department
    _chat(D24, "d1", "dept_directors", None, None, "sferum"),
    _chat(D24, "d2", "dept_omsu", None, None, "sferum"),
    _chat(D24, "d3", "dept_directors", None, None, "telegram", closed=ON_TIME, created=dt.date(2020, 1, 1)),
]


def _member(day: dt.date, chat_id: str, member_id: str, role: str, seen: pd.Timestamp | None) -> dict:
    return {"region_code": "35", "chat_id": chat_id, "member_id": member_id, "role": role,
            "last_seen": seen, "snapshot_date": day}


def _members_24() -> list[dict]:
    fresh, old = T24 - pd.Timedelta(days=1), T24 - pd.Timedelta(days=20)
    rows = [
        _member(D24, "a1", "dir1", "director", T24),  # the export moment
        _member(D24, "a1", "pup1", "pupil", fresh),
        _member(D24, "a2", "tea1", "teacher", fresh),
        _member(D24, "a3", "tea1", "teacher", old),
        _member(D24, "a3", "pup1", "pupil", fresh),
        _member(D24, "a4", "tea2", "teacher", old),  # class 2А: nobody active
        _member(D24, "a4", "pup2", "pupil", None),
        _member(D24, "a5", "par1", "parent", fresh),
        _member(D24, "b1", "dir2", "director", fresh),
        _member(D24, "b2", "tea3", "teacher", T24 - pd.Timedelta(days=6, hours=23)),  # active
        _member(D24, "b3", "tea3", "teacher", fresh),
        _member(D24, "b4", "par2", "parent", fresh),
        _member(D24, "c1", "dir3", "director", T24 - pd.Timedelta(days=7)),  # exactly 7 days: not
        _member(D24, "c1", "pup3", "pupil", fresh),
        # the directors' chat: 3 directors (2 active), one of the department
        _member(D24, "d1", "dir1", "director", fresh),
        _member(D24, "d1", "dir2", "director", T24 - pd.Timedelta(hours=5)),
        _member(D24, "d1", "dir3", "director", T24 - pd.Timedelta(days=10)),
        _member(D24, "d1", "dep1", "department", None),
        # ОМСУ: one of two municipalities
        _member(D24, "d2", "om1", "omsu", fresh),
        _member(D24, "d2", "dep1", "department", fresh),
    ]
    return rows


CUT25 = dt.date(2025, 11, 1)
CHATS_25 = [
    # s1: all six chats on MAX, active; its Сферум chats closed before the cut-over;
    # the WhatsApp parents' chat of 2А is still open (not a platform of the 2025 campaign)
    *[_chat(D25, f"m{i}", t, "s1", c, "max", created=dt.date(2025, 9, 1))
      for i, (t, c) in enumerate([("school", None), ("staff", None), ("class", "1А"), ("class", "2А"),
                                  ("parents", "1А"), ("parents", "2А")])],
    _chat(D25, "a1", "school", "s1", None, "sferum", closed=dt.date(2025, 10, 30)),
    _chat(D25, "a6", "parents", "s1", "2А", "whatsapp", created=dt.date(2020, 9, 1)),
    # s2: the school chat on MAX; the Сферум school chat still open
    _chat(D25, "n1", "school", "s2", None, "max", created=dt.date(2025, 9, 1)),
    _chat(D25, "b1", "school", "s2", None, "sferum"),
    # s3: nothing on MAX; its Сферум school chat closed late
    _chat(D25, "c1", "school", "s3", None, "sferum", closed=dt.date(2025, 11, 5)),
    # the department: only the directors' chat on MAX; both Сферум chats closed on the cut-over day
    _chat(D25, "e1", "dept_directors", None, None, "max", created=dt.date(2025, 9, 10)),
    _chat(D25, "d1", "dept_directors", None, None, "sferum", closed=CUT25),
    _chat(D25, "d2", "dept_omsu", None, None, "sferum", closed=CUT25),
]


def _members_25() -> list[dict]:
    fresh = T25 - pd.Timedelta(days=2)
    rows = [_member(D25, f"m{i}", "tea1", "teacher", fresh) for i in range(6)]
    rows += [_member(D25, "m0", "dir1", "director", T25), _member(D25, "n1", "dir2", "director", fresh),
             _member(D25, "e1", "dir1", "director", fresh), _member(D25, "e1", "dir2", "director", None)]
    return rows


ACTIVITY = pd.DataFrame({
    "region_code": "35", "school_id": ["s1", "s2", "s3", "s1", "s2", "s3"],
    "snapshot_date": [dt.date(2024, 9, 9)] * 3 + [dt.date(2024, 9, 16)] * 3,
    "directors_total": 1, "directors_active": 1, "teachers_total": [5, 2, 3, 5, 3, 2],
    "teachers_active": 1, "class_teachers_total": 1, "class_teachers_parent_chat": 1,
    "pupils_total": [40, 20, 20, 40, 20, 20], "teachers_linked": 1, "pupils_linked": 1, "teachers_esia": 1,
})
PARENTS = pd.DataFrame({
    "region_code": "35", "parent_id": ["p1", "p2", "p3", "p4"], "snils_present": True,
    "snils_valid": True, "login_present": True, "children_count": 1, "esia_confirmed": True,
    "snapshot_date": D24,
})


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if "last_seen" in frame:
        frame["last_seen"] = pd.to_datetime(frame["last_seen"])
        if "exported_at" not in frame:  # exports that state no moment of their own
            frame["exported_at"] = pd.NaT
    return frame


def _frames(chat_rows: list[dict], member_rows: list[dict], **changes: pd.DataFrame
            ) -> dict[str, pd.DataFrame]:
    """The frames of ``READS`` as ``slices.read`` gives them: every export, the declared columns."""
    frames = {"schools": SCHOOLS, "municipalities": MUNICIPALITIES, "chats": _frame(chat_rows),
              "chat_members": _frame(member_rows), "school_activity": ACTIVITY, "parents": PARENTS}
    frames.update(changes)
    return {read.table: frames[read.table][list(read.columns)] if read.columns else frames[read.table]
            for read in READS}


BOTH = ([*CHATS_24, *CHATS_25], [*_members_24(), *_members_25()])

# The comparison base of the 2024 export: 09.09.2024, seven days earlier. Worked out by hand:
# s1: a1–a5 on Сферум, all active, but a6 (WhatsApp) and a7 (Telegram, closed 10.09) open: (5 − 2) / 6
# s2: no parents' chat yet (b4 came later): 3 / 4, not ready → ready on 16.09
# s3: c1 active, c2 (Telegram, closed 12.09) open: max(0, 1 − 1) / 4 = 0
# region 6 / 14 → 8 / 14 (+14,3 п.п.), ready 0 → 1; old chats open 4 (a6, a7, c2, d3) → 1 (a6);
# the directors' chat: dir1 only → dir1, dir2, dir3 (2 joined); ОМСУ: om1 → om1.
D_BASE = dt.date(2024, 9, 9)
T_BASE = pd.Timestamp("2024-09-09 12:00")


def _base_chats() -> list[dict]:
    rows = []
    for chat in CHATS_24:
        if chat["chat_id"] == "b4":
            continue
        closed = chat["closed"] if chat["closed"] and chat["closed"] <= D_BASE else None
        rows.append({**chat, "closed": closed, "snapshot_date": D_BASE})
    return rows


def _base_members() -> list[dict]:
    fresh = T_BASE - pd.Timedelta(days=1)
    rows = [_member(D_BASE, chat, f"x{chat}", role, fresh) for chat, role in
            (("a1", "director"), ("a2", "teacher"), ("a3", "teacher"), ("a4", "pupil"), ("a5", "parent"),
             ("b1", "director"), ("b2", "teacher"), ("b3", "teacher"), ("c1", "pupil"))]
    rows[0]["last_seen"] = T_BASE
    return [*rows, _member(D_BASE, "d1", "dir1", "director", fresh),
            _member(D_BASE, "d1", "dep1", "department", None), _member(D_BASE, "d2", "om1", "omsu", fresh)]


WITH_BASE = ([*_base_chats(), *CHATS_24, *CHATS_25], [*_base_members(), *_members_24(), *_members_25()])


@pytest.fixture(scope="module")
def built() -> rd.Readiness:
    """The 2024 export (the latest on or before ``period``) of both in the frames."""
    return _build(_frames(*BOTH), period="2024-09-30")


# --- the export and activity -----------------------------------------------------------------

def test_choose_export_by_period_and_by_campaign() -> None:
    campaigns = load_campaigns()
    first, second = campaigns["telegram_to_sferum_2024"], campaigns["sferum_to_max_2025"]
    dates = [D24, D25]
    assert rd.choose_export(dates, first, campaigns) == D24  # the next campaign starts 25.08.2025
    assert rd.choose_export(dates, second, campaigns) == D25
    assert rd.choose_export(dates, first, campaigns, "2025-12-31") == D25
    assert rd.choose_export(dates, first, campaigns, "2024-10-01") == D24
    with pytest.raises(ValueError, match="раньше начала кампании"):
        rd.choose_export(dates, second, campaigns, "2024-10-01")
    with pytest.raises(ValueError, match="Нет выгрузки чатов на"):
        rd.choose_export(dates, first, campaigns, "2024-01-01")
    with pytest.raises(ValueError, match="за время кампании"):
        rd.choose_export([D24], second, campaigns)


def test_build_chooses_the_export_of_the_campaign(built: rd.Readiness) -> None:
    campaigns = load_campaigns()
    assert built.snapshot_date == D24 and built.moment == T24
    assert built.parents_date == D24 and built.activity_date == D24
    later = _build(_frames(*BOTH), campaigns["sferum_to_max_2025"], campaigns)
    assert later.snapshot_date == D25 and later.moment == T25
    first = _build(_frames(*BOTH), campaigns["telegram_to_sferum_2024"], campaigns)
    assert first.snapshot_date == D24 and first.later_campaign == ""
    with pytest.raises(ValueError, match="нет выгрузок чатов"):
        _build(_frames(CHATS_24, _members_24(), chats=_frame(CHATS_24).iloc[0:0]))


def test_the_data_hash_covers_only_the_chosen_export(built: rd.Readiness) -> None:
    alone = _build(_frames(CHATS_24, _members_24()))
    assert alone.snapshot_date == D24 and alone.data_hash == built.data_hash
    assert alone.schools.equals(built.schools) and alone.roles.equals(built.roles)


def test_parents_are_counted_per_export() -> None:
    parents = pd.DataFrame({"snapshot_date": pd.to_datetime([D25, D24, D24])})
    counts = rd.parents_per_date(parents)
    assert counts["parents"].tolist() == [2, 1]
    assert [d.date() for d in counts["snapshot_date"]] == [D24, D25]


def test_export_moment_is_the_latest_visit_of_the_day_else_its_end() -> None:
    members = _frame(_members_24())
    assert rd.export_moment(members, D24) == T24
    nobody_today = members.assign(last_seen=T24 - pd.Timedelta(days=2))
    assert rd.export_moment(nobody_today, D24) == pd.Timestamp("2024-09-16 23:59")


def test_export_moment_is_the_one_the_member_exports_state() -> None:
    members = _frame(_members_24())
    stated = pd.Timestamp("2024-09-16 18:30")
    members["exported_at"] = stated  # later than anyone's visit: activity counts from it
    assert rd.export_moment(members, D24) == stated
    members["exported_at"] = pd.NaT
    assert rd.export_moment(members, D24) == T24


def test_active_means_seen_less_than_the_window_ago() -> None:
    seen = pd.Series(pd.to_datetime(["2024-09-16 14:00", "2024-09-09 14:06", "2024-09-09 14:05", None]))
    ages = rd.seen_age_days(seen, T24)
    assert ages.iloc[0] == pytest.approx(5 / 1440)
    assert math.isnan(ages.iloc[3])
    assert rd.is_active(ages, 7).tolist() == [True, True, False, False]


def test_chat_activity_counts_listed_and_active_members() -> None:
    activity = rd.chat_activity(_frame(_members_24()), T24, 7).set_index("chat_id")
    assert activity.loc["a3"].tolist() == [2, 1]  # teacher 20 days ago, pupil yesterday
    assert activity.loc["a4"].tolist() == [2, 0]
    assert activity.loc["c1"].tolist() == [2, 1]  # the director exactly 7 days ago is not active
    assert activity.loc["d1"].tolist() == [4, 2]


def test_nearest_date_prefers_the_earlier_on_a_tie() -> None:
    days = [dt.date(2024, 9, 9), dt.date(2024, 9, 16), dt.date(2024, 9, 23)]
    assert rd.nearest_date(days, D25) == dt.date(2024, 9, 23)
    assert rd.nearest_date([dt.date(2024, 9, 12), dt.date(2024, 9, 20)], D24) == dt.date(2024, 9, 12)
    assert rd.nearest_date([], D24) is None


def test_expected_by_role() -> None:
    expected = rd.expected_by_role(ACTIVITY[ACTIVITY["snapshot_date"] == D24], 4, 2)
    assert expected == {"director": 3, "teacher": 10, "pupil": 80, "parent": 4, "omsu": 2}
    assert math.isnan(rd.expected_by_role(ACTIVITY.iloc[0:0], None, 0)["parent"])


# --- old platforms ---------------------------------------------------------------------------

def test_old_chats_are_closed_on_time_late_or_open() -> None:
    old = rd.old_chats(_frame(CHATS_24), CAMPAIGN).set_index("chat_id")["state"]
    assert old.to_dict() == {"a6": "open", "a7": "closed_on_time", "c2": "closed_late",
                             "d3": "closed_on_time"}
    table = rd.old_chats_by_platform(_frame(CHATS_24), CAMPAIGN).set_index("platform")
    assert table.loc["telegram", ["chats", "closed_on_time", "closed_late", "open"]].tolist() == [3, 2, 1, 0]
    assert table.loc["whatsapp", ["chats", "open"]].tolist() == [1, 1]


def test_open_chats_on_platforms_outside_the_campaign_are_listed_apart() -> None:
    campaign = _campaign(from_platforms=("sferum",), to_platform="max", cutover=CUT25)
    table = rd.old_chats_by_platform(_frame(CHATS_25), campaign).set_index("platform")
    assert table.loc["sferum", ["chats", "closed_on_time", "closed_late", "open"]].tolist() == [5, 3, 1, 1]
    assert table.loc["sferum", "in_campaign"]
    assert not table.loc["whatsapp", "in_campaign"] and table.loc["whatsapp", "open"] == 1


def test_old_chats_status_after_and_before_the_cutover() -> None:
    assert rd.old_chats_status(0, 10, D24, CUT24) == "met"
    assert rd.old_chats_status(1, 10, D24, CUT24) == "behind"  # the deadline has passed
    assert rd.old_chats_status(1, 10, dt.date(2024, 9, 1), CUT24) == "near"  # 90 % closed
    assert rd.old_chats_status(5, 10, dt.date(2024, 9, 1), CUT24) == "behind"


# --- the department --------------------------------------------------------------------------

def test_department_chats_joined_vs_expected(built: rd.Readiness) -> None:
    dept = built.department.set_index("chat_type")
    directors = dept.loc["dept_directors"]
    # 3 directors of 3 expected; 2 active (5 h and 1 day ago; the third 10 days ago)
    assert (directors["joined"], directors["expected"], directors["active"]) == (3, 3, 2)
    assert directors["coverage"] == 1 and directors["status"] == "met"
    assert directors["active_share"] == pytest.approx(2 / 3)
    assert directors["listed"] == 4 and directors["old_open"] == 0
    assert directors["old_closed"] == CUT24
    omsu = dept.loc["dept_omsu"]  # one ОМСУ of two municipalities
    assert omsu["coverage"] == 0.5 and omsu["status"] == "behind" and omsu["old_chats"] == 0


def test_department_coverage_is_capped_and_a_missing_chat_is_zero() -> None:
    expected = {"director": 2.0, "omsu": 2.0}
    dept = rd.department_chats(_frame(CHATS_25), _frame(_members_25()),
                               _campaign(from_platforms=("sferum",), to_platform="max", cutover=CUT25),
                               expected, T25).set_index("chat_type")
    assert dept.loc["dept_directors", "coverage"] == 1.0  # 2 of 2
    assert dept.loc["dept_directors", "active"] == 1  # dir2 never seen
    assert not dept.loc["dept_omsu", "present"] and dept.loc["dept_omsu", "coverage"] == 0
    assert dept.loc["dept_omsu", "status"] == "behind"


def test_age_bins_and_histogram(built: rd.Readiness) -> None:
    labels = [parts.age_bin_label(first, end) for first, end, _ in rd.age_bins(7)]
    assert labels == ["0", "1", "2", "3", "4", "5", "6", "7–13", "14–29", "30–89", "90 и более"]
    assert [parts.age_bin_label(first, end) for first, end, _ in rd.age_bins(30)][-3:] \
        == ["30–59", "60–89", "90 и более"]
    bins = parts.seen_ages_bins(built)
    hist = bins[bins["chat"] == "Директора школ ВО"].set_index("bin")
    # 1 day, 5 hours, 10 days ago, never
    assert hist["members"].to_dict() == {"0": 1, "1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0,
                                         "7–13": 1, "14–29": 0, "30–89": 0, "90 и более": 0,
                                         parts.NEVER_SEEN: 1}
    assert hist["share"].sum() == pytest.approx(1)
    assert hist.loc["6", "active"] and not hist.loc["7–13", "active"]


# --- schools, municipalities, region ---------------------------------------------------------

def test_school_readiness_index(built: rd.Readiness) -> None:
    schools = built.schools.set_index("school_id")
    s1 = schools.loc["s1"]
    # required 2 + 2×2 = 6; present 5 (no parents' chat of 2А); active 4 (class 2А inactive);
    # the WhatsApp chat open: (4 − 1) / 6
    assert s1[["required", "present", "active", "old_open", "old_late"]].tolist() == [6, 5, 4, 1, 0]
    assert s1[["present_parents", "active_class", "required_class"]].tolist() == [1, 1, 2]
    assert s1["index"] == pytest.approx(0.5) and s1["status"] == "behind"
    assert schools.loc["s2", "index"] == 1 and schools.loc["s2", "ready"]
    s3 = schools.loc["s3"]  # 1 of 4 (the director 7 days ago, the pupil yesterday: active)
    assert s3[["required", "active", "old_open", "old_late"]].tolist() == [4, 1, 0, 1]
    assert s3["index"] == pytest.approx(0.25)


def test_class_chats_are_capped_at_the_number_of_classes() -> None:
    chats = [*CHATS_24, _chat(D24, "x1", "class", "s2", "9Я", "sferum")]
    members = [*_members_24(), _member(D24, "x1", "t9", "teacher", T24)]
    schools = rd.school_readiness(SCHOOLS, _frame(chats), rd.chat_activity(_frame(members), T24, 7),
                                  CAMPAIGN).set_index("school_id")
    assert schools.loc["s2", "present_class"] == 1 and schools.loc["s2", "index"] == 1


def test_municipalities_and_region_are_ratios_of_sums(built: rd.Readiness) -> None:
    towns = built.municipalities.set_index("oktmo")
    # A: (3 + 4) / (6 + 4); B: 1 / 4
    assert towns.loc[A, "index"] == pytest.approx(0.7) and towns.loc[B, "index"] == pytest.approx(0.25)
    assert towns.loc[A, "rank"] == 1 and towns.loc[B, "rank"] == 2
    assert towns.loc[A, ["schools", "ready_schools", "old_open"]].tolist() == [2, 1, 1]
    assert built.region["index"] == pytest.approx(8 / 14)
    assert built.region["ready_schools"] == 1 and built.region["status"] == "behind"


def test_chat_type_summary(built: rd.Readiness) -> None:
    types = built.chat_types.set_index("chat_type")
    assert types.loc["school", ["required", "present", "active"]].tolist() == [3, 3, 3]
    assert types.loc["parents", ["required", "present", "active"]].tolist() == [4, 2, 2]
    assert types.loc["all", ["required", "present", "active"]].tolist() == [14, 10, 9]
    assert types.loc["school", "status"] == "met" and types.loc["parents", "status"] == "behind"


def test_role_coverage_and_staff_activity(built: rd.Readiness) -> None:
    roles = built.roles.set_index("role")
    # directors dir1..3 (dir3 last seen 7 days ago in both chats: not active)
    assert roles.loc["director", ["expected", "joined", "active"]].tolist() == [3, 3, 2]
    # teachers tea1 (active in a2), tea2 (20 days), tea3 (active): of 10 expected (16.09.2024)
    assert roles.loc["teacher", ["expected", "joined", "active"]].tolist() == [10, 3, 2]
    assert roles.loc["pupil", ["joined", "active"]].tolist() == [3, 2]  # pup2 never seen
    assert roles.loc["parent", ["expected", "joined", "coverage"]].tolist() == [4, 2, 0.5]
    assert built.staff_k1 == pytest.approx(4 / 13)


def test_not_ready_table_counts_what_is_missing(built: rd.Readiness) -> None:
    table = parts.not_ready_table(built)
    assert table["Школа"].tolist() == ["МБОУ «СОШ № 3»", "МБОУ «СОШ № 1»"]  # least ready first
    s3, s1 = table.iloc[0], table.iloc[1]
    assert s3[["Нет общешк. чата", "Нет чата сотр.", "Нет чатов классов", "Нет чатов родит."]].tolist() \
        == [0, 1, 1, 1]
    assert s1[["Нет чатов родит.", "Неактивных чатов", "Открыто на прежних"]].tolist() == [1, 1, 1]
    assert s1["МО"] == "Бабаевский м.\u00a0о."  # vocabulary.short_municipality


def test_key_figures_and_texts(built: rd.Readiness) -> None:
    figures = parts.key_figures(built)
    assert figures[0].fact == "57,1\u00a0%" and figures[0].status == "behind"
    assert figures[1].fact == "1 из 3"
    assert figures[3].fact == "1" and figures[3].status == "behind"  # the WhatsApp chat
    assert figures[4].fact == "3 из 3" and figures[5].fact == "1 из 2"
    lead = parts.lead_html(built)
    assert "16 сентября 2024" in lead and "через 6 дней после даты перехода" in lead
    assert "Индекс готовности школы" in parts.methodology_html(built)
    assert parts.provenance(built) == {"snapshot_date": "2024-09-16", "data_hash": built.data_hash}
    assert built.data_hash in parts.provenance_html(built)
    # K1 on the target platform: 4 / 13 against «более 25 %»
    note = parts.roles_note_html(built)
    assert "30,8\u00a0%" in note and "более 25\u00a0%" in note


def test_a_department_chat_with_more_members_than_expected(built: rd.Readiness) -> None:
    """Several ОМСУ staff per municipality: the card says how many joined against «не менее N»,
    not «40 из 28»."""
    department = built.department.copy()
    department.loc[department.index[-1], "joined"] = department["expected"].iloc[-1] + 5
    figures = parts.key_figures(dataclasses.replace(built, department=department))
    expected = int(department["expected"].iloc[-1])
    assert figures[5].fact == str(expected + 5) and figures[5].plan == f"не менее {expected}"
    assert figures[4].fact == "3 из 3" and figures[4].plan == "все"


def test_when_the_export_is_on_or_before_the_cutover(built: rd.Readiness) -> None:
    on_day = dataclasses.replace(built, campaign=_campaign(cutover=D24))
    assert "(в день перехода)" in parts.lead_html(on_day)
    before = dataclasses.replace(built, campaign=_campaign(cutover=D24 + dt.timedelta(days=21)))
    assert "(за 21 день до даты перехода)" in parts.lead_html(before)


def test_names_are_escaped_in_the_html(built: rd.Readiness) -> None:
    odd = _campaign(title="Перевод <b>&",
                    department_chats=(DepartmentChat("dept_directors", "Директора <b>& Co", ("director",)),
                                      DepartmentChat("dept_omsu", "Департамент – ОМСУ", ("omsu",))))
    data = _build(_frames(CHATS_24, _members_24()), odd, regions=pd.DataFrame(
        {"region_code": ["35"], "name_ru": ["Область <b>«Тест» & Co</b>"]}))
    lead = parts.lead_html(data)
    assert "<strong>Область &lt;b&gt;«Тест» &amp; Co&lt;/b&gt;</strong>" in lead
    assert "Перевод &lt;b&gt;&amp;" in lead and "<b>&" not in lead
    note = parts.department_note_html(data)
    assert "«Директора &lt;b&gt;&amp; Co» — 4" in note and "<b>&" not in note
    methodology = parts.methodology_html(data)
    assert "Директора &lt;b&gt;&amp; Co" in methodology and "<b>&" not in methodology


def test_no_department_chat_on_the_target_platform_gives_a_line_not_a_chart(
        built: rd.Readiness) -> None:
    block = parts.seen_ages(dataclasses.replace(built, seen_ages=built.seen_ages.iloc[0:0]))
    assert isinstance(block, Note)
    assert "в выгрузке нет" in block.html and "Сферум (VK Мессенджер)" in block.html


def test_the_last_visits_chart_is_described_in_words(built: rd.Readiness) -> None:
    block = parts.seen_ages(built)
    assert isinstance(block, Chart) and block.caption
    assert "доля участников" in block.description and "%" in block.description


def test_unknown_campaign_is_refused() -> None:
    with pytest.raises(ValueError, match="не найдена"):
        rd.campaign_by_id("nope", load_campaigns())


# --- what changed since the comparison base ------------------------------------------------------

NB = "\u00a0"


def _plain(text: str) -> str:
    return str(text).replace(NB, " ")


def test_the_base_is_an_export_of_the_campaign_at_least_a_week_older() -> None:
    def base(dates: list[dt.date], day: dt.date, campaign: Campaign = CAMPAIGN, min_days: int = 7
             ) -> dt.date | None:
        return skeleton.base_day(dates, day, min_days, partial(rd.in_campaign, campaign))

    assert base([D_BASE, D24, D25], D24) == D_BASE
    assert base([dt.date(2024, 9, 10), D24], D24) is None  # 6 days: too recent
    assert base([D_BASE, D24], D24, min_days=8) is None
    assert base([dt.date(2024, 7, 20), D24], D24) is None  # before the campaign
    assert base([D24, D25], D25, _campaign(start=dt.date(2025, 8, 25))) is None


@pytest.fixture(scope="module")
def moved() -> rd.Readiness:
    """The 2024 export with its base of 09.09.2024 in the frames."""
    return _build(_frames(*WITH_BASE), period="2024-09-30")


def test_the_base_changes_nothing_of_the_export(built: rd.Readiness, moved: rd.Readiness) -> None:
    assert moved.snapshot_date == D24 and moved.moment == T24
    assert moved.schools.equals(built.schools) and moved.department.equals(built.department)
    assert moved.region.equals(built.region) and moved.roles.equals(built.roles)
    assert moved.data_hash != built.data_hash  # the base's exports are read too
    assert not built.changes.has_base and built.changes.schools.empty


def test_changes_against_the_base(moved: rd.Readiness) -> None:
    changes = moved.changes
    assert changes.base_date == D_BASE and changes.min_days == 7
    assert changes.region_before is not None
    assert changes.region_before["index"] == pytest.approx(6 / 14)
    assert changes.region_before["ready_schools"] == 0
    schools = changes.schools.set_index("school_id")
    assert schools["move"].to_dict() == {"s2": "reached"}
    assert schools.loc["s2", "index_before"] == 0.75 and schools.loc["s2", "index_after"] == 1
    old = changes.old_chats.set_index("chat_id")
    assert old.index.tolist() == ["a7", "d3", "c2"]  # on time (school, then the department's), late
    assert old["move"].tolist() == ["closed_on_time", "closed_on_time", "closed_late"]
    assert old.loc["c2", "closed"] == LATE and old.loc["c2", "school_name"] == "МБОУ «СОШ № 3»"
    assert changes.old_open_before == 4 and changes.old_opened.empty and len(changes.old_closed) == 3
    dept = changes.department.set_index("chat_type")
    columns = ["joined_before", "joined_after", "entered", "left"]
    assert dept.loc["dept_directors", columns].tolist() == [1, 3, 2, 0]
    assert dept.loc["dept_omsu", columns].tolist() == [1, 1, 0, 0]
    towns = changes.municipalities.set_index("oktmo")
    assert towns.loc[A, ["rank_before", "rank_after", "move"]].tolist() == [1, 1, 0]
    assert towns.loc[B, "index_before"] == 0 and towns.loc[B, "index_after"] == pytest.approx(0.25)


def _schools_at(rows: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"school_id": [r[0] for r in rows], "school_name": [f"Школа {r[0]}" for r in rows],
                         "oktmo": A, "municipality": "Бабаевский муниципальный округ",
                         "index": [r[1] for r in rows], "ready": [r[1] == 1 for r in rows]})


def test_school_moves_both_ways_and_schools_of_one_export() -> None:
    before = _schools_at([("s1", 1.0), ("s2", 0.5), ("s3", 1.0), ("s5", 0.2)])
    after = _schools_at([("s1", 0.8), ("s2", 1.0), ("s3", 1.0), ("s4", 1.0)])
    moves = rd.school_moves(before, after)
    assert moves[["school_id", "move"]].values.tolist() == [
        ["s2", "reached"], ["s1", "lost"], ["s4", "added"], ["s5", "removed"]]  # s3: no change
    by_id = moves.set_index("school_id")
    assert math.isnan(by_id.loc["s4", "index_before"]) and by_id.loc["s4", "index_after"] == 1
    assert by_id.loc["s5", "index_before"] == 0.2 and math.isnan(by_id.loc["s5", "index_after"])
    assert by_id.loc["s5", "school_name"] == "Школа s5"  # named from the export it is in
    assert rd.school_moves(before, before).empty


def test_old_chat_moves_closed_gone_and_opened() -> None:
    day = dt.date(2024, 9, 3)
    base = [_chat(day, "o1", "staff", "s1", None, "telegram"),
            _chat(day, "o2", "parents", "s1", "1А", "whatsapp"),
            _chat(day, "o3", "staff", "s3", None, "telegram"),
            _chat(day, "o4", "staff", "s2", None, "telegram", closed=dt.date(2024, 9, 1))]
    now = [_chat(D24, "o1", "staff", "s1", None, "telegram", closed=ON_TIME),
           _chat(D24, "o2", "parents", "s1", "1А", "whatsapp"),
           _chat(D24, "o4", "staff", "s2", None, "telegram", closed=dt.date(2024, 9, 1)),
           _chat(D24, "o5", "parents", "s2", "1Б", "whatsapp")]  # o3 gone; o5 new and open
    moves = rd.old_chat_moves(rd.old_chats(_frame(base), CAMPAIGN), rd.old_chats(_frame(now), CAMPAIGN),
                              SCHOOLS).set_index("chat_id")
    assert moves["move"].to_dict() == {"o1": "closed_on_time", "o3": "gone", "o5": "opened"}
    assert moves.loc["o1", "closed"] == ON_TIME and moves.loc["o3", "closed"] is None
    assert moves.loc["o3", "municipality"] == "город Вологда"


def _towns(rows: list[tuple[str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame({"oktmo": [r[0] for r in rows], "municipality": [f"МО {r[0]}" for r in rows],
                          "index": [r[1] for r in rows]})
    frame["status"] = ["met" if v == 1 else "behind" for v in frame["index"]]
    frame["rank"] = frame["index"].rank(ascending=False, method="min").astype("Int64")
    return frame


def test_municipality_moves_with_a_tie_and_municipalities_of_one_export() -> None:
    before = _towns([("m1", 0.5), ("m2", 0.9), ("m4", 0.1)])  # ranks 2, 1, 3
    after = _towns([("m1", 0.9), ("m2", 0.9), ("m3", 0.4)])  # m1 and m2 share place 1; m3 third
    moves = rd.municipality_moves(before, after).set_index("oktmo")
    assert moves.loc["m1", ["rank_before", "rank_after", "move"]].tolist() == [2, 1, 1]
    assert moves.loc["m2", ["rank_before", "rank_after", "move"]].tolist() == [1, 1, 0]
    assert pd.isna(moves.loc["m3", "rank_before"]) and moves.loc["m3", "rank_after"] == 3
    assert pd.isna(moves.loc["m3", "move"])
    assert moves.loc["m4", "rank_before"] == 3 and pd.isna(moves.loc["m4", "rank_after"])
    assert moves.index.tolist() == ["m1", "m2", "m3", "m4"]
    assert _plain(parts.words.fmt_places(moves.loc["m1", "move"])) == "+1 место"


def test_the_changes_block_words_the_moves(moved: rd.Readiness) -> None:
    items = [_plain(item) for item in parts.change_items(moved)]
    assert items == [
        "Индекс готовности региона — 57,1 % (+14,3 п.п.); готовых школ — 1 (+1).",
        "Стали готовыми к переходу — 1 школа: МБОУ «СОШ № 2» (Бабаевский м. о.); перестали быть "
        "готовыми — ни одной.",
        "Чаты на прежних платформах: закрыто 3 (после даты перехода — 1); открыто 1 (−3).",  # one platform
        "В чаты департамента вступили: «Директора школ ВО» — 2 (теперь 3 из 3); «Департамент – ОМСУ» — 0 "
        "(теперь 1 из 2).",
    ]  # no municipality moved: no line of the ranking
    block = _plain(parts.changes_html(moved))
    assert "Что изменилось с 9 сентября 2024 г." in block and "(+14,3 п.п.)" in block


def test_no_base_says_so_and_lists_nothing(built: rd.Readiness) -> None:
    assert parts.change_items(built) == []
    block = _plain(parts.changes_html(built))
    assert "не позднее чем за 7 дней" in block and "сравнивать не с чем" in block
    assert "Что изменилось с" not in block
    table = parts.changes_table(built)
    assert table.empty and list(table.columns) == parts.CHANGES_COLUMNS
    assert "сравнивать не с чем" in parts.changes_title(built)


def test_the_changes_sheet_lists_every_move(moved: rd.Readiness) -> None:
    table = parts.changes_table(moved).map(_plain)
    assert table["Что изменилось"].tolist() == [
        "Индекс готовности региона", "Готовые к переходу школы", "Школа стала готовой",
        *["Чат на прежней платформе закрыт в срок"] * 2,
        "Чат на прежней платформе закрыт после даты перехода",
        *["Чат департамента: участники ожидаемых ролей"] * 2, *["Место МО по индексу готовности"] * 2]
    raw = parts.changes_table(moved)  # shares and counts stay numbers, formatted per row
    assert raw.iloc[0, 3:].tolist() == pytest.approx([3 / 7, 4 / 7, 1 / 7])
    assert raw.iloc[1, 3:].tolist() == [0, 1, 1]
    assert table.iloc[2, :3].tolist() == ["Школа стала готовой", "Бабаевский м. о.", "МБОУ «СОШ № 2»"]
    assert raw.iloc[2, 3:].tolist() == pytest.approx([0.75, 1.0, 0.25])
    formats = parts.changes_row_formats(moved)
    assert formats["Было"][:3] == ["percent", "int", "percent"]
    assert formats["Изменение"][:2] == ["pp", "signed"]
    assert set(formats["Стало"][3:]) == {"text"}
    assert table.iloc[5, 2:5].tolist() == ["МБОУ «СОШ № 3»: Telegram, чат родителей класса 1В", "открыт",
                                          "закрыт 12.09.2024"]
    assert table.iloc[4, 2] == "департамент: Telegram, чат департамента с директорами"
    assert table.iloc[6, 3:].tolist() == ["1 из 3", "3 из 3", "+2 (вступили — 2, вышли — 0)"]
    assert table.iloc[9, 3:].tolist() == ["2 (0,0 %)", "2 (25,0 %)", "без изменений"]
    assert "с 09.09.2024 по 16.09.2024" in parts.changes_title(moved)


# --- page one and the schools not ready ---------------------------------------------------------

def test_findings_are_computed(built: rd.Readiness) -> None:
    lowest, late, missing = (_plain(f) for f in parts.findings(built))
    # город Вологда 1 / 4, Бабаевский 7 / 10; both behind; s1 (50 %) and s3 (25 %) behind
    assert lowest == ("Наименьший индекс готовности: город Вологда — 25,0 %, Бабаевский м. о. — 70,0 %; "
                      "ниже 80 % — у 2 МО из 2 и у 2 школ из 3.")
    # the WhatsApp chat of s1 open; c2 closed after the cut-over
    assert late == ("Через 6 дней после перехода (10.09.2024) открытых чатов на прежних платформах — 1 "
                    "в 1 школе из 3; закрыто после даты перехода — 1.")  # one platform: not named
    two = built.old_platforms.assign(open=[2, 1])  # Telegram 2, WhatsApp 1
    assert "— 3 (Telegram — 2, WhatsApp — 1) в 1 школе" in _plain(
        parts.findings(dataclasses.replace(built, old_platforms=two))[1])
    # 14 required, 10 created, 9 active; parents' chats 2 of 4
    assert missing == ("Не создано обязательных чатов школ — 4 из 14, меньше всего — чатов родителей классов "
                       "(создано 50,0 %); созданы, но неактивны — 1.")
    summary = _plain(parts.summary_html(built))
    assert "Главное" in summary and "«Школы не готовы»" in summary and "«Изменения»" in summary


def test_findings_when_every_old_chat_is_closed_and_before_the_cutover(built: rd.Readiness) -> None:
    closed = built.old_platforms.assign(open=0)
    late = _plain(parts.findings(dataclasses.replace(built, old_platforms=closed))[1])
    assert late == ("Открытых чатов на прежних платформах не осталось (закрыто 4, из них после даты "
                    "перехода — 1).")
    early = dataclasses.replace(built, campaign=_campaign(cutover=D24 + dt.timedelta(days=2)))
    assert _plain(parts.findings(early)[1]) == (
        "До даты перехода (18.09.2024) 2 дня: открытых чатов на прежних платформах — 1 из 4 в 1 школе из 3.")


def test_the_body_keeps_the_least_ready_schools(built: rd.Readiness) -> None:
    assert parts.not_ready_top_table(built, 1).equals(parts.not_ready_table(built).head(1))
    assert parts.not_ready_top_table(built)["Школа"].tolist() == ["МБОУ «СОШ № 3»", "МБОУ «СОШ № 1»"]
    title = _plain(parts.not_ready_top_title(built))
    assert title.startswith("2 наименее готовых школ из 2 не готовых") and "«Школы не готовы»" in title


def test_page_one_names_are_escaped(built: rd.Readiness) -> None:
    odd = built.municipalities.assign(municipality="Район <b>&")
    html = parts.summary_html(dataclasses.replace(built, municipalities=odd))
    assert "Район &lt;b&gt;&amp;" in html and "<b>&" not in html and "&amp;amp;" not in html


# --- the notebook on a tiny warehouse --------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readiness") / "w.duckdb"
    store.rebuild(path, {
        "municipalities": MUNICIPALITIES, "schools": SCHOOLS, "school_activity": ACTIVITY,
        "chats": _frame(WITH_BASE[0]), "chat_members": _frame(WITH_BASE[1]),
        "parents": PARENTS,
    }, keys={})
    return path


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            parts.append(str(output.get("data", {}).get("text/html", "")))
    return "\n".join(parts).replace("\u00a0", " ")


@pytest.mark.parametrize(("campaign", "expected"), [
    ("telegram_to_sferum_2024", ["16 сентября 2024", "57,1 %", "Сферум (VK Мессенджер)", "1 из 3",
                                 "Что изменилось с 9 сентября 2024", "(+14,3 п.п.)", "Главное"]),
    # 2025: s1 ready (6/6), s2 1 active − 1 open Сферум chat = 0, s3 nothing: 6 / 14; the 2024
    # exports are of the other campaign: no base
    ("sferum_to_max_2025", ["10 ноября 2025", "42,9 %", "MAX", "WhatsApp (вне кампании)", "не создан",
                            "сравнивать не с чем", "Главное"]),
])
def test_notebook_runs_on_a_tiny_warehouse(tiny_warehouse: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, campaign: str,
                                           expected: list[str]) -> None:
    from helpers.render.execute import execute_notebook
    from helpers.render.payloads import find_tables

    monkeypatch.setenv("WAREHOUSE", str(tiny_warehouse))
    monkeypatch.setenv("PERIOD", "")
    nb = execute_notebook(NOTEBOOKS_DIR / "migration_readiness.ipynb", tmp_path / "out.ipynb",
                          {"region_code": "35", "campaign": campaign, "period": ""})
    text = _outputs_text(nb)
    for heading in ("Чаты департамента с директорами школ и ОМСУ", "Готовность муниципальных образований",
                    "Школы, не готовые к переходу", "Охват ролей модели работы школы",
                    "Методика и источники"):
        assert heading in text
    for value in expected:
        assert value in text, value
    assert "tea1" not in text and "dir1" not in text  # no member ids in what readers see
    sheets = [table["name"] for table in find_tables(nb)]
    assert sheets[0] == "Изменения" and {"Наименее готовые школы", "Школы не готовы"} <= set(sheets)
    excel_only = [c for c in nb.cells if "remove_output" in c.metadata.get("tags", [])
                  and "lab.show_style()" not in c.source]
    assert len(excel_only) == 3  # «Изменения», the municipalities' chart, all schools not ready


def test_committed_notebook_has_no_outputs_and_parameters_first() -> None:
    nb = nbformat.read(NOTEBOOKS_DIR / "migration_readiness.ipynb", as_version=4)
    assert "parameters" in nb.cells[0].metadata.get("tags", [])
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")
    headings = [c.source for c in nb.cells if c.cell_type == "markdown" and "## " in c.source]
    assert headings[-1].endswith("## Методика и источники")
