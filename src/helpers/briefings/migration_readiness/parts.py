"""The pieces of the migration-readiness briefing's blocks: frames, titles, captions, formats,
key figures and HTML fragments (``templates/briefing/fragments/migration_readiness/``). The
blocks a notebook shows are assembled from them in ``present.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from helpers import vocabulary as words
from helpers.briefings.migration_readiness.build import ACTIVE_MEMBERS_MIN, READY, Readiness
from helpers.ingestion.contract.forms import PLATFORMS
from helpers.presentation import charts, fragments
from helpers.presentation.blocks import Block, Changes, Chart, Note
from helpers.presentation.fragments import KeyFigure

KIND = "migration_readiness"

ROLE_LABELS = {"director": "Директора", "teacher": "Педагоги", "pupil": "Обучающиеся",
               "parent": "Родители", "omsu": "Сотрудники ОМСУ",
               "department": "Сотрудники департамента"}
ROLE_CHATS = {
    "director": "общешкольный, сотрудников, классов; чат департамента с директорами",
    "teacher": "классов, сотрудников, родителей классов",
    "pupil": "общешкольный и своего класса (по приглашению)",
    "parent": "родителей своего класса (по приглашению)",
}
CHAT_TYPE_LABELS = {"school": "Общешкольный чат", "staff": "Чат сотрудников",
                    "class": "Чаты классов", "parents": "Чаты родителей классов",
                    "dept_directors": "Чат департамента с директорами",
                    "dept_omsu": "Чат департамента с ОМСУ", "all": "Все обязательные чаты"}
MISSING_LABELS = {"school": "Нет общешк. чата", "staff": "Нет чата сотр.",
                  "class": "Нет чатов классов", "parents": "Нет чатов родит."}
PLATFORM_LABELS = {"sferum": "Сферум (VK Мессенджер)"}
NEVER_SEEN = "нет данных"
"""The last-seen bin of members never seen (or seen «давно»)."""


def _fragment(name: str, **context: object) -> str:
    return fragments.render(f"{KIND}/{name}.html.j2", **context)


def platform_label(code: str) -> str:
    """``telegram`` → «Telegram»; ``sferum`` → «Сферум (VK Мессенджер)»."""
    return PLATFORM_LABELS.get(code) or PLATFORMS.labels.get(code, code)


def platforms_label(codes: Iterable[str]) -> str:
    return ", ".join(platform_label(c) for c in codes)


def _target(readiness: Readiness) -> str:
    return platform_label(readiness.campaign.to_platform)


def _days(count: int) -> str:
    return words.counted(count, *words.DAY_WORDS)


def _roles_text(roles: Iterable[str]) -> str:
    return ", ".join(ROLE_LABELS.get(r, r).lower() for r in roles)


# --- the first page --------------------------------------------------------------------------

def lead_html(readiness: Readiness) -> str:
    """The lines under the title: campaign, platforms, dates, the export and the region's size."""
    campaign = readiness.campaign
    return _fragment(
        "lead", region_name=readiness.region_name, campaign=campaign,
        old_platforms=platforms_label(campaign.from_platforms), target_platform=_target(readiness),
        snapshot_date=readiness.snapshot_date, days_after_cutover=readiness.days_after_cutover,
        schools=readiness.region["schools"], municipalities=len(readiness.municipalities),
        later_campaign=readiness.later_campaign)


