"""Batch progress: a rich progress bar on a terminal, plain log lines anywhere else."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from helpers.batch.executors import Outcome


class BatchProgress:
    """Counts of done / failed / skipped / remaining with elapsed time and an estimate."""

    def __init__(self, total: int, skipped: int, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.total, self.skipped, self.done, self.failed = total, skipped, 0, 0
        self.started = time.monotonic()
        self._bar: Progress | None = None
        if self.stream.isatty() and total:
            self._bar = Progress(
                TextColumn("[bold]Справки"), BarColumn(),
                TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), TextColumn("осталось"),
                TimeRemainingColumn(), console=Console(file=self.stream), transient=False,
            )
            self._task = self._bar.add_task("", total=total, counts=self.counts())
            self._bar.start()

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed

    def counts(self) -> str:
        return (f"готово {self.done} · ошибок {self.failed} · актуальны {self.skipped} · "
                f"осталось {self.remaining}")

    def advance(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.done += 1
        else:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, counts=self.counts())
            if not outcome.ok:
                self._bar.console.print(f"[red]✖ {outcome.job.label}: {outcome.entry.get('error')}")
            return
        mark = "✔" if outcome.ok else "✖"
        error = "" if outcome.ok else f" — {outcome.entry.get('error')}"
        finished = self.done + self.failed
        elapsed = time.monotonic() - self.started
        eta = elapsed / finished * self.remaining if finished else 0.0
        self.stream.write(f"[{finished}/{self.total}] {mark} {outcome.job.label} "
                          f"({outcome.entry.get('duration_s', 0):.1f} с){error} · {self.counts()} · "
                          f"прошло {elapsed:.0f} с, осталось ≈{eta:.0f} с\n")
        self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
