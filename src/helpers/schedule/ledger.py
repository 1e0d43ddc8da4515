"""The run ledger ``output/schedule_runs.jsonl``: one JSON line per scheduled run, kept across restarts.

A record: ``job``, ``reason`` (``cron``, ``catch-up``, ``new-data``, ``retry``, ``manual``),
``fire_time``, ``started_at``, ``finished_at`` (ISO 8601), ``duration_s``, ``outcome`` (``ok``,
``late``, ``failed``, ``skipped``, ``interrupted``), ``attempt`` and ``attempts``, ``counts``
(planned, up_to_date, rendered, failed), ``errors`` (first lines), ``data_signature``. The
scheduler's own state (when it last looked at the clock) is ``output/.schedule_state.json``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers.render.catalog import JOB_RUNS_LOG
from helpers.render.publish import atomic_write_text

STATE_FILE = ".schedule_state.json"
SUCCESS = ("ok", "late")


def append(output_dir: Path, record: Mapping[str, Any]) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    with (output_dir / JOB_RUNS_LOG).open("a", encoding="utf-8") as log:
        log.write(json.dumps(dict(record), ensure_ascii=False, default=str) + "\n")


def records(output_dir: Path) -> list[dict[str, Any]]:
    path = output_dir / JOB_RUNS_LOG
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue  # a line cut by a crash mid-write; the others stand
    return found


def last_runs(output_dir: Path, job: str, count: int = 5) -> list[dict[str, Any]]:
    return [r for r in records(output_dir) if r.get("job") == job][-count:]


def last_success(output_dir: Path, job: str) -> dict[str, Any] | None:
    done = [r for r in records(output_dir) if r.get("job") == job and r.get("outcome") in SUCCESS]
    return done[-1] if done else None


def last_tick(output_dir: Path) -> dt.datetime | None:
    """When the scheduler last looked at the clock (None before its first run here)."""
    path = output_dir / STATE_FILE
    try:
        return dt.datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["last_tick"])
    except (OSError, ValueError, KeyError):
        return None


def save_tick(output_dir: Path, moment: dt.datetime) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(output_dir / STATE_FILE, json.dumps({"last_tick": moment.isoformat()}))