def key_figures(readiness: Readiness) -> list[KeyFigure]:
    """The first page: the region's readiness index, ready schools, chats, old chats, department."""
    region, campaign = readiness.region, readiness.campaign
    target, everything = _target(readiness), words.fmt_percent(READY, 0)
    types = readiness.chat_types.set_index("chat_type")
    old = readiness.old_in_campaign
    old_total, old_open = int(old["chats"].sum()), int(old["open"].sum())
    figures = [
        KeyFigure("Индекс готовности региона к переходу", words.fmt_percent(region["index"]),
                  everything, region["status"]),
        KeyFigure("Школы, готовые к переходу", f"{words.fmt_int(region['ready_schools'])} из "
                  f"{words.fmt_int(region['schools'])}", "все школы", readiness.ready_status,
                  note=f"доля: {words.fmt_percent(region['ready_share'])}"),
        KeyFigure("Обязательные чаты школ созданы и активны",
                  words.fmt_percent(types.loc["all", "active_share"]), everything,
                  types.loc["all", "status"],
                  note=f"созданы: {words.fmt_int(types.loc['all', 'present'])} из "
                       f"{words.fmt_int(types.loc['all', 'required'])}"),
        KeyFigure("Открытые чаты на прежних платформах", words.fmt_int(old_open), "0",
                  readiness.old_status,
                  note=f"закрыто {words.fmt_int(old_total - old_open)} из {words.fmt_int(old_total)}"),
    ]
    for _, chat in readiness.department.iterrows():
        figures.append(_department_chat_figure(chat, campaign.active_days, target))
    return figures


def _department_chat_figure(chat: pd.Series, active_days: int, target: str) -> KeyFigure:
    """«вступили X из N»; more members than expected (several ОМСУ staff for one municipality)
    read «X» against «не менее N», not «40 из 28»."""
    joined, expected = words.fmt_int(chat["joined"]), words.fmt_int(chat["expected"])
    over = pd.notna(chat["expected"]) and chat["joined"] > chat["expected"]
    activity = (f"активны за {_days(active_days)}: {words.fmt_percent(chat['active_share'])}"
                if chat["present"] else f"чат на платформе {target} не создан")
    return KeyFigure(f"Чат «{chat['title']}»: вступили",
                     joined if over else f"{joined} из {expected}",
                     f"не менее {expected}" if over else "все", chat["status"], note=activity)


# --- the department's chats ------------------------------------------------------------------

def active_header(readiness: Readiness) -> str:
    return f"Активны за {_days(readiness.campaign.active_days)}"


def department_formats(readiness: Readiness) -> dict[str, str]:
    return {"Ожидается": "int", "Вступили": "int", "Охват": "percent",
            active_header(readiness): "int", "Доля активных": "percent"}


def _old_state(chat: pd.Series) -> str:
    if not chat["old_chats"]:
        return "нет"
    if chat["old_open"]:
        return "открыт"
    return f"закрыт {words.fmt_date_short(chat['old_closed'])}" if chat["old_closed"] else "закрыт"


def department_table(readiness: Readiness) -> pd.DataFrame:
    """The department's chats on the target platform: joined vs expected, activity, old chat."""
    dept = readiness.department
    roles = {c.chat_type: c.expected_roles for c in readiness.campaign.department_chats}
    return pd.DataFrame({
        "Чат": [f"«{t}»" for t in dept["title"]],
        "Создан": [words.fmt_date_short(d) if d else "не создан" for d in dept["created"]],
        "Кто ожидается": [_roles_text(roles[t]) for t in dept["chat_type"]],
        "Ожидается": dept["expected"],
        "Вступили": dept["joined"],
        "Охват": dept["coverage"],
        "Статус": dept["status"].map(words.status_label),
        active_header(readiness): dept["active"],
        "Доля активных": dept["active_share"],
        "Прежний чат": [_old_state(row) for _, row in dept.iterrows()],
    })


def department_title(readiness: Readiness) -> str:
    return f"Чаты департамента на платформе {_target(readiness)}: участники ожидаемых ролей"


def department_note_html(readiness: Readiness) -> str:
    """How many people each department chat lists in all (the expected roles are a part)."""
    chats = [(row["title"], row["listed"]) for _, row in readiness.department.iterrows()
             if row["present"]]
    return _fragment("department_note", chats=chats)


def age_bin_label(first: float, end: float) -> str:
    """A last-seen bin in whole days: «3», «7–13», «90 и более»; «нет данных» for never seen."""
    if math.isnan(first):
        return NEVER_SEEN
    if math.isinf(end):
        return f"{int(first)} и более"
    return f"{int(first)}–{int(end) - 1}" if end - 1 > first else str(int(first))


