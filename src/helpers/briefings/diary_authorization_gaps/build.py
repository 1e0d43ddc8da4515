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

``build_diary`` is pure (warehouse slices in, :class:`Diary` out); ``load_diary`` reads the
warehouse. The ``*_table``, ``key_figures`` and ``*_chart`` functions shape the results for the
notebook, which only calls them and displays. No name, SNILS, login or birth date is read or
shown: the warehouse only has validity flags, ages and pseudonymous ids, and the outputs only
counts and rates.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.config import settings
from helpers.indicators import kpis as ind
from helpers.indicators.campaigns import TASK_STATUS_LABELS, Task, load_tasks, task_status
from helpers.presentation import charts
from helpers.presentation.tables import KeyFigure, status_label
from helpers.vocabulary import fmt_date, fmt_date_short, fmt_int, fmt_percent
from helpers.warehouse import slices, store
from helpers.warehouse.reference import region_names

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

TABLES = ("schools", "municipalities", "school_activity", "pupils", "parents", "parent_children",
          "tasks")
"""The warehouse tables the briefing reads (only the rows of its region)."""
REQUIRED_TABLES = ("schools", "pupils", "parents", "parent_children")
"""Without these there is no briefing; the others may be missing (no monitoring: the contingent
comes from the school registry; no task report: the task shows «нет данных»)."""


# --- the funnel and the checks -----------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step of the funnel: the count column, its Russian label and a short one for charts."""

    column: str
    label: str
    short: str


FUNNEL: tuple[Step, ...] = (
    Step("contingent", "Обучающиеся (контингент)", "0. Контингент"),
    Step("step_registry", "Внесены в реестр «Ученики»", "1. В реестре «Ученики»"),
    Step("step_snils_present", "СНИЛС ученика внесён", "2. СНИЛС ученика внесён"),
    Step("step_snils_valid", "СНИЛС ученика корректен", "3. СНИЛС ученика корректен"),
    Step("step_parent_linked", "Родитель в реестре, связан с ребёнком и школой",
         "4. Родитель связан с ребёнком"),
    Step("step_parent_snils", "СНИЛС родителя внесён и корректен", "5. СНИЛС родителя"),
    Step("step_parent_login", "Родителю создан ЛОГИН", "6. ЛОГИН родителя"),
    Step("step_parent_esia", "Учётная запись родителя на Госуслугах подтверждена",
         "7. Госуслуги родителя"),
    Step("step_can_login", "Учётная запись ребёнка готова — может войти", "8. Может войти"),
)
SCHOOL_SIDE_DONE = "step_parent_login"  # the last step the school itself can complete


@dataclass(frozen=True)
class Check:
    """One check of the slides: who does it, its number there, and its done/total columns."""

    id: str
    side: str  # "school" or "parent"
    number: int
    label: str
    done: str
    total: str
    unit: str  # what is counted: "обучающиеся" or "родители"


CHECKS: tuple[Check, ...] = (
    Check("registry", "school", 1, "Ученик внесён в реестр «Ученики»", "in_registry", "contingent",
          "обучающиеся"),
    Check("pupil_snils", "school", 2, "В карточке ученика есть корректный СНИЛС", "pupil_snils_ok",
          "registry", "обучающиеся"),
    Check("parent_linked", "school", 3, "Родитель в «Реестре родителей», указаны ребёнок и его школа",
          "pupils_with_parent", "registry", "обучающиеся"),
    Check("parent_snils", "school", 4, "В карточке родителя есть корректный СНИЛС", "parent_snils_ok",
          "parents", "родители"),
    Check("parent_login", "school", 5, "Родителю создан ЛОГИН", "parent_login", "parents",
          "родители"),
    Check("parent_esia", "parent", 1, "Учётная запись родителя на Госуслугах подтверждена",
          "parent_esia", "parents", "родители"),
    Check("child_under_14", "parent", 2, "Создана учётная запись ребёнка до 14 лет", "under_14_ready",
          "under_14", "обучающиеся"),
    Check("child_from_14", "parent", 3, "Учётная запись ребёнка 14 лет и старше привязана к родителю",
          "from_14_linked", "from_14", "обучающиеся"),
)


@dataclass(frozen=True)
class Action:
    """What to fix, who fixes it, the count column saying how many records need it, and a short
    form of the label for the list of a school's first actions."""

    column: str
    label: str
    who: str
    short: str


