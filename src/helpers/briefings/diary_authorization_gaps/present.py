"""What the reader of the diary-authorization briefing sees: tables, charts, key figures, fragments.

Every function takes the :class:`~.build.Diary` of :func:`.build.load`. The words of the funnel's
steps, the slides' checks and the actions to take are here; the lead, the notes and the
methodology are templates in ``templates/briefing/fragments/diary_authorization_gaps/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers import vocabulary as words
from helpers.briefings.diary_authorization_gaps import build
from helpers.briefings.diary_authorization_gaps.build import (
    ACTIONS,
    ADULT_AGE,
    CHECKS,
    SCHOOL_SIDE_DONE,
    TARGET,
    Check,
    Diary,
)
from helpers.presentation import charts, fragments
from helpers.presentation.fragments import KeyFigure

KIND = "diary_authorization_gaps"


@dataclass(frozen=True)
class Words:
    """How a step or an action reads: in full (tables) and short (charts, the first actions)."""

    label: str
    short: str


STEPS: dict[str, Words] = {
    "contingent": Words("Обучающиеся (контингент)", "0. Контингент"),
    "step_registry": Words("Внесены в реестр «Ученики»", "1. В реестре «Ученики»"),
    "step_snils_present": Words("СНИЛС ученика внесён", "2. СНИЛС ученика внесён"),
    "step_snils_valid": Words("СНИЛС ученика корректен", "3. СНИЛС ученика корректен"),
    "step_parent_linked": Words("Родитель в реестре, связан с ребёнком и школой",
                                "4. Родитель связан с ребёнком"),
    "step_parent_snils": Words("СНИЛС родителя внесён и корректен", "5. СНИЛС родителя"),
    "step_parent_login": Words("Родителю создан ЛОГИН", "6. ЛОГИН родителя"),
    "step_parent_esia": Words("Учётная запись родителя на Госуслугах подтверждена",
                              "7. Госуслуги родителя"),
    "step_can_login": Words("Учётная запись ребёнка готова — может войти", "8. Может войти"),
}
"""The funnel's steps (:data:`.build.FUNNEL`)."""

CHECK_LABELS: dict[str, str] = {
    "registry": "Ученик внесён в реестр «Ученики»",
    "pupil_snils": "В карточке ученика есть корректный СНИЛС",
    "parent_linked": "Родитель в «Реестре родителей», указаны ребёнок и его школа",
    "parent_snils": "В карточке родителя есть корректный СНИЛС",
    "parent_login": "Родителю создан ЛОГИН",
    "parent_esia": "Учётная запись родителя на Госуслугах подтверждена",
    "child_under_14": "Создана учётная запись ребёнка до 14 лет",
    "child_from_14": "Учётная запись ребёнка 14 лет и старше привязана к родителю",
}
"""The slides' checks (:data:`.build.CHECKS`)."""
CHECK_UNITS = {"pupils": "обучающиеся", "parents": "родители"}

ACTION_LABELS: dict[str, Words] = {
    "not_in_registry": Words("Внести ученика в реестр «Ученики»", "внести в реестр учеников"),
    "registry_extra": Words("Сверить реестр «Ученики» с контингентом (записей больше, чем обучающихся)",
                            "сверить реестр с контингентом"),
    "pupil_snils_missing": Words("Внести СНИЛС ученика", "СНИЛС ученика"),
    "pupil_snils_invalid": Words("Исправить СНИЛС ученика (не проходит проверку)",
                                 "исправить СНИЛС ученика"),
    "age_unknown": Words("Внести дату рождения ученика", "дата рождения"),
    "pupils_no_parent": Words("Внести родителя в «Реестр родителей» и указать ребёнка",
                              "внести родителя"),
    "pupils_wrong_school": Words("Указать школу ребёнка в карточке родителя",
                                 "школа ребёнка у родителя"),
    "parent_snils_missing": Words("Внести СНИЛС родителя", "СНИЛС родителя"),
    "parent_snils_invalid": Words("Исправить СНИЛС родителя (не проходит проверку)",
                                  "исправить СНИЛС родителя"),
    "parent_no_login": Words("Создать ЛОГИН родителю", "ЛОГИН родителю"),
    "parent_no_esia": Words("Подтвердить учётную запись родителя на Госуслугах", "Госуслуги родителя"),
    "under_14_missing": Words("Создать учётную запись ребёнка до 14 лет на Госуслугах",
                              "УЗ ребёнка до 14 лет"),
    "from_14_unlinked": Words("Привязать учётную запись ребёнка 14 лет и старше к учётной записи "
                              "родителя", "привязать УЗ ребёнка 14+"),
}
"""What to fix (:data:`.build.ACTIONS`)."""
WHO = {"school": "школа", "parent": "родитель"}

