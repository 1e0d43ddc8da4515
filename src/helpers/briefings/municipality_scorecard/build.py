"""The municipality scorecard: one ОМСУ's schools against the 2024–2025 targets and the region.

``build_scorecard`` is pure (a region's school registry, activity snapshots and task exports
in, ``Scorecard`` out); ``load_scorecard`` reads the region's rows from the warehouse. The
``*_table``, ``key_figures`` and ``*_html`` functions shape the results for display with
Russian headers; the notebook only calls them and displays.

Indicators K1, K2, K4, K5 are computed from the schools' activity counts as ratios of sums
(the definitions of :mod:`helpers.indicators.kpis`); the region's value is that of all its schools.
Task deadlines come from ``params/tasks.yml`` and a task's status from
:func:`helpers.indicators.campaigns.task_status`, judged on the tasks export's date (or on ``period``).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from matplotlib.figure import Figure

from helpers.config import settings
from helpers.indicators import campaigns
from helpers.indicators import kpis as ind
from helpers.ingestion.contract.forms import FEDERAL
from helpers.presentation import charts
from helpers.presentation.tables import KeyFigure, status_label
from helpers.vocabulary import NBSP, fmt_date, fmt_date_short, fmt_int, fmt_percent, fmt_pp
from helpers.warehouse import slices, store
from helpers.warehouse.reference import region_names

COUNT_COLUMNS: tuple[str, ...] = FEDERAL.count_columns
SHARE_KPIS = ("k1", "k2", "k4", "k5")
"""The KPIs a municipality has (K3, base integration, is a region's yes/no)."""

TaskState = str  # campaigns.TaskStatus, or "unknown" when the export says nothing

TASK_SYMBOLS = {"done": "✔", "late": "▲", "overdue": "✖", "pending": "○", "unknown": "—"}
TASK_LABELS: dict[str, str] = {
    **campaigns.TASK_STATUS_LABELS, "pending": "в работе, срок не наступил", "unknown": "нет данных",
}
"""A task's status in words, with a shape before it (never colour alone)."""
TASK_SHORT_LABELS = {"done": "в срок", "late": "с опозданием", "overdue": "просрочено",
                     "pending": "в работе", "unknown": "нет данных"}

# What must still happen for a task a school has not done, as a short imperative. Tasks are
# data (params/tasks.yml): a task not listed here is named by its label instead.
TASK_ACTIONS = {
    "test_week": "провести тестовую неделю чатов",
    "regulation_adopted": "принять положение об ИКОП «Сферум»",
    "regulation_posted": "разместить положение на сайте",
    "parent_meeting": "провести родительское собрание",
    "auth_info": "довести информацию по авторизации в ЭЖД",
}
TASK_NAMES = {
    "test_week": "Тестовая неделя чатов",
    "regulation_adopted": "Положение принято",
    "regulation_posted": "Положение на сайтах школ",
    "parent_meeting": "Родительские собрания",
    "auth_info": "Информация о входе в ЭЖД",
}
"""Short names of the known tasks for tables (full labels: params, methodology)."""

@dataclass(frozen=True)
class Scorecard:
    """Everything the municipality scorecard shows, for one activity snapshot and tasks export."""

    region_code: str
    region_name: str
    oktmo: str
    municipality_name: str
    activity_date: dt.date
    tasks_date: dt.date | None  # the tasks export used; None when none was on or before period
    as_of: dt.date  # the day task deadlines are judged on
    targets: ind.Targets
    tasks_campaign: str
    task_specs: tuple[campaigns.Task, ...]
    kpis: pd.DataFrame  # index "municipality", "region": counts, k1…k5_share, statuses
    municipalities_ranked: pd.DataFrame  # oktmo, k1, rank (1 = best) for every municipality
    tasks: pd.DataFrame  # one row per task: ОМСУ status and how many schools are late/missing
    schools: pd.DataFrame  # one row per school: KPIs, task statuses, what it still has to do
    trend: pd.DataFrame  # snapshot_date, k1 of the region
    municipality_trend: pd.DataFrame  # snapshot_date, k1 of the municipality
    data_hash: str

    @property
    def municipality(self) -> pd.Series:
        return self.kpis.loc["municipality"]

    @property
    def region(self) -> pd.Series:
        return self.kpis.loc["region"]

    @property
    def rank(self) -> int | None:
        rows = self.municipalities_ranked[self.municipalities_ranked["oktmo"] == self.oktmo]
        return int(rows["rank"].iloc[0]) if len(rows) and pd.notna(rows["rank"].iloc[0]) else None


# --- indicators ------------------------------------------------------------------------------

def territory_kpis(activity: pd.DataFrame) -> pd.Series:
    """K1, K2, K4, K5 and the K5 share of a set of schools: sums of counts first, then ratios.

    Args:
        activity: school activity rows of one snapshot (the counts of ``FEDERAL.count_columns``).

    Returns:
        The sums of the counts, ``schools`` (rows summed) and ``k1, k2, k4, k5, k5_share``
        (NaN where a denominator is 0).
    """
    sums = activity[list(COUNT_COLUMNS)].sum().astype("int64")
    kpis = ind._kpis(sums.to_frame().T).iloc[0]  # the federal definitions, on these sums
    return pd.concat([pd.Series({"schools": len(activity)}), sums, kpis]).astype(object)


def with_statuses(kpis: pd.Series, targets: ind.Targets) -> pd.Series:
    """``k1_status``, ``k2_status``, ``k4_status``, ``k5_status`` added against the targets."""
    out = kpis.astype(object)
    for kpi in SHARE_KPIS:
        goal = targets.target(kpi)
        out[f"{kpi}_status"] = ind.status(out[ind.KPI_VALUE_COLUMN[kpi]], goal.value,
                                          strict=goal.strict, near=targets.near)
    return out


def school_kpis(activity: pd.DataFrame, targets: ind.Targets) -> pd.DataFrame:
    """One row per school of one snapshot: its counts, KPIs and their statuses."""
    frame = activity.reset_index(drop=True)
    kpis = ind._kpis(frame[list(COUNT_COLUMNS)])
    out = pd.concat([frame[["school_id", *COUNT_COLUMNS]], kpis], axis=1)
    for kpi in SHARE_KPIS:
        goal = targets.target(kpi)
        out[f"{kpi}_status"] = [ind.status(v, goal.value, strict=goal.strict, near=targets.near)
                                for v in out[ind.KPI_VALUE_COLUMN[kpi]]]
    return out


def k1_trend(activity: pd.DataFrame) -> pd.DataFrame:
    """K1 of the given schools per snapshot date (``snapshot_date``, ``k1``), oldest first."""
    if activity.empty:
        return pd.DataFrame({"snapshot_date": pd.Series(dtype="datetime64[ns]"),
                             "k1": pd.Series(dtype="float64")})
    dated = activity.assign(snapshot_date=pd.to_datetime(activity["snapshot_date"]).dt.normalize())
    sums = dated.groupby("snapshot_date")[list(COUNT_COLUMNS)].sum()
    out = ind._kpis(sums)[["k1"]].reset_index()
    return out.sort_values("snapshot_date").reset_index(drop=True)


def municipality_ranking(activity: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """K1 of every municipality of the region (its schools' sums) and its place, 1 = highest."""
    joined = activity.merge(schools[["school_id", "oktmo"]], on="school_id", how="inner")
    sums = joined.groupby("oktmo")[list(COUNT_COLUMNS)].sum()
    out = ind._kpis(sums)[["k1"]].reset_index()
    out["rank"] = out["k1"].rank(ascending=False, method="min").astype("Int64")
    return out.sort_values(["rank", "oktmo"]).reset_index(drop=True)


def needed_to_reach(done: int, total: int, target: float, *, strict: bool = False) -> int:
    """How many more of ``total`` must be counted for ``done / total`` to meet the target.

    «Не менее 75 %» of 10 needs 8; «более 25 %» of 8 needs 3 (2 is exactly 25 %).
    """
    if total <= 0:
        return 0
    exact = target * total
    required = math.floor(exact + 1e-9) + 1 if strict else math.ceil(exact - 1e-9)
    return max(0, min(required, total) - int(done))


# --- tasks -----------------------------------------------------------------------------------

def _done_value(value: object) -> dt.date | bool | None:
    """A task cell as a completion date, a held/not-held flag, or None when empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "item"):  # numpy scalars (bool_)
        return _done_value(value.item())
    return None


def task_state(value: object, task: campaigns.Task, as_of: dt.date) -> TaskState:
    """The status of one task cell on ``as_of``.

    A date is judged against the deadline (``campaigns.task_status``); a flag (the test week,
    held during its period) is done on time when set, not done when not; an empty cell is not
    done.
    """
    done = _done_value(value)
    if done is True:
        return "done"
    day = done if isinstance(done, dt.date) else None
    return campaigns.task_status(day, task.deadline, as_of)


def school_task_states(school_ids: Sequence[str], task_rows: pd.DataFrame,
                       task_specs: Sequence[campaigns.Task], as_of: dt.date) -> pd.DataFrame:
    """Per school: ``in_tasks`` (its row is in the export) and ``<task>`` status of each task.

    A school missing from the export has done nothing; for a municipality-level task, though,
    a school's own cell is only an extra mark (empty → ``unknown``, not missing).
    """
    rows = task_rows.drop_duplicates("school_id", keep="last").set_index("school_id")
    out = pd.DataFrame({"school_id": list(school_ids)})
    out["in_tasks"] = out["school_id"].isin(rows.index)
    for task in task_specs:
        cells = [rows.at[s, task.column] if s in rows.index and task.column in rows.columns
                 else None for s in out["school_id"]]
        states = [task_state(v, task, as_of) for v in cells]
        if task.level == "municipality":
            states = [s if _done_value(v) is not None else "unknown"
                      for s, v in zip(states, cells, strict=True)]
        out[task.id] = states
    return out


def _omsu_state(task: campaigns.Task, omsu_value: object, school_states: pd.Series,
                as_of: dt.date, school_dates: list[dt.date | None]) -> TaskState:
    """The municipality's status of a task.

    A municipality-level task: the ОМСУ's own row (else: done when every school that says
    anything says held). A school-level task («обеспечить в школах»): done on the day the last
    of its schools did it, so on time only when every school was on time.
    """
    if task.level == "municipality":
        if _done_value(omsu_value) is not None:
            return task_state(omsu_value, task, as_of)
        known = school_states[school_states != "unknown"]
        if known.empty:
            return "unknown"
        return "done" if (known == "done").all() else campaigns.task_status(None, task.deadline, as_of)
    if school_states.empty or (school_states == "unknown").all():
        return "unknown"
    if school_states.isin(["done", "late"]).all():
        dates = [d for d in school_dates if d is not None]
        if not dates:  # done by flags, which carry no date: on time by definition
            return "done" if (school_states == "done").all() else "late"
        return campaigns.task_status(max(dates), task.deadline, as_of)
    return campaigns.task_status(None, task.deadline, as_of)


def municipality_tasks(task_specs: Sequence[campaigns.Task], omsu_row: pd.Series | None,
                       task_rows: pd.DataFrame, states: pd.DataFrame,
                       as_of: dt.date) -> pd.DataFrame:
    """One row per task: the ОМСУ's status, its own mark, and its schools on time/late/missing.

    Args:
        task_specs: the tasks of ``params/tasks.yml``.
        omsu_row: the municipality's own row of the tasks export (None when absent).
        task_rows: the export's rows of the municipality's schools.
        states: :func:`school_task_states` of the municipality's schools.
        as_of: the day deadlines are judged on.
    """
    rows = task_rows.drop_duplicates("school_id", keep="last").set_index("school_id")
    records = []
    for task in task_specs:
        column = states[task.id]
        cells = [_done_value(rows.at[s, task.column]) if s in rows.index and task.column in rows
                 else None for s in states["school_id"]]
        dates = [d if isinstance(d, dt.date) and d <= as_of else None for d in cells]
        omsu_value = omsu_row.get(task.column) if omsu_row is not None else None
        records.append({
            "task_id": task.id,
            "label": task.label,
            "level": task.level,
            "start": task.start,
            "deadline": task.deadline,
            "status": _omsu_state(task, omsu_value, column, as_of, dates),
            "omsu_mark": _done_value(omsu_value),
            "schools": len(column),
            **_school_counts(column),
        })
    return pd.DataFrame.from_records(records)


def _school_counts(states: pd.Series) -> dict[str, int | None]:
    """How many schools did a task on time, late, not at all, or said nothing (None when none
    of them said anything: then the counts are unknown, not zero)."""
    unknown = int((states == "unknown").sum())
    if unknown == len(states):
        return {"schools_done": None, "schools_late": None, "schools_missing": None,
                "schools_unknown": unknown}
    return {"schools_done": int((states == "done").sum()),
            "schools_late": int((states == "late").sum()),
            "schools_missing": int(states.isin(["overdue", "pending"]).sum()),
            "schools_unknown": unknown}


# --- what each school still has to do --------------------------------------------------------

def _task_action(task: campaigns.Task) -> str:
    return TASK_ACTIONS.get(task.id, f"выполнить задачу «{task.label}»")


KPI_COUNTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "k1": (("directors_active", "teachers_active"), ("directors_total", "teachers_total")),
    "k2": (("teachers_linked", "pupils_linked"), ("teachers_total", "pupils_total")),
    "k4": (("class_teachers_parent_chat",), ("class_teachers_total",)),
    "k5": (("teachers_esia",), ("teachers_total",)),
}
"""The counts each KPI is a ratio of: (numerator columns, denominator columns)."""


def task_todo(school: pd.Series, task_specs: Sequence[campaigns.Task]) -> list[str]:
    """The tasks a school has not done, most urgent first, and missing data or links.

    School-level tasks only: the ОМСУ's own tasks are in the tasks table. Overdue ones come
    before those not yet due.
    """
    items: list[str] = []
    if not school.get("in_activity", True):
        items.append("представить данные мониторинга активности в Сферуме")
    if "in_tasks" in school and not school["in_tasks"]:
        items.append("представить сведения о выполнении задач")
    for wanted in ("overdue", "pending"):
        for task in task_specs:
            if task.level == "school" and school.get(task.id) == wanted:
                when = (f"срок {fmt_date_short(task.deadline)} прошёл" if wanted == "overdue"
                        else f"до {fmt_date_short(task.deadline)}")
                items.append(f"{_task_action(task)} ({when})")
    if school.get("url_missing", False):
        items.append("указать ссылку на положение на сайте школы")
    return items


def kpi_gaps(school: pd.Series, targets: ind.Targets) -> dict[str, int]:
    """For each KPI of a school below its target: how many more people it takes to meet it
    (active directors and teachers; linked teachers and pupils; class teachers with a parents'
    chat; teachers bound to ЕСИА)."""
    gaps = {}
    for kpi, (done, total) in KPI_COUNTS.items():
        if school.get(f"{kpi}_status", "unknown") in ("met", "unknown"):
            continue
        goal = targets.target(kpi)
        gaps[kpi] = needed_to_reach(sum(int(school[c]) for c in done),
                                    sum(int(school[c]) for c in total), goal.value,
                                    strict=goal.strict)
    return gaps


def gaps_text(gaps: dict[str, int]) -> str:
    """``{"k1": 7, "k4": 2}`` → «до цели не хватает, чел.: K1 — 7, K4 — 2» ('' when none)."""
    if not gaps:
        return ""
    return "до цели не хватает, чел.: " + ", ".join(
        f"{kpi.upper()} — {fmt_int(n)}" for kpi, n in gaps.items())


def school_todo(school: pd.Series, task_specs: Sequence[campaigns.Task],
                targets: ind.Targets) -> list[str]:
    """What a school still has to do, in Russian: its tasks not done, then in one item how many
    people each KPI below target lacks."""
    gaps = gaps_text(kpi_gaps(school, targets))
    return [*task_todo(school, task_specs), *([gaps] if gaps else [])]


def school_rows(registry: pd.DataFrame, activity: pd.DataFrame, states: pd.DataFrame,
                task_rows: pd.DataFrame, task_specs: Sequence[campaigns.Task],
                targets: ind.Targets) -> pd.DataFrame:
    """One row per school of the municipality: KPIs, task statuses and what it still has to do,
    sorted by most to do (tasks not done + KPIs below target), then most overdue, then lowest K1.

    Args:
        registry: the municipality's schools (``school_id``, ``school_name``).
        activity: their activity rows of one snapshot.
        states: :func:`school_task_states` of these schools.
        task_rows: the tasks export's rows of these schools (for the положение URL).
        task_specs: the tasks of ``params/tasks.yml``.
        targets: the 2024–2025 targets.
    """
    kpis = school_kpis(activity, targets)
    out = registry[["school_id", "school_name"]].merge(kpis, on="school_id", how="left")
    out["in_activity"] = out["school_id"].isin(kpis["school_id"])
    for kpi in SHARE_KPIS:
        out[f"{kpi}_status"] = out[f"{kpi}_status"].fillna("unknown")
    out = out.merge(states, on="school_id", how="left")
    out["in_tasks"] = out["in_tasks"].fillna(False).astype(bool)
    missing = _url_missing(task_rows)
    out["url_missing"] = [bool(missing.get(school, False)) for school in out["school_id"]]
    school_tasks = [t for t in task_specs if t.level == "school"]
    out["overdue"] = [sum(row[t.id] == "overdue" for t in school_tasks) for _, row in out.iterrows()]
    out["todo"] = [tuple(school_todo(row, task_specs, targets)) for _, row in out.iterrows()]
    out["todo_count"] = [len(task_todo(row, task_specs)) + len(kpi_gaps(row, targets))
                         for _, row in out.iterrows()]
    out = out.sort_values(["todo_count", "overdue", "k1", "school_name"],
                          ascending=[False, False, True, True], na_position="first")
    return out.reset_index(drop=True)


def _url_missing(task_rows: pd.DataFrame) -> dict[str, bool]:
    """School → the положение is marked as posted but its page address is missing."""
    if task_rows.empty or "regulation_posted" not in task_rows or "regulation_url" not in task_rows:
        return {}
    posted = task_rows["regulation_posted"].notna()
    url = task_rows["regulation_url"].fillna("").astype(str).str.strip()
    return dict(zip(task_rows["school_id"], posted & (url == ""), strict=True))


# --- the briefing ----------------------------------------------------------------------------

def _on_or_before(frame: pd.DataFrame, period: str) -> dt.date | None:
    try:
        return slices.snapshot_on_or_before(frame, period) if len(frame) else None
    except ValueError:
        return None


def _municipality_name(oktmo: str, municipalities: pd.DataFrame, registry: pd.DataFrame) -> str:
    named = municipalities[municipalities["oktmo"] == oktmo]
    if len(named):
        return str(named["name"].iloc[0])
    own = registry[registry["oktmo"] == oktmo]
    return str(own["municipality"].iloc[0]) if "municipality" in own and len(own) else oktmo


def build_scorecard(schools: pd.DataFrame, activity: pd.DataFrame, tasks: pd.DataFrame,
                    municipalities: pd.DataFrame, *, region_code: str, oktmo: str,
                    period: str = "", targets: ind.Targets | None = None,
                    task_file: Path | None = None, region_name: str = "") -> Scorecard:
    """All figures of the scorecard of one municipality.

    Args:
        schools: the region's school registry (``school_id, school_name, oktmo, …``).
        activity: the region's school activity snapshots (every week).
        tasks: the region's task exports (school and municipality rows, every export).
        municipalities: the region's municipalities (``oktmo, name``).
        region_code: the region's code (for its name and the provenance).
        oktmo: the municipality's ОКТМО.
        period: ISO date; the latest activity snapshot and tasks export on or before it are used
            and deadlines are judged on it ('' = the latest, judged on the tasks export's date).
        targets: the 2024–2025 targets (``params/targets.yml`` by default).
        task_file: the tasks parameters file (``params/tasks.yml`` by default).
        region_name: the region's name (from the reference by default).

    Raises:
        ValueError: in Russian, when ``period`` is not an ISO date, the municipality has no
            schools, or there is no activity snapshot on or before ``period``.
    """
    slices.check_period(period)
    targets = targets or ind.load_targets()
    campaign_id, specs = campaigns.load_tasks(task_file) if task_file else campaigns.load_tasks()
    task_specs = tuple(specs.values())
    registry = schools[schools["oktmo"] == oktmo].sort_values("school_id").reset_index(drop=True)
    name = _municipality_name(oktmo, municipalities, schools)
    if registry.empty:
        known = "" if name != oktmo else " (такого кода нет в справочнике муниципальных образований)"
        raise ValueError(f"В реестре ОО региона {region_code} нет школ с ОКТМО {oktmo}{known} / "
                         f"no schools with OKTMO {oktmo!r} in region {region_code}")
    try:
        day = slices.snapshot_on_or_before(activity, period)
    except ValueError:
        raise ValueError(f"Нет среза мониторинга активности школ региона {region_code} на "
                         f"{period or 'любую дату'} или раньше / no activity snapshot on or before "
                         f"{period or 'now'}") from None
    dated = activity.assign(snapshot_date=pd.to_datetime(activity["snapshot_date"]))
    used = dated[dated["snapshot_date"] <= pd.Timestamp(day)]
    current = used[used["snapshot_date"] == pd.Timestamp(day)]
    own = current[current["school_id"].isin(registry["school_id"])]

    tasks_day = _on_or_before(tasks, period)
    task_slice = (tasks[pd.to_datetime(tasks["snapshot_date"]) == pd.Timestamp(tasks_day)]
                  if tasks_day else tasks.iloc[0:0])
    as_of = dt.date.fromisoformat(period) if period else (tasks_day or day)
    own_rows = task_slice[(task_slice["level"] == "school")
                          & task_slice["school_id"].isin(registry["school_id"])]
    omsu = task_slice[(task_slice["level"] == "municipality") & (task_slice["oktmo"] == oktmo)]
    omsu_row = omsu.iloc[-1] if len(omsu) else None
    if tasks_day is None:
        states = pd.DataFrame({"school_id": registry["school_id"], "in_tasks": True,
                               **{t.id: "unknown" for t in task_specs}})
    else:
        states = school_task_states(registry["school_id"].tolist(), own_rows, task_specs, as_of)

    kpis = pd.DataFrame({
        "municipality": with_statuses(territory_kpis(own), targets),
        "region": with_statuses(territory_kpis(current), targets),
    }).T
    own_history = used[used["school_id"].isin(registry["school_id"])]
    return Scorecard(
        region_code=region_code,
        region_name=region_name or region_names().get(region_code, region_code),
        oktmo=oktmo,
        municipality_name=name,
        activity_date=day,
        tasks_date=tasks_day,
        as_of=as_of,
        targets=targets,
        tasks_campaign=campaign_id,
        task_specs=task_specs,
        kpis=kpis,
        municipalities_ranked=municipality_ranking(current, schools),
        tasks=municipality_tasks(task_specs, omsu_row, own_rows, states, as_of),
        schools=school_rows(registry, own, states, own_rows, task_specs, targets),
        trend=k1_trend(used),
        municipality_trend=k1_trend(own_history),
        data_hash=slices.frames_hash(schools, used, task_slice, municipalities),
    )


REQUIRED_TABLES = ("schools", "school_activity")
OPTIONAL_COLUMNS = {
    "tasks": ("oktmo", "level", "unit_id", "school_id", "snapshot_date"),
    store.MUNICIPALITIES_TABLE: ("oktmo", "name"),
}
"""Tables a region may not have sent yet, as empty frames with the columns the scorecard uses."""


def _read(table: str, region_code: str, path: Path) -> pd.DataFrame:
    """The region's rows of ``table``; an empty frame for an optional table the warehouse lacks."""
    try:
        return slices.read_table(table, region_code, path)
    except duckdb.CatalogException:
        if table in REQUIRED_TABLES:
            raise ValueError(f"В хранилище {path} нет таблицы {table}: школьные выгрузки ещё не "
                             f"загружены — выполните `make ingest` / warehouse has no {table} "
                             "table") from None
        return pd.DataFrame(columns=list(OPTIONAL_COLUMNS[table]))


def load_scorecard(region_code: str = "35", oktmo: str = "", period: str = "",
                   warehouse_path: Path | None = None) -> Scorecard:
    """The scorecard's figures from the region's rows of the warehouse.

    ``PERIOD``/``WAREHOUSE`` settings by default; reads ``schools``, ``school_activity``,
    ``tasks`` and ``municipalities`` of ``region_code`` only (a region without a tasks export
    or municipality reference still gets its scorecard, with the tasks «нет данных»).
    """
    config = settings()
    path = warehouse_path or config.warehouse
    frames = {table: _read(table, region_code, path)
              for table in (*REQUIRED_TABLES, "tasks", store.MUNICIPALITIES_TABLE)}
    if frames["schools"].empty or frames["school_activity"].empty:
        raise ValueError(f"Нет школьных данных региона {region_code} в хранилище: выполните "
                         f"`make ingest` / no school-level data for region {region_code}")
    return build_scorecard(frames["schools"], frames["school_activity"], frames["tasks"],
                           frames[store.MUNICIPALITIES_TABLE], region_code=region_code,
                           oktmo=oktmo.strip(), period=period or config.period)


# --- shaped for display ----------------------------------------------------------------------

def _plan(target: ind.Target) -> str:
    """«более 25 %», «не менее 75 %», «100 %»."""
    if target.value >= 1 and not target.strict:
        return fmt_percent(target.value, 0)
    return ("более " if target.strict else "не менее ") + fmt_percent(target.value, 0)


def task_label(state: TaskState) -> str:
    """``late`` → «▲ выполнено с опозданием»."""
    return f"{TASK_SYMBOLS[state]} {TASK_LABELS[state]}"


def task_short_label(state: TaskState) -> str:
    """``overdue`` → «✖ просрочено» (for narrow table columns)."""
    return f"{TASK_SYMBOLS[state]} {TASK_SHORT_LABELS[state]}"


def tasks_summary(card: Scorecard) -> tuple[int, int, str]:
    """(tasks done on time, tasks, status): met when all on time, behind when one is overdue,
    unknown when there is no tasks export."""
    states = card.tasks["status"]
    on_time = int((states == "done").sum())
    if card.tasks_date is None or (states == "unknown").all():
        return on_time, len(states), "unknown"
    if on_time == len(states):
        return on_time, len(states), "met"
    return on_time, len(states), "behind" if (states == "overdue").any() else "near"


def schools_clear(card: Scorecard) -> int:
    """Schools that have done every school-level task (on time or late)."""
    school_tasks = [t.id for t in card.task_specs if t.level == "school"]
    done = card.schools[school_tasks].isin(["done", "late"]).all(axis=1) & card.schools["in_tasks"]
    return int(done.sum())


CARD_LABELS = {
    "k1": "K1 · активные директора и педагоги в чатах",
    "k2": "K2 · связь учётных записей ЭЖД и Сферума",
    "k4": "K4 · классные руководители с чатом с родителями",
    "k5": "K5 · педагоги с привязкой к ЕСИА",
}
"""Short names of the KPIs for the first-page cards (the full ones are in the table below)."""


def key_figures(card: Scorecard) -> list[KeyFigure]:
    """The first page: the municipality's K1, K2, K4, K5 against the targets and the region, and
    its tasks."""
    own, region, targets = card.municipality, card.region, card.targets
    rank = card.rank
    place = f"; место {rank} из {len(card.municipalities_ranked)}" if rank else ""

    def share(kpi: str, note: str = "") -> KeyFigure:
        column = ind.KPI_VALUE_COLUMN[kpi]
        goal = targets.target(kpi)
        return KeyFigure(CARD_LABELS[kpi], fmt_percent(own[column]), _plan(goal),
                         own[f"{kpi}_status"], note=f"по области: {fmt_percent(region[column])}{note}")

    on_time, total, tasks_status = tasks_summary(card)
    clear = schools_clear(card)
    schools = len(card.schools)
    return [
        share("k1", place),
        share("k2"),
        share("k4"),
        KeyFigure(CARD_LABELS["k5"], fmt_percent(own["k5_share"]), "все педагоги", own["k5_status"],
                  note=f"{fmt_int(own['k5'])} из {fmt_int(own['teachers_total'])}; "
                       f"по области: {fmt_percent(region['k5_share'])}"),
        KeyFigure("Задачи ОМСУ, выполненные в срок",
                  f"{on_time} из {total}" if tasks_status != "unknown" else "—",
                  f"все {total} в срок", tasks_status,
                  note=f"просрочено: {int((card.tasks['status'] == 'overdue').sum())}"),
        KeyFigure("Школы, выполнившие все задачи",
                  f"{clear} из {schools}" if card.tasks_date else "—", f"все {schools}",
                  ind.status(clear / schools if schools and card.tasks_date else None, 1.0,
                             near=targets.near),
                  note=f"по выгрузке на {fmt_date_short(card.tasks_date)}"
                  if card.tasks_date else "нет выгрузки о задачах"),
    ]


KPI_FORMATS = {"Муниципальное образование": "percent", "Область": "percent",
               "Разница с областью": "pp", "Цель": "percent"}


def kpi_table(card: Scorecard) -> pd.DataFrame:
    """K1, K2, K4, K5 of the municipality and of the region, the difference, target and status."""
    own, region, targets = card.municipality, card.region, card.targets
    rows = []
    for kpi in SHARE_KPIS:
        column = ind.KPI_VALUE_COLUMN[kpi]
        goal = targets.target(kpi)
        rows.append({
            "Показатель": f"{kpi.upper()} {goal.label[0].lower()}{goal.label[1:]}",
            "Муниципальное образование": own[column],
            "Область": region[column],
            "Разница с областью": own[column] - region[column],
            "Цель": goal.value,
            "Статус": status_label(own[f"{kpi}_status"]),
        })
    return pd.DataFrame(rows).astype({c: "float64" for c in KPI_FORMATS})


TASK_FORMATS = {"Срок": "text", "Школ не выполнили": "int", "Школ с опозданием": "int"}


def _deadline_text(task: pd.Series) -> str:
    """«до 20.09.2024», or a period «13–20.09.2024» (full dates when it spans months)."""
    start, end = task["start"], task["deadline"]
    if start is None or pd.isna(start):
        return f"до{NBSP}{fmt_date_short(end)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day:02d}–\u2060{fmt_date_short(end)}"  # a word joiner: one line
    return f"{fmt_date_short(start)} – {fmt_date_short(end)}"


def _lower_first(text: str) -> str:
    """«Информация о входе в ЭЖД» → «информация о входе в ЭЖД» (abbreviations kept)."""
    return text[:1].lower() + text[1:]


def _mark_text(mark: object) -> str:
    if isinstance(mark, bool):
        return "да" if mark else "нет"
    return fmt_date_short(mark) if isinstance(mark, dt.date) else "—"


def tasks_table(card: Scorecard) -> pd.DataFrame:
    """The ОМСУ's tasks: deadline, status, and how many of its schools have not done each task
    or did it late."""
    tasks = card.tasks
    return pd.DataFrame({
        "Задача": tasks["task_id"].map(lambda t: TASK_NAMES.get(t)).fillna(tasks["label"]),
        "Срок": [_deadline_text(t) for _, t in tasks.iterrows()],
        "Статус": tasks["status"].map(lambda state: task_short_label(state).replace(" ", NBSP)),
        "Школ не выполнили": tasks["schools_missing"],
        "Школ с опозданием": tasks["schools_late"],
    })


def omsu_marks_html(card: Scorecard) -> str:
    """What the ОМСУ itself put in its row of the tasks export (empty when nothing)."""
    names = [TASK_NAMES.get(row["task_id"], row["label"]) for _, row in card.tasks.iterrows()]
    marks = [f"{html.escape(_lower_first(name))} — {_mark_text(row['omsu_mark'])}"
             for name, (_, row) in zip(names, card.tasks.iterrows(), strict=True)
             if row["omsu_mark"] is not None]
    if not marks:
        return ""
    return f"<p>Отметки ОМСУ в выгрузке задач: {'; '.join(marks)}.</p>"


SCHOOL_FORMATS = {"№": "int", "K1": "percent", "Просрочено задач": "int"}


def schools_table(card: Scorecard) -> pd.DataFrame:
    """The municipality's schools, most to do first: K1 and its status, overdue tasks, what to do."""
    schools = card.schools
    return pd.DataFrame({
        "№": range(1, len(schools) + 1),
        "Школа": schools["school_name"],
        "K1": schools["k1"].astype("float64"),
        "Статус K1": schools["k1_status"].map(status_label),
        "Просрочено задач": schools["overdue"],
        "Что сделать": schools["todo"].map(lambda t: "; ".join(t) or "всё выполнено"),
    })


SCHOOL_STATUS_FORMATS = {"K1": "percent", "K2": "percent", "K4": "percent", "K5": "percent",
                         "Пунктов «Что сделать»": "int"}


def school_status_table(card: Scorecard) -> pd.DataFrame:
    """Each school's KPIs and its status on each task (the workbook's detail sheet)."""
    schools = card.schools
    table = pd.DataFrame({"Код ОО": schools["school_id"], "Школа": schools["school_name"]})
    for kpi in SHARE_KPIS:
        table[kpi.upper()] = schools[ind.KPI_VALUE_COLUMN[kpi]].astype("float64")
    for task in card.task_specs:
        table[TASK_NAMES.get(task.id, task.label)] = schools[task.id].map(task_label)
    table["Пунктов «Что сделать»"] = schools["todo_count"]
    return table


def lead_html(card: Scorecard) -> str:
    """The line under the title: territory, size, place by K1 in the region, dates."""
    own = card.municipality
    if card.tasks_date is None:
        tasks = "выгрузки о выполнении задач на эту дату нет."
    else:
        tasks = f"задачи — по выгрузке на {fmt_date(card.tasks_date)}"
        tasks += (f", сроки оценены на {fmt_date(card.as_of)}" if card.as_of != card.tasks_date
                  else "")
    rank = card.rank
    place = (f"; место по K1 в области — <strong>{rank}</strong> из "
             f"{len(card.municipalities_ranked)}" if rank else "")
    return (f'<p class="lead"><strong>{html.escape(card.municipality_name)}</strong> '
            f"(ОКТМО {card.oktmo}): школ — {fmt_int(own['schools'])}, педагогических работников — "
            f"{fmt_int(own['teachers_total'])}, обучающихся — {fmt_int(own['pupils_total'])}"
            f"{place}. Показатели — по срезу на <strong>{fmt_date(card.activity_date)}</strong>, "
            f"{tasks}</p>")


def schools_lead_html(card: Scorecard) -> str:
    """One paragraph over the schools table: how many are late, how many below the K1 target."""
    schools = card.schools
    behind_k1 = int(schools["k1_status"].isin(["near", "behind"]).sum())
    overdue = int((schools["overdue"] > 0).sum())
    return (f"<p>Школ с просроченными задачами: <strong>{overdue}</strong> из {len(schools)}; "
            f"с K1 ниже цели ({_plan(card.targets.k1)}): <strong>{behind_k1}</strong>. Школы "
            "упорядочены по числу пунктов «Что сделать»: сначала невыполненные задачи, затем — "
            "сколько человек не хватает до цели по каждому показателю ниже цели. Статус каждой "
            "задачи по каждой школе и показатели K1–K5 школ — в книге Excel (лист «Задачи по "
            "школам»).</p>")


def trend_caption(card: Scorecard) -> str:
    return (f"Доля активных директоров и педагогов в чатах (K1): {card.municipality_name} и "
            f"{card.region_name} по еженедельным срезам; пунктир — цель на 2024–2025 годы")


def trend_chart(card: Scorecard) -> Figure:
    return charts.trend_chart(
        card.trend, value="k1", target=card.targets.k1.value,
        title=f"K1 — доля активных в чатах, {card.municipality_name}", label=card.region_name,
        highlight=card.municipality_trend, highlight_label=card.municipality_name,
    )


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


TREND_FORMATS = {"Дата среза": "date", "K1 муниципального образования": "percent",
                 "K1 области": "percent", "Разница": "pp"}


def trend_sentence(card: Scorecard) -> str:
    """K1 of the municipality now and at the first snapshot, in p.p., against the region."""
    own = card.municipality_trend.dropna()
    region = card.trend.dropna()
    if len(own) < 2:
        return ""
    change = own["k1"].iloc[-1] - own["k1"].iloc[0]
    region_change = region["k1"].iloc[-1] - region["k1"].iloc[0]
    return (f"<p>С {fmt_date(own['snapshot_date'].iloc[0].date())} K1 муниципального образования "
            f"изменился на {fmt_pp(change)} (область — {fmt_pp(region_change)}).</p>")


def methodology_html(card: Scorecard) -> str:
    """Definitions, targets, deadlines, statuses and data of the scorecard, for its appendix."""
    t = card.targets
    near = fmt_percent(t.near, 0)
    deadlines = "; ".join(
        f"«{html.escape(task.label)}» ({html.escape(_lower_first(TASK_NAMES.get(task.id, task.label)))}) — "
        + (f"с {fmt_date_short(task.start)} по {fmt_date_short(task.deadline)}" if task.start
           else f"до {fmt_date_short(task.deadline)}")
        for task in card.task_specs)
    own_tasks = ", ".join(html.escape(_lower_first(TASK_NAMES.get(task.id, task.label)))
                          for task in card.task_specs if task.level == "municipality") or "нет"
    items = [
        f"<b>K1</b> — {t.k1.label}: (активные руководители ОО + активные педагоги) / (все "
        f"руководители ОО + все педагоги); цель — {_plan(t.k1)}.",
        f"<b>K2</b> — {t.k2.label}: (педагоги + обучающиеся, связавшие учётные записи) / (все "
        f"педагоги + все обучающиеся); цель — {_plan(t.k2)}.",
        f"<b>K4</b> — {t.k4.label}: классные руководители, создавшие чат с родителями / все "
        f"классные руководители; цель — {_plan(t.k4)}.",
        f"<b>K5</b> — {t.k5.label}: педагоги, привязавшие учётную запись к ЕСИА / все педагоги; "
        "цель — все педагоги.",
        "Показатели муниципального образования и области — отношение сумм по их школам "
        "(а не среднее школьных долей); область — все школы региона в мониторинге. Место — по K1 "
        "среди муниципальных образований области (1 — самая высокая активность).",
        f"Статус показателя: «✔ выполнено» — цель достигнута; «▲ близко к цели» — не ниже {near} "
        "цели; «✖ отстаёт» — ниже. Цвет всегда дублируется знаком и словом.",
        f"Задачи ОМСУ и сроки (params/tasks.yml, кампания {card.tasks_campaign}): {deadlines}.",
        f"Статус задачи на {fmt_date(card.as_of)}: «{task_short_label('done')}» — выполнена не "
        f"позже срока; «{task_short_label('late')}» — позже срока; «{task_short_label('overdue')}» "
        f"— не выполнена, срок прошёл; «{task_short_label('pending')}» — не выполнена, срок не "
        f"наступил; «{task_short_label('unknown')}» — в выгрузке нет сведений.",
        "Задачу школ ОМСУ выполнил в день, когда её выполнила последняя из его школ: в срок — "
        "только если все школы уложились в срок; школа без строки в выгрузке задач её не "
        f"выполнила. Задачи самого ОМСУ ({own_tasks}) — по его строке в выгрузке. «Отметки "
        "ОМСУ» — что ОМСУ указал в своей строке выгрузки (да/нет или дату).",
        "«Что сделать» — невыполненные задачи школы, затем сколько человек не хватает до цели "
        "по каждому показателю ниже цели: K1 — активных в чатах директоров и педагогов, K2 — "
        "педагогов и обучающихся со связанными учётными записями, K4 — классных руководителей с "
        "чатом с родителями, K5 — педагогов с учётной записью, привязанной к ЕСИА. Школы "
        "упорядочены по числу пунктов: невыполненные задачи плюс показатели ниже цели.",
        f"Источники: мониторинг активности школ в ИКОП «Сферум» (еженедельные срезы, срез "
        f"{fmt_date(card.activity_date)}); реестр общеобразовательных организаций; выгрузка "
        "«Выполнение задач ОМСУ и школ»"
        + (f" на {fmt_date(card.tasks_date)}" if card.tasks_date else " (нет на эту дату)")
        + f"; цели — мотивирующий мониторинг {t.campaign} (params/targets.yml).",
    ]
    return '<ul class="methodology">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def snapshot_date(card: Scorecard) -> dt.date:
    """The briefing's data date: the later of the activity snapshot and the tasks export."""
    return max(d for d in (card.activity_date, card.tasks_date) if d is not None)


def provenance(card: Scorecard) -> dict[str, str]:
    """The data side of the provenance: snapshot date (ISO) and content hash of the slices read."""
    return {"snapshot_date": snapshot_date(card).isoformat(), "data_hash": card.data_hash}


def provenance_html(card: Scorecard) -> str:
    tasks = f", выгрузка задач {fmt_date(card.tasks_date)}" if card.tasks_date else ""
    return (f'<p class="provenance-inline">Данные: срез мониторинга {fmt_date(card.activity_date)}'
            f"{tasks}, контрольная сумма {card.data_hash}.</p>")
