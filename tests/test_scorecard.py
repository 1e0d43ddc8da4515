"""The municipality scorecard: KPIs of a municipality's schools, ОМСУ tasks, what schools must do.

Figures are checked on a tiny hand-made region (two municipalities, four schools) whose every
expected value is computed by hand in the comments; the notebook runs once on that region put
into a tiny warehouse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.briefings import inputs
from helpers.briefings.municipality_scorecard import build as sc
from helpers.briefings.municipality_scorecard import parts
from helpers.config import NOTEBOOKS_DIR
from helpers.indicators import kpis as ind
from helpers.indicators.campaigns import Task, load_tasks
from helpers.presentation import tables
from helpers.render.execute import execute_notebook
from helpers.warehouse import slices, store

D = dt.date
REGION, CITY, OTHER = "35", "19701000", "19730000"
TARGETS = ind.Targets(
    campaign="2024–2025",
    k1=ind.Target("k1", "Доля активных директоров и педагогов в чатах", 0.25, strict=True),
    k2=ind.Target("k2", "Доля педагогов и обучающихся, связавших учётные записи", 0.75),
    k3=ind.Target("k3", "Базовая интеграция", 1.0),
    k4=ind.Target("k4", "Доля классных руководителей с чатом с родителями", 1.0),
    k5=ind.Target("k5", "Доля педагогов, привязавших учётную запись к ЕСИА", 1.0),
    near=0.8,
    delta_window_weeks=4,
)
TEST_WEEK = Task("test_week", "Неделя тестовой эксплуатации", "test_week_held", "municipality",
                 D(2024, 9, 20), start=D(2024, 9, 13))
ADOPTED = Task("regulation_adopted", "Положение принято", "regulation_adopted", "school",
               D(2024, 9, 20))
POSTED = Task("regulation_posted", "Положение на сайте", "regulation_posted", "school",
              D(2024, 9, 30))
TASKS_YML = """campaign: test_campaign
tasks:
  test_week: {label: "Неделя тестовой эксплуатации", column: test_week_held, level: municipality,
              period: [2024-09-13, 2024-09-20]}
  regulation_adopted: {label: "Положение принято", column: regulation_adopted, deadline: 2024-09-20}
  regulation_posted: {label: "Положение на сайте", column: regulation_posted, deadline: 2024-09-30}
"""

COUNTS = ["directors_total", "directors_active", "teachers_total", "teachers_active",
          "class_teachers_total", "class_teachers_parent_chat", "pupils_total", "teachers_linked",
          "pupils_linked", "teachers_esia"]
# On 16.09.2024. s1: every KPI met. s2: K1 1/10, K2 50/99, K4 3/5, K5 0/9. s3: K4 9/10.
# s4 (the other municipality): nothing yet.
ACTIVITY_0916 = {
    "s1": [1, 1, 9, 2, 10, 10, 90, 9, 66, 9],
    "s2": [1, 0, 9, 1, 5, 3, 90, 0, 50, 0],
    "s3": [1, 1, 19, 5, 10, 9, 180, 19, 150, 19],
    "s4": [1, 0, 9, 0, 10, 0, 100, 0, 0, 0],
}


def _activity() -> pd.DataFrame:
    rows = []
    for day, less in (("2024-09-09", 1), ("2024-09-16", 0)):  # a week earlier s1 had one less
        for school, counts in ACTIVITY_0916.items():
            values = dict(zip(COUNTS, counts, strict=True))
            if school == "s1":
                values["teachers_active"] -= less
            rows.append({"region_code": REGION, "school_id": school, **values,
                         "snapshot_date": pd.Timestamp(day)})
    return pd.DataFrame(rows)


def _schools() -> pd.DataFrame:
    return pd.DataFrame({
        "region_code": REGION,
        "school_id": ["s1", "s2", "s3", "s4"],
        "school_name": ["МОУ «СОШ № 1»", "МОУ «СОШ № 2»", "МОУ «СОШ № 3»", "МОУ «СОШ № 4»"],
        "oktmo": [CITY, CITY, CITY, OTHER],
        "municipality": ["город Вологда"] * 3 + ["город Череповец"],
        "kind": "средняя общеобразовательная школа",
        "classes": [10, 5, 10, 10],
        "pupils": [90, 90, 180, 100],
    })


def _municipalities() -> pd.DataFrame:
    return pd.DataFrame({"region_code": REGION, "oktmo": [CITY, OTHER],
                         "name": ["город Вологда", "город Череповец"],
                         "name_alt": ["", ""], "kind": "городской округ"})


def _tasks() -> pd.DataFrame:
    t = pd.Timestamp
    rows = [  # level, unit, school, test week, adopted, posted, url, meeting, auth info
        ("municipality", CITY, None, True, None, None, None, None, t("2024-09-27")),
        ("school", "s1", "s1", True, t("2024-09-15"), t("2024-09-25"), "https://s1.ru/p.pdf",
         t("2024-09-20"), t("2024-09-18")),
        ("school", "s2", "s2", False, t("2024-09-25"), None, None, None, None),
        ("school", "s3", "s3", True, t("2024-09-19"), t("2024-09-29"), None, t("2024-09-28"),
         t("2024-09-28")),
        ("school", "s4", "s4", True, t("2024-09-10"), t("2024-09-11"), "https://s4.ru/p.pdf",
         t("2024-09-12"), t("2024-09-12")),
    ]
    frame = pd.DataFrame(rows, columns=["level", "unit_id", "school_id", "test_week_held",
                                        "regulation_adopted", "regulation_posted", "regulation_url",
                                        "parent_meeting", "auth_info"])
    frame.insert(0, "region_code", REGION)
    frame.insert(1, "oktmo", [CITY, CITY, CITY, CITY, OTHER])
    frame["test_week_held"] = frame["test_week_held"].astype("boolean")
    for column in ("regulation_adopted", "regulation_posted", "parent_meeting", "auth_info"):
        frame[column] = pd.to_datetime(frame[column])
    frame["snapshot_date"] = pd.Timestamp("2024-10-01")
    return frame


def _frames(**changed: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The frames ``build`` takes, as ``slices.read`` gives them; ``changed`` replaces some."""
    return {"schools": _schools(), "school_activity": _activity(), "tasks": _tasks(),
            "municipalities": _municipalities(), **changed}