PARENT_NOUNS = ("родитель", "родителя", "родителей")
REGION_TOTAL = "Итого по региону"


def _render(name: str, **context: Any) -> str:
    return fragments.render(f"{KIND}/{name}.html.j2", **context)


# --- the first page ----------------------------------------------------------------------------

def lead_html(diary: Diary) -> str:
    """The line under the title: the date, the territory, its size and where most pupils are lost."""
    t = diary.territory
    step, lost = build.biggest_loss(t)
    return _render("lead", diary=diary, schools=int(t["schools"]), contingent=int(t["contingent"]),
                   parents=int(t["parents"]), can_login=int(t["step_can_login"]),
                   can_login_share=t["can_login_share"], step=STEPS[step].label, lost=lost,
                   parent_nouns=PARENT_NOUNS)


def _compare_note(diary: Diary, column: str) -> str:
    return f"по региону: {words.fmt_percent(diary.region[column])}" if diary.is_municipality else ""


def key_figures(diary: Diary) -> list[KeyFigure]:
    """The first page: can log in, the school's part, the parents' Госуслуги, the children's
    accounts, the schools not behind, and the task of passing the log-in information on."""
    t = diary.territory
    plan = words.fmt_percent(TARGET, 0)

    def note(text: str, column: str) -> str:
        extra = _compare_note(diary, column)
        return f"{text}; {extra}" if extra else text

    ready, children = build.child_accounts(t)
    children_share = ready / children if children else None
    not_ready = int(t["contingent"] - t[SCHOOL_SIDE_DONE])
    return [
        KeyFigure("Могут войти в электронный дневник через Госуслуги",
                  words.fmt_percent(t["can_login_share"]), plan, t["can_login_status"],
                  note=note(f"{words.fmt_int(t['step_can_login'])} из {words.fmt_int(t['contingent'])} "
                            "обучающихся", "can_login_share")),
        KeyFigure("Школа выполнила свою часть (проверки 1–5) для обучающихся",
                  words.fmt_percent(t["school_side_share"]), plan, t["school_side_status"],
                  note=note(f"не готово у {words.fmt_int(not_ready)} обучающихся", "school_side_share")),
        KeyFigure("Учётная запись родителя на Госуслугах подтверждена",
                  words.fmt_percent(t["parent_esia_share"]), plan, t["parent_esia_status"],
                  note=note(f"не подтверждена у {words.counted(t['parent_no_esia'], *words.PARENT_WORDS)}",
                            "parent_esia_share")),
        KeyFigure("Учётная запись ребёнка создана (до 14 лет) или привязана (с 14 лет)",
                  words.fmt_percent(children_share), plan, build.status(children_share, diary.near),
                  note=f"до 14 лет: {words.fmt_percent(t['child_under_14_share'])}; "
                       f"14 лет и старше: {words.fmt_percent(t['child_from_14_share'])}"),
        _schools_figure(diary),
        _auth_figure(diary),
    ]


