"""The batch lock: one batch per output folder, shared by `make briefings`, the scheduler and cron."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.batch.run import BATCH_LOCK, BatchBusy, batch_lock, lock_state, stale_lock_note

HOLD = """
import sys, time
from pathlib import Path
from helpers.batch.run import batch_lock
with batch_lock(Path(sys.argv[1]), what="держатель"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_batch_is_refused_while_another_process_holds_the_folder(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"  # type: ignore[union-attr]
        state = lock_state(tmp_path)
        assert state.held and not state.stale and state.holder["pid"] == holder.pid
        with pytest.raises(BatchBusy, match=f"pid {holder.pid}"), batch_lock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()
    # killed with -9: the flock is gone, the pid it wrote is left behind — a stale lock
    state = lock_state(tmp_path)
    assert not state.held and state.stale and state.holder["pid"] == holder.pid
    with batch_lock(tmp_path) as taken:
        assert taken.stale and f"pid {holder.pid}" in stale_lock_note(taken)
    assert lock_state(tmp_path) == lock_state(tmp_path)
    assert not lock_state(tmp_path).stale  # a clean exit clears the holder


def test_the_lock_is_reentrant_within_one_process(tmp_path: Path) -> None:
    with batch_lock(tmp_path, what="запуск по расписанию"):
        with batch_lock(tmp_path):
            assert lock_state(tmp_path).held
        assert json.loads((tmp_path / BATCH_LOCK).read_text())["what"] == "запуск по расписанию"
    assert not lock_state(tmp_path).held
