"""Russian number and date formats for everything users read: ``20,5 %``, ``83 тыс.``, ``1 234 567``."""

from __future__ import annotations

import datetime as dt
import math

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
