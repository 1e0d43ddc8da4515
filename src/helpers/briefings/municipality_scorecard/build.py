"""The municipality scorecard's figures: one ОМСУ's schools against the 2024–2025 targets and the region.

``build`` is pure (the region's school registry, activity snapshots, task exports and
municipalities in, :class:`Scorecard` out); ``load`` reads the region's rows from the warehouse
(:data:`helpers.briefings.municipality_scorecard.READS`) and builds. What the reader sees —
tables, cards, sentences — is made from the result in :mod:`.present`.

Indicators K1, K2, K4, K5 are computed from the schools' activity counts as ratios of sums
(the definitions of :mod:`helpers.indicators.kpis`); the region's value is that of all its schools.
Task deadlines come from ``params/tasks.yml`` and a task's status from
:func:`helpers.indicators.campaigns.task_status`, judged on the tasks export's date (or on ``period``).
What changed since last week (:class:`WeekChanges`) is measured against the latest activity
snapshot and tasks export at least ``changes.base_min_days`` days older than the ones shown
(:mod:`helpers.indicators.changes`): the municipality's place by K1, the schools that reached or
lost K1's target, the tasks done since.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from helpers.briefings import skeleton
from helpers.briefings.municipality_scorecard import KIND
from helpers.errors import BadInput, DataMissing
from helpers.indicators import campaigns, changes
from helpers.indicators import kpis as ind
from helpers.warehouse import slices

COUNT_COLUMNS: tuple[str, ...] = ind.COUNT_COLUMNS
SHARE_KPIS = ("k1", "k2", "k4", "k5")
"""The KPIs a municipality has (K3, base integration, is a region's yes/no)."""

TaskState = str  # campaigns.TaskStatus, or "unknown" when the export says nothing
"""A key of :data:`helpers.vocabulary.TASK_STATES`."""

TodoKind = Literal["activity_data", "tasks_data", "task", "regulation_url", "kpi_gaps"]


@dataclass(frozen=True)
class Todo:
    """One item of what a school still has to do.

    ``kind``: ``activity_data`` (it is missing from the activity monitoring), ``tasks_data``
    (no row of its own in the tasks export), ``task`` (a school task not done: ``task`` and its
    ``state``, ``overdue`` or ``pending``, judged against ``task.deadline``), ``regulation_url``
    (the положение marked as posted without its page address), ``kpi_gaps`` (``gaps``: for each
    KPI below target, how many more people it takes).
    """

    kind: TodoKind
    task: campaigns.Task | None = None
    state: TaskState = ""
    gaps: tuple[tuple[str, int], ...] = ()


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
    changes: WeekChanges  # what moved since last week's snapshot and tasks export

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
        activity: school activity rows of one snapshot (the counts of ``COUNT_COLUMNS``).

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


def _by_school(task_rows: pd.DataFrame) -> pd.DataFrame:
    """The tasks export's rows indexed by school, the last row of a school kept (an export
    without rows or columns: no school)."""
    if "school_id" not in task_rows:
        return pd.DataFrame(index=pd.Index([], name="school_id"))
    return task_rows.drop_duplicates("school_id", keep="last").set_index("school_id")


def school_task_states(school_ids: Sequence[str], task_rows: pd.DataFrame,
                       task_specs: Sequence[campaigns.Task], as_of: dt.date) -> pd.DataFrame:
    """Per school: ``in_tasks`` (its row is in the export) and ``<task>`` status of each task.

    A school missing from the export has done nothing; for a municipality-level task, though,
    a school's own cell is only an extra mark (empty → ``unknown``, not missing).
    """
    rows = _by_school(task_rows)
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
    rows = _by_school(task_rows)
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

KPI_COUNTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "k1": (("directors_active", "teachers_active"), ("directors_total", "teachers_total")),
    "k2": (("teachers_linked", "pupils_linked"), ("teachers_total", "pupils_total")),
    "k4": (("class_teachers_parent_chat",), ("class_teachers_total",)),
    "k5": (("teachers_esia",), ("teachers_total",)),
}
"""The counts each KPI is a ratio of: (numerator columns, denominator columns)."""


