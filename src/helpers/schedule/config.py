"""``params/schedule.yml``: the scheduled jobs, read and checked before anything runs.

A bad file gives one line per problem (unknown batch, kind or region, bad cron, unknown time
zone, unknown key, bad date or deadline) and nothing runs (exit code 2).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger

from helpers.batch import territories
from helpers.batch.plan import BATCHES_DIR, load_kinds
from helpers.batch.territories import UnknownTerritory
from helpers.config import PARAMS_DIR, ParamsError
from helpers.indicators.campaigns import load_campaigns
from helpers.schedule.triggers import CronError, cron_trigger

SCHEDULE_FILE = PARAMS_DIR / "schedule.yml"
DEFAULT_TIMEZONE = "Europe/Moscow"

TOP_KEYS = {"timezone", "grace_minutes", "new_data_check_minutes", "jobs"}
JOB_KEYS = {"name", "batch", "region", "kinds", "cron", "timezone", "active_from", "active_until",
            "during_campaign", "on_new_data", "retries", "retry_backoff_minutes", "deadline", "deliver"}
CAMPAIGN_KEYS = {"id", "weeks_before_cutover"}
_DURATION = re.compile(r"^(\d+)\s*(m|min|мин|h|ч)$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ParamsError):
    """The schedule cannot be used; ``problems`` has one line per problem."""


@dataclass(frozen=True)
class Deadline:
    """By when a run must be done: a clock time after the fire time, or a duration from it."""

    text: str
    clock: dt.time | None = None
    duration: dt.timedelta | None = None

    def after(self, fire: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        if self.duration is not None:
            return fire + self.duration
        assert self.clock is not None
        local = fire.astimezone(zone)
        moment = dt.datetime.combine(local.date(), self.clock, tzinfo=zone)
        return moment if moment > local else moment + dt.timedelta(days=1)


@dataclass(frozen=True)
class ScheduledJob:
    """One job of the schedule: what to render, when, and how hard to try."""

    name: str
    batch: str
    timezone: str = DEFAULT_TIMEZONE
    cron: str = ""
    region: str = ""
    kinds: tuple[str, ...] = ()
    active_from: dt.date | None = None
    active_until: dt.date | None = None
    on_new_data: bool = False
    retries: int = 0
    retry_backoff: dt.timedelta = dt.timedelta(minutes=5)
    deadline: Deadline | None = None
    deliver: bool = True
    trigger: CronTrigger | None = field(default=None, compare=False, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def active_on(self, moment: dt.datetime) -> bool:
        """Within the job's active dates (inclusive), on the job's local calendar."""
        day = moment.astimezone(self.zone).date()
        return ((self.active_from is None or day >= self.active_from)
                and (self.active_until is None or day <= self.active_until))

    def deadline_after(self, fire: dt.datetime) -> dt.datetime | None:
        return self.deadline.after(fire, self.zone) if self.deadline else None

    def backoff(self, attempt: int) -> dt.timedelta:
        """The wait before attempt ``attempt + 1``: the backoff, doubled after each failure."""
        return self.retry_backoff * 2 ** max(0, attempt - 1)


@dataclass(frozen=True)
class Schedule:
    jobs: tuple[ScheduledJob, ...]
    grace: dt.timedelta = dt.timedelta(hours=3)
    new_data_every: dt.timedelta = dt.timedelta(minutes=5)
    path: Path = SCHEDULE_FILE

    def job(self, name: str) -> ScheduledJob:
        for job in self.jobs:
            if job.name == name:
                return job
        names = [j.name for j in self.jobs]
        raise ScheduleError([f"{self.path.name}: нет задания «{name}»{_did_you_mean(name, names)} "
                             f"(есть: {', '.join(j.name for j in self.jobs)})"])


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"; возможно, имелось в виду «{close[0]}»" if close else ""


def _date(value: Any, where: str, problems: list[str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: «{value}» — не дата ГГГГ-ММ-ДД")
        return None


def _zone(value: Any, where: str, problems: list[str]) -> str:
    name = str(value or DEFAULT_TIMEZONE)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{where}: неизвестный часовой пояс «{name}» (например, Europe/Moscow)")
        return DEFAULT_TIMEZONE
    return name


def _deadline(value: Any, where: str, problems: list[str]) -> Deadline | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if clock := _CLOCK.match(text):
        return Deadline(text, clock=dt.time(int(clock[1]), int(clock[2])))
    if duration := _DURATION.match(text):
        minutes = int(duration[1]) * (60 if duration[2] in ("h", "ч") else 1)
        return Deadline(text, duration=dt.timedelta(minutes=minutes))
    problems.append(f"{where}: срок «{text}» не понят (время ЧЧ:ММ или длительность, например 90m, 2h)")
    return None


def _count(value: Any, where: str, problems: list[str], default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(f"{where}: «{value}» — ожидается целое число ≥ 0")
        return default
    return value


def _unknown_keys(entry: dict[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    for key in entry:
        if key not in allowed:
            problems.append(f"{where}: неизвестный ключ «{key}»{_did_you_mean(str(key), sorted(allowed))}")


def _campaign_window(value: Any, where: str, problems: list[str]) -> tuple[dt.date | None, dt.date | None]:
    """``during_campaign: {id: …, weeks_before_cutover: 3}`` → the weeks before that campaign's cut-over."""
    if not isinstance(value, dict):
        problems.append(f"{where}: during_campaign — ожидается {{id: …, weeks_before_cutover: N}}")
        return None, None
    _unknown_keys(value, CAMPAIGN_KEYS, f"{where}, during_campaign", problems)
    campaigns = load_campaigns()
    campaign = campaigns.get(str(value.get("id")))
    if campaign is None:
        problems.append(f"{where}: неизвестная кампания «{value.get('id')}»"
                        f"{_did_you_mean(str(value.get('id')), list(campaigns))} (params/campaigns.yml)")
        return None, None
    weeks = _count(value.get("weeks_before_cutover"), f"{where}, weeks_before_cutover", problems, 3)
    return campaign.cutover - dt.timedelta(weeks=weeks), campaign.cutover


