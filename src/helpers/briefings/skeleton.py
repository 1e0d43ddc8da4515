"""What every briefing kind does the same way: load its data, and compare «now» with the base.

:func:`load` is every kind's loader: it reads the warehouse slices the kind declares
(``KIND.reads``), its params and reference files (``KIND.inputs``, by
:func:`helpers.briefings.inputs.load`) and hands both to the kind's pure ``build``, which opens
no file.

:func:`now_and_base` is the skeleton of «what changed since the last meeting»: it checks the
period, takes the kind's snapshot on or before it, picks the comparison base (the latest of the
kind's dates at least ``min_days`` before the snapshot's, among those the kind allows), takes
the same snapshot at the base, compares both with the kind's function and hashes the rows the
two snapshots and the kind's other frames read. A kind supplies only its snapshot (a
:class:`Snapshot`: its date and the rows it read) and its comparison.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import pandas as pd

from helpers.briefings import inputs as input_files
from helpers.briefings.declaration import BriefingKind
from helpers.config import settings
from helpers.indicators.changes import comparison_base
from helpers.warehouse import slices


class Snapshot(Protocol):
    """A kind's figures on one date: the date they are of and the rows they were made from."""

    @property
    def day(self) -> dt.date | None:
        """The export the figures are of (None: there is none on or before the bound)."""
        ...

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        """The rows (and columns) the figures were made from, for the data hash."""
        ...


S = TypeVar("S", bound=Snapshot)
C = TypeVar("C")
R = TypeVar("R")


@dataclass(frozen=True)
class NowAndBase(Generic[S, C]):
    """A kind's snapshot now and at the comparison base, what changed, and the data hash."""

    now: S
    base: S | None  # None: no export old enough (then ``changes`` is the kind's «no base»)
    changes: C
    data_hash: str  # of the frames read besides the snapshots, then of both snapshots' rows

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        """The rows both snapshots read, now first."""
        return (*self.now.read, *(self.base.read if self.base is not None else ()))


def always(_: dt.date) -> bool:
    """Every date may be a comparison base."""
    return True


def now_and_base(frames: slices.Frames, *, period: str, min_days: int,
                 dates: Iterable[dt.date | pd.Timestamp],
                 snapshot: Callable[[slices.Frames, dt.date | None], S],
                 compare: Callable[[S | None, S], C],
                 candidate: Callable[[dt.date], bool] = always,
                 read: Sequence[pd.DataFrame] = ()) -> NowAndBase[S, C]:
    """The kind's snapshot on or before ``period`` and at its comparison base, compared.

    Args:
        frames: the kind's frames (as :func:`helpers.warehouse.slices.read` gives them).
        period: ISO date, '' for the latest; refused when it is not an ISO date.
        min_days: the base is at least this many days older than the snapshot
            (``changes.base_min_days`` of ``params/targets.yml``).
        dates: the dates of the exports a snapshot can be taken of.
        snapshot: the kind's figures on or before a date (None: the latest); the base's are
            taken on the base's own date, so they are computed exactly as now's.
        compare: what changed from the base (None when there is none) to now, called
            ``compare(base, now)`` like :mod:`helpers.indicators.changes`' ``(before, after)``.
        candidate: whether a date may be the base (readiness: within its campaign).
        read: the frames the kind read besides its snapshots (its registry, its reference),
            hashed before the snapshots' rows.

    Raises:
        helpers.errors.BadInput: ``period`` is not an ISO date.
    """
    slices.check_period(period)
    now = snapshot(frames, dt.date.fromisoformat(period) if period else None)
    day = None if now.day is None else base_day(dates, now.day, min_days, candidate)
    base = snapshot(frames, day) if day is not None else None
    rows = (*now.read, *(base.read if base is not None else ()))
    return NowAndBase(now=now, base=base, changes=compare(base, now),
                      data_hash=slices.frames_hash(*read, *rows))


def base_day(dates: Iterable[dt.date | pd.Timestamp], day: dt.date, min_days: int,
             candidate: Callable[[dt.date], bool] = always) -> dt.date | None:
    """The comparison base of ``day``: the latest of ``dates`` the kind allows (``candidate``)
    at least ``min_days`` days before it; None when there is none."""
    allowed = [d for d in (pd.Timestamp(d).date() for d in dates) if candidate(d)]
    return comparison_base(allowed, day, min_days)


def region_name(regions: pd.DataFrame, region_code: str) -> str:
    """The region's official name in the regions' reference (its code when it is not there)."""
    named = regions.loc[regions["region_code"] == region_code, "name_ru"]
    return str(named.iloc[0]) if len(named) else region_code


def load(kind: BriefingKind, build: Callable[..., R], *, period: str = "",
         warehouse_path: Path | None = None, require: Sequence[str] = (),
         **parameters: Any) -> R:
    """A kind's result from the warehouse: its slices, its params and reference files, its build.

    Args:
        kind: the kind's declaration (what it reads: ``reads`` and ``inputs``).
        build: the kind's pure build, called as ``build(frames, **inputs, period=…,
            **parameters)``.
        period: ISO date ('' = the ``PERIOD`` setting, '' there too = the latest export).
        warehouse_path: the warehouse (the ``WAREHOUSE`` setting by default).
        require: tables the region must have rows of (refused with what to do otherwise).
        parameters: the build's own parameters; ``region_code`` also scopes the read.

    Raises:
        slices.MissingData: a table the kind needs is not in the warehouse, or the region has
            no rows of a table of ``require``.
    """
    assert kind.reads is not None, f"{kind.name} declares no reads"
    region_code = str(parameters.get("region_code", ""))
    frames = slices.read(kind.reads, region_code, warehouse_path)
    for table in require:
        slices.require_rows(frames, table, region_code)
    return build(frames, **input_files.load(kind.inputs), period=period or settings().period,
                 **parameters)
