"""The schedule for the system's scheduler: crontab lines and systemd ``.service`` + ``.timer`` units.

Each entry calls the same command the foreground scheduler runs
(``python -m helpers.schedule run-job NAME``), so it takes the same batch lock, writes the same
ledger and delivers the same way. Time zones: crontab lines are written in the server's zone
(``crontime``: Debian's cron ignores ``CRON_TZ=``, so a Moscow time is converted and the export
says so; a job whose times cannot be written so is left out with the reason), systemd gets the
zone in ``OnCalendar=``; ``Persistent=true`` makes systemd catch up a run missed while the machine
was off.
Jobs that only run "on new data" get a timer every few minutes; their run decides nothing changed.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from helpers.config import PROJECT_ROOT
from helpers.schedule.config import Schedule, ScheduledJob
from helpers.schedule.crontime import NotConvertible, convert, offset_shift
from helpers.schedule.triggers import DAY_NAMES, cron_days

SYSTEMD_DAYS = {name: name.capitalize() for name in DAY_NAMES}
# Settings a job needs to find the same data and output folders as the shell that exported it.
CARRIED = ("DATA_DIR", "OUTPUT_DIR", "WAREHOUSE", "PARAMS_DIR", "PERIOD", "CHROMIUM", "JOBS", "TIMEOUT")


def carried_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The settings of this shell that the exported jobs must run with (empty ones left out)."""
    return {name: environ[name] for name in CARRIED if environ.get(name, "").strip()}


def command(job: ScheduledJob, python: str, root: Path = PROJECT_ROOT,
            environment: Mapping[str, str] | None = None) -> str:
    variables = "".join(f"{name}={shlex.quote(value)} " for name, value in (environment or {}).items())
    return (f"cd {shlex.quote(str(root))} && {variables}"
            f"{shlex.quote(python)} -m helpers.schedule run-job {shlex.quote(job.name)} --reason cron")


def unit_name(job: ScheduledJob) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in job.name)
    return f"sferum-briefings-{safe}"


@dataclass
class Crontab:
    """The crontab text and, per job left out of it, why (those run from the systemd timers)."""

    text: str
    refused: dict[str, str] = field(default_factory=dict)
    converted: bool = False  # some times were moved from the job's zone to the server's


def cron_lines(job: ScheduledJob, server_zone: str, now: dt.datetime) -> tuple[list[str], str]:
    """The job's cron expressions in ``server_zone`` and a note on the conversion (empty: none)."""
    lines = convert(job.cron, offset_shift(job.timezone, server_zone, now))
    if lines == [job.cron]:
        return lines, ""
    moved = "; ".join(lines)
    return lines, (f"# время {job.cron} ({job.timezone}) переведено в зону сервера {server_zone}: {moved} — "
                   "cron Debian не учитывает CRON_TZ")


def crontab_for(schedule: Schedule, python: str, root: Path = PROJECT_ROOT,
                environment: Mapping[str, str] | None = None, *, server_zone: str = "UTC",
                now: dt.datetime | None = None) -> Crontab:
    """Crontab lines in the server's zone; jobs whose times cannot be converted are refused."""
    now = now or dt.datetime.now(dt.UTC)
    lines = ["# Сферум: мониторинг — задания params/schedule.yml (make schedule-export)",
             f"# Время строк — по часам сервера ({server_zone}); так их понимает любой cron."]
    refused: dict[str, str] = {}
    converted = False
    for job in schedule.jobs:
        lines.append(f"# {job.name}: пакет {job.batch}" + (f", регион {job.region}" if job.region else ""))
        if job.cron:
            try:
                expressions, note = cron_lines(job, server_zone, now)
            except NotConvertible as exc:
                refused[job.name] = str(exc)
                lines.append(f"# НЕ ВЫГРУЖЕНО для cron: {exc}; используйте таймер systemd "
                             f"{unit_name(job)}.timer (make schedule-export SYSTEMD_DIR=…)")
            else:
                lines += [note] if note else []
                converted = converted or bool(note)
                run = command(job, python, root, environment)
                lines += [f"{expression} {run}" for expression in expressions]
        if job.on_new_data:
            minutes = max(1, int(schedule.new_data_every.total_seconds() // 60))
            lines.append(f"*/{minutes} * * * * {command(job, python, root, environment)} --if-new-data")
    return Crontab("\n".join(lines) + "\n", refused, converted)


def crontab(schedule: Schedule, python: str, root: Path = PROJECT_ROOT,
            environment: Mapping[str, str] | None = None, *, server_zone: str = "UTC") -> str:
    """The crontab text alone (see :func:`crontab_for`)."""
    return crontab_for(schedule, python, root, environment, server_zone=server_zone).text


def _calendar_field(field: str, width: int = 2) -> str:
    if field == "*":
        return "*"
    parts = []
    for item in field.split(","):
        base, _, step = item.partition("/")
        base = base.replace("-", "..")
        if base.isdigit():
            base = base.zfill(width)
        parts.append(f"{base}/{step}" if step else base)
    return ",".join(parts)


def on_calendar(job: ScheduledJob) -> str:
    """The cron expression as systemd's ``OnCalendar=`` (weekday names, then date, time and zone)."""
    minute, hour, day, month, weekday = job.cron.split()
    days = "" if weekday == "*" else ",".join(
        SYSTEMD_DAYS[DAY_NAMES[d]] for d in sorted(cron_days(weekday), key=lambda d: (d - 1) % 7)) + " "
    if minute.startswith("*/"):
        minute = "00/" + minute[2:]
    if hour.startswith("*/"):
        hour = "00/" + hour[2:]
    return (f"{days}*-{_calendar_field(month)}-{_calendar_field(day)} "
            f"{_calendar_field(hour)}:{_calendar_field(minute)}:00 {job.timezone}")


def systemd_units(schedule: Schedule, python: str, root: Path = PROJECT_ROOT,
                  environment: Mapping[str, str] | None = None) -> dict[str, str]:
    """File name → content of each job's ``.service`` and ``.timer``."""
    units = {}
    for job in schedule.jobs:
        name = unit_name(job)
        extra = " --reason cron" if job.cron else " --if-new-data"
        units[f"{name}.service"] = (
            "[Unit]\n"
            f"Description=Сферум: мониторинг — задание «{job.name}» (пакет {job.batch})\n\n"
            "[Service]\n"
            "Type=oneshot\n"
            f"WorkingDirectory={root}\n"
            f"ExecStart={python} -m helpers.schedule run-job {job.name}{extra}\n"
            f"EnvironmentFile=-{root}/.env\n"
            + "".join(f'Environment="{name}={value}"\n' for name, value in (environment or {}).items())
        )
        if job.cron:
            timer = f"OnCalendar={on_calendar(job)}\nPersistent=true\n"
        else:
            minutes = max(1, int(schedule.new_data_every.total_seconds() // 60))
            timer = f"OnBootSec={minutes}min\nOnUnitActiveSec={minutes}min\n"
        units[f"{name}.timer"] = (
            "[Unit]\n"
            f"Description=Расписание задания «{job.name}»\n\n"
            "[Timer]\n"
            f"{timer}"
            f"Unit={name}.service\n\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        )
    return units
