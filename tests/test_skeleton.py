"""The one skeleton of «now and at the base»: the period, the base, both snapshots, the hash."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pytest

from helpers.briefings import skeleton
from helpers.errors import BadInput
from helpers.warehouse import slices

D = dt.date
DAYS = [D(2024, 9, 2), D(2024, 9, 9), D(2024, 9, 12), D(2024, 9, 16)]


@dataclass(frozen=True)
class Total:
    """A toy snapshot: the sum of one export's values."""

    day: dt.date | None
    rows: pd.DataFrame

    @property
    def read(self) -> tuple[pd.DataFrame, ...]:
        return (self.rows,)


def _frames(values: tuple[int, ...] = (1, 2, 3, 4)) -> dict[str, pd.DataFrame]:
    return {"t": pd.DataFrame({"snapshot_date": pd.to_datetime(DAYS), "value": list(values)})}


def total(frames: slices.Frames, on_or_before: dt.date | None) -> Total:
    rows = frames["t"]
    day = slices.snapshot_on_or_before(rows, on_or_before.isoformat() if on_or_before else "")
    return Total(day, rows[rows["snapshot_date"] == pd.Timestamp(day)])


def difference(base: Total | None, now: Total) -> int | None:
    return None if base is None else int(now.rows["value"].sum() - base.rows["value"].sum())


def _compared(frames: dict[str, pd.DataFrame] | None = None, period: str = "",
              **options: object) -> skeleton.NowAndBase[Total, int | None]:
    frames = frames or _frames()
    return skeleton.now_and_base(frames, period=period, min_days=7, dates=frames["t"]["snapshot_date"],
                                 snapshot=total, compare=difference, **options)  # type: ignore[arg-type]


def test_the_base_is_the_latest_snapshot_at_least_min_days_older() -> None:
    latest = _compared()
    assert (latest.now.day, latest.base and latest.base.day) == (D(2024, 9, 16), D(2024, 9, 9))
    assert latest.changes == 4 - 2  # compare(base, now)
    assert _compared(period="2024-09-15").base.day == D(2024, 9, 2)  # type: ignore[union-attr]


def test_without_a_base_the_comparison_gets_none() -> None:
    early = _compared(period="2024-09-08")
    assert early.now.day == D(2024, 9, 2) and early.base is None and early.changes is None


def test_the_kind_says_which_dates_may_be_the_base() -> None:
    after_the_first = _compared(candidate=lambda day: day > D(2024, 9, 9))
    assert after_the_first.base is None  # 12.09 is too recent, 09.09 and 02.09 not allowed


def test_a_period_that_is_not_a_date_is_refused() -> None:
    with pytest.raises(BadInput):
        _compared(period="16.09.2024")


def test_the_hash_covers_what_was_read_now_and_at_the_base_and_nothing_after() -> None:
    reference = pd.DataFrame({"code": ["35"]})
    plain = _compared(period="2024-09-15", read=(reference,)).data_hash
    assert _compared(_frames((1, 2, 3, 99)), period="2024-09-15", read=(reference,)).data_hash == plain
    assert _compared(_frames((7, 2, 3, 4)), period="2024-09-15", read=(reference,)).data_hash != plain
    assert _compared(_frames((1, 2, 7, 4)), period="2024-09-15", read=(reference,)).data_hash != plain
    assert _compared(period="2024-09-15", read=(reference.assign(code="36"),)).data_hash != plain


def test_a_region_is_named_from_the_reference_or_by_its_code() -> None:
    regions = pd.DataFrame({"region_code": ["35"], "name_ru": ["Вологодская область"]})
    assert skeleton.region_name(regions, "35") == "Вологодская область"
    assert skeleton.region_name(regions, "99") == "99"
