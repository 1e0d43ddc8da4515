"""«Last seen» as the chat screen shows it, turned into a timestamp.

Member lists exported from the chat screen say when each member was last seen relative to the
moment of the export: «заходила три часа назад», «заходил 42 минуты назад», «заходила вчера в
21:23», «заходила 6 августа в 20:15», «в сети». :func:`parse` turns each into a timestamp
given the export time; :func:`describe` is the inverse (the demo generator writes with it).

Accepted, after «заходил», «заходила», «был(а) в сети» or nothing (case, ``ё`` and extra spaces
ignored):

- «в сети», «онлайн», «только что» — the export time;
- «N секунд/минут/часов назад», N in digits or words («минуту», «две», «три», «двадцать
  две»…; «час назад», «полчаса назад»);
- «сегодня в ЧЧ:ММ», «вчера в ЧЧ:ММ», «позавчера в ЧЧ:ММ»;
- «Д месяца в ЧЧ:ММ» (month in the genitive or abbreviated: «6 августа», «6 авг.») — in the
  year of the export, or the year before when that date would be later than the export
  («2 февраля» exported on 16.09.2024 is 02.02.2024; «20 октября» is 20.10.2023);
- «Д месяца ГГГГ [г.] [в ЧЧ:ММ]» with the year written out;
- a timestamp: an Excel date-time cell, «16.09.2024 14:05», «2024-09-16 14:05:00»,
  «2024-09-16T14:05»;
- «давно», «никогда», «не заходил(а)» — no timestamp (the member is not active).

Anything else raises ``ValueError`` with the Russian rule, so the reader reports the cell; a
timestamp later than the export time is an error too.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MONTHS: dict[str, int] = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
_MONTH_PREFIXES = {name[:3]: number for name, number in MONTHS.items()}
MONTH_NAMES = {number: name for name, number in MONTHS.items()}

UNITS: dict[str, int] = {
    "ноль": 0, "одну": 1, "одна": 1, "один": 1, "две": 2, "два": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
    "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19,
}
TENS: dict[str, int] = {"двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50}
WORDS_FOR_SMALL = {1: "", 2: "две", 3: "три"}  # how the chat screen writes 1–3 minutes
HOURS_IN_WORDS = {1: "час", 2: "два часа", 3: "три часа"}

_VERB = re.compile(  # «заходила», «заходил(а)», «был в сети», «была», «последний визит:»
    r"^(?:последний визит:?\s*|(?:был|была|было|были|был\(а\))\s+в\s+сети\s*"
    r"|заходил(?:[аио]|\(а\))?\s*|(?:был|была|был\(а\))\s+)"
)
_AGO = re.compile(r"^(?:(?P<number>[\d\sа-я]+?)\s+)?(?P<unit>секунд\w*|минут\w*|час\w*)\s+назад$")
_DAY_AT = re.compile(r"^(?P<day>сегодня|вчера|позавчера)\s+в\s+(?P<h>\d{1,2})[:.](?P<m>\d{2})$")
_DATE_AT = re.compile(
    r"^(?P<d>\d{1,2})\s+(?P<month>[а-я]+)\.?(?:\s+(?P<y>\d{4})(?:\s*(?:г\.?|года))?)?"
    r"(?:\s*,?\s+в\s+(?P<h>\d{1,2})[:.](?P<m>\d{2}))?$"
)
_STAMP = re.compile(
    r"^(?:(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>\d{4})|(?P<y2>\d{4})-(?P<mo2>\d{1,2})-(?P<d2>\d{1,2}))"
    r"(?:[\sTt]+(?:в\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?)?$"
)
NOW_WORDS = frozenset({"в сети", "онлайн", "online", "сейчас в сети", "только что", "сейчас"})
NEVER_WORDS = frozenset({"давно", "никогда", "не заходил", "не заходила", "не заходил(а)",
                         "ни разу", "не был в сети", "не была в сети"})

UNREADABLE = ("не удалось прочитать время последнего визита (ожидается, например, «заходила "
              "три часа назад», «вчера в 21:23», «6 августа в 20:15», «в сети» или "
              "ДД.ММ.ГГГГ ЧЧ:ММ)")


def _normal(text: str) -> str:
    value = text.replace("\u00a0", " ").lower().replace("ё", "е")
    return re.sub(r"\s+", " ", value).strip(" .")


def number_in_words(text: str) -> int:
    """``"42"`` → 42, ``"три"`` → 3, ``"двадцать две"`` → 22, ``""`` → 1 («минуту назад»)."""
    words = text.split()
    if not words:
        return 1
    if len(words) == 1 and words[0].isdigit():
        return int(words[0])
    total, last = 0, None
    for word in words:
        if word in TENS and last is None:
            total += TENS[word]
            last = "tens"
        elif word in UNITS and last != "units" and not (last == "tens" and UNITS[word] >= 10):
            total += UNITS[word]
            last = "units"
        else:
            raise ValueError(UNREADABLE)
    return total


def _ago(match: re.Match[str], at: dt.datetime) -> dt.datetime:
    number_text, unit = (match["number"] or "").strip(), match["unit"]
    number = number_in_words(number_text)
    if unit.startswith("секунд"):
        return at - dt.timedelta(seconds=number)
    if unit.startswith("минут"):
        return at - dt.timedelta(minutes=number)
    return at - dt.timedelta(hours=number)


def _clock(hour: str, minute: str) -> dt.time:
    h, m = int(hour), int(minute)
    if h > 23 or m > 59:
        raise ValueError(f"нет такого времени суток ({hour}:{minute})")
    return dt.time(h, m)


def _month(word: str) -> int:
    if word in MONTHS:
        return MONTHS[word]
    if word[:3] in _MONTH_PREFIXES and len(word) <= 4:
        return _MONTH_PREFIXES[word[:3]]
    raise ValueError(UNREADABLE)


def _on_date(match: re.Match[str], at: dt.datetime) -> dt.datetime:
    month = _month(match["month"])
    day = int(match["d"])
    clock = _clock(match["h"], match["m"]) if match["h"] else dt.time(0, 0)
    year = int(match["y"]) if match["y"] else at.year
    try:
        stamp = dt.datetime.combine(dt.date(year, month, day), clock)
        if not match["y"] and stamp > at:  # «6 октября» exported in September: last year
            stamp = dt.datetime.combine(dt.date(year - 1, month, day), clock)
    except ValueError as exc:
        raise ValueError(f"нет такой даты ({match.group(0)})") from exc
    return stamp


def _stamp(match: re.Match[str]) -> dt.datetime:
    year = int(match["y"] or match["y2"])
    month = int(match["mo"] or match["mo2"])
    day = int(match["d"] or match["d2"])
    clock = _clock(match["h"], match["m"]) if match["h"] else dt.time(0, 0)
    seconds = int(match["s"]) if match["s"] else 0
    try:
        return dt.datetime.combine(dt.date(year, month, day), clock.replace(second=seconds))
    except ValueError as exc:
        raise ValueError(f"нет такой даты ({match.group(0)})") from exc


def is_relative(value: object) -> bool:
    """Whether a cell needs the export time to become a timestamp (anything but a timestamp)."""
    if isinstance(value, (dt.datetime, dt.date)):
        return False
    return _STAMP.match(_normal(str(value))) is None


def parse(value: object, at: dt.datetime | None) -> dt.datetime | None:
    """The timestamp a «last seen» cell means, given the export time ``at``.

    Raises:
        ValueError: the text is not one the chat screen writes, the export time is needed but
            unknown, or the timestamp is later than the export.
    """
    stamp = _parse(value, at)
    if stamp is not None and at is not None and stamp > at:
        raise ValueError(f"время позже времени выгрузки ({at:%d.%m.%Y %H:%M})")
    return stamp


def _parse(value: object, at: dt.datetime | None) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, (int, float)):
        raise ValueError(UNREADABLE)
    text = _normal(str(value))
    if text in NEVER_WORDS:
        return None
    stamp = _STAMP.match(text)
    if stamp:
        return _stamp(stamp)
    rest = _VERB.sub("", text).strip() if text not in NOW_WORDS else text
    if rest in NEVER_WORDS:
        return None
    if at is None:
        raise ValueError("не найдено время выгрузки, от которого отсчитывать «… назад», «вчера»: "
                         "добавьте над таблицей строку «Выгружено ДД.ММ.ГГГГ ЧЧ:ММ»")
    if rest in NOW_WORDS or text in NOW_WORDS:
        return at
    if rest == "полчаса назад":
        return at - dt.timedelta(minutes=30)
    for pattern, build in ((_AGO, _ago), (_DATE_AT, _on_date)):
        match = pattern.match(rest)
        if match:
            return build(match, at)
    match = _DAY_AT.match(rest)
    if match:
        back = {"сегодня": 0, "вчера": 1, "позавчера": 2}[match["day"]]
        day = at.date() - dt.timedelta(days=back)
        return dt.datetime.combine(day, _clock(match["h"], match["m"]))
    raise ValueError(UNREADABLE)


# --- the inverse: how the chat screen writes a timestamp -------------------------------------


def _plural(number: int, one: str, few: str, many: str) -> str:
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def describe(stamp: dt.datetime | None, at: dt.datetime, *, feminine: bool) -> str:
    """The text the chat screen shows for a member last seen at ``stamp`` (``None``: «давно»)."""
    verb = "заходила" if feminine else "заходил"
    if stamp is None:
        return f"{verb} давно"
    delta = at - stamp
    if delta < dt.timedelta(minutes=1):
        return "в сети"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        unit = _plural(minutes, "минуту", "минуты", "минут")
        number = WORDS_FOR_SMALL.get(minutes, str(minutes))  # «минуту», «две минуты», «4 минуты»
        return f"{verb} {number + ' ' if number else ''}{unit} назад"
    if minutes < 240:  # the screen rounds down to whole hours, in words
        return f"{verb} {HOURS_IN_WORDS[minutes // 60]} назад"
    clock = f"{stamp:%H:%M}"
    if stamp.date() == at.date():
        return f"{verb} сегодня в {clock}"
    if stamp.date() == at.date() - dt.timedelta(days=1):
        return f"{verb} вчера в {clock}"
    same_year = stamp.replace(year=at.year) if not (stamp.month == 2 and stamp.day == 29) else None
    if stamp.year == at.year or (stamp.year == at.year - 1 and same_year is not None
                                 and same_year > at):
        return f"{verb} {stamp.day} {MONTH_NAMES[stamp.month]} в {clock}"
    return f"{verb} {stamp.day} {MONTH_NAMES[stamp.month]} {stamp.year} в {clock}"


# --- many cells at once ----------------------------------------------------------------------

_MANY_VERB = "(?:заходил|заходила|заходило|был|была|был в сети|была в сети) "
_MANY_DATE = (f"^{_MANY_VERB}(?P<day>[0-9]{{1,2}}) (?P<month>[а-я]+) в "
              f"(?P<hour>[0-9]{{1,2}})[:.](?P<minute>[0-9]{{2}})$")
_MANY_DAY = (f"^{_MANY_VERB}(?P<back>сегодня|вчера|позавчера) в "
             f"(?P<hour>[0-9]{{1,2}})[:.](?P<minute>[0-9]{{2}})$")


def _extract(texts: pd.Series, pattern: str) -> pd.DataFrame:
    """Named groups of a regex per cell (missing where it does not match), with pyarrow's RE2."""
    found = pc.extract_regex(pa.array(texts.to_numpy(dtype=object), type=pa.string()), pattern)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    names = [found.type.field(i).name for i in range(found.type.num_fields)]
    return pd.DataFrame({
        name: pd.Series(found.field(name).to_numpy(zero_copy_only=False), index=texts.index)
        .where(matched) for name in names
    })