REGIONS = inputs.REGIONS.load(inputs.REGIONS.path)


def _params(task_file: Path) -> dict[str, object]:
    """What ``build`` gets besides the frames: the test's targets, the tasks of ``task_file``
    and the project's regions' reference."""
    return {"targets": TARGETS, "tasks": load_tasks(task_file), "regions": REGIONS}


@pytest.fixture
def tasks_file(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.yml"
    path.write_text(TASKS_YML, encoding="utf-8")
    return path


@pytest.fixture
def card(tasks_file: Path) -> sc.Scorecard:
    return sc.build(_frames(), region_code=REGION, oktmo=CITY, **_params(tasks_file))


# --- indicators ------------------------------------------------------------------------------

def test_territory_kpis_are_ratios_of_sums() -> None:
    activity = pd.DataFrame([dict(zip(COUNTS, ACTIVITY_0916[s], strict=True)) for s in ("s1", "s2")])
    kpis = sc.territory_kpis(activity)
    assert kpis["schools"] == 2 and kpis["teachers_total"] == 18
    assert kpis["k1"] == pytest.approx((1 + 2 + 0 + 1) / (1 + 9 + 1 + 9))  # 4/20, not mean of 30 % and 10 %
    assert kpis["k2"] == pytest.approx((9 + 66 + 0 + 50) / (9 + 90 + 9 + 90))
    assert kpis["k4"] == pytest.approx(13 / 15)
    assert kpis["k5"] == 9 and kpis["k5_share"] == pytest.approx(9 / 18)


def test_statuses_against_the_targets() -> None:
    kpis = sc.with_statuses(pd.Series({"k1": 0.25, "k2": 0.75, "k4": 0.85, "k5_share": 0.5}), TARGETS)
    # K1 must be strictly above 25 %: exactly 25 % is «близко»; K2 at 75 % is met.
    assert (kpis["k1_status"], kpis["k2_status"], kpis["k4_status"], kpis["k5_status"]) == \
        ("near", "met", "near", "behind")


def test_school_kpis_per_school() -> None:
    activity = pd.DataFrame([{"school_id": s, **dict(zip(COUNTS, c, strict=True))}
                             for s, c in ACTIVITY_0916.items()])
    schools = sc.school_kpis(activity, TARGETS).set_index("school_id")
    assert schools.at["s1", "k1"] == pytest.approx(0.3) and schools.at["s1", "k1_status"] == "met"
    assert schools.at["s2", "k1"] == pytest.approx(0.1) and schools.at["s2", "k1_status"] == "behind"
    assert schools.at["s3", "k4_status"] == "near"  # 9/10 ≥ 0,8 × 100 %


def test_k1_trend_and_municipality_ranking() -> None:
    activity = _activity()
    trend = sc.k1_trend(activity)
    assert list(trend["snapshot_date"]) == [pd.Timestamp("2024-09-09"), pd.Timestamp("2024-09-16")]
    assert list(trend["k1"]) == pytest.approx([9 / 50, 10 / 50])
    current = activity[activity["snapshot_date"] == pd.Timestamp("2024-09-16")]
    ranked = sc.municipality_ranking(current, _schools())
    assert list(ranked["oktmo"]) == [CITY, OTHER] and list(ranked["rank"]) == [1, 2]
    assert list(ranked["k1"]) == pytest.approx([10 / 40, 0.0])


@pytest.mark.parametrize(("done", "total", "target", "strict", "needed"), [
    (5, 10, 0.75, False, 3),   # 75 % of 10 is 7,5 → 8
    (2, 8, 0.25, True, 1),     # more than 25 % of 8 → 3 (2 is exactly 25 %)
    (1, 10, 0.25, True, 2),    # more than 2,5 → 3
    (52, 54, 1.0, False, 2),
    (9, 9, 1.0, False, 0),
    (0, 0, 1.0, False, 0),
    (8, 10, 0.5, False, 0),    # above the target already
])
def test_needed_to_reach(done: int, total: int, target: float, strict: bool, needed: int) -> None:
    assert sc.needed_to_reach(done, total, target, strict=strict) == needed


# --- tasks -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "task", "status"), [
    (pd.Timestamp("2024-09-20"), ADOPTED, "done"),       # on the deadline day
    (pd.Timestamp("2024-09-21"), ADOPTED, "late"),
    (pd.NaT, ADOPTED, "overdue"),
    (None, POSTED, "overdue"),
    (pd.Timestamp("2024-10-02"), POSTED, "overdue"),     # after the as-of day: not done yet
    (True, TEST_WEEK, "done"),
    (False, TEST_WEEK, "overdue"),
    (pd.NA, TEST_WEEK, "overdue"),
])
def test_task_state_on_the_first_of_october(value: object, task: Task, status: str) -> None:
    assert sc.task_state(value, task, D(2024, 10, 1)) == status


