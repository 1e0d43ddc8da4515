"""The schedule: the file checked before anything runs, cron's meaning on a UTC server in Moscow
time, active windows, catch-up once, the shared lock, retries, deadlines and the new-data trigger —
all driven by a fake clock and fake processes, never by sleeping."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers.batch.run import batch_lock
from helpers.schedule import export, ledger
from helpers.schedule.config import ScheduleError, load_schedule, parse_schedule
from helpers.schedule.runner import Launch, Scheduler
from helpers.schedule.triggers import cron_trigger, fires_between, next_fire

UTC = dt.UTC
HOLD_LOCK = """
import sys, time
from pathlib import Path
from helpers.batch.run import batch_lock
with batch_lock(Path(sys.argv[1]), what="make briefings"):
    print("held", flush=True)
    time.sleep(30)
"""


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def schedule(*jobs: dict, **top: object):
    return parse_schedule({"jobs": list(jobs), **top})


# --- the file -------------------------------------------------------------------------------------


def test_every_problem_of_a_bad_file_is_one_line() -> None:
    with pytest.raises(ScheduleError) as caught:
        schedule({"name": "a", "batch": "weekyl", "cron": "0 7 * * mon"},
                 {"name": "b", "batch": "weekly", "cron": "0 25 * * *"},
                 {"name": "c", "batch": "weekly", "cron": "0 7 * *", "timezone": "Europe/Moskva"},
                 {"name": "d", "batch": "weekly", "cron": "0 7 * * 1", "retires": 2},
                 {"name": "e", "batch": "weekly", "kinds": ["regional_rankin"], "region": "99x"})
    problems = caught.value.problems
    assert len(problems) == 8, problems  # c has two, e three
    text = "\n".join(problems)
    assert "неизвестный пакет «weekyl»; возможно, имелось в виду «weekly»" in text
    assert "задание «b»: cron" in text
    assert "нужно 5 полей" in text
    assert "неизвестный часовой пояс «Europe/Moskva»" in text
    assert "неизвестный ключ «retires»; возможно, имелось в виду «retries»" in text
    assert "«regional_rankin»" in text and "99x" in text
    assert "нет ни cron, ни on_new_data" in text


def test_cron_with_both_day_fields_is_refused_rather_than_misread() -> None:
    with pytest.raises(ScheduleError, match="и день месяца, и день недели"):
        schedule({"name": "a", "batch": "weekly", "cron": "0 7 1 * mon"})


def test_the_command_line_exits_2_on_a_bad_file(tmp_path: Path, monkeypatch, capsys) -> None:
    from helpers.schedule import __main__ as cli
    from helpers.schedule import config

    bad = tmp_path / "schedule.yml"
    bad.write_text("jobs:\n  - {name: a, batch: weekly, cron: '61 * * * *'}\n", encoding="utf-8")
    monkeypatch.setattr(config, "SCHEDULE_FILE", bad)
    monkeypatch.setattr(cli, "load_schedule", lambda: config.load_schedule(bad))
    assert cli.main(["check"]) == 2
    assert "задание «a»: cron" in capsys.readouterr().err


def test_the_sample_schedule_is_valid() -> None:
    from helpers.schedule.config import load_schedule

    assert {j.name for j in load_schedule().jobs} >= {"weekly"}


# --- cron's meaning -------------------------------------------------------------------------------


@pytest.mark.parametrize("weekday", ["1", "mon", "MON", "1-1"])
def test_monday_7_moscow_fires_on_monday_on_a_utc_server(weekday: str) -> None:
    trigger = cron_trigger(f"0 7 * * {weekday}", "Europe/Moscow")
    sunday_evening_utc = utc(2026, 11, 29, 20, 0)  # Sunday
    fire = next_fire(trigger, sunday_evening_utc)
    assert fire is not None
    assert fire.astimezone(UTC) == utc(2026, 11, 30, 4, 0)  # Monday 07:00 MSK = 04:00 UTC
    assert fire.astimezone(UTC).strftime("%A") == "Monday"


def test_weekday_ranges_and_sunday_mean_what_cron_means() -> None:
    start = utc(2026, 11, 29, 0, 0)  # a Sunday, UTC
    weekdays = []
    trigger = cron_trigger("0 12 * * 1-5", "UTC")
    moment = start
    for _ in range(5):
        moment = next_fire(trigger, moment)
        weekdays.append(moment.strftime("%a"))
    assert weekdays == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    for sunday in ("0", "7", "sun"):
        assert next_fire(cron_trigger(f"0 12 * * {sunday}", "UTC"), start).strftime("%a") == "Sun"


def test_next_fire_crosses_midnight_between_moscow_and_utc() -> None:
    trigger = cron_trigger("30 1 * * *", "Europe/Moscow")  # 01:30 MSK = 22:30 UTC the day before
    assert next_fire(trigger, utc(2026, 12, 1, 12, 0)).astimezone(UTC) == utc(2026, 12, 1, 22, 30)


# --- the loop with a fake clock -------------------------------------------------------------------


@dataclass
class FakeClock:
    moment: dt.datetime

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


@dataclass
class FakeProcess:
    code: int | None = None
    signals: list[int] = field(default_factory=list)

    def poll(self) -> int | None:
        return self.code

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        self.code = 130

    def wait(self, timeout: float | None = None) -> int:
        return self.code or 0


@dataclass
class FakeLauncher:
    started: list[Launch] = field(default_factory=list)
    processes: list[FakeProcess] = field(default_factory=list)

    def __call__(self, launch: Launch) -> FakeProcess:
        self.started.append(launch)
        self.processes.append(FakeProcess())
        return self.processes[-1]

    def finish(self, code: int = 0) -> None:
        self.processes[-1].code = code


def make(tmp_path: Path, clock: FakeClock, *jobs: dict, **top: object):
    launcher, lines = FakeLauncher(), []
    scheduler = Scheduler(schedule(*jobs, **top), tmp_path / "out", tmp_path / "data", clock=clock,
                          launcher=launcher, say=lines.append)
    return scheduler, launcher, lines


EVERY_MINUTE = {"name": "minute", "batch": "national", "cron": "* * * * *"}


def test_a_job_runs_at_its_time_and_a_trigger_during_a_run_is_skipped_and_logged(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 12, 1, 10, 0, 30))
    scheduler, launcher, lines = make(tmp_path, clock, EVERY_MINUTE)
    scheduler.start()
    assert "следующий запуск 01.12.2026 13:01 MSK" in lines[0]
    scheduler.tick()
    assert launcher.started == []  # not due yet
    clock.advance(seconds=30)
    scheduler.tick()
    assert [launch.fire_time for launch in launcher.started] == [utc(2026, 12, 1, 10, 1)]
    clock.advance(minutes=1)
    scheduler.tick()  # 10:02 is due, 10:01's run still going
    assert len(launcher.started) == 1
    assert any("13:02 MSK пропущен — идёт запуск «minute»" in line for line in lines)
    assert ledger.records(tmp_path / "out")[-1]["outcome"] == "skipped"
    launcher.finish(0)
    clock.advance(minutes=1)
    scheduler.tick()
    assert len(launcher.started) == 2


def test_a_make_briefings_holding_the_lock_makes_a_due_run_skip(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 12, 1, 10, 0, 30))
    scheduler, launcher, lines = make(tmp_path, clock, EVERY_MINUTE)
    scheduler.start()
    clock.advance(minutes=1)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path / "out")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        scheduler.tick()
    finally:
        holder.kill()
        holder.wait()
    assert launcher.started == []
    assert any("идёт другой пакет" in line and "make briefings" in line for line in lines)


def test_a_missed_run_is_caught_up_once_within_the_grace_period(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 12, 1, 10, 0, 30))
    scheduler, launcher, _ = make(tmp_path, clock, EVERY_MINUTE)
    scheduler.start()
    scheduler.tick()  # the scheduler stops here; 10 ticks go by
    clock.advance(minutes=10)
    again, launcher, lines = make(tmp_path, clock, EVERY_MINUTE)
    again.start()
    again.tick()
    assert [(launch.reason, launch.fire_time) for launch in launcher.started] == [
        ("catch-up", utc(2026, 12, 1, 10, 10))]
    assert any("пропущен, пока планировщик не работал (и ещё 9 пропущенных — один раз за все)" in line
               for line in lines)
    launcher.finish(0)
    again.tick()
    assert len(launcher.started) == 1  # once, not once per missed tick


def test_a_run_missed_beyond_the_grace_period_is_reported_not_run(tmp_path: Path) -> None:
    job = {"name": "weekly", "batch": "weekly", "cron": "0 7 * * mon"}
    clock = FakeClock(utc(2026, 11, 29, 12, 0))
    scheduler, _, _ = make(tmp_path, clock, job, grace_minutes=60)
    scheduler.start()
    clock.moment = utc(2026, 11, 30, 9, 0)  # Monday 12:00 MSK: 07:00 was 5 hours ago
    again, launcher, lines = make(tmp_path, clock, job, grace_minutes=60)
    again.start()
    again.tick()
    assert launcher.started == []
    assert any("не будет выполнен" in line for line in lines)


def test_a_failing_run_is_retried_with_backoff_then_reported(tmp_path: Path) -> None:
    job = {**EVERY_MINUTE, "cron": "0 7 * * *", "retries": 2, "retry_backoff_minutes": 5}
    clock = FakeClock(utc(2026, 12, 1, 3, 59, 30))
    scheduler, launcher, lines = make(tmp_path, clock, job)
    scheduler.start()
    clock.advance(seconds=30)
    scheduler.tick()
    launcher.finish(1)
    scheduler.tick()
    assert any("повтор через 5 мин, попытка 2 из 3" in line for line in lines)
    clock.advance(minutes=4)
    scheduler.tick()
    assert len(launcher.started) == 1
    clock.advance(minutes=1)
    scheduler.tick()
    assert [(x.reason, x.attempt) for x in launcher.started] == [("cron", 1), ("retry", 2)]
    launcher.finish(1)
    scheduler.tick()
    assert any("повтор через 10 мин, попытка 3 из 3" in line for line in lines)
    clock.advance(minutes=10)
    scheduler.tick()
    launcher.finish(1)
    scheduler.tick()
    assert lines[-1].startswith("✖ «minute»: ошибка (код 1) после 3 попыток")
    clock.advance(hours=1)
    scheduler.tick()
    assert len(launcher.started) == 3


def test_a_run_past_its_deadline_is_reported_late(tmp_path: Path) -> None:
    job = {**EVERY_MINUTE, "cron": "0 7 * * *", "deadline": "07:30"}
    clock = FakeClock(utc(2026, 12, 1, 3, 59, 30))
    scheduler, launcher, lines = make(tmp_path, clock, job)
    scheduler.start()
    clock.advance(seconds=30)
    scheduler.tick()
    assert launcher.started[0].deadline == utc(2026, 12, 1, 4, 30)
    clock.advance(minutes=31)
    scheduler.tick()
    assert "не успевает к сроку 01.12.2026 07:30 MSK" in lines[-1]
    launcher.finish(0)
    scheduler.tick()
    assert lines[-1] == "«minute»: готово — С ОПОЗДАНИЕМ; следующий запуск 02.12.2026 07:00 MSK"


def test_new_data_triggers_a_run_once_until_the_exports_change_again(tmp_path: Path) -> None:
    job = {"name": "fresh", "batch": "national", "on_new_data": True}
    (tmp_path / "data").mkdir()
    export_file = tmp_path / "data" / "federal.csv"
    export_file.write_text("a\n")
    clock = FakeClock(utc(2026, 12, 1, 10, 0))
    scheduler, launcher, _ = make(tmp_path, clock, job, new_data_check_minutes=5)
    scheduler.start()
    scheduler.tick()
    assert [x.reason for x in launcher.started] == ["new-data"]
    from helpers.schedule.triggers import data_signature

    ledger.append(tmp_path / "out", {"job": "fresh", "outcome": "ok",
                                     "data_signature": data_signature(tmp_path / "data")})
    launcher.finish(0)
    for _ in range(3):
        clock.advance(minutes=5)
        scheduler.tick()
    assert len(launcher.started) == 1
    export_file.write_text("a\nb\n")
    clock.advance(minutes=4)
    scheduler.tick()
    assert len(launcher.started) == 1  # the next check is a few minutes away
    clock.advance(minutes=1)
    scheduler.tick()
    assert len(launcher.started) == 2


def test_active_from_and_until_bound_the_runs(tmp_path: Path) -> None:
    job = {**EVERY_MINUTE, "cron": "0 7 * * *", "active_from": "2026-12-03", "active_until": "2026-12-04"}
    clock = FakeClock(utc(2026, 12, 1, 0, 0))
    scheduler, launcher, lines = make(tmp_path, clock, job)
    scheduler.start()
    assert "следующий запуск 03.12.2026 07:00 MSK" in lines[0]
    fired = []
    for _ in range(6 * 24):
        clock.advance(hours=1)
        scheduler.tick()
        if launcher.processes and launcher.processes[-1].code is None:
            fired.append(launcher.started[-1].fire_time.astimezone(UTC).date().isoformat())
            launcher.finish(0)
    assert fired == ["2026-12-03", "2026-12-04"]


def test_during_campaign_means_the_weeks_before_its_cutover() -> None:
    from helpers.indicators.campaigns import load_campaigns

    campaign = next(iter(load_campaigns().values()))
    window = {"id": campaign.id, "weeks_before_cutover": 2}
    job = schedule({**EVERY_MINUTE, "during_campaign": window}).jobs[0]
    assert job.active_from == campaign.cutover - dt.timedelta(weeks=2)
    assert job.active_until == campaign.cutover


def test_stopping_sends_sigterm_to_the_running_job_and_waits(tmp_path: Path) -> None:
    import signal

    clock = FakeClock(utc(2026, 12, 1, 10, 0, 30))
    scheduler, launcher, lines = make(tmp_path, clock, EVERY_MINUTE)
    scheduler.start()
    clock.advance(minutes=1)
    scheduler.tick()
    scheduler.stop()
    assert launcher.processes[0].signals == [signal.SIGTERM]
    assert scheduler.running is None


def test_export_gives_crontab_and_systemd_units_calling_the_same_command() -> None:
    plan = schedule({"name": "weekly", "batch": "weekly", "cron": "0 7 * * 1-5"})
    text = export.crontab(plan, "/venv/bin/python", Path("/srv/app"))
    command = "cd /srv/app && /venv/bin/python -m helpers.schedule run-job weekly --reason cron"
    assert f"0 4 * * 1-5 {command}" in text and "CRON_TZ" not in text.replace("учитывает CRON_TZ", "")
    units = export.systemd_units(plan, "/venv/bin/python", Path("/srv/app"))
    timer = units["sferum-briefings-weekly.timer"]
    assert "OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 07:00:00 Europe/Moscow" in timer
    assert "Persistent=true" in timer
    service = units["sferum-briefings-weekly.service"]
    assert "ExecStart=/venv/bin/python -m helpers.schedule run-job weekly --reason cron" in service


def test_the_lock_is_shared_with_the_batch(tmp_path: Path) -> None:
    from helpers.batch.run import lock_state

    with batch_lock(tmp_path / "out", what="make briefings"):
        assert lock_state(tmp_path / "out").held


def test_exported_jobs_carry_the_data_and_output_folders_of_the_shell() -> None:
    plan = schedule({"name": "weekly", "batch": "weekly", "cron": "0 7 * * 1"})
    carried = export.carried_environment({"DATA_DIR": "/srv/exports", "OUTPUT_DIR": "", "HOME": "/root"})
    assert carried == {"DATA_DIR": "/srv/exports"}
    python, root = "/venv/bin/python", Path("/srv")
    assert "DATA_DIR=/srv/exports /venv/bin/python" in export.crontab(plan, python, root, carried)
    service = export.systemd_units(plan, python, root, carried)["sferum-briefings-weekly.service"]
    assert 'Environment="DATA_DIR=/srv/exports"' in service


def test_retries_cut_short_by_a_restart_are_resumed(tmp_path: Path) -> None:
    job = {**EVERY_MINUTE, "cron": "0 7 * * *", "retries": 2, "retry_backoff_minutes": 5}
    clock = FakeClock(utc(2026, 12, 1, 4, 2))
    ledger.append(tmp_path / "out", {"job": "minute", "outcome": "failed", "attempt": 1,
                                     "fire_time": "2026-12-01T07:00:00+03:00",
                                     "finished_at": "2026-12-01T04:01:00+00:00"})
    scheduler, launcher, lines = make(tmp_path, clock, job)
    scheduler.start()
    assert any("повтор 2 из 3 в 01.12.2026 07:06 MSK" in line for line in lines)
    scheduler.tick()
    assert launcher.started == []
    clock.advance(minutes=4)
    scheduler.tick()
    assert [(x.reason, x.attempt, x.fire_time) for x in launcher.started] == [
        ("retry", 2, utc(2026, 12, 1, 4, 0))]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("cron", ["0 7 * * mon", "30 6 * * 1-5", "*/15 9-18 * * *", "0 7 1 * *",
                                  "0 0 * 1-3 *", "5 23 * * 0"])
def test_systemd_fires_the_exported_timer_when_the_scheduler_would(cron: str) -> None:
    job = schedule({"name": "j", "batch": "weekly", "cron": cron}).jobs[0]
    base = utc(2026, 11, 29, 12, 0)
    done = subprocess.run(["systemd-analyze", "calendar", "--base-time=2026-11-29 12:00:00 UTC",
                           export.on_calendar(job)], capture_output=True, text=True, check=True)
    elapse = next(line for line in done.stdout.splitlines() if "Next elapse:" in line)
    systemd_next = dt.datetime.strptime(elapse.split(": ", 1)[1].strip(), "%a %Y-%m-%d %H:%M:%S UTC")
    assert systemd_next.replace(tzinfo=UTC) == next_fire(job.trigger, base).astimezone(UTC)


def test_a_new_fire_time_replaces_a_pending_retry_of_the_same_job(tmp_path: Path) -> None:
    job = {**EVERY_MINUTE, "cron": "*/2 * * * *", "retries": 1, "retry_backoff_minutes": 5}
    clock = FakeClock(utc(2026, 12, 1, 10, 1, 30))
    scheduler, launcher, lines = make(tmp_path, clock, job)
    scheduler.start()
    clock.advance(seconds=30)
    scheduler.tick()
    launcher.finish(1)
    scheduler.tick()  # the retry waits five minutes; the job fires again in two
    clock.advance(minutes=2)
    scheduler.tick()
    assert "ожидавший повтор заменён новым запуском" in lines[-2]
    launcher.finish(0)
    clock.advance(minutes=1, seconds=30)
    scheduler.tick()
    clock.advance(minutes=5)
    scheduler.tick()
    assert [(x.reason, x.attempt) for x in launcher.started] == [("cron", 1), ("cron", 1), ("cron", 1)]


# --- crontab lines fire at the schedule's Moscow times under Debian's cron (which ignores CRON_TZ) --

YEAR_START = utc(2026, 12, 7, 0, 0)


def cron_fires(text: str, server_zone: str) -> dict[str, set[dt.datetime]]:
    """Each job's fire times over a year, reading the crontab as Debian's cron does: every line in
    the server's zone, ``CRON_TZ`` ignored."""
    fired: dict[str, set[dt.datetime]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "=" in line.split()[0] or "--if-new-data" in line:
            continue
        fields = line.split()
        job = fields[fields.index("run-job") + 1]
        trigger = cron_trigger(" ".join(fields[:5]), server_zone)
        year = fires_between(trigger, YEAR_START, YEAR_START + dt.timedelta(days=366))
        fired.setdefault(job, set()).update(year)
    return fired


def schedule_fires(job) -> set[dt.datetime]:  # noqa: ANN001
    return set(fires_between(job.trigger, YEAR_START, YEAR_START + dt.timedelta(days=366)))


@pytest.mark.parametrize("server_zone", ["UTC", "Etc/UTC", "Europe/Moscow", "Asia/Vladivostok",
                                         "Asia/Kolkata", "Asia/Kathmandu"])
def test_every_exported_cron_line_fires_at_the_schedule_s_times_over_a_year(server_zone: str) -> None:
    shipped = load_schedule()
    table = export.crontab_for(shipped, "/venv/bin/python", Path("/srv/app"), server_zone=server_zone,
                               now=YEAR_START)
    assert table.refused == {}
    fired = cron_fires(table.text, server_zone)
    for job in (j for j in shipped.jobs if j.cron):
        assert fired[job.name] == schedule_fires(job), job.name
    if server_zone in ("UTC", "Etc/UTC"):  # the weekly job at 07:00 Moscow = 04:00 UTC, before its deadline
        assert min(fired["weekly"]).astimezone(UTC).hour == 4


@pytest.mark.parametrize("cron", ["0 7 * * mon", "30 1 * * 1-5", "*/15 2-4 * * 0", "45 0,2,23 * * sat,sun",
                                  "0 1-5 * * *", "5 23 * * 0", "0 12 1 * *", "0 7 * 1-3 *", "*/20 1-3 * * *"])
def test_converted_lines_fire_when_the_job_does_for_tricky_expressions(cron: str) -> None:
    plan = schedule({"name": "j", "batch": "weekly", "cron": cron})
    table = export.crontab_for(plan, "/venv/bin/python", Path("/srv"), server_zone="UTC", now=YEAR_START)
    assert table.refused == {}
    assert cron_fires(table.text, "UTC")["j"] == schedule_fires(plan.jobs[0])


@pytest.mark.parametrize(("cron", "server_zone", "says"), [
    ("0 1 1 * *", "UTC", "день месяца или месяц задан"),  # 01:00 on the 1st in Moscow is the 31st in UTC
    ("0 7 * * mon", "America/New_York", "меняется в течение года"),
])
def test_times_cron_cannot_express_in_the_server_s_zone_are_refused_pointing_to_systemd(
        cron: str, server_zone: str, says: str, monkeypatch, capsys) -> None:
    plan = schedule({"name": "j", "batch": "weekly", "cron": cron})
    table = export.crontab_for(plan, "/venv/bin/python", Path("/srv"), server_zone=server_zone,
                               now=YEAR_START)
    assert says in table.refused["j"]
    assert cron_fires(table.text, server_zone) == {}  # no line that would fire at the wrong time
    assert "sferum-briefings-j.timer" in table.text
    monkeypatch.setenv("CRON_SERVER_TZ", server_zone)
    monkeypatch.setattr("helpers.schedule.__main__.load_schedule", lambda: plan)
    from helpers.schedule.__main__ import main

    assert main(["export"]) == 2
    err = capsys.readouterr().err
    assert "Задание «j» не выгружено для cron" in err and "systemd" in err


def test_the_server_zone_is_the_system_clock_s_not_the_shell_s(tmp_path: Path) -> None:
    from helpers.config import server_timezone

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "localtime").symlink_to("/usr/share/zoneinfo/Asia/Vladivostok")
    assert server_timezone({"TZ": "Europe/Moscow"}, tmp_path) == "Asia/Vladivostok"
    assert server_timezone({"CRON_SERVER_TZ": "Asia/Omsk"}, tmp_path) == "Asia/Omsk"