def seen_ages_bins(readiness: Readiness) -> pd.DataFrame:
    """The last-seen histogram of the department's chats with each bin's label (``bin``)."""
    ages = readiness.seen_ages
    labels = [age_bin_label(first, end) for first, end in zip(ages["first"], ages["end"], strict=True)]
    return ages.assign(bin=pd.Series(labels, index=ages.index, dtype=object))


def seen_ages_chart(readiness: Readiness) -> Figure:
    return charts.age_histogram(seen_ages_bins(readiness), title="Давность последнего визита участников",
                                active_label=f"активны (за {_days(readiness.campaign.active_days)})")


def seen_ages_caption(readiness: Readiness) -> str:
    return (f"Участники чатов департамента на платформе {_target(readiness)} по числу полных дней "
            f"с последнего визита до момента выгрузки ({readiness.moment:%d.%m.%Y %H:%M}), доля от "
            "участников чата")


def seen_ages_note_html(readiness: Readiness) -> str:
    """The line shown instead of the chart when no department chat is on the target platform."""
    return _fragment("seen_ages_note", target_platform=_target(readiness))


def seen_ages(readiness: Readiness) -> Block:
    """The last-seen histogram of the department's chats (a line instead when none is on the
    target platform yet)."""
    if readiness.seen_ages.empty:
        return Note(seen_ages_note_html(readiness))
    return Chart(seen_ages_chart(readiness), seen_ages_caption(readiness))


# --- the schools' required chats -------------------------------------------------------------

CHAT_TYPE_FORMATS = {"Требуется": "int", "Созданы": "int", "Созданы, доля": "percent",
                     "Активны": "int", "Активны, доля": "percent"}


def chat_types_table(readiness: Readiness) -> pd.DataFrame:
    """Required chats of the region's schools by type: required, present, active."""
    rows = readiness.chat_types
    return pd.DataFrame({
        "Чаты": rows["chat_type"].map(CHAT_TYPE_LABELS),
        "Требуется": rows["required"],
        "Созданы": rows["present"],
        "Созданы, доля": rows["present_share"],
        "Активны": rows["active"],
        "Активны, доля": rows["active_share"],
        "Статус": rows["status"].map(words.status_label),
    })


def chat_types_title(readiness: Readiness) -> str:
    return (f"Обязательные чаты школ на платформе {_target(readiness)}: созданы и активны (хотя бы "
            f"{ACTIVE_MEMBERS_MIN} участник заходил за {_days(readiness.campaign.active_days)})")


# --- the old platforms -----------------------------------------------------------------------

OLD_FORMATS = {"Чатов в выгрузке": "int", "Закрыты в срок": "int", "Закрыты после даты перехода": "int",
               "Открыты": "int"}


def old_platforms_table(readiness: Readiness) -> pd.DataFrame:
    """Chats on the old platforms by state; other non-target platforms with open chats below."""
    rows = readiness.old_platforms
    names = [platform_label(p) + ("" if inside else " (вне кампании)")
             for p, inside in zip(rows["platform"], rows["in_campaign"], strict=True)]
    return pd.DataFrame({
        "Платформа": names,
        "Чатов в выгрузке": rows["chats"],
        "Закрыты в срок": rows["closed_on_time"],
        "Закрыты после даты перехода": rows["closed_late"],
        "Открыты": rows["open"],
    })


def old_platforms_title(readiness: Readiness) -> str:
    return (f"Чаты на прежних платформах на {words.fmt_date_short(readiness.snapshot_date)} "
            f"(дата перехода — {words.fmt_date_short(readiness.campaign.cutover)})")


def old_platforms_note_html(readiness: Readiness) -> str:
    """One paragraph: how many old chats are open, in how many schools, and the others."""
    rows = readiness.old_platforms
    outside = rows[~rows["in_campaign"]]
    schools = readiness.schools
    return _fragment(
        "old_platforms_note", open_chats=int(readiness.old_in_campaign["open"].sum()),
        open_schools=int((schools["old_open"] > 0).sum()), schools=len(schools),
        other_open=int(outside["open"].sum()), other_platforms=platforms_label(outside["platform"]))


