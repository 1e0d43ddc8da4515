"""The pieces of the municipality scorecard briefing's blocks: frames, titles, captions, formats,
key figures and HTML fragments (``templates/briefing/fragments/municipality_scorecard/``). The
blocks a notebook shows are assembled from them in ``present.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from helpers import vocabulary as words
from helpers.briefings.municipality_scorecard import build
from helpers.briefings.municipality_scorecard.build import SHARE_KPIS, Scorecard, Todo
from helpers.indicators import campaigns
from helpers.indicators import kpis as ind
from helpers.presentation import charts, fragments, tables
from helpers.presentation.blocks import Changes
from helpers.presentation.fragments import KeyFigure

KIND = "municipality_scorecard"

TASK_NAMES = {
    "test_week": "Тестовая неделя чатов",
    "regulation_adopted": "Положение принято",
    "regulation_posted": "Положение на сайтах школ",
    "parent_meeting": "Родительские собрания",
    "auth_info": "Информация о входе в ЭЖД",
}
"""Short names of the known tasks for tables (full labels: params, methodology). Tasks are data
(``params/tasks.yml``): a task not listed here is named by its label."""

TASK_ACTIONS = {
    "test_week": "провести тестовую неделю чатов",
    "regulation_adopted": "принять положение об ИКОП «Сферум»",
    "regulation_posted": "разместить положение на сайте",
    "parent_meeting": "провести родительское собрание",
    "auth_info": "довести информацию по авторизации в ЭЖД",
}
"""What must still happen for a task a school has not done, as a short imperative (a task not
listed here: «выполнить задачу «…»»)."""

TODO_WORDS = {
    "activity_data": "представить данные мониторинга активности в Сферуме",
    "tasks_data": "представить сведения о выполнении задач",
    "regulation_url": "указать ссылку на положение на сайте школы",
}
"""The «что сделать» items that name no task."""

CARD_LABELS = {
    "k1": "K1 · активные директора и педагоги в чатах",
    "k2": "K2 · связь учётных записей ЭЖД и Сферума",
    "k4": "K4 · классные руководители с чатом с родителями",
    "k5": "K5 · педагоги с привязкой к ЕСИА",
}
"""Short names of the KPIs for the first-page cards (the full ones are in the table below)."""


def task_name(task_id: str, label: str) -> str:
    """A task's short name for tables and notes."""
    return TASK_NAMES.get(task_id, label)


def _render(fragment: str, **data: Any) -> str:
    return fragments.render(f"{KIND}/{fragment}.html.j2", **data)


_SPACES = re.compile(r"[ \t\r\n]+")  # the template's line breaks; never the no-break spaces


def _sentence(fragment: str, **data: Any) -> Markup:
    """One sentence of a fragment, as markup a shared fragment (the summary, the changes block)
    takes without escaping it again (names in it are escaped once, here)."""
    return fragments.markup(_SPACES.sub(" ", _render(fragment, **data)).strip())


# --- what a school must still do -------------------------------------------------------------

def gaps_text(gaps: dict[str, int]) -> str:
    """``{"k1": 7, "k4": 2}`` → «до цели не хватает, чел.: K1 — 7, K4 — 2» ('' when none)."""
    if not gaps:
        return ""
    return "до цели не хватает, чел.: " + ", ".join(
        f"{kpi.upper()} — {words.fmt_int(n)}" for kpi, n in gaps.items())


def _task_action(task: campaigns.Task) -> str:
    return TASK_ACTIONS.get(task.id, f"выполнить задачу «{task.label}»")


def todo_text(item: Todo) -> str:
    """One item of a school's «что сделать» in words: «разместить положение на сайте (срок
    30.09.2024 прошёл)», «до цели не хватает, чел.: K1 — 2, K4 — 1»."""
    if item.kind == "task" and item.task is not None:
        deadline = words.fmt_date_short(item.task.deadline)
        when = f"срок {deadline} прошёл" if item.state == "overdue" else f"до {deadline}"
        return f"{_task_action(item.task)} ({when})"
    if item.kind == "kpi_gaps":
        return gaps_text(dict(item.gaps))
    return TODO_WORDS[item.kind]