def task_todo(school: pd.Series, task_specs: Sequence[campaigns.Task]) -> list[Todo]:
    """The tasks a school has not done, most urgent first, and missing data or links.

    School-level tasks only: the ОМСУ's own tasks are in the tasks table. Overdue ones come
    before those not yet due.
    """
    items: list[Todo] = []
    if not school.get("in_activity", True):
        items.append(Todo("activity_data"))
    if "in_tasks" in school and not school["in_tasks"]:
        items.append(Todo("tasks_data"))
    for wanted in ("overdue", "pending"):
        for task in task_specs:
            if task.level == "school" and school.get(task.id) == wanted:
                items.append(Todo("task", task=task, state=wanted))
    if school.get("url_missing", False):
        items.append(Todo("regulation_url"))
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


def school_todo(school: pd.Series, task_specs: Sequence[campaigns.Task],
                targets: ind.Targets) -> list[Todo]:
    """What a school still has to do: its tasks not done, then in one item how many people
    each KPI below target lacks."""
    gaps = kpi_gaps(school, targets)
    return [*task_todo(school, task_specs),
            *([Todo("kpi_gaps", gaps=tuple(gaps.items()))] if gaps else [])]


def todo_count(todo: Sequence[Todo]) -> int:
    """The number of points of a school's «что сделать»: each item, and each KPI below target
    (a school's order in the table)."""
    return sum(len(item.gaps) if item.kind == "kpi_gaps" else 1 for item in todo)


def school_rows(registry: pd.DataFrame, activity: pd.DataFrame, states: pd.DataFrame,
                task_rows: pd.DataFrame, task_specs: Sequence[campaigns.Task],
                targets: ind.Targets) -> pd.DataFrame:
    """One row per school of the municipality: KPIs, task statuses and what it still has to do
    (``todo``, a tuple of :class:`Todo`), sorted by most to do (tasks not done + KPIs below
    target), then most overdue, then lowest K1.

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
    out["todo_count"] = [todo_count(todo) for todo in out["todo"]]
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


# --- summaries of the result -----------------------------------------------------------------

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


def tasks_overdue(card: Scorecard) -> int:
    """The ОМСУ's tasks not done whose deadline has passed."""
    return int((card.tasks["status"] == "overdue").sum())


def schools_clear(card: Scorecard) -> int:
    """Schools that have done every school-level task (on time or late)."""
    school_tasks = [t.id for t in card.task_specs if t.level == "school"]
    done = card.schools[school_tasks].isin(["done", "late"]).all(axis=1) & card.schools["in_tasks"]
    return int(done.sum())


def schools_clear_status(card: Scorecard) -> str:
    """The status of «every school has done every task» (unknown without a tasks export)."""
    schools = len(card.schools)
    share = schools_clear(card) / schools if schools and card.tasks_date else None
    return ind.status(share, 1.0, near=card.targets.near)


def schools_with_overdue(card: Scorecard) -> int:
    """Schools with at least one school task overdue."""
    return int((card.schools["overdue"] > 0).sum())


def schools_below_k1(card: Scorecard) -> int:
    """Schools whose K1 is below its target (near it or behind)."""
    return int(card.schools["k1_status"].isin(["near", "behind"]).sum())


def lowest_k1(card: Scorecard, n: int = 3) -> pd.DataFrame:
    """The ``n`` schools lowest on K1 among those below its target (``school_id, school_name,
    k1``), lowest first."""
    below = card.schools[card.schools["k1_status"].isin(["near", "behind"])]
    return below.sort_values(["k1", "school_name"])[["school_id", "school_name", "k1"]] \
        .head(n).reset_index(drop=True)


def missing_schools(card: Scorecard) -> tuple[list[str], list[str]]:
    """(names of the schools missing from the activity snapshot, of those without a row in the
    tasks export — none when there is no export at all)."""
    schools = card.schools
    activity = schools.loc[~schools["in_activity"], "school_name"].tolist()
    tasks = schools.loc[~schools["in_tasks"], "school_name"].tolist() if card.tasks_date else []
    return activity, tasks


def municipality_gaps(card: Scorecard) -> dict[str, int]:
    """For each KPI of the municipality below its target, how many more people its schools need
    (:func:`kpi_gaps` on the municipality's sums)."""
    return kpi_gaps(card.municipality, card.targets)


