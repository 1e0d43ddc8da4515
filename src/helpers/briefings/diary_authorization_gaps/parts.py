"""The pieces of the diary authorization gaps briefing's blocks: frames, titles, captions, formats,
key figures and HTML fragments (``templates/briefing/fragments/diary_authorization_gaps/``). The
blocks a notebook shows are assembled from them in ``present.py``.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from helpers import vocabulary as words
from helpers.briefings.diary_authorization_gaps import build
from helpers.briefings.diary_authorization_gaps.build import (
    ACTIONS,
    ADULT_AGE,
    CHECKS,
    FUNNEL,
    SCHOOL_SIDE_DONE,
    TARGET,
    Check,
    Diary,
)
from helpers.presentation import charts, fragments
from helpers.presentation.blocks import Changes
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

CHANGE_STEPS: dict[str, str] = {
    "step_registry": "реестр", "step_snils_present": "СНИЛС внесён",
    "step_snils_valid": "СНИЛС корректен", "step_parent_linked": "родитель",
    "step_parent_snils": "СНИЛС родителя", "step_parent_login": "ЛОГИН",
    "step_parent_esia": "Госуслуги родителя",
}
"""The steps between the registry and «can log in», as short as the «Что изменилось» line needs."""

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
SCHOOL_GENITIVE = ("школы", "школ", "школ")  # «до 1 школы», «до 5 школ»
SCHOOL_LOCATIVE = ("школе", "школах", "школах")  # «в 21 школе», «в 3 школах»
PUPIL_GENITIVE = ("обучающегося", "обучающихся", "обучающихся")  # «нет 1 обучающегося»
WHO_DATIVE = {"school": "школам", "parent": "родителям"}
NAMES_SHOWN = 3  # schools named in a line of page 1; the rest are counted («и ещё 4»)
PAGE_ONE_LINES = 14
"""Lines of the findings and the changes (11 pt, :data:`LINE_CHARS` characters each) that fit on
page 1 under a two-line lead; changes of lower priority past it stay in the workbook only."""
LINE_CHARS = 88  # a line of the page-one boxes' lists, a little under its ~92 characters
LEAD_LINE_CHARS = 82  # a line of the lead (13 pt)
WORST_SHOWN = 10  # schools in the body's table and chart of the largest gaps; all are in Excel


def _render(name: str, **context: Any) -> str:
    return fragments.render(f"{KIND}/{name}.html.j2", **context)


# --- the first page ----------------------------------------------------------------------------

def lead_html(diary: Diary) -> str:
    """The line under the title: what the briefing is about, the date, the territory and its size."""
    t = diary.territory
    return _render("lead", diary=diary, schools=int(t["schools"]), contingent=int(t["contingent"]),
                   parents=int(t["parents"]), parent_nouns=PARENT_NOUNS)


_SPACES = re.compile(r"[ \t\r\n]+")  # the template's line breaks; no-break spaces stay


def _inline(name: str, **context: Any) -> Markup:
    """A fragment that is one line of a page-one list, its whitespace collapsed."""
    return fragments.markup(_SPACES.sub(" ", _render(name, **context)))


def findings(diary: Diary) -> list[Markup]:
    """The three to five findings of page 1: how many can log in and where fewest do, the step
    that loses the most pupils, the schools with the largest gaps, what to fix first, and what
    is late or missing (when something is)."""
    t = diary.territory
    contingent = int(t["contingent"])
    place, places = build.municipality_place(diary)
    lowest = [] if diary.is_municipality else [
        {"name": row.municipality, "share": row.can_login_share}
        for row in build.lowest_municipalities(diary, 1).itertuples()]
    items = [_inline("finding", kind="level", share=t["can_login_share"], place=place,
                     places=places, region_share=diary.region["can_login_share"], lowest=lowest)]

    step, lost = build.biggest_loss(t)
    school_step, school_lost = build.school_side_loss(t)
    if lost > 0:
        items.append(_inline(
            "finding", kind="loss", step=STEPS[step].label, lost=lost,
            lost_share=lost / contingent if contingent else None,
            school_step=STEPS[school_step].label if school_step != step and school_lost > 0 else "",
            school_lost=school_lost))

    # a region's names carry their municipality: two of them fill the line three do in a municipality
    worst = build.ranked_schools(diary).head(NAMES_SHOWN if diary.is_municipality else NAMES_SHOWN - 1)
    worst = worst[worst["can_login_status"] != "met"]
    if len(worst):
        items.append(_inline("finding", kind="schools", schools=[
            {"name": row.school_name, "share": row.can_login_share,
             "municipality": "" if diary.is_municipality else row.municipality}
            for row in worst.itertuples()]))

    first = build.top_actions(diary)
    if len(first):
        items.append(_inline("finding", kind="fix", who=WHO_DATIVE, school_locative=SCHOOL_LOCATIVE,
                             actions=[{"who": row.who, "label": ACTION_LABELS[row.action].label,
                                       "records": int(row.records), "schools": int(row.schools)}
                                      for row in first.itertuples()]))

    states = build.auth_states(diary.local_schools) if diary.tasks_date and diary.auth_task else {}
    missing = int(t["not_in_registry"])
    late = {state: states.get(state, 0) for state in ("overdue", "pending", "late")}
    if any(late.values()) or missing:
        items.append(_inline("finding", kind="late", **late, missing=missing,
                             deadline=diary.auth_task.deadline if diary.auth_task else None,
                             school_genitive=SCHOOL_GENITIVE, pupil_genitive=PUPIL_GENITIVE))
    return items


def estimated_lines(fragment: str, width: int = LINE_CHARS) -> int:
    """How many printed lines a fragment's text takes, roughly: its characters over ``width``."""
    text = html.unescape(re.sub(r"<[^>]+>", "", fragment))
    return max(1, math.ceil(len(_SPACES.sub(" ", text).strip()) / width))