def _schools_figure(diary: Diary) -> KeyFigure:
    """Schools of the territory not behind: at least ``near`` of their pupils can log in."""
    schools = diary.local_schools
    fine = build.schools_not_behind(schools)
    share = fine / len(schools) if len(schools) else None
    note = (f"по региону: {build.schools_not_behind(diary.schools)} из {len(diary.schools)}"
            if diary.is_municipality else "")
    return KeyFigure(f"Школ, где могут войти не менее {words.fmt_percent(diary.near * TARGET, 0)} "
                     "обучающихся", f"{fine} из {len(schools)}", "все школы",
                     build.status(share, diary.near), note=note)


def _auth_figure(diary: Diary) -> KeyFigure:
    task = diary.auth_task
    label = task.label if task else "Информация по авторизации доведена до школ"
    if task is None or diary.tasks_date is None:
        return KeyFigure(label, "нет данных", "—", "unknown", note="отчёт о выполнении задач не получен")
    schools = diary.local_schools
    on_time, late = build.auth_counts(schools)
    share = on_time / len(schools) if len(schools) else None
    return KeyFigure(label, f"{on_time} из {len(schools)}",
                     f"все школы до {words.fmt_date_short(task.deadline)}",
                     build.status(share, diary.near),
                     note=f"школ получили в срок, с опозданием — {late}; по отчёту на "
                          f"{words.fmt_date_short(diary.tasks_date)}")


# --- the funnel --------------------------------------------------------------------------------

FUNNEL_FORMATS = {"№": "int", "Обучающихся": "int", "Доля от контингента": "percent",
                  "Потеря на шаге": "int", "Доля по региону": "percent"}


def funnel_table(diary: Diary) -> pd.DataFrame:
    """The funnel with Russian headers; a municipality's shows the region's share beside its own."""
    steps = build.funnel(diary)
    table = pd.DataFrame({
        "№": range(len(steps)),
        "Шаг": [STEPS[step].label for step in steps["step"]],
        "Обучающихся": steps["count"],
        "Доля от контингента": steps["share"],
        "Потеря на шаге": steps["loss"],
    })
    if diary.is_municipality:
        table["Доля по региону"] = steps["region_share"]
    return table


def funnel_chart(diary: Diary) -> Figure:
    steps = build.funnel(diary)
    steps["short"] = [STEPS[step].short for step in steps["step"]]
    return charts.funnel_chart(steps, label="short", value="count", share="share",
                               title=f"Воронка авторизации: {diary.territory_name}",
                               comparison="region_share" if diary.is_municipality else None,
                               comparison_label="по региону")


def funnel_table_caption(diary: Diary) -> str:
    compare = " и доля по региону" if diary.is_municipality else ""
    return (f"Воронка авторизации, {diary.territory_name}: обучающиеся на каждом шаге, доля от "
            f"контингента{compare}, потеря на шаге")


def funnel_caption(diary: Diary) -> str:
    compare = "; штрих — доля по региону" if diary.is_municipality else ""
    return (f"Обучающиеся на каждом шаге проверки, доля от контингента{compare}; "
            f"по состоянию на {words.fmt_date(diary.snapshot_date)}")


# --- the checks --------------------------------------------------------------------------------

CHECK_FORMATS = {"Проверено": "int", "Выполнено": "int", "Доля": "percent", "Исправить": "int",
                 "Доля по региону": "percent"}


def checks_table(diary: Diary, side: str) -> pd.DataFrame:
    """The checks of the school (``side="school"``) or of the parent, for the territory."""
    t, r = diary.territory, diary.region
    rows = [c for c in CHECKS if c.side == side]
    table = pd.DataFrame({
        "Проверка": [f"{c.number}. {CHECK_LABELS[c.id]}" for c in rows],
        "Проверено": [int(t[c.total]) for c in rows],
        "Выполнено": [int(t[c.done]) for c in rows],
        "Доля": [t[f"{c.id}_share"] for c in rows],
        "Статус": [words.status_label(t[f"{c.id}_status"]) for c in rows],
        "Исправить": [int(t[c.total] - t[c.done]) for c in rows],
    })
    if diary.is_municipality:
        table["Доля по региону"] = [r[f"{c.id}_share"] for c in rows]
    return table


