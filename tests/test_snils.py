"""SNILS control numbers: every branch of data/reference/snils.md."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.ingestion.contract import snils


@pytest.mark.parametrize("number, total, branch", [
    ("112-233-445 95", 95, "S < 100, the official example"),
    ("001-001-999 65", 65, "S < 100, the first checkable number"),
    ("123-456-789 64", 165, "S > 101: 165 mod 101 = 64"),
    ("987-654-321 83", 285, "S > 101: 285 mod 101 = 83"),
    ("345-678-901 23", 225, "S > 101: 225 mod 101 = 23"),
    ("001-508-815 00", 100, "S = 100 → 00"),
    ("001-437-544 00", 101, "S = 101 → 00"),
    ("234-567-890 99", 200, "S > 101: 200 mod 101 = 99"),
    ("006-996-682 00", 201, "S > 101: 201 mod 101 = 100 → 00"),
])
def test_every_branch_of_the_control_number(number: str, total: int, branch: str) -> None:
    digits = snils.normalize(number)
    assert sum(int(d) * w for d, w in zip(digits[:9], range(9, 0, -1), strict=True)) == total
    assert snils.control_number(digits[:9]) == int(digits[9:]), branch
    assert snils.is_valid(digits), branch


def test_a_wrong_control_number_is_invalid() -> None:
    assert not snils.is_valid(snils.normalize("112-233-445 96"))


def test_small_numbers_are_not_checked() -> None:
    assert snils.is_valid(snils.normalize("001-001-998 00"))
    assert snils.is_valid(snils.normalize("001-001-998 37"))  # any control number


def test_all_zeros_and_malformed_values_are_invalid() -> None:
    values = pd.Series(["00000000000", "1122334459", "112-233-445", "нет", None, "11223344595"],
                       dtype=object)
    assert snils.validity(values).tolist() == [False, False, False, False, False, True]


@pytest.mark.parametrize("cell, digits", [
    ("112-233-445 95", "11223344595"), ("112 233 445 95", "11223344595"),
    ("11223344595", "11223344595"), (1001999.0 * 100 + 65, "00100199965"),
    ("112\u00a0233\u00a0445\u00a095", "11223344595"), ("н/д", "н/д"),
])
def test_normalize(cell: object, digits: str) -> None:
    assert snils.normalize(cell) == digits


def test_formatted() -> None:
    assert snils.formatted("11223344595") == "112-233-445 95"