def changes_budget(diary: Diary) -> int:
    """Lines left on page 1 for «Что изменилось» (see :data:`PAGE_ONE_LINES`): what the findings,
    a lead longer than two lines and a municipality's longer card notes leave of it."""
    lead = estimated_lines(lead_html(diary), LEAD_LINE_CHARS)
    extra_lead = math.ceil(max(0, lead - 2) * 13 / 11)  # a lead line is 13 pt, a box line 11 pt
    extra_cards = 1 if diary.is_municipality else 0  # «по региону: …» lengthens the cards' notes
    return (PAGE_ONE_LINES - sum(estimated_lines(f) for f in findings(diary)) - extra_lead
            - extra_cards)


def summary_html(diary: Diary) -> str:
    """Page 1's «Главное»: the findings and where the details are."""
    return fragments.summary_html(about="", findings=findings(diary),
                                  details=fragments.markup(_render("details")))


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
                       f"с 14 лет: {words.fmt_percent(t['child_from_14_share'])}"),
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
                     note=f"с опозданием — {late}; на {words.fmt_date_short(diary.tasks_date)}")


# --- the week's movements ---------------------------------------------------------------------

MOVE_WORDS = {"reached": "достигла {threshold}", "lost": "опустилась ниже {threshold}",
              "added": "появилась в реестре «Ученики»", "removed": "пропала из реестра «Ученики»"}
"""What happened to a school (:data:`.build.MOVES`), in the «Изменения» sheet."""


def _points(delta: float) -> str:
    """A change of a share in signed percentage points, the unit said once before the list."""
    return words.fmt_pp(delta).removesuffix(f"{words.NBSP}п.п.")


def _named(frame: pd.DataFrame) -> list[str]:
    return frame["school_name"].head(NAMES_SHOWN).tolist()


def changes_items(diary: Diary, budget: int | None = None) -> list[Markup]:
    """The lines of «Что изменилось», most important first: who can log in and every step of the
    funnel with its change, the schools that crossed the threshold either way, the municipality's
    place (or the region's biggest movers), schools that appeared in or vanished from the
    registry. The first two always; the others while they fit in ``budget`` lines
    (:func:`changes_budget` by default). Empty without a base."""
    items = _changes_items(diary)
    budget = changes_budget(diary) if budget is None else budget
    kept: list[Markup] = []
    used = 0
    for number, item in enumerate(items):
        lines = estimated_lines(item)
        if number < 2 or used + lines <= budget:
            kept.append(item)
            used += lines
    return kept


