"""What changed since the last meeting: the comparison base and the moves between two snapshots.

The base of a briefing's «Что изменилось» block is the latest snapshot at least
``changes.base_min_days`` days (``params/targets.yml``, 7 by default) before the briefing's own
date — last week's meeting. Without such a snapshot there is no base, and the block says so
instead of inventing one. Everything here is pure: frames and dates in, frames out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd


def comparison_base(dates: Iterable[dt.date | pd.Timestamp], day: dt.date,
                    min_days: int = 7) -> dt.date | None:
    """The latest of ``dates`` at least ``min_days`` days before ``day`` (None when there is none)."""
    latest = day - dt.timedelta(days=min_days)
    earlier = [pd.Timestamp(d).date() for d in dates if pd.Timestamp(d).date() <= latest]
    return max(earlier) if earlier else None


def status_moves(before: pd.DataFrame, after: pd.DataFrame, *, key: str, status: str
                 ) -> pd.DataFrame:
    """Rows whose ``status`` changed between two snapshots, keyed by ``key``.

    Returns ``key``, ``before``, ``after`` (the statuses; ``None`` where the row is missing from
    one snapshot), only for rows present in both whose status differs, or present in one only.
    """
    old = dict(zip(before[key], before[status], strict=True))
    new = dict(zip(after[key], after[status], strict=True))
    rows = [(k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    out = pd.DataFrame({key: [r[0] for r in rows], "before": pd.Series([r[1] for r in rows], dtype=object),
                        "after": pd.Series([r[2] for r in rows], dtype=object)})
    return out.sort_values(key).reset_index(drop=True)


def crossings(before: pd.DataFrame, after: pd.DataFrame, *, key: str, met: str) -> pd.DataFrame:
    """Rows that reached or lost a target between two snapshots (``met``: a boolean column).

    Returns ``key`` and ``direction``: ``"reached"`` (not met before, met now) or ``"lost"``.
    Rows in one snapshot only are not crossings (they are additions or removals).
    """
    both = before[[key, met]].merge(after[[key, met]], on=key, suffixes=("_before", "_after"))
    was, now = both[f"{met}_before"].astype(bool), both[f"{met}_after"].astype(bool)
    out = pd.DataFrame({key: both[key], "direction": None})
    out.loc[~was & now, "direction"] = "reached"
    out.loc[was & ~now, "direction"] = "lost"
    return out.dropna(subset=["direction"]).sort_values(key).reset_index(drop=True)


def rank_moves(before: pd.DataFrame, after: pd.DataFrame, *, key: str, rank: str = "rank"
               ) -> pd.DataFrame:
    """Each row's rank then and now and the move (positive = up the ranking, i.e. a smaller
    number). Rows missing from either snapshot get no move (NaN)."""
    both = before[[key, rank]].merge(after[[key, rank]], on=key, how="right",
                                     suffixes=("_before", "_after"))
    both["move"] = both[f"{rank}_before"] - both[f"{rank}_after"]
    return both.rename(columns={f"{rank}_before": "rank_before", f"{rank}_after": "rank_after"})


def set_changes(before: Iterable[str], after: Iterable[str]) -> tuple[list[str], list[str]]:
    """(entered, left): members of ``after`` not in ``before``, and of ``before`` not in ``after``."""
    old, new = list(before), list(after)
    return [m for m in new if m not in old], [m for m in old if m not in new]