ACTIONS: tuple[Action, ...] = (
    Action("not_in_registry", "Внести ученика в реестр «Ученики»", "школа", "внести в реестр учеников"),
    Action("registry_extra", "Сверить реестр «Ученики» с контингентом (записей больше, чем обучающихся)",
           "школа", "сверить реестр с контингентом"),
    Action("pupil_snils_missing", "Внести СНИЛС ученика", "школа", "СНИЛС ученика"),
    Action("pupil_snils_invalid", "Исправить СНИЛС ученика (не проходит проверку)", "школа",
           "исправить СНИЛС ученика"),
    Action("age_unknown", "Внести дату рождения ученика", "школа", "дата рождения"),
    Action("pupils_no_parent", "Внести родителя в «Реестр родителей» и указать ребёнка", "школа",
           "внести родителя"),
    Action("pupils_wrong_school", "Указать школу ребёнка в карточке родителя", "школа",
           "школа ребёнка у родителя"),
    Action("parent_snils_missing", "Внести СНИЛС родителя", "школа", "СНИЛС родителя"),
    Action("parent_snils_invalid", "Исправить СНИЛС родителя (не проходит проверку)", "школа",
           "исправить СНИЛС родителя"),
    Action("parent_no_login", "Создать ЛОГИН родителю", "школа", "ЛОГИН родителю"),
    Action("parent_no_esia", "Подтвердить учётную запись родителя на Госуслугах", "родитель",
           "Госуслуги родителя"),
    Action("under_14_missing", "Создать учётную запись ребёнка до 14 лет на Госуслугах", "родитель",
           "УЗ ребёнка до 14 лет"),
    Action("from_14_unlinked", "Привязать учётную запись ребёнка 14 лет и старше к учётной записи родителя",
           "родитель", "привязать УЗ ребёнка 14+"),
)

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
        **{step.column: pupils[step.column] for step in FUNNEL[2:]},
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
        out[step.column] = np.minimum(out[step.column], previous)
        previous = out[step.column]
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
        out[f"{step.column}_share"] = _share(out[step.column], out["contingent"])
    out["can_login_share"] = out["step_can_login_share"]
    out["can_login_status"] = [ind.status(v, TARGET, near=near) for v in out["can_login_share"]]
    out["school_side_share"] = out[f"{SCHOOL_SIDE_DONE}_share"]
    out["cannot_login"] = out["contingent"] - out["step_can_login"]
    return out


def actions(counts: pd.DataFrame) -> pd.DataFrame:
    """The long action list: one row per unit and action with a non-zero count.

    Returns:
        ``unit, order, action, who, records`` (``order`` is the action's place in :data:`ACTIONS`).
    """
    rows = [pd.DataFrame({"unit": counts.index, "order": order, "action": action.label,
                          "who": action.who, "records": counts[action.column].to_numpy()})
            for order, action in enumerate(ACTIONS, start=1)]
    long = pd.concat(rows, ignore_index=True)
    long = long[long["records"] > 0]
    return long.sort_values(["unit", "order"]).reset_index(drop=True)


def main_actions(counts: pd.DataFrame, n: int = 3) -> pd.Series:
    """Per unit, its ``n`` actions with the most records, as «ЛОГИН родителю — 30; …»."""
    long = actions(counts).sort_values(["unit", "records", "order"], ascending=[True, False, True])
    top = long.groupby("unit").head(n)
    short = {a.label: a.short for a in ACTIONS}
    text = top.assign(item=top["action"].map(short) + " — " + top["records"].map(fmt_int))
    joined = text.groupby("unit")["item"].agg("; ".join)
    return joined.reindex(counts.index).fillna("—")


def _step_losses(row: pd.Series) -> list[tuple[str, int]]:
    values = [int(row[step.column]) for step in FUNNEL]
    return [(FUNNEL[i].label, values[i - 1] - values[i]) for i in range(1, len(FUNNEL))]


def biggest_loss(row: pd.Series) -> tuple[str, int]:
    """The funnel step that loses the most pupils (first one on a tie) and how many it loses."""
    losses = _step_losses(row)
    return max(losses, key=lambda item: item[1])


# --- the briefing ------------------------------------------------------------------------------

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
        raise ValueError(f"Нет данных реестра «{what}» по региону / no {what} rows for the region")
    return slices.at_snapshot(frame, period)


def _auth_status(tasks: pd.DataFrame, task: Task | None, period: str
                 ) -> tuple[pd.DataFrame, dt.date | None]:
    """Per school: the date the log-in information reached it and the task's status."""
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


