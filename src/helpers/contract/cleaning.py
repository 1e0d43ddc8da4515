"""Turning the text of real exports into values: numbers with spaces, codes, dashes, yes/no, dates.

Each cleaner returns the clean value, or raises ``ValueError`` with the Russian rule the value
breaks; the reader turns that into a ``Problem`` naming the cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009\u200b']+")
_DASHES = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]\s*")
_BRACKETS = re.compile(r"\s*[(\[].*?[)\]]\s*")

TRUE_WORDS = frozenset({"да", "+", "1", "yes", "true", "истина", "завершена", "v", "✓"})
FALSE_WORDS = frozenset({"нет", "-", "0", "no", "false", "ложь", "не завершена", "−", "–", "—"})


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and not value.strip()


def normalize_header(text: object) -> str:
    """Header text for matching: case, ё/е, wrapped lines, spaces, units in brackets ignored."""
    value = unicodedata.normalize("NFC", str(text or "")).lower().replace("ё", "е")
    value = _BRACKETS.sub(" ", value)
    value = _DASHES.sub("-", value)
    value = _SPACES.sub(" ", value)
    return value.strip(" .:;*")


def normalize_name(text: object) -> str:
    """A territory name in canonical form: any dash as an en dash with spaces, single spaces."""
    value = unicodedata.normalize("NFC", str(text or "")).replace("\u00a0", " ")
    value = re.sub(r"\s+", " ", value).strip()
    return re.sub(r"\s+[-\u2010-\u2015\u2212]\s+", " \u2013 ", value)


def name_key(text: object) -> str:
    """A name for comparison: case, ё/е, dashes and spaces ignored."""
    value = normalize_name(text).lower().replace("ё", "е")
    return re.sub(r"[\s\-\u2013()]+", "", value)


def clean_count(value: object) -> int:
    """``"1 234"``, ``1234.0``, ``"1\u00a0234"`` → ``1234``; a count is a whole number ≥ 0."""
    if isinstance(value, bool):
        raise ValueError("ожидается целое число")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value != value or value != int(value):
            raise ValueError("ожидается целое число")
        number = int(value)
    else:
        text = _SPACES.sub("", str(value)).replace(",", ".")
        if re.fullmatch(r"[-\u2212]?\d+(\.0+)?", text) is None:
            raise ValueError("ожидается целое число")
        number = int(float(text.replace("\u2212", "-")))
    if number < 0:
        raise ValueError("количество не может быть отрицательным")
    return number


def clean_code(value: object, width: int) -> str:
    """A numeric code with or without leading zeros (``1``, ``01``, ``1.0``) → zero-padded text."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = _SPACES.sub("", str(value))
    if re.fullmatch(r"\d+(\.0+)?", text) is None:
        raise ValueError("ожидается числовой код")
    digits = text.split(".")[0].lstrip("0") or "0"
    if len(digits) > width:
        raise ValueError(f"код длиннее {width} цифр")
    return digits.zfill(width)


def clean_flag(value: object) -> bool:
    """да / нет and their variants (Да, ДА, +, 1, нет, -, 0) → bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = re.sub(r"\s+", " ", str(value)).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("ожидается «да» или «нет»")


_DATE_PATTERNS = (
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
)


def find_date(text: str) -> dt.date | None:
    """The first date written ``16.09.2024`` or ``2024-09-16`` in a text, if any."""
    for pattern, order in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def clean_date(value: object) -> dt.date:
    """A date cell: Excel date/datetime, ``16.09.2024`` or ``2024-09-16``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    found = find_date(str(value))
    if found is None:
        raise ValueError("ожидается дата в виде ДД.ММ.ГГГГ")
    return found


def clean_text(value: object) -> str:
    return normalize_name(value)