@dataclass(frozen=True)
class Change:
    """K1 of the municipality and of the region since the first snapshot, in shares."""

    since: dt.date
    municipality: float
    region: float


def k1_change(card: Scorecard) -> Change | None:
    """How K1 changed from the first snapshot to the last (None with fewer than two)."""
    own = card.municipality_trend.dropna()
    region = card.trend.dropna()
    if len(own) < 2:
        return None
    return Change(since=own["snapshot_date"].iloc[0].date(),
                  municipality=own["k1"].iloc[-1] - own["k1"].iloc[0],
                  region=region["k1"].iloc[-1] - region["k1"].iloc[0])


def snapshot_date(card: Scorecard) -> dt.date:
    """The briefing's data date: the later of the activity snapshot and the tasks export."""
    return max(d for d in (card.activity_date, card.tasks_date) if d is not None)


# --- what changed since the comparison base ----------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """The municipality's K1 and place by K1 among the region's municipalities (1 = highest;
    tied ones share the higher place), at the base and now; None where it has no school in that
    snapshot (or there is no base)."""

    k1_before: float | None
    k1_after: float | None
    rank_before: int | None
    rank_after: int | None
    municipalities_before: int  # how many municipalities were ranked
    municipalities_after: int

    @property
    def rank_move(self) -> int | None:
        """Places gained (positive) or lost (negative) since the base; None without both."""
        if self.rank_before is None or self.rank_after is None:
            return None
        return self.rank_before - self.rank_after

    @property
    def k1_delta(self) -> float | None:
        """K1 now minus K1 at the base, as a share; None without both."""
        if self.k1_before is None or self.k1_after is None:
            return None
        return self.k1_after - self.k1_before


@dataclass(frozen=True)
class WeekChanges:
    """What moved since the comparison base: last week's activity snapshot and tasks export.

    Each source has its own base: the latest snapshot (export) at least ``min_days`` days before
    the one the scorecard shows (:func:`helpers.indicators.changes.comparison_base`); None when
    there is none, and then nothing of that source is compared.

    ``k1_crossings``: the municipality's schools whose K1 reached or lost its target
    (``CROSSING_COLUMNS``); a school in one snapshot only is no crossing: it is in
    ``schools_entered`` (in the monitoring now, not at the base) or ``schools_left``
    (``school_id, school_name``). ``tasks_moved``: tasks done or undone since the tasks base
    (``TASK_MOVE_COLUMNS``, see :func:`tasks_moved`); ``open_before``/``open_after``: the
    schools' own tasks not done then and now (None without a tasks base).
    """

    min_days: int
    activity_base: dt.date | None
    tasks_base: dt.date | None
    standing: Standing
    k1_crossings: pd.DataFrame
    schools_entered: pd.DataFrame
    schools_left: pd.DataFrame
    tasks_moved: pd.DataFrame
    open_before: int | None
    open_after: int | None

    @property
    def base_date(self) -> dt.date | None:
        """The date the block compares with: the activity base, else the tasks base."""
        return self.activity_base or self.tasks_base

    def tasks(self, level: str, direction: str = "done") -> pd.DataFrame:
        """The rows of ``tasks_moved`` of one level (``school``, ``municipality``) and direction."""
        moved = self.tasks_moved
        return moved[(moved["level"] == level) & (moved["direction"] == direction)]


CROSSING_COLUMNS = ["school_id", "school_name", "k1_before", "k1_after", "direction"]
TASK_MOVE_COLUMNS = ["level", "school_id", "school_name", "task_id", "label", "before", "after",
                     "direction"]
DONE_STATES = ("done", "late")
NO_STANDING = Standing(None, None, None, None, 0, 0)


def _names(registry: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """``school_id, school_name`` of ``ids``, in the registry's order."""
    rows = registry[registry["school_id"].isin(list(ids))]
    return rows[["school_id", "school_name"]].reset_index(drop=True)


