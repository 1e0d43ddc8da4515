"""What every briefing says the same way, in HTML and Excel alike.

Russian number and date formats (``20,5 %``, ``83 тыс.``, ``1 234 567``, ``+3,1 п.п.``), plurals
(«21 школа», «32 родителя»), short municipality names, how a target is worded, and the statuses
(code → word, symbol, CSS class, colours). The briefings, the HTML template's CSS, the Excel
writer and the charts all take them from here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Protocol

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: float | int | None) -> str:
    """``1234567`` → ``1 234 567`` (non-breaking spaces as thousands separators)."""
    if _missing(value):
        return "—"
    return f"{round(value):,}".replace(",", NBSP)  # type: ignore[arg-type]


def fmt_decimal(value: float | None, digits: int = 1) -> str:
    """``20.456`` → ``20,5``."""
    if _missing(value):
        return "—"
    text = f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")
    return text.replace(" ", NBSP)


def fmt_percent(share: float | None, digits: int = 1) -> str:
    """A share in 0..1 as Russian percent: ``0.205`` → ``20,5 %``."""
    if _missing(share):
        return "—"
    return f"{fmt_decimal(share * 100, digits)}{NBSP}%"  # type: ignore[operator]


def fmt_pp(delta: float | None, digits: int = 1) -> str:
    """A difference of shares as signed percentage points: ``0.031`` → ``+3,1 п.п.``."""
    if _missing(delta):
        return "—"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"  # type: ignore[operator]
    return f"{sign}{fmt_decimal(abs(delta) * 100, digits)}{NBSP}п.п."  # type: ignore[arg-type]


def fmt_signed_int(delta: float | int | None) -> str:
    """A change of a count with its sign: ``+12``, ``−3``, ``±0``."""
    if _missing(delta):
        return "—"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"  # type: ignore[operator]
    return f"{sign}{fmt_int(abs(delta))}"  # type: ignore[arg-type]


def fmt_places(move: float | int | None) -> str:
    """A move in a ranking, the Russian way: ``+3 места`` (up), ``−1 место`` (down), ``без
    изменений``."""
    if _missing(move):
        return "—"
    places = int(move)  # type: ignore[arg-type]
    if places == 0:
        return "без изменений"
    word = plural(places, "место", "места", "мест")
    return f"{'+' if places > 0 else '−'}{abs(places)}{NBSP}{word}"


def fmt_thousands(value: float | int | None) -> str:
    """``83 112`` → ``83 тыс.``; millions as ``1,1 млн``."""
    if _missing(value):
        return "—"
    if abs(value) >= 1_000_000:  # type: ignore[arg-type]
        return f"{fmt_decimal(value / 1_000_000, 1)}{NBSP}млн"  # type: ignore[operator]
    if abs(value) >= 1_000:  # type: ignore[arg-type]
        return f"{fmt_int(value / 1_000)}{NBSP}тыс."  # type: ignore[operator]
    return fmt_int(value)


def fmt_date(day: dt.date | None) -> str:
    """``2024-09-11`` → ``11 сентября 2024 г.``"""
    if day is None:
        return "—"
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year}{NBSP}г."


def fmt_date_short(day: dt.date | None) -> str:
    """``2024-09-11`` → ``11.09.2024``."""
    return "—" if day is None else day.strftime("%d.%m.%Y")


# --- plurals ----------------------------------------------------------------------------------

def plural(number: int, one: str, few: str, many: str) -> str:
    """The noun agreeing with ``number``: 1 школа, 2 школы, 5 школ, 11 школ, 21 школа."""
    number = abs(int(number))
    tail, tens = number % 10, number % 100
    if tail == 1 and tens != 11:
        return one
    return few if 2 <= tail <= 4 and not 12 <= tens <= 14 else many


def counted(number: int, one: str, few: str, many: str) -> str:
    """A count with its noun agreed: ``counted(32, "родитель", "родителя", "родителей")`` →
    «32 родителя», 11 → «11 родителей», 21 → «21 родитель»."""
    return f"{fmt_int(number)} {plural(number, one, few, many)}"


DAY_WORDS = ("день", "дня", "дней")
SCHOOL_WORDS = ("школа", "школы", "школ")
RECORD_WORDS = ("запись", "записи", "записей")
PARENT_WORDS = ("родителя", "родителей", "родителей")  # «у N родителей»: genitive after «у»


# --- names ------------------------------------------------------------------------------------

SHORT_MUNICIPALITY_KINDS = (
    ("муниципальный округ", f"м.{NBSP}о."),
    ("муниципальный район", f"м.{NBSP}р."),
    ("городской округ", f"г.{NBSP}о."),
)


def short_municipality(name: str) -> str:
    """«Бабаевский муниципальный округ» → «Бабаевский м. о.» (for wide tables and charts)."""
    for long, short in SHORT_MUNICIPALITY_KINDS:
        name = name.replace(long, short)
    return name


def lower_first(text: str) -> str:
    """«Информация о входе в ЭЖД» → «информация о входе в ЭЖД» (abbreviations kept)."""
    return text[:1].lower() + text[1:]


# --- targets ----------------------------------------------------------------------------------

class ShareTarget(Protocol):
    """A share target: reached at ``value`` (strictly above it when ``strict``). Read-only, so
    that a frozen dataclass (``indicators.kpis.Target``) is one."""

    @property
    def value(self) -> float: ...

    @property
    def strict(self) -> bool: ...


def target_wording(target: ShareTarget) -> str:
    """How a share target reads: «более 25 %» (strict), «не менее 75 %», «100 %» (all)."""
    if target.value >= 1 and not target.strict:
        return fmt_percent(target.value, 0)
    return ("более " if target.strict else "не менее ") + fmt_percent(target.value, 0)


# --- statuses ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Status:
    """How one status reads and looks: never by colour alone — a symbol and a word go with it."""

    code: str
    word: str
    symbol: str
    fill: str  # background, hex RGB without '#'
    ink: str  # text colour on that background
    chart: str  # the colour of a bar or marker in charts

    @property
    def label(self) -> str:
        """«✔ выполнено»."""
        return f"{self.symbol} {self.word}"

    @property
    def css_class(self) -> str:
        return f"status-{self.code}"


STATUSES: dict[str, Status] = {
    "met": Status("met", "выполнено", "✔", "DCEFD6", "1D5A1D", "#1b7837"),
    "near": Status("near", "близко к цели", "▲", "FFF0C2", "6E4A00", "#e08214"),
    "behind": Status("behind", "отстаёт", "✖", "F7D4D1", "8E1B1B", "#b2182b"),
    "unknown": Status("unknown", "нет данных", "—", "EEEEEE", "555555", "#9e9e9e"),
}
"""A KPI's status against its target (colour-blind safe colours)."""