def checks_caption(diary: Diary, side: str) -> str:
    who = "Что должна сделать школа в «Электронной школе»" if side == "school" else \
        "Что должен сделать родитель на портале Госуслуг"
    numbers: dict[str, list[int]] = {}
    for check in CHECKS:
        if check.side == side:
            numbers.setdefault(CHECK_UNITS[check.unit], []).append(check.number)
    units = ", ".join(f"{n[0]}–{n[-1]} — {unit}" if len(n) > 1 else f"{n[0]} — {unit}"
                      for unit, n in numbers.items())
    return f"{who}: выполнение проверок, {diary.territory_name} (считаются: {units})"


def parents_note_html(diary: Diary) -> str:
    """The records of parents that belong to no school (the region's registry)."""
    return _render("parents_note", orphan_parents=diary.orphan_parents)


# --- the municipalities ------------------------------------------------------------------------

MUNICIPALITY_FORMATS = {
    "Школ": "int", "Обучающихся": "int", "1. В реестре": "percent",
    "2. СНИЛС ученика": "percent", "3. Родитель связан": "percent", "4. СНИЛС родителя": "percent",
    "5. ЛОГИН": "percent", "1. Госуслуги": "percent", "2. УЗ до 14 лет": "percent",
    "3. УЗ с 14 лет": "percent", "Могут войти": "percent",
}


def _municipality_rows(diary: Diary) -> pd.DataFrame:
    """The municipalities, best first, and the region's total last."""
    return pd.concat([build.ranked_municipalities(diary),
                      diary.region.to_frame().T.assign(municipality=REGION_TOTAL)], ignore_index=True)


def municipality_note_html(diary: Diary) -> str:
    """Which row of the municipality tables is the briefing's own (a municipality's briefing)."""
    return _render("municipality_note", diary=diary)


def municipality_school_table(diary: Diary) -> pd.DataFrame:
    """The school's checks 1–5 by municipality (best first), with the region's total last."""
    rows = _municipality_rows(diary)
    return pd.DataFrame({
        "Муниципальное образование": rows["municipality"].map(words.short_municipality),
        "Школ": rows["schools"].astype("int64"),
        "Обучающихся": rows["contingent"].astype("int64"),
        "1. В реестре": rows["registry_share"].astype(float),
        "2. СНИЛС ученика": rows["pupil_snils_share"].astype(float),
        "3. Родитель связан": rows["parent_linked_share"].astype(float),
        "4. СНИЛС родителя": rows["parent_snils_share"].astype(float),
        "5. ЛОГИН": rows["parent_login_share"].astype(float),
    })


def municipality_parent_table(diary: Diary) -> pd.DataFrame:
    """The parent's checks 1–3 and «can log in» by municipality (best first), region last."""
    rows = _municipality_rows(diary)
    return pd.DataFrame({
        "Муниципальное образование": rows["municipality"].map(words.short_municipality),
        "1. Госуслуги": rows["parent_esia_share"].astype(float),
        "2. УЗ до 14 лет": rows["child_under_14_share"].astype(float),
        "3. УЗ с 14 лет": rows["child_from_14_share"].astype(float),
        "Могут войти": rows["can_login_share"].astype(float),
        "Статус": rows["can_login_status"].map(words.status_label),
    })


def municipality_caption(diary: Diary, side: str) -> str:
    """Captions of the municipality tables (``side``: ``school``, ``parent``) and chart (``chart``)."""
    what = {
        "school": "Проверки школы 1–5 по муниципальным образованиям: доля выполненных",
        "parent": "Проверки родителя 1–3 и доля обучающихся, которые могут войти, по муниципальным "
                  "образованиям",
        "chart": "Доля обучающихся, которые могут войти в дневник через Госуслуги, по муниципальным "
                 "образованиям",
    }[side]
    marked = "▶ — " if side == "chart" else "выделено — "
    return f"{what} ({marked}{diary.territory_name})" if diary.is_municipality else what