def school_todo(school: pd.Series) -> list[str]:
    """What a school (a row of ``Scorecard.schools``) still has to do, item by item."""
    return [todo_text(item) for item in school["todo"]]


# --- the first page ----------------------------------------------------------------------------

def key_figures(card: Scorecard) -> list[KeyFigure]:
    """The first page: the municipality's K1, K2, K4, K5 against the targets and the region, and
    its tasks."""
    own, region, targets = card.municipality, card.region, card.targets
    rank = card.rank
    place = f"; место {rank} из {len(card.municipalities_ranked)}" if rank else ""

    def share(kpi: str, note: str = "") -> KeyFigure:
        column = ind.KPI_VALUE_COLUMN[kpi]
        return KeyFigure(CARD_LABELS[kpi], words.fmt_percent(own[column]),
                         words.target_wording(targets.target(kpi)), own[f"{kpi}_status"],
                         note=f"по области: {words.fmt_percent(region[column])}{note}")

    on_time, total, tasks_status = build.tasks_summary(card)
    clear, schools = build.schools_clear(card), len(card.schools)
    return [
        share("k1", place),
        share("k2"),
        share("k4"),
        KeyFigure(CARD_LABELS["k5"], words.fmt_percent(own["k5_share"]), "все педагоги",
                  own["k5_status"],
                  note=f"{words.fmt_int(own['k5'])} из {words.fmt_int(own['teachers_total'])}; "
                       f"по области: {words.fmt_percent(region['k5_share'])}"),
        KeyFigure("Задачи ОМСУ, выполненные в срок",
                  f"{on_time} из {total}" if tasks_status != "unknown" else "—",
                  f"все {total} в срок", tasks_status,
                  note=f"просрочено: {build.tasks_overdue(card)}"),
        KeyFigure("Школы, выполнившие все задачи",
                  f"{clear} из {schools}" if card.tasks_date else "—", f"все {schools}",
                  build.schools_clear_status(card),
                  note=f"по выгрузке на {words.fmt_date_short(card.tasks_date)}"
                  if card.tasks_date else "нет выгрузки о задачах"),
    ]


def lead_html(card: Scorecard) -> str:
    """The line under the title: territory, size, dates (its place by K1 is on the K1 card and
    in the changes block)."""
    own = card.municipality
    return _render("lead", territory=card.municipality_name, oktmo=card.oktmo,
                   schools=own["schools"], teachers=own["teachers_total"],
                   pupils=own["pupils_total"], activity_date=card.activity_date,
                   tasks_date=card.tasks_date, as_of=card.as_of)


# --- the first page: the summary and the week's changes ----------------------------------------

LOWEST_SHOWN = 3
"""How many of the schools lowest on K1 the findings name."""
NAMES_IN_CHANGES = 2
"""How many schools a line of the changes names before «и ещё N» (the rest: «Изменения» sheet)."""


def about_text(card: Scorecard) -> Markup:
    """What the briefing is about, in one sentence."""
    return _sentence("page_one", part="about", campaign=card.targets.campaign)


def findings(card: Scorecard) -> list[Markup]:
    """The three or four findings of page one, computed: the schools lowest on K1, the ОМСУ's
    overdue tasks and the schools with overdue tasks, the schools missing from the exports, and
    how many people the municipality lacks for each KPI below target."""
    schools = len(card.schools)
    lowest = [{"name": row["school_name"], "k1": row["k1"]}
              for _, row in build.lowest_k1(card, LOWEST_SHOWN).iterrows()]
    items = [_sentence("page_one", part="k1", below=build.schools_below_k1(card), schools=schools,
                       k1_target=card.targets.k1, lowest=lowest)]
    states = card.tasks["status"]
    has_export = card.tasks_date is not None
    items.append(_sentence(
        "page_one", part="tasks", has_export=has_export, as_of=card.as_of,
        overdue=build.tasks_overdue(card), total=len(states), done=int((states == "done").sum()),
        late=int((states == "late").sum()), pending=int((states == "pending").sum()),
        late_schools=build.schools_with_overdue(card),
        overdue_total=int(card.schools["overdue"].sum()), schools=schools))
    no_activity, no_tasks = build.missing_schools(card)
    items.append(_sentence("page_one", part="missing", no_activity=no_activity, no_tasks=no_tasks,
                           has_export=has_export, schools=schools))
    gaps = build.municipality_gaps(card)
    if gaps:
        items.append(_sentence("page_one", part="gaps", gaps=list(gaps.items())))
    return items