def build_diary(*, schools: pd.DataFrame, municipalities: pd.DataFrame, activity: pd.DataFrame,
                pupils: pd.DataFrame, parents: pd.DataFrame, links: pd.DataFrame,
                tasks: pd.DataFrame, region_code: str, region_name: str = "", oktmo: str = "",
                period: str = "", near: float = 0.8, auth_task: Task | None = None) -> Diary:
    """All figures of the briefing from one region's warehouse slices.

    Args:
        schools, municipalities, activity, pupils, parents, links, tasks: the region's rows of
            the warehouse tables (every snapshot; the latest on or before ``period`` is used).
        region_code, region_name: the region.
        oktmo: a municipality of the region for its own briefing ('' = the whole region).
        period: ISO date; the registries' latest export on or before it ('' = the latest).
        near: the «близко к цели» share of the target (``params/targets.yml``).
        auth_task: the task «information on diary log-in passed on to schools» of ``params/tasks.yml``.

    Raises:
        ValueError: ``period`` not an ISO date, no registry export on or before it, or ``oktmo``
            not in the region.
    """
    slices.check_period(period)
    pupils_now = _at_or_before(pupils, period, "Ученики")
    parents_now = _at_or_before(parents, period, "Реестр родителей")
    parents_day = slices.snapshot_on_or_before(parents_now)
    links_now = links[pd.to_datetime(links["snapshot_date"]) == pd.Timestamp(parents_day)]
    registry_day = slices.snapshot_on_or_before(pupils_now)
    base, contingent_day = contingent(schools, activity, registry_day)

    pupils_flagged = pupil_flags(pupils_now, parents_now, links_now)
    parents_flagged = parent_flags(parents_now, links_now, pupils_now)
    counted = school_counts(pupils_flagged, base)

    identity = pd.DataFrame({
        "school_id": schools["school_id"].astype("str"),
        "school_name": schools["school_name"].astype("str"),
        "oktmo": schools["oktmo"].astype("str"),
    })
    names = _municipality_names(municipalities, schools)
    identity["municipality"] = identity["oktmo"].map(names).fillna(identity["oktmo"])
    known = set(identity["oktmo"])
    if oktmo and oktmo not in known:
        raise ValueError(f"ОКТМО {oktmo} не найден среди муниципальных образований региона "
                         f"{region_code}, в которых есть школы / oktmo {oktmo} has no schools in "
                         f"region {region_code}")
    school_of = pd.Series(identity["school_id"].to_numpy(), index=identity["school_id"].to_numpy())
    oktmo_of = pd.Series(identity["oktmo"].to_numpy(), index=identity["school_id"].to_numpy())
    region_of = pd.Series(region_code, index=identity["school_id"].to_numpy())

    per_school = add_rates(gap_counts(counted, parents_flagged, school_of), near)
    per_school["main_actions"] = main_actions(per_school)
    per_school = identity.merge(per_school, left_on="school_id", right_index=True, how="inner")
    auth, tasks_day = _auth_status(tasks, auth_task, period)
    per_school = per_school.merge(auth, on="school_id", how="left")

    per_municipality = add_rates(gap_counts(counted, parents_flagged, oktmo_of), near)
    per_municipality = per_municipality.rename_axis("oktmo").reset_index()
    per_municipality.insert(1, "municipality", per_municipality["oktmo"].map(names)
                            .fillna(per_municipality["oktmo"]))
    region = add_rates(gap_counts(counted, parents_flagged, region_of), near).iloc[0]
    territory = (per_municipality.set_index("oktmo").loc[oktmo] if oktmo else region)

    used = [schools, municipalities, _dated(activity, contingent_day), pupils_now, parents_now,
            links_now, _dated(tasks, tasks_day)]
    used = [frame[[c for c in USED_COLUMNS if c in frame.columns]] for frame in used]
    return Diary(
        region_code=region_code,
        region_name=region_name or region_code,
        oktmo=oktmo,
        territory_name=names.get(oktmo, oktmo) if oktmo else (region_name or region_code),
        snapshot_date=registry_day,
        parents_date=parents_day,
        contingent_date=contingent_day,
        near=near,
        schools=per_school.sort_values(["municipality", "school_name", "school_id"]).reset_index(drop=True),
        municipalities=per_municipality,
        region=region,
        territory=territory,
        orphan_parents=parents_without_children(parents_now, links_now),
        auth_task=auth_task,
        tasks_date=tasks_day,
        data_hash=slices.frames_hash(*used),
    )


USED_COLUMNS = ("snapshot_date", "school_id", "school_name", "oktmo", "municipality", "pupils",
                "name", "pupils_total", "pupil_id", "age", "child_account", "parent_id",
                "snils_present", "snils_valid", "login_present", "esia_confirmed", "level",
                AUTH_TASK)
"""The columns the briefing reads: its data hash covers these only (a change elsewhere — a
class letter, another task — does not change the briefing)."""


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


def load_diary(region_code: str = "35", oktmo: str = "", period: str = "",
               warehouse_path: Path | None = None) -> Diary:
    """The briefing's figures from the warehouse (``PERIOD`` / ``WAREHOUSE`` settings by default)."""
    config = settings()
    path = warehouse_path or config.warehouse
    with store.connect(path) as con:
        present = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables")
                   .fetchall()}
    missing = [table for table in REQUIRED_TABLES if table not in present]
    if missing:
        raise ValueError(f"В хранилище {path} нет таблиц данных школ ({', '.join(missing)}): "
                         "загрузите выгрузки регионов (`make ingest`) / the warehouse has no "
                         f"school-level tables {missing}")
    frames = {table: slices.read_table(table, region_code, path) if table in present
              else pd.DataFrame() for table in TABLES}
    if frames["schools"].empty:
        raise ValueError(f"В хранилище нет школ региона {region_code}: он не присылает данные по "
                         f"школам / no school-level data for region {region_code}")
    targets = ind.load_targets()
    _, tasks = load_tasks()
    return build_diary(
        schools=frames["schools"], municipalities=frames["municipalities"],
        activity=frames["school_activity"], pupils=frames["pupils"], parents=frames["parents"],
        links=frames["parent_children"], tasks=frames["tasks"], region_code=region_code,
        region_name=region_names().get(region_code, region_code), oktmo=oktmo.strip(),
        period=period or config.period, near=targets.near, auth_task=tasks.get(AUTH_TASK),
    )


# --- shaped for display ------------------------------------------------------------------------