def parse_many(texts: pd.Series, at: dt.datetime) -> pd.Series:
    """The two forms that make most distinct texts of a member list («заходила 6 августа в
    20:15», «заходил вчера в 15:22»), parsed for a whole column at once; ``NaT`` for every other
    cell (and for impossible dates), which :func:`parse` then reads or reports one by one."""
    normal = texts.astype("str").str.lower().str.replace("ё", "е", regex=False).str.replace(
        "\u00a0", " ", regex=False).str.strip().fillna("")
    out = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    dated = _extract(normal, _MANY_DATE)
    month = dated["month"].map(MONTHS)
    hit = month.notna()
    if hit.any():
        parts = pd.DataFrame({
            "year": at.year, "month": month[hit].astype(int),
            "day": dated.loc[hit, "day"].astype(int), "hour": dated.loc[hit, "hour"].astype(int),
            "minute": dated.loc[hit, "minute"].astype(int),
        })
        valid = parts["hour"].lt(24) & parts["minute"].lt(60)
        parts.loc[~valid, ["hour", "minute"]] = 0
        stamps = pd.to_datetime(parts, errors="coerce")
        earlier = pd.to_datetime(parts.assign(year=at.year - 1), errors="coerce")
        stamps = stamps.where(~(stamps > pd.Timestamp(at)), earlier)
        out[hit] = stamps.where(valid).astype("datetime64[ns]")
    daily = _extract(normal, _MANY_DAY)
    hit = daily["back"].notna()
    if hit.any():
        back = daily.loc[hit, "back"].map({"сегодня": 0, "вчера": 1, "позавчера": 2})
        hour, minute = daily.loc[hit, "hour"].astype(int), daily.loc[hit, "minute"].astype(int)
        day = pd.Timestamp(at.date()) - pd.to_timedelta(back, unit="D")
        stamps = day + pd.to_timedelta(hour, unit="h") + pd.to_timedelta(minute, unit="m")
        out[hit] = stamps.where(hour.lt(24) & minute.lt(60)).astype("datetime64[ns]")
    return out