def test_task_not_due_yet_is_pending() -> None:
    assert sc.task_state(None, POSTED, D(2024, 9, 25)) == "pending"


def test_school_task_states() -> None:
    rows = _tasks()
    rows = rows[rows["level"] == "school"]
    states = sc.school_task_states(["s1", "s2", "s9"], rows, [TEST_WEEK, ADOPTED, POSTED],
                                   D(2024, 10, 1)).set_index("school_id")
    assert states.loc["s1"].to_dict() == {"in_tasks": True, "test_week": "done",
                                          "regulation_adopted": "done", "regulation_posted": "done"}
    assert states.loc["s2"].to_dict() == {"in_tasks": True, "test_week": "overdue",
                                          "regulation_adopted": "late", "regulation_posted": "overdue"}
    # s9 sent nothing: its school tasks are not done; the ОМСУ's test week is not its to say
    assert states.loc["s9"].to_dict() == {"in_tasks": False, "test_week": "unknown",
                                          "regulation_adopted": "overdue",
                                          "regulation_posted": "overdue"}


def test_municipality_tasks(card: sc.Scorecard) -> None:
    tasks = card.tasks.set_index("task_id")
    # test week: the ОМСУ's row says held; s2's row says not held
    assert tasks.at["test_week", "status"] == "done" and tasks.at["test_week", "omsu_mark"] is True
    assert tasks.at["test_week", "schools_missing"] == 1
    # adopted by all three, the last (s2) on 25.09 after the 20.09 deadline → late
    assert tasks.at["regulation_adopted", "status"] == "late"
    assert (tasks.at["regulation_adopted", "schools_done"],
            tasks.at["regulation_adopted", "schools_late"],
            tasks.at["regulation_adopted", "schools_missing"]) == (2, 1, 0)
    # s2 has not posted it and 30.09 has passed
    assert tasks.at["regulation_posted", "status"] == "overdue"
    assert tasks.at["regulation_posted", "schools_missing"] == 1


def test_a_school_level_task_done_by_all_on_time_is_done() -> None:
    rows = pd.DataFrame({"school_id": ["a", "b"],
                         "regulation_adopted": pd.to_datetime(["2024-09-10", "2024-09-19"])})
    states = sc.school_task_states(["a", "b"], rows, [ADOPTED], D(2024, 10, 1))
    tasks = sc.municipality_tasks([ADOPTED], None, rows, states, D(2024, 10, 1))
    assert tasks.loc[0, "status"] == "done" and tasks.loc[0, "schools_done"] == 2


# --- what each school still has to do --------------------------------------------------------

def test_school_todo(card: sc.Scorecard) -> None:
    schools = card.schools.set_index("school_id")
    # s2: posting overdue; K1 1/10 needs 3 (2 more), K2 50/99 needs 75 (25 more),
    # K4 3/5 needs 2 more, K5 0/9 needs 9
    assert list(schools.at["s2", "todo"]) == [
        sc.Todo("task", task=POSTED, state="overdue"),
        sc.Todo("kpi_gaps", gaps=(("k1", 2), ("k2", 25), ("k4", 2), ("k5", 9))),
    ]
    assert parts.school_todo(schools.loc["s2"]) == [
        "разместить положение на сайте (срок 30.09.2024 прошёл)",
        "до цели не хватает, чел.: K1 — 2, K2 — 25, K4 — 2, K5 — 9",
    ]
    assert schools.at["s2", "todo_count"] == 5 and schools.at["s2", "overdue"] == 1
    # s3: posted without the page address; K4 9/10
    assert list(schools.at["s3", "todo"]) == [sc.Todo("regulation_url"),
                                              sc.Todo("kpi_gaps", gaps=(("k4", 1),))]
    assert parts.school_todo(schools.loc["s3"]) == [
        "указать ссылку на положение на сайте школы", "до цели не хватает, чел.: K4 — 1"]
    assert schools.at["s3", "todo_count"] == 2
    assert list(schools.at["s1", "todo"]) == [] and schools.at["s1", "todo_count"] == 0


def test_todo_words() -> None:
    # a task not yet due; a task the wording does not know; missing data
    assert parts.todo_text(sc.Todo("task", task=POSTED, state="pending")) == \
        "разместить положение на сайте (до 30.09.2024)"
    unknown = Task("extra", "Особая задача", "extra", "school", D(2024, 9, 30))
    assert parts.todo_text(sc.Todo("task", task=unknown, state="overdue")) == \
        "выполнить задачу «Особая задача» (срок 30.09.2024 прошёл)"
    assert parts.todo_text(sc.Todo("activity_data")) == \
        "представить данные мониторинга активности в Сферуме"
    assert parts.todo_text(sc.Todo("tasks_data")) == "представить сведения о выполнении задач"
    school = pd.Series({"in_activity": False, "in_tasks": False, "regulation_adopted": "pending",
                        "regulation_posted": "overdue", "test_week": "overdue"})
    # data first, then overdue before pending; the ОМСУ's own task (test week) is not the school's
    assert sc.task_todo(school, [TEST_WEEK, ADOPTED, POSTED]) == [
        sc.Todo("activity_data"), sc.Todo("tasks_data"),
        sc.Todo("task", task=POSTED, state="overdue"), sc.Todo("task", task=ADOPTED, state="pending")]


def test_schools_most_to_do_first(card: sc.Scorecard) -> None:
    assert list(card.schools["school_id"]) == ["s2", "s3", "s1"]
    table = parts.schools_table(card)
    assert list(table["№"]) == [1, 2, 3]
    assert table["Что сделать"].iloc[2] == "всё выполнено"
    assert table["Статус K1"].iloc[0] == "✖ отстаёт"