SHORT_KINDS = (("муниципальный округ", "м. о."), ("муниципальный район", "м. р."),
               ("городской округ", "г. о."))


def short_municipality(name: str) -> str:
    """«Бабаевский муниципальный округ» → «Бабаевский м. о.» (for wide tables and charts)."""
    for long, short in SHORT_KINDS:
        name = name.replace(long, short)
    return name


def counted(number: int, one: str, few: str, many: str) -> str:
    """A count with its noun agreed: ``counted(32, "родитель", "родителя", "родителей")`` →
    «32 родителя», 11 → «11 родителей», 21 → «21 родитель»."""
    number = int(number)
    tail, tens = number % 10, number % 100
    word = one if tail == 1 and tens != 11 else few if 2 <= tail <= 4 and not 12 <= tens <= 14 else many
    return f"{fmt_int(number)} {word}"


PARENT_WORDS = ("родителя", "родителей", "родителей")  # «у N родителей»: genitive after «у»
SCHOOL_WORDS = ("школа", "школы", "школ")
RECORD_WORDS = ("запись", "записи", "записей")


def page_break_html() -> str:
    """Ends the first page (the key figures) in print; nothing on screen."""
    return '<div class="page-break" style="break-after: page; page-break-after: always"></div>'


def _compare_note(diary: Diary, column: str) -> str:
    return f"по региону: {fmt_percent(diary.region[column])}" if diary.is_municipality else ""


def key_figures(diary: Diary) -> list[KeyFigure]:
    """The first page: can log in, the school's part, the parents' Госуслуги, the children's
    accounts, the schools not behind, and the task of passing the log-in information on."""
    t = diary.territory
    plan = fmt_percent(TARGET, 0)

    def note(text: str, column: str) -> str:
        extra = _compare_note(diary, column)
        return f"{text}; {extra}" if extra else text

    children = int(t["under_14"] + t["from_14"])
    ready = int(t["under_14_ready"] + t["from_14_linked"])
    figures = [
        KeyFigure("Могут войти в электронный дневник через Госуслуги",
                  fmt_percent(t["can_login_share"]), plan, t["can_login_status"],
                  note=note(f"{fmt_int(t['step_can_login'])} из {fmt_int(t['contingent'])} обучающихся",
                            "can_login_share")),
        KeyFigure("Школа выполнила свою часть (проверки 1–5) для обучающихся",
                  fmt_percent(t["school_side_share"]), plan,
                  ind.status(t["school_side_share"], TARGET, near=diary.near),
                  note=note(f"не готово у {fmt_int(t['contingent'] - t[SCHOOL_SIDE_DONE])} обучающихся",
                            "school_side_share")),
        KeyFigure("Учётная запись родителя на Госуслугах подтверждена",
                  fmt_percent(t["parent_esia_share"]), plan, t["parent_esia_status"],
                  note=note(f"не подтверждена у {counted(t['parent_no_esia'], *PARENT_WORDS)}",
                            "parent_esia_share")),
        KeyFigure("Учётная запись ребёнка создана (до 14 лет) или привязана (с 14 лет)",
                  fmt_percent(ready / children if children else None), plan,
                  ind.status(ready / children if children else None, TARGET, near=diary.near),
                  note=f"до 14 лет: {fmt_percent(t['child_under_14_share'])}; "
                       f"14 лет и старше: {fmt_percent(t['child_from_14_share'])}"),
    ]
    figures.append(_schools_figure(diary))
    figures.append(_auth_figure(diary))
    return figures


def _schools_figure(diary: Diary) -> KeyFigure:
    """Schools of the territory not behind: at least ``near`` of their pupils can log in."""
    def count(schools: pd.DataFrame) -> int:
        return int(schools["can_login_status"].isin(["met", "near"]).sum())

    schools = diary.local_schools
    fine = count(schools)
    share = fine / len(schools) if len(schools) else None
    note = f"по региону: {count(diary.schools)} из {len(diary.schools)}" if diary.is_municipality else ""
    return KeyFigure(f"Школ, где могут войти не менее {fmt_percent(diary.near * TARGET, 0)} "
                     "обучающихся", f"{fine} из {len(schools)}", "все школы",
                     ind.status(share, TARGET, near=diary.near), note=note)


def _auth_figure(diary: Diary) -> KeyFigure:
    task = diary.auth_task
    label = task.label if task else "Информация по авторизации доведена до школ"
    if task is None or diary.tasks_date is None:
        return KeyFigure(label, "нет данных", "—", "unknown", note="отчёт о выполнении задач не получен")
    schools = diary.local_schools
    on_time = int((schools["auth_status"] == "done").sum())
    late = int((schools["auth_status"] == "late").sum())
    share = on_time / len(schools) if len(schools) else None
    return KeyFigure(label, f"{on_time} из {len(schools)}",
                     f"все школы до {fmt_date_short(task.deadline)}",
                     ind.status(share, TARGET, near=diary.near),
                     note=f"школ получили в срок, с опозданием — {late}; по отчёту на "
                          f"{fmt_date_short(diary.tasks_date)}")


