"""What a bad cell looks like, said without saying what it is.

In a file that holds personal data (a form with a ``personal`` column: pupils, parents, chat
members) a value typed into the wrong column may be a person's name, login or SNILS — a pupil's
full name in «Класс», a login in a yes/no flag. A message quotes a bad value only when it has the
shape of its own column's values (a class «5 Б», a date, a number, a «last seen» text); any other
is described by its shape: «три слова, 26 символов — похоже на ФИО, скрыто».
"""

from __future__ import annotations

import re

from helpers.vocabulary import counted

_NUMBER_WORDS = ("", "одно", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять", "десять")
_WORD = re.compile(r"\S+")
_NAME_WORD = re.compile(r"^[А-ЯЁA-Z][а-яёa-z]+(?:-[А-ЯЁA-Z]?[а-яёa-z]+)?$|^[А-ЯЁA-Z]\.(?:[А-ЯЁA-Z]\.)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[78][\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}$")
_SNILS = re.compile(r"^\d{3}[-\s]?\d{3}[-\s]?\d{3}[-\s]?\d{2}$")
_LOGIN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9._\-]{3,}$")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_NUMBER = re.compile(r"^[-+]?\d[\d\s\u00a0]*(?:[.,]\d+)?$")
_CLASS = re.compile(r"^\d{1,2}\s*[-\s]?\s*[«\"']?\s*[А-ЯЁа-яёA-Za-z]?\s*[»\"']?(?:\s*класс)?$")
_ID = re.compile(r"^[\w\-./:]{1,64}$")
_URL = re.compile(r"^(?:https?://)?[\w\-]+(?:\.[\w\-]+)+(?:/\S*)?$")
_LOWERCASE_WORDS = re.compile(r"^[а-яёa-z][\w\s«»\"'().,:;+\-–—/]*$")


def _count_words(number: int, one: str, few: str, many: str) -> str:
    """«три слова», «26 символов»: small numbers in words, larger in digits."""
    text = counted(number, one, few, many)
    if number < len(_NUMBER_WORDS):
        word = "один" if number == 1 and one == "символ" else _NUMBER_WORDS[number]
        word = "одно" if number == 1 and one == "слово" else word
        return text.replace(str(number), word, 1)
    return text


def guess(value: str) -> str:
    """What the value looks like (ФИО, логин, адрес почты, телефон, СНИЛС, дата), or nothing."""
    words = value.split()
    if _EMAIL.match(value):
        return "адрес электронной почты"
    if _PHONE.match(value):
        return "номер телефона"
    if _SNILS.match(value):
        return "СНИЛС"
    if _DATE.match(value):
        return "дату"
    if 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        return "ФИО"
    if len(words) == 1 and _NAME_WORD.match(value):
        return "имя или фамилию"
    if len(words) == 1 and _LOGIN.match(value):
        return "логин"
    return ""


def describe(value: str) -> str:
    """The shape of a hidden value: «три слова, 26 символов — похоже на ФИО, скрыто»."""
    text = " ".join(value.split())
    words = len(_WORD.findall(text))
    shape = ", ".join(part for part in (
        _count_words(words, "слово", "слова", "слов") if words > 1 else "",
        _count_words(len(text), "символ", "символа", "символов")) if part)
    like = guess(text)
    return f"{shape} — похоже на {like}, скрыто" if like else f"{shape}, скрыто"


def _last_seen_shape(value: str) -> bool:
    """«заходила вчера в 21:23», «в сети», «02.09.2024 10:15», «online»: lower case or digits."""
    return bool(_DATE.match(value) or (_LOWERCASE_WORDS.match(value) and not guess(value)))


OWN_SHAPES = {
    "count": lambda v: bool(_NUMBER.match(v)),
    "region_code": lambda v: bool(_NUMBER.match(v)),
    "oktmo": lambda v: bool(_NUMBER.match(v)),
    "date": lambda v: bool(_DATE.match(v)),
    "datetime": lambda v: bool(_DATE.match(v)),
    "done_date": lambda v: bool(_DATE.match(v)) or v.casefold() in ("да", "нет", "-", "+"),
    "class_name": lambda v: bool(_CLASS.match(v)),
    "flag": lambda v: len(v) <= 4 and not guess(v) and not any(c.isdigit() for c in v[1:]),
    "choice": lambda v: bool(_LOWERCASE_WORDS.match(v)) and not guess(v),
    "last_seen": _last_seen_shape,
    "id": lambda v: bool(_ID.match(v)) and sum(c.isdigit() for c in v) * 2 >= len(v),
    "id_list": lambda v: all(_ID.match(p.strip()) and sum(c.isdigit() for c in p) * 2 >= len(p.strip())
                             for p in v.split(",") if p.strip()),
    "url": lambda v: bool(_URL.match(v)) and "@" not in v,
}


def has_own_shape(kind: str, value: str) -> bool:
    """Whether ``value`` looks like the values of a column of ``kind`` (then it may be quoted)."""
    check = OWN_SHAPES.get(kind)
    return bool(check and check(" ".join(value.split())))