def _job(entry: Any, number: int, top_zone: str, known: dict[str, set[str]],
         problems: list[str]) -> ScheduledJob | None:
    if not isinstance(entry, dict):
        problems.append(f"schedule.yml, задание {number}: ожидается словарь с ключами name, batch, cron…")
        return None
    name = str(entry.get("name") or f"задание {number}")
    where = f"schedule.yml, задание «{name}»"
    before = len(problems)
    _unknown_keys(entry, JOB_KEYS, where, problems)
    if not entry.get("name"):
        problems.append(f"schedule.yml, задание {number}: нет имени (name)")
    batch = str(entry.get("batch") or "")
    if batch not in known["batches"]:
        hint = _did_you_mean(batch, sorted(known["batches"]))
        problems.append(f"{where}: неизвестный пакет «{batch}»{hint} "
                        f"(есть: {', '.join(sorted(known['batches']))})")
    kinds = tuple(str(k) for k in (entry.get("kinds") or []))
    for kind in kinds:
        if kind not in known["kinds"]:
            hint = _did_you_mean(kind, sorted(known["kinds"]))
            problems.append(f"{where}: неизвестный вид справки «{kind}»{hint}")
    region = str(entry.get("region") or "")
    if region:
        try:
            region = territories.by_code(region).code
        except UnknownTerritory as exc:
            problems.append(f"{where}: {exc}")
    zone = _zone(entry.get("timezone") or top_zone, where, problems)
    cron = str(entry.get("cron") or "").strip()
    trigger = None
    if cron:
        try:
            trigger = cron_trigger(cron, zone)
        except CronError as exc:
            problems.append(f"{where}: cron {exc}")
    on_new_data = bool(entry.get("on_new_data", False))
    if not cron and not on_new_data:
        problems.append(f"{where}: нет ни cron, ни on_new_data: true — задание никогда не выполнится")
    active_from = _date(entry.get("active_from"), f"{where}, active_from", problems)
    active_until = _date(entry.get("active_until"), f"{where}, active_until", problems)
    if entry.get("during_campaign") is not None:
        active_from, active_until = _campaign_window(entry["during_campaign"], where, problems)
    if active_from and active_until and active_until < active_from:
        problems.append(f"{where}: active_until {active_until} раньше active_from {active_from}")
    if len(problems) > before:
        return None
    return ScheduledJob(
        name=name, batch=batch, timezone=zone, cron=cron, region=region, kinds=kinds,
        active_from=active_from, active_until=active_until, on_new_data=on_new_data,
        retries=_count(entry.get("retries"), f"{where}, retries", problems, 0),
        retry_backoff=dt.timedelta(minutes=_count(entry.get("retry_backoff_minutes"),
                                                  f"{where}, retry_backoff_minutes", problems, 5)),
        deadline=_deadline(entry.get("deadline"), f"{where}, deadline", problems),
        deliver=bool(entry.get("deliver", True)), trigger=trigger)


def parse_schedule(data: Any, path: Path = SCHEDULE_FILE) -> Schedule:
    """The schedule of a parsed YAML document; raises ``ScheduleError`` listing every problem."""
    if not isinstance(data, dict):
        raise ScheduleError([f"{path.name}: ожидается словарь с ключом jobs"])
    problems: list[str] = []
    _unknown_keys(data, TOP_KEYS, path.name, problems)
    top_zone = _zone(data.get("timezone"), path.name, problems)
    known = {"batches": {p.stem for p in BATCHES_DIR.glob("*.yml")}, "kinds": set(load_kinds())}
    entries = data.get("jobs")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{path.name}: нет списка заданий (jobs)")
        entries = []
    jobs = [_job(entry, number, top_zone, known, problems) for number, entry in enumerate(entries, 1)]
    names = [j.name for j in jobs if j]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{path.name}: имя задания «{name}» повторяется")
    grace = _count(data.get("grace_minutes"), f"{path.name}, grace_minutes", problems, 180)
    every = _count(data.get("new_data_check_minutes"), f"{path.name}, new_data_check_minutes", problems, 5)
    if problems:
        raise ScheduleError(problems)
    return Schedule(tuple(j for j in jobs if j), dt.timedelta(minutes=grace),
                    dt.timedelta(minutes=max(1, every)), path)


def load_schedule(path: Path = SCHEDULE_FILE) -> Schedule:
    """Read and check ``params/schedule.yml`` (or another file)."""
    if not path.exists():
        raise ScheduleError([f"нет файла расписания {path}"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScheduleError([f"{path.name}: не YAML — {exc}".replace("\n", " ")]) from exc
    return parse_schedule(data, path)
