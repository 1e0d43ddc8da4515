"""The migration-readiness briefing: moving a region's chats to a campaign's target platform.

A campaign (``params/campaigns.yml``) names the old platforms, the target one, the cut-over date
and the activity window; nothing here knows a platform or a date. For one chats export of a
region the briefing shows:

1. the department's chats (with directors, with ОМСУ) on the target platform: members of the
   expected roles joined vs expected, the share of them active, and their last-seen ages;
2. per school the required chats (per school: :attr:`Campaign.school_chats`; per class:
   :attr:`Campaign.class_chats`) present on the target platform and active;
3. chats on the old platforms still open after the cut-over;
4. the readiness index per school, municipality and region, municipalities ranked, schools not
   ready with what they miss (counts only);
5. coverage of the roles of the seed's model (director, teacher, pupil, parent);
6. what changed since the comparison base (:class:`Changes`): schools that became ready or
   stopped being ready, old-platform chats closed since the base, members who joined the
   department's chats, the municipalities' ranks.

Definitions (the methodology appendix prints them from the same constants):

- *export moment*: the time the member exports state (``exported_at``: their title row, file name
  or column); without one, the latest «last seen» of the export on that day (a member «в сети»
  when the list was taken), else the end of the day (23:59, as the data contract counts «last
  seen» texts);
- *active member*: seen less than ``active_days`` × 24 h before the export moment;
- *present chat*: on the target platform and not closed at the export;
- *active chat*: a present chat with at least :data:`ACTIVE_MEMBERS_MIN` active member;
- *required chats of a school*: one of each per-school type, and one of each per-class type for
  each of the school's classes (``schools.classes`` of the registry); a per-class type counts
  the school's distinct class names with such a chat, at most ``classes``;
- *open old chat*: a chat of the school on one of the campaign's old platforms not closed at the
  export; *closed late*: closed after the cut-over date;
- *readiness index* of a school: ``max(0, active required chats − open old chats) / required
  chats``; of a municipality or the region: the sum of the schools' numerators over the sum of
  their required chats. A school is ready at 100 % (every required chat present and active,
  nothing left open on the old platforms).
- *comparison base*: the latest chats export of the campaign's time (on or after its start) at
  least ``changes_base_days`` (``params/targets.yml`` ``changes.base_min_days``) before the
  briefing's export; its figures are computed exactly as the export's
  (:func:`helpers.briefings.skeleton.now_and_base`, with :func:`in_campaign`).

:func:`build` is pure (the frames of :data:`~helpers.briefings.migration_readiness.READS` in,
:class:`Readiness` out; it chooses the export with :func:`choose_export`); :func:`load` reads the
warehouse and builds. What the reader sees is made in :mod:`.present`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from helpers.briefings import skeleton
from helpers.briefings.migration_readiness import KIND
from helpers.errors import BadInput, DataMissing
from helpers.indicators import changes as moves
from helpers.indicators import kpis as ind
from helpers.indicators.campaigns import Campaign
from helpers.vocabulary import fmt_date_short
from helpers.warehouse import slices

ACTIVE_MEMBERS_MIN = 1
"""A chat is active when at least this many of its members are active."""

READY = 1.0
"""The readiness target of a school, a municipality and the region: 100 %."""

MODEL_ROLES = ("director", "teacher", "pupil", "parent")
"""The roles of the seed's model of a school on the platform (slide «Модель работы ОО»)."""

OLD_STATES = ("closed_on_time", "closed_late", "open")

MEMBER_COLUMNS = ["chat_id", "member_id", "role", "last_seen", "exported_at"]
"""The member lists' columns the briefing uses (and hashes)."""


# --- the export and its moment ---------------------------------------------------------------

def _next_start(campaign: Campaign, campaigns: Mapping[str, Campaign]) -> dt.date | None:
    later = [c.start for c in campaigns.values() if c.start > campaign.start]
    return min(later) if later else None


def choose_export(dates: Iterable[dt.date], campaign: Campaign,
                  campaigns: Mapping[str, Campaign], period: str = "") -> dt.date:
    """The chats export a briefing reports on.

    With ``period``: the latest export on or before it, which must not precede the campaign's
    start. Without: the latest export of the campaign's own time — on or after its start and
    before the start of the next campaign of ``campaigns``.

    Raises:
        ValueError: no such export (the message, in Russian, says which dates exist).
    """
    days = sorted({pd.Timestamp(d).date() for d in dates})
    known = ", ".join(fmt_date_short(d) for d in days) or "нет ни одной"
    if period:
        limit = pd.Timestamp(period).date()
        before = [d for d in days if d <= limit]
        if not before:
            raise DataMissing(f"Нет выгрузки чатов на {fmt_date_short(limit)} или раньше "
                             f"(есть: {known}) / no chats export on or before {period}")
        if before[-1] < campaign.start:
            raise DataMissing(f"Выгрузка чатов {fmt_date_short(before[-1])} раньше начала кампании "
                             f"«{campaign.title}» ({fmt_date_short(campaign.start)}); выгрузки: "
                             f"{known} / export precedes the campaign start")
        return before[-1]
    end = _next_start(campaign, campaigns)
    inside = [d for d in days if d >= campaign.start and (end is None or d < end)]
    if not inside:
        until = f" по {fmt_date_short(end - dt.timedelta(days=1))}" if end else ""
        raise DataMissing(f"Нет выгрузки чатов за время кампании «{campaign.title}» "
                         f"(с {fmt_date_short(campaign.start)}{until}); выгрузки: {known}. "
                         "Укажите period / no chats export within the campaign")
    return inside[-1]