def _changes_items(diary: Diary) -> list[Markup]:
    c = diary.changes
    if not c.has_base:
        return []
    items = []
    if c.territory_in_base:
        steps = c.funnel.set_index("step")
        last, first = steps.loc["step_can_login"], steps.loc["contingent"]
        items.append(_inline(
            "change", kind="funnel", share=last["share"], change_pp=last["change_pp"],
            count=int(last["count"]), change=int(last["change"]), contingent=int(first["count"]),
            contingent_change=int(first["change"]),
            steps=[{"label": CHANGE_STEPS[step], "change": _points(steps.loc[step, "change_pp"])}
                   for step in FUNNEL[1:-1]]))
    else:
        items.append(_inline("change", kind="not_in_base", base_date=c.base_date,
                             territory=diary.territory_name))
    reached, lost = c.schools_moved("reached"), c.schools_moved("lost")
    items.append(_inline("change", kind="crossings", threshold=c.threshold,
                         reached=len(reached), reached_names=_named(reached),
                         lost=len(lost), lost_names=_named(lost), school_locative=SCHOOL_LOCATIVE))
    places = c.municipalities
    if diary.is_municipality:
        own = places[places["oktmo"] == diary.oktmo]
        if len(own) and pd.notna(own["rank"].iloc[0]):
            move = own["move"].iloc[0]
            items.append(_inline("change", kind="place", rank=int(own["rank"].iloc[0]),
                                 places=int(places["rank"].notna().sum()),
                                 move=None if pd.isna(move) else int(move)))
    else:
        moved = places.dropna(subset=["change_pp"])
        up = moved.loc[moved["change_pp"].idxmax()] if len(moved) else None
        down = moved.loc[moved["change_pp"].idxmin()] if len(moved) else None
        up = {"name": up["municipality"], "change_pp": up["change_pp"]} \
            if up is not None and up["change_pp"] > 0 else None
        down = {"name": down["municipality"], "change_pp": down["change_pp"]} \
            if down is not None and down["change_pp"] < 0 else None
        if up or down:
            items.append(_inline("change", kind="movers", up=up, down=down))
    added, removed = c.schools_moved("added"), c.schools_moved("removed")
    if len(added) or len(removed):
        items.append(_inline("change", kind="registry", added=len(added), added_names=_named(added),
                             removed=len(removed), removed_names=_named(removed),
                             school_genitive=SCHOOL_GENITIVE))
    return items


def week_changes(diary: Diary) -> Changes:
    """Page 1's «Что изменилось с <дата>», or that there is no base to compare with, as data."""
    c = diary.changes
    more = fragments.markup(_render("changes_more")) if c.has_base else ""
    return Changes(c.base_date, changes_items(diary), min_days=c.min_days, more=more)


def changes_html(diary: Diary) -> str:
    """Page 1's «Что изменилось с <дата>», or the sentence that there is no base to compare with."""
    return week_changes(diary).html()


CHANGES_FORMATS = {
    "Обучающихся, было": "int", "Обучающихся, стало": "int", "Изменение, обучающихся": "int",
    "Доля, было": "percent", "Доля, стало": "percent", "Изменение, п.п.": "pp",
    "Место, было": "int", "Место, стало": "int", "Изменение места": "int",
}
CHANGES_SECTIONS = ("Воронка", "Муниципальные образования", "Школы")
_MOVE_ORDER = {"reached": 0, "lost": 1, "added": 2, "removed": 3, "": 4}


