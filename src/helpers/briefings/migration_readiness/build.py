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
5. coverage of the roles of the seed's model (director, teacher, pupil, parent).

Definitions (the methodology appendix prints them from the same constants):

- *export moment*: the chats export has a date only; the moment is the latest «last seen» of the
  export on that day (a member «в сети» when the list was taken), else the end of the day
  (23:59, as the data contract counts «last seen» texts);
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

``build_readiness`` is pure (frames in, :class:`Readiness` out); ``load_readiness`` reads the
warehouse; the ``*_table``/``*_chart``/``*_html`` functions shape the results for display.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from helpers.config import settings
from helpers.indicators import kpis as ind
from helpers.indicators.campaigns import Campaign, load_campaigns
from helpers.ingestion.contract.forms import PLATFORMS
from helpers.presentation import charts
from helpers.presentation.tables import KeyFigure, status_label
from helpers.vocabulary import fmt_date, fmt_date_short, fmt_int, fmt_percent
from helpers.warehouse import slices, store
from helpers.warehouse.reference import region_names

ACTIVE_MEMBERS_MIN = 1
"""A chat is active when at least this many of its members are active."""

READY = 1.0
"""The readiness target of a school, a municipality and the region: 100 %."""

MODEL_ROLES = ("director", "teacher", "pupil", "parent")
"""The roles of the seed's model of a school on the platform (slide «Модель работы ОО»)."""

ROLE_LABELS = {"director": "Директора", "teacher": "Педагоги", "pupil": "Обучающиеся",
               "parent": "Родители", "omsu": "Сотрудники ОМСУ",
               "department": "Сотрудники департамента"}
ROLE_CHATS = {
    "director": "общешкольный, сотрудников, классов; чат департамента с директорами",
    "teacher": "классов, сотрудников, родителей классов",
    "pupil": "общешкольный и своего класса (по приглашению)",
    "parent": "родителей своего класса (по приглашению)",
}
CHAT_TYPE_LABELS = {"school": "Общешкольный чат", "staff": "Чат сотрудников",
                    "class": "Чаты классов", "parents": "Чаты родителей классов",
                    "dept_directors": "Чат департамента с директорами",
                    "dept_omsu": "Чат департамента с ОМСУ"}
MISSING_LABELS = {"school": "Нет общешк. чата", "staff": "Нет чата сотр.",
                  "class": "Нет чатов классов", "parents": "Нет чатов родит."}
PLATFORM_LABELS = {"sferum": "Сферум (VK Мессенджер)"}

OLD_STATES = ("closed_on_time", "closed_late", "open")


def platform_label(code: str) -> str:
    """``telegram`` → «Telegram»; ``sferum`` → «Сферум (VK Мессенджер)»."""
    return PLATFORM_LABELS.get(code) or PLATFORMS.labels.get(code, code)


def platforms_label(codes: Iterable[str]) -> str:
    return ", ".join(platform_label(c) for c in codes)


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
            raise ValueError(f"Нет выгрузки чатов на {fmt_date_short(limit)} или раньше "
                             f"(есть: {known}) / no chats export on or before {period}")
        if before[-1] < campaign.start:
            raise ValueError(f"Выгрузка чатов {fmt_date_short(before[-1])} раньше начала кампании "
                             f"«{campaign.title}» ({fmt_date_short(campaign.start)}); выгрузки: "
                             f"{known} / export precedes the campaign start")
        return before[-1]
    end = _next_start(campaign, campaigns)
    inside = [d for d in days if d >= campaign.start and (end is None or d < end)]
    if not inside:
        until = f" по {fmt_date_short(end - dt.timedelta(days=1))}" if end else ""
        raise ValueError(f"Нет выгрузки чатов за время кампании «{campaign.title}» "
                         f"(с {fmt_date_short(campaign.start)}{until}); выгрузки: {known}. "
                         "Укажите period / no chats export within the campaign")
    return inside[-1]


def export_moment(members: pd.DataFrame, day: dt.date) -> pd.Timestamp:
    """When the member lists were taken: their latest «last seen» on ``day``, else 23:59 of it."""
    end = pd.Timestamp(day) + pd.Timedelta(hours=23, minutes=59)
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


