"""The diary (ЭЖД) authorization-gaps briefing: who can log in to the electronic diary through Госуслуги.

The ministry's slides «Вопросы по авторизации в электронном дневнике» list what a school must
check in «Электронная школа» (1 — the pupil is in the registry «Ученики»; 2 — the pupil's card
has a SNILS; 3 — the parent is in «Реестр родителей» with the child and the child's school;
4 — the parent's card has a SNILS; 5 — the parent has a LOGIN, which only the school's
administrator creates) and what a parent must do on Госуслуги (1 — confirm their own account;
2 — create the account of a child under 14, linked to theirs automatically; 3 — link the account
of a child aged 14 or more to theirs). This module turns the pseudonymised ЭЖД registries of the
warehouse into those checks and into one funnel, pupil by pupil:

contingent → in the registry → pupil SNILS present → valid → a parent linked to the child and
the school → that parent's SNILS present and valid → the same parent has a LOGIN → the same
parent's Госуслуги account is confirmed → the child's account is ready → **can log in**.

A pupil counts once however many parents they have: a step is passed when at least one parent
passes it together with every earlier parent step. Parent checks count parents: a parent with
children in two schools counts in each school's checks, once in a municipality's or the region's.

:func:`build` is pure (the frames of :data:`~helpers.briefings.diary_authorization_gaps.READS`
in, :class:`Diary` out); :func:`load` reads the warehouse and builds. The words the reader sees
— step, check and action labels included — are :mod:`.present`'s. No name, SNILS, login or birth
date is read or shown: the warehouse only has validity flags, ages and pseudonymous ids, and the
outputs only counts and rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from helpers.briefings import skeleton
from helpers.briefings.diary_authorization_gaps import KIND
from helpers.errors import BadInput, DataMissing
from helpers.indicators import changes as moves
from helpers.indicators import kpis as ind
from helpers.indicators.campaigns import Task, task_status
from helpers.warehouse import slices

TARGET = 1.0
"""Every pupil should be able to log in, and every check hold for every record: the slides set
no lower figure and ``params/targets.yml`` has none for the diary; «близко к цели» uses its
``status.near``."""

ADULT_AGE = 14
"""From this age (at the registry's date) a child has an own Госуслуги account to link; under it
the parent creates the child's account."""

ACCOUNT_READY_UNDER_14 = frozenset({"created", "linked"})
ACCOUNT_READY_FROM_14 = frozenset({"linked"})
AUTH_TASK = "auth_info"  # params/tasks.yml: information on diary log-in passed on to schools

Side = Literal["school", "parent"]


# --- the funnel and the checks -----------------------------------------------------------------

FUNNEL: tuple[str, ...] = (
    "contingent", "step_registry", "step_snils_present", "step_snils_valid", "step_parent_linked",
    "step_parent_snils", "step_parent_login", "step_parent_esia", "step_can_login",
)
"""The funnel's count columns, contingent first (labels: ``present.STEPS``)."""
SCHOOL_SIDE_DONE = "step_parent_login"  # the last step the school itself can complete


@dataclass(frozen=True)
class Check:
    """One check of the slides: who does it, its number there, its done/total columns and what it
    counts (``pupils`` or ``parents``); its label is ``present.CHECK_LABELS[id]``."""

    id: str
    side: Side
    number: int
    done: str
    total: str
    unit: Literal["pupils", "parents"]


CHECKS: tuple[Check, ...] = (
    Check("registry", "school", 1, "in_registry", "contingent", "pupils"),
    Check("pupil_snils", "school", 2, "pupil_snils_ok", "registry", "pupils"),
    Check("parent_linked", "school", 3, "pupils_with_parent", "registry", "pupils"),
    Check("parent_snils", "school", 4, "parent_snils_ok", "parents", "parents"),
    Check("parent_login", "school", 5, "parent_login", "parents", "parents"),
    Check("parent_esia", "parent", 1, "parent_esia", "parents", "parents"),
    Check("child_under_14", "parent", 2, "under_14_ready", "under_14", "pupils"),
    Check("child_from_14", "parent", 3, "from_14_linked", "from_14", "pupils"),
)


@dataclass(frozen=True)
class Action:
    """What to fix: the count column saying how many records need it, and who fixes it (its
    words: ``present.ACTION_LABELS[column]``)."""

    column: str
    who: Side


ACTIONS: tuple[Action, ...] = (
    Action("not_in_registry", "school"),
    Action("registry_extra", "school"),
    Action("pupil_snils_missing", "school"),
    Action("pupil_snils_invalid", "school"),
    Action("age_unknown", "school"),
    Action("pupils_no_parent", "school"),
    Action("pupils_wrong_school", "school"),
    Action("parent_snils_missing", "school"),
    Action("parent_snils_invalid", "school"),
    Action("parent_no_login", "school"),
    Action("parent_no_esia", "parent"),
    Action("under_14_missing", "parent"),
    Action("from_14_unlinked", "parent"),
)
DISTINCT_PARENT_ACTIONS = frozenset({"parent_snils_missing", "parent_snils_invalid",
                                     "parent_no_login", "parent_no_esia"})
"""Actions counted in parents: a territory's total counts each parent once, not per school."""

PARENT_FLAGS = ("snils_present", "snils_valid", "login_present", "esia_confirmed")


def _member(values: pd.Series, of: pd.Series) -> np.ndarray:
    """``values.isin(of)`` by hashing (pandas' ``isin`` on Arrow strings is slow for large ``of``)."""
    return np.asarray(pd.Index(pd.unique(of.dropna())).get_indexer(values) >= 0)


def _flag(values: pd.Series) -> pd.Series:
    """A yes/no column as plain bool (a missing value is «no»)."""
    return values.astype("boolean").fillna(False).astype(bool)


def child_account_ready(age: pd.Series, state: pd.Series) -> pd.Series:
    """Whether the child's Госуслуги account lets the family log in, by the rule of the child's age.

    Under 14 the account must exist (``created`` or ``linked``: a parent-created account is
    linked to the parent by itself); from 14 it must be ``linked``; with the age unknown only
    ``linked`` satisfies both rules.

    Args:
        age: age in full years at the registry's date (missing allowed).
        state: ``none`` / ``created`` / ``linked`` (missing = ``none``).
    """
    years = pd.to_numeric(age, errors="coerce")
    account = state.astype("str").fillna("none")
    young = (years < ADULT_AGE).fillna(False).astype(bool)
    ready_young = account.isin(ACCOUNT_READY_UNDER_14).fillna(False).astype(bool)
    ready_old = account.isin(ACCOUNT_READY_FROM_14).fillna(False).astype(bool)
    return pd.Series(np.where(young, ready_young, ready_old), index=age.index, dtype=bool)


def _parent_checks(parents: pd.DataFrame) -> pd.DataFrame:
    """Per parent of the registry: SNILS present, SNILS valid, LOGIN, Госуслуги confirmed."""
    out = pd.DataFrame({"parent_id": parents["parent_id"].astype("str")})
    for column in PARENT_FLAGS:
        out[column] = _flag(parents[column])
    out["snils_valid"] &= out["snils_present"]
    return out.drop_duplicates("parent_id")


def pupil_flags(pupils: pd.DataFrame, parents: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """One row per pupil of the registry «Ученики»: each check and each funnel step.

    Args:
        pupils: the registry «Ученики» of one export (``pupil_id, school_id, age, snils_present,
            snils_valid, child_account``).
        parents: «Реестр родителей» of one export (``parent_id`` and the flags).
        links: ``parent_children`` of that export (``parent_id, pupil_id, school_id`` — the school
            the parent's card gives for the child).

    Returns:
        ``pupil_id, school_id`` and bool columns: the checks (``snils_present``, ``snils_valid``,
        ``under_14``, ``from_14``, ``age_unknown``, ``account_ready``, ``has_parent`` — a parent
        of the registry linked to the child at the child's school, ``wrong_school`` — linked
        parents exist but none at the child's school, ``no_parent``, ``parent_snils``,
        ``parent_login``, ``parent_esia`` — some linked parent passes this and every earlier parent
        check) and the funnel steps ``step_*`` (cumulative; see :data:`FUNNEL`).
    """
    out = pd.DataFrame({"pupil_id": pupils["pupil_id"].astype("str"),
                        "school_id": pupils["school_id"].astype("str")})
    out["snils_present"] = _flag(pupils["snils_present"]).to_numpy()
    out["snils_valid"] = _flag(pupils["snils_valid"]).to_numpy() & out["snils_present"]
    age = pd.to_numeric(pupils["age"], errors="coerce").reset_index(drop=True)
    out["under_14"] = (age < ADULT_AGE).fillna(False).astype(bool).to_numpy()
    out["from_14"] = (age >= ADULT_AGE).fillna(False).astype(bool).to_numpy()
    out["age_unknown"] = age.isna().to_numpy()
    out["account_ready"] = child_account_ready(
        age, pupils["child_account"].reset_index(drop=True)).to_numpy()

    linked = pd.DataFrame({"parent_id": links["parent_id"].astype("str"),
                           "pupil_id": links["pupil_id"].astype("str"),
                           "link_school": links["school_id"].astype("str")})
    linked = linked.merge(_parent_checks(parents), on="parent_id", how="inner")
    linked = linked.merge(out[["pupil_id", "school_id"]], on="pupil_id", how="inner")
    right = linked[(linked["link_school"] == linked["school_id"]).fillna(False).astype(bool)]
    snils = right["snils_valid"]
    login = snils & right["login_present"]
    per_pupil = pd.DataFrame({"pupil_id": right["pupil_id"], "parent_snils": snils,
                              "parent_login": login, "parent_esia": login & right["esia_confirmed"]})
    per_pupil = per_pupil.groupby("pupil_id").any().assign(has_parent=True)
    out = out.join(per_pupil, on="pupil_id")
    for column in ("has_parent", "parent_snils", "parent_login", "parent_esia"):
        out[column] = out[column].astype("boolean").fillna(False).astype(bool)
    out["no_parent"] = ~_member(out["pupil_id"], linked["pupil_id"])
    out["wrong_school"] = ~out["has_parent"] & ~out["no_parent"]

    valid = out["snils_valid"]
    out["step_registry"] = True
    out["step_snils_present"] = out["snils_present"]
    out["step_snils_valid"] = valid
    out["step_parent_linked"] = valid & out["has_parent"]
    out["step_parent_snils"] = valid & out["parent_snils"]
    out["step_parent_login"] = valid & out["parent_login"]
    out["step_parent_esia"] = valid & out["parent_esia"]
    out["step_can_login"] = out["step_parent_esia"] & out["account_ready"]
    return out


def parent_flags(parents: pd.DataFrame, links: pd.DataFrame, pupils: pd.DataFrame) -> pd.DataFrame:
    """One row per parent and school of their children: the parent checks 4, 5 and Госуслуги.

    A parent belongs to the school of each of their children: the school of the registry
    «Ученики», or — for a child not in it — the school the parent's card gives. Parents without
    children in the registry of parents belong to no school (see :func:`parents_without_children`).

    Returns:
        ``parent_id, school_id, snils_present, snils_valid, login_present, esia_confirmed``.
    """
    schools = pd.Series(pupils["school_id"].astype("str").to_numpy(),
                        index=pupils["pupil_id"].astype("str").to_numpy())
    schools = schools[~schools.index.duplicated()]
    school = links["pupil_id"].astype("str").map(schools)
    school = school.fillna(links["school_id"].astype("str"))
    pairs = pd.DataFrame({"parent_id": links["parent_id"].astype("str"), "school_id": school})
    pairs = pairs.dropna().drop_duplicates()
    return pairs.merge(_parent_checks(parents), on="parent_id", how="inner").reset_index(drop=True)


def parents_without_children(parents: pd.DataFrame, links: pd.DataFrame) -> int:
    """Records of «Реестр родителей» with no child (often duplicates): they belong to no school."""
    return int((~_member(parents["parent_id"].astype("str"), links["parent_id"].astype("str"))).sum())


def contingent(schools: pd.DataFrame, activity: pd.DataFrame, day: dt.date
               ) -> tuple[pd.DataFrame, dt.date | None]:
    """Pupils of each school: «Обучающихся, всего» of the school monitoring on or before ``day``.

    Schools without a monitoring row at that date take the pupils of the school registry.

    Returns:
        (``school_id, contingent``, the monitoring date used or ``None`` when none was).
    """
    base = pd.DataFrame({"school_id": schools["school_id"].astype("str"),
                         "contingent": pd.to_numeric(schools["pupils"]).fillna(0).astype("int64")})
    dates = pd.to_datetime(activity["snapshot_date"]) if len(activity) else pd.Series(dtype="datetime64[ns]")
    dates = dates[dates <= pd.Timestamp(day)]
    if dates.empty:
        return base, None
    used = dates.max()
    rows = activity[pd.to_datetime(activity["snapshot_date"]) == used]
    monitored = pd.Series(pd.to_numeric(rows["pupils_total"]).to_numpy(),
                          index=rows["school_id"].astype("str").to_numpy())
    base["contingent"] = base["school_id"].map(monitored).fillna(base["contingent"]).astype("int64")
    return base, used.date()


def school_counts(pupils: pd.DataFrame, contingent: pd.DataFrame) -> pd.DataFrame:
    """Per school: its contingent, the counts of the pupil checks and the funnel.

    The funnel of a school is capped step by step: a school with more registry records than
    pupils counts at most its contingent as «in the registry», and no later step above the
    step before it, so the funnel never grows.

    Args:
        pupils: :func:`pupil_flags`.
        contingent: ``school_id, contingent`` (:func:`contingent`).
    """
    ready = pupils["account_ready"]
    flags = pd.DataFrame({
        "school_id": pupils["school_id"],
        "registry": True,
        "pupil_snils_ok": pupils["snils_valid"],
        "pupil_snils_missing": ~pupils["snils_present"],
        "pupil_snils_invalid": pupils["snils_present"] & ~pupils["snils_valid"],
        "pupils_with_parent": pupils["has_parent"],
        "pupils_wrong_school": pupils["wrong_school"],
        "pupils_no_parent": pupils["no_parent"],
        "under_14": pupils["under_14"],
        "under_14_ready": pupils["under_14"] & ready,
        "under_14_missing": pupils["under_14"] & ~ready,
        "from_14": pupils["from_14"],
        "from_14_linked": pupils["from_14"] & ready,
        "from_14_unlinked": pupils["from_14"] & ~ready,
        "age_unknown": pupils["age_unknown"],
        **{step: pupils[step] for step in FUNNEL[2:]},
    })
    sums = flags.groupby("school_id").sum()
    out = contingent.set_index("school_id")[["contingent"]].join(sums, how="outer")
    out = out.fillna(0).astype("int64")
    out["in_registry"] = np.minimum(out["registry"], out["contingent"])
    out["not_in_registry"] = (out["contingent"] - out["registry"]).clip(lower=0)
    out["registry_extra"] = (out["registry"] - out["contingent"]).clip(lower=0)
    out["step_registry"] = out["in_registry"]
    previous = out["step_registry"]
    for step in FUNNEL[2:]:
        out[step] = np.minimum(out[step], previous)
        previous = out[step]
    out.index.name = "school_id"
    return out.reset_index()


def parent_counts(parents: pd.DataFrame, unit_of_school: pd.Series) -> pd.DataFrame:
    """Distinct parents per unit (school, municipality, region) and their check counts.

    Args:
        parents: :func:`parent_flags` (one row per parent and school).
        unit_of_school: school_id → unit key.
    """
    frame = parents.assign(unit=parents["school_id"].map(unit_of_school)).dropna(subset=["unit"])
    frame = frame.drop_duplicates(["unit", "parent_id"])
    snils_ok = frame["snils_valid"]
    counts = pd.DataFrame({
        "unit": frame["unit"],
        "parents": 1,
        "parent_snils_ok": snils_ok,
        "parent_snils_missing": ~frame["snils_present"],
        "parent_snils_invalid": frame["snils_present"] & ~snils_ok,
        "parent_login": frame["login_present"],
        "parent_no_login": ~frame["login_present"],
        "parent_esia": frame["esia_confirmed"],
        "parent_no_esia": ~frame["esia_confirmed"],
    })
    return counts.groupby("unit").sum().astype("int64")


def gap_counts(schools_counted: pd.DataFrame, parents: pd.DataFrame, unit_of_school: pd.Series
               ) -> pd.DataFrame:
    """Every count of the briefing per unit: pupil counts summed over its schools, parents distinct.

    Args:
        schools_counted: :func:`school_counts`.
        parents: :func:`parent_flags`.
        unit_of_school: school_id → unit key (the school itself, its ОКТМО, or one region key).

    Returns:
        One row per unit (index ``unit``) with ``schools`` and every count column.
    """
    frame = schools_counted.assign(unit=schools_counted["school_id"].map(unit_of_school))
    frame = frame.dropna(subset=["unit"]).drop(columns="school_id")
    pupils = frame.groupby("unit").sum()
    pupils.insert(0, "schools", frame.groupby("unit").size())
    out = pupils.join(parent_counts(parents, unit_of_school), how="left")
    parent_columns = ["parents", "parent_snils_ok", "parent_snils_missing", "parent_snils_invalid",
                      "parent_login", "parent_no_login", "parent_esia", "parent_no_esia"]
    out[parent_columns] = out[parent_columns].fillna(0).astype("int64")
    out.index.name = "unit"
    return out


def _share(done: pd.Series, total: pd.Series) -> pd.Series:
    total = total.astype("float64")
    return done.astype("float64") / total.where(total > 0)


def add_rates(counts: pd.DataFrame, near: float) -> pd.DataFrame:
    """Shares and statuses: ``<check>_share`` / ``<check>_status`` per check, ``can_login_*``,
    ``<step>_share`` of the contingent, and the gaps ``cannot_login``."""
    out = counts.copy()
    for check in CHECKS:
        out[f"{check.id}_share"] = _share(out[check.done], out[check.total])
        out[f"{check.id}_status"] = [ind.status(v, TARGET, near=near) for v in out[f"{check.id}_share"]]
    for step in FUNNEL[1:]:
        out[f"{step}_share"] = _share(out[step], out["contingent"])
    out["can_login_share"] = out["step_can_login_share"]
    out["can_login_status"] = [ind.status(v, TARGET, near=near) for v in out["can_login_share"]]
    out["school_side_share"] = out[f"{SCHOOL_SIDE_DONE}_share"]
    out["school_side_status"] = [ind.status(v, TARGET, near=near) for v in out["school_side_share"]]
    out["cannot_login"] = out["contingent"] - out["step_can_login"]
    return out


def actions(counts: pd.DataFrame) -> pd.DataFrame:
    """The long action list: one row per unit and action with a non-zero count.

    Returns:
        ``unit, order, action, who, records`` (``action`` is the count column of the
        :class:`Action`, ``order`` its place in :data:`ACTIONS`).
    """
    rows = [pd.DataFrame({"unit": counts.index, "order": order, "action": action.column,
                          "who": action.who, "records": counts[action.column].to_numpy()})
            for order, action in enumerate(ACTIONS, start=1)]
    long = pd.concat(rows, ignore_index=True)
    long = long[long["records"] > 0]
    return long.sort_values(["unit", "order"]).reset_index(drop=True)


def main_actions(counts: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Per unit, its ``n`` actions with the most records (ties: the earlier action first).

    Returns:
        ``unit, action, records`` — most records first within each unit.
    """
    long = actions(counts).sort_values(["unit", "records", "order"], ascending=[True, False, True])
    return long.groupby("unit").head(n)[["unit", "action", "records"]].reset_index(drop=True)


def step_losses(row: pd.Series) -> list[tuple[str, int]]:
    """Pupils lost at each step of the funnel after the contingent: (step column, loss)."""
    values = [int(row[step]) for step in FUNNEL]
    return [(FUNNEL[i], values[i - 1] - values[i]) for i in range(1, len(FUNNEL))]


def biggest_loss(row: pd.Series) -> tuple[str, int]:
    """The funnel step that loses the most pupils (first one on a tie) and how many it loses."""
    return max(step_losses(row), key=lambda item: item[1])


def status(share: float | None, near: float) -> str:
    """A share's status against :data:`TARGET` (``met`` / ``near`` / ``behind`` / ``unknown``)."""
    return ind.status(share, TARGET, near=near)


# --- the briefing ------------------------------------------------------------------------------

MOVES = ("reached", "lost", "added", "removed")
"""What can happen to a school between two exports: its share who can log in reached the
threshold or fell below it, it appeared in the registry «Ученики» or is no longer in it."""


@dataclass(frozen=True)
class Changes:
    """The week's movements: the briefing's export against the comparison base.

    The base is the registry «Ученики» exported at least ``min_days`` days before the briefing's
    (``changes.base_min_days`` of ``params/targets.yml``), with the «Реестр родителей» exported on
    or before it. Without one, ``base_date`` is None and the frames are empty.
    """

    base_date: dt.date | None
    base_parents_date: dt.date | None
    min_days: int
    threshold: float  # the share of pupils who can log in a school «crosses» (near × target)
    territory_in_base: bool  # the territory had records in the base's registry «Ученики»
    funnel: pd.DataFrame  # :func:`funnel_changes` of the territory (empty without a comparable base)
    schools: pd.DataFrame  # :func:`school_moves` of the territory's schools, with their identity
    municipalities: pd.DataFrame  # :func:`municipality_moves` of the region's municipalities

    @property
    def has_base(self) -> bool:
        return self.base_date is not None

    def schools_moved(self, move: str) -> pd.DataFrame:
        """The schools that ``move`` (one of :data:`MOVES`), by municipality and name."""
        if self.schools.empty:
            return self.schools
        frame = self.schools[self.schools["move"] == move]
        return frame.sort_values(["municipality", "school_name", "school_id"]).reset_index(drop=True)


@dataclass(frozen=True)
class Diary:
    """Everything the diary-authorization briefing shows, for one region or one municipality."""

    region_code: str
    region_name: str
    oktmo: str  # '' = the whole region
    territory_name: str
    snapshot_date: dt.date  # the registry «Ученики»
    parents_date: dt.date  # «Реестр родителей»
    contingent_date: dt.date | None  # the school monitoring used for the contingent
    near: float
    schools: pd.DataFrame  # every school of the region: identity, counts, rates, task status
    municipalities: pd.DataFrame  # every municipality of the region: counts and rates
    region: pd.Series
    territory: pd.Series  # the municipality's totals, or the region's
    orphan_parents: int
    auth_task: Task | None
    tasks_date: dt.date | None
    data_hash: str
    changes: Changes

    @property
    def is_municipality(self) -> bool:
        return bool(self.oktmo)

    @property
    def local_schools(self) -> pd.DataFrame:
        """The schools of the briefing's territory."""
        if not self.oktmo:
            return self.schools
        return self.schools[self.schools["oktmo"] == self.oktmo].reset_index(drop=True)


def _at_or_before(frame: pd.DataFrame, period: str, what: str) -> pd.DataFrame:
    if frame.empty:
        raise DataMissing(f"Нет данных реестра «{what}» по региону / no {what} rows for the region")
    return slices.at_snapshot(frame, period)


def _auth_status(tasks: pd.DataFrame, task: Task | None, period: str
                 ) -> tuple[pd.DataFrame, dt.date | None]:
    """Per school: the date the log-in information reached it and the task's state."""
    empty = pd.DataFrame({"school_id": pd.Series(dtype="string"),
                          "auth_info": pd.Series(dtype="object"),
                          "auth_status": pd.Series(dtype="string")})
    if task is None or tasks.empty or task.column not in tasks.columns:
        return empty, None
    dates = pd.to_datetime(tasks["snapshot_date"])
    if period:
        dates = dates[dates <= pd.Timestamp(period)]
    if dates.empty:
        return empty, None
    day = dates.max().date()
    rows = tasks[(pd.to_datetime(tasks["snapshot_date"]) == pd.Timestamp(day))
                 & (tasks["level"] == "school")]
    done = [None if pd.isna(v) else pd.Timestamp(v).date() for v in rows[task.column]]
    return pd.DataFrame({
        "school_id": rows["school_id"].astype("str").to_numpy(),
        "auth_info": done,
        "auth_status": [task_status(d, task.deadline, day) for d in done],
    }), day


USED_COLUMNS = ("snapshot_date", "school_id", "school_name", "oktmo", "municipality", "pupils",
                "name", "pupils_total", "pupil_id", "age", "child_account", "parent_id",
                "snils_present", "snils_valid", "login_present", "esia_confirmed", "level",
                AUTH_TASK)
"""The columns the briefing's data hash covers (a change elsewhere — a class letter, another
task — does not change the briefing)."""


def _dated(frame: pd.DataFrame, day: dt.date | None) -> pd.DataFrame:
    """The rows of ``frame`` of the export of ``day`` (none when ``day`` is None)."""
    if day is None or frame.empty:
        return frame.iloc[0:0]
    return frame[pd.to_datetime(frame["snapshot_date"]) == pd.Timestamp(day)]


def _municipality_names(municipalities: pd.DataFrame, schools: pd.DataFrame) -> dict[str, str]:
    names = dict(zip(schools["oktmo"].astype(str), schools["municipality"].astype(str), strict=True))
    if len(municipalities):
        names.update(zip(municipalities["oktmo"].astype(str), municipalities["name"].astype(str),
                         strict=True))
    return names


@dataclass(frozen=True)
class Territories:
    """The region's schools and where each belongs: what every export is counted by."""

    identity: pd.DataFrame  # school_id, school_name, oktmo, municipality (the school registry)
    names: dict[str, str]  # ОКТМО → municipality name
    oktmo: str  # the briefing's municipality ('' = the whole region)
    region_code: str

    def unit_of(self, column: str) -> pd.Series:
        """school_id → its ``school_id``, its ``oktmo``, or the region's code (``region``)."""
        ids = self.identity["school_id"].to_numpy()
        if column == "region":
            return pd.Series(self.region_code, index=ids)
        return pd.Series(self.identity[column].to_numpy(), index=ids)


@dataclass(frozen=True)
class Export:
    """One export of the registries and what the briefing counts from it."""

    registry_day: dt.date  # «Ученики»
    parents_day: dt.date  # «Реестр родителей» (and its links to children)
    contingent_day: dt.date | None  # the school monitoring used for the contingent
    pupils: pd.DataFrame
    parents: pd.DataFrame
    links: pd.DataFrame
    contingent_rows: pd.DataFrame  # the school monitoring's rows of ``contingent_day``
    schools: pd.DataFrame  # per school of the registry: identity, counts and rates
    municipalities: pd.DataFrame  # per municipality: oktmo, municipality, counts and rates
    region: pd.Series  # the region's counts and rates
    territory: pd.Series  # the briefing's municipality's, or the region's

    @property
    def day(self) -> dt.date:
        return self.registry_day

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        """The rows of the export the counts were made from (for the data hash)."""
        return tuple(_used(frame) for frame in (self.contingent_rows, self.pupils, self.parents,
                                                self.links))


def _used(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``frame`` the briefing's data hash covers (:data:`USED_COLUMNS`)."""
    return frame[[c for c in USED_COLUMNS if c in frame.columns]]


def export_on_or_before(frames: slices.Frames, on_or_before: dt.date | None, *,
                        territories: Territories, near: float) -> Export:
    """The registries' latest export on or before a day (None: the latest) and its counts per
    school, municipality and region."""
    period = on_or_before.isoformat() if on_or_before else ""
    pupils_now = _at_or_before(frames["pupils"], period, "Ученики")
    parents_now = _at_or_before(frames["parents"], period, "Реестр родителей")
    parents_day = slices.snapshot_on_or_before(parents_now)
    links = frames["parent_children"]
    links_now = links[pd.to_datetime(links["snapshot_date"]) == pd.Timestamp(parents_day)]
    registry_day = slices.snapshot_on_or_before(pupils_now)
    base, contingent_day = contingent(frames["schools"], frames["school_activity"], registry_day)
    counted = school_counts(pupil_flags(pupils_now, parents_now, links_now), base)
    flagged = parent_flags(parents_now, links_now, pupils_now)

    def rated(unit: str) -> pd.DataFrame:
        return add_rates(gap_counts(counted, flagged, territories.unit_of(unit)), near)

    schools = territories.identity.merge(rated("school_id"), left_on="school_id",
                                         right_index=True, how="inner")
    municipalities = rated("oktmo").rename_axis("oktmo").reset_index()
    municipalities.insert(1, "municipality", municipalities["oktmo"].map(territories.names)
                          .fillna(municipalities["oktmo"]))
    region = rated("region").iloc[0]
    oktmo = territories.oktmo
    return Export(registry_day, parents_day, contingent_day, pupils_now, parents_now, links_now,
                  _dated(frames["school_activity"], contingent_day), schools, municipalities,
                  region, municipalities.set_index("oktmo").loc[oktmo] if oktmo else region)


def parents_exported_by(parents: pd.DataFrame, day: dt.date) -> bool:
    """Whether «Реестр родителей» was exported on or before ``day``: only then may the export
    of «Ученики» of ``day`` be the comparison base."""
    return bool((pd.to_datetime(parents["snapshot_date"]) <= pd.Timestamp(day)).any())


def export_changes(base: Export | None, now: Export, *, territories: Territories,
                   threshold: float, min_days: int) -> Changes:
    """The week's :class:`Changes` from the base's counts to now's (none without a base)."""
    if base is None:
        return _no_changes(min_days, threshold)
    oktmo, identity = territories.oktmo, territories.identity
    in_base = int(base.territory["registry"]) > 0
    local = now.schools if not oktmo else now.schools[now.schools["oktmo"] == oktmo]
    moved = school_moves(base.schools[base.schools["school_id"].isin(set(local["school_id"]))],
                         local)
    places = municipality_moves(base.municipalities, now.municipalities)
    places.insert(1, "municipality", places["oktmo"].map(territories.names).fillna(places["oktmo"]))
    return Changes(
        base_date=base.registry_day, base_parents_date=base.parents_day, min_days=min_days,
        threshold=threshold, territory_in_base=in_base,
        funnel=funnel_changes(now.territory, base.territory) if in_base else pd.DataFrame(),
        schools=identity.merge(moved, on="school_id", how="inner"), municipalities=places)


# --- the week's movements ----------------------------------------------------------------------

def funnel_changes(now: pd.Series, base: pd.Series) -> pd.DataFrame:
    """Each step of the funnel now and at the base (one territory's counts, :data:`FUNNEL`).

    Returns:
        ``step, count, base_count, change`` (pupils) and ``share, base_share`` of each export's
        contingent with ``change_pp`` (a difference of shares, 0.012 = +1,2 п.п.).
    """
    frame = pd.DataFrame({"step": list(FUNNEL),
                          "count": [int(now[step]) for step in FUNNEL],
                          "base_count": [int(base[step]) for step in FUNNEL]})
    frame["change"] = frame["count"] - frame["base_count"]
    frame["share"] = _share(frame["count"], pd.Series(int(now["contingent"]), index=frame.index))
    frame["base_share"] = _share(frame["base_count"],
                                 pd.Series(int(base["contingent"]), index=frame.index))
    frame["change_pp"] = frame["share"] - frame["base_share"]
    return frame


def _above(frame: pd.DataFrame) -> pd.Series:
    """Whether at least the threshold of the pupils can log in (status ``met`` or ``near``)."""
    return frame["can_login_status"].isin(["met", "near"])


def school_moves(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Each school's pupils who can log in then and now, and what moved.

    A school is in an export when it has records in its registry «Ученики»; a school in one
    export only was ``added`` or ``removed`` (not a crossing); a school in both ``reached`` the
    threshold (status ``near`` or ``met`` from ``behind`` or ``unknown``) or ``lost`` it.

    Args:
        before, after: per school (the base, now): ``school_id, registry, step_can_login,
            can_login_share, can_login_status``.

    Returns:
        ``school_id, can_login, base_can_login, change, share, base_share, change_pp, move``
        (``move``: one of :data:`MOVES` or '') for every school in either export, by school_id.
    """
    columns = ["school_id", "step_can_login", "can_login_share", "can_login_status"]
    old = before.loc[before["registry"] > 0, columns].assign(above=lambda f: _above(f))
    new = after.loc[after["registry"] > 0, columns].assign(above=lambda f: _above(f))
    out = _then_and_now(new.merge(old, on="school_id", how="outer", suffixes=("", "_base")),
                        "school_id")
    move = pd.Series("", index=out.index, dtype="object")
    crossed = moves.crossings(old, new, key="school_id", met="above")
    move[out["school_id"].isin(crossed.loc[crossed["direction"] == "reached", "school_id"])] = "reached"
    move[out["school_id"].isin(crossed.loc[crossed["direction"] == "lost", "school_id"])] = "lost"
    added, removed = moves.set_changes(old["school_id"], new["school_id"])
    move[out["school_id"].isin(added)] = "added"
    move[out["school_id"].isin(removed)] = "removed"
    out["move"] = move
    columns_out = ["school_id", "can_login", "base_can_login", "change", "share", "base_share",
                   "change_pp", "move"]
    return out[columns_out].sort_values("school_id").reset_index(drop=True)


def _then_and_now(both: pd.DataFrame, key: str) -> pd.DataFrame:
    """``key``, pupils who can log in and their share now and in the base, and the changes, of
    a merge of now with the base (base columns suffixed ``_base``)."""
    out = pd.DataFrame({
        key: both[key].astype("str"),
        "can_login": both["step_can_login"].astype("Int64"),
        "base_can_login": both["step_can_login_base"].astype("Int64"),
        "share": both["can_login_share"].astype("float64"),
        "base_share": both["can_login_share_base"].astype("float64"),
    })
    out["change"] = out["can_login"] - out["base_can_login"]
    out["change_pp"] = out["share"] - out["base_share"]
    return out


def municipality_ranks(frame: pd.DataFrame) -> pd.Series:
    """Places by the share of pupils who can log in, the largest first; equal shares share the
    better place (1, 2, 2, 4); a municipality without records has no place."""
    shares = frame["can_login_share"].where(frame["registry"] > 0).round(12)
    return shares.rank(ascending=False, method="min").astype("Int64")


def municipality_moves(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's share who can log in and its place in the region, then and now.

    Args:
        before, after: per municipality ``oktmo, registry, step_can_login, can_login_share``.

    Returns:
        ``oktmo, can_login, base_can_login, change, share, base_share, change_pp, rank,
        base_rank, move`` (places up, positive; missing where a municipality had no records in
        the base) for every municipality of ``after``, best place first.
    """
    def ranked(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[["oktmo", "step_can_login", "can_login_share"]].copy()
        out["can_login_share"] = out["can_login_share"].where(frame["registry"] > 0)
        out["step_can_login"] = out["step_can_login"].where(frame["registry"] > 0)
        out["rank"] = municipality_ranks(frame)
        return out

    old, new = ranked(before), ranked(after)
    places = moves.rank_moves(old.dropna(subset=["rank"]), new, key="oktmo")
    both = new.merge(old, on="oktmo", how="left", suffixes=("", "_base"))
    both = both.merge(places[["oktmo", "move"]], on="oktmo", how="left")
    out = _then_and_now(both, "oktmo").assign(rank=both["rank"].astype("Int64"),
                                               base_rank=both["rank_base"].astype("Int64"),
                                               move=both["move"].astype("Int64"))
    return out.sort_values(["rank", "oktmo"], na_position="last").reset_index(drop=True)


def _no_changes(min_days: int, threshold: float) -> Changes:
    return Changes(base_date=None, base_parents_date=None, min_days=min_days, threshold=threshold,
                   territory_in_base=False, funnel=pd.DataFrame(), schools=pd.DataFrame(),
                   municipalities=pd.DataFrame())


def build(frames: slices.Frames, *, region_code: str, targets: ind.Targets,
          tasks: tuple[str, Mapping[str, Task]], regions: pd.DataFrame, oktmo: str = "",
          period: str = "") -> Diary:
    """All figures of the briefing from one region's frames (:data:`READS`) and its params.

    Args:
        frames: the region's rows of ``schools``, ``municipalities``, ``school_activity``,
            ``pupils``, ``parents``, ``parent_children`` and ``tasks`` (every snapshot; the latest
            on or before ``period`` is used).
        region_code: the region.
        targets: the targets of ``params/targets.yml``: ``status.near`` (the «близко к цели»
            share of the target) and ``changes.base_min_days`` (the comparison base of the
            week's movements is the registries' export at least this many days older).
        tasks: the campaign and tasks of ``params/tasks.yml`` (the task :data:`AUTH_TASK`,
            «information on diary log-in passed on to schools», when it is there).
        regions: the regions' reference (the region's name).
        oktmo: a municipality of the region for its own briefing ('' = the whole region).
        period: ISO date; the registries' latest export on or before it ('' = the latest).

    Raises:
        ValueError: ``period`` not an ISO date, no registry export on or before it, or ``oktmo``
            not in the region.
    """
    schools, near = frames["schools"], targets.near
    region_name = skeleton.region_name(regions, region_code)
    identity = pd.DataFrame({
        "school_id": schools["school_id"].astype("str"),
        "school_name": schools["school_name"].astype("str"),
        "oktmo": schools["oktmo"].astype("str"),
    })
    names = _municipality_names(frames["municipalities"], schools)
    identity["municipality"] = identity["oktmo"].map(names).fillna(identity["oktmo"])
    if oktmo and oktmo not in set(identity["oktmo"]):
        raise BadInput(f"ОКТМО {oktmo} не найден среди муниципальных образований региона "
                         f"{region_code}, в которых есть школы / oktmo {oktmo} has no schools in "
                         f"region {region_code}")
    territories = Territories(identity, names, oktmo, region_code)
    auth_task = tasks[1].get(AUTH_TASK)
    auth, tasks_day = _auth_status(frames["tasks"], auth_task, period)
    min_days = targets.changes_base_days
    compared = skeleton.now_and_base(
        frames, period=period, min_days=min_days,
        dates=pd.to_datetime(frames["pupils"]["snapshot_date"]).dropna().unique(),
        snapshot=partial(export_on_or_before, territories=territories, near=near),
        compare=partial(export_changes, territories=territories, threshold=near * TARGET,
                        min_days=min_days),
        candidate=partial(parents_exported_by, frames["parents"]),
        read=[_used(frame) for frame in (schools, frames["municipalities"],
                                          _dated(frames["tasks"], tasks_day))])
    now = compared.now
    per_school = now.schools.merge(auth, on="school_id", how="left")
    return Diary(
        region_code=region_code,
        region_name=region_name,
        oktmo=oktmo,
        territory_name=names.get(oktmo, oktmo) if oktmo else region_name,
        snapshot_date=now.registry_day,
        parents_date=now.parents_day,
        contingent_date=now.contingent_day,
        near=near,
        schools=per_school.sort_values(["municipality", "school_name", "school_id"]).reset_index(drop=True),
        municipalities=now.municipalities,
        region=now.region,
        territory=now.territory,
        orphan_parents=parents_without_children(now.parents, now.links),
        auth_task=auth_task,
        tasks_date=tasks_day,
        data_hash=compared.data_hash,
        changes=compared.changes,
    )


def load(region_code: str, oktmo: str = "", period: str = "",
         warehouse_path: Path | None = None) -> Diary:
    """The briefing's figures from the warehouse (``PERIOD`` / ``WAREHOUSE`` settings by default).

    Raises:
        slices.MissingData: a registry table is not in the warehouse, or the region sent no
            school data.
    """
    return skeleton.load(KIND, build, period=period, warehouse_path=warehouse_path,
                         require=("schools",), region_code=region_code, oktmo=oktmo.strip())


# --- what the briefing's pages are made of -----------------------------------------------------

def funnel(diary: Diary) -> pd.DataFrame:
    """The funnel of the territory (and of the region, for a municipality).

    Returns:
        ``step`` (the count column of :data:`FUNNEL`), ``count``, ``region_count``, ``share`` and
        ``region_share`` of the contingent, ``loss`` against the step before.
    """
    t, r = diary.territory, diary.region
    frame = pd.DataFrame({
        "step": list(FUNNEL),
        "count": [int(t[step]) for step in FUNNEL],
        "region_count": [int(r[step]) for step in FUNNEL],
    })
    frame["share"] = _share(frame["count"], pd.Series(int(t["contingent"]), index=frame.index))
    frame["region_share"] = _share(frame["region_count"], pd.Series(int(r["contingent"]), index=frame.index))
    frame["loss"] = (frame["count"].shift(1) - frame["count"]).astype("Int64")
    return frame


def ranked_schools(diary: Diary) -> pd.DataFrame:
    """The territory's schools, the largest gap first: by the share who cannot log in, then count."""
    frame = diary.local_schools.copy()
    frame["gap_share"] = 1 - frame["can_login_share"].fillna(0)
    frame = frame.sort_values(["gap_share", "cannot_login", "school_name"], ascending=[False, False, True])
    return frame.reset_index(drop=True)


def ranked_municipalities(diary: Diary) -> pd.DataFrame:
    """The region's municipalities, the largest share who can log in first."""
    frame = diary.municipalities.sort_values(["can_login_share", "municipality"], ascending=[False, True])
    return frame.reset_index(drop=True)


def child_accounts(row: pd.Series) -> tuple[int, int]:
    """Children's accounts ready (created under 14, linked from 14) and children of known age."""
    return (int(row["under_14_ready"] + row["from_14_linked"]),
            int(row["under_14"] + row["from_14"]))


def schools_not_behind(schools: pd.DataFrame) -> int:
    """Schools where at least ``near`` of the target of pupils can log in."""
    return int(schools["can_login_status"].isin(["met", "near"]).sum())


def auth_counts(schools: pd.DataFrame) -> tuple[int, int]:
    """Schools the log-in information reached on time, and late (:data:`AUTH_TASK`)."""
    return int((schools["auth_status"] == "done").sum()), int((schools["auth_status"] == "late").sum())


def action_totals(diary: Diary) -> pd.DataFrame:
    """What the territory's schools and parents must fix: records and schools per action.

    Records of the actions on parents (:data:`DISTINCT_PARENT_ACTIONS`) count each parent once
    in the territory; the others sum over its schools.

    Returns:
        ``order, action, who, records, schools`` in the order of :data:`ACTIONS`, non-zero only.
    """
    long = actions(diary.local_schools.set_index("school_id"))
    per_action = long.groupby(["order", "action", "who"], as_index=False).agg(
        records=("records", "sum"), schools=("unit", "nunique"))
    totals = {a: int(diary.territory[a]) for a in DISTINCT_PARENT_ACTIONS}
    per_action["records"] = [totals.get(a, r) for a, r in zip(per_action["action"], per_action["records"],
                                                               strict=True)]
    return per_action


def school_actions(diary: Diary) -> pd.DataFrame:
    """Every school's action list, by municipality and school: ``unit, order, action, who,
    records, municipality, school_name``."""
    schools = diary.local_schools.set_index("school_id")
    long = actions(schools).join(schools[["municipality", "school_name"]], on="unit")
    return long.sort_values(["municipality", "school_name", "unit", "order"]).reset_index(drop=True)


# --- what page 1 says: the findings ------------------------------------------------------------

def school_side_loss(row: pd.Series) -> tuple[str, int]:
    """Of the steps the school completes (to :data:`SCHOOL_SIDE_DONE`), the one that loses the most
    pupils (first one on a tie) and how many it loses."""
    last = FUNNEL.index(SCHOOL_SIDE_DONE)
    return max(step_losses(row)[:last], key=lambda item: item[1])


def municipality_place(diary: Diary) -> tuple[int | None, int]:
    """The briefing's municipality's place among the region's by the share who can log in
    (:func:`municipality_ranks`), and how many have a place (None for a region's briefing)."""
    ranks = municipality_ranks(diary.municipalities)
    placed = int(ranks.notna().sum())
    if not diary.is_municipality:
        return None, placed
    place = ranks[(diary.municipalities["oktmo"] == diary.oktmo).to_numpy()]
    value = place.iloc[0] if len(place) else pd.NA
    return (None if pd.isna(value) else int(value)), placed


def lowest_municipalities(diary: Diary, n: int = 2) -> pd.DataFrame:
    """The ``n`` municipalities with the smallest share who can log in, the lowest first (those
    with records in the registry only)."""
    frame = ranked_municipalities(diary)
    frame = frame[frame["registry"] > 0]
    return frame.tail(n).iloc[::-1].reset_index(drop=True)


def top_actions(diary: Diary) -> pd.DataFrame:
    """For the school and for the parent, the action with the most records in the territory.

    Returns:
        ``who, action, records, schools`` — the school's first, at most one row per side.
    """
    totals = action_totals(diary)
    if totals.empty:
        return totals[["who", "action", "records", "schools"]]
    first = totals.sort_values(["records", "order"], ascending=[False, True]).groupby("who").head(1)
    first = first.assign(side=first["who"].map({"school": 0, "parent": 1})).sort_values("side")
    return first[["who", "action", "records", "schools"]].reset_index(drop=True)


def auth_states(schools: pd.DataFrame) -> dict[str, int]:
    """Schools per state of the task :data:`AUTH_TASK` (``done``, ``late``, ``overdue``, ``pending``…)."""
    states = schools["auth_status"].dropna().value_counts()
    return {str(state): int(count) for state, count in states.items()}
