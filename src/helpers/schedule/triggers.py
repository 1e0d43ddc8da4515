"""When a job fires: 5-field cron expressions with cron's meaning, in the job's time zone.

APScheduler 3's ``CronTrigger`` does the calendar arithmetic (time zones, month lengths, DST
where a zone has it); the library is well kept and the 3.x line is the stable one (4.x is still a
pre-release). Two differences from cron are handled here rather than left as traps:

- ``CronTrigger.from_crontab`` numbers weekdays from Monday = 0, so ``0 7 * * 1`` would fire on
  Tuesdays. The day-of-week field is therefore translated to day *names* (cron: 0 and 7 are
  Sunday, 1 is Monday), so ``1``, ``mon`` and ``1-5`` mean what cron means.
- cron fires when *either* a restricted day-of-month or a restricted day-of-week matches;
  APScheduler requires both. Such an expression is refused with a message instead of silently
  meaning something else.

The scheduler's own loop (runner.py) is ours, not APScheduler's ``BlockingScheduler``: its clock
must be injectable for tests, a missed run must be caught up once from a ledger that survives
restarts, and runs must share the batch lock with ``make briefings``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from helpers.errors import BadInput

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron's numbering: 0 (and 7) = Sunday
_DAY_ITEM = re.compile(r"^(\*|[a-z]{3}|\d)(?:-([a-z]{3}|\d))?(?:/(\d+))?$")


class CronError(BadInput):
    """A cron expression that cron would not accept, or one whose meaning would differ here."""


def _day_number(token: str) -> int:
    if token.isdigit():
        number = int(token)
        if number > 7:
            raise CronError(f"день недели {number} вне 0–7")
        return number % 7
    if token not in DAY_NAMES:
        raise CronError(f"неизвестный день недели «{token}» (mon, tue, wed, thu, fri, sat, sun или 0–7)")
    return DAY_NAMES.index(token)


def cron_days(field: str) -> set[int]:
    """The days (0 = Sunday … 6 = Saturday) a cron day-of-week field selects."""
    days: set[int] = set()
    for item in field.lower().split(","):
        match = _DAY_ITEM.match(item.strip())
        if not match:
            raise CronError(f"день недели «{item}» не понят")
        first, last, step = match.groups()
        if first == "*":
            span = list(range(7))
        else:
            start = _day_number(first)
            end = (7 if last == "7" else _day_number(last)) if last else start
            if end < start:
                raise CronError(f"диапазон дней недели «{item}» идёт назад")
            span = list(range(start, end + 1)) if last or step else [start]
            if step and not last:
                span = list(range(start, 7))
        days.update(day % 7 for day in span[:: int(step or 1)])
    return days


def _day_of_week(field: str) -> str:
    if field == "*":
        return "*"
    return ",".join(DAY_NAMES[d] for d in sorted(cron_days(field), key=lambda d: (d - 1) % 7))


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """The trigger of a 5-field cron expression (minute hour day month weekday) in ``timezone``."""
    fields = expression.split()
    if len(fields) != 5:
        raise CronError(f"«{expression}»: нужно 5 полей (минута час день месяц день-недели), "
                        f"а их {len(fields)}")
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        raise CronError(f"«{expression}»: заданы и день месяца, и день недели — cron выполнил бы при "
                        "совпадении любого из них; разделите на два задания")
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_day_of_week(weekday), timezone=ZoneInfo(timezone))
    except CronError:
        raise
    except ValueError as exc:
        raise CronError(f"«{expression}»: {exc}") from exc


def next_fire(trigger: CronTrigger, after: dt.datetime) -> dt.datetime | None:
    """The first fire time strictly after ``after`` (an aware datetime)."""
    return trigger.get_next_fire_time(None, after + dt.timedelta(microseconds=1))


def fires_between(trigger: CronTrigger, start: dt.datetime, end: dt.datetime,
                  limit: int = 100_000) -> list[dt.datetime]:
    """Fire times in (start, end]."""
    found: list[dt.datetime] = []
    moment = next_fire(trigger, start)
    while moment is not None and moment <= end and len(found) < limit:
        found.append(moment)
        moment = next_fire(trigger, moment)
    return found


def data_signature(data_dir: Path) -> str:
    """A fingerprint of the exports under ``data_dir``: names, sizes and modification times.

    Cheap enough to compute every few minutes on millions of rows (no file is read); a copied-in
    export changes its size or time, which is all the "on new data" trigger needs.
    """
    digest = hashlib.sha256()
    if data_dir.exists():
        for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(f"{path.relative_to(data_dir)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