def age_bins(active_days: int) -> list[tuple[str, int, float, bool]]:
    """Bins of whole days since the last visit: one per day of the activity window, then wider.

    Each bin is ``(label, first day, day after the last, within the activity window)``.
    """
    bins: list[tuple[str, int, float, bool]] = [(str(d), d, d + 1, True) for d in range(active_days)]
    edges = sorted({e for e in (2 * active_days, 30, 90) if e > active_days})
    low = active_days
    for edge in edges:
        bins.append((f"{low}–{edge - 1}" if edge - 1 > low else str(low), low, edge, False))
        low = edge
    bins.append((f"{low} и более", low, math.inf, False))
    return bins


NEVER_SEEN = "нет данных"


def seen_age_histogram(chats: pd.DataFrame, members: pd.DataFrame, campaign: Campaign,
                       moment: pd.Timestamp) -> pd.DataFrame:
    """Members of each department chat on the target platform by whole days since their last
    visit (all roles): ``chat, bin, order, active, members, share`` (share of the chat's members)."""
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
        counts = [(label, int(((days >= lo) & (days < hi)).sum()), within)
                  for label, lo, hi, within in bins]
        counts.append((NEVER_SEEN, int(days.isna().sum()), False))
        for order, (label, count, within) in enumerate(counts):
            rows.append({"chat": spec.title, "bin": label, "order": order, "active": within,
                         "members": count, "share": count / total if total else math.nan})
    return pd.DataFrame(rows, columns=["chat", "bin", "order", "active", "members", "share"])


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
    """Per required chat type (and all together): required, present, active and their shares;
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


def old_chats_status(open_chats: int, chats: int, day: dt.date, cutover: dt.date,
                     near: float = 0.8) -> ind.Status:
    """From the cut-over date on, any open old chat is behind (the deadline has passed); before it,
    the share of old chats already closed against 100 %."""
    if day >= cutover:
        return "met" if open_chats == 0 else "behind"
    return ind.status((chats - open_chats) / chats if chats else READY, READY, near=near)


def staff_activity(roles: pd.DataFrame) -> float:
    """K1 on the target platform: active directors and teachers / expected directors and teachers."""
    staff = roles[roles["role"].isin(["director", "teacher"])]
    expected = staff["expected"].sum()
    return float(staff["active"].sum() / expected) if expected > 0 else math.nan


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
    data_hash: str

    @property
    def not_ready(self) -> pd.DataFrame:
        return self.schools[~self.schools["ready"]]

    @property
    def staff_k1(self) -> float:
        return staff_activity(self.roles)

    @property
    def days_after_cutover(self) -> int:
        return (self.snapshot_date - self.campaign.cutover).days


@dataclass(frozen=True)
class Slices:
    """The warehouse rows a briefing reads, each already limited to the region (and export)."""

    schools: pd.DataFrame
    municipalities: pd.DataFrame
    chats: pd.DataFrame  # the chats export of the briefing's date
    members: pd.DataFrame  # the member lists of that export
    activity: pd.DataFrame  # the school monitoring, every date
    parent_counts: pd.DataFrame  # snapshot_date, parents: the parents' registry size per date


def _later_campaign(campaign: Campaign, campaigns: Mapping[str, Campaign], day: dt.date) -> str:
    later = [c for c in campaigns.values() if campaign.start < c.start <= day]
    return max(later, key=lambda c: c.start).title if later else ""


def build_readiness(data: Slices, *, region_code: str, campaign: Campaign, day: dt.date,
                    campaigns: Mapping[str, Campaign] | None = None,
                    targets: ind.Targets | None = None, region_name: str = "") -> Readiness:
    """All figures of the briefing for the chats export of ``day`` (pure: frames in)."""
    targets = targets or ind.load_targets()
    near = targets.near
    chats, members = data.chats, data.members
    moment = export_moment(members, day)
    activity_date = nearest_date(data.activity["snapshot_date"], day)
    at_date = data.activity[pd.to_datetime(data.activity["snapshot_date"]) == pd.Timestamp(activity_date)] \
        if activity_date else data.activity.iloc[0:0]
    parents_date = nearest_date(data.parent_counts["snapshot_date"], day)
    parents_total = (int(data.parent_counts.loc[pd.to_datetime(data.parent_counts["snapshot_date"])
                                                == pd.Timestamp(parents_date), "parents"].sum())
                     if parents_date else None)
    expected = expected_by_role(at_date, parents_total, len(data.municipalities))
    activity = chat_activity(members, moment, campaign.active_days)
    schools = school_readiness(data.schools, chats, activity, campaign, near)
    return Readiness(
        region_code=region_code,
        region_name=region_name or region_code,
        campaign=campaign,
        snapshot_date=day,
        moment=moment,
        activity_date=activity_date,
        parents_date=parents_date,
        later_campaign=_later_campaign(campaign, campaigns or {}, day),
        targets=targets,
        department=department_chats(chats, members, campaign, expected, moment, near),
        seen_ages=seen_age_histogram(chats, members, campaign, moment),
        chat_types=chat_type_summary(schools, campaign, near),
        schools=schools,
        municipalities=municipality_readiness(schools, data.municipalities, near),
        region=region_readiness(schools, near),
        old_platforms=old_chats_by_platform(chats, campaign),
        roles=role_coverage(chats, members, campaign, expected, moment),
        data_hash=slices.frames_hash(data.schools, data.municipalities, chats, members,
                                       data.activity, data.parent_counts),
    )


def campaign_by_id(campaign_id: str, campaigns: Mapping[str, Campaign]) -> Campaign:
    """The campaign of ``params/campaigns.yml`` with this id (a clear error when unknown)."""
    if campaign_id not in campaigns:
        raise ValueError(f"Кампания «{campaign_id}» не найдена в params/campaigns.yml; есть: "
                         f"{', '.join(campaigns)} / unknown campaign")
    return campaigns[campaign_id]


def load_readiness(region_code: str = "35", campaign: str = "telegram_to_sferum_2024",
                   period: str = "", warehouse_path: Path | None = None) -> Readiness:
    """The briefing's figures from the warehouse (``WAREHOUSE``; ``PERIOD`` when ``period`` is
    empty; with neither, the latest chats export of the campaign's time — see :func:`choose_export`).

    Reads only the region's rows of ``schools``, ``municipalities``, ``chats``, ``chat_members``
    (of the chosen export), ``school_activity`` and ``parents`` (counted per date).
    """
    config = settings()
    path = warehouse_path or config.warehouse
    campaigns = load_campaigns()
    chosen = campaign_by_id(campaign, campaigns)
    with store.connect(path) as con:
        dates = con.execute("SELECT DISTINCT snapshot_date FROM chats WHERE region_code = ?",
                            [region_code]).df()["snapshot_date"]
        if dates.empty:
            raise ValueError(f"В хранилище нет выгрузок чатов региона {region_code} / "
                             "no chats exports of the region")
        day = choose_export(dates, chosen, campaigns, period or config.period)

        def rows(table: str, columns: str = "*", dated: bool = False) -> pd.DataFrame:
            where = "region_code = ?" + (" AND snapshot_date = ?" if dated else "")
            frame = con.execute(f"SELECT {columns} FROM {table} WHERE {where}",
                                [region_code, day] if dated else [region_code]).df()
            return frame.drop(columns=["source_file"], errors="ignore")

        data = Slices(
            schools=rows("schools"),
            municipalities=rows(store.MUNICIPALITIES_TABLE),
            chats=rows("chats", dated=True),
            members=rows("chat_members", "chat_id, member_id, role, last_seen", dated=True),
            activity=rows("school_activity"),
            parent_counts=con.execute(
                "SELECT snapshot_date, count(*) AS parents FROM parents WHERE region_code = ? "
                "GROUP BY snapshot_date ORDER BY snapshot_date", [region_code]).df(),
        )
    return build_readiness(data, region_code=region_code, campaign=chosen, day=day,
                           campaigns=campaigns, region_name=region_names().get(region_code, ""))


# --- shaped for display ----------------------------------------------------------------------

SHORT_KINDS = (("муниципальный округ", "м.о."), ("муниципальный район", "м.р."),
               ("городской округ", "г.о."))


def short_municipality(name: str) -> str:
    """«Вологодский муниципальный округ» → «Вологодский м.о.» (for charts and long lists)."""
    for long, short in SHORT_KINDS:
        name = name.replace(long, short)
    return name


def _days(count: int) -> str:
    tail = count % 100
    if 11 <= tail <= 14:
        return f"{count} дней"
    return f"{count} " + {1: "день", 2: "дня", 3: "дня", 4: "дня"}.get(count % 10, "дней")


def _when_vs_cutover(readiness: Readiness) -> str:
    days = readiness.days_after_cutover
    if days > 0:
        return f"через {_days(days)} после даты перехода"
    if days == 0:
        return "в день перехода"
    return f"за {_days(-days)} до даты перехода"


def lead_html(readiness: Readiness) -> str:
    """The lines under the title: campaign, platforms, dates, the export and the region's size."""
    campaign, region = readiness.campaign, readiness.region
    later = (" Выгрузка относится уже к следующей кампании "
             f"({html.escape(readiness.later_campaign)}); показатели посчитаны по условиям выбранной "
             "кампании." if readiness.later_campaign else "")
    old = html.escape(platforms_label(campaign.from_platforms))
    return (
        f'<p class="lead"><strong>{html.escape(readiness.region_name)}</strong>. Кампания: '
        f"{html.escape(campaign.title)} — с платформ {old} "
        f"на <strong>{html.escape(platform_label(campaign.to_platform))}</strong>. Чаты на прежних "
        f"платформах закрываются с {fmt_date(campaign.cutover)}, с "
        f"{fmt_date(campaign.target_only_from)} работа только на целевой платформе.</p>"
        '<p class="lead">Выгрузка чатов и участников на '
        f"<strong>{fmt_date(readiness.snapshot_date)}</strong> "
        f"({_when_vs_cutover(readiness)}). Школ в реестре: {fmt_int(region['schools'])}, "
        f"муниципальных образований со школами: {fmt_int(len(readiness.municipalities))}; "
        f"обязательных чатов школ: {fmt_int(region['required'])}. Активным считается участник, "
        f"заходивший в чат за последние {_days(campaign.active_days)}.{later}</p>"
    )