def lead_html(diary: Diary) -> str:
    """The line under the title: the date, the territory, its size and where most pupils are lost."""
    t = diary.territory
    step, lost = biggest_loss(t)
    scope = (f"{diary.territory_name} ({diary.region_name})" if diary.is_municipality
             else diary.territory_name)
    return (f'<p class="lead">По состоянию на <strong>{fmt_date(diary.snapshot_date)}</strong> '
            f"(реестры ЭЖД «Ученики» и «Реестр родителей»). {html.escape(scope)}: "
            f"{counted(t['schools'], *SCHOOL_WORDS)}, {fmt_int(t['contingent'])} обучающихся, "
            f"в реестре {counted(t['parents'], 'родитель', 'родителя', 'родителей')}. Войти в "
            "дневник через Госуслуги могут "
            f"<strong>{fmt_int(t['step_can_login'])}</strong> обучающихся "
            f"({fmt_percent(t['can_login_share'])}); больше всего теряется на шаге "
            f"«{html.escape(step)}» — {fmt_int(lost)}.</p>")


FUNNEL_FORMATS = {"№": "int", "Обучающихся": "int", "Доля от контингента": "percent",
                  "Потеря на шаге": "int", "Доля по региону": "percent"}


def funnel(diary: Diary) -> pd.DataFrame:
    """The funnel of the territory (and of the region, for a municipality): step, count, share."""
    t, r = diary.territory, diary.region
    frame = pd.DataFrame({
        "step": [s.label for s in FUNNEL],
        "short": [s.short for s in FUNNEL],
        "count": [int(t[s.column]) for s in FUNNEL],
        "region_count": [int(r[s.column]) for s in FUNNEL],
    })
    frame["share"] = _share(frame["count"], pd.Series(int(t["contingent"]), index=frame.index))
    frame["region_share"] = _share(frame["region_count"], pd.Series(int(r["contingent"]), index=frame.index))
    frame["loss"] = (frame["count"].shift(1) - frame["count"]).astype("Int64")
    return frame


def funnel_table(diary: Diary) -> pd.DataFrame:
    """The funnel with Russian headers; a municipality's shows the region's share beside its own."""
    steps = funnel(diary)
    table = pd.DataFrame({
        "№": range(len(steps)),
        "Шаг": steps["step"],
        "Обучающихся": steps["count"],
        "Доля от контингента": steps["share"],
        "Потеря на шаге": steps["loss"],
    })
    if diary.is_municipality:
        table["Доля по региону"] = steps["region_share"]
    return table


def funnel_chart(diary: Diary) -> Figure:
    steps = funnel(diary)
    return charts.funnel_chart(steps, label="short", value="count", share="share",
                               title=f"Воронка авторизации: {diary.territory_name}",
                               comparison="region_share" if diary.is_municipality else None,
                               comparison_label="по региону")


def funnel_table_caption(diary: Diary) -> str:
    compare = " и доля по региону" if diary.is_municipality else ""
    return (f"Воронка авторизации, {diary.territory_name}: обучающиеся на каждом шаге, доля от "
            f"контингента{compare}, потеря на шаге")


def funnel_caption(diary: Diary) -> str:
    compare = "; штрих — доля по региону" if diary.is_municipality else ""
    return (f"Обучающиеся на каждом шаге проверки, доля от контингента{compare}; "
            f"по состоянию на {fmt_date(diary.snapshot_date)}")


CHECK_FORMATS = {"Проверено": "int", "Выполнено": "int", "Доля": "percent", "Исправить": "int",
                 "Доля по региону": "percent"}


def checks_table(diary: Diary, side: str) -> pd.DataFrame:
    """The checks of the school (``side="school"``) or of the parent, for the territory."""
    t, r = diary.territory, diary.region
    rows = [c for c in CHECKS if c.side == side]
    table = pd.DataFrame({
        "Проверка": [f"{c.number}. {c.label}" for c in rows],
        "Проверено": [int(t[c.total]) for c in rows],
        "Выполнено": [int(t[c.done]) for c in rows],
        "Доля": [t[f"{c.id}_share"] for c in rows],
        "Статус": [status_label(t[f"{c.id}_status"]) for c in rows],
        "Исправить": [int(t[c.total] - t[c.done]) for c in rows],
    })
    if diary.is_municipality:
        table["Доля по региону"] = [r[f"{c.id}_share"] for c in rows]
    return table


def checks_caption(diary: Diary, side: str) -> str:
    who = "Что должна сделать школа в «Электронной школе»" if side == "school" else \
        "Что должен сделать родитель на портале Госуслуг"
    numbers: dict[str, list[int]] = {}
    for check in CHECKS:
        if check.side == side:
            numbers.setdefault(check.unit, []).append(check.number)
    units = ", ".join(f"{n[0]}–{n[-1]} — {unit}" if len(n) > 1 else f"{n[0]} — {unit}"
                      for unit, n in numbers.items())
    return f"{who}: выполнение проверок, {diary.territory_name} (считаются: {units})"


