"""Campaigns and task deadlines from ``params/``: a migration or a school year's tasks is data.

:func:`load_campaigns` reads ``params/campaigns.yml`` (a move of school chats to a target
platform before a cut-over date: the 2024 Telegram → Сферум one and the 2025 VK Мессенджер →
MAX one); :func:`load_tasks` reads ``params/tasks.yml`` (the tasks of municipalities and schools
with their deadlines). Both check what they read and say in Russian what is wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from helpers.config import PARAMS_DIR
from helpers.errors import BadInput, DataMissing
from helpers.ingestion.contract.forms import CHAT_TYPES, PLATFORMS, ROLES, TASKS

TaskStatus = Literal["done", "late", "overdue", "pending"]
"""A task's state on a day; its words and symbols are in :data:`helpers.vocabulary.TASK_STATES`."""


@dataclass(frozen=True)
class DepartmentChat:
    """A chat of the regional department and the roles expected in it."""

    chat_type: str
    title: str
    expected_roles: tuple[str, ...]


@dataclass(frozen=True)
class Campaign:
    """Moving school chats from old platforms to a target one before a cut-over date."""

    id: str
    title: str
    from_platforms: tuple[str, ...]
    to_platform: str
    start: dt.date
    cutover: dt.date  # old platforms' chats closed from this day
    target_only_from: dt.date
    active_days: int
    department_chats: tuple[DepartmentChat, ...]
    school_chats: tuple[str, ...]
    class_chats: tuple[str, ...]

    @property
    def required_chat_types(self) -> tuple[str, ...]:
        return (*(c.chat_type for c in self.department_chats), *self.school_chats,
                *self.class_chats)


@dataclass(frozen=True)
class Task:
    """A task of municipalities or schools with its deadline (or its period)."""

    id: str
    label: str
    column: str  # canonical column of the «Выполнение задач» form
    level: Literal["school", "municipality"]
    deadline: dt.date  # for a period: its last day
    start: dt.date | None = None  # for a period: its first day


def _error(path: Path, problem: str) -> BadInput:
    return BadInput(f"{path}: {problem}")


def _date(path: Path, where: str, value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise _error(path, f"{where}: нужна дата ГГГГ-ММ-ДД, а не {value!r}") from exc


def _codes(path: Path, where: str, values: object, known: tuple[str, ...]) -> tuple[str, ...]:
    items = (values,) if isinstance(values, str) else tuple(values or ())  # type: ignore[arg-type]
    unknown = [v for v in items if v not in known]
    if unknown or not items:
        raise _error(path, f"{where}: неизвестные коды {unknown or '(пусто)'}; "
                           f"допустимы: {', '.join(known)}")
    return tuple(str(v) for v in items)


def _campaign(path: Path, entry: dict[str, Any]) -> Campaign:
    cid = str(entry.get("id") or "")
    where = f"кампания {cid or '(без id)'}"
    if not cid:
        raise _error(path, f"{where}: нет id")
    for name in ("from_platforms", "to_platform", "start", "cutover", "target_only_from"):
        if name not in entry:
            raise _error(path, f"{where}: нет поля {name}")
    chats = []
    for chat_type, spec in (entry.get("department_chats") or {}).items():
        _codes(path, f"{where}, department_chats", chat_type, CHAT_TYPES.codes)
        spec = spec or {}
        chats.append(DepartmentChat(
            chat_type=chat_type, title=str(spec.get("title", CHAT_TYPES.label(chat_type))),
            expected_roles=_codes(path, f"{where}, {chat_type}.expected_roles",
                                  spec.get("expected_roles"), ROLES.codes),
        ))
    campaign = Campaign(
        id=cid,
        title=str(entry.get("title", cid)),
        from_platforms=_codes(path, f"{where}, from_platforms", entry["from_platforms"],
                              PLATFORMS.codes),
        to_platform=_codes(path, f"{where}, to_platform", entry["to_platform"],
                           PLATFORMS.codes)[0],
        start=_date(path, f"{where}, start", entry["start"]),
        cutover=_date(path, f"{where}, cutover", entry["cutover"]),
        target_only_from=_date(path, f"{where}, target_only_from", entry["target_only_from"]),
        active_days=int(entry.get("active_days", 7)),
        department_chats=tuple(chats),
        school_chats=_codes(path, f"{where}, school_chats", entry.get("school_chats"),
                            CHAT_TYPES.codes),
        class_chats=_codes(path, f"{where}, class_chats", entry.get("class_chats"),
                           CHAT_TYPES.codes),
    )
    if not campaign.start <= campaign.cutover <= campaign.target_only_from:
        raise _error(path, f"{where}: нужно start ≤ cutover ≤ target_only_from")
    if campaign.to_platform in campaign.from_platforms:
        raise _error(path, f"{where}: целевая платформа не может быть среди прежних")
    if campaign.active_days < 1:
        raise _error(path, f"{where}: active_days должно быть ≥ 1")
    return campaign


def load_campaigns(path: Path = PARAMS_DIR / "campaigns.yml") -> dict[str, Campaign]:
    """Every campaign of the parameters file, by id, in the file's order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("campaigns")
    if not isinstance(entries, list) or not entries:
        raise _error(path, "нет списка campaigns")
    campaigns = [_campaign(path, dict(entry)) for entry in entries]
    ids = [c.id for c in campaigns]
    if len(set(ids)) != len(ids):
        raise _error(path, f"повторяются id кампаний: {ids}")
    return {c.id: c for c in campaigns}


def campaign_at(day: dt.date, campaigns: dict[str, Campaign] | None = None) -> Campaign:
    """The campaign a day belongs to: the latest one that started on or before it."""
    started = [c for c in (campaigns or load_campaigns()).values() if c.start <= day]
    if not started:
        raise DataMissing(f"нет кампании, начавшейся до {day:%d.%m.%Y}")
    return max(started, key=lambda c: c.start)


def load_tasks(path: Path = PARAMS_DIR / "tasks.yml") -> tuple[str, dict[str, Task]]:
    """The campaign id and the tasks of the parameters file, by id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("tasks")
    if not isinstance(entries, dict) or not entries:
        raise _error(path, "нет раздела tasks")
    columns = {c.name for c in TASKS.columns}
    tasks = {}
    for tid, spec in entries.items():
        spec = spec or {}
        where = f"задача {tid}"
        if spec.get("column") not in columns:
            raise _error(path, f"{where}: column должен быть столбцом формы «{TASKS.title}»")
        level = spec.get("level", "school")
        if level not in ("school", "municipality"):
            raise _error(path, f"{where}: level — school или municipality")
        if "period" in spec:
            first, last = (_date(path, f"{where}, period", v) for v in spec["period"])
            if first > last:
                raise _error(path, f"{where}: период начинается позже, чем кончается")
        elif "deadline" in spec:
            first, last = None, _date(path, f"{where}, deadline", spec["deadline"])
        else:
            raise _error(path, f"{where}: нужен deadline или period")
        tasks[str(tid)] = Task(id=str(tid), label=str(spec.get("label", tid)),
                               column=str(spec["column"]), level=level, deadline=last,
                               start=first)
    return str(data.get("campaign", "")), tasks


def task_status(done: dt.date | None, deadline: dt.date, as_of: dt.date) -> TaskStatus:
    """A task's status on ``as_of``: done on time, done late, overdue, or not due yet."""
    if done is not None and done <= as_of:
        return "done" if done <= deadline else "late"
    return "overdue" if as_of > deadline else "pending"