def key_figures(readiness: Readiness) -> list[KeyFigure]:
    """The first page: the region's readiness index, ready schools, chats, old chats, department."""
    region, campaign, near = readiness.region, readiness.campaign, readiness.targets.near
    target = platform_label(campaign.to_platform)
    types = readiness.chat_types.set_index("chat_type")
    old = readiness.old_platforms[readiness.old_platforms["in_campaign"]]
    old_total, old_open = int(old["chats"].sum()), int(old["open"].sum())
    old_status = old_chats_status(old_open, old_total, readiness.snapshot_date, campaign.cutover, near)
    figures = [
        KeyFigure("Индекс готовности региона к переходу", fmt_percent(region["index"]), "100 %",
                  region["status"], note=f"целевая платформа: {target}"),
        KeyFigure("Школы, готовые к переходу", f"{fmt_int(region['ready_schools'])} из "
                  f"{fmt_int(region['schools'])}", "все школы",
                  ind.status(region["ready_share"], READY, near=near),
                  note=f"доля: {fmt_percent(region['ready_share'])}"),
        KeyFigure(f"Обязательные чаты школ созданы и активны ({target})",
                  fmt_percent(types.loc["all", "active_share"]), "100 %", types.loc["all", "status"],
                  note=f"созданы: {fmt_int(types.loc['all', 'present'])} из "
                       f"{fmt_int(types.loc['all', 'required'])}"),
        KeyFigure(f"Чаты на прежних платформах ({platforms_label(campaign.from_platforms)}) открыты",
                  fmt_int(old_open), "0", old_status,
                  note=f"закрыто {fmt_int(old_total - old_open)} из {fmt_int(old_total)}; "
                       f"после даты перехода — {fmt_int(int(old['closed_late'].sum()))}"),
    ]
    for _, chat in readiness.department.iterrows():
        figures.append(KeyFigure(
            f"Чат «{chat['title']}»: вступили", f"{fmt_int(chat['joined'])} из {fmt_int(chat['expected'])}",
            "все", chat["status"],
            note=(f"активны за {_days(campaign.active_days)}: {fmt_percent(chat['active_share'])}"
                  if chat["present"] else f"чат на платформе {target} не создан")))
    return figures