def parents_note_html(diary: Diary) -> str:
    """The records of parents that belong to no school (the region's registry)."""
    if not diary.orphan_parents:
        return ""
    return (f'<p class="note">В «Реестре родителей» региона {counted(diary.orphan_parents, *RECORD_WORDS)} '
            "без детей (чаще всего дубликаты): их нельзя отнести ни к одной школе, в проверках "
            "выше они не учтены; их следует удалить или указать детей.</p>")


def _municipality_frame(diary: Diary) -> pd.DataFrame:
    frame = diary.municipalities.sort_values(["can_login_share", "municipality"], ascending=[False, True])
    return frame.reset_index(drop=True)


MUNICIPALITY_FORMATS = {
    "Школ": "int", "Обучающихся": "int", "1. В реестре": "percent",
    "2. СНИЛС ученика": "percent", "3. Родитель связан": "percent", "4. СНИЛС родителя": "percent",
    "5. ЛОГИН": "percent", "1. Госуслуги": "percent", "2. УЗ до 14 лет": "percent",
    "3. УЗ с 14 лет": "percent", "Могут войти": "percent",
}


def municipality_school_table(diary: Diary) -> pd.DataFrame:
    """The school's checks 1–5 by municipality (best first), with the region's total last."""
    frame = _municipality_frame(diary)
    rows = pd.concat([frame, diary.region.to_frame().T.assign(municipality="Итого по региону")],
                     ignore_index=True)
    return pd.DataFrame({
        "Муниципальное образование": rows["municipality"].map(short_municipality),
        "Школ": rows["schools"].astype("int64"),
        "Обучающихся": rows["contingent"].astype("int64"),
        "1. В реестре": rows["registry_share"].astype(float),
        "2. СНИЛС ученика": rows["pupil_snils_share"].astype(float),
        "3. Родитель связан": rows["parent_linked_share"].astype(float),
        "4. СНИЛС родителя": rows["parent_snils_share"].astype(float),
        "5. ЛОГИН": rows["parent_login_share"].astype(float),
    })


def municipality_parent_table(diary: Diary) -> pd.DataFrame:
    """The parent's checks 1–3 and «can log in» by municipality (best first), region last."""
    frame = _municipality_frame(diary)
    rows = pd.concat([frame, diary.region.to_frame().T.assign(municipality="Итого по региону")],
                     ignore_index=True)
    return pd.DataFrame({
        "Муниципальное образование": rows["municipality"].map(short_municipality),
        "1. Госуслуги": rows["parent_esia_share"].astype(float),
        "2. УЗ до 14 лет": rows["child_under_14_share"].astype(float),
        "3. УЗ с 14 лет": rows["child_from_14_share"].astype(float),
        "Могут войти": rows["can_login_share"].astype(float),
        "Статус": rows["can_login_status"].map(status_label),
    })


def municipality_caption(diary: Diary, side: str) -> str:
    """Captions of the municipality tables (``side``: ``school``, ``parent``) and chart (``chart``)."""
    what = {
        "school": "Проверки школы 1–5 по муниципальным образованиям: доля выполненных",
        "parent": "Проверки родителя 1–3 и доля обучающихся, которые могут войти, по муниципальным "
                  "образованиям",
        "chart": "Доля обучающихся, которые могут войти в дневник через Госуслуги, по муниципальным "
                 "образованиям",
    }[side]
    marked = "▶ — " if side == "chart" else "выделено — "
    return f"{what} ({marked}{diary.territory_name})" if diary.is_municipality else what


def municipality_highlight(diary: Diary) -> list[int]:
    """Rows to highlight in the municipality tables: the briefing's municipality and the total."""
    frame = _municipality_frame(diary)
    rows = [len(frame)]
    if diary.is_municipality:
        rows.insert(0, int(np.flatnonzero(frame["oktmo"].to_numpy() == diary.oktmo)[0]))
    return rows


def municipality_chart(diary: Diary) -> Figure:
    frame = diary.municipalities.copy()
    marker = frame["oktmo"] == diary.oktmo
    names = frame["municipality"].map(short_municipality)
    frame["label"] = np.where(marker, "▶ " + names, names)
    return charts.category_bars(frame, label="label", value="can_login_share",
                                title="Могут войти в дневник через Госуслуги, доля обучающихся",
                                target=None, status="can_login_status")


def ranked_schools(diary: Diary) -> pd.DataFrame:
    """The territory's schools, the largest gap first: by the share who cannot log in, then count."""
    frame = diary.local_schools.copy()
    frame["gap_share"] = 1 - frame["can_login_share"].fillna(0)
    frame = frame.sort_values(["gap_share", "cannot_login", "school_name"], ascending=[False, False, True])
    return frame.reset_index(drop=True)


WORST_FORMATS = {"Место": "int", "Обучающихся": "int", "Могут войти": "int", "Доля": "percent",
                 "Не могут войти": "int"}


def worst_limit(diary: Diary) -> int:
    """Schools listed in the briefing: every school of a municipality, the worst 15 of a region."""
    return len(diary.local_schools) if diary.is_municipality else 15


