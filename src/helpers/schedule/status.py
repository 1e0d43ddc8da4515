"""``make schedule-status``: each job's next run, its last runs (outcome, duration, counts), and
whether the scheduler is running."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from helpers.batch.run import lock_state, stale_lock_note
from helpers.delivery import ledger as deliveries
from helpers.schedule import ledger
from helpers.schedule.config import Schedule
from helpers.schedule.runner import Scheduler, local_time, scheduler_pid

OUTCOME_WORDS = {"ok": "✓ готово", "late": "⚠ с опозданием", "failed": "✖ ошибка",
                 "skipped": "– пропущен", "interrupted": "✖ прерван"}


def _run_line(record: dict[str, Any]) -> str:
    moment = record.get("fire_time") or record.get("started_at") or record.get("finished_at")
    when = local_time(dt.datetime.fromisoformat(moment)) if moment else "—"
    counts = record.get("counts") or {}
    parts = [f"    {when}  {OUTCOME_WORDS.get(record.get('outcome', ''), record.get('outcome'))}"
             f"  ({record.get('reason', '—')})"]
    if record.get("duration_s") is not None:
        parts.append(f"{record['duration_s']:.1f} с".replace(".", ","))
    if counts:
        parts.append(f"справок {counts.get('planned', 0)}: сформировано {counts.get('rendered', 0)}, "
                     f"актуальных {counts.get('up_to_date', 0)}, с ошибкой {counts.get('failed', 0)}")
    text = "  ".join(parts)
    for error in (record.get("errors") or [])[:3]:
        text += "\n      " + str(error).splitlines()[0][:200]
    return text


def status_text(schedule: Schedule, output_dir: Path, data_dir: Path, now: dt.datetime) -> str:
    pid = scheduler_pid(output_dir)
    lines = [f"Планировщик: {'работает (pid ' + str(pid) + ')' if pid else 'не запущен (make schedule)'}"]
    state = lock_state(output_dir)
    if state.held:
        lines.append(f"Сейчас идёт: {(state.holder or {}).get('what') or 'пакет'} "
                     f"(pid {(state.holder or {}).get('pid', '?')})")
    elif state.stale:
        lines.append(stale_lock_note(state))
    probe = Scheduler(schedule, output_dir, data_dir)
    for job in schedule.jobs:
        lines.append("")
        upcoming = probe._next_active(job, now) if job.trigger is not None else None  # noqa: SLF001
        when = local_time(upcoming, job.zone) if upcoming else (
            "по новым данным" if job.on_new_data else "больше не запустится")
        lines.append(f"«{job.name}» — пакет {job.batch}; следующий запуск: {when}"
                     + ("; также при новых данных" if job.on_new_data and upcoming else ""))
        runs = ledger.last_runs(output_dir, job.name)
        lines.extend([_run_line(r) for r in reversed(runs)] or ["    запусков ещё не было"])
    failed = deliveries.unsent(output_dir)
    if failed:
        lines.append("")
        lines.append("Рассылка — не доставлено (повтор при следующем запуске или make deliver):")
        lines.extend(f"    ✖ {r.get('recipient')}: {str(r.get('error') or '')[:200]}" for r in failed)
    return "\n".join(lines)