def summary_html(card: Scorecard) -> str:
    """The page-one «Главное» box: what the briefing is about, the findings, where the details are."""
    details = _sentence("page_one", part="details", in_body=schools_in_body(card),
                        schools=len(card.schools))
    return fragments.summary_html(about=about_text(card), findings=findings(card), details=details)


def _school_names(frame: pd.DataFrame) -> list[str]:
    return [str(name) for name in frame["school_name"]]


def changes_items(card: Scorecard) -> list[Markup]:
    """The lines of the «Что изменилось» block: the municipality's place and K1, schools that
    reached or lost K1's target, schools that entered or left the monitoring, tasks done since
    the tasks base — or, for a source without a base, that there is nothing to compare with."""
    week, items = card.changes, []
    if week.base_date is None:
        return []
    place = week.standing
    if week.activity_base is None:
        items.append(_sentence("changes_item", item="activity_no_base",
                               latest=card.activity_date - dt.timedelta(days=week.min_days)))
    else:
        if place.rank_after is not None:
            items.append(_sentence(
                "changes_item", item="standing", rank_after=place.rank_after,
                municipalities=place.municipalities_after, move=words.fmt_places(place.rank_move),
                rank_before=place.rank_before, base=week.activity_base,
                k1_after=place.k1_after,
                k1_delta=words.fmt_pp(place.k1_delta) if place.k1_delta is not None else ""))
        crossings = week.k1_crossings
        items.append(_sentence(
            "changes_item", item="k1",
            reached=_school_names(crossings[crossings["direction"] == "reached"]),
            lost=_school_names(crossings[crossings["direction"] == "lost"]),
            limit=NAMES_IN_CHANGES))
        if len(week.schools_entered) or len(week.schools_left):
            items.append(_sentence("changes_item", item="monitoring",
                                   entered=_school_names(week.schools_entered),
                                   left=_school_names(week.schools_left),
                                   limit=NAMES_IN_CHANGES))
    if card.tasks_date is not None and week.tasks_base is None:
        items.append(_sentence("changes_item", item="tasks_no_base",
                               latest=card.tasks_date - dt.timedelta(days=week.min_days)))
    elif week.tasks_base is not None:
        names = {task.id: task_name(task.id, task.label) for task in card.task_specs}
        items.append(_sentence(
            "changes_item", item="tasks", base=week.tasks_base, done=len(week.tasks("school")),
            omsu_done=[names[t] for t in week.tasks("municipality")["task_id"]],
            undone=len(week.tasks_moved[week.tasks_moved["direction"] == "undone"]),
            open_before=week.open_before, open_after=week.open_after))
    return items


def week_changes(card: Scorecard) -> Changes:
    """The «Что изменилось с <дата>» block of page one (or that there is no base), as data."""
    week = card.changes
    named = max(len(week.schools_entered), len(week.schools_left),
                *week.k1_crossings["direction"].value_counts().tolist(), 0)
    more = _sentence("changes_item", item="more") \
        if named > NAMES_IN_CHANGES or len(week.tasks_moved) else ""
    return Changes(week.base_date, changes_items(card), min_days=week.min_days, more=more)


def changes_html(card: Scorecard) -> str:
    """The «Что изменилось с <дата>» block of page one (or that there is no base)."""
    return week_changes(card).html()


CHANGE_WORDS = {
    "standing": "Место по K1 в области",
    "reached": "Достигла цели по K1",
    "lost": "Опустилась ниже цели по K1",
    "entered": "Впервые в мониторинге активности",
    "left": "Выпала из мониторинга активности",
    "done": "Задача выполнена",
    "undone": "Отметка о выполнении снята",
    "none": "Сравнивать не с чем",
}
"""The «Что изменилось» column of the «Изменения» sheet."""
CHANGES_FORMATS = {"Что изменилось": "text", "Школа или ОМСУ": "text", "Задача": "text",
                   "С какого дня": "date", "Было": "text", "Стало": "text"}