def _roles_text(roles: Iterable[str]) -> str:
    return ", ".join(ROLE_LABELS.get(r, r).lower() for r in roles)


def _old_state(chat: pd.Series) -> str:
    if not chat["old_chats"]:
        return "нет"
    if chat["old_open"]:
        return "открыт"
    return f"закрыт {fmt_date_short(chat['old_closed'])}" if chat["old_closed"] else "закрыт"


def active_header(readiness: Readiness) -> str:
    return f"Активны за {_days(readiness.campaign.active_days)}"


def department_formats(readiness: Readiness) -> dict[str, str]:
    return {"Ожидается": "int", "Вступили": "int", "Охват": "percent",
            active_header(readiness): "int", "Доля активных": "percent"}


def department_table(readiness: Readiness) -> pd.DataFrame:
    """The department's chats on the target platform: joined vs expected, activity, old chat."""
    dept = readiness.department
    roles = {c.chat_type: c.expected_roles for c in readiness.campaign.department_chats}
    return pd.DataFrame({
        "Чат": [f"«{t}»" for t in dept["title"]],
        "Создан": [fmt_date_short(d) if d else "не создан" for d in dept["created"]],
        "Кто ожидается": [_roles_text(roles[t]) for t in dept["chat_type"]],
        "Ожидается": dept["expected"],
        "Вступили": dept["joined"],
        "Охват": dept["coverage"],
        "Статус": dept["status"].map(status_label),
        active_header(readiness): dept["active"],
        "Доля активных": dept["active_share"],
        "Прежний чат": [_old_state(row) for _, row in dept.iterrows()],
    })