def worst_schools_table(diary: Diary, n: int | None = None) -> pd.DataFrame:
    """Schools ranked by gaps, with what to fix first (a region's: the municipality after the name)."""
    frame = ranked_schools(diary).head(n or worst_limit(diary))
    name = frame["school_name"]
    if not diary.is_municipality:
        name = name + ", " + frame["municipality"].map(short_municipality)
    return pd.DataFrame({
        "Место": range(1, len(frame) + 1),
        "Образовательная организация": name.to_numpy(),
        "Обучающихся": frame["contingent"].to_numpy(),
        "Могут войти": frame["step_can_login"].to_numpy(),
        "Доля": frame["can_login_share"].to_numpy(),
        "Статус": frame["can_login_status"].map(status_label).to_numpy(),
        "Исправить в первую очередь, записей": frame["main_actions"].to_numpy(),
    })


def worst_caption(diary: Diary) -> str:
    shown = len(worst_schools_table(diary))
    scope = (f"все школы: {shown}" if diary.is_municipality else
             f"{shown} с наименьшей долей из {len(diary.local_schools)}")
    return (f"Школы по доле обучающихся, которые могут войти в дневник через Госуслуги "
            f"({scope}; худшие сверху)")


def worst_note_html(diary: Diary) -> str:
    return ('<p class="note">В последнем столбце — три действия с наибольшим числом записей '
            "(УЗ — учётная запись на Госуслугах; 14+ — ребёнок 14 лет и старше). Полный перечень "
            "по каждой школе — в книге Excel.</p>")


def worst_chart(diary: Diary, n: int = 15) -> Figure:
    frame = ranked_schools(diary).head(n).copy()
    duplicated = frame["school_name"].duplicated(keep=False)
    frame["label"] = np.where(duplicated, frame["school_name"] + " (" + frame["school_id"] + ")",
                              frame["school_name"])
    return charts.category_bars(frame, label="label", value="can_login_share",
                                title="Могут войти через Госуслуги: школы с наименьшей долей",
                                target=None, status="can_login_status")


def worst_chart_caption(diary: Diary, n: int = 15) -> str:
    shown = min(n, len(diary.local_schools))
    return (f"Школы с наименьшей долей обучающихся, которые могут войти в дневник ({shown}); "
            f"цвет и знак — статус относительно цели {fmt_percent(TARGET, 0)}")


ACTION_FORMATS = {"Записей": "int", "Школ": "int"}


def actions_summary_table(diary: Diary) -> pd.DataFrame:
    """What the territory's schools and parents must fix: records and schools per action."""
    schools = diary.local_schools.set_index("school_id")
    long = actions(schools)
    per_action = long.groupby(["order", "action", "who"], as_index=False).agg(
        records=("records", "sum"), schools=("unit", "nunique"))
    distinct = {"parent_snils_missing", "parent_snils_invalid", "parent_no_login", "parent_no_esia"}
    totals = {a.label: int(diary.territory[a.column]) for a in ACTIONS if a.column in distinct}
    per_action["records"] = [totals.get(a, r) for a, r in zip(per_action["action"], per_action["records"],
                                                               strict=True)]
    return pd.DataFrame({
        "№": range(1, len(per_action) + 1),
        "Что сделать": per_action["action"].to_numpy(),
        "Кто": per_action["who"].to_numpy(),
        "Записей": per_action["records"].to_numpy(),
        "Школ": per_action["schools"].to_numpy(),
    })


def actions_table(diary: Diary) -> pd.DataFrame:
    """The action list of every school of the territory (for the Excel workbook): counts only."""
    schools = diary.local_schools.set_index("school_id")
    long = actions(schools)
    long = long.join(schools[["municipality", "school_name"]], on="unit")
    long = long.sort_values(["municipality", "school_name", "unit", "order"])
    return pd.DataFrame({
        "Муниципальное образование": long["municipality"].to_numpy(),
        "Код ОО": long["unit"].to_numpy(),
        "Образовательная организация": long["school_name"].to_numpy(),
        "Что сделать": long["action"].to_numpy(),
        "Кто": long["who"].to_numpy(),
        "Записей": long["records"].to_numpy(),
    })


def _check_header(check: Check) -> str:
    who = "школы" if check.side == "school" else "родителя"
    return f"Проверка {who} {check.number}: {check.label}"


SCHOOL_FORMATS = {
    "Обучающихся": "int", "В реестре «Ученики»": "int", "Родителей": "int",
    **{_check_header(c): "percent" for c in CHECKS},
    "Могут войти": "int", "Доля могут войти": "percent",
    **{a.label: "int" for a in ACTIONS},
    "Информация об авторизации доведена": "date",
}


def schools_table(diary: Diary) -> pd.DataFrame:
    """Every school of the territory with every check and every gap count (for the workbook)."""
    frame = ranked_schools(diary)
    table = pd.DataFrame({
        "Муниципальное образование": frame["municipality"],
        "Код ОО": frame["school_id"],
        "Образовательная организация": frame["school_name"],
        "Обучающихся": frame["contingent"],
        "В реестре «Ученики»": frame["registry"],
        "Родителей": frame["parents"],
    })
    for check in CHECKS:
        table[_check_header(check)] = frame[f"{check.id}_share"]
    table["Могут войти"] = frame["step_can_login"]
    table["Доля могут войти"] = frame["can_login_share"]
    table["Статус"] = frame["can_login_status"].map(status_label)
    for action in ACTIONS:
        table[action.label] = frame[action.column]
    table["Информация об авторизации доведена"] = frame["auth_info"]
    table["Статус задачи"] = frame["auth_status"].map(TASK_STATUS_LABELS).fillna("нет данных")
    return table