@dataclass(frozen=True)
class TaskState:
    """A task's state on a day, and the KPI status whose colours it takes."""

    code: str
    word: str
    short: str  # for narrow table columns
    symbol: str
    colour_of: str  # a key of STATUSES

    @property
    def label(self) -> str:
        """«▲ выполнено с опозданием»."""
        return f"{self.symbol} {self.word}"

    @property
    def short_label(self) -> str:
        """«✖ просрочено»."""
        return f"{self.symbol} {self.short}"


TASK_STATES: dict[str, TaskState] = {
    "done": TaskState("done", "выполнено в срок", "в срок", "✔", "met"),
    "late": TaskState("late", "выполнено с опозданием", "с опозданием", "▲", "near"),
    "overdue": TaskState("overdue", "не выполнено, срок прошёл", "просрочено", "✖", "behind"),
    "pending": TaskState("pending", "в работе, срок не наступил", "в работе", "○", "unknown"),
    "unknown": TaskState("unknown", "нет данных", "нет данных", "—", "unknown"),
}


def status_label(code: str) -> str:
    """``met`` → «✔ выполнено»."""
    return STATUSES[code].label


def task_label(code: str) -> str:
    """``late`` → «▲ выполнено с опозданием»."""
    return TASK_STATES[code].label


def task_short_label(code: str) -> str:
    """``overdue`` → «✖ просрочено» (for narrow table columns)."""
    return TASK_STATES[code].short_label


def _labels() -> dict[str, str]:
    """Every way the briefings write a status: «✔ выполнено», «выполнено», «✖ просрочено»…"""
    labels = {}
    for status in STATUSES.values():
        labels.update({status.label: status.code, status.word: status.code})
    for state in TASK_STATES.values():
        for text in (state.label, state.word, state.short_label, state.short):
            labels.setdefault(text, state.colour_of)
            labels.setdefault(text.replace(" ", NBSP), state.colour_of)
    return labels


STATUS_OF_LABEL = _labels()
"""A status cell's text (a KPI status or a task state, as the tables write it) → status code."""


def status_of_label(text: object) -> str | None:
    """The status code (``met``, ``near``, ``behind``, ``unknown``) of a status cell, else None."""
    return STATUS_OF_LABEL.get(text) if isinstance(text, str) else None
