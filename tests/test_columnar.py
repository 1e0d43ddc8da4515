"""Whole-column cleaning gives every cell the value and the rule the scalar cleaner gives it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from helpers.ingestion.contract import cleaning, columnar
from helpers.ingestion.contract.forms import PARENTS, PUPILS

LISTS = ["1001,1002", "1001", "1001, 1002", "1001;1002", " 1001 ,1002 ", "1001,,1002", ",1001",
         "1001,", "10 01,1002", "1001\n1002", "1001\u00a0,1002", ",", "1001,1002,1003"]


def _scalar(rule, cell: object) -> tuple[object, str | None]:
    try:
        return rule(cell), None
    except ValueError as exc:
        return None, str(exc)


ONE_FLAW = [[cell, "1001,1002", "7"] for cell in LISTS[2:]]  # one untidy cell in a column


@pytest.mark.parametrize("cells", [LISTS, ["1001,1002", "7", "5,6,7"], *ONE_FLAW])
def test_id_lists_cleaned_as_one_by_one(cells: list[str]) -> None:
    series = pd.Series(cells, dtype="str", index=range(10, 10 + len(cells)))
    cleaned = columnar.cleaner(PARENTS.column("children"))(series)
    rules = cleaned.error_rows()
    for row, cell in zip(series.index, cells, strict=True):
        value, rule = _scalar(cleaning.clean_id_list, cell)
        assert rules.get(row) == rule, cell
        if rule is None:
            assert cleaned.values[row] == value, cell
    assert cleaned.bad.sum() == sum(_scalar(cleaning.clean_id_list, c)[1] is not None
                                    for c in cells)


def test_a_clean_column_has_no_bad_cell_and_a_bad_cell_keeps_its_row_and_rule() -> None:
    date = columnar.cleaner(PUPILS.column("birth_date"))
    good = date(pd.Series(["01.09.2015", "2016-02-29"] * 3, dtype="str"))
    assert not good.bad.any() and good.error_rows().empty
    assert good.values.tolist() == [pd.Timestamp(dt.date(2015, 9, 1)),
                                    pd.Timestamp(dt.date(2016, 2, 29))] * 3
    bad = date(pd.Series(["01.09.2015", "31.02.2016", "01.09.2015"], dtype="str",
                         index=[5, 6, 7]))
    assert bad.bad.tolist() == [False, True, False]
    assert list(bad.error_rows().index) == [6]
    assert bad.error_rows()[6] == _scalar(cleaning.clean_date, "31.02.2016")[1]