def changes_table(card: Scorecard) -> pd.DataFrame:
    """Every move behind the «Что изменилось» block, for the workbook's «Изменения» sheet: the
    place, each school that reached or lost K1's target, entered or left the monitoring, each
    task done or undone, with the base date and the value then and now (formatted by
    :func:`changes_row_formats`)."""
    return pd.DataFrame(_change_rows(card)[0], columns=list(CHANGES_FORMATS))


def changes_row_formats(card: Scorecard) -> dict[str, list[str]]:
    """The format of each row's «Было» and «Стало» in :func:`changes_table`: K1 a share, the rest
    text."""
    kinds = _change_rows(card)[1]
    return {"Было": kinds, "Стало": kinds}


def _change_rows(card: Scorecard) -> tuple[list[dict[str, object]], list[str]]:
    """The rows of :func:`changes_table` and the format of each row's «Было» and «Стало»."""
    week, rows, kinds = card.changes, [], []
    place = week.standing
    names = {task.id: task_name(task.id, task.label) for task in card.task_specs}

    def add(change: str, who: str, task: str, since: object, before: object, after: object,
            kind: str = "text") -> None:
        rows.append({"Что изменилось": CHANGE_WORDS[change], "Школа или ОМСУ": who,
                     "Задача": task, "С какого дня": since, "Было": before, "Стало": after})
        kinds.append(kind)

    def standing_text(rank: int | None, total: int, k1: float | None) -> str:
        return "—" if rank is None else f"{rank} из {total}; K1 {words.fmt_percent(k1)}"

    since = pd.Timestamp(week.activity_base) if week.activity_base else None
    if week.activity_base is not None:
        add("standing", card.municipality_name, "", since,
            standing_text(place.rank_before, place.municipalities_before, place.k1_before),
            standing_text(place.rank_after, place.municipalities_after, place.k1_after))
        for _, row in week.k1_crossings.iterrows():
            add(row["direction"], row["school_name"], "", since, row["k1_before"], row["k1_after"],
                "percent")
        for change, frame in (("entered", week.schools_entered), ("left", week.schools_left)):
            for name in _school_names(frame):
                add(change, name, "", since, "есть" if change == "left" else "нет",
                    "нет" if change == "left" else "есть")
    if week.tasks_base is not None:
        for _, row in week.tasks_moved.iterrows():
            add(row["direction"], row["school_name"], names[row["task_id"]],
                pd.Timestamp(week.tasks_base), words.task_label(row["before"]),
                words.task_label(row["after"]))
    if not rows:
        add("none", card.municipality_name, "", None, "—", "—")
    return rows, kinds


def changes_title(card: Scorecard) -> str:
    """The «Изменения» sheet's title: the bases compared with."""
    return _sentence("changes_title", activity_base=card.changes.activity_base,
                     tasks_base=card.changes.tasks_base, has_export=card.tasks_date is not None,
                     min_days=card.changes.min_days).unescape()


# --- the ОМСУ's tasks and KPIs -----------------------------------------------------------------

TASK_FORMATS = {"Срок": "text", "Школ не выполнили": "int", "Школ с опозданием": "int"}
TASK_STATUS_COLUMNS = ["Статус"]


def _deadline_text(task: pd.Series) -> str:
    """«до 20.09.2024», or a period «13–20.09.2024» (full dates when it spans months)."""
    start, end = task["start"], task["deadline"]
    if start is None or pd.isna(start):
        return f"до{words.NBSP}{words.fmt_date_short(end)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day:02d}–\u2060{words.fmt_date_short(end)}"  # a word joiner: one line
    return f"{words.fmt_date_short(start)} – {words.fmt_date_short(end)}"


