"""Declared forms: the one place where Russian headers map to canonical column names.

A form lists its columns with the header as the form prints it, the accepted variants, the
kind of value and the rules beyond the kind. Reading, cleaning, validation and error messages
are driven by these declarations (see ``reading.py``, ``cleaning.py``, ``validation.py``), so a
new export format is a new ``Form``, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ValueKind = Literal["region_code", "text", "count", "flag", "date", "datetime", "id", "oktmo"]


@dataclass(frozen=True)
class Column:
    """One column of a form: canonical name, the header users see, and its rules."""

    name: str
    header: str
    kind: ValueKind
    aliases: tuple[str, ...] = ()
    required: bool = True
    nullable: bool = False
    not_above: str | None = None  # canonical name of a column this count must not exceed
    names_of: str | None = None  # a name column checked against the reference name of this code

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Form:
    """An export format: its columns, key, and where its snapshot date may be found."""

    name: str
    title: str  # Russian, as users call the form
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str | None = None  # canonical name of an optional per-row date column
    totals_labels: tuple[str, ...] = ("итого", "всего")
    totals_columns: tuple[str, ...] = field(default=())  # counts a totals row is checked on

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def count_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind == "count")


FEDERAL = Form(
    name="federal",
    title="Федеральный мониторинг «Сферум»",
    columns=(
        Column("region_code", "Код субъекта", "region_code", aliases=("Код региона", "Код")),
        Column(
            "region_name",
            "Субъект Российской Федерации",
            "text",
            aliases=("Субъект РФ", "Наименование субъекта", "Регион"),
            names_of="region_code",
        ),
        Column("directors_total", "Руководителей ОО, всего", "count"),
        Column(
            "directors_active",
            "Руководителей ОО, активных в чатах",
            "count",
            not_above="directors_total",
        ),
        Column("teachers_total", "Педагогических работников, всего", "count"),
        Column(
            "teachers_active",
            "Педагогических работников, активных в чатах",
            "count",
            not_above="teachers_total",
        ),
        Column("class_teachers_total", "Классных руководителей, всего", "count"),
        Column(
            "class_teachers_parent_chat",
            "Классных руководителей, создавших чат с родителями",
            "count",
            not_above="class_teachers_total",
        ),
        Column("pupils_total", "Обучающихся, всего", "count"),
        Column(
            "teachers_linked",
            "Педагогов, связавших учётные записи ЭЖД и Сферум",
            "count",
            not_above="teachers_total",
        ),
        Column(
            "pupils_linked",
            "Обучающихся, связавших учётные записи ЭЖД и Сферум",
            "count",
            not_above="pupils_total",
        ),
        Column(
            "teachers_esia",
            "Педагогов, привязавших учётную запись к ЕСИА",
            "count",
            not_above="teachers_total",
        ),
        Column("integration_done", "Базовая интеграция ЭЖД со Сферумом завершена", "flag"),
        Column("snapshot_date", "Дата среза", "date", required=False),
    ),
    key=("snapshot_date", "region_code"),
    date_column="snapshot_date",
)

FORMS: dict[str, Form] = {FEDERAL.name: FEDERAL}
