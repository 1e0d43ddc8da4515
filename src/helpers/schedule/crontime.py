"""A job's cron expression moved from its time zone to the server's, for crontab lines.

Debian's cron (Vixie cron) ignores ``CRON_TZ=``: it reads every line in the zone of its own
clock (usually UTC). A line «0 7 * * mon» meant for Moscow would fire at 07:00 UTC = 10:00 Moscow.
The crontab is therefore written in the server's zone, where any cron reads it the same way:
the minute and hour fields are shifted by the difference of the two zones' offsets, and a time
that crosses midnight moves its weekdays with it (one line per day shift).

Conversion is refused — with the reason, and the systemd timers (which take the zone in
``OnCalendar=``) as the way out — when no set of crontab lines can mean the same thing: the
difference of the offsets changes during the year (a server zone with summer time), or a time
crosses midnight while the day of the month or the month is restricted (the 1st in Moscow at
01:00 is the last day of the previous month in UTC).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from helpers.schedule.triggers import cron_days

MINUTES_A_DAY = 24 * 60


class NotConvertible(ValueError):
    """No crontab line in the server's zone fires when the job does; the message says why."""


@dataclass(frozen=True)
class Shift:
    """How far the server's clock is ahead of the job's zone, in minutes (constant all year)."""

    minutes: int


def expand(field: str, low: int, high: int) -> list[int]:
    """The values a cron minute or hour field selects (``*``, ``a``, ``a-b``, ``*/n``, lists)."""
    values: set[int] = set()
    for item in field.split(","):
        base, _, step = item.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = int(first), int(last)
        else:
            start = int(base)
            end = high if step else start
        values.update(range(start, end + 1, int(step or 1)))
    return sorted(values)


def compact(values: list[int], low: int, high: int) -> str:
    """Values as a cron field: ``*`` for all of them, runs of three or more as ``a-b``."""
    if values == list(range(low, high + 1)):
        return "*"
    parts: list[str] = []
    run: list[int] = []
    for value in [*values, None]:
        if run and (value is None or value != run[-1] + 1):
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 2 else ",".join(map(str, run)))
            run = []
        if value is not None:
            run.append(value)
    return ",".join(parts)


def offset_shift(job_zone: str, server_zone: str, start: dt.datetime, days: int = 400) -> Shift:
    """The server's offset minus the job zone's, checked hour by hour to be constant for ``days``."""
    job, server = ZoneInfo(job_zone), ZoneInfo(server_zone)
    seen: set[int] = set()
    for hour in range(0, days * 24):
        moment = start + dt.timedelta(hours=hour)
        job_offset, server_offset = moment.astimezone(job).utcoffset(), moment.astimezone(server).utcoffset()
        assert job_offset is not None and server_offset is not None
        seen.add(int((server_offset - job_offset).total_seconds() // 60))
    if len(seen) > 1:
        raise NotConvertible(f"разница между {job_zone} и зоной сервера {server_zone} меняется "
                             "в течение года (летнее время) — одной строкой cron это время не выразить")
    return Shift(seen.pop())


def convert(expression: str, shift: Shift) -> list[str]:
    """The cron lines in the server's zone that fire when ``expression`` fires in the job's zone."""
    minute, hour, day, month, weekday = expression.split()
    if shift.minutes == 0:
        return [expression]
    by_day_shift: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for h in expand(hour, 0, 23):
        for m in expand(minute, 0, 59):
            moment = h * 60 + m + shift.minutes
            by_day_shift[moment // MINUTES_A_DAY][(moment % MINUTES_A_DAY) // 60].append(moment % 60)
    if any(days for days in by_day_shift) and (day != "*" or month != "*"):
        raise NotConvertible(f"«{expression}»: на часах сервера это время приходится на другие сутки, "
                             "а день месяца или месяц задан — cron так не выразит")
    lines = []
    for days in sorted(by_day_shift):
        hours_by_minutes: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for h, minutes in sorted(by_day_shift[days].items()):
            hours_by_minutes[tuple(sorted(minutes))].append(h)
        moved = sorted((d + days) % 7 for d in cron_days(weekday))
        week = weekday if weekday == "*" else compact(moved, 0, 6)
        lines += [f"{compact(list(minutes), 0, 59)} {compact(hours, 0, 23)} {day} {month} {week}"
                  for minutes, hours in hours_by_minutes.items()]
    return lines
