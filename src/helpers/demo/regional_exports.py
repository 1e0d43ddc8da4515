"""The demo region's data written the way a regional department's exports look.

One file (or workbook) per export, each with the messy features of the contract (SPEC §4):
title rows with the date and time of the export, wrapped or abbreviated headers, a totals
row, codes as numbers, counts with spaces, dates as text or as Excel dates, «да»/«нет» and
their variants, cp1251 or UTF-8 CSV with ``;`` or ``,``. What each file holds is recognised
from its headers on ingestion; the file names are only for people.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.demo.regional import (
    CHATS_2024,
    CHATS_2025,
    CHATS_2025_BEFORE,
    CHATS_BEFORE,
    REGISTRY_AT,
    REGISTRY_BEFORE,
    TASKS_AT,
    TASKS_BEFORE,
    EarlierExports,
    RegionDemo,
)
from helpers.demo.writing import Sheet, write_csv, write_xlsx
from helpers.ingestion.contract import last_seen
from helpers.ingestion.contract.forms import (
    CHAT_MEMBERS,
    CHAT_TYPES,
    CHATS,
    CHILD_ACCOUNT,
    PARENTS,
    PLATFORMS,
    PUPILS,
    ROLES,
    SCHOOL_ACTIVITY,
    SCHOOLS,
    TASKS,
    Form,
)

NBSP = "\u00a0"


def _headers(form: Form, names: list[str], *, wrap: bool = False, yo: bool = True,
             aliases: dict[str, str] | None = None) -> list[str]:
    out = []
    for name in names:
        text = (aliases or {}).get(name) or form.column(name).header
        if not yo:
            text = text.replace("ё", "е")
        if wrap and len(text) > 18:
            text = text.replace(", ", ",\n", 1) if ", " in text else text.replace(" ", "\n", 1)
        out.append(text)
    return out


def _grouped(values: pd.Series, separator: str = " ") -> pd.Series:
    """Whole numbers written with a thousands separator («1 234»)."""
    return values.map(lambda v: f"{int(v):,}".replace(",", separator))


def _day(values: pd.Series, *, clock: bool = False) -> pd.Series:
    """Dates as ``ДД.ММ.ГГГГ`` (with ``clock``: ``ДД.ММ.ГГГГ ЧЧ:ММ``) text; missing stays missing.

    Built from the date's numbers with pyarrow's string kernels: strftime (pandas' or
    pyarrow's) takes seconds per million values.
    """
    stamps = pd.to_datetime(values)

    def padded(numbers: pd.Series, width: int) -> pa.Array:
        return pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64(), from_pandas=True),
                                    pa.string()), width, "0")

    text = pc.binary_join_element_wise(padded(stamps.dt.day, 2), padded(stamps.dt.month, 2),
                                       padded(stamps.dt.year, 4), ".")
    if clock:
        time = pc.binary_join_element_wise(padded(stamps.dt.hour, 2),
                                           padded(stamps.dt.minute, 2), ":")
        text = pc.binary_join_element_wise(text, time, " ")
    return pd.Series(text.to_numpy(zero_copy_only=False), index=values.index, dtype=object)


def _excel_dates(values: pd.Series) -> pd.Series:
    return pd.Series([None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in values],
                     index=values.index, dtype=object)


# --- the school registry and the activity snapshots -----------------------------------------


def _registry(demo: RegionDemo, folder: Path) -> Path:
    schools = demo.schools
    names = schools["municipality"].copy()
    towns = demo.plan.municipalities.set_index("name")
    # exports name municipalities as they were before the reform, with other dashes, or short
    old = names.map(towns["name_alt"].replace("", np.nan)).fillna(names)
    every_fifth = np.arange(len(names)) % 5 == 0
    names = names.where(~every_fifth, old).str.replace("-", " – ", regex=False)
    short = names.str.startswith("Вытегорский") & ~names.duplicated()
    names = names.where(~short, "Вытегорский р-н")  # one school's row: a warning, not an error
    columns = ["school_id", "school_name", "oktmo", "municipality", "kind", "classes", "pupils"]
    rows = pd.DataFrame({
        "school_id": schools["school_id"].astype(int),  # a number cell, as Excel keeps ids
        "school_name": schools["school_name"],
        "oktmo": schools["oktmo"].astype(int),
        "municipality": names,
        "kind": schools["kind"],
        "classes": schools["classes"],
        "pupils": schools["pupils"],
    })[columns]
    totals = ["", "Итого", "", "", "", int(schools["classes"].sum()), int(schools["pupils"].sum())]
    headers = _headers(SCHOOLS, columns, aliases={"pupils": "Количество обучающихся (чел.)"})
    sheet = Sheet("Реестр ОО", headers, rows, titles=["Реестр общеобразовательных организаций",
                                f"{demo.plan.region_name}, по состоянию на 01.09.2024"],
                  totals=totals)
    return write_xlsx(folder / "Реестр_ОО.xlsx", [sheet])


def _activity(demo: RegionDemo, folder: Path) -> list[Path]:
    activity = demo.activity
    counts = [c.name for c in SCHOOL_ACTIVITY.columns if c.kind == "count"]
    summer = activity[activity["snapshot_date"] < pd.Timestamp("2024-09-01")]
    columns = ["snapshot_date", "school_id", "school_name", *counts]
    rows = summer[columns].copy()
    rows["snapshot_date"] = _day(rows["snapshot_date"])
    for name in ("pupils_total", "pupils_linked"):
        rows[name] = _grouped(rows[name], NBSP)
    written = [write_csv(folder / "мониторинг_школ_июнь-август_2024.csv",
                         Sheet("", _headers(SCHOOL_ACTIVITY, columns, yo=False), rows,
                               titles=["Мониторинг ИКОП «Сферум» по школам"]),
                         encoding="cp1251")]
    for day, snapshot in activity[activity["snapshot_date"] >= pd.Timestamp("2024-09-01")] \
            .groupby("snapshot_date"):
        columns = ["school_id", "school_name", *counts]
        sums = snapshot[counts].sum()
        totals = ["Итого", "", *(int(sums[c]) for c in counts)]
        sheet = Sheet("Лист1", _headers(SCHOOL_ACTIVITY, columns, wrap=True), snapshot[columns],
                      titles=["Мониторинг ИКОП «Сферум» по школам",
                              f"по состоянию на {day:%d.%m.%Y}"], totals=totals)
        written.append(write_xlsx(folder / f"мониторинг_школ_{day:%Y-%m-%d}.xlsx", [sheet]))
    return written


# --- chats and members -------------------------------------------------------------------------


def _labels(codes: pd.Series, labels: dict[str, str], variants: dict[str, str]) -> pd.Series:
    out = codes.map(labels)
    for code, word in variants.items():
        pick = (codes == code) & (np.arange(len(codes)) % 3 == 0)
        out = out.where(~pick, word)
    return out


CHAT_VARIANTS = {  # how each export writes some chat types and platforms
    CHATS_2024: ({"staff": "Чат сотрудников", "dept_omsu": "департамент↔ОМСУ"},
                 {"sferum": "Сферум", "whatsapp": "WhatsApp"}),
    CHATS_2025: ({"parents": "родительский", "dept_directors": "Департамент - директора"},
                 {"sferum": "Сферум (VK Мессенджер)", "max": "Сферум в MAX",
                  "telegram": "Телеграм"}),
}
CHAT_COLUMNS = ["chat_id", "title", "chat_type", "school_id", "class_name", "platform", "created",
                "closed", "members"]


def _chat_sheet(registry: pd.DataFrame, at: dt.datetime, types: dict[str, str],
                platforms: dict[str, str]) -> Sheet:
    rows = pd.DataFrame({
        "chat_id": registry["chat_id"].astype(str),
        "title": registry["title"],
        "chat_type": _labels(registry["chat_type"], CHAT_TYPES.labels, types),
        "school_id": registry["school_id"],
        "class_name": registry["class_name"].where(
            np.arange(len(registry)) % 7 != 0,
            registry["class_name"].str.replace(r"^(\d+)(\D)$", r'\1 "\2"', regex=True)),
        "platform": _labels(registry["platform"], PLATFORMS.labels, platforms),
        "created": _day(registry["created"]),
        "closed": _day(registry["closed"]).fillna(""),
        "members": registry["members"],
    })
    titles = ["Реестр чатов образовательных организаций", f"Выгружено {at:%d.%m.%Y %H:%M}"]
    return Sheet("Чаты", _headers(CHATS, CHAT_COLUMNS), rows, titles=titles)


def _chat_registry(demo: RegionDemo, folder: Path) -> list[Path]:
    """The 2024 registry as a workbook with dates as text, the 2025 one as a cp1251 CSV."""
    written = []
    for at, (types, platforms) in CHAT_VARIANTS.items():
        registry = demo.chats[demo.chats["snapshot_date"] == pd.Timestamp(at.date())]
        sheet = _chat_sheet(registry, at, types, platforms)
        if at == CHATS_2024:
            written.append(write_xlsx(folder / f"реестр_чатов_{at:%Y-%m-%d}.xlsx", [sheet]))
        else:
            written.append(write_csv(folder / f"реестр_чатов_{at:%Y-%m-%d}.csv", sheet,
                                     encoding="cp1251"))
    return written


MEMBER_COLUMNS = ["chat_id", "member_id", "member_name", "role", "last_seen"]


def _screen_members(first: pd.DataFrame, at: dt.datetime, folder: Path) -> Path:
    """The chat screen's export: no title, the time of the export in the file's name, «last
    seen» as the screen words it."""
    texts = [last_seen.describe(None if pd.isna(s) else s.to_pydatetime(), at, feminine=bool(f))
             for s, f in zip(first["last_seen"], first["female"], strict=True)]
    rows = first[MEMBER_COLUMNS].assign(role=first["role"].map(ROLES.labels), last_seen=texts)
    return write_csv(folder / f"участники_чатов_{at:%Y-%m-%d_%H%M}.csv",
                     Sheet("", _headers(CHAT_MEMBERS, MEMBER_COLUMNS), rows))


def _max_members(second: pd.DataFrame, at: dt.datetime, path: Path) -> Path:
    """The MAX admin panel's export: «last seen» as a date and time, the export time above."""
    columns = MEMBER_COLUMNS
    stamps = _day(second["last_seen"], clock=True).fillna("")
    online = (pd.Timestamp(at) - second["last_seen"]) < pd.Timedelta(minutes=2)
    stamps = stamps.where(~online, "в сети")
    rows = second[columns].assign(role=second["role"].map(ROLES.labels), last_seen=stamps)
    return write_csv(path, Sheet("", _headers(CHAT_MEMBERS, columns,
                                              aliases={"last_seen": "Был(а) в сети"}), rows,
                                 titles=[f"Участники чатов в MAX. Выгружено {at:%d.%m.%Y %H:%M}"]),
                     delimiter=",")


def _members(demo: RegionDemo, folder: Path) -> list[Path]:
    members = demo.members
    first = members[members["snapshot_date"] == pd.Timestamp(CHATS_2024.date())]
    second = members[members["snapshot_date"] == pd.Timestamp(CHATS_2025.date())]
    return [_screen_members(first, CHATS_2024, folder),
            _max_members(second, CHATS_2025, folder / "участники_чатов_MAX.csv")]


# --- tasks and the ЭЖД registries --------------------------------------------------------------


def _not_done(values: pd.Series) -> pd.Series:
    """Dates as Excel dates; a task not done is «нет» in half of the rows, empty in the others."""
    dates = _excel_dates(values)
    missing = values.isna().to_numpy() & (np.arange(len(values)) % 2 == 0)
    dates[missing] = "нет"
    return dates


def _tasks(tasks: pd.DataFrame, at: dt.datetime, folder: Path) -> Path:
    schools = tasks[tasks["school_id"].notna()]
    towns = tasks[tasks["school_id"].isna()]
    date_columns = ["regulation_adopted", "regulation_posted", "parent_meeting", "auth_info"]
    columns = ["oktmo", "municipality", "school_id", "school_name", "test_week_held",
               *date_columns[:2], "regulation_url", *date_columns[2:]]
    rows = schools[columns].copy()
    rows["test_week_held"] = rows["test_week_held"].map({True: "да", False: "нет"})
    for name in date_columns:
        rows[name] = _not_done(rows[name])
    town_columns = ["oktmo", "municipality", "test_week_held", "auth_info"]
    town_rows = towns[town_columns].copy()
    town_rows["test_week_held"] = town_rows["test_week_held"].map({True: "Да", False: "Нет"})
    town_rows["auth_info"] = _not_done(town_rows["auth_info"])
    titles = ["Мониторинг выполнения задач ОМСУ по переходу в ИКОП «Сферум»",
              f"по состоянию на {at:%d.%m.%Y %H:%M}"]
    return write_xlsx(folder / f"задачи_ОМСУ_на_{at:%d.%m.%Y}.xlsx", [
        Sheet("Школы", _headers(TASKS, columns, wrap=True), rows, titles=titles),
        Sheet("ОМСУ", _headers(TASKS, town_columns), town_rows, titles=titles),
    ])


def _pupils(pupils: pd.DataFrame, at: dt.datetime, path: Path) -> Path:
    columns = ["pupil_id", "pupil_name", "school_id", "class_name", "birth_date", "snils",
               "child_account"]
    snils = pupils["snils"].where(np.arange(len(pupils)) % 20 != 0,
                                  pupils["snils"].str.replace(r"\D", "", regex=True))
    account = _labels(pupils["child_account"], CHILD_ACCOUNT.labels, {"none": "нет"})
    rows = pupils[columns].assign(birth_date=_day(pupils["birth_date"]).fillna(""), snils=snils,
                                  child_account=account)
    titles = ["Реестр «Ученики»", f"Выгружено {at:%d.%m.%Y %H:%M}"]
    return write_csv(path, Sheet("", _headers(PUPILS, columns), rows,
                                                        titles=titles), encoding="cp1251")


def _parents(parents: pd.DataFrame, at: dt.datetime, path: Path) -> Path:
    columns = ["parent_id", "parent_name", "snils", "login", "children_names", "children",
               "children_schools", "esia_confirmed"]
    headers = _headers(PARENTS, columns, aliases={"parent_name": "Ф.И.О. родителя",
                                                  "children_names": "Дети"})
    rows = parents[columns].assign(esia_confirmed=parents["esia_confirmed"].map(
        {True: "да", False: "нет"}))
    titles = ["Реестр родителей", f"Выгружено {at:%d.%m.%Y %H:%M}"]
    return write_csv(path, Sheet("", headers, rows, titles=titles),
                     delimiter=",")


def write_region(demo: RegionDemo, folder: Path) -> list[Path]:
    """Every export of the region into ``folder`` (``DATA_DIR/regions/<code>``)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _registry(demo, folder), *_activity(demo, folder), *_chat_registry(demo, folder),
        *_members(demo, folder), _tasks(demo.tasks, TASKS_AT, folder),
        _pupils(demo.pupils, REGISTRY_AT, folder / "ЭЖД_Ученики.csv"),
        _parents(demo.parents, REGISTRY_AT, folder / "ЭЖД_Реестр_родителей.csv"),
        *(_earlier(demo.earlier, folder) if demo.earlier is not None else []),
    ]


def _earlier(earlier: EarlierExports, folder: Path) -> list[Path]:
    """The exports of a week before, in the same forms, their dates in the title and the name
    (an analyst keeps both weeks in the folder)."""
    types, platforms = CHAT_VARIANTS[CHATS_2024]
    registry = _chat_sheet(earlier.chats, CHATS_BEFORE, types, platforms)
    types, platforms = CHAT_VARIANTS[CHATS_2025]
    registry_max = _chat_sheet(earlier.chats_max, CHATS_2025_BEFORE, types, platforms)
    return [
        write_xlsx(folder / f"реестр_чатов_{CHATS_BEFORE:%Y-%m-%d}.xlsx", [registry]),
        _screen_members(earlier.members, CHATS_BEFORE, folder),
        write_csv(folder / f"реестр_чатов_{CHATS_2025_BEFORE:%Y-%m-%d}.csv", registry_max,
                  encoding="cp1251"),
        _max_members(earlier.members_max, CHATS_2025_BEFORE,
                     folder / f"участники_чатов_MAX_{CHATS_2025_BEFORE:%d.%m.%Y}.csv"),
        _tasks(earlier.tasks, TASKS_BEFORE, folder),
        _pupils(earlier.pupils, REGISTRY_BEFORE,
                folder / f"ЭЖД_Ученики_{REGISTRY_BEFORE:%d.%m.%Y}.csv"),
        _parents(earlier.parents, REGISTRY_BEFORE,
                 folder / f"ЭЖД_Реестр_родителей_{REGISTRY_BEFORE:%d.%m.%Y}.csv"),
    ]


def write_region_fast(demo: RegionDemo, folder: Path) -> list[Path]:
    """The same exports as plain UTF-8 CSV (the national load mode: tens of thousands of schools)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {
        "schools": (SCHOOLS, demo.schools, None),
        "activity": (SCHOOL_ACTIVITY, demo.activity, None),
        f"chats_{CHATS_2024:%Y-%m-%d}": (CHATS, demo.chats[demo.chats["snapshot_date"]
                                                           == pd.Timestamp(CHATS_2024.date())], None),
        f"chats_{CHATS_2025:%Y-%m-%d}": (CHATS, demo.chats[demo.chats["snapshot_date"]
                                                           == pd.Timestamp(CHATS_2025.date())], None),
        f"members_{CHATS_2024:%Y-%m-%d_%H%M}": (CHAT_MEMBERS, demo.members[
            demo.members["snapshot_date"] == pd.Timestamp(CHATS_2024.date())], CHATS_2024),
        f"members_{CHATS_2025:%Y-%m-%d_%H%M}": (CHAT_MEMBERS, demo.members[
            demo.members["snapshot_date"] == pd.Timestamp(CHATS_2025.date())], CHATS_2025),
        "tasks": (TASKS, demo.tasks, None),
        "pupils": (PUPILS, demo.pupils, None),
        "parents": (PARENTS, demo.parents, None),
    }
    for stem, (form, frame, at) in tables.items():
        columns = [c.name for c in form.columns if c.name in frame.columns]
        rows = frame[columns].copy()
        for column in columns:
            kind = form.column(column).kind
            if kind in ("date", "done_date") or column == "snapshot_date":
                rows[column] = _day(rows[column]).fillna("")
            elif kind == "last_seen":
                rows[column] = _day(rows[column], clock=True).fillna("")
            elif kind == "choice":
                rows[column] = rows[column].map(form.column(column).choices.labels)  # type: ignore[union-attr]
            elif kind == "flag":
                rows[column] = rows[column].map({True: "да", False: "нет"})
        titles = [f"Выгружено {at:%d.%m.%Y %H:%M}"] if at else []
        sheet = Sheet("", _headers(form, columns), rows, titles=titles)
        written.append(write_csv(folder / f"{stem}.csv", sheet, encoding="utf-8"))
    return written