def excel_note_html(diary: Diary) -> str:
    return ('<p class="note">Перечень действий по каждой школе (что исправить и сколько записей) '
            "и все проверки по каждой школе — в книге Excel этой справки, листы «Действия по "
            "школам» и «Проверки по школам». Только числа записей: ФИО, СНИЛС и логины в "
            "хранилище не попадают; записи находит администратор школы в «Электронной школе» "
            "по проверкам 1–5.</p>")


def methodology_html(diary: Diary) -> str:
    """Definitions, target, statuses, dates and sources of the briefing, for its appendix."""
    near = fmt_percent(diary.near, 0)
    contingent_source = (f"«Обучающихся, всего» мониторинга «Сферум» по школам на "
                         f"{fmt_date(diary.contingent_date)}" if diary.contingent_date else
                         "численность обучающихся по реестру общеобразовательных организаций")
    task = diary.auth_task
    report = (f"отчёт о выполнении задач на {fmt_date(diary.tasks_date)}" if diary.tasks_date
              else "отчёт о выполнении задач не получен")
    task_item = (f"Задача «{task.label}»: срок — {fmt_date(task.deadline)} (params/tasks.yml); "
                 f"{report}.") if task else ""
    items = [
        f"<b>Контингент</b> школы — {contingent_source} (школа без строки мониторинга — по реестру "
        "ОО).",
        "<b>Воронка</b> считает обучающихся; каждый шаг включает все предыдущие. 1 — обучающийся "
        "есть в реестре «Ученики»; 2–3 — в его карточке внесён СНИЛС и он проходит проверку "
        "контрольного числа; 4 — в «Реестре родителей» есть родитель, у которого указаны этот "
        "ребёнок и его школа; 5–7 — у того же родителя корректный СНИЛС, ЛОГИН и подтверждённая "
        f"учётная запись Госуслуг; 8 — учётная запись ребёнка до {ADULT_AGE} лет создана, с "
        f"{ADULT_AGE} лет — привязана к родителю (возраст — полных лет на дату реестра; при "
        "неизвестном возрасте засчитывается только привязанная). Обучающийся с двумя родителями "
        "учитывается один раз: шаг пройден, если его прошёл хотя бы один родитель. В школе, где "
        "записей в реестре больше, чем обучающихся, ни один шаг не превышает предыдущий.",
        "<b>Проверки родителей</b> (4 и 5 школы, 1 родителя) считают родителей. Родитель, дети "
        "которого учатся в двух школах, учитывается в каждой из них, а в итогах муниципального "
        "образования и региона — один раз. Школа родителя — школа ребёнка по реестру «Ученики» "
        "(если ребёнка в нём нет — указанная в карточке родителя); записи родителей без детей "
        "не учитываются.",
        f"<b>Цель</b> — {fmt_percent(TARGET, 0)}: каждая проверка выполнена для каждой записи и "
        "каждый обучающийся может войти. Статус: «✔ выполнено» — цель достигнута; «▲ близко к "
        f"цели» — не ниже {near} цели; «✖ отстаёт» — ниже (порог — params/targets.yml). Цвет "
        "всегда дублируется знаком и словом. Доли муниципальных образований и региона — "
        "отношения сумм по школам. «м. о.» — муниципальный округ.",
        task_item,
        f"Источники: реестр «Ученики» ЭЖД на {fmt_date(diary.snapshot_date)}, «Реестр родителей» "
        f"ЭЖД на {fmt_date(diary.parents_date)}, реестр общеобразовательных организаций, "
        "мониторинг «Сферум» по школам, отчёт о выполнении задач ОМСУ и школ; слайды «Вопросы по "
        "авторизации в электронном дневнике». ФИО, СНИЛС, логины и даты рождения в хранилище не "
        "попадают (только признаки наличия и корректности, возраст и псевдонимы); в справке — "
        "только числа.",
    ]
    return '<ul class="methodology">' + "".join(f"<li>{i}</li>" for i in items if i) + "</ul>"


def provenance(diary: Diary) -> dict[str, str]:
    """The data side of the provenance: the registries' date and the hash of the slices read."""
    return {"snapshot_date": diary.snapshot_date.isoformat(), "data_hash": diary.data_hash}


def provenance_html(diary: Diary) -> str:
    return (f'<p class="provenance-inline">Данные: реестры ЭЖД на {fmt_date(diary.snapshot_date)}, '
            f"контрольная сумма {diary.data_hash}.</p>")


def municipality_section_note(diary: Diary) -> str:
    if diary.is_municipality:
        return (f'<p class="note">Строка «{html.escape(short_municipality(diary.territory_name))}» выделена; '
                "для сравнения — все муниципальные образования региона и итог по региону.</p>")
    return ""