# --- municipalities --------------------------------------------------------------------------

MUNICIPALITY_FORMATS = {"Место": "int", "Школ": "int", "Готовы": "int", "Требуется": "int",
                        "Активны": "int", "Открыто на прежних": "int", "Индекс": "percent"}


def municipality_table(readiness: Readiness) -> pd.DataFrame:
    """Municipalities ranked by the readiness index (1 = most ready)."""
    rows = readiness.municipalities
    return pd.DataFrame({
        "Место": rows["rank"],
        "Муниципальное образование": rows["municipality"].map(words.short_municipality),
        "Школ": rows["schools"],
        "Готовы": rows["ready_schools"],
        "Требуется": rows["required"],
        "Активны": rows["active"],
        "Открыто на прежних": rows["old_open"],
        "Индекс": rows["index"],
        "Статус": rows["status"].map(words.status_label),
    })


def municipality_title(readiness: Readiness) -> str:
    return ("Муниципальные образования по индексу готовности к переходу: школы и готовые из них, "
            "обязательные чаты школ (требуется, активны), чаты, открытые на прежних платформах "
            "(диаграмма индекса — на листе «Графики» книги Excel)")


def municipality_chart(readiness: Readiness) -> Figure:
    rows = readiness.municipalities.assign(
        label=readiness.municipalities["municipality"].map(words.short_municipality))
    return charts.category_bars(rows, label="label", value="index", title="Индекс готовности",
                                target=READY, status="status")


def municipality_caption(readiness: Readiness) -> str:
    return (f"Индекс готовности муниципальных образований к переходу на платформу {_target(readiness)}; "
            f"пунктир — цель {words.fmt_percent(READY, 0)}")


# --- schools not ready -----------------------------------------------------------------------

NOT_READY_FORMATS = {"Индекс": "percent", "Неактивных чатов": "int", "Открыто на прежних": "int",
                     **{label: "int" for label in MISSING_LABELS.values()}}


def not_ready_table(readiness: Readiness) -> pd.DataFrame:
    """Schools not ready, the least ready first: what each misses, in counts."""
    rows = readiness.not_ready.sort_values(["index", "municipality", "school_name"])
    types = [*readiness.campaign.school_chats, *readiness.campaign.class_chats]
    missing = {MISSING_LABELS.get(t, f"Нет: {t}"): rows[f"required_{t}"] - rows[f"present_{t}"]
               for t in types}
    return pd.DataFrame({
        "МО": rows["municipality"].map(words.short_municipality),
        "Школа": rows["school_name"],
        "Индекс": rows["index"],
        **missing,
        "Неактивных чатов": rows["present"] - rows["active"],
        "Открыто на прежних": rows["old_open"],
    }).reset_index(drop=True)


def not_ready_title(readiness: Readiness) -> str:
    behind = int((readiness.not_ready["status"] == "behind").sum())
    return (f"Школы, не готовые к переходу: {words.fmt_int(len(readiness.not_ready))} из "
            f"{words.fmt_int(len(readiness.schools))}, из них с индексом ниже "
            f"{words.fmt_percent(readiness.targets.near, 0)} — {words.fmt_int(behind)}; число не "
            "созданных обязательных чатов, созданных, но неактивных, и открытых на прежних платформах")


# --- the roles of the model ------------------------------------------------------------------

def roles_formats(readiness: Readiness) -> dict[str, str]:
    return {"Ожидается": "int", "На платформе": "int", "Охват": "percent",
            active_header(readiness): "int", "Активны от ожидаемых": "percent"}


def roles_table(readiness: Readiness) -> pd.DataFrame:
    """Coverage of the model's roles on the target platform."""
    rows = readiness.roles
    return pd.DataFrame({
        "Роль": rows["role"].map(ROLE_LABELS),
        "Чаты по модели": rows["role"].map(ROLE_CHATS),
        "Ожидается": rows["expected"],
        "На платформе": rows["joined"],
        "Охват": rows["coverage"],
        active_header(readiness): rows["active"],
        "Активны от ожидаемых": rows["active_of_expected"],
    })


