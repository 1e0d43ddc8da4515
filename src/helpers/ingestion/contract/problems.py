"""Problems found in an export, each naming file, sheet, row, column, value and rule (in Russian)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding about one cell (or a whole file/row when column is empty)."""

    file: str
    rule: str  # Russian, for the person who fixes the export
    sheet: str = ""
    row: int | None = None  # row number as the user sees it in Excel (1-based)
    column: str = ""  # the header as it appears in the export
    value: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"лист «{self.sheet}»")
        if self.row is not None:
            parts.append(f"строка {self.row}")
        if self.column:
            parts.append(f"столбец «{self.column}»")
        where = ", ".join(parts)
        value = f"значение «{self.value}»: " if self.value != "" else ""
        prefix = "ПРЕДУПРЕЖДЕНИЕ: " if self.severity == "warning" else "ОШИБКА: "
        return f"{prefix}{where}: {value}{self.rule}"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]