def tasks_table(card: Scorecard) -> pd.DataFrame:
    """The ОМСУ's tasks: deadline, status, and how many of its schools have not done each task
    or did it late."""
    tasks = card.tasks
    return pd.DataFrame({
        "Задача": [task_name(t, label) for t, label in zip(tasks["task_id"], tasks["label"],
                                                            strict=True)],
        "Срок": [_deadline_text(t) for _, t in tasks.iterrows()],
        "Статус": tasks["status"].map(
            lambda state: words.task_short_label(state).replace(" ", words.NBSP)),
        "Школ не выполнили": tasks["schools_missing"],
        "Школ с опозданием": tasks["schools_late"],
    })


def tasks_note_html(card: Scorecard) -> str:
    """What the ОМСУ itself put in its row of the tasks export (empty when nothing)."""
    marks = [(task_name(row["task_id"], row["label"]), row["omsu_mark"])
             for _, row in card.tasks.iterrows() if row["omsu_mark"] is not None]
    return _render("tasks_note", marks=marks)


KPI_FORMATS = {"Муниципальное образование": "percent", "Область": "percent",
               "Разница с областью": "pp", "Цель": "percent"}
KPI_STATUS_COLUMNS = ["Статус"]


def kpi_table(card: Scorecard) -> pd.DataFrame:
    """K1, K2, K4, K5 of the municipality and of the region, the difference, target and status."""
    own, region, targets = card.municipality, card.region, card.targets
    rows = []
    for kpi in SHARE_KPIS:
        column = ind.KPI_VALUE_COLUMN[kpi]
        goal = targets.target(kpi)
        rows.append({
            "Показатель": f"{kpi.upper()} {words.lower_first(goal.label)}",
            "Муниципальное образование": own[column],
            "Область": region[column],
            "Разница с областью": own[column] - region[column],
            "Цель": goal.value,
            "Статус": words.status_label(own[f"{kpi}_status"]),
        })
    return pd.DataFrame(rows).astype({c: "float64" for c in KPI_FORMATS})


# --- the schools ---------------------------------------------------------------------------------

SCHOOL_FORMATS = {"№": "int", "K1": "percent", "Просрочено задач": "int"}
SCHOOL_STATUS_COLUMNS = ["Статус K1"]


SCHOOLS_IN_BODY = 10
"""A long list of schools: how many (most to do first) the body shows; the rest go to the
appendix (and every school to the workbook)."""
SHORT_LIST = 15
"""A list of at most this many schools is short enough to stay whole in the body."""
SCHOOLS_TITLE = "Школы муниципального образования: что осталось сделать"


def schools_in_body(card: Scorecard) -> int:
    """How many schools the body's table shows: all of a short list, else the first
    :data:`SCHOOLS_IN_BODY`."""
    schools = len(card.schools)
    return schools if schools <= SHORT_LIST else SCHOOLS_IN_BODY


def schools_note_html(card: Scorecard) -> str:
    """One paragraph over the schools table: how many are late, how many below the K1 target,
    and how much of the list the body shows."""
    return _render("schools_note", overdue=build.schools_with_overdue(card),
                   schools=len(card.schools), behind_k1=build.schools_below_k1(card),
                   k1_target=card.targets.k1, in_body=schools_in_body(card))


def schools_table(card: Scorecard) -> pd.DataFrame:
    """The municipality's schools, most to do first: K1 and its status, overdue tasks, what to do."""
    schools = card.schools
    return pd.DataFrame({
        "№": range(1, len(schools) + 1),
        "Школа": schools["school_name"],
        "K1": schools["k1"].astype("float64"),
        "Статус K1": schools["k1_status"].map(words.status_label),
        "Просрочено задач": schools["overdue"],
        "Что сделать": [
            "; ".join(school_todo(school)) or "всё выполнено" for _, school in schools.iterrows()],
    })


def schools_body_html(card: Scorecard) -> str:
    """The body's view of :func:`schools_table`: its first :func:`schools_in_body` rows (the
    workbook's sheet gets every row)."""
    table = schools_table(card).head(schools_in_body(card))
    return tables.html_view(table, SCHOOL_FORMATS, SCHOOL_STATUS_COLUMNS)