def roles_title(readiness: Readiness) -> str:
    when = (f" (мониторинг на {words.fmt_date_short(readiness.activity_date)}, реестр родителей на "
            f"{words.fmt_date_short(readiness.parents_date)})"
            if readiness.activity_date and readiness.parents_date else "")
    return (f"Участники чатов на платформе {_target(readiness)} по ролям модели работы школы и "
            f"ожидаемая численность{when}")


def roles_note_html(readiness: Readiness) -> str:
    """K1 on the target platform (active directors and teachers / all of them) against its target."""
    return _fragment("roles_note", target_platform=_target(readiness),
                     active_days=readiness.campaign.active_days, k1=readiness.staff_k1,
                     k1_target=readiness.targets.k1, status=readiness.staff_k1_status)


# --- methodology and provenance --------------------------------------------------------------

def methodology_html(readiness: Readiness) -> str:
    """Definitions, the campaign's parameters, dates and sources, for the appendix."""
    campaign = readiness.campaign
    return _fragment(
        "methodology", campaign=campaign, old_platforms=platforms_label(campaign.from_platforms),
        target_platform=_target(readiness), snapshot_date=readiness.snapshot_date,
        moment=f"{readiness.moment:%d.%m.%Y %H:%M}", active_members_min=ACTIVE_MEMBERS_MIN,
        department_chats=[(c.title, _roles_text(c.expected_roles)) for c in campaign.department_chats],
        school_types=", ".join(CHAT_TYPE_LABELS[t].lower() for t in campaign.school_chats),
        class_types=", ".join(CHAT_TYPE_LABELS[t].lower() for t in campaign.class_chats),
        activity_date=readiness.activity_date, parents_date=readiness.parents_date,
        near=readiness.targets.near)


def provenance(readiness: Readiness) -> dict[str, str]:
    """The data side of the provenance: snapshot date and content hash of the slices read."""
    return {"snapshot_date": readiness.snapshot_date.isoformat(), "data_hash": readiness.data_hash}


def provenance_html(readiness: Readiness) -> str:
    sources = [f"выгрузка чатов {words.fmt_date(readiness.snapshot_date)}",
               f"кампания {readiness.campaign.id}"]
    return fragments.render("provenance_inline.html.j2", sources=sources,
                            data_hash=readiness.data_hash)


# --- page one: the summary and what changed ---------------------------------------------------

TOP_SCHOOLS = 15
"""The least ready schools shown in the body; all of them are on the Excel sheet."""

LOWEST_MUNICIPALITIES = 3
"""The least ready municipalities named in the summary."""

NAMED_SCHOOLS = 2
"""Schools named in a line of «Что изменилось»; the rest are counted (all on the Excel sheet)."""

CHANGES_SHEET = "Изменения"
NOT_READY_SHEET = "Школы не готовы"

CHAT_TYPE_GENITIVE = {"school": "общешкольных чатов", "staff": "чатов сотрудников",
                      "class": "чатов классов", "parents": "чатов родителей классов"}
CHAT_LABELS = {"school": "общешкольный чат", "staff": "чат сотрудников", "class": "чат класса",
               "parents": "чат родителей класса", "dept_directors": "чат департамента с директорами",
               "dept_omsu": "чат департамента с ОМСУ"}
SCHOOL_MOVE_LABELS = {"reached": "Школа стала готовой", "lost": "Школа перестала быть готовой",
                      "added": "Школа появилась в реестре", "removed": "Школа выбыла из реестра"}
OLD_MOVE_LABELS = {"closed_on_time": "Чат на прежней платформе закрыт в срок",
                   "closed_late": "Чат на прежней платформе закрыт после даты перехода",
                   "gone": "Чат на прежней платформе исчез из выгрузки",
                   "opened": "Чат на прежней платформе открыт (новый или вновь открытый)"}
CHANGES_COLUMNS = ["Что изменилось", "МО", "Школа или чат", "Было", "Стало", "Изменение"]