def department_title(readiness: Readiness) -> str:
    return (f"Чаты департамента на платформе {platform_label(readiness.campaign.to_platform)}: "
            "участники ожидаемых ролей")


def department_note_html(readiness: Readiness) -> str:
    """How many people each department chat lists in all (the expected roles are a part)."""
    parts = [f"«{html.escape(row['title'])}» — {fmt_int(row['listed'])}"
             for _, row in readiness.department.iterrows() if row["present"]]
    if not parts:
        return ""
    return ("<p>Всего в списках участников (все роли, включая сотрудников департамента и ОМСУ): "
            + "; ".join(parts) + ".</p>")


def seen_ages_chart(readiness: Readiness) -> Figure:
    return charts.age_histogram(readiness.seen_ages, title="Давность последнего визита участников",
                                active_label=f"активны (за {_days(readiness.campaign.active_days)})")


def seen_ages_caption(readiness: Readiness) -> str:
    return (f"Участники чатов департамента на платформе {platform_label(readiness.campaign.to_platform)} "
            f"по числу полных дней с последнего визита до момента выгрузки "
            f"({readiness.moment:%d.%m.%Y %H:%M}), доля от участников чата")


def show_seen_ages(readiness: Readiness) -> None:
    """The last-seen histogram of the department's chats (a line instead when none is on the
    target platform yet)."""
    from IPython.display import HTML, display

    if readiness.seen_ages.empty:
        display(HTML(f"<p>Чатов департамента на платформе "
                     f"{html.escape(platform_label(readiness.campaign.to_platform))} в выгрузке нет.</p>"))
        return
    charts.show(seen_ages_chart(readiness), seen_ages_caption(readiness))


CHAT_TYPE_FORMATS = {"Требуется": "int", "Созданы": "int", "Созданы, доля": "percent",
                     "Активны": "int", "Активны, доля": "percent"}


def chat_types_table(readiness: Readiness) -> pd.DataFrame:
    """Required chats of the region's schools by type: required, present, active."""
    rows = readiness.chat_types
    labels = {**CHAT_TYPE_LABELS, "all": "Все обязательные чаты"}
    return pd.DataFrame({
        "Чаты": rows["chat_type"].map(labels),
        "Требуется": rows["required"],
        "Созданы": rows["present"],
        "Созданы, доля": rows["present_share"],
        "Активны": rows["active"],
        "Активны, доля": rows["active_share"],
        "Статус": rows["status"].map(status_label),
    })


def chat_types_title(readiness: Readiness) -> str:
    return (f"Обязательные чаты школ на платформе {platform_label(readiness.campaign.to_platform)}: "
            f"созданы и активны (хотя бы {ACTIVE_MEMBERS_MIN} участник заходил за "
            f"{_days(readiness.campaign.active_days)})")


