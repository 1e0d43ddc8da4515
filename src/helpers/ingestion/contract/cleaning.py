"""Turning the text of real exports into values: numbers with spaces, codes, dashes, yes/no, dates,
identifiers, classes, enumerations, web addresses.

Each cleaner returns the clean value, or raises ``ValueError`` with the Russian rule the value
breaks; the reader turns that into a ``Problem`` naming the cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from helpers.ingestion.contract.forms import Choices

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


_ANY_DASH = re.compile(r"[\-\u2010-\u2015\u2212]")
_ABBREVIATIONS = (  # (pattern, full word): the usual short forms of municipality types
    (re.compile(r"(?<!\w)р-н(?!\w)"), " район "),
    (re.compile(r"(?<!\w)м\.\s*о\.?(?!\w)"), " муниципальный округ "),
    (re.compile(r"(?<!\w)м\.\s*р\.?(?!\w)"), " муниципальный район "),
    (re.compile(r"(?<!\w)г\.\s*о\.?(?!\w)"), " городской округ "),
    (re.compile(r"(?<!\w)г\.(?!\w)"), " город "),
)
_IGNORED_IN_NAMES = re.compile(r"[\s\-().,«»\"]+")


def name_key(text: object) -> str:
    """A name for comparison: case, ё/е, any dash, spaces, brackets and quotes ignored; «р-н»
    is «район», «м.о.» «муниципальный округ», «м.р.» «муниципальный район», «г.о.» «городской
    округ», «г.» «город»."""
    value = normalize_name(text).lower().replace("ё", "е")
    value = _ANY_DASH.sub("-", value)
    for pattern, word in _ABBREVIATIONS:
        value = pattern.sub(word, value)
    return _IGNORED_IN_NAMES.sub("", value)


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


_TIME_IN_TEXT = re.compile(r"^\s*(?:г\.?|года)?\s*,?\s*(?:в\s*)?(\d{1,2})[:.](\d{2})(?!\d)")
_TIME_IN_NAME = re.compile(r"^[\sT_-]+(\d{2})[-.h]?(\d{2})(?!\d)")


def find_datetime(text: str, *, file_name: bool = False) -> tuple[dt.datetime, bool] | None:
    """The first date in a text and the time of day right after it, if any.

    ``Выгружено 16.09.2024 14:05`` → (16.09.2024 14:05, True); ``по состоянию на 16.09.2024`` →
    (16.09.2024 00:00, False). In a file name the time may be written ``_1405`` or ``_14-05``.
    """
    for pattern, _ in _DATE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        day = find_date(match.group(0))
        if day is None:
            return None
        clock = (_TIME_IN_NAME if file_name else _TIME_IN_TEXT).match(text[match.end():])
        if clock and int(clock[1]) < 24 and int(clock[2]) < 60:
            return dt.datetime.combine(day, dt.time(int(clock[1]), int(clock[2]))), True
        return dt.datetime.combine(day, dt.time()), False
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


def clean_done_date(value: object) -> dt.date | None:
    """A task's date of completion, or a word saying it is not done («нет», «-», «не проведено»)."""
    if isinstance(value, str):
        text = re.sub(r"\s+", " ", value).strip().lower()
        if text in FALSE_WORDS or text.startswith("не "):
            return None
        if text in TRUE_WORDS:
            raise ValueError("ожидается дата выполнения в виде ДД.ММ.ГГГГ (или «нет»)")
    return clean_date(value)


def clean_id(value: object) -> str:
    """An identifier as text: ``123.0`` (a number cell) → ``"123"``, spaces trimmed."""
    if isinstance(value, bool):
        raise ValueError("ожидается идентификатор")
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        raise ValueError("ожидается идентификатор, а не дата")
    return re.sub(r"\s+", " ", str(value).replace("\u00a0", " ")).strip()


_LIST_SEPARATORS = re.compile(r"\s*[,;\n]\s*")


def clean_id_list(value: object) -> str:
    """A list of identifiers separated by commas, semicolons or line breaks → ``"a,b,c"``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return clean_id(value)
    items = [clean_id(item) for item in _LIST_SEPARATORS.split(str(value)) if item.strip()]
    if not items:
        raise ValueError("ожидается список идентификаторов через запятую")
    return ",".join(items)


_QUOTES = re.compile(r"[«»\"'“”„()\[\]]")
_ARROWS = re.compile(r"\s*(?:<->|↔|<=>|[-\u2010-\u2015\u2212])\s*")


def choice_key(text: object) -> str:
    """A word of an enumeration for matching: case, ё/е, quotes, brackets, dashes ignored."""
    value = unicodedata.normalize("NFC", str(text)).lower().replace("ё", "е")
    value = _ARROWS.sub("-", _QUOTES.sub(" ", value))
    return re.sub(r"\s+", " ", value).strip(" .")


@lru_cache(maxsize=32)
def _choice_lookup(choices: Choices) -> dict[str, str]:
    lookup = {}
    for code, words in choices.variants:
        lookup[code] = code
        lookup.update({choice_key(word): code for word in words})
    return lookup


def clean_choice(value: object, choices: Choices) -> str:
    """One of the declared words (any variant) → its canonical code."""
    code = _choice_lookup(choices).get(choice_key(value))
    if code is None:
        accepted = ", ".join(f"«{words[0]}»" for _, words in choices.variants)
        raise ValueError(f"ожидается одно из: {accepted}")
    return code


_CLASS = re.compile(r"(\d{1,2})\s*(?:-|\s)?\s*[«\"']?\s*([а-яa-z])?\s*[»\"']?(?:\s*класс)?")
_LATIN_LOOKALIKES = str.maketrans("abcekmhoptxy", "авсекмнортху")


def clean_class(value: object) -> str:
    """A class as the grade and the letter: ``5 "А"``, ``5-а``, ``5а класс`` → ``5А``; ``3`` → ``3``."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip().lower().replace("ё", "е")
    match = _CLASS.fullmatch(text)
    if match is None or not 1 <= int(match[1]) <= 12:
        raise ValueError("ожидается класс вида «5А» (параллель от 1 до 12 и буква)")
    letter = (match[2] or "").translate(_LATIN_LOOKALIKES).upper()
    return f"{int(match[1])}{letter}"


_URL = re.compile(r"(?:https?://)?[\w.-]+\.[a-zа-я]{2,}(?:[/?#]\S*)?", re.IGNORECASE)


def clean_url(value: object) -> str:
    """A web address; ``school5.ru/docs`` gets ``https://`` in front."""
    text = str(value).strip()
    if _URL.fullmatch(text) is None:
        raise ValueError("ожидается адрес страницы в интернете (https://…)")
    return text if re.match(r"https?://", text, re.IGNORECASE) else f"https://{text}"
