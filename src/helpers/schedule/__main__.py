"""Scheduled rendering: ``python -m helpers.schedule [run|check|status|export|run-job NAME]``.

``run`` (the default; ``make schedule``) is the foreground scheduler; ``check`` only validates
``params/schedule.yml``; ``status`` (``make schedule-status``) prints next and last runs;
``export`` (``make schedule-export``) prints crontab lines and systemd units (``--systemd-dir DIR``
writes the units there); ``run-job NAME`` runs one job once under the batch lock — the command
cron and systemd call. Exit code 2 for a bad schedule file, before anything runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from helpers.batch.run import sigterm_as_interrupt
from helpers.config import MailSettingsError, mail_settings, server_timezone, settings
from helpers.delivery.deliver import deliver, report_failure
from helpers.delivery.recipients import RecipientsError, load_recipients
from helpers.schedule import export, ledger
from helpers.schedule.config import ScheduledJob, ScheduleError, load_schedule
from helpers.schedule.job import RunRequest, run_job, say
from helpers.schedule.runner import (
    Scheduler,
    hold_scheduler_lock,
    install_stop_signals,
    scheduler_pid,
)
from helpers.schedule.status import status_text
from helpers.schedule.triggers import data_signature
from helpers.vocabulary import counted

EXIT_BAD_SCHEDULE = 2


def _jobs_word(count: int) -> str:
    return counted(count, "задание", "задания", "заданий")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run",
                        choices=("run", "check", "status", "export", "run-job"))
    parser.add_argument("job", nargs="?", default="")
    parser.add_argument("--reason", default="manual")
    parser.add_argument("--fire-time", default="")
    parser.add_argument("--attempt", type=int, default=1)
    parser.add_argument("--attempts", type=int, default=0)
    parser.add_argument("--deadline", default="")
    parser.add_argument("--if-new-data", action="store_true",
                        help="только если выгрузки изменились со времени последнего успешного запуска")
    parser.add_argument("--systemd-dir", default="")
    return parser.parse_args(argv)


def _moment(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def after_run(job: ScheduledJob, record: dict[str, Any], request: RunRequest) -> None:
    """Deliver what is new after a run; report a run that failed for good to the analysts."""
    try:
        recipients = load_recipients()
        mail = mail_settings()
    except RecipientsError as exc:
        say(f"Рассылка не выполнена — список адресатов не принят:\n{exc}")
        return
    except MailSettingsError as exc:
        say(f"Рассылка не выполнена: {exc}")
        return
    if not recipients:
        return
    output_dir = settings().output_dir
    if job.deliver:  # only briefings rendered fine and new to an address go out, even after a failure
        deliver(recipients, output_dir, mail, say=say)
    if record.get("outcome") == "failed" and request.final:
        report_failure(recipients, output_dir, mail, job=job.name, errors=record.get("errors") or [],
                       since=str(record.get("started_at") or ""), say=say)


def _run_job(args: argparse.Namespace) -> int:
    schedule = load_schedule()
    job = schedule.job(args.job)
    config = settings()
    if args.reason != "manual" and not job.active_on(dt.datetime.now(dt.UTC)):
        say(f"«{job.name}»: сегодня вне дат активности задания — не выполняется")
        return 0
    if args.if_new_data:
        args.reason = "new-data"
        last = ledger.last_success(config.output_dir, job.name)
        if last and last.get("data_signature") == data_signature(config.data_dir):
            say(f"«{job.name}»: выгрузки не менялись с последнего успешного запуска — нечего делать")
            return 0
    now = dt.datetime.now(dt.UTC)
    fire = _moment(args.fire_time) or now
    request = RunRequest(reason=args.reason, fire_time=fire, attempt=args.attempt,
                         attempts=args.attempts or job.retries + 1,
                         deadline=_moment(args.deadline) or job.deadline_after(fire))
    with sigterm_as_interrupt():  # stopped by the scheduler or systemd: keep what is finished
        return run_job(job, request, after_run=after_run)


def _export(args: argparse.Namespace) -> int:
    schedule = load_schedule()
    python = sys.executable
    say("# --- crontab (crontab -e) ---")
    environment = export.carried_environment()
    zone = server_timezone()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        sys.stderr.write(f"CRON_SERVER_TZ={zone!r}: неизвестный часовой пояс / unknown time zone\n")
        return EXIT_BAD_SCHEDULE
    table = export.crontab_for(schedule, python, environment=environment, server_zone=zone)
    sys.stdout.write(table.text)
    units = export.systemd_units(schedule, python, environment=environment)
    if args.systemd_dir:
        folder = Path(args.systemd_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in units.items():
            (folder / name).write_text(text, encoding="utf-8")
        say(f"# systemd: файлов записано: {len(units)}, в {folder}")
    for name, text in units.items():
        sys.stdout.write(f"\n# --- {name} ---\n{text}")
    if table.converted:
        sys.stderr.write(f"Время заданий в строках cron переведено в зону сервера {zone}: cron Debian не "
                         "учитывает CRON_TZ / cron lines converted to the server's time zone\n")
    for job, reason in table.refused.items():
        sys.stderr.write(f"Задание «{job}» не выгружено для cron: {reason}. Используйте таймеры systemd "
                         f"(make schedule-export SYSTEMD_DIR=/etc/systemd/system) / not exportable to cron\n")
    return EXIT_BAD_SCHEDULE if table.refused else 0


def _run(schedule_loader=load_schedule) -> int:  # noqa: ANN001
    schedule = schedule_loader()
    config = settings()
    held = hold_scheduler_lock(config.output_dir)
    if held is None:
        pid = scheduler_pid(config.output_dir)
        sys.stderr.write(f"Планировщик уже запущен для {config.output_dir} (pid {pid})\n")
        return EXIT_BAD_SCHEDULE
    say(f"Планировщик: {_jobs_word(len(schedule.jobs))} из {schedule.path}; остановка — Ctrl-C или SIGTERM")
    stopping = threading.Event()
    install_stop_signals(stopping)
    Scheduler(schedule, config.output_dir, config.data_dir).run_forever(stopping)
    held.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        if args.command == "check":
            schedule = load_schedule()
            names = ", ".join(j.name for j in schedule.jobs)
            say(f"Расписание в порядке: {_jobs_word(len(schedule.jobs))} ({names})")
            return 0
        if args.command == "status":
            config = settings()
            say(status_text(load_schedule(), config.output_dir, config.data_dir, dt.datetime.now(dt.UTC)))
            return 0
        if args.command == "export":
            return _export(args)
        if args.command == "run-job":
            return _run_job(args)
        return _run()
    except ScheduleError as exc:
        sys.stderr.write(f"Расписание не принято:\n{exc}\n")
        return EXIT_BAD_SCHEDULE


if __name__ == "__main__":
    raise SystemExit(main())
