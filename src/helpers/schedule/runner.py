"""The foreground scheduler (``make schedule``): runs each job at its times, one run at a time.

- At start it prints each job's next fire time (Moscow time, or the job's zone) and catches up a
  fire time missed while it was down — once, however many ticks were missed, and only within
  the grace period; it says so either way.
- A job due while another run is active (this scheduler's, or a ``make briefings`` holding the
  batch lock) is skipped and logged; catch-ups, retries and new-data runs wait their turn.
- A failed run is retried after a backoff that doubles; after the last attempt it is reported.
  A run still going at its deadline, or finished after it, is reported late.
- SIGTERM or Ctrl-C stops it: a running job gets SIGTERM (the batch keeps what it finished and
  the next run renders the rest) and the scheduler waits for it.

The clock and the way a job is started are injected, so tests drive the loop with a fake clock
and fake processes and never sleep.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from helpers.batch.run import lock_state
from helpers.render.provenance import MOSCOW
from helpers.schedule import ledger
from helpers.schedule.config import Schedule, ScheduledJob
from helpers.schedule.job import EXIT_BUSY, EXIT_INTERRUPTED, EXIT_OK, say
from helpers.schedule.triggers import data_signature, fires_between, next_fire
from helpers.vocabulary import counted

POLL_SECONDS = 1.0


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class Process(Protocol):
    def poll(self) -> int | None: ...
    def send_signal(self, signum: int) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


@dataclass
class Launch:
    """One run to start: the job, why, for which fire time, which attempt, and its deadline."""

    job: ScheduledJob
    reason: str
    fire_time: dt.datetime
    attempt: int = 1
    deadline: dt.datetime | None = None

    @property
    def attempts(self) -> int:
        return self.job.retries + 1


Launcher = Callable[[Launch], Process]


def run_job_command(launch: Launch) -> list[str]:
    command = [sys.executable, "-m", "helpers.schedule", "run-job", launch.job.name,
               "--reason", launch.reason, "--fire-time", launch.fire_time.isoformat(),
               "--attempt", str(launch.attempt), "--attempts", str(launch.attempts)]
    if launch.deadline:
        command += ["--deadline", launch.deadline.isoformat()]
    return command


def subprocess_launcher(launch: Launch) -> Process:
    """The real launcher: the job in a child process (a crash there never stops the scheduler)."""
    return subprocess.Popen(run_job_command(launch))


def local_time(moment: dt.datetime, zone: dt.tzinfo = MOSCOW) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M %Z")


@dataclass
class Running:
    launch: Launch
    process: Process
    warned_late: bool = False


@dataclass
class Scheduler:
    schedule: Schedule
    output_dir: Path
    data_dir: Path
    clock: Clock = field(default_factory=SystemClock)
    launcher: Launcher = subprocess_launcher
    say: Callable[[str], None] = say
    next_fires: dict[str, dt.datetime | None] = field(default_factory=dict)
    queue: list[tuple[dt.datetime, Launch]] = field(default_factory=list)  # (not before, launch)
    running: Running | None = None
    next_data_check: dt.datetime | None = None

    # --- start -------------------------------------------------------------------------------

    def start(self) -> None:
        """Compute next fire times, catch up what was missed while down, print the plan."""
        now = self.clock.now()
        last = ledger.last_tick(self.output_dir)
        for job in self.schedule.jobs:
            self._resume_retry(job, now)
            if job.trigger is not None:
                if last is not None:
                    self._catch_up(job, last, now)
                self.next_fires[job.name] = self._next_active(job, now)
            self.say(self._plan_line(job))
        self.next_data_check = now
        ledger.save_tick(self.output_dir, now)

    def _plan_line(self, job: ScheduledJob) -> str:
        parts = [f"«{job.name}» (пакет {job.batch}"
                 + (f", регион {job.region}" if job.region else "")
                 + (f", виды: {', '.join(job.kinds)}" if job.kinds else "") + ")"]
        moment = self.next_fires.get(job.name)
        if job.trigger is not None:
            parts.append(f"следующий запуск {local_time(moment, job.zone)}" if moment
                         else "больше не запустится (вне дат активности)")
        if job.on_new_data:
            parts.append("и при новых данных (проверка каждые "
                         f"{int(self.schedule.new_data_every.total_seconds() // 60)} мин)")
        return "  ".join(parts)

    def _next_active(self, job: ScheduledJob, after: dt.datetime) -> dt.datetime | None:
        """The next fire time on a day the job is active (None when its window is over)."""
        assert job.trigger is not None
        moment = next_fire(job.trigger, after)
        for _ in range(10_000):
            if moment is None or job.active_on(moment):
                return moment
            if job.active_until and moment.astimezone(job.zone).date() > job.active_until:
                return None
            moment = next_fire(job.trigger, moment)
        return None

    def _catch_up(self, job: ScheduledJob, last: dt.datetime, now: dt.datetime) -> None:
        assert job.trigger is not None
        missed = [m for m in fires_between(job.trigger, last, now) if job.active_on(m)]
        if not missed:
            return
        latest, more = missed[-1], len(missed) - 1
        others = counted(more, "пропущенный", "пропущенных", "пропущенных")
        also = f" (и ещё {others} — один раз за все)" if more else ""
        if now - latest <= self.schedule.grace:
            self.say(f"«{job.name}»: запуск {local_time(latest, job.zone)} пропущен, пока планировщик "
                     f"не работал{also} — выполняю сейчас")
            self._enqueue(now, Launch(job, "catch-up", latest, 1, job.deadline_after(latest)))
        else:
            self.say(f"«{job.name}»: запуск {local_time(latest, job.zone)} пропущен{also} и не будет "
                     f"выполнен — прошло больше {self._grace_text()}")
            ledger.append(self.output_dir, {"job": job.name, "batch": job.batch, "reason": "catch-up",
                                            "fire_time": latest.isoformat(), "outcome": "skipped",
                                            "errors": ["пропущен, пока планировщик не работал"],
                                            "finished_at": now.isoformat()})

    def _next_text(self, job: ScheduledJob) -> str:
        moment = self.next_fires.get(job.name)
        return f"; следующий запуск {local_time(moment, job.zone)}" if moment else ""

    def _resume_retry(self, job: ScheduledJob, now: dt.datetime) -> None:
        """A failed run whose retries were cut short by a restart gets them (within the grace period)."""
        runs = [r for r in ledger.last_runs(self.output_dir, job.name, 1) if r.get("outcome") == "failed"]
        if not runs or not runs[0].get("finished_at") or not runs[0].get("fire_time"):
            return
        last = runs[0]
        attempt = int(last.get("attempt") or 1)
        finished = dt.datetime.fromisoformat(last["finished_at"])
        if attempt >= job.retries + 1 or now - finished > self.schedule.grace:
            return
        fire = dt.datetime.fromisoformat(last["fire_time"])
        when = max(now, finished + job.backoff(attempt))
        self.say(f"«{job.name}»: запуск {local_time(fire, job.zone)} завершился ошибкой до остановки — "
                 f"повтор {attempt + 1} из {job.retries + 1} в {local_time(when, job.zone)}")
        self._enqueue(when, Launch(job, "retry", fire, attempt + 1, job.deadline_after(fire)))

    def _grace_text(self) -> str:
        return f"{int(self.schedule.grace.total_seconds() // 60)} мин ожидания"

    def _enqueue(self, when: dt.datetime, launch: Launch) -> None:
        self.queue.append((when, launch))

    # --- one pass --------------------------------------------------------------------------------

    def tick(self) -> None:
        """Look at the clock once: finish, start, retry and check what is due."""
        now = self.clock.now()
        self._watch_running(now)
        for job in self.schedule.jobs:
            due = self.next_fires.get(job.name)
            if job.trigger is not None and due is not None and due <= now:
                self.next_fires[job.name] = self._next_active(job, now)
                self._due(Launch(job, "cron", due, 1, job.deadline_after(due)), now)
        if self.next_data_check is not None and now >= self.next_data_check:
            self.next_data_check = now + self.schedule.new_data_every
            self._check_new_data(now)
        self._start_queued(now)
        ledger.save_tick(self.output_dir, now)

    def _busy_with(self) -> str:
        if self.running is not None:
            return f"идёт запуск «{self.running.launch.job.name}»"
        state = lock_state(self.output_dir)
        if state.held:
            holder = state.holder or {}
            what = holder.get("what") or "make briefings"
            return f"идёт другой пакет (pid {holder.get('pid', '?')}, {what})"
        return ""

    def _due(self, launch: Launch, now: dt.datetime) -> None:
        busy = self._busy_with()
        if busy:
            self.say(f"«{launch.job.name}»: запуск {local_time(launch.fire_time, launch.job.zone)} "
                     f"пропущен — {busy}")
            ledger.append(self.output_dir, {"job": launch.job.name, "batch": launch.job.batch,
                                            "reason": launch.reason,
                                            "fire_time": launch.fire_time.isoformat(),
                                            "outcome": "skipped", "errors": [busy],
                                            "finished_at": now.isoformat()})
            return
        superseded = [item for item in self.queue if item[1].job.name == launch.job.name]
        if superseded:  # a new run of the job replaces its pending retry or catch-up
            self.queue = [item for item in self.queue if item not in superseded]
            self.say(f"«{launch.job.name}»: ожидавший повтор заменён новым запуском")
        self._enqueue(now, launch)

    def _check_new_data(self, now: dt.datetime) -> None:
        jobs = [j for j in self.schedule.jobs if j.on_new_data and j.active_on(now)]
        if not jobs:
            return
        signature = data_signature(self.data_dir)
        for job in jobs:
            last = ledger.last_success(self.output_dir, job.name)
            waiting = any(launch.job.name == job.name for _, launch in self.queue)
            active = self.running is not None and self.running.launch.job.name == job.name
            if (last or {}).get("data_signature") != signature and not waiting and not active:
                self.say(f"«{job.name}»: выгрузки в {self.data_dir} изменились со времени последнего "
                         "успешного запуска — запускаю")
                self._enqueue(now, Launch(job, "new-data", now, 1, job.deadline_after(now)))

    def _start_queued(self, now: dt.datetime) -> None:
        if self.running is not None or not self.queue:
            return
        ready = [item for item in self.queue if item[0] <= now]
        if not ready:
            return
        if lock_state(self.output_dir).held:
            return  # a `make briefings` is running: queued runs wait for it
        item = min(ready, key=lambda pair: pair[0])
        self.queue.remove(item)
        launch = item[1]
        attempt = f" (попытка {launch.attempt} из {launch.attempts})" if launch.attempt > 1 else ""
        self.say(f"«{launch.job.name}»: запуск ({_REASONS.get(launch.reason, launch.reason)}){attempt}")
        self.running = Running(launch, self.launcher(launch))

    def _watch_running(self, now: dt.datetime) -> None:
        if self.running is None:
            return
        launch = self.running.launch
        code = self.running.process.poll()
        if code is None:
            if launch.deadline and now > launch.deadline and not self.running.warned_late:
                self.running.warned_late = True
                deadline = local_time(launch.deadline, launch.job.zone)
                self.say(f"«{launch.job.name}»: не успевает к сроку {deadline} "
                         "— запуск продолжается")
            return
        self.running = None
        late = launch.deadline is not None and now > launch.deadline
        if code == EXIT_OK:
            self.say(f"«{launch.job.name}»: готово" + (" — С ОПОЗДАНИЕМ" if late else "")
                     + self._next_text(launch.job))
        elif code == EXIT_BUSY:
            self.say(f"«{launch.job.name}»: пропущено — выходную папку держит другой пакет")
        elif code == EXIT_INTERRUPTED:
            self.say(f"«{launch.job.name}»: прерван")
        elif launch.attempt < launch.attempts:
            wait = launch.job.backoff(launch.attempt)
            self.say(f"«{launch.job.name}»: ошибка (код {code}); повтор через "
                     f"{int(wait.total_seconds() // 60)} мин, "
                     f"попытка {launch.attempt + 1} из {launch.attempts}")
            self._enqueue(now + wait, Launch(launch.job, "retry", launch.fire_time, launch.attempt + 1,
                                             launch.deadline))
        else:
            self.say(f"✖ «{launch.job.name}»: ошибка (код {code}) после {launch.attempts} "
                     f"{'попытки' if launch.attempts == 1 else 'попыток'}; см. make schedule-status"
                     + self._next_text(launch.job))
        if code not in (EXIT_OK, EXIT_BUSY, EXIT_INTERRUPTED, 1, 2) and code is not None:
            ledger.append(self.output_dir, {"job": launch.job.name, "batch": launch.job.batch,
                                            "reason": launch.reason,
                                            "fire_time": launch.fire_time.isoformat(),
                                            "outcome": "failed", "attempt": launch.attempt,
                                            "errors": [f"процесс завершился с кодом {code}"],
                                            "finished_at": now.isoformat()})

    # --- the loop ----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask a running job to stop the way Ctrl-C does, and wait for it."""
        if self.running is None:
            return
        self.say(f"Останавливаю «{self.running.launch.job.name}»: сделанное сохранится, "
                 "остальное сформирует следующий запуск")
        self.running.process.send_signal(signal.SIGTERM)
        self.running.process.wait()
        self.running = None

    def run_forever(self, stopping: threading.Event) -> None:
        self.start()
        try:
            while not stopping.is_set():
                self.tick()
                stopping.wait(POLL_SECONDS)
        finally:
            self.stop()
            self.say("Планировщик остановлен.")


_REASONS = {"cron": "по расписанию", "catch-up": "пропущенный запуск", "new-data": "новые данные",
            "retry": "повтор", "manual": "вручную"}


def install_stop_signals(stopping: threading.Event) -> None:
    """SIGTERM and SIGINT (Ctrl-C) set ``stopping``; the loop ends after the current pass."""
    def stop(_signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


SCHEDULER_LOCK = ".scheduler.lock"


def scheduler_pid(output_dir: Path) -> int | None:
    """The pid of the scheduler running on ``output_dir`` (None when none is running)."""
    import fcntl

    path = output_dir / SCHEDULER_LOCK
    if not path.exists():
        return None
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def hold_scheduler_lock(output_dir: Path):  # noqa: ANN201 - an open file kept for the process's life
    """One scheduler per output folder; the open, locked file is returned and must be kept."""
    import fcntl

    output_dir.mkdir(parents=True, exist_ok=True)
    handle = (output_dir / SCHEDULER_LOCK).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
