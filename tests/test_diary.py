"""The diary (ЭЖД) authorization-gaps briefing: the funnel and checks on a hand-made region.

The tiny region (every expectation below is counted by hand from these rows):

- schools S1, S2 in municipality 19605000, S3 in 19608000; the monitoring of 16.09.2024 gives
  S1 4 pupils, S2 4 (its registry lists 5: one record too many), S3 has no row there (the school
  registry's 4 pupils);
- pupils: p1 (S1, 10 y.) has two parents — A can log in, B has no LOGIN; p2 (S1, 13, account
  created) and p3 (S1, 14, account only created) and p4 (S2, 14, linked) are children of C, who so
  has children in two schools; p5 (S2) has no SNILS, p6 (S2) an invalid one, p7 (S2) no parent and
  no account, p8 (S2) a parent D whose card names S3; p9 (S3, age unknown, account created) — E;
  p10 (S3, 15) — F with an invalid SNILS; p11 (S3, 16) — G without a confirmed Госуслуги account;
- parents H (no children) and I (a child missing from the registry, S3 in the card).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers import vocabulary as words
from helpers.briefings import inputs
from helpers.briefings.diary_authorization_gaps import KIND, READS, build, parts
from helpers.indicators.campaigns import Task
from helpers.warehouse import slices, store

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "diary_authorization_gaps.ipynb"
DAY = dt.date(2024, 9, 16)
MO_A, MO_B = "19605000", "19608000"
AUTH = Task(id="auth_info", label="Информация по авторизации доведена до школы", column="auth_info",
            level="school", deadline=dt.date(2024, 9, 30))
INPUTS = inputs.load(KIND.inputs)  # the project's targets, tasks and regions' reference
PARAMS = {"targets": dataclasses.replace(INPUTS["targets"], near=0.8, changes_base_days=7),
          "tasks": ("test", {AUTH.id: AUTH}), "regions": INPUTS["regions"]}
"""What ``build`` gets besides the frames: «близко» at 0.8, a base a week older, the task AUTH."""


def _pupils() -> pd.DataFrame:
    rows = [  # pupil, school, age, snils present, snils valid, child account
        ("p1", "S1", 10, True, True, "created"),
        ("p2", "S1", 13, True, True, "created"),
        ("p3", "S1", 14, True, True, "created"),
        ("p4", "S2", 14, True, True, "linked"),
        ("p5", "S2", 8, False, False, "created"),
        ("p6", "S2", 9, True, False, "created"),
        ("p7", "S2", 11, True, True, "none"),
        ("p8", "S2", 12, True, True, "created"),
        ("p9", "S3", None, True, True, "created"),
        ("p10", "S3", 15, True, True, "linked"),
        ("p11", "S3", 16, True, True, "linked"),
    ]
    frame = pd.DataFrame(rows, columns=["pupil_id", "school_id", "age", "snils_present",
                                        "snils_valid", "child_account"])
    frame["age"] = frame["age"].astype("Int64")
    return frame.assign(region_code="35", class_name="5А", grade=5, snapshot_date=DAY)


def _parents() -> pd.DataFrame:
    rows = [  # parent, snils present, snils valid, login, Госуслуги confirmed
        ("A", True, True, True, True),
        ("B", True, True, False, True),
        ("C", True, True, True, True),
        ("D", True, True, True, True),
        ("E", True, True, True, True),
        ("F", True, False, True, True),
        ("G", True, True, True, False),
        ("H", False, False, False, False),
        ("I", True, True, True, True),
    ]
    frame = pd.DataFrame(rows, columns=["parent_id", "snils_present", "snils_valid",
                                        "login_present", "esia_confirmed"])
    return frame.assign(region_code="35", children_count=1, snapshot_date=DAY)


def _links() -> pd.DataFrame:
    rows = [("A", "p1", "S1"), ("B", "p1", "S1"), ("C", "p2", "S1"), ("C", "p3", "S1"),
            ("C", "p4", "S2"), ("D", "p8", "S3"), ("E", "p9", "S3"), ("F", "p10", "S3"),
            ("G", "p11", "S3"), ("I", "pX", "S3")]
    frame = pd.DataFrame(rows, columns=["parent_id", "pupil_id", "school_id"])
    return frame.assign(region_code="35", snapshot_date=DAY)


def _schools() -> pd.DataFrame:
    return pd.DataFrame({
        "region_code": "35", "school_id": ["S1", "S2", "S3"],
        "school_name": ["МОУ «СОШ № 1»", "МОУ «СОШ № 2»", "МБОУ «Третья ООШ»"],
        "oktmo": [MO_A, MO_A, MO_B],
        "municipality": ["Бабаевский муниципальный округ", "Бабаевский муниципальный округ",
                         "Бабушкинский муниципальный округ"],
        "kind": "школа", "classes": 1, "pupils": [3, 5, 4],
    })


def _municipalities() -> pd.DataFrame:
    return pd.DataFrame({"region_code": "35", "oktmo": [MO_A, MO_B],
                         "name": ["Бабаевский муниципальный округ", "Бабушкинский муниципальный округ"],
                         "name_alt": "", "kind": "муниципальный округ"})


def _activity() -> pd.DataFrame:
    rows = [("S1", dt.date(2024, 9, 9), 100), ("S1", DAY, 4), ("S2", DAY, 4),
            ("S1", dt.date(2024, 9, 23), 999)]  # a later export: after the registries, not used
    frame = pd.DataFrame(rows, columns=["school_id", "snapshot_date", "pupils_total"])
    counters = ["directors_total", "directors_active", "teachers_total", "teachers_active",
                "class_teachers_total", "class_teachers_parent_chat", "teachers_linked",
                "pupils_linked", "teachers_esia"]
    return frame.assign(region_code="35", **{c: 0 for c in counters})


def _tasks() -> pd.DataFrame:
    return pd.DataFrame({
        "region_code": "35", "oktmo": [MO_A, MO_A, MO_B, MO_A], "level": ["school"] * 3 + ["municipality"],
        "unit_id": ["S1", "S2", "S3", MO_A], "school_id": ["S1", "S2", "S3", None],
        "test_week_held": [None, None, None, True],
        "regulation_adopted": pd.NaT, "regulation_posted": pd.NaT, "regulation_url": None,
        "parent_meeting": pd.NaT,
        "auth_info": pd.to_datetime(["2024-09-20", "2024-10-01", None, "2024-09-10"]),
        "snapshot_date": dt.date(2024, 10, 1),
    })


def _frames() -> dict[str, pd.DataFrame]:
    return {"schools": _schools(), "municipalities": _municipalities(),
            "school_activity": _activity(), "pupils": _pupils(), "parents": _parents(),
            "parent_children": _links(), "tasks": _tasks()}


def _build(oktmo: str = "", period: str = "", **changes: pd.DataFrame) -> build.Diary:
    return build.build({**_frames(), **changes}, region_code="35", oktmo=oktmo, period=period,
                       **PARAMS)


@pytest.fixture(scope="module")
def region() -> build.Diary:
    return _build()


@pytest.fixture(scope="module")
def municipality() -> build.Diary:
    return _build(MO_A)


def _school(diary: build.Diary, school_id: str) -> pd.Series:
    return diary.schools.set_index("school_id").loc[school_id]


# --- the rules, one by one -----------------------------------------------------------------------

def test_child_account_rule_switches_at_14() -> None:
    age = pd.Series([13, 14, 14, None, 5, 15, 13], dtype="Int64")
    state = pd.Series(["created", "created", "linked", "created", None, "linked", "linked"])
    assert build.child_account_ready(age, state).tolist() == [True, False, True, False, False, True, True]


def test_pupil_with_two_parents_counts_once_when_one_can_log_in() -> None:
    flags = build.pupil_flags(_pupils(), _parents(), _links()).set_index("pupil_id")
    assert flags.loc["p1", "step_can_login"]  # A can; B (no LOGIN) does not matter
    assert flags.loc["p1", "parent_login"] and flags.loc["p1", "has_parent"]
    assert flags.index.is_unique and len(flags) == 11


def test_pupil_steps_stop_where_the_record_breaks() -> None:
    flags = build.pupil_flags(_pupils(), _parents(), _links()).set_index("pupil_id")
    steps = list(build.FUNNEL[2:])
    passed = {pupil: int(flags.loc[pupil, steps].sum()) for pupil in flags.index}
    # steps passed of the seven after «in the registry»: SNILS present, valid, parent, its SNILS,
    # LOGIN, Госуслуги, child's account
    assert passed == {"p1": 7, "p2": 7, "p3": 6, "p4": 7, "p5": 0, "p6": 1, "p7": 2, "p8": 2,
                      "p9": 6, "p10": 3, "p11": 5}
    assert flags.loc["p8", "wrong_school"] and not flags.loc["p8", "no_parent"]
    assert flags.loc["p7", "no_parent"] and not flags.loc["p7", "wrong_school"]
    assert flags.loc["p9", "age_unknown"] and not flags.loc["p9", "account_ready"]


def test_parent_with_children_in_two_schools_belongs_to_both() -> None:
    pairs = build.parent_flags(_parents(), _links(), _pupils())
    schools_of = pairs.groupby("parent_id")["school_id"].agg(lambda s: sorted(s)).to_dict()
    assert schools_of["C"] == ["S1", "S2"]
    assert schools_of["D"] == ["S2"]  # the pupil's school, though D's card names S3
    assert schools_of["I"] == ["S3"]  # the child is not in the registry: the card's school
    assert "H" not in schools_of
    assert build.parents_without_children(_parents(), _links()) == 1


def test_contingent_takes_the_monitoring_at_the_registry_date() -> None:
    base, used = build.contingent(_schools(), _activity(), DAY)
    assert used == DAY
    assert dict(zip(base["school_id"], base["contingent"], strict=True)) == {"S1": 4, "S2": 4, "S3": 4}
    base, used = build.contingent(_schools(), _activity().iloc[0:0], DAY)
    assert used is None and base["contingent"].tolist() == [3, 5, 4]


def test_counts_agree_with_their_nouns() -> None:
    nouns = parts.PARENT_NOUNS
    assert [words.counted(n, *nouns) for n in (1, 2, 5, 11, 21, 32, 112)] == [
        "1 родитель", "2 родителя", "5 родителей", "11 родителей", "21 родитель", "32 родителя",
        "112 родителей"]


# --- the briefing's figures ----------------------------------------------------------------------

def test_region_funnel_is_hand_computed(region: build.Diary) -> None:
    assert build.funnel(region)["count"].tolist() == [12, 10, 10, 9, 7, 6, 6, 5, 3]
    assert region.region["not_in_registry"] == 2 and region.region["registry_extra"] == 1


def test_school_funnels_are_capped_by_the_contingent(region: build.Diary) -> None:
    steps = list(build.FUNNEL)
    assert _school(region, "S1")[steps].tolist() == [4, 3, 3, 3, 3, 3, 3, 3, 2]
    assert _school(region, "S2")[steps].tolist() == [4, 4, 4, 3, 1, 1, 1, 1, 1]  # 5 records, 4 pupils
    assert _school(region, "S3")[steps].tolist() == [4, 3, 3, 3, 3, 2, 2, 1, 0]


def test_parents_count_in_each_school_and_once_above(region: build.Diary, municipality: build.Diary) -> None:
    assert [int(_school(region, s)["parents"]) for s in ("S1", "S2", "S3")] == [3, 2, 4]
    assert municipality.territory["parents"] == 4  # A, B, C, D: C once
    assert region.region["parents"] == 8  # H has no child
    assert region.region["parent_login"] == 7 and region.region["parent_esia"] == 7
    assert region.region["parent_snils_invalid"] == 1
    assert region.orphan_parents == 1


def test_checks_are_counted_and_rated(region: build.Diary) -> None:
    school = parts.checks_table(region, "school").set_index("Проверка")
    assert school["Выполнено"].tolist() == [10, 9, 7, 7, 7]
    assert school["Проверено"].tolist() == [12, 11, 11, 8, 8]
    assert school["Исправить"].tolist() == [2, 2, 4, 1, 1]
    assert school["Статус"].iloc[0] == "▲ близко к цели"  # 10 of 12 = 83 % ≥ 80 % of the target
    assert school["Статус"].iloc[2] == "✖ отстаёт"  # 7 of 11
    parent = parts.checks_table(region, "parent")
    assert parent["Выполнено"].tolist() == [7, 5, 3] and parent["Проверено"].tolist() == [8, 6, 4]
    assert region.region["age_unknown"] == 1


def test_action_list_names_what_to_fix_with_counts(region: build.Diary) -> None:
    table = parts.actions_table(region)
    s2 = dict(zip(table.loc[table["Код ОО"] == "S2", "Что сделать"],
                  table.loc[table["Код ОО"] == "S2", "Записей"], strict=True))
    assert s2 == {
        "Сверить реестр «Ученики» с контингентом (записей больше, чем обучающихся)": 1,
        "Внести СНИЛС ученика": 1,
        "Исправить СНИЛС ученика (не проходит проверку)": 1,
        "Внести родителя в «Реестр родителей» и указать ребёнка": 3,  # p5, p6, p7
        "Указать школу ребёнка в карточке родителя": 1,
        "Создать учётную запись ребёнка до 14 лет на Госуслугах": 1,
    }
    summary = parts.actions_summary_table(region).set_index("Что сделать")
    assert summary.loc["Создать ЛОГИН родителю", "Записей"] == 1  # B, once
    assert summary.loc["Внести ученика в реестр «Ученики»", "Школ"] == 2
    assert summary["№"].tolist() == list(range(1, len(summary) + 1))


def test_schools_ranked_by_gaps_worst_first(region: build.Diary) -> None:
    table = parts.worst_schools_table(region)
    assert table["Образовательная организация"].str.startswith(
        ("МБОУ «Третья ООШ»", "МОУ «СОШ № 2»", "МОУ «СОШ № 1»")).all()
    assert table["Доля"].tolist() == [0.0, 0.25, 0.5]
    assert "Бабушкинский м.\u00a0о." in table["Образовательная организация"].iloc[0]
    assert table.iloc[0, -1] == ("внести в реестр учеников — 1; дата рождения — 1; "
                                 "исправить СНИЛС родителя — 1")


def test_municipality_briefing_compares_with_the_region(municipality: build.Diary) -> None:
    assert municipality.territory_name == "Бабаевский муниципальный округ"
    assert build.funnel(municipality)["count"].tolist() == [8, 7, 7, 6, 4, 4, 4, 4, 3]
    assert "Доля по региону" in parts.funnel_table(municipality).columns
    assert len(municipality.local_schools) == 2
    figures = parts.key_figures(municipality)
    assert figures[0].fact == "37,5\u00a0%" and "по региону: 25,0\u00a0%" in figures[0].note
    highlight = parts.municipality_highlight(municipality)
    assert parts.municipality_parent_table(municipality)["Муниципальное образование"].iloc[highlight[0]] \
        == "Бабаевский м.\u00a0о."
    assert highlight[-1] == 2  # the region's total, last
    assert parts.worst_schools_table(municipality)["Образовательная организация"].tolist() == [
        "МОУ «СОШ № 2»", "МОУ «СОШ № 1»"]


def test_unknown_municipality_is_refused() -> None:
    with pytest.raises(ValueError, match="ОКТМО 19999000"):
        _build("19999000")


def test_auth_info_task_against_its_deadline(region: build.Diary) -> None:
    statuses = dict(zip(region.schools["school_id"], region.schools["auth_status"], strict=True))
    assert statuses == {"S1": "done", "S2": "late", "S3": "overdue"}
    auth = parts.key_figures(region)[-1]
    assert auth.fact == "1 из 3" and auth.status == "behind"


def test_key_figures_of_the_first_page(region: build.Diary, municipality: build.Diary) -> None:
    figures = {f.label: f for f in parts.key_figures(region)}
    assert figures["Могут войти в электронный дневник через Госуслуги"].fact == "25,0\u00a0%"
    school_part = figures["Школа выполнила свою часть (проверки 1–5) для обучающихся"]
    assert school_part.fact == "50,0\u00a0%"  # 6 of 12
    children = figures["Учётная запись ребёнка создана (до 14 лет) или привязана (с 14 лет)"]
    assert children.fact == "80,0\u00a0%"  # (5 + 3) of (6 + 4)
    schools = figures["Школ, где могут войти не менее 80\u00a0% обучающихся"]
    assert schools.fact == "0 из 3" and schools.status == "behind"
    assert parts.key_figures(municipality)[4].note == "по региону: 0 из 3"


def test_period_selects_the_registry_export() -> None:
    earlier = dt.date(2024, 9, 2)
    old = _pupils().assign(snapshot_date=earlier, snils_present=False, snils_valid=False)
    pupils = pd.concat([old, _pupils()], ignore_index=True)
    parents = pd.concat([_parents().assign(snapshot_date=earlier), _parents()], ignore_index=True)
    links = pd.concat([_links().assign(snapshot_date=earlier), _links()], ignore_index=True)
    then = _build(period="2024-09-10", pupils=pupils, parents=parents, parent_children=links)
    assert then.snapshot_date == earlier and then.territory["step_snils_present"] == 0
    assert _build(pupils=pupils, parents=parents, parent_children=links).snapshot_date == DAY
    with pytest.raises(ValueError, match="Нет выгрузки"):
        _build(period="2024-08-01")
    with pytest.raises(ValueError, match="ГГГГ-ММ-ДД"):
        _build(period="16.09.2024")


def test_data_hash_follows_the_data(region: build.Diary) -> None:
    changed = _parents()
    changed.loc[changed["parent_id"] == "G", "esia_confirmed"] = True
    assert _build().data_hash == region.data_hash
    assert _build(parents=changed).data_hash != region.data_hash
    assert parts.provenance(region) == {"snapshot_date": "2024-09-16", "data_hash": region.data_hash}


def test_display_shapes_have_no_identifiers_of_people(region: build.Diary, municipality: build.Diary) -> None:
    people = set(_pupils()["pupil_id"]) | set(_parents()["parent_id"])
    for diary in (region, municipality):
        frames = [parts.funnel_table(diary), parts.checks_table(diary, "school"),
                  parts.checks_table(diary, "parent"), parts.municipality_school_table(diary),
                  parts.municipality_parent_table(diary), parts.worst_schools_table(diary),
                  parts.actions_summary_table(diary), parts.actions_table(diary),
                  parts.schools_table(diary)]
        for frame in frames:
            cells = set(frame.astype(str).to_numpy().ravel()) | set(frame.columns)
            assert not cells & people
        assert "Методика" not in parts.methodology_html(diary)  # the heading is the notebook's
        assert parts.lead_html(diary).startswith('<p class="lead">')


def test_warehouse_without_registries_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    store.rebuild(path, {"schools": _schools()}, keys={})
    with pytest.raises(slices.MissingData, match="нет таблицы pupils.*make ingest"):
        build.load("35", warehouse_path=path)


def test_region_without_school_data_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    store.rebuild(path, _frames(), keys={})
    with pytest.raises(slices.MissingData, match="региона 11"):
        build.load("11", warehouse_path=path)


def test_optional_tables_may_be_missing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    frames = _frames()
    required = [read.table for read in READS if not read.optional]
    assert required == ["schools", "pupils", "parents", "parent_children"]
    store.rebuild(path, {t: frames[t] for t in required}, keys={})
    diary = build.load("35", warehouse_path=path)
    assert diary.contingent_date is None and diary.region["contingent"] == 12  # the school registry
    assert diary.tasks_date is None and parts.key_figures(diary)[-1].status == "unknown"
    assert diary.territory_name == "Вологодская область"


def test_reads_declares_every_table_the_build_uses() -> None:
    # the task report re-renders the diary: «tasks» was missing from the old declaration
    declared = {read.table: read for read in READS}
    assert set(declared) == set(_frames())
    assert build.AUTH_TASK in declared["tasks"].columns and declared["tasks"].optional
    for read in READS:
        if read.columns:
            used = [c for c in build.USED_COLUMNS if c in _frames()[read.table].columns]
            assert set(used) <= set(read.columns), read.table  # the data hash is the same as before


def test_task_states_read_as_the_vocabulary_says(region: build.Diary) -> None:
    table = parts.schools_table(region).set_index("Код ОО")
    assert table["Статус задачи"].to_dict() == {
        "S1": words.task_label("done"), "S2": words.task_label("late"), "S3": words.task_label("overdue")}
    assert set(parts.SCHOOL_STATUS_COLUMNS) <= set(table.columns)
    pending = _build(tasks=_tasks().assign(auth_info=pd.NaT, snapshot_date=dt.date(2024, 9, 20)))
    assert set(parts.schools_table(pending)["Статус задачи"]) == {"○ в работе, срок не наступил"}
    no_report = _build(tasks=_tasks().iloc[0:0])
    assert set(parts.schools_table(no_report)["Статус задачи"]) == {"— нет данных"}


def test_names_are_text_not_markup() -> None:
    municipalities = _municipalities()
    municipalities.loc[0, "name"] = "<b>Бабаевский</b> & Ко муниципальный округ"
    regions = pd.DataFrame({"region_code": ["35"], "name_ru": ["Область <i>&</i>"]})
    diary = build.build({**_frames(), "municipalities": municipalities}, region_code="35",
                        oktmo=MO_A, **{**PARAMS, "regions": regions})
    pieces = [parts.lead_html(diary), parts.municipality_note_html(diary),
              parts.methodology_html(diary), parts.parents_note_html(diary)]
    html = "".join(pieces)
    assert "<b>Бабаевский" not in html and "<i>" not in html
    assert "&lt;b&gt;Бабаевский&lt;/b&gt; &amp; Ко" in parts.lead_html(diary)
    assert "(Область &lt;i&gt;&amp;&lt;/i&gt;)" in parts.lead_html(diary)
    note = parts.municipality_note_html(diary)
    assert "«&lt;b&gt;Бабаевский&lt;/b&gt; &amp; Ко м.\u00a0о.» выделена" in note


def test_fragments_of_a_region_and_a_municipality(region: build.Diary, municipality: build.Diary) -> None:
    assert parts.municipality_note_html(region) == ""
    assert "Бабаевский м.\u00a0о." in parts.municipality_note_html(municipality)
    assert "1 запись без детей" in parts.parents_note_html(region)
    assert parts.provenance_html(region) == (
        '<p class="provenance-inline">Данные: реестры ЭЖД на 16 сентября 2024\u00a0г., '
        f"контрольная сумма {region.data_hash}.</p>")
    lead = parts.lead_html(municipality)
    assert "Бабаевский муниципальный округ (Вологодская область):" in lead
    assert "2 школы" in lead and "в реестре 4 родителя" in lead
    method = parts.methodology_html(region)
    assert "«м.\u00a0о.» — муниципальный округ" in method and "не ниже 80\u00a0% цели" in method
    assert "срок — 30 сентября 2024\u00a0г." in method


# --- the notebook, once, on a tiny warehouse -----------------------------------------------------

def test_notebook_runs_with_its_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.render.execute import execute_notebook
    from helpers.render.payloads import find_provenance, find_tables

    path = tmp_path / "w.duckdb"
    store.rebuild(path, _frames(), keys={})
    monkeypatch.setenv("WAREHOUSE", str(path))
    monkeypatch.setenv("PERIOD", "")
    nb = execute_notebook(NOTEBOOK, tmp_path / "out.ipynb", {})

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    shown = nbformat.writes(nb)
    for text in ("Авторизация в электронном дневнике через Госуслуги", "Воронка авторизации",
                 "Что должна сделать школа", "Что должен сделать родитель", "Методика и источники",
                 "Вологодская область", "16 сентября 2024"):
        assert text in shown, text
    names = [t["name"] for t in find_tables(nb)]
    assert {"Воронка", "Проверки школы", "Действия по школам", "Проверки по школам",
            "Изменения"} <= set(names)
    for text in ("Главное", "Что изменилось", "Исправить в первую очередь"):
        assert text in shown, text
    funnel = next(t for t in find_tables(nb) if t["name"] == "Воронка")
    assert [row[2] for row in funnel["rows"]] == [12, 10, 10, 9, 7, 6, 6, 5, 3]
    assert find_provenance(nb)["snapshot_date"] == "2024-09-16"
    people = set(_pupils()["pupil_id"]) | set(_parents()["parent_id"]) | {"pX"}
    for table in find_tables(nb):
        assert not {str(cell) for row in table["rows"] for cell in row} & people, table["name"]


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.cells[0].metadata.get("tags") == ["parameters"]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


# --- the week's movements («Что изменилось»), on hand-made exports --------------------------------

BASE_DAY = DAY - dt.timedelta(days=7)


def _with_base(days: int = 7) -> dict[str, pd.DataFrame]:
    """The tiny region with an earlier export ``days`` before: p2 had no child account yet, S3 had
    no records in «Ученики» (added since); the monitoring only from DAY (the contingent of the
    base is the school registry's: S1 3, S2 5, S3 4)."""
    day = DAY - dt.timedelta(days=days)
    old = _pupils()
    old = old[old["school_id"] != "S3"].assign(snapshot_date=day)
    old.loc[old["pupil_id"] == "p2", "child_account"] = "none"
    frames = _frames()
    frames["pupils"] = pd.concat([old, _pupils()], ignore_index=True)
    frames["parents"] = pd.concat([_parents().assign(snapshot_date=day), _parents()], ignore_index=True)
    frames["parent_children"] = pd.concat([_links().assign(snapshot_date=day), _links()],
                                          ignore_index=True)
    activity = _activity()
    frames["school_activity"] = activity[pd.to_datetime(activity["snapshot_date"]) >= pd.Timestamp(DAY)]
    return frames


def _moves_frame(rows: list[tuple[str, int, int, float | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["school_id", "registry", "step_can_login", "can_login_share",
                                       "can_login_status"])


def test_funnel_changes_are_counts_and_points() -> None:
    steps = list(build.FUNNEL)
    now = pd.Series(dict(zip(steps, [10, 10, 9, 9, 8, 8, 6, 5, 4], strict=True)))
    base = pd.Series(dict(zip(steps, [8, 8, 8, 7, 6, 6, 4, 4, 2], strict=True)))
    frame = build.funnel_changes(now, base).set_index("step")
    assert frame["change"].tolist() == [2, 2, 1, 2, 2, 2, 2, 1, 2]
    assert frame.loc["step_can_login", "share"] == pytest.approx(0.4)
    assert frame.loc["step_can_login", "base_share"] == pytest.approx(0.25)
    assert frame.loc["step_can_login", "change_pp"] == pytest.approx(0.15)  # shares of each contingent
    assert frame.loc["contingent", "change_pp"] == 0


def test_schools_cross_the_threshold_either_way_and_new_ones_are_not_crossings() -> None:
    before = _moves_frame([
        ("A", 10, 5, 0.5, "behind"),   # reaches 80 %
        ("B", 10, 9, 0.9, "near"),     # falls below
        ("C", 10, 10, 1.0, "met"),     # stays above
        ("D", 0, 0, 0.0, "behind"),    # no records then: added
        ("E", 10, 2, 0.2, "behind"),   # no records now: removed
        ("F", 10, 1, 0.1, "behind"),   # stays below, moves a little
    ])
    after = _moves_frame([
        ("A", 10, 8, 0.8, "near"), ("B", 10, 7, 0.7, "behind"), ("C", 10, 10, 1.0, "met"),
        ("D", 10, 9, 0.9, "near"), ("E", 0, 0, 0.0, "behind"), ("F", 10, 2, 0.2, "behind"),
    ])
    moved = build.school_moves(before, after).set_index("school_id")
    assert moved["move"].to_dict() == {"A": "reached", "B": "lost", "C": "", "D": "added",
                                       "E": "removed", "F": ""}
    assert moved.loc["A", "change_pp"] == pytest.approx(0.3) and moved.loc["A", "change"] == 3
    assert pd.isna(moved.loc["D", "base_share"]) and pd.isna(moved.loc["E", "share"])


def test_municipality_places_share_ties_and_a_missing_one_has_none() -> None:
    frame = pd.DataFrame({"oktmo": ["m1", "m2", "m3", "m4", "m5"], "registry": [5, 5, 5, 5, 0],
                          "step_can_login": [2, 1, 1, 0, 0],
                          "can_login_share": [0.5, 0.25, 0.25, 0.0, 0.0]})
    assert build.municipality_ranks(frame).tolist() == [1, 2, 2, 4, pd.NA]
    before = frame.assign(registry=[5, 5, 5, 0, 0], can_login_share=[0.1, 0.3, 0.25, 0.0, 0.0])
    moves = build.municipality_moves(before, frame).set_index("oktmo")
    assert moves.loc["m1", "base_rank"] == 3 and moves.loc["m1", "move"] == 2  # 3rd → 1st
    assert moves.loc["m2", "move"] == -1 and moves.loc["m3", "move"] == 0  # 1st → the tie at 2nd
    assert pd.isna(moves.loc["m4", "base_rank"]) and pd.isna(moves.loc["m4", "move"])  # not in the base
    assert pd.isna(moves.loc["m5", "rank"])
    assert moves.index.tolist() == ["m1", "m2", "m3", "m4", "m5"]


def test_build_compares_with_the_export_a_week_older() -> None:
    region = _build(**_with_base())
    week = region.changes
    assert week.has_base and week.base_date == BASE_DAY and week.base_parents_date == BASE_DAY
    assert week.threshold == pytest.approx(0.8) and week.min_days == 7
    funnel = week.funnel.set_index("step")
    assert funnel["base_count"].tolist() == [12, 8, 7, 6, 4, 4, 4, 4, 2]  # S1 3 + S2 5 records, no S3
    assert funnel.loc["step_can_login", "change"] == 1  # 3 now, 2 then (p1 and p4)
    assert funnel.loc["step_can_login", "change_pp"] == pytest.approx(3 / 12 - 2 / 12)
    assert week.schools.set_index("school_id")["move"].to_dict() == {"S1": "", "S2": "", "S3": "added"}
    places = week.municipalities.set_index("oktmo")
    assert places.loc[MO_A, "change_pp"] == pytest.approx(3 / 8 - 2 / 8)
    assert places.loc[MO_A, "move"] == 0 and pd.isna(places.loc[MO_B, "base_rank"])
    assert region.data_hash != _build(**{**_with_base(), "pupils": _pupils(), "parents": _parents(),
                                         "parent_children": _links()}).data_hash


def test_no_export_old_enough_means_no_base_and_the_block_says_so() -> None:
    recent = _build(**_with_base(days=6))
    assert not recent.changes.has_base and recent.changes.funnel.empty
    html = parts.changes_html(recent)
    assert "Среза, сделанного не позднее чем за 7 дней до этой справки, нет" in html.replace("\u00a0", " ")
    assert parts.changes_items(recent) == [] and parts.changes_table(recent).empty
    assert "За неделю" not in parts.funnel_table(recent).columns
    assert "сравнивать не с чем" in parts.changes_caption(recent)
    assert not _build().changes.has_base  # the plain fixture: one export only


def test_changes_read_with_signs_and_units(region: build.Diary) -> None:
    week = _build(**_with_base())
    items = [str(item) for item in parts.changes_items(week, budget=99)]
    assert items[0].startswith("Могут войти 25,0\u00a0% (+8,3\u00a0п.п.); по шагам, п.п.: реестр +16,7;")
    assert items[1] == "Порог 80\u00a0% тех, кто может войти, не перешла ни одна школа — ни вверх, ни вниз."
    assert items[2] == ("По муниципальным образованиям доля выросла сильнее всего: "
                        "Бабаевский м.\u00a0о. +12,5\u00a0п.п.")
    assert items[3] == "В реестре «Ученики» появились записи 1 школы (МБОУ «Третья ООШ»)."
    assert parts.changes_items(week, budget=0) == parts.changes_items(week, budget=99)[:2]
    html = parts.changes_html(week)
    assert "Что изменилось с 9 сентября 2024\u00a0г." in html and "лист «Изменения»" in html
    table = parts.changes_table(week)
    assert table["Раздел"].value_counts().to_dict() == {"Воронка": 9, "Муниципальные образования": 2,
                                                         "Школы": 3}
    schools = table[table["Раздел"] == "Школы"]
    assert schools["Что изменилось"].iloc[0] == "появилась в реестре «Ученики»"  # moves first
    assert "За неделю" in parts.funnel_table(week).columns


def test_a_municipality_missing_from_the_base_says_so_and_keeps_its_place() -> None:
    third = _build(MO_B, **_with_base())
    assert not third.changes.territory_in_base and third.changes.funnel.empty
    items = [str(item) for item in parts.changes_items(third, budget=99)]
    assert items[0] == ("В выгрузке на 9 сентября 2024\u00a0г. записей по территории «Бабушкинский "
                        "муниципальный округ» не было — воронку сравнить не с чем.")
    assert "Место в регионе по доле тех, кто может войти: 2-е из 2 (в прошлом срезе места не было)." in items
    assert "Воронка" not in set(parts.changes_table(third)["Раздел"])
    method = parts.methodology_html(third)
    assert "«Ученики» и «Реестр родителей» на 9 сентября 2024\u00a0г. Порог школы — 80\u00a0%" in method
    assert "такой выгрузки нет. Порог школы" in parts.methodology_html(_build())
    first = _build(MO_A, **_with_base())
    assert "Место в регионе по доле тех, кто может войти: 1-е из 2 (без изменений)." in \
        [str(item) for item in parts.changes_items(first, budget=99)]


def test_crossings_are_worded_both_ways() -> None:
    html = parts._inline(
        "change", kind="crossings", threshold=0.8, reached=4, reached_names=["А", "Б", "В"], lost=1,
        lost_names=["Г"], school_locative=parts.SCHOOL_LOCATIVE)
    assert str(html) == ("Доля тех, кто может войти, достигла 80\u00a0% в 4 школах (А, Б, В и ещё 1), "
                         "опустилась ниже 80\u00a0% в 1 школе (Г).")
    lost_only = parts._inline("change", kind="crossings", threshold=0.8, reached=0, reached_names=[],
                                lost=2, lost_names=["Г", "Д"], school_locative=parts.SCHOOL_LOCATIVE)
    assert str(lost_only) == ("Доля тех, кто может войти, опустилась ниже 80\u00a0% в 2 школах (Г, Д); "
                              "не достигла ни в одной.")


# --- page 1: the findings -------------------------------------------------------------------------

def test_findings_are_computed_from_the_figures(region: build.Diary, municipality: build.Diary) -> None:
    found = [str(f) for f in parts.findings(region)]
    assert found[0] == ("Могут войти <strong>25,0\u00a0%</strong> обучающихся; меньше всего — "
                        "Бабушкинский м.\u00a0о. (0,0\u00a0%).")
    # losses 2, 0, 1, 2, 1, 0, 1, 2: the registry first (a tie, the first wins), a step of the school
    assert found[1] == ("Больше всего обучающихся теряется на шаге «Внесены в реестр «Ученики»»: 2 "
                        "(16,7\u00a0% контингента).")
    assert found[2] == ("Школы с наименьшей долей: МБОУ «Третья ООШ» (Бабушкинский м.\u00a0о.) — 0,0\u00a0%, "
                        "МОУ «СОШ № 2» (Бабаевский м.\u00a0о.) — 25,0\u00a0%.")
    assert found[3].startswith("Исправить в первую очередь: школам — внести родителя в «Реестр родителей» "
                               "и указать ребёнка (3 записи в 1 школе); родителям — ")
    assert found[4] == ("Информация по авторизации не доведена до 1 школы, срок прошёл (30.09.2024); "
                        "с опозданием — до 1 школы. В реестре «Ученики» нет 2 обучающихся.")
    assert [str(f) for f in parts.findings(municipality)][0] == (
        "Могут войти <strong>37,5\u00a0%</strong> обучающихся (по региону — 25,0\u00a0%): "
        "1-е место из 2 в регионе.")
    assert build.municipality_place(municipality) == (1, 2)
    assert build.school_side_loss(region.territory) == ("step_registry", 2)
    summary = parts.summary_html(region)
    assert summary.count("<li>") == 5 and "книге Excel" in summary
    assert "&lt;strong&gt;" not in summary  # the findings are markup made by the fragments


def test_page_one_budget_counts_the_findings(region: build.Diary) -> None:
    assert parts.estimated_lines("x" * parts.LINE_CHARS) == 1
    assert parts.estimated_lines("<b>" + "x" * (parts.LINE_CHARS + 1) + "</b>") == 2
    used = sum(parts.estimated_lines(f) for f in parts.findings(region))
    assert parts.changes_budget(region) == parts.PAGE_ONE_LINES - used
    municipality = _build(MO_A)
    used = sum(parts.estimated_lines(f) for f in parts.findings(municipality))
    # its lead (169 characters) takes three 13-pt lines, one more than two: two 11-pt lines less;
    # its cards' notes compare with the region: one line less
    assert parts.estimated_lines(parts.lead_html(municipality), parts.LEAD_LINE_CHARS) == 3
    assert parts.changes_budget(municipality) == parts.PAGE_ONE_LINES - used - 2 - 1