def changes_table(diary: Diary) -> pd.DataFrame:
    """The full lists behind «Что изменилось» (the workbook's sheet «Изменения»): the funnel's
    steps (pupils at the step), the region's municipalities and the territory's schools (pupils
    who can log in), then and now; empty without a base."""
    c = diary.changes
    threshold = words.fmt_percent(c.threshold, 0)
    pieces = []
    if c.has_base and c.territory_in_base:
        f = c.funnel
        pieces.append(pd.DataFrame({
            "Раздел": CHANGES_SECTIONS[0], "Муниципальное образование": "", "Код ОО": "",
            "Шаг воронки или школа": [f"{i}. {STEPS[step].label}" for i, step in enumerate(f["step"])],
            "Обучающихся, было": f["base_count"], "Обучающихся, стало": f["count"],
            "Изменение, обучающихся": f["change"], "Доля, было": f["base_share"],
            "Доля, стало": f["share"], "Изменение, п.п.": f["change_pp"], "Что изменилось": ""}))
    if c.has_base:
        m = c.municipalities
        pieces.append(pd.DataFrame({
            "Раздел": CHANGES_SECTIONS[1], "Муниципальное образование": m["municipality"],
            "Код ОО": "", "Шаг воронки или школа": "",
            "Обучающихся, было": m["base_can_login"], "Обучающихся, стало": m["can_login"],
            "Изменение, обучающихся": m["change"], "Доля, было": m["base_share"],
            "Доля, стало": m["share"], "Изменение, п.п.": m["change_pp"],
            "Место, было": m["base_rank"], "Место, стало": m["rank"], "Изменение места": m["move"],
            "Что изменилось": ["" if pd.notna(r) else "в прошлом срезе записей не было"
                               for r in m["base_rank"]]}))
        schools = c.schools.assign(order=c.schools["move"].map(_MOVE_ORDER)).sort_values(
            ["order", "municipality", "school_name", "school_id"])
        pieces.append(pd.DataFrame({
            "Раздел": CHANGES_SECTIONS[2], "Муниципальное образование": schools["municipality"],
            "Код ОО": schools["school_id"], "Шаг воронки или школа": schools["school_name"],
            "Обучающихся, было": schools["base_can_login"], "Обучающихся, стало": schools["can_login"],
            "Изменение, обучающихся": schools["change"], "Доля, было": schools["base_share"],
            "Доля, стало": schools["share"], "Изменение, п.п.": schools["change_pp"],
            "Что изменилось": [MOVE_WORDS[m].format(threshold=threshold) if m else ""
                               for m in schools["move"]]}))
    columns = ["Раздел", "Муниципальное образование", "Код ОО", "Шаг воронки или школа",
               *CHANGES_FORMATS, "Что изменилось"]
    if not pieces:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    table = pd.concat(pieces, ignore_index=True).reindex(columns=columns)
    for column, kind in CHANGES_FORMATS.items():
        table[column] = table[column].astype("Int64" if kind == "int" else "float64")
    return table


def changes_caption(diary: Diary) -> str:
    c = diary.changes
    if not c.has_base:
        return (f"Изменения: выгрузки реестров ЭЖД, сделанной не позднее чем за "
                f"{words.counted(c.min_days, *words.DAY_WORDS)} до {words.fmt_date(diary.snapshot_date)}, "
                "нет — сравнивать не с чем")
    return (f"Изменения с {words.fmt_date(c.base_date)} по {words.fmt_date(diary.snapshot_date)}: "
            "шаги воронки (обучающиеся на шаге), муниципальные образования и школы (обучающиеся, "
            "которые могут войти)")


# --- the funnel --------------------------------------------------------------------------------

WEEK_COLUMN = "За неделю"
FUNNEL_FORMATS = {"№": "int", "Обучающихся": "int", "Доля от контингента": "percent",
                  "Потеря на шаге": "int", "Доля по региону": "percent", WEEK_COLUMN: "pp"}


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
    week = diary.changes
    if week.has_base and week.territory_in_base:
        table[WEEK_COLUMN] = week.funnel["change_pp"].to_numpy()
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
    week = diary.changes
    since = (f"; за неделю — изменение доли с {words.fmt_date(week.base_date)}"
             if week.has_base and week.territory_in_base else "")
    return (f"Воронка авторизации, {diary.territory_name}: обучающиеся на каждом шаге, доля от "
            f"контингента{compare}, потеря на шаге{since}")


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
    """Schools listed in the briefing's body: the worst :data:`WORST_SHOWN` (all of them, when
    fewer); every school is in the workbook (sheet «Проверки по школам»)."""
    return min(WORST_SHOWN, len(diary.local_schools))


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
    shown, total = len(worst_schools_table(diary)), len(diary.local_schools)
    scope = (f"все школы: {shown}" if shown == total else
             f"{shown} с наименьшей долей из {total}, все — в книге Excel")
    return (f"Школы по доле обучающихся, которые могут войти в дневник через Госуслуги "
            f"({scope}; худшие сверху)")


def worst_note_html(diary: Diary) -> str:
    return _render("worst_note")


def worst_chart(diary: Diary, n: int = WORST_SHOWN) -> Figure:
    frame = build.ranked_schools(diary).head(n).copy()
    duplicated = frame["school_name"].duplicated(keep=False)
    frame["label"] = np.where(duplicated, frame["school_name"] + " (" + frame["school_id"] + ")",
                              frame["school_name"])
    return charts.category_bars(frame, label="label", value="can_login_share",
                                title="Могут войти через Госуслуги: школы с наименьшей долей",
                                target=None, status="can_login_status")


def worst_chart_caption(diary: Diary, n: int = WORST_SHOWN) -> str:
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