def k1_crossings(before: pd.DataFrame, after: pd.DataFrame, registry: pd.DataFrame,
                 targets: ind.Targets) -> pd.DataFrame:
    """The municipality's schools whose K1 reached or lost its target between two snapshots.

    Args:
        before, after: the activity rows of the municipality's schools at the base and now.
        registry: the municipality's schools (``school_id``, ``school_name``).
        targets: the 2024–2025 targets (K1's, with its strictness).

    Returns:
        ``CROSSING_COLUMNS`` (``direction``: ``reached`` or ``lost``), reached first, then by
        school name. A school missing from one snapshot is not a crossing.
    """
    old, new = school_kpis(before, targets), school_kpis(after, targets)
    moved = changes.crossings(old.assign(met=old["k1_status"] == "met"),
                              new.assign(met=new["k1_status"] == "met"), key="school_id", met="met")
    out = moved.merge(registry[["school_id", "school_name"]], on="school_id", how="left")
    out = out.merge(old[["school_id", "k1"]].rename(columns={"k1": "k1_before"}), on="school_id")
    out = out.merge(new[["school_id", "k1"]].rename(columns={"k1": "k1_after"}), on="school_id")
    out["order"] = out["direction"].map({"reached": 0, "lost": 1})
    return out.sort_values(["order", "school_name"])[CROSSING_COLUMNS].reset_index(drop=True)