def of_export(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The rows of ``frame`` (with ``snapshot_date``) of the export of ``day``."""
    rows = frame[pd.to_datetime(frame["snapshot_date"]) == pd.Timestamp(day)]
    return rows.reset_index(drop=True)


def parents_per_date(parents: pd.DataFrame) -> pd.DataFrame:
    """The parents' registry size per export: ``snapshot_date, parents``, oldest first."""
    counts = parents.groupby("snapshot_date", sort=True).size().rename("parents")
    return counts.astype("int64").reset_index()


def export_moment(members: pd.DataFrame, day: dt.date) -> pd.Timestamp:
    """When the member lists were taken: the moment the exports state (``exported_at``: the
    latest of that day's files); without one, their latest «last seen» on ``day``, else 23:59."""
    end = pd.Timestamp(day) + pd.Timedelta(hours=23, minutes=59)
    if "exported_at" in members and members["exported_at"].notna().any():
        return pd.Timestamp(pd.to_datetime(members["exported_at"]).max())
    seen = pd.to_datetime(members["last_seen"]) if len(members) else pd.Series(dtype="datetime64[ns]")
    seen = seen[(seen >= pd.Timestamp(day)) & (seen <= end)]
    return seen.max() if len(seen) else end


def seen_age_days(last_seen: pd.Series, moment: pd.Timestamp) -> pd.Series:
    """Days (fractional) from each «last seen» to the export moment; NaN when never seen."""
    return (moment - pd.to_datetime(last_seen)) / pd.Timedelta(days=1)


def is_active(age_days: pd.Series, active_days: int) -> pd.Series:
    """Seen less than ``active_days`` × 24 h before the export (never seen: not active)."""
    return age_days.lt(active_days).fillna(False).astype(bool)


def chat_activity(members: pd.DataFrame, moment: pd.Timestamp, active_days: int) -> pd.DataFrame:
    """Per chat: members listed and members active (``chat_id, listed, active_members``)."""
    active = is_active(seen_age_days(members["last_seen"], moment), active_days)
    frame = pd.DataFrame({"chat_id": members["chat_id"].to_numpy(), "active": active.to_numpy()})
    out = frame.groupby("chat_id", sort=True).agg(listed=("active", "size"),
                                                  active_members=("active", "sum"))
    return out.astype("int64").reset_index()


def nearest_date(dates: Iterable[dt.date], day: dt.date) -> dt.date | None:
    """The date closest to ``day`` (the earlier one on a tie); ``None`` when there is none."""
    days = sorted({pd.Timestamp(d).date() for d in dates})
    return min(days, key=lambda d: (abs((d - day).days), d)) if days else None


def expected_by_role(activity: pd.DataFrame, parents_total: int | None,
                     municipalities: int) -> dict[str, float]:
    """How many people of each role the platform should reach (``activity``: one date's rows).

    Directors, teachers and pupils: the sums of the school monitoring; parents: the parents'
    registry; ОМСУ: one per municipality. A role without a source is NaN.
    """
    def total(column: str) -> float:
        return float(activity[column].sum()) if len(activity) else math.nan

    return {"director": total("directors_total"), "teacher": total("teachers_total"),
            "pupil": total("pupils_total"),
            "parent": float(parents_total) if parents_total is not None else math.nan,
            "omsu": float(municipalities) if municipalities else math.nan}


# --- chats on the target and the old platforms -------------------------------------------------

def _is_open(chats: pd.DataFrame) -> pd.Series:
    closed = pd.to_datetime(chats["closed"])
    return closed.isna() | (closed > pd.to_datetime(chats["snapshot_date"]))


def target_chats(chats: pd.DataFrame, campaign: Campaign, activity: pd.DataFrame) -> pd.DataFrame:
    """The open chats on the target platform, with ``listed``, ``active_members`` and ``active``."""
    rows = chats[(chats["platform"] == campaign.to_platform) & _is_open(chats)]
    out = rows.merge(activity, on="chat_id", how="left")
    out[["listed", "active_members"]] = out[["listed", "active_members"]].fillna(0).astype("int64")
    out["active"] = out["active_members"] >= ACTIVE_MEMBERS_MIN
    return out.reset_index(drop=True)


def old_chats(chats: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """The chats on the campaign's old platforms with ``state``: closed on time, closed late, open."""
    rows = chats[chats["platform"].isin(campaign.from_platforms)].copy()
    closed = pd.to_datetime(rows["closed"])
    rows["state"] = "closed_on_time"
    rows.loc[closed > pd.Timestamp(campaign.cutover), "state"] = "closed_late"
    rows.loc[_is_open(rows), "state"] = "open"
    return rows.reset_index(drop=True)


def old_chats_by_platform(chats: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Per old platform: chats, closed on time, closed late, open; then any other non-target
    platform with chats still open (``in_campaign`` False: not counted in the readiness)."""
    old = old_chats(chats, campaign)
    counts = pd.crosstab(old["platform"], old["state"]).reindex(
        index=list(campaign.from_platforms), columns=list(OLD_STATES), fill_value=0)
    counts.insert(0, "chats", counts.sum(axis=1))
    counts["in_campaign"] = True
    others = chats[~chats["platform"].isin([*campaign.from_platforms, campaign.to_platform])]
    others = others[_is_open(others)]
    if len(others):
        extra = others.groupby("platform").size().rename("open").to_frame()
        extra = extra.assign(chats=extra["open"], closed_on_time=0, closed_late=0, in_campaign=False)
        counts = pd.concat([counts, extra[counts.columns]])
    counts.index.name = "platform"
    return counts.reset_index().astype({c: "int64" for c in ("chats", *OLD_STATES)})


def old_chats_status(open_chats: int, chats: int, day: dt.date, cutover: dt.date,
                     near: float = 0.8) -> ind.Status:
    """From the cut-over date on, any open old chat is behind (the deadline has passed); before it,
    the share of old chats already closed against 100 %."""
    if day >= cutover:
        return "met" if open_chats == 0 else "behind"
    return ind.status((chats - open_chats) / chats if chats else READY, READY, near=near)


# --- the department's chats ------------------------------------------------------------------

def _department_chat(present: pd.DataFrame, chat_type: str) -> pd.Series | None:
    rows = present[present["chat_type"] == chat_type]
    if rows.empty:
        return None
    return rows.sort_values(["listed", "members", "chat_id"], ascending=[False, False, True]).iloc[0]


def department_chats(chats: pd.DataFrame, members: pd.DataFrame, campaign: Campaign,
                     expected: Mapping[str, float], moment: pd.Timestamp,
                     near: float = 0.8) -> pd.DataFrame:
    """One row per department chat of the campaign: the target-platform chat (the one with the
    most members when there are several), members of the expected roles joined vs expected,
    how many of them are active, and what happened to the old-platform chat of that type.

    Columns: ``chat_type, title, present, created, listed, joined, expected, coverage, active,
    active_share, status, old_chats, old_open, old_closed``.
    """
    present = target_chats(chats, campaign, chat_activity(members, moment, campaign.active_days))
    old = old_chats(chats, campaign)
    rows = []
    for spec in campaign.department_chats:
        chat = _department_chat(present, spec.chat_type)
        expected_count = sum(expected.get(role, math.nan) for role in spec.expected_roles)
        joined = active = listed = 0
        created = None
        if chat is not None:
            own = members[(members["chat_id"] == chat["chat_id"])
                          & members["role"].isin(spec.expected_roles)]
            listed, created = int(chat["listed"]), pd.Timestamp(chat["created"]).date()
            joined = int(own["member_id"].nunique())
            ages = seen_age_days(own["last_seen"], moment)
            active = int(own.loc[is_active(ages, campaign.active_days).to_numpy(), "member_id"].nunique())
        coverage = (min(joined, expected_count) / expected_count
                    if expected_count and not math.isnan(expected_count) else math.nan)
        olds = old[old["chat_type"] == spec.chat_type]
        closed = pd.to_datetime(olds.loc[olds["state"] != "open", "closed"])
        rows.append({
            "chat_type": spec.chat_type, "title": spec.title, "present": chat is not None,
            "created": created, "listed": listed, "joined": joined, "expected": expected_count,
            "coverage": coverage, "active": active,
            "active_share": active / joined if joined else math.nan,
            "status": ind.status(coverage, READY, near=near),
            "old_chats": len(olds), "old_open": int((olds["state"] == "open").sum()),
            "old_closed": closed.max().date() if len(closed) else None,
        })
    return pd.DataFrame(rows)


def department_members(chats: pd.DataFrame, members: pd.DataFrame, campaign: Campaign,
                       moment: pd.Timestamp) -> dict[str, frozenset[str]]:
    """Per department chat type: the ids of the members of its expected roles in the chat
    :func:`department_chats` counts (empty when there is no such chat on the target platform)."""
    present = target_chats(chats, campaign, chat_activity(members, moment, campaign.active_days))
    out: dict[str, frozenset[str]] = {}
    for spec in campaign.department_chats:
        chat = _department_chat(present, spec.chat_type)
        own = (members[(members["chat_id"] == chat["chat_id"]) & members["role"].isin(spec.expected_roles)]
               if chat is not None else members.iloc[0:0])
        out[spec.chat_type] = frozenset(own["member_id"].astype(str))
    return out


def age_bins(active_days: int) -> list[tuple[int, float, bool]]:
    """Bins of whole days since the last visit: one per day of the activity window, then wider.

    Each bin is ``(first day, day after the last, within the activity window)``; the last bin is
    open (``math.inf``).
    """
    bins: list[tuple[int, float, bool]] = [(d, d + 1, True) for d in range(active_days)]
    low = active_days
    for edge in sorted({e for e in (2 * active_days, 30, 90) if e > active_days}):
        bins.append((low, edge, False))
        low = edge
    bins.append((low, math.inf, False))
    return bins


SEEN_AGE_COLUMNS = ["chat", "order", "first", "end", "never", "active", "members", "share"]


def seen_age_histogram(chats: pd.DataFrame, members: pd.DataFrame, campaign: Campaign,
                       moment: pd.Timestamp) -> pd.DataFrame:
    """Members of each department chat on the target platform by whole days since their last
    visit (all roles): ``chat, order, first, end, never, active, members, share`` — one row per
    bin of :func:`age_bins` (``first`` to ``end``), then one of the members never seen
    (``never``); ``share`` of the chat's members."""
    present = target_chats(chats, campaign, chat_activity(members, moment, campaign.active_days))
    bins = age_bins(campaign.active_days)
    rows = []
    for spec in campaign.department_chats:
        chat = _department_chat(present, spec.chat_type)
        if chat is None:
            continue
        ages = seen_age_days(members.loc[members["chat_id"] == chat["chat_id"], "last_seen"], moment)
        days = ages.clip(lower=0).floordiv(1)
        total = len(ages)
        counts: list[tuple[float, float, bool, bool, int]] = [
            (lo, hi, False, within, int(((days >= lo) & (days < hi)).sum())) for lo, hi, within in bins]
        counts.append((math.nan, math.nan, True, False, int(days.isna().sum())))
        for order, (lo, hi, never, within, count) in enumerate(counts):
            rows.append({"chat": spec.title, "order": order, "first": lo, "end": hi, "never": never,
                         "active": within, "members": count,
                         "share": count / total if total else math.nan})
    return pd.DataFrame(rows, columns=SEEN_AGE_COLUMNS)


# --- the schools' required chats and the readiness index --------------------------------------

def school_readiness(schools: pd.DataFrame, chats: pd.DataFrame, activity: pd.DataFrame,
                     campaign: Campaign, near: float = 0.8) -> pd.DataFrame:
    """One row per school of the registry: for each required chat type ``required_<t>``,
    ``present_<t>``, ``active_<t>``; the totals ``required, present, active``; ``old_open`` and
    ``old_late`` (old-platform chats open at the export / closed after the cut-over); ``score``
    (``max(0, active − old_open)``), ``index`` (score / required), ``status`` and ``ready``."""
    present = target_chats(chats, campaign, activity)
    present = present[present["school_id"].notna()]
    out = schools[["school_id", "school_name", "oktmo", "municipality", "classes"]].copy()
    out["classes"] = out["classes"].fillna(0).astype("int64")
    for chat_type in campaign.school_chats:
        rows = present[present["chat_type"] == chat_type]
        out[f"required_{chat_type}"] = 1
        out[f"present_{chat_type}"] = out["school_id"].isin(rows["school_id"]).astype("int64")
        out[f"active_{chat_type}"] = out["school_id"].isin(
            rows.loc[rows["active"], "school_id"]).astype("int64")
    for chat_type in campaign.class_chats:
        rows = present[(present["chat_type"] == chat_type) & present["class_name"].notna()]
        made = rows.groupby("school_id")["class_name"].nunique()
        live = rows[rows["active"]].groupby("school_id")["class_name"].nunique()
        out[f"required_{chat_type}"] = out["classes"]
        out[f"present_{chat_type}"] = _capped(out, made)
        out[f"active_{chat_type}"] = _capped(out, live)
    types = [*campaign.school_chats, *campaign.class_chats]
    for part in ("required", "present", "active"):
        out[part] = out[[f"{part}_{t}" for t in types]].sum(axis=1).astype("int64")
    old = old_chats(chats, campaign)
    old = old[old["school_id"].notna()]
    for column, state in (("old_open", "open"), ("old_late", "closed_late")):
        counts = old[old["state"] == state].groupby("school_id").size()
        out[column] = out["school_id"].map(counts).fillna(0).astype("int64")
    out["score"] = (out["active"] - out["old_open"]).clip(lower=0)
    out["index"] = out["score"] / out["required"].where(out["required"] > 0)
    out["status"] = [ind.status(v, READY, near=near) for v in out["index"]]
    out["ready"] = out["status"] == "met"
    return out.sort_values(["municipality", "school_name", "school_id"]).reset_index(drop=True)


def _capped(schools: pd.DataFrame, counts: pd.Series) -> pd.Series:
    found = schools["school_id"].map(counts).fillna(0).astype("int64")
    return found.clip(upper=schools["classes"])


SUM_COLUMNS = ("required", "present", "active", "old_open", "old_late", "score")


def _sums(frame: pd.DataFrame, near: float) -> dict[str, object]:
    sums = {c: int(frame[c].sum()) for c in SUM_COLUMNS}
    index = sums["score"] / sums["required"] if sums["required"] else math.nan
    return {"schools": len(frame), "ready_schools": int(frame["ready"].sum()), **sums,
            "index": index, "status": ind.status(index, READY, near=near),
            "ready_share": frame["ready"].mean() if len(frame) else math.nan}


def municipality_readiness(schools: pd.DataFrame, municipalities: pd.DataFrame,
                           near: float = 0.8) -> pd.DataFrame:
    """Per municipality with schools: the sums of its schools, its readiness index and status,
    ranked by the index (1 = most ready; ties share a place)."""
    names = dict(zip(municipalities["oktmo"], municipalities["name"], strict=False))
    rows = []
    for oktmo, group in schools.groupby("oktmo", sort=True):
        name = names.get(oktmo) or str(group["municipality"].iloc[0])
        rows.append({"oktmo": oktmo, "municipality": name, **_sums(group, near)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["rank"] = out["index"].rank(ascending=False, method="min").astype("Int64")
    return out.sort_values(["rank", "municipality"]).reset_index(drop=True)


def region_readiness(schools: pd.DataFrame, near: float = 0.8) -> pd.Series:
    """The region's sums, readiness index and status (same definitions as a municipality's)."""
    return pd.Series(_sums(schools, near), dtype=object)


def chat_type_summary(schools: pd.DataFrame, campaign: Campaign, near: float = 0.8) -> pd.DataFrame:
    """Per required chat type (and ``all`` together): required, present, active and their shares;
    the status is the active share's against 100 %."""
    rows = []
    types = [*campaign.school_chats, *campaign.class_chats]
    for chat_type in [*types, "all"]:
        suffix = "" if chat_type == "all" else f"_{chat_type}"
        required, present, active = (int(schools[f"{p}{suffix}"].sum())
                                     for p in ("required", "present", "active"))
        rows.append({"chat_type": chat_type, "required": required, "present": present,
                     "present_share": present / required if required else math.nan,
                     "active": active, "active_share": active / required if required else math.nan})
    out = pd.DataFrame(rows)
    out["status"] = [ind.status(v, READY, near=near) for v in out["active_share"]]
    return out


# --- the roles of the model ------------------------------------------------------------------

def role_coverage(chats: pd.DataFrame, members: pd.DataFrame, campaign: Campaign,
                  expected: Mapping[str, float], moment: pd.Timestamp) -> pd.DataFrame:
    """Per role of the model: distinct members in open target-platform chats (any chat), how many
    were active (their latest visit in any such chat), and both against the expected number.

    Columns: ``role, expected, joined, coverage, active, active_share, active_of_expected``.
    """
    open_ids = chats.loc[(chats["platform"] == campaign.to_platform) & _is_open(chats), "chat_id"]
    rows = members[members["chat_id"].isin(open_ids) & members["role"].isin(MODEL_ROLES)]
    latest = rows.groupby(["role", "member_id"])["last_seen"].max().reset_index()
    latest["active"] = is_active(seen_age_days(latest["last_seen"], moment), campaign.active_days)
    out = []
    for role in MODEL_ROLES:
        own = latest[latest["role"] == role]
        expected_count = float(expected.get(role, math.nan))
        usable = expected_count > 0 and not math.isnan(expected_count)
        joined, active = len(own), int(own["active"].sum())
        out.append({"role": role, "expected": expected_count, "joined": joined,
                    "coverage": joined / expected_count if usable else math.nan,
                    "active": active, "active_share": active / joined if joined else math.nan,
                    "active_of_expected": active / expected_count if usable else math.nan})
    return pd.DataFrame(out)


def staff_activity(roles: pd.DataFrame) -> float:
    """K1 on the target platform: active directors and teachers / expected directors and teachers."""
    staff = roles[roles["role"].isin(["director", "teacher"])]
    expected = staff["expected"].sum()
    return float(staff["active"].sum() / expected) if expected > 0 else math.nan


# --- what changed since the comparison base ------------------------------------------------------

SCHOOL_MOVES = ("reached", "lost", "added", "removed")
"""How a school moved: became ready, stopped being ready, is new in the registry, left it."""

OLD_MOVES = ("closed_on_time", "closed_late", "gone", "opened")
"""How an old-platform chat moved: open at the base and now closed (by the cut-over or after it)
or gone from the export; or open now but not at the base."""

SCHOOL_MOVE_COLUMNS = ["school_id", "school_name", "oktmo", "municipality", "move", "index_before",
                       "index_after"]
OLD_MOVE_COLUMNS = ["chat_id", "platform", "chat_type", "school_id", "school_name", "municipality",
                    "class_name", "move", "closed"]
DEPARTMENT_MOVE_COLUMNS = ["chat_type", "title", "present_before", "present_after", "joined_before",
                           "joined_after", "entered", "left", "expected"]
MUNICIPALITY_MOVE_COLUMNS = ["oktmo", "municipality", "rank_before", "rank_after", "move",
                             "index_before", "index_after", "status_before", "status_after"]


def in_campaign(campaign: Campaign, day: dt.date) -> bool:
    """Whether an export of ``day`` is of the campaign's time (on or after its start): only
    those may be the comparison base."""
    return day >= campaign.start


def _order(frame: pd.DataFrame, column: str, order: Iterable[str], by: list[str]) -> pd.DataFrame:
    rank = {value: position for position, value in enumerate(order)}
    ranked = frame.assign(_order=frame[column].map(rank))
    return ranked.sort_values(["_order", *by]).drop(columns="_order").reset_index(drop=True)


def school_moves(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Schools (rows of :func:`school_readiness`) that became ready (``reached``) or stopped
    being ready (``lost``) between two exports, and those in one of them only (``added``,
    ``removed``), with their index then and now (NaN where not in that export).

    Columns: :data:`SCHOOL_MOVE_COLUMNS`; in the order of :data:`SCHOOL_MOVES`, then by
    municipality and name.
    """
    crossed = moves.crossings(before, after, key="school_id", met="ready")
    added, removed = moves.set_changes(before["school_id"], after["school_id"])
    rows = pd.concat([crossed.rename(columns={"direction": "move"}),
                      pd.DataFrame({"school_id": added, "move": "added"}),
                      pd.DataFrame({"school_id": removed, "move": "removed"})], ignore_index=True)
    names = pd.concat([after, before]).drop_duplicates("school_id").set_index("school_id")
    out = rows.assign(
        school_name=rows["school_id"].map(names["school_name"]),
        oktmo=rows["school_id"].map(names["oktmo"]),
        municipality=rows["school_id"].map(names["municipality"]),
        index_before=rows["school_id"].map(before.set_index("school_id")["index"]).astype(float),
        index_after=rows["school_id"].map(after.set_index("school_id")["index"]).astype(float),
    )
    return _order(out[SCHOOL_MOVE_COLUMNS], "move", SCHOOL_MOVES, ["municipality", "school_name"])


def old_chat_moves(before: pd.DataFrame, after: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Old-platform chats (rows of :func:`old_chats` of two exports) open at the base and no
    longer open (``closed_on_time``, ``closed_late``: by their ``closed`` date; ``gone``: not in
    the export any more), and chats open now that were not open at the base (``opened``); with
    the school's name and municipality (``schools``: the registry; none for the department's).

    Columns: :data:`OLD_MOVE_COLUMNS`; in the order of :data:`OLD_MOVES`, then by municipality,
    school, platform and chat.
    """
    was_open = set(before.loc[before["state"] == "open", "chat_id"])
    now = after.set_index("chat_id")
    closed = after[after["chat_id"].isin(was_open) & (after["state"] != "open")]
    gone = before[before["chat_id"].isin(was_open) & ~before["chat_id"].isin(now.index)]
    opened = after[(after["state"] == "open") & ~after["chat_id"].isin(was_open)]
    rows = pd.concat([closed.assign(move=closed["state"]), gone.assign(move="gone", closed=None),
                      opened.assign(move="opened")], ignore_index=True)
    registry = schools.drop_duplicates("school_id").set_index("school_id")
    out = rows.assign(school_name=rows["school_id"].map(registry["school_name"]),
                      municipality=rows["school_id"].map(registry["municipality"]),
                      closed=pd.to_datetime(rows["closed"]).dt.date)
    out["closed"] = out["closed"].astype(object).where(out["closed"].notna(), None)
    return _order(out.reindex(columns=OLD_MOVE_COLUMNS), "move", OLD_MOVES,
                  ["municipality", "school_name", "platform", "chat_id"])


def department_moves(before: pd.DataFrame, after: pd.DataFrame,
                     before_ids: Mapping[str, frozenset[str]], after_ids: Mapping[str, frozenset[str]]
                     ) -> pd.DataFrame:
    """Per department chat (rows of :func:`department_chats` of two exports): present then and
    now, members of the expected roles then and now, how many of them joined since the base
    (``entered``) and how many are no longer there (``left``), by their ids
    (:func:`department_members`)."""
    old = before.set_index("chat_type")
    rows = []
    for _, chat in after.iterrows():
        kind = chat["chat_type"]
        then = old.loc[kind] if kind in old.index else None
        entered, left = moves.set_changes(sorted(before_ids.get(kind, frozenset())),
                                          sorted(after_ids.get(kind, frozenset())))
        rows.append({"chat_type": kind, "title": chat["title"],
                     "present_before": bool(then["present"]) if then is not None else False,
                     "present_after": bool(chat["present"]),
                     "joined_before": int(then["joined"]) if then is not None else 0,
                     "joined_after": int(chat["joined"]), "entered": len(entered), "left": len(left),
                     "expected": chat["expected"]})
    return pd.DataFrame(rows, columns=DEPARTMENT_MOVE_COLUMNS)


def municipality_moves(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's rank by the readiness index then and now (rows of
    :func:`municipality_readiness`), the move (positive: up, towards the most ready; NaN where
    it is in one export only), its index and status then and now. A municipality of the base only
    is listed with no rank now.

    Columns: :data:`MUNICIPALITY_MOVE_COLUMNS`; ranked as now, then those of the base only.
    """
    if after.empty and before.empty:
        return pd.DataFrame(columns=MUNICIPALITY_MOVE_COLUMNS)
    ranks = moves.rank_moves(before, after, key="oktmo")
    gone = before[~before["oktmo"].isin(after["oktmo"])]
    ranks = pd.concat([ranks, pd.DataFrame({"oktmo": gone["oktmo"], "rank_before": gone["rank"]})],
                      ignore_index=True)
    then, now = before.set_index("oktmo"), after.set_index("oktmo")
    names = pd.concat([now["municipality"], then["municipality"]])
    names = names[~names.index.duplicated()]
    out = ranks.assign(
        municipality=ranks["oktmo"].map(names),
        index_before=ranks["oktmo"].map(then["index"]).astype(float),
        index_after=ranks["oktmo"].map(now["index"]).astype(float),
        status_before=ranks["oktmo"].map(then["status"]),
        status_after=ranks["oktmo"].map(now["status"]),
    )
    for column in ("rank_before", "rank_after", "move"):
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    return out[MUNICIPALITY_MOVE_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class Changes:
    """What changed between the comparison base and the briefing's export (all empty, and
    ``base_date`` None, when there is no base)."""

    base_date: dt.date | None
    min_days: int  # the base is at least this many days older than the export
    region_before: pd.Series | None  # the region's sums at the base (:func:`region_readiness`)
    old_open_before: int | None  # chats open on the campaign's old platforms at the base
    schools: pd.DataFrame  # :func:`school_moves`
    old_chats: pd.DataFrame  # :func:`old_chat_moves`
    department: pd.DataFrame  # :func:`department_moves`
    municipalities: pd.DataFrame  # :func:`municipality_moves`

    @property
    def has_base(self) -> bool:
        return self.base_date is not None

    def schools_moved(self, move: str) -> pd.DataFrame:
        """The rows of :attr:`schools` that moved so (a value of :data:`SCHOOL_MOVES`)."""
        return self.schools[self.schools["move"] == move]

    @property
    def old_closed(self) -> pd.DataFrame:
        """Old-platform chats open at the base and closed (or gone from the export) since."""
        return self.old_chats[self.old_chats["move"] != "opened"]

    @property
    def old_opened(self) -> pd.DataFrame:
        """Old-platform chats open now that were not open at the base."""
        return self.old_chats[self.old_chats["move"] == "opened"]


def no_changes(min_days: int) -> Changes:
    """The changes when there is no comparison base: nothing to compare with."""
    return Changes(base_date=None, min_days=min_days, region_before=None, old_open_before=None,
                   schools=pd.DataFrame(columns=SCHOOL_MOVE_COLUMNS),
                   old_chats=pd.DataFrame(columns=OLD_MOVE_COLUMNS),
                   department=pd.DataFrame(columns=DEPARTMENT_MOVE_COLUMNS),
                   municipalities=pd.DataFrame(columns=MUNICIPALITY_MOVE_COLUMNS))


@dataclass(frozen=True)
class Export:
    """The figures of one chats export (the briefing's, or its comparison base)."""

    day: dt.date
    chats: pd.DataFrame
    members: pd.DataFrame
    moment: pd.Timestamp
    activity_date: dt.date | None
    parents_date: dt.date | None
    expected: dict[str, float]
    schools: pd.DataFrame
    department: pd.DataFrame
    department_ids: dict[str, frozenset[str]]
    municipalities: pd.DataFrame
    old: pd.DataFrame

    @property
    def old_open(self) -> int:
        """Chats open on the campaign's old platforms (the department's too)."""
        return int((self.old["state"] == "open").sum())

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        """The rows of the export the figures were made from (for the data hash)."""
        return (self.chats, self.members)


def export_on_or_before(frames: slices.Frames, on_or_before: dt.date | None, *,
                        campaign: Campaign, campaigns: Mapping[str, Campaign],
                        near: float) -> Export:
    """The figures of the chats export :func:`choose_export` picks on or before a day (None: the
    latest of the campaign's time)."""
    period = on_or_before.isoformat() if on_or_before else ""
    day = choose_export(frames["chats"]["snapshot_date"], campaign, campaigns, period)
    return _export(frames, day, campaign, near)


def _export(frames: slices.Frames, day: dt.date, campaign: Campaign, near: float) -> Export:
    """The figures of the export of ``day`` (the monitoring and parents at their nearest dates)."""
    chats = of_export(frames["chats"], day)
    members = of_export(frames["chat_members"], day)[MEMBER_COLUMNS]
    monitoring, parent_counts = frames["school_activity"], parents_per_date(frames["parents"])
    moment = export_moment(members, day)
    activity_date = nearest_date(monitoring["snapshot_date"], day)
    at_date = of_export(monitoring, activity_date) if activity_date else monitoring.iloc[0:0]
    parents_date = nearest_date(parent_counts["snapshot_date"], day)
    parents_total = (int(of_export(parent_counts, parents_date)["parents"].sum())
                     if parents_date else None)
    expected = expected_by_role(at_date, parents_total, len(frames["municipalities"]))
    activity = chat_activity(members, moment, campaign.active_days)
    schools = school_readiness(frames["schools"], chats, activity, campaign, near)
    return Export(
        day=day, chats=chats, members=members, moment=moment, activity_date=activity_date,
        parents_date=parents_date, expected=expected, schools=schools,
        department=department_chats(chats, members, campaign, expected, moment, near),
        department_ids=department_members(chats, members, campaign, moment),
        municipalities=municipality_readiness(schools, frames["municipalities"], near),
        old=old_chats(chats, campaign))


def export_changes(before: Export | None, after: Export, *, near: float, min_days: int) -> Changes:
    """The :class:`Changes` from the base's figures to the export's (none without a base)."""
    if before is None:
        return no_changes(min_days)
    return Changes(
        base_date=before.day, min_days=min_days,
        region_before=region_readiness(before.schools, near),
        old_open_before=before.old_open,
        schools=school_moves(before.schools, after.schools),
        old_chats=old_chat_moves(before.old, after.old, after.schools),
        department=department_moves(before.department, after.department, before.department_ids,
                                    after.department_ids),
        municipalities=municipality_moves(before.municipalities, after.municipalities),
    )


# --- the briefing ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Readiness:
    """Everything the migration-readiness briefing shows, for one region, campaign and export."""

    region_code: str
    region_name: str
    campaign: Campaign
    snapshot_date: dt.date
    moment: pd.Timestamp  # the export moment activity is counted from
    activity_date: dt.date | None  # school monitoring date of the expected directors/teachers/pupils
    parents_date: dt.date | None  # parents' registry date of the expected parents
    later_campaign: str  # title of a later campaign the export falls in ('' when none)
    targets: ind.Targets
    department: pd.DataFrame
    seen_ages: pd.DataFrame
    chat_types: pd.DataFrame
    schools: pd.DataFrame
    municipalities: pd.DataFrame
    region: pd.Series
    old_platforms: pd.DataFrame
    roles: pd.DataFrame
    changes: Changes  # since the comparison base (:func:`in_campaign`)
    data_hash: str

    @property
    def not_ready(self) -> pd.DataFrame:
        return self.schools[~self.schools["ready"]]

    @property
    def ready_status(self) -> ind.Status:
        """The share of ready schools against all of them."""
        return ind.status(self.region["ready_share"], READY, near=self.targets.near)

    @property
    def staff_k1(self) -> float:
        """K1 on the target platform (see :func:`staff_activity`)."""
        return staff_activity(self.roles)

    @property
    def staff_k1_status(self) -> ind.Status:
        """K1 on the target platform against the K1 target."""
        goal = self.targets.k1
        return ind.status(self.staff_k1, goal.value, strict=goal.strict, near=self.targets.near)

    @property
    def days_after_cutover(self) -> int:
        return (self.snapshot_date - self.campaign.cutover).days

    @property
    def old_in_campaign(self) -> pd.DataFrame:
        """The rows of :attr:`old_platforms` of the campaign's old platforms."""
        return self.old_platforms[self.old_platforms["in_campaign"]]

    @property
    def old_status(self) -> ind.Status:
        """The campaign's old chats: none may be open from the cut-over on (:func:`old_chats_status`)."""
        old = self.old_in_campaign
        return old_chats_status(int(old["open"].sum()), int(old["chats"].sum()), self.snapshot_date,
                                self.campaign.cutover, self.targets.near)


def _later_campaign(campaign: Campaign, campaigns: Mapping[str, Campaign], day: dt.date) -> str:
    later = [c for c in campaigns.values() if campaign.start < c.start <= day]
    return max(later, key=lambda c: c.start).title if later else ""


def build(frames: slices.Frames, *, region_code: str, campaign: str, targets: ind.Targets,
          campaigns: Mapping[str, Campaign], regions: pd.DataFrame, period: str = "") -> Readiness:
    """All figures of the briefing (pure: the frames of ``READS`` and the params in).

    The chats export is chosen by :func:`choose_export` from ``period`` and ``campaigns`` (the
    campaigns of ``params/campaigns.yml``, which bound a campaign's time); the member lists are
    that export's; the school monitoring and the parents' registry are taken at their dates
    nearest to it. The same figures of the comparison base (the latest export of the campaign's
    time at least ``changes.base_min_days`` older) give :attr:`Readiness.changes`.

    Args:
        frames: the region's rows of the tables of ``READS`` (every export).
        region_code: the region.
        campaign: the id of the campaign of ``campaigns`` the briefing is about.
        targets: the targets of ``params/targets.yml``.
        campaigns: the campaigns of ``params/campaigns.yml``.
        regions: the regions' reference (the region's name).
        period: ISO date; the latest export on or before it ('' = of the campaign's time).

    Raises:
        ValueError: the campaign is unknown, the region has no chats export, or none fits
            (see :func:`choose_export`).
    """
    chosen = campaign_by_id(campaign, campaigns)
    near = targets.near
    if frames["chats"].empty:
        raise DataMissing(f"В хранилище нет выгрузок чатов региона {region_code} / "
                         "no chats exports of the region")
    compared = skeleton.now_and_base(
        frames, period=period, min_days=targets.changes_base_days,
        dates=frames["chats"]["snapshot_date"],
        snapshot=partial(export_on_or_before, campaign=chosen, campaigns=campaigns, near=near),
        compare=partial(export_changes, near=near, min_days=targets.changes_base_days),
        candidate=partial(in_campaign, chosen),
        read=(frames["schools"], frames["municipalities"], frames["school_activity"],
              parents_per_date(frames["parents"])))
    now = compared.now
    day, chats, members, schools = now.day, now.chats, now.members, now.schools
    return Readiness(
        region_code=region_code,
        region_name=skeleton.region_name(regions, region_code),
        campaign=chosen,
        snapshot_date=day,
        moment=now.moment,
        activity_date=now.activity_date,
        parents_date=now.parents_date,
        later_campaign=_later_campaign(chosen, campaigns, day),
        targets=targets,
        department=now.department,
        seen_ages=seen_age_histogram(chats, members, chosen, now.moment),
        chat_types=chat_type_summary(schools, chosen, near),
        schools=schools,
        municipalities=now.municipalities,
        region=region_readiness(schools, near),
        old_platforms=old_chats_by_platform(chats, chosen),
        roles=role_coverage(chats, members, chosen, now.expected, now.moment),
        changes=compared.changes,
        data_hash=compared.data_hash,
    )


def campaign_by_id(campaign_id: str, campaigns: Mapping[str, Campaign]) -> Campaign:
    """The campaign of ``params/campaigns.yml`` with this id (a clear error when unknown)."""
    if campaign_id not in campaigns:
        raise BadInput(f"Кампания «{campaign_id}» не найдена в params/campaigns.yml; есть: "
                         f"{', '.join(campaigns)} / unknown campaign")
    return campaigns[campaign_id]


def load(region_code: str = "35", campaign: str = "telegram_to_sferum_2024", period: str = "",
         warehouse_path: Path | None = None) -> Readiness:
    """The briefing's figures from the warehouse (``WAREHOUSE``; ``PERIOD`` when ``period`` is
    empty; with neither, the latest chats export of the campaign's time — see :func:`choose_export`).

    Reads the region's rows of the tables of ``READS`` (every export), then :func:`build`.
    """
    return skeleton.load(KIND, build, period=period, warehouse_path=warehouse_path,
                         require=("schools",), region_code=region_code, campaign=campaign)
