"""Problems found in an export, each naming file, sheet, row, column, value and rule (in Russian).

The value of a personal column (names, logins, SNILS, birth dates, pupils' and parents' ids) is
never shown: the file, sheet, row, column and rule are enough to find the cell, and messages
and logs must not carry a person's data (``Problem.masked``). In a file that holds personal data,
a bad value of another column is shown only when it has the shape of that column's values; any
other is described by its shape (``Problem.shape``, see :mod:`shapes`): a name typed into «Класс»
is a name all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
MASKED_VALUE = "значение скрыто (персональные данные / personal data)"


@dataclass(frozen=True)
class Problem:
    """One finding about one cell (or a whole file/row when column is empty)."""

    file: str
    rule: str  # Russian, for the person who fixes the export
    sheet: str = ""
    row: int | None = None  # row number as the user sees it in Excel (1-based)
    column: str = ""  # the header as it appears in the export
    value: str = field(default="", repr=False)  # shown by __str__ only when it may be
    severity: Severity = "error"
    masked: bool = False  # the value is personal: say that there is one, not what it is
    shape: str = ""  # a masked value described by its shape («три слова, 26 символов — …, скрыто»)

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"лист «{self.sheet}»")
        if self.row is not None:
            parts.append(f"строка {self.row}")
        if self.column:
            parts.append(f"столбец «{self.column}»")
        where = ", ".join(parts)
        if self.value == "":
            value = ""
        elif self.masked and self.shape:
            value = f"значение ({self.shape}): "
        elif self.masked:
            value = f"{MASKED_VALUE}: "
        else:
            value = f"значение «{self.value}»: "
        prefix = "ПРЕДУПРЕЖДЕНИЕ: " if self.severity == "warning" else "ОШИБКА: "
        return f"{prefix}{where}: {value}{self.rule}"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]
