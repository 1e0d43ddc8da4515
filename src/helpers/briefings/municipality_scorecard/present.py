"""What the reader of the municipality scorecard sees: cards, tables, the chart and its sentences.

Every function takes the :class:`~.build.Scorecard`; the HTML fragments are the templates of
``templates/briefing/fragments/municipality_scorecard/``. Words shared by every briefing
(formats, statuses, task states, targets) come from :mod:`helpers.vocabulary`; the words of this
kind — short names of the known tasks, what a school must still do — are here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from helpers import vocabulary as words
from helpers.briefings.municipality_scorecard import build
from helpers.briefings.municipality_scorecard.build import SHARE_KPIS, Scorecard, Todo
from helpers.indicators import campaigns
from helpers.indicators import kpis as ind
from helpers.presentation import charts, fragments
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
    """The line under the title: territory, size, place by K1 in the region, dates."""
    own = card.municipality
    return _render("lead", territory=card.municipality_name, oktmo=card.oktmo,
                   schools=own["schools"], teachers=own["teachers_total"],
                   pupils=own["pupils_total"], rank=card.rank,
                   municipalities=len(card.municipalities_ranked),
                   activity_date=card.activity_date, tasks_date=card.tasks_date,
                   as_of=card.as_of)


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


def schools_note_html(card: Scorecard) -> str:
    """One paragraph over the schools table: how many are late, how many below the K1 target."""
    return _render("schools_note", overdue=build.schools_with_overdue(card),
                   schools=len(card.schools), behind_k1=build.schools_below_k1(card),
                   k1_target=card.targets.k1)


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
                   activity_date=card.activity_date, tasks_date=card.tasks_date)


def provenance(card: Scorecard) -> dict[str, str]:
    """The data side of the provenance: snapshot date (ISO) and content hash of the slices read."""
    return {"snapshot_date": build.snapshot_date(card).isoformat(), "data_hash": card.data_hash}


def provenance_html(card: Scorecard) -> str:
    return _render("provenance", activity_date=card.activity_date, tasks_date=card.tasks_date,
                   data_hash=card.data_hash)