def municipality_highlight(diary: Diary) -> list[int]:
    """Rows to highlight in the municipality tables: the briefing's municipality and the total."""
    frame = build.ranked_municipalities(diary)
    rows = [len(frame)]
    if diary.is_municipality:
        rows.insert(0, int(np.flatnonzero(frame["oktmo"].to_numpy() == diary.oktmo)[0]))
    return rows


def municipality_chart(diary: Diary) -> Figure:
    frame = diary.municipalities.copy()
    marker = frame["oktmo"] == diary.oktmo
    names = frame["municipality"].map(words.short_municipality)
    frame["label"] = np.where(marker, "▶ " + names, names)
    return charts.category_bars(frame, label="label", value="can_login_share",
                                title="Могут войти в дневник через Госуслуги, доля обучающихся",
                                target=None, status="can_login_status")


# --- the schools with the largest gaps ---------------------------------------------------------

WORST_FORMATS = {"Место": "int", "Обучающихся": "int", "Могут войти": "int", "Доля": "percent",
                 "Не могут войти": "int"}


def worst_limit(diary: Diary) -> int:
    """Schools listed in the briefing: every school of a municipality, the worst 15 of a region."""
    return len(diary.local_schools) if diary.is_municipality else 15


def main_actions(schools: pd.DataFrame) -> pd.Series:
    """Per school (index ``school_id``), its three actions with the most records, as
    «ЛОГИН родителю — 30; …» (— when it has none)."""
    top = build.main_actions(schools.set_index("school_id"))
    items = top["action"].map(lambda a: ACTION_LABELS[a].short) + " — " + top["records"].map(words.fmt_int)
    joined = items.groupby(top["unit"]).agg("; ".join)
    return joined.reindex(schools["school_id"]).fillna("—")


def worst_schools_table(diary: Diary, n: int | None = None) -> pd.DataFrame:
    """Schools ranked by gaps, with what to fix first (a region's: the municipality after the name)."""
    frame = build.ranked_schools(diary).head(n or worst_limit(diary))
    name = frame["school_name"]
    if not diary.is_municipality:
        name = name + ", " + frame["municipality"].map(words.short_municipality)
    return pd.DataFrame({
        "Место": range(1, len(frame) + 1),
        "Образовательная организация": name.to_numpy(),
        "Обучающихся": frame["contingent"].to_numpy(),
        "Могут войти": frame["step_can_login"].to_numpy(),
        "Доля": frame["can_login_share"].to_numpy(),
        "Статус": frame["can_login_status"].map(words.status_label).to_numpy(),
        "Исправить в первую очередь, записей": main_actions(frame).to_numpy(),
    })


def worst_caption(diary: Diary) -> str:
    shown = len(worst_schools_table(diary))
    scope = (f"все школы: {shown}" if diary.is_municipality else
             f"{shown} с наименьшей долей из {len(diary.local_schools)}")
    return (f"Школы по доле обучающихся, которые могут войти в дневник через Госуслуги "
            f"({scope}; худшие сверху)")


def worst_note_html(diary: Diary) -> str:
    return _render("worst_note")


def worst_chart(diary: Diary, n: int = 15) -> Figure:
    frame = build.ranked_schools(diary).head(n).copy()
    duplicated = frame["school_name"].duplicated(keep=False)
    frame["label"] = np.where(duplicated, frame["school_name"] + " (" + frame["school_id"] + ")",
                              frame["school_name"])
    return charts.category_bars(frame, label="label", value="can_login_share",
                                title="Могут войти через Госуслуги: школы с наименьшей долей",
                                target=None, status="can_login_status")


def worst_chart_caption(diary: Diary, n: int = 15) -> str:
    shown = min(n, len(diary.local_schools))
    return (f"Школы с наименьшей долей обучающихся, которые могут войти в дневник ({shown}); "
            f"цвет и знак — статус относительно цели {words.fmt_percent(TARGET, 0)}")