def schools_appendix_html(card: Scorecard) -> str:
    """The appendix of a long list: the schools the body leaves out, under their own heading
    ('' when the body shows them all)."""
    shown, schools = schools_in_body(card), len(card.schools)
    if shown >= schools:
        return ""
    rest = tables.html_view(schools_table(card).iloc[shown:], SCHOOL_FORMATS,
                            SCHOOL_STATUS_COLUMNS)
    return _render("schools_appendix", first=shown + 1, last=schools, schools=schools,
                   title=SCHOOLS_TITLE, table=fragments.markup(rest))


SCHOOL_TASKS_FORMATS = {"K1": "percent", "K2": "percent", "K4": "percent", "K5": "percent",
                        "Пунктов «Что сделать»": "int"}


def school_tasks_table(card: Scorecard) -> pd.DataFrame:
    """Each school's KPIs and its status on each task (the workbook's detail sheet)."""
    schools = card.schools
    table = pd.DataFrame({"Код ОО": schools["school_id"], "Школа": schools["school_name"]})
    for kpi in SHARE_KPIS:
        table[kpi.upper()] = schools[ind.KPI_VALUE_COLUMN[kpi]].astype("float64")
    for task in card.task_specs:
        table[task_name(task.id, task.label)] = schools[task.id].map(words.task_label)
    table["Пунктов «Что сделать»"] = schools["todo_count"]
    return table


def school_tasks_status_columns(card: Scorecard) -> list[str]:
    """The status columns of :func:`school_tasks_table`: one per task."""
    return [task_name(task.id, task.label) for task in card.task_specs]


# --- the trend -------------------------------------------------------------------------------------

def trend_caption(card: Scorecard) -> str:
    return (f"Доля активных директоров и педагогов в чатах (K1): {card.municipality_name} и "
            f"{card.region_name} по еженедельным срезам; пунктир — цель на 2024–2025 годы")


def trend_chart(card: Scorecard) -> Figure:
    return charts.trend_chart(
        card.trend, value="k1", target=card.targets.k1.value,
        title=f"K1 — доля активных в чатах, {card.municipality_name}", label=card.region_name,
        highlight=card.municipality_trend, highlight_label=card.municipality_name,
    )


TREND_FORMATS = {"Дата среза": "date", "K1 муниципального образования": "percent",
                 "K1 области": "percent", "Разница": "pp"}


def trend_table(card: Scorecard) -> pd.DataFrame:
    """K1 of the municipality and the region per snapshot (the chart's data, for the workbook)."""
    both = card.trend.merge(card.municipality_trend, on="snapshot_date", how="left",
                            suffixes=("_region", "_own"))
    return pd.DataFrame({
        "Дата среза": both["snapshot_date"],
        "K1 муниципального образования": both["k1_own"],
        "K1 области": both["k1_region"],
        "Разница": both["k1_own"] - both["k1_region"],
    })


def trend_note_html(card: Scorecard) -> str:
    """K1 of the municipality now and at the first snapshot, in p.p., against the region."""
    return _render("trend_note", change=build.k1_change(card))


# --- methodology and provenance --------------------------------------------------------------------

def methodology_html(card: Scorecard) -> str:
    """Definitions, targets, deadlines, statuses and data of the scorecard, for its appendix."""
    tasks = [{"label": task.label, "name": task_name(task.id, task.label), "level": task.level,
              "start": task.start, "deadline": task.deadline} for task in card.task_specs]
    return _render("methodology", targets=card.targets, kpis=SHARE_KPIS, near=card.targets.near,
                   campaign=card.tasks_campaign, tasks=tasks, as_of=card.as_of,
                   activity_date=card.activity_date, tasks_date=card.tasks_date,
                   min_days=card.changes.min_days, activity_base=card.changes.activity_base,
                   tasks_base=card.changes.tasks_base)


def provenance(card: Scorecard) -> dict[str, str]:
    """The data side of the provenance: snapshot date (ISO) and content hash of the slices read."""
    return {"snapshot_date": build.snapshot_date(card).isoformat(), "data_hash": card.data_hash}


def provenance_html(card: Scorecard) -> str:
    return _render("provenance", activity_date=card.activity_date, tasks_date=card.tasks_date,
                   activity_base=card.changes.activity_base, tasks_base=card.changes.tasks_base,
                   data_hash=card.data_hash)