def test_gaps_text() -> None:
    assert parts.gaps_text({}) == ""
    assert parts.gaps_text({"k1": 7, "k4": 2}) == "до цели не хватает, чел.: K1 — 7, K4 — 2"


# --- the scorecard ---------------------------------------------------------------------------

def test_municipality_and_region_kpis(card: sc.Scorecard) -> None:
    own, region = card.municipality, card.region
    assert own["schools"] == 3 and region["schools"] == 4
    assert own["k1"] == pytest.approx(10 / 40) and own["k1_status"] == "near"  # not above 25 %
    assert region["k1"] == pytest.approx(10 / 50) and region["k1_status"] == "near"
    assert own["k2"] == pytest.approx((28 + 266) / (37 + 360))
    assert own["k4"] == pytest.approx(22 / 25)
    assert own["k5_share"] == pytest.approx(28 / 37) and own["k5_status"] == "behind"
    assert card.rank == 1 and len(card.municipalities_ranked) == 2
    assert card.municipality_name == "город Вологда"


def test_dates_and_trend(card: sc.Scorecard) -> None:
    assert card.activity_date == D(2024, 9, 16)
    assert card.tasks_date == card.as_of == D(2024, 10, 1)
    assert list(card.municipality_trend["k1"]) == pytest.approx([9 / 40, 10 / 40])
    assert parts.provenance(card) == {"snapshot_date": "2024-10-01", "data_hash": card.data_hash}


def test_period_before_the_tasks_export(tasks_file: Path) -> None:
    early = sc.build(_frames(), region_code=REGION, oktmo=CITY, period="2024-09-12",
                     **_params(tasks_file))
    assert early.activity_date == D(2024, 9, 9) and early.tasks_date is None
    assert early.as_of == D(2024, 9, 12)
    assert set(early.tasks["status"]) == {"unknown"}
    assert early.tasks["schools_missing"].isna().all()
    figures = parts.key_figures(early)
    assert figures[4].fact == "—" and figures[4].status == "unknown"
    assert parts.provenance(early)["snapshot_date"] == "2024-09-09"


def test_data_after_the_period_does_not_change_the_hash(tasks_file: Path) -> None:
    def build(activity: pd.DataFrame) -> sc.Scorecard:
        return sc.build(_frames(school_activity=activity), region_code=REGION, oktmo=CITY,
                        period="2024-09-12", **_params(tasks_file))

    activity = _activity()
    earlier = activity[activity["snapshot_date"] <= pd.Timestamp("2024-09-09")]
    assert build(activity).data_hash == build(earlier).data_hash
    changed = activity.copy()
    changed.loc[0, "teachers_active"] += 1
    assert build(changed).data_hash != build(activity).data_hash


def test_unknown_municipality_is_refused(tasks_file: Path) -> None:
    with pytest.raises(ValueError, match="нет школ с ОКТМО 19999000"):
        sc.build(_frames(), region_code=REGION, oktmo="19999000", **_params(tasks_file))


def test_bad_period_is_refused(tasks_file: Path) -> None:
    with pytest.raises(ValueError, match="ГГГГ-ММ-ДД"):
        sc.build(_frames(), region_code=REGION, oktmo=CITY, period="16.09.2024",
                 **_params(tasks_file))
    with pytest.raises(ValueError, match="Нет среза мониторинга"):
        sc.build(_frames(), region_code=REGION, oktmo=CITY, period="2024-01-01",
                 **_params(tasks_file))


def test_display_tables(card: sc.Scorecard) -> None:
    tasks = parts.tasks_table(card)
    assert list(tasks.columns) == ["Задача", "Срок", "Статус", "Школ не выполнили",
                                   "Школ с опозданием"]
    assert list(tasks["Статус"].str.replace("\u00a0", " ")) == ["✔ в срок", "▲ с опозданием",
                                                                "✖ просрочено"]
    assert tasks["Срок"].iloc[0].replace("\u2060", "") == "13–20.09.2024"
    assert tasks["Срок"].iloc[1] == "до\u00a020.09.2024"
    kpis = parts.kpi_table(card)
    assert list(kpis["Показатель"].str[:2]) == ["K1", "K2", "K4", "K5"]
    assert kpis["Разница с областью"].iloc[0] == pytest.approx(0.25 - 0.2)
    assert "тестовая неделя чатов — да" in parts.tasks_note_html(card)
    figures = parts.key_figures(card)
    assert [f.status for f in figures[:4]] == ["near", "near", "near", "behind"]
    assert figures[4].fact == "1 из 3" and figures[4].status == "behind"  # the test week only
    assert figures[5].fact == "2 из 3"  # s1 and s3 did every school task (s2 has not posted)
    status = parts.school_tasks_table(card)
    assert status.loc[0, "Положение принято"] == "▲ выполнено с опозданием"
    assert parts.school_tasks_status_columns(card) == [
        "Тестовая неделя чатов", "Положение принято", "Положение на сайтах школ"]


def test_status_columns_are_coloured(card: sc.Scorecard) -> None:
    # the task states of the tasks table (NBSP inside) are status cells, as the KPI statuses are
    tasks = tables.html_view(parts.tasks_table(card), parts.TASK_FORMATS,
                             parts.TASK_STATUS_COLUMNS)
    assert "status-met" in tasks and "status-near" in tasks and "status-behind" in tasks
    kpis = tables.html_view(parts.kpi_table(card), parts.KPI_FORMATS,
                            parts.KPI_STATUS_COLUMNS)
    assert "status-near" in kpis and "status-behind" in kpis