# --- what to fix -------------------------------------------------------------------------------

ACTION_FORMATS = {"Записей": "int", "Школ": "int"}


def actions_summary_table(diary: Diary) -> pd.DataFrame:
    """What the territory's schools and parents must fix: records and schools per action."""
    totals = build.action_totals(diary)
    return pd.DataFrame({
        "№": range(1, len(totals) + 1),
        "Что сделать": [ACTION_LABELS[a].label for a in totals["action"]],
        "Кто": totals["who"].map(WHO).to_numpy(),
        "Записей": totals["records"].to_numpy(),
        "Школ": totals["schools"].to_numpy(),
    })


def actions_summary_caption(diary: Diary) -> str:
    return f"Что исправить в школах: {diary.territory_name}"


def actions_table(diary: Diary) -> pd.DataFrame:
    """The action list of every school of the territory (for the Excel workbook): counts only."""
    long = build.school_actions(diary)
    return pd.DataFrame({
        "Муниципальное образование": long["municipality"].to_numpy(),
        "Код ОО": long["unit"].to_numpy(),
        "Образовательная организация": long["school_name"].to_numpy(),
        "Что сделать": [ACTION_LABELS[a].label for a in long["action"]],
        "Кто": long["who"].map(WHO).to_numpy(),
        "Записей": long["records"].to_numpy(),
    })


def actions_caption(diary: Diary) -> str:
    return "Что исправить в каждой школе: действие и число записей"


def _check_header(check: Check) -> str:
    who = "школы" if check.side == "school" else "родителя"
    return f"Проверка {who} {check.number}: {CHECK_LABELS[check.id]}"


SCHOOL_FORMATS = {
    "Обучающихся": "int", "В реестре «Ученики»": "int", "Родителей": "int",
    **{_check_header(c): "percent" for c in CHECKS},
    "Могут войти": "int", "Доля могут войти": "percent",
    **{ACTION_LABELS[a.column].label: "int" for a in ACTIONS},
    "Информация об авторизации доведена": "date",
}
SCHOOL_STATUS_COLUMNS = ["Статус", "Статус задачи"]


def schools_table(diary: Diary) -> pd.DataFrame:
    """Every school of the territory with every check and every gap count (for the workbook)."""
    frame = build.ranked_schools(diary)
    table = pd.DataFrame({
        "Муниципальное образование": frame["municipality"],
        "Код ОО": frame["school_id"],
        "Образовательная организация": frame["school_name"],
        "Обучающихся": frame["contingent"],
        "В реестре «Ученики»": frame["registry"],
        "Родителей": frame["parents"],
    })
    for check in CHECKS:
        table[_check_header(check)] = frame[f"{check.id}_share"]
    table["Могут войти"] = frame["step_can_login"]
    table["Доля могут войти"] = frame["can_login_share"]
    table["Статус"] = frame["can_login_status"].map(words.status_label)
    for action in ACTIONS:
        table[ACTION_LABELS[action.column].label] = frame[action.column]
    table["Информация об авторизации доведена"] = frame["auth_info"]
    table["Статус задачи"] = frame["auth_status"].fillna("unknown").map(words.task_label)
    return table


def schools_caption(diary: Diary) -> str:
    return "Все проверки по каждой школе: доли выполненных и записи к исправлению"


def excel_note_html(diary: Diary) -> str:
    return _render("excel_note")


# --- the appendix ------------------------------------------------------------------------------

def methodology_html(diary: Diary) -> str:
    """Definitions, target, statuses, dates and sources of the briefing, for its appendix."""
    return _render("methodology", diary=diary, target=TARGET, adult_age=ADULT_AGE)


def provenance(diary: Diary) -> dict[str, str]:
    """The data side of the provenance: the registries' date and the hash of the slices read."""
    return {"snapshot_date": diary.snapshot_date.isoformat(), "data_hash": diary.data_hash}


def provenance_html(diary: Diary) -> str:
    return _render("provenance", diary=diary)