OLD_FORMATS = {"Чатов в выгрузке": "int", "Закрыты в срок": "int", "Закрыты после даты перехода": "int",
               "Открыты": "int"}


def old_platforms_table(readiness: Readiness) -> pd.DataFrame:
    """Chats on the old platforms by state; other non-target platforms with open chats below."""
    rows = readiness.old_platforms
    names = [platform_label(p) + ("" if inside else " (вне кампании)")
             for p, inside in zip(rows["platform"], rows["in_campaign"], strict=True)]
    return pd.DataFrame({
        "Платформа": names,
        "Чатов в выгрузке": rows["chats"],
        "Закрыты в срок": rows["closed_on_time"],
        "Закрыты после даты перехода": rows["closed_late"],
        "Открыты": rows["open"],
    })


def old_platforms_title(readiness: Readiness) -> str:
    return (f"Чаты на прежних платформах на {fmt_date_short(readiness.snapshot_date)} "
            f"(дата перехода — {fmt_date_short(readiness.campaign.cutover)})")


def old_platforms_html(readiness: Readiness) -> str:
    """One paragraph: how many old chats are open, in how many schools, and the others."""
    rows = readiness.old_platforms
    inside, outside = rows[rows["in_campaign"]], rows[~rows["in_campaign"]]
    schools = readiness.schools
    text = ("<p>На прежних платформах кампании открыто "
            f"<strong>{fmt_int(int(inside['open'].sum()))}</strong> "
            f"чатов в {fmt_int(int((schools['old_open'] > 0).sum()))} школах из {fmt_int(len(schools))}; "
            "каждый такой чат снижает индекс готовности школы (см. методику).")
    if len(outside):
        text += (f" Кроме того, открыто {fmt_int(int(outside['open'].sum()))} чатов на платформах, "
                 f"не входящих в кампанию ({html.escape(platforms_label(outside['platform']))}); "
                 "в индексе они не учитываются.")
    return text + "</p>"


MUNICIPALITY_FORMATS = {"Место": "int", "Школ": "int", "Готовы": "int", "Требуется чатов": "int",
                        "Активны": "int", "Открыто на прежних": "int", "Индекс": "percent"}


def municipality_table(readiness: Readiness) -> pd.DataFrame:
    """Municipalities ranked by the readiness index (1 = most ready)."""
    rows = readiness.municipalities
    return pd.DataFrame({
        "Место": rows["rank"],
        "Муниципальное образование": rows["municipality"].map(short_municipality),
        "Школ": rows["schools"],
        "Готовы": rows["ready_schools"],
        "Требуется чатов": rows["required"],
        "Активны": rows["active"],
        "Открыто на прежних": rows["old_open"],
        "Индекс": rows["index"],
        "Статус": rows["status"].map(status_label),
    })


def municipality_chart(readiness: Readiness) -> Figure:
    rows = readiness.municipalities.assign(
        label=readiness.municipalities["municipality"].map(short_municipality))
    return charts.category_bars(rows, label="label", value="index", title="Индекс готовности",
                                target=READY, status="status")


def municipality_caption(readiness: Readiness) -> str:
    return (f"Индекс готовности муниципальных образований к переходу на платформу "
            f"{platform_label(readiness.campaign.to_platform)}; пунктир — цель 100 %")


NOT_READY_FORMATS = {"Индекс": "percent", "Неактивных чатов": "int", "Открыто на прежних": "int",
                     **{label: "int" for label in MISSING_LABELS.values()}}


def not_ready_table(readiness: Readiness) -> pd.DataFrame:
    """Schools not ready, the least ready first: what each misses, in counts."""
    rows = readiness.not_ready.sort_values(["index", "municipality", "school_name"])
    types = [*readiness.campaign.school_chats, *readiness.campaign.class_chats]
    missing = {MISSING_LABELS.get(t, f"Нет: {t}"): rows[f"required_{t}"] - rows[f"present_{t}"]
               for t in types}
    return pd.DataFrame({
        "МО": rows["municipality"].map(short_municipality),
        "Школа": rows["school_name"],
        "Индекс": rows["index"],
        **missing,
        "Неактивных чатов": rows["present"] - rows["active"],
        "Открыто на прежних": rows["old_open"],
    }).reset_index(drop=True)