def monitoring_changes(before: pd.DataFrame, after: pd.DataFrame, registry: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entered, left): the municipality's schools in the activity now but not at the base, and
    at the base but not now (``school_id, school_name``)."""
    entered, left = changes.set_changes(before["school_id"].astype(str),
                                        after["school_id"].astype(str))
    return _names(registry, entered), _names(registry, left)


def standing(before: pd.DataFrame, after: pd.DataFrame, schools: pd.DataFrame, oktmo: str
             ) -> Standing:
    """The municipality's K1 and place in the region at the base and now.

    Args:
        before, after: every school's activity of the region at the base and now.
        schools: the region's school registry (``school_id, oktmo``).
        oktmo: the municipality.
    """
    old, new = municipality_ranking(before, schools), municipality_ranking(after, schools)
    moves = changes.rank_moves(old, new, key="oktmo")
    own = moves[moves["oktmo"] == oktmo]

    def place(frame: pd.DataFrame, column: str) -> int | None:
        rows = frame.loc[frame["oktmo"] == oktmo, column]
        return int(rows.iloc[0]) if len(rows) and pd.notna(rows.iloc[0]) else None

    def k1(frame: pd.DataFrame) -> float | None:
        rows = frame.loc[frame["oktmo"] == oktmo, "k1"]
        return float(rows.iloc[0]) if len(rows) and pd.notna(rows.iloc[0]) else None

    return Standing(k1_before=k1(old), k1_after=k1(new), rank_before=place(own, "rank_before"),
                    rank_after=place(new, "rank"), municipalities_before=len(old),
                    municipalities_after=len(new))


def tasks_moved(before: pd.DataFrame, after: pd.DataFrame, omsu_before: pd.DataFrame,
                omsu_after: pd.DataFrame, task_specs: Sequence[campaigns.Task],
                registry: pd.DataFrame, municipality_name: str) -> pd.DataFrame:
    """Tasks done — or undone, a mark withdrawn — between two tasks exports.

    Args:
        before, after: :func:`school_task_states` of the municipality's schools in the base
            export and now (a school without a row in an export has done nothing in it).
        omsu_before, omsu_after: :func:`municipality_tasks` of both exports (the ОМСУ's status
            of each task: a school task is the ОМСУ's once the last of its schools did it).
        task_specs: the tasks of ``params/tasks.yml``; only school-level ones count per school.
        registry: the municipality's schools (``school_id, school_name``).
        municipality_name: the ОМСУ's name, for its own rows.

    Returns:
        ``TASK_MOVE_COLUMNS``: ``level`` (``municipality``: the ОМСУ's status of the task;
        ``school``: one school's task), ``school_id`` (None for the ОМСУ), ``school_name``,
        ``task_id``, ``label``, ``before``/``after`` (task states) and ``direction`` (``done``:
        not done then, done — on time or late — now; ``undone``: the other way). The ОМСУ's
        rows first, then the schools', by task and school name.
    """
    labels = {task.id: task.label for task in task_specs}
    order = {task.id: i for i, task in enumerate(task_specs)}
    records: list[dict[str, object]] = []

    def compare(level: str, school: str | None, name: str, task_id: str, old: str, new: str
                ) -> None:
        was, now = old in DONE_STATES, new in DONE_STATES
        if was != now:
            records.append({"level": level, "school_id": school, "school_name": name,
                            "task_id": task_id, "label": labels[task_id], "before": old,
                            "after": new, "direction": "done" if now else "undone"})

    old_omsu = dict(zip(omsu_before["task_id"], omsu_before["status"], strict=True))
    for task_id, new in zip(omsu_after["task_id"], omsu_after["status"], strict=True):
        compare("municipality", None, municipality_name, task_id, old_omsu.get(task_id, "unknown"),
                new)
    names = dict(zip(registry["school_id"], registry["school_name"], strict=True))
    old_states = before.set_index("school_id")
    for _, row in after.iterrows():
        school = row["school_id"]
        for task in task_specs:
            if task.level != "school":
                continue
            old = old_states.at[school, task.id] if school in old_states.index else "unknown"
            compare("school", school, names.get(school, school), task.id, old, row[task.id])
    out = pd.DataFrame.from_records(records, columns=TASK_MOVE_COLUMNS)
    out["school_id"] = pd.Series([r["school_id"] for r in records], dtype=object)  # None stays
    keys = pd.DataFrame({"school": out["level"] == "school", "task": out["task_id"].map(order),
                         "name": out["school_name"]})
    return out.loc[keys.sort_values(["school", "task", "name"]).index].reset_index(drop=True)


def open_school_tasks(states: pd.DataFrame, task_specs: Sequence[campaigns.Task]) -> int:
    """The schools' own tasks not done (overdue or pending) in one export."""
    school_tasks = [task.id for task in task_specs if task.level == "school"]
    return int(states[school_tasks].isin(["overdue", "pending"]).sum().sum())


# --- the briefing ----------------------------------------------------------------------------

def _on_or_before(frame: pd.DataFrame, period: str) -> dt.date | None:
    """The latest export on or before ``period``; None when there is none (or no export at all:
    a region that sent no tasks export gets a frame without rows or columns)."""
    if frame.empty or "snapshot_date" not in frame:
        return None
    try:
        return slices.snapshot_on_or_before(frame, period)
    except ValueError:
        return None


def _municipality_name(oktmo: str, municipalities: pd.DataFrame, registry: pd.DataFrame) -> str:
    if "oktmo" in municipalities:
        named = municipalities[municipalities["oktmo"] == oktmo]
        if len(named):
            return str(named["name"].iloc[0])
    own = registry[registry["oktmo"] == oktmo]
    return str(own["municipality"].iloc[0]) if "municipality" in own and len(own) else oktmo


def build(frames: slices.Frames, *, region_code: str, oktmo: str, targets: ind.Targets,
          tasks: tuple[str, Mapping[str, campaigns.Task]], regions: pd.DataFrame,
          period: str = "") -> Scorecard:
    """All figures of the scorecard of one municipality.

    Args:
        frames: the region's rows of the tables of ``READS``: ``schools`` (the school registry:
            ``school_id, school_name, oktmo, …``), ``school_activity`` (every weekly snapshot),
            ``tasks`` (school and municipality rows of every export; without rows or columns
            when the region sent none) and ``municipalities`` (``oktmo, name``; may be empty).
        region_code: the region's code (for its name and the provenance).
        oktmo: the municipality's ОКТМО.
        targets: the 2024–2025 targets (``params/targets.yml``).
        tasks: the campaign and tasks of ``params/tasks.yml``.
        regions: the regions' reference (the region's name).
        period: ISO date; the latest activity snapshot and tasks export on or before it are used
            and deadlines are judged on it ('' = the latest, judged on the tasks export's date).

    Raises:
        ValueError: in Russian, when ``period`` is not an ISO date, the municipality has no
            schools, or there is no activity snapshot on or before ``period``.
    """
    schools, municipalities = frames["schools"], frames["municipalities"]
    campaign_id, specs = tasks
    task_specs = tuple(specs.values())
    registry = schools[schools["oktmo"] == oktmo].sort_values("school_id").reset_index(drop=True)
    name = _municipality_name(oktmo, municipalities, schools)
    if registry.empty:
        known = "" if name != oktmo else " (такого кода нет в справочнике муниципальных образований)"
        raise BadInput(f"В реестре ОО региона {region_code} нет школ с ОКТМО {oktmo}{known} / "
                         f"no schools with OKTMO {oktmo!r} in region {region_code}")
    min_days = targets.changes_base_days
    activity = skeleton.now_and_base(
        frames, period=period, min_days=min_days, dates=_dates(frames["school_activity"]),
        snapshot=partial(activity_on_or_before, region_code=region_code, registry=registry),
        compare=partial(activity_changes, schools=schools, registry=registry, oktmo=oktmo,
                        targets=targets))
    day = activity.now.day
    exports = skeleton.now_and_base(
        frames, period=period, min_days=min_days, dates=_dates(frames["tasks"]),
        snapshot=partial(export_on_or_before, registry=registry, oktmo=oktmo,
                         task_specs=task_specs, judged_without_export=day),
        compare=partial(export_changes, task_specs=task_specs, registry=registry,
                        municipality_name=name),
        read=(schools, municipalities, *activity.read))  # the hash: every row the card read
    now, export = activity.now, exports.now
    current, own = now.current, now.own
    kpis = pd.DataFrame({
        "municipality": with_statuses(territory_kpis(own), targets),
        "region": with_statuses(territory_kpis(current), targets),
    }).T
    return Scorecard(
        region_code=region_code,
        region_name=skeleton.region_name(regions, region_code),
        oktmo=oktmo,
        municipality_name=name,
        activity_date=day,
        tasks_date=export.day,
        as_of=export.as_of,
        targets=targets,
        tasks_campaign=campaign_id,
        task_specs=task_specs,
        kpis=kpis,
        municipalities_ranked=municipality_ranking(current, schools),
        tasks=export.table,
        schools=school_rows(registry, own, export.states, export.own_rows, task_specs, targets),
        trend=k1_trend(now.history),
        municipality_trend=k1_trend(now.history[now.history["school_id"].isin(registry["school_id"])]),
        data_hash=exports.data_hash,
        changes=WeekChanges(min_days=min_days, **activity.changes, **exports.changes),
    )


def _dates(frame: pd.DataFrame) -> pd.Series:
    """The export dates of a dated frame (none for a frame without columns: no export sent)."""
    if "snapshot_date" not in frame:
        return pd.Series(dtype="datetime64[ns]")
    return pd.to_datetime(frame["snapshot_date"])


@dataclass(frozen=True)
class ActivitySnapshot:
    """The activity monitoring on one snapshot date."""

    day: dt.date
    history: pd.DataFrame  # every school's rows up to ``day`` (the trend), dates as timestamps
    current: pd.DataFrame  # every school's rows of ``day``
    own: pd.DataFrame  # the municipality's schools' rows of ``day``

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        return (self.history,)


def activity_on_or_before(frames: slices.Frames, on_or_before: dt.date | None, *,
                          region_code: str, registry: pd.DataFrame) -> ActivitySnapshot:
    """The latest activity snapshot on or before a day (None: the latest).

    Raises:
        DataMissing: there is none, in Russian.
    """
    activity = frames["school_activity"]
    period = on_or_before.isoformat() if on_or_before else ""
    try:
        day = slices.snapshot_on_or_before(activity, period)
    except ValueError:
        raise DataMissing(f"Нет среза мониторинга активности школ региона {region_code} на "
                         f"{period or 'любую дату'} или раньше / no activity snapshot on or before "
                         f"{period or 'now'}") from None
    dated = activity.assign(snapshot_date=pd.to_datetime(activity["snapshot_date"]))
    used = dated[dated["snapshot_date"] <= pd.Timestamp(day)]
    current = used[used["snapshot_date"] == pd.Timestamp(day)]
    return ActivitySnapshot(day, used, current,
                            current[current["school_id"].isin(registry["school_id"])])


def activity_changes(base: ActivitySnapshot | None, now: ActivitySnapshot, *,
                     schools: pd.DataFrame, registry: pd.DataFrame, oktmo: str,
                     targets: ind.Targets) -> dict[str, Any]:
    """The activity's part of :class:`WeekChanges`: the base's date, the municipality's place,
    its schools that crossed K1's target, entered or left the monitoring."""
    if base is None:
        empty = pd.DataFrame(columns=["school_id", "school_name"])
        return {"activity_base": None, "standing": NO_STANDING,
                "k1_crossings": pd.DataFrame(columns=CROSSING_COLUMNS), "schools_entered": empty,
                "schools_left": empty}
    entered, left = monitoring_changes(base.own, now.own, registry)
    return {"activity_base": base.day, "standing": standing(base.current, now.current, schools, oktmo),
            "k1_crossings": k1_crossings(base.own, now.own, registry, targets),
            "schools_entered": entered, "schools_left": left}


@dataclass(frozen=True)
class TaskExport:
    """One tasks export as the scorecard reads it, judged on ``as_of``."""

    day: dt.date | None  # None: no export on or before the day (or none at all)
    as_of: dt.date  # the day deadlines are judged on
    rows: pd.DataFrame  # every row of the export (the region's)
    own_rows: pd.DataFrame  # the rows of the municipality's schools
    omsu_row: pd.Series | None  # the ОМСУ's own row
    states: pd.DataFrame  # school_task_states of the municipality's schools
    table: pd.DataFrame  # municipality_tasks: the ОМСУ's status of each task

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        return (self.rows,)


def export_on_or_before(frames: slices.Frames, on_or_before: dt.date | None, *,
                        registry: pd.DataFrame, oktmo: str, task_specs: Sequence[campaigns.Task],
                        judged_without_export: dt.date) -> TaskExport:
    """The municipality's rows of the latest tasks export on or before a day (None: the latest),
    judged on that day — or, with None, on the export's date (``judged_without_export`` when
    there is no export); without an export every state is unknown."""
    tasks = frames["tasks"]
    day = _on_or_before(tasks, on_or_before.isoformat() if on_or_before else "")
    as_of = on_or_before or day or judged_without_export
    if day is None:  # no export on or before the period, or none at all
        empty = tasks.iloc[0:0]
        states = pd.DataFrame({"school_id": registry["school_id"], "in_tasks": True,
                               **{t.id: "unknown" for t in task_specs}})
        rows, own_rows, omsu_row = empty, empty, None
    else:
        rows = tasks[pd.to_datetime(tasks["snapshot_date"]) == pd.Timestamp(day)]
        own_rows = rows[(rows["level"] == "school") & rows["school_id"].isin(registry["school_id"])]
        omsu = rows[(rows["level"] == "municipality") & (rows["oktmo"] == oktmo)]
        omsu_row = omsu.iloc[-1] if len(omsu) else None
        states = school_task_states(registry["school_id"].tolist(), own_rows, task_specs, as_of)
    table = municipality_tasks(task_specs, omsu_row, own_rows, states, as_of)
    return TaskExport(day, as_of, rows, own_rows, omsu_row, states, table)


def export_changes(base: TaskExport | None, now: TaskExport, *,
                   task_specs: Sequence[campaigns.Task], registry: pd.DataFrame,
                   municipality_name: str) -> dict[str, Any]:
    """The tasks' part of :class:`WeekChanges`: the base export's date, the tasks done or undone
    since, the schools' own tasks open then and now."""
    if base is None:
        return {"tasks_base": None, "tasks_moved": pd.DataFrame(columns=TASK_MOVE_COLUMNS),
                "open_before": None, "open_after": None}
    return {"tasks_base": base.day,
            "tasks_moved": tasks_moved(base.states, now.states, base.table, now.table, task_specs,
                                       registry, municipality_name),
            "open_before": open_school_tasks(base.states, task_specs),
            "open_after": open_school_tasks(now.states, task_specs)}


def load(region_code: str = "35", oktmo: str = "", period: str = "",
         warehouse_path: Path | None = None) -> Scorecard:
    """The scorecard's figures from the region's rows of the warehouse.

    ``PERIOD``/``WAREHOUSE`` settings by default; reads the tables of ``READS`` for
    ``region_code`` only (a region without a tasks export or municipality reference still gets
    its scorecard, with the tasks «нет данных»).

    Raises:
        slices.MissingData: the warehouse has no school registry or activity of the region.
    """
    return skeleton.load(KIND, build, period=period, warehouse_path=warehouse_path,
                         require=("schools", "school_activity"), region_code=region_code,
                         oktmo=oktmo.strip())