def _line(template: str, part: str, **context: object) -> Markup:
    """One sentence of a page-one template, as trusted markup (its names are escaped there)."""
    text = _fragment(template, part=part, **context)
    return fragments.markup(re.sub(r"[ \t\n]+", " ", text).strip())


def _short(name: object) -> str:
    return words.short_municipality(str(name)) if isinstance(name, str) and name else ""


def lowest_municipalities(readiness: Readiness, count: int = LOWEST_MUNICIPALITIES
                          ) -> list[tuple[str, float]]:
    """The least ready municipalities (short name, index), the least ready first."""
    rows = readiness.municipalities.sort_values(["index", "municipality"]).head(count)
    return [(_short(name), float(index)) for name, index in zip(rows["municipality"], rows["index"],
                                                                strict=True)]


def open_by_platform(readiness: Readiness) -> list[tuple[str, int]]:
    """The campaign's old platforms with chats still open (label, open), the most first."""
    old = readiness.old_in_campaign
    old = old[old["open"] > 0].sort_values(["open", "platform"], ascending=[False, True])
    return [(platform_label(p), int(n)) for p, n in zip(old["platform"], old["open"], strict=True)]


def weakest_chat_type(readiness: Readiness) -> tuple[str, float]:
    """The required chat type with the smallest share created (its genitive label, the share)."""
    types = readiness.chat_types[readiness.chat_types["chat_type"] != "all"]
    row = types.sort_values(["present_share", "chat_type"]).iloc[0]
    return CHAT_TYPE_GENITIVE.get(row["chat_type"], str(row["chat_type"])), float(row["present_share"])


def findings(readiness: Readiness) -> list[Markup]:
    """The three findings of page one: the least ready municipalities and the municipalities and
    schools behind (lowest), the old chats still open (late), the required chats not created
    (missing). The ready schools and the department's chats are on the cards, K1 on the target
    platform in the roles' section."""
    old, towns, schools = readiness.old_in_campaign, readiness.municipalities, readiness.schools
    types = readiness.chat_types.set_index("chat_type")
    weakest, weakest_share = weakest_chat_type(readiness)
    return [
        _line("summary_parts", "lowest", lowest=lowest_municipalities(readiness),
              behind=int((towns["status"] == "behind").sum()), municipalities=len(towns),
              schools_behind=int((schools["status"] == "behind").sum()), schools=len(schools),
              near=readiness.targets.near),
        _line("summary_parts", "late", days_after_cutover=readiness.days_after_cutover,
              cutover=readiness.campaign.cutover, open_chats=int(old["open"].sum()),
              open_schools=int((schools["old_open"] > 0).sum()), schools=len(schools),
              chats=int(old["chats"].sum()), by_platform=open_by_platform(readiness),
              closed_late=int(old["closed_late"].sum())),
        _line("summary_parts", "missing", required=int(types.loc["all", "required"]),
              present=int(types.loc["all", "present"]),
              inactive=int(types.loc["all", "present"] - types.loc["all", "active"]),
              weakest=weakest, weakest_share=weakest_share),
    ]


def summary_html(readiness: Readiness) -> str:
    """Page one's «Главное»: the findings and where the details are (what the briefing is about
    is :func:`lead_html`, above the cards)."""
    return fragments.summary_html(
        about="", findings=findings(readiness),
        details=_line("summary_parts", "details", not_ready=len(readiness.not_ready)))


def _named_schools(rows: pd.DataFrame) -> list[tuple[str, str]]:
    rows = rows.head(NAMED_SCHOOLS)
    return [(str(s), _short(m)) for s, m in zip(rows["school_name"], rows["municipality"], strict=True)]