def not_ready_title(readiness: Readiness) -> str:
    behind = int((readiness.not_ready["status"] == "behind").sum())
    return (f"Школы, не готовые к переходу: {fmt_int(len(readiness.not_ready))} из "
            f"{fmt_int(len(readiness.schools))}, из них с индексом ниже "
            f"{fmt_percent(readiness.targets.near, 0)} — {fmt_int(behind)}; число не созданных "
            "обязательных чатов, созданных, но неактивных, и открытых на прежних платформах")


def roles_formats(readiness: Readiness) -> dict[str, str]:
    return {"Ожидается": "int", "На платформе": "int", "Охват": "percent",
            active_header(readiness): "int", "Активны от ожидаемых": "percent"}


def roles_table(readiness: Readiness) -> pd.DataFrame:
    """Coverage of the model's roles on the target platform."""
    rows = readiness.roles
    return pd.DataFrame({
        "Роль": rows["role"].map(ROLE_LABELS),
        "Чаты по модели": rows["role"].map(ROLE_CHATS),
        "Ожидается": rows["expected"],
        "На платформе": rows["joined"],
        "Охват": rows["coverage"],
        active_header(readiness): rows["active"],
        "Активны от ожидаемых": rows["active_of_expected"],
    })


def roles_title(readiness: Readiness) -> str:
    when = (f" (мониторинг на {fmt_date_short(readiness.activity_date)}, реестр родителей на "
            f"{fmt_date_short(readiness.parents_date)})" if readiness.activity_date and readiness.parents_date
            else "")
    return (f"Участники чатов на платформе {platform_label(readiness.campaign.to_platform)} по ролям "
            f"модели работы школы и ожидаемая численность{when}")


def roles_html(readiness: Readiness) -> str:
    """K1 on the target platform (active directors and teachers / all of them) against its target."""
    k1, goal = readiness.staff_k1, readiness.targets.k1
    state = ind.status(k1, goal.value, strict=goal.strict, near=readiness.targets.near)
    return (f"<p>Доля директоров и педагогов, активных в чатах на платформе "
            f"{html.escape(platform_label(readiness.campaign.to_platform))} за "
            f"{_days(readiness.campaign.active_days)}, от их общего числа: "
            f"<strong>{fmt_percent(k1)}</strong> (цель K1 — "
            f"{'более' if goal.strict else 'не менее'} {fmt_percent(goal.value, 0)}): "
            f"<strong>{status_label(state)}</strong>.</p>")