def test_methodology_names_deadlines_and_sources(card: sc.Scorecard) -> None:
    text = parts.methodology_html(card)
    assert "13.09.2024" in text and "до 30.09.2024" in text.replace("\u00a0", " ")
    assert "более 25" in text and "params/tasks.yml" in text
    assert "16 сентября 2024" in text


def test_names_are_text_not_markup(tmp_path: Path) -> None:
    # a municipality and a task named with markup and an ampersand come out escaped
    path = tmp_path / "tasks.yml"
    path.write_text(TASKS_YML.replace("test_week: {label: \"Неделя тестовой эксплуатации\"",
                                      "week: {label: \"Неделя <b>тестов</b> & чатов\""),
                    encoding="utf-8")
    municipalities = _municipalities()
    municipalities.loc[0, "name"] = "<b>Город</b> & Ко"
    card = sc.build(_frames(municipalities=municipalities), region_code=REGION, oktmo=CITY,
                    **_params(path))
    lead = parts.lead_html(card)
    assert "<strong>&lt;b&gt;Город&lt;/b&gt; &amp; Ко</strong>" in lead and "<b>Город" not in lead
    note = parts.tasks_note_html(card)  # the ОМСУ marked the week held
    assert "неделя &lt;b&gt;тестов&lt;/b&gt; &amp; чатов — да" in note and "<b>тестов" not in note
    methodology = parts.methodology_html(card)
    assert "«Неделя &lt;b&gt;тестов&lt;/b&gt; &amp; чатов»" in methodology
    assert "<b>тестов" not in methodology
    schools = _schools()
    schools.loc[1, "school_name"] = "<b>СОШ</b> & сад"
    card = sc.build(_frames(schools=schools), region_code=REGION, oktmo=CITY,
                    **_params(tmp_path / "tasks.yml"))
    view = tables.html_view(parts.schools_table(card), parts.SCHOOL_FORMATS)
    assert "&lt;b&gt;СОШ&lt;/b&gt; &amp; сад" in view and "<b>СОШ" not in view


def test_a_region_without_tasks_export_gets_frames_without_columns(tasks_file: Path) -> None:
    # slices.read gives an optional table the warehouse lacks as a frame without rows or columns
    card = sc.build(_frames(tasks=pd.DataFrame(), municipalities=pd.DataFrame()),
                    region_code=REGION, oktmo=CITY, **_params(tasks_file))
    assert card.tasks_date is None and set(card.tasks["status"]) == {"unknown"}
    assert card.municipality_name == "город Вологда"  # from the school registry
    assert card.as_of == card.activity_date == D(2024, 9, 16)
    # no export: nothing is asked of the schools but their KPIs
    assert all(item.kind == "kpi_gaps" for todo in card.schools["todo"] for item in todo)
    assert parts.key_figures(card)[5].fact == "—"
    assert "выгрузки о выполнении задач на эту дату нет." in parts.lead_html(card)
    assert "(нет на эту дату)" in parts.methodology_html(card)
    assert "выгрузка задач" not in parts.provenance_html(card)


def test_a_region_without_schools_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    store.rebuild(path, {"schools": _schools(), "school_activity": _activity()}, keys={})
    with pytest.raises(slices.MissingData, match="make ingest"):
        sc.load("36", CITY, warehouse_path=path)


# --- what changed since the comparison base -------------------------------------------------