def change_items(readiness: Readiness) -> list[Markup]:
    """The lines of «Что изменилось» (none without a comparison base): the region's index and
    ready schools, schools that became or stopped being ready, old chats closed, the department's
    chats, the municipalities' biggest moves in the ranking."""
    changes = readiness.changes
    if not changes.has_base or changes.region_before is None:
        return []
    region, before = readiness.region, changes.region_before
    reached, lost = changes.schools_moved("reached"), changes.schools_moved("lost")
    closed = changes.old_closed
    by_platform = closed.groupby("platform").size().sort_values(ascending=False)
    open_now = int(readiness.old_in_campaign["open"].sum())
    items = [
        _line("change_items", "region", index=region["index"],
              index_change=words.fmt_pp(region["index"] - before["index"]),
              ready=int(region["ready_schools"]),
              ready_change=words.fmt_signed_int(int(region["ready_schools"]) - int(before["ready_schools"]))),
        _line("change_items", "schools", reached=_named_schools(reached), lost=_named_schools(lost),
              reached_count=len(reached), lost_count=len(lost),
              added=len(changes.schools_moved("added")), removed=len(changes.schools_moved("removed"))),
        _line("change_items", "old", closed=len(closed),
              late=int((closed["move"] == "closed_late").sum()),
              gone=int((closed["move"] == "gone").sum()),
              by_platform=[(platform_label(p), int(n)) for p, n in by_platform.items()],
              open_now=open_now, open_change=words.fmt_signed_int(open_now - (changes.old_open_before or 0)),
              opened=len(changes.old_opened)),
    ]
    dept = changes.department
    if len(dept):
        items.append(_line("change_items", "department", chats=[
            (row["title"], row["present_before"], row["present_after"], row["entered"], row["left"],
             row["joined_after"], row["expected"]) for _, row in dept.iterrows()]))
    moved = changes.municipalities.dropna(subset=["move"])
    moved = moved[moved["move"] != 0].sort_values(["move", "municipality"])
    if len(moved):
        up, down = moved.iloc[-1], moved.iloc[0]
        items.append(_line("change_items", "municipalities",
                           up=_moved(up) if up["move"] > 0 else None,
                           down=_moved(down) if down["move"] < 0 else None))
    return items


def _moved(town: pd.Series) -> tuple[str, str]:
    return _short(town["municipality"]), words.fmt_places(town["move"])


def week_changes(readiness: Readiness) -> Changes:
    """Page one's «Что изменилось с <дата>» (or that there is no snapshot to compare with), as data."""
    week = readiness.changes
    return Changes(week.base_date, change_items(readiness), min_days=week.min_days)


def changes_html(readiness: Readiness) -> str:
    """Page one's «Что изменилось с <дата>» (or that there is no snapshot to compare with)."""
    return week_changes(readiness).html()


def _old_chat_label(row: pd.Series) -> str:
    where = str(row["school_name"]) if isinstance(row["school_name"], str) else "департамент"
    kind = CHAT_LABELS.get(row["chat_type"], str(row["chat_type"]))
    if isinstance(row["class_name"], str) and row["class_name"]:
        kind = f"{kind} {row['class_name']}"
    return f"{where}: {platform_label(row['platform'])}, {kind}"


CHANGED_COLUMNS = CHANGES_COLUMNS[3:]  # «Было», «Стало», «Изменение»: a figure or a text per row
_PERCENT_ROW, _COUNT_ROW, _TEXT_ROW = ["percent", "percent", "pp"], ["int", "int", "signed"], ["text"] * 3