def methodology_html(readiness: Readiness) -> str:
    """Definitions, the campaign's parameters, dates and sources, for the appendix."""
    campaign, near = readiness.campaign, fmt_percent(readiness.targets.near, 0)
    school_types = ", ".join(CHAT_TYPE_LABELS[t].lower() for t in campaign.school_chats)
    class_types = ", ".join(CHAT_TYPE_LABELS[t].lower() for t in campaign.class_chats)
    activity = (f"на {fmt_date(readiness.activity_date)}" if readiness.activity_date else "нет данных")
    parents = (f"на {fmt_date(readiness.parents_date)}" if readiness.parents_date else "нет данных")
    dept = "; ".join(f"«{html.escape(c.title)}» — {_roles_text(c.expected_roles)}"
                     for c in campaign.department_chats)
    items = [
        f"<b>Кампания</b>: {html.escape(campaign.title)} (params/campaigns.yml, id "
        f"<code>{campaign.id}</code>). Начало — {fmt_date(campaign.start)}; прежние платформы — "
        f"{html.escape(platforms_label(campaign.from_platforms))}; целевая — "
        f"{html.escape(platform_label(campaign.to_platform))}; закрытие чатов на прежних платформах — "
        f"{fmt_date(campaign.cutover)}; работа только на целевой платформе — с "
        f"{fmt_date(campaign.target_only_from)}; окно активности — {_days(campaign.active_days)}.",
        f"<b>Выгрузка.</b> Берётся последняя выгрузка чатов не позднее параметра period; без него — "
        f"последняя выгрузка за время кампании (от её начала до начала следующей); здесь — "
        f"{fmt_date(readiness.snapshot_date)} Момент выгрузки — последнее время визита участника в этот "
        f"день ({readiness.moment:%d.%m.%Y %H:%M}), иначе 23:59 дня выгрузки.",
        f"<b>Активный участник</b> — заходил в чат менее {campaign.active_days}×24 ч до момента выгрузки; "
        "участник без времени визита («давно», «никогда») неактивен. <b>Активный чат</b> — чат, в котором "
        f"активен хотя бы {ACTIVE_MEMBERS_MIN} участник; чат без списка участников неактивен.",
        f"<b>Чаты департамента</b>: {dept}. Ожидается: директоров — руководителей ОО по мониторингу по "
        "школам; сотрудников ОМСУ — по одному на муниципальное образование региона. Охват — вступившие "
        "участники ожидаемых ролей / ожидаемое число (не более 100 %); доля активных — от вступивших.",
        f"<b>Обязательные чаты школы</b>: на школу — {school_types}; на каждый класс — {class_types}. "
        "Число классов — из реестра ОО («Количество классов»): он не зависит от даты, а названия классов "
        "в реестре «Ученики» меняются с каждым учебным годом. Чаты класса засчитываются по числу "
        "разных классов школы, для которых чат есть, но не больше числа классов. Чат <b>создан</b> — "
        "на целевой платформе и не закрыт на дату выгрузки.",
        f"<b>Чаты на прежних платформах</b> — чаты школ и департамента на платформах "
        f"{html.escape(platforms_label(campaign.from_platforms))}: закрыты в срок (не позднее "
        f"{fmt_date_short(campaign.cutover)}), закрыты после даты перехода, открыты на дату выгрузки. "
        "Открытые чаты на платформах вне кампании показаны отдельно и в индексе не учитываются.",
        "<b>Индекс готовности школы</b> = max(0; активные обязательные чаты − открытые чаты школы на "
        "прежних платформах) / число обязательных чатов: каждый открытый прежний чат отменяет один "
        "активный. Индекс муниципального образования и региона — сумма числителей школ / сумма их "
        "обязательных чатов. Школа <b>готова</b> при индексе 100 %: все обязательные чаты созданы и "
        "активны, на прежних платформах ничего не открыто.",
        f"<b>Статус</b>: «✔ выполнено» — 100 %; «▲ близко к цели» — не ниже {near} цели "
        "(params/targets.yml, status.near); «✖ отстаёт» — ниже. Цвет всегда дублируется знаком и словом. "
        "Чаты на прежних платформах: с даты перехода — «✔ выполнено», только если открытых не осталось, "
        "иначе «✖ отстаёт»; до неё — по доле уже закрытых.",
        f"<b>Охват ролей</b> — разные участники роли во всех открытых чатах целевой платформы / "
        f"ожидаемое число: директора, педагоги и обучающиеся — мониторинг «Сферум» по школам "
        f"{activity} (ближайшая к выгрузке дата); родители — реестр родителей ЭЖД {parents}; участник "
        "активен, если его последний визит в любой из этих чатов — в окне активности. Охват выше 100 % "
        "возможен (в чатах состоят и не учтённые в мониторинге).",
        "В таблицах и на рисунках: «м.о.» — муниципальный округ, «м.р.» — муниципальный район, "
        "«г.о.» — городской округ, «МО» — муниципальное образование.",
        "Источники: реестр общеобразовательных организаций, реестр чатов и списки участников чатов, "
        "мониторинг «Сферум» по школам, реестр родителей ЭЖД (хранилище, выгрузки региона). Участники "
        "представлены только псевдонимами; в справке — только числа.",
    ]
    return '<ul class="methodology">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def provenance(readiness: Readiness) -> dict[str, str]:
    """The data side of the provenance: snapshot date and content hash of the slices read."""
    return {"snapshot_date": readiness.snapshot_date.isoformat(), "data_hash": readiness.data_hash}


def provenance_html(readiness: Readiness) -> str:
    return (f'<p class="provenance-inline">Данные: выгрузка чатов {fmt_date(readiness.snapshot_date)}, '
            f"кампания {readiness.campaign.id}, контрольная сумма {readiness.data_hash}.</p>")