def _k1_rows(day: str, counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Activity rows of one snapshot with only K1's counts: school → (active, total) teachers."""
    rows = []
    for school, (active, total) in counts.items():
        values = dict.fromkeys(COUNTS, 0)
        values.update(teachers_active=active, teachers_total=total)
        rows.append({"region_code": REGION, "school_id": school, **values,
                     "snapshot_date": pd.Timestamp(day)})
    return pd.DataFrame(rows)


def test_k1_crossings_in_both_directions_and_schools_in_one_snapshot_only() -> None:
    registry = pd.DataFrame({"school_id": ["s1", "s2", "s3", "s4"],
                             "school_name": ["СОШ 1", "СОШ 2", "СОШ 3", "СОШ 4"]})
    # s1 2/10 → 3/10 reaches «более 25 %»; s3 6/20 → 5/20 is exactly 25 %: lost; s2 is at the
    # base only, s4 (9/10) now only: no crossings, they left and entered the monitoring
    before = _k1_rows("2024-09-09", {"s1": (2, 10), "s2": (1, 10), "s3": (6, 20)})
    after = _k1_rows("2024-09-16", {"s1": (3, 10), "s3": (5, 20), "s4": (9, 10)})
    moved = sc.k1_crossings(before, after, registry, TARGETS)
    assert moved[["school_id", "direction"]].to_dict("records") == [
        {"school_id": "s1", "direction": "reached"}, {"school_id": "s3", "direction": "lost"}]
    assert list(moved["k1_before"]) == pytest.approx([0.2, 0.3])
    assert list(moved["k1_after"]) == pytest.approx([0.3, 0.25])
    entered, left = sc.monitoring_changes(before, after, registry)
    assert entered.to_dict("records") == [{"school_id": "s4", "school_name": "СОШ 4"}]
    assert left.to_dict("records") == [{"school_id": "s2", "school_name": "СОШ 2"}]


def test_standing_with_a_tie_and_a_municipality_missing_at_the_base() -> None:
    schools = pd.DataFrame({"school_id": ["a", "b", "c", "d"], "oktmo": ["A", "B", "C", "D"]})
    # at the base A and B tie on 30 % (both 1st), C is 3rd and D has no school in the snapshot
    before = _k1_rows("2024-09-09", {"a": (3, 10), "b": (3, 10), "c": (2, 10)})
    after = _k1_rows("2024-09-16", {"a": (2, 10), "b": (4, 10), "c": (3, 10), "d": (1, 10)})
    fell = sc.standing(before, after, schools, "A")
    assert (fell.rank_before, fell.rank_after, fell.rank_move) == (1, 3, -2)
    assert (fell.municipalities_before, fell.municipalities_after) == (3, 4)
    assert fell.k1_delta == pytest.approx(-0.1)
    assert sc.standing(before, after, schools, "B").rank_move == 0
    assert sc.standing(before, after, schools, "C").rank_move == 1
    new = sc.standing(before, after, schools, "D")
    assert (new.rank_before, new.rank_after, new.rank_move, new.k1_delta) == (None, 4, None, None)


def _two_task_exports() -> pd.DataFrame:
    """The tasks export of 01.10 and one of 24.09: then the ОМСУ had not held the test week,
    s1 had adopted the положение but not posted it, s2 had done nothing, s3 sent no row."""
    base = _tasks()
    base = base[base["unit_id"] != "s3"].reset_index(drop=True)
    omsu, s1, s2 = base.index[:3]
    base.loc[omsu, "test_week_held"] = False
    base.loc[s1, ["regulation_posted", "parent_meeting", "auth_info"]] = pd.NaT
    base.loc[s1, "regulation_url"] = None
    base.loc[s2, ["regulation_adopted", "regulation_posted", "parent_meeting", "auth_info"]] = pd.NaT
    base.loc[s2, "test_week_held"] = pd.NA
    base["snapshot_date"] = pd.Timestamp("2024-09-24")
    return pd.concat([base, _tasks()], ignore_index=True)


def test_tasks_done_since_the_base_export(tasks_file: Path) -> None:
    card = sc.build(_frames(tasks=_two_task_exports()), region_code=REGION, oktmo=CITY,
                    **_params(tasks_file))
    week = card.changes
    assert (week.activity_base, week.tasks_base) == (D(2024, 9, 9), D(2024, 9, 24))
    # 24.09 → 01.10: the ОМСУ held the test week (overdue → done) and the положение is adopted
    # by all three (the last, s2, late: overdue → late); posting stays not done (pending →
    # overdue). School tasks: s2 and s3 (no row then) adopted it, s1 and s3 posted it.
    assert week.tasks_moved[["level", "school_id", "task_id", "before", "after"]] \
        .to_dict("records") == [
        {"level": "municipality", "school_id": None, "task_id": "test_week", "before": "overdue",
         "after": "done"},
        {"level": "municipality", "school_id": None, "task_id": "regulation_adopted",
         "before": "overdue", "after": "late"},
        {"level": "school", "school_id": "s2", "task_id": "regulation_adopted", "before": "overdue",
         "after": "late"},
        {"level": "school", "school_id": "s3", "task_id": "regulation_adopted", "before": "overdue",
         "after": "done"},
        {"level": "school", "school_id": "s1", "task_id": "regulation_posted", "before": "pending",
         "after": "done"},
        {"level": "school", "school_id": "s3", "task_id": "regulation_posted", "before": "pending",
         "after": "done"},
    ]
    assert set(week.tasks_moved["direction"]) == {"done"}
    assert "лист «Изменения»" in parts.changes_html(card)  # which schools: in the workbook
    # not done then: s1 1 (posting), s2 2, s3 2; now: s2's posting
    assert (week.open_before, week.open_after) == (5, 1)
    items = [item.replace("\u00a0", " ") for item in parts.changes_items(card)]
    assert items[-1] == ("С 24.09.2024 школы выполнили 4 задачи, не выполнено 1 (было 5); "
                         "ОМСУ выполнил: тестовая неделя чатов, положение принято.")
    table = parts.changes_table(card)
    done = table[table["Что изменилось"] == "Задача выполнена"]
    assert len(done) == 6 and list(done["Школа или ОМСУ"])[:2] == ["город Вологда"] * 2
    assert done["Стало"].iloc[0] == "✔ выполнено в срок"
    assert "выгрузка задач для сравнения 24 сентября 2024" in parts.provenance_html(card)
    assert "выгрузка задач на 24 сентября 2024" in parts.methodology_html(card)
    # the base export is read: changing it changes the data hash
    changed = _two_task_exports()
    changed.loc[0, "test_week_held"] = True
    other = sc.build(_frames(tasks=changed), region_code=REGION, oktmo=CITY, **_params(tasks_file))
    assert other.data_hash != card.data_hash


def test_a_withdrawn_mark_is_undone() -> None:
    registry = pd.DataFrame({"school_id": ["s1"], "school_name": ["СОШ 1"]})
    before = pd.DataFrame({"school_id": ["s1"], "in_tasks": True, "regulation_posted": ["done"]})
    after = before.assign(regulation_posted="overdue")
    omsu = pd.DataFrame({"task_id": ["regulation_posted"], "status": ["done"]})
    moved = sc.tasks_moved(before, after, omsu, omsu.assign(status="overdue"), [POSTED], registry,
                           "город")
    assert list(moved["direction"]) == ["undone", "undone"]
    assert list(moved["level"]) == ["municipality", "school"]


def test_the_week_on_page_one(card: sc.Scorecard) -> None:
    # 16.09 against 09.09: s1 reached K1's target (2/10 → 3/10); the city stays 1st of 2 with
    # K1 9/40 → 10/40; the only tasks export (01.10) has none a week older to compare with
    week = card.changes
    assert week.base_date == week.activity_base == D(2024, 9, 9) and week.tasks_base is None
    assert week.k1_crossings[["school_id", "direction"]].to_dict("records") == [
        {"school_id": "s1", "direction": "reached"}]
    assert (week.standing.rank_before, week.standing.rank_after) == (1, 1)
    assert week.standing.k1_delta == pytest.approx(0.025)
    items = [item.replace("\u00a0", " ") for item in parts.changes_items(card)]
    assert items == [
        "Место по K1 в области — 1 из 2 (без изменений); K1 — 25,0 % (+2,5 п.п.).",
        "Достигли цели по K1: 1 школа (МОУ «СОШ № 1»).",
        "Задачи: выгрузки на 24.09.2024 или раньше нет — сравнивать не с чем.",
    ]
    html = parts.changes_html(card)
    assert "Что изменилось с 9 сентября 2024" in html and "лист «Изменения»" not in html
    assert "&amp;" not in html and "&#34;" not in html  # escaped once, not twice
    table = parts.changes_table(card)
    assert table[["Что изменилось", "Школа или ОМСУ", "Было", "Стало"]].to_dict("records") == [
        {"Что изменилось": "Место по K1 в области", "Школа или ОМСУ": "город Вологда",
         "Было": "1 из 2; K1 22,5\u00a0%", "Стало": "1 из 2; K1 25,0\u00a0%"},
        {"Что изменилось": "Достигла цели по K1", "Школа или ОМСУ": "МОУ «СОШ № 1»",
         "Было": 0.2, "Стало": 0.3}]  # K1 stays a number, a share in the workbook
    assert parts.changes_row_formats(card) == {"Было": ["text", "percent"], "Стало": ["text", "percent"]}
    assert "мониторинг активности — с 09.09.2024" in parts.changes_title(card)


def test_a_long_list_of_crossings_names_two_and_points_to_the_workbook(card: sc.Scorecard
                                                                         ) -> None:
    crossings = pd.DataFrame({"school_id": ["a", "b", "c", "d"],
                              "school_name": ["СОШ 1", "СОШ 2", "СОШ 3", "СОШ 4"],
                              "k1_before": [0.2, 0.2, 0.2, 0.3], "k1_after": [0.3, 0.3, 0.3, 0.2],
                              "direction": ["reached", "reached", "reached", "lost"]})
    many = replace(card, changes=replace(card.changes, k1_crossings=crossings))
    assert parts.changes_items(many)[1] == ("Достигли цели по K1: 3 школы (СОШ 1, СОШ 2 и ещё 1); "
                                              "опустились ниже цели по K1: 1 школа (СОШ 4).")
    assert "Полные списки — в книге Excel, лист «Изменения»." in parts.changes_html(many)
    assert len(parts.changes_table(many)) == 5  # the place and the four schools


def test_a_fall_and_a_place_unknown_at_the_base_in_words(card: sc.Scorecard) -> None:
    fell = replace(card, changes=replace(card.changes, standing=sc.Standing(
        k1_before=0.3, k1_after=0.2, rank_before=1, rank_after=3, municipalities_before=3,
        municipalities_after=4)))
    assert parts.changes_items(fell)[0].replace("\u00a0", " ") == \
        "Место по K1 в области — 3 из 4 (−2 места, было 1); K1 — 20,0 % (−10,0 п.п.)."
    new = replace(card, changes=replace(card.changes, standing=sc.Standing(
        k1_before=None, k1_after=0.2, rank_before=None, rank_after=4, municipalities_before=3,
        municipalities_after=4)))
    assert parts.changes_items(new)[0].replace("\u00a0", " ") == \
        "Место по K1 в области — 4 из 4 (на 09.09.2024 места не было); K1 — 20,0 %."


def test_no_base_the_block_says_so(tasks_file: Path) -> None:
    # on 12.09 the latest snapshot is 09.09 and there is none a week older; no tasks export yet
    early = sc.build(_frames(), region_code=REGION, oktmo=CITY, period="2024-09-12",
                     **_params(tasks_file))
    week = early.changes
    assert week.base_date is None and week.k1_crossings.empty and week.tasks_moved.empty
    assert week.standing.rank_move is None
    assert parts.changes_items(early) == []
    html = parts.changes_html(early)
    assert "не позднее чем за 7 дней" in html and "сравнивать не с чем" in html
    table = parts.changes_table(early)
    assert list(table["Что изменилось"]) == ["Сравнивать не с чем"]
    assert "среза не позднее чем за 7 дней нет" in parts.changes_title(early)
    assert "выгрузки о выполнении задач нет" in parts.changes_title(early)


def test_a_school_missing_from_the_latest_snapshot_and_the_tasks_export(tasks_file: Path
                                                                         ) -> None:
    activity = _activity()
    activity = activity[~((activity["school_id"] == "s3")
                          & (activity["snapshot_date"] == pd.Timestamp("2024-09-16")))]
    tasks = _tasks()
    card = sc.build(_frames(school_activity=activity, tasks=tasks[tasks["unit_id"] != "s3"]),
                    region_code=REGION, oktmo=CITY, **_params(tasks_file))
    assert card.changes.schools_left["school_id"].tolist() == ["s3"]
    assert card.changes.k1_crossings["school_id"].tolist() == ["s1"]  # s3 is no crossing
    findings = [f.replace("\u00a0", " ") for f in parts.findings(card)]
    assert "Нет в мониторинге активности: 1 школа (МОУ «СОШ № 3»); нет в выгрузке задач: 1 школа " \
           "(МОУ «СОШ № 3»)." in findings
    items = [item.replace("\u00a0", " ") for item in parts.changes_items(card)]
    assert "Выпали из мониторинга активности: 1 школа (МОУ «СОШ № 3»)." in items


# --- page one and the long list ------------------------------------------------------------------

def test_the_findings_are_computed(card: sc.Scorecard) -> None:
    # K1: s2 only below target (1/10). Tasks: posting overdue (s2). Municipality: K1 10/40 is
    # not above 25 % (11 needed: 1 more), K2 294/397 needs 298 (4), K4 22/25 (3), K5 28/37 (9)
    assert [f.replace("\u00a0", " ") for f in parts.findings(card)] == [
        "Ниже цели по K1 (более 25 %) — 1 школа из 3; меньше всего: МОУ «СОШ № 2» (10,0 %).",
        "Просрочено задач ОМСУ: 1 из 3; просроченные задачи — у 1 школы из 3 (всего 1).",
        "Данные есть по всем 3 школам: в мониторинге активности и в выгрузке задач.",
        "До целей не хватает, чел.: K1 — 1, K2 — 4, K4 — 3, K5 — 9.",
    ]
    html = parts.summary_html(card)
    assert html.count("<li>") == 4 and "Главное" in html and "в приложении" not in html
    assert "&amp;laquo;" not in html and "МОУ «СОШ № 2»" in html


def test_no_tasks_export_in_the_findings(tasks_file: Path) -> None:
    card = sc.build(_frames(tasks=pd.DataFrame()), region_code=REGION, oktmo=CITY,
                    **_params(tasks_file))
    findings = [f.replace("\u00a0", " ") for f in parts.findings(card)]
    assert findings[1] == ("Выгрузки о выполнении задач на 16 сентября 2024 г. или раньше нет — "
                           "задачи ОМСУ и школ не оценены.")
    assert findings[2] == "Данные есть по всем 3 школам: в мониторинге активности."
    assert parts.changes_items(card)[-1].startswith("Достигли цели по K1")


def test_a_long_list_keeps_its_top_in_the_body_and_the_rest_in_the_appendix(
        card: sc.Scorecard, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parts.schools_in_body(card) == 3 and parts.schools_appendix_html(card) == ""
    monkeypatch.setattr(parts, "SHORT_LIST", 2)
    monkeypatch.setattr(parts, "SCHOOLS_IN_BODY", 1)
    assert parts.schools_in_body(card) == 1
    body = parts.schools_body_html(card)
    assert "МОУ «СОШ № 2»" in body and "МОУ «СОШ № 3»" not in body  # most to do first
    appendix = parts.schools_appendix_html(card)
    assert "Приложение. Остальные школы (2–3)" in appendix
    assert "МОУ «СОШ № 3»" in appendix and "МОУ «СОШ № 1»" in appendix
    assert "МОУ «СОШ № 2»" not in appendix
    assert len(parts.schools_table(card)) == 3  # the workbook's sheet: every school
    assert "остальные 2 — в приложении" in parts.schools_note_html(card)
    assert "(первые 1; остальные 2 — в приложении)" in parts.summary_html(card)


# --- the notebook ----------------------------------------------------------------------------

def test_notebook_runs_on_a_tiny_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.duckdb"
    store.rebuild(path, {"schools": _schools(), "school_activity": _activity(),
                             "tasks": _tasks(), "municipalities": _municipalities()}, keys={})
    monkeypatch.setenv("WAREHOUSE", str(path))
    monkeypatch.setenv("PERIOD", "")
    nb = execute_notebook(NOTEBOOKS_DIR / "municipality_scorecard.ipynb", tmp_path / "out.ipynb",
                          {"region_code": REGION, "oktmo": CITY, "period": ""})
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    text = " ".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    text = text.replace("\u00a0", " ")
    headings = " ".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    for heading in ("## Показатели и задачи ОМСУ", "## Школы: что осталось сделать",
                    "## Динамика активности педагогов", "## Методика и источники"):
        assert heading in headings
    assert headings.rstrip().endswith("## Методика и источники")
    assert "город Вологда" in text and "25,0 %" in text and "до цели не хватает" in text
    assert "Положение принято" in text and "просрочено" in text
    tables = [o.data["application/vnd.sferum.table+json"]["name"] for o in outputs
              if "application/vnd.sferum.table+json" in o.get("data", {})]
    assert tables == ["Изменения", "Задачи ОМСУ", "Показатели", "Школы", "Задачи по школам",
                      "Динамика K1"]
    # page one: the summary, the week's changes (16.09 against 09.09), then a page break
    assert "Главное" in text and "Что изменилось с 9 сентября 2024" in text
    assert "Достигли цели по K1: 1 школа (МОУ «СОШ № 1»)" in text
    assert text.index("Что изменилось") < text.index('class="page-break"') \
        < text.index("Задачи ОМСУ: срок, статус")


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOKS_DIR / "municipality_scorecard.ipynb", as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)


def test_a_region_without_tasks_export_still_gets_its_scorecard(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    store.rebuild(path, {"schools": _schools(), "school_activity": _activity()}, keys={})
    card = sc.load(REGION, CITY, warehouse_path=path)
    assert card.tasks_date is None and set(card.tasks["status"]) == {"unknown"}
    assert card.municipality_name == "город Вологда"  # from the school registry
    assert card.as_of == card.activity_date == D(2024, 9, 16)


def test_a_warehouse_without_school_data_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    store.rebuild(path, {"municipalities": _municipalities()}, keys={})
    with pytest.raises(ValueError, match="make ingest"):
        sc.load(REGION, CITY, warehouse_path=path)