def _change_rows(readiness: Readiness) -> list[tuple[list[object], list[str]]]:
    """Each row of :func:`changes_table` with the formats of its «Было», «Стало», «Изменение»:
    shares and counts stay numbers (the workbook formats them), composite values are text."""
    changes = readiness.changes
    if not changes.has_base or changes.region_before is None:
        return []
    region, before = readiness.region, changes.region_before
    rows: list[tuple[list[object], list[str]]] = [
        (["Индекс готовности региона", "", readiness.region_name, float(before["index"]),
          float(region["index"]), float(region["index"] - before["index"])], _PERCENT_ROW),
        (["Готовые к переходу школы", "", readiness.region_name, int(before["ready_schools"]),
          int(region["ready_schools"]), int(region["ready_schools"]) - int(before["ready_schools"])],
         _COUNT_ROW),
    ]
    for _, school in changes.schools.iterrows():
        rows.append(([SCHOOL_MOVE_LABELS[school["move"]], _short(school["municipality"]),
                      school["school_name"], _share(school["index_before"]), _share(school["index_after"]),
                      _share(school["index_after"] - school["index_before"])], _PERCENT_ROW))
    for _, chat in changes.old_chats.iterrows():
        now = {"gone": "нет в выгрузке", "opened": "открыт"}.get(
            chat["move"], f"закрыт {words.fmt_date_short(chat['closed'])}" if chat["closed"] else "закрыт")
        rows.append(([OLD_MOVE_LABELS[chat["move"]], _short(chat["municipality"]), _old_chat_label(chat),
                      "не открыт" if chat["move"] == "opened" else "открыт", now, ""], _TEXT_ROW))
    for _, chat in changes.department.iterrows():
        rows.append((["Чат департамента: участники ожидаемых ролей", "", f"«{chat['title']}»",
                      f"{words.fmt_int(chat['joined_before'])} из {words.fmt_int(chat['expected'])}",
                      f"{words.fmt_int(chat['joined_after'])} из {words.fmt_int(chat['expected'])}",
                      f"{words.fmt_signed_int(chat['joined_after'] - chat['joined_before'])} (вступили — "
                      f"{words.fmt_int(chat['entered'])}, вышли — {words.fmt_int(chat['left'])})"],
                     _TEXT_ROW))
    for _, town in changes.municipalities.iterrows():
        rows.append((["Место МО по индексу готовности", _short(town["municipality"]), "",
                      _place(town["rank_before"], town["index_before"]),
                      _place(town["rank_after"], town["index_after"]), words.fmt_places(town["move"])],
                     _TEXT_ROW))
    return rows


def _share(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def changes_table(readiness: Readiness) -> pd.DataFrame:
    """The full lists behind «Что изменилось», one row per change (the Excel sheet «Изменения»):
    the region, schools, old-platform chats, the department's chats, the municipalities' ranks;
    formatted by :func:`changes_row_formats`."""
    return pd.DataFrame([row for row, _ in _change_rows(readiness)], columns=CHANGES_COLUMNS)


def changes_row_formats(readiness: Readiness) -> dict[str, list[str]]:
    """The format of each row's «Было», «Стало», «Изменение» in :func:`changes_table`."""
    kinds = [row_kinds for _, row_kinds in _change_rows(readiness)]
    return {column: [row[index] for row in kinds] for index, column in enumerate(CHANGED_COLUMNS)}


def _place(rank: float | None, index: float) -> str:
    if rank is None or pd.isna(rank):
        return "нет в выгрузке"
    return f"{int(rank)} ({words.fmt_percent(index)})"


def changes_title(readiness: Readiness) -> str:
    changes = readiness.changes
    if not changes.has_base:
        return (f"Изменения: выгрузки чатов, сделанной не позднее чем за "
                f"{_days(changes.min_days)} до {words.fmt_date_short(readiness.snapshot_date)} в "
                "рамках кампании, нет — сравнивать не с чем")
    return (f"Изменения с {words.fmt_date_short(changes.base_date)} по "
            f"{words.fmt_date_short(readiness.snapshot_date)}: регион, школы, чаты на прежних платформах, "
            "чаты департамента, места муниципальных образований")


def not_ready_top_table(readiness: Readiness, count: int = TOP_SCHOOLS) -> pd.DataFrame:
    """The ``count`` least ready schools: the head of :func:`not_ready_table` (all of them are the
    Excel sheet «Школы не готовы»)."""
    return not_ready_table(readiness).head(count)


def not_ready_top_title(readiness: Readiness, count: int = TOP_SCHOOLS) -> str:
    shown = min(count, len(readiness.not_ready))
    return (f"{words.fmt_int(shown)} наименее готовых школ из {words.fmt_int(len(readiness.not_ready))} "
            f"не готовых (все — на листе «{NOT_READY_SHEET}» книги Excel): число не созданных обязательных "
            "чатов, созданных, но неактивных, и открытых на прежних платформах")
