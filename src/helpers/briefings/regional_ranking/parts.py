"""The pieces of the regional ranking briefing's blocks: frames, titles, captions, formats,
key figures and HTML fragments (``templates/briefing/fragments/regional_ranking/``). The
blocks a notebook shows are assembled from them in ``present.py``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from helpers import vocabulary as words
from helpers.briefings.regional_ranking.build import (
    Ranking,
    WeeklyChanges,
    region_position,
    region_row,
)
from helpers.indicators import kpis as ind
from helpers.presentation import charts, fragments
from helpers.presentation.fragments import KeyFigure

KPIS = ("k1", "k2", "k3", "k4", "k5")
TREND_CAPTION = "пунктир — цель на 2024–2025 годы"
REGION_WORDS = ("регион", "региона", "регионов")
REGION_WORDS_LOCATIVE = ("регионе", "регионах", "регионах")  # «в 3 регионах»
TEACHER_WORDS = ("педагог", "педагога", "педагогов")
LOWEST_IN_SUMMARY = 3  # regions named in the page-one finding on the lowest K1
MOVERS_ON_PAGE_ONE = 2  # rank movers named each way in the changes block


def _render(fragment: str, ranking: Ranking, **context: Any) -> str:
    return fragments.render(f"regional_ranking/{fragment}.html.j2", ranking=ranking, **context)


def _sentence(fragment: str, what: str, **context: Any) -> Markup:
    """One sentence of a template that words several (``what`` picks it), on one line; escaped
    there, so it is passed on as markup (not escaped twice)."""
    html = fragments.render(f"regional_ranking/{fragment}.html.j2", what=what,
                            REGION_WORDS=REGION_WORDS,
                            REGION_WORDS_LOCATIVE=REGION_WORDS_LOCATIVE, **context)
    return fragments.markup(re.sub(r"[ \t\r\n]+", " ", html).strip())


# --- the first page ---------------------------------------------------------------------------

def lead_html(ranking: Ranking) -> str:
    """The line under the title: snapshot date, the sizes of the monitoring, the ΔK1 window."""
    return _render("lead", ranking)


def key_figures(ranking: Ranking) -> list[KeyFigure]:
    """The first page: each KPI of the country against its 2024–2025 target."""
    national, targets = ranking.national, ranking.targets
    return [
        KeyFigure(targets.k1.label, words.fmt_percent(national["k1"]),
                  words.target_wording(targets.k1), national["k1_status"]),
        KeyFigure(targets.k2.label, words.fmt_percent(national["k2"]),
                  words.target_wording(targets.k2), national["k2_status"]),
        KeyFigure(targets.k3.label, f"{int(national['regions_integrated'])} из "
                  f"{int(national['regions'])} регионов", "все регионы", national["k3_status"],
                  note=f"не завершили: {int(national['regions_not_integrated'])}"),
        KeyFigure(targets.k4.label, words.fmt_percent(national["k4"]),
                  words.target_wording(targets.k4), national["k4_status"]),
        KeyFigure("Педагогов привязали учётную запись Сферума к ЕСИА",
                  words.fmt_thousands(national["k5"]),
                  f"все педагоги ({words.fmt_thousands(national['teachers_total'])})",
                  national["k5_status"], note=f"доля: {words.fmt_percent(national['k5_share'])}"),
    ]


# --- page one: the summary, the key figures, the week's changes --------------------------------

def page_one_html(ranking: Ranking) -> str:
    """Page one, whole: the card's heading (a region's briefing), «Главное», the key figures and
    «Что изменилось», in a compact type that keeps them (and the contents) on one page."""
    heading = region_card_heading_html(ranking) if ranking.highlight_region else ""
    return _render("page_one", ranking, heading=fragments.markup(heading),
                   summary=fragments.markup(summary_html(ranking)),
                   figures=fragments.markup(fragments.key_figures_html(page_one_figures(ranking))),
                   changes=fragments.markup(changes_html(ranking)))


def page_one_figures(ranking: Ranking) -> list[KeyFigure]:
    """The key-figure cards of page 1: the region's in its card, else the country's."""
    return region_key_figures(ranking) if ranking.highlight_region else key_figures(ranking)


def _kpi_label(kpi: str) -> str:
    return kpi.upper()


def _kpi_value(ranking: Ranking, row: pd.Series, kpi: str, *, national: bool) -> str:
    """How a KPI's value reads in a sentence: a share; K3 «86 из 89 регионов» for the country
    («да»/«нет» for a region); K5 the number of teachers."""
    if kpi == "k3":
        if national:
            return (f"{int(row['regions_integrated'])} из "
                    f"{words.counted(int(row['regions']), *REGION_WORDS)}")
        return "да" if row["k3"] else "нет"
    if kpi == "k5":
        count = row["k5"]
        return (words.fmt_thousands(count) + " педагогов" if national
                else words.counted(int(count), *TEACHER_WORDS))
    return words.fmt_percent(row[kpi])


def findings(ranking: Ranking) -> list[Markup]:
    """The three to five findings of page 1, computed from the data (lowest, behind, missing)."""
    return _region_findings(ranking) if ranking.highlight_region else _national_findings(ranking)


def _national_findings(ranking: Ranking) -> list[Markup]:
    national, targets, regions = ranking.national, ranking.targets, ranking.regions
    out = [_sentence("findings", "k1", value=national["k1"], status=national["k1_status"],
                     target=words.target_wording(targets.k1),
                     met=int((regions["k1_status"] == "met").sum()), total=len(regions),
                     gap=ranking.national_k1_gap)]
    lowest = ranking.lagging.head(LOWEST_IN_SUMMARY)
    out.append(_sentence("findings", "lowest", rows=[
        {"name": name, "k1": k1} for name, k1 in zip(lowest["region_name"], lowest["k1"],
                                                     strict=True)]))
    out.append(_sentence("findings", "not_integrated",
                         regions=ranking.not_integrated["region_name"].tolist()))
    changes = ranking.changes
    if changes.missing:
        names = changes.regions.set_index("region_code").loc[list(changes.missing), "region_name"]
        out.append(_sentence("findings", "missing", regions=names.tolist(),
                             day=ranking.snapshot_date, base_date=changes.base_date))
    else:
        best = ranking.best_dynamics.head(LOWEST_IN_SUMMARY)
        out.append(_sentence("findings", "dynamics", weeks=ranking.window_weeks,
                             start=ranking.window_start, rows=[
            {"name": name, "delta": delta}
            for name, delta in zip(best["region_name"], best["delta_k1"], strict=True)]))
    return out


def _region_lists(ranking: Ranking) -> list[str]:
    """The ТОП-5 lists the highlighted region is in now (their names in the genitive)."""
    code = ranking.highlight_region
    lists = []
    if code in ranking.lagging["region_code"].tolist():
        lists.append("отстающих по K1")
    if code in ranking.best_dynamics["region_code"].tolist():
        lists.append("с лучшей динамикой K1")
    return lists


def _region_findings(ranking: Ranking) -> list[Markup]:
    row, targets, position = region_row(ranking), ranking.targets, region_position(ranking)
    out = [_sentence("findings", "region_k1", value=row["k1"], status=row["k1_status"],
                     target=words.target_wording(targets.k1), rank=position.rank,
                     total=position.total, district=position.federal_district,
                     district_rank=position.district_rank,
                     district_size=position.district_size, national=ranking.national["k1"],
                     gap=int(row["k1_gap"]))]
    behind, met = [], []
    for kpi in KPIS[1:]:
        if row[f"{kpi}_status"] == "met":
            met.append(_kpi_label(kpi))
        elif row[f"{kpi}_status"] in ("behind", "near"):
            value = (words.fmt_percent(row["k5_share"]) if kpi == "k5"
                     else _kpi_value(ranking, row, kpi, national=False))
            behind.append({"kpi": _kpi_label(kpi), "value": value,
                           "target": "да" if kpi == "k3"
                           else words.target_wording(targets.target(kpi))})
    out.append(_sentence("findings", "region_targets", behind=behind, met=met))
    delta = None if pd.isna(row["delta_k1"]) else float(row["delta_k1"])
    out.append(_sentence("findings", "region_delta", delta=delta, delta_rank=position.delta_rank,
                         total=position.total, weeks=ranking.window_weeks,
                         start=ranking.window_start, lists=_region_lists(ranking)))
    return out


def summary_html(ranking: Ranking) -> str:
    """The «Главное» box of page 1: what the briefing is about, the findings, where the rest is."""
    region = ranking.highlight_name
    campaign = ranking.targets.campaign
    return fragments.summary_html(
        about=_sentence("findings", "about", region=region, campaign=campaign),
        findings=findings(ranking),
        details=_sentence("findings", "details", region=region, campaign=campaign))


def _change_of(kpi: str, row: pd.Series, *, national: bool) -> str:
    """A KPI's weekly change, signed with its unit: «+1,2 п.п.», «+5 390 педагогов», «+1 регион»,
    «без изменений»."""
    if kpi == "k3":
        if national:
            change = int(row["count_change"])
            return ("без изменений" if change == 0 else
                    f"{words.fmt_signed_int(change)} {words.plural(change, *REGION_WORDS)}")
        before, after = row["k3_before"], row["k3"]
        return "без изменений" if before == after else ("завершена" if after else "отменена")
    if kpi == "k5":
        change = int(row["count_change"] if national else row["k5_change"])
        return ("без изменений" if change == 0 else
                f"{words.fmt_signed_int(change)} {words.plural(change, *TEACHER_WORDS)}")
    return words.fmt_pp(row["change"] if national else row[f"{kpi}_change"])


def _national_rows(ranking: Ranking) -> list[dict[str, Any]]:
    changes, national = ranking.changes, ranking.national
    names = changes.regions.set_index("region_code")["region_name"]
    rows = []
    for kpi, row in zip(KPIS, changes.national.itertuples(index=False), strict=True):
        series = pd.Series(row._asdict())
        moved = series["status_before"] != series["status"]
        rows.append({
            "label": _kpi_label(kpi), "value": _kpi_value(ranking, national, kpi, national=True),
            "change": _change_of(kpi, series, national=True),
            "status_before": series["status_before"] if moved else None,
            "status": series["status"],
            "names": [names[c] for c in changes.integrated] if kpi == "k3" else [],
        })
    return rows


def _status_groups(statuses: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"kpi": _kpi_label(kpi), "names": group["region_name"].tolist()}
            for kpi, group in statuses.groupby("kpi", sort=True)]


def _movers(changes: WeeklyChanges, *, up: bool) -> list[dict[str, str]]:
    movers = changes.movers(MOVERS_ON_PAGE_ONE, up=up)
    return [{"name": name, "move": words.fmt_places(move)}
            for name, move in zip(movers["region_name"], movers["move"], strict=True)]


def _national_change_items(ranking: Ranking) -> list[Markup]:
    changes = ranking.changes
    names = changes.regions.set_index("region_code")["region_name"]
    statuses = changes.statuses[changes.statuses["kpi"] != "k3"]  # K3: in the country's line
    up = statuses["direction"] == "up"
    items = [
        _sentence("changes_item", "national", rows=_national_rows(ranking)),
        _sentence("changes_item", "lowest", entered=[names[c] for c in changes.lowest_entered],
                  left=[names[c] for c in changes.lowest_left]),
        _sentence("changes_item", "statuses",
                  reached=_status_groups(statuses[up & (statuses["after"] == "met")]),
                  closer=_status_groups(statuses[up & (statuses["after"] != "met")]),
                  worse=_status_groups(statuses[statuses["direction"] == "down"])),
        _sentence("changes_item", "movers", risers=_movers(changes, up=True),
                  fallers=_movers(changes, up=False)),
    ]
    if changes.added or changes.missing:
        items.append(_sentence("changes_item", "membership", base_date=changes.base_date,
                               added=[names[c] for c in changes.added],
                               missing=[names[c] for c in changes.missing]))
    return items


def _region_change_items(ranking: Ranking) -> list[Markup]:
    changes = ranking.changes
    row = changes.region(ranking.highlight_region)
    assert row is not None  # region_row has checked that the region is in the snapshot
    base_row = None if pd.isna(row["rank_before"]) else row
    items = [_sentence("changes_item", "region_rank", rank=int(row["rank"]),
                       total=len(ranking.regions), base_date=changes.base_date,
                       rank_before=None if base_row is None else int(row["rank_before"]),
                       move=words.fmt_places(row["move"]))]
    if base_row is None:
        return items
    rows = []
    for kpi in KPIS:
        before, after = row[f"{kpi}_status_before"], row[f"{kpi}_status"]
        rows.append({"label": _kpi_label(kpi),
                     "value": _kpi_value(ranking, row, kpi, national=False),
                     "change": _change_of(kpi, row, national=False),
                     "status_before": before if before != after else None, "status": after,
                     "names": []})
    items.append(_sentence("changes_item", "region_kpis", rows=rows))
    lists = []
    for name in ("lowest", "dynamics"):
        was, now = bool(row[f"{name}_before"]), bool(row[name])
        if was or now:
            lists.append({"list": name, "state": "stays" if was and now
                          else "entered" if now else "left"})
    items.append(_sentence("changes_item", "region_lists", lists=lists))
    return items


def change_items(ranking: Ranking) -> list[Markup]:
    """The lines of the «Что изменилось» block (none when there is no comparison base)."""
    if not ranking.changes.has_base:
        return []
    if ranking.highlight_region:
        return _region_change_items(ranking)
    return _national_change_items(ranking)


def changes_html(ranking: Ranking) -> str:
    """«Что изменилось с <дата>»: the week's movements, or that there is no base to compare."""
    changes = ranking.changes
    return fragments.changes_html(changes.base_date, change_items(ranking),
                                  min_days=changes.min_days)  # the full lists: summary's details


PLAN_FACT_LABELS = {"k1": "K1 активность в чатах", "k2": "K2 связь ЭЖД и Сферума",
                    "k3": "K3 регионы с интеграцией", "k4": "K4 чаты с родителями",
                    "k5": "K5 привязка к ЕСИА"}


def plan_fact(ranking: Ranking) -> pd.DataFrame:
    """Fact, plan and status of the share KPIs, for the plan-vs-fact chart."""
    national, targets = ranking.national, ranking.targets
    return pd.DataFrame({
        "label": [PLAN_FACT_LABELS[kpi] for kpi in KPIS],
        "fact": [float(national[ind.KPI_VALUE_COLUMN[kpi]]) for kpi in KPIS],
        "plan": [targets.target(kpi).value for kpi in KPIS],
        "status": [national[f"{kpi}_status"] for kpi in KPIS],
    })


def plan_fact_chart(ranking: Ranking) -> Figure:
    return charts.plan_fact_chart(plan_fact(ranking), title="Факт и план по долевым показателям")


def plan_fact_caption(ranking: Ranking) -> str:
    return "Плановые показатели мотивирующего мониторинга: факт по России и цель"


# --- tables -----------------------------------------------------------------------------------

RANKING_FORMATS = {
    "Место": "int", "K1": "percent", "ΔK1": "pp", "K2": "percent", "K4": "percent",
    "K5, чел.": "int", "K5, доля": "percent",
}
RANKING_STATUS_COLUMNS = ["Статус K1", "Статус K2"]


def ranking_table(ranking: Ranking) -> pd.DataFrame:
    """The full ranking of regions by K1, with statuses in words."""
    regions = ranking.regions
    return pd.DataFrame({
        "Место": regions["rank"],
        "Код": regions["region_code"],
        "Субъект РФ": regions["region_name"],
        "ФО": regions["federal_district"],
        "K1": regions["k1"],
        "Статус K1": regions["k1_status"].map(words.status_label),
        "ΔK1": regions["delta_k1"],
        "K2": regions["k2"],
        "Статус K2": regions["k2_status"].map(words.status_label),
        "K4": regions["k4"],
        "K5, чел.": regions["k5"],
        "K5, доля": regions["k5_share"],
        "Интеграция": regions["k3"].map({True: "да", False: "нет"}),
    })


def ranking_title(ranking: Ranking) -> str:
    return "Рейтинг субъектов РФ по доле активных директоров и педагогов в чатах (K1)"


def highlight_rows(ranking: Ranking) -> list[int]:
    """Positions of the highlighted region in the ranking table (empty when none)."""
    position = ranking.highlight_position
    return [] if position is None else [position]


def _top_table(frame: pd.DataFrame, value: str, column: str) -> pd.DataFrame:
    """A ТОП-5 list: place, region, its federal district and the value."""
    return pd.DataFrame({
        "№": range(1, len(frame) + 1),
        "Субъект РФ": frame["region_name"].to_numpy(),
        "ФО": frame["federal_district"].to_numpy(),
        value: frame[column].to_numpy(),
    })


LAGGING_FORMATS = {"K1": "percent"}


def lagging_table(ranking: Ranking) -> pd.DataFrame:
    """The five regions with the lowest K1."""
    return _top_table(ranking.lagging, "K1", "k1")


def lagging_title(ranking: Ranking) -> str:
    return "Регионы с наименьшей долей активных директоров и педагогов в чатах (K1)"


DYNAMICS_FORMATS = {"ΔK1": "pp"}


def dynamics_table(ranking: Ranking) -> pd.DataFrame:
    """The five regions whose K1 grew most over the window."""
    return _top_table(ranking.best_dynamics, "ΔK1", "delta_k1")


def dynamics_title(ranking: Ranking) -> str:
    return (f"Регионы с наибольшим приростом K1 за {ranking.window_weeks} нед. "
            f"(с {words.fmt_date(ranking.window_start)} по {words.fmt_date(ranking.snapshot_date)})")


DISTRICT_FORMATS = {"Регионов": "int", "K1": "percent", "K2": "percent", "K4": "percent",
                    "K5, чел.": "int", "Без интеграции": "int"}
DISTRICT_STATUS_COLUMNS = ["Статус K1"]


def district_table(ranking: Ranking) -> pd.DataFrame:
    """The KPIs of each federal district."""
    districts = ranking.districts
    return pd.DataFrame({
        "Федеральный округ": districts["federal_district_full"],
        "Регионов": districts["regions"],
        "K1": districts["k1"],
        "Статус K1": districts["k1_status"].map(words.status_label),
        "K2": districts["k2"],
        "K4": districts["k4"],
        "K5, чел.": districts["k5"],
        "Без интеграции": districts["regions_not_integrated"],
    })


NOT_INTEGRATED_FORMATS = {"K2": "percent"}


def not_integrated_table(ranking: Ranking) -> pd.DataFrame:
    """The regions that have not finished the base integration of ЭЖД with Сферум."""
    rows = ranking.not_integrated
    return pd.DataFrame({
        "Код": rows["region_code"], "Субъект РФ": rows["region_name"],
        "Федеральный округ": rows["federal_district_full"], "K2": rows["k2"],
    })


# --- the full lists behind the changes block: the Excel-only sheet «Изменения» ----------------

def _status_words(values: pd.Series) -> pd.Series:
    return values.map(lambda code: words.status_label(code) if isinstance(code, str) else None)


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map(lambda flag: None if pd.isna(flag) else ("да" if flag else "нет"))


def changes_table(ranking: Ranking) -> pd.DataFrame:
    """Every region then (at the comparison base) and now: place, K1–K5, statuses, the ТОП-5
    lists — the full lists behind the «Что изменилось» block (empty «было» without a base)."""
    rows = ranking.changes.regions
    table: dict[str, pd.Series] = {
        "Место": rows["rank"], "Место, было": rows["rank_before"], "Сдвиг, мест": rows["move"],
        "Код": rows["region_code"], "Субъект РФ": rows["region_name"],
        "ФО": rows["federal_district"],
    }
    for kpi in ("k1", "k2", "k4"):
        label = _kpi_label(kpi)
        table |= {label: rows[kpi], f"{label}, было": rows[f"{kpi}_before"],
                  f"{label}, изм.": rows[f"{kpi}_change"],
                  f"Статус {label}": _status_words(rows[f"{kpi}_status"]),
                  f"Статус {label}, было": _status_words(rows[f"{kpi}_status_before"])}
    table |= {"Интеграция": _yes_no(rows["k3"]), "Интеграция, было": _yes_no(rows["k3_before"]),
              "K5, чел.": rows["k5"], "K5, чел., было": rows["k5_before"],
              "K5, изм.": rows["k5_change"], "K5, доля": rows["k5_share"],
              "K5, доля, было": rows["k5_share_before"],
              "Статус K5": _status_words(rows["k5_status"]),
              "Статус K5, было": _status_words(rows["k5_status_before"]),
              "В пятёрке с наименьшим K1": _yes_no(rows["lowest"]),
              "В пятёрке, было": _yes_no(rows["lowest_before"]),
              "В ТОП-5 динамики": _yes_no(rows["dynamics"]),
              "В ТОП-5 динамики, было": _yes_no(rows["dynamics_before"])}
    return pd.DataFrame(table)


CHANGES_FORMATS = {
    "Место": "int", "Место, было": "int", "Сдвиг, мест": "int", "K5, чел.": "int",
    "K5, чел., было": "int", "K5, изм.": "int", "K5, доля": "percent", "K5, доля, было": "percent",
    **{f"K{n}{suffix}": kind for n in (1, 2, 4)
       for suffix, kind in (("", "percent"), (", было", "percent"), (", изм.", "pp"))},
}
CHANGES_STATUS_COLUMNS = [f"Статус K{n}{suffix}" for n in (1, 2, 4, 5) for suffix in ("", ", было")]


def changes_title(ranking: Ranking) -> str:
    base = ranking.changes.base_date
    if base is None:
        return (f"Изменения за неделю: среза не позднее чем за {ranking.changes.min_days} дн. до "
                f"{words.fmt_date(ranking.snapshot_date)} нет — сравнивать не с чем")
    return (f"Изменения с {words.fmt_date(base)} по {words.fmt_date(ranking.snapshot_date)}: "
            "все регионы («было» — на прошлом срезе)")


# --- charts -----------------------------------------------------------------------------------

def trend_chart(ranking: Ranking) -> Figure:
    """K1 of the country over the window (and of the highlighted region, if any)."""
    return charts.trend_chart(ranking.trend, value="k1", target=ranking.targets.k1.value,
                              title="K1 — доля активных в чатах, Россия",
                              highlight=ranking.region_trend,
                              highlight_label=ranking.highlight_name)


def trend_caption(ranking: Ranking) -> str:
    return (f"Доля активных директоров и педагогов в чатах (K1) по срезам за "
            f"{ranking.window_weeks} нед.; {TREND_CAPTION}")


def district_chart(ranking: Ranking) -> Figure:
    return charts.category_bars(ranking.districts, label="federal_district", value="k1",
                                title="K1 по федеральным округам",
                                target=ranking.targets.k1.value, status="k1_status")


def district_caption(ranking: Ranking) -> str:
    return "Доля активных директоров и педагогов (K1) по федеральным округам"


# --- the region's card (a region's own briefing) ----------------------------------------------

def region_card_heading_html(ranking: Ranking) -> str:
    """The card's heading (listed in the briefing's contents)."""
    return _render("region_card_heading", ranking, region_name=region_row(ranking)["region_name"])


def region_position_html(ranking: Ranking) -> str:
    """Where the region stands: rank by K1 and by ΔK1, and within its federal district."""
    return _render("region_position", ranking, position=region_position(ranking))


def region_key_figures(ranking: Ranking) -> list[KeyFigure]:
    """The region's KPIs against the targets, each with the country's value beside it."""
    row, national, targets = region_row(ranking), ranking.national, ranking.targets

    def card(target: ind.Target, column: str) -> KeyFigure:
        return KeyFigure(target.label, words.fmt_percent(row[column]),
                         words.target_wording(target), row[f"{column}_status"],
                         note=f"по России: {words.fmt_percent(national[column])}")

    return [
        card(targets.k1, "k1"),
        card(targets.k2, "k2"),
        KeyFigure(targets.k3.label, "да" if row["k3"] else "нет", "да", row["k3_status"],
                  note=f"по России завершили: {int(national['regions_integrated'])} из "
                       f"{int(national['regions'])}"),
        card(targets.k4, "k4"),
        KeyFigure("Педагогов привязали учётную запись Сферума к ЕСИА", words.fmt_int(row["k5"]),
                  "все педагоги", row["k5_status"],
                  note=f"доля {words.fmt_percent(row['k5_share'])}; "
                       f"по России {words.fmt_percent(national['k5_share'])}"),
    ]


NEIGHBOURS_FORMATS = RANKING_FORMATS
NEIGHBOURS_STATUS_COLUMNS = ["Статус K1"]


def neighbours_table(ranking: Ranking, span: int = 3) -> pd.DataFrame:
    """The region and its ``span`` neighbours above and below in the K1 ranking."""
    table = ranking_table(ranking)
    (position,) = highlight_rows(ranking)
    window = table.iloc[max(0, position - span): position + span + 1]
    return window[["Место", "Субъект РФ", "ФО", "K1", "Статус K1", "ΔK1"]].reset_index(drop=True)


def neighbours_title(ranking: Ranking) -> str:
    return "Место региона в рейтинге по K1 среди соседей"


def neighbour_highlight(ranking: Ranking, span: int = 3) -> list[int]:
    """The region's row within ``neighbours_table``."""
    (position,) = highlight_rows(ranking)
    return [min(position, span)]


def region_trend_caption(ranking: Ranking) -> str:
    return (f"K1 региона «{ranking.highlight_name}» и России по срезам за "
            f"{ranking.window_weeks} нед.; {TREND_CAPTION}")


# --- methodology and provenance ---------------------------------------------------------------

def methodology_html(ranking: Ranking) -> str:
    """Definitions, targets, statuses, window and data of the briefing, for its appendix."""
    return _render("methodology", ranking, targets=ranking.targets, kpis=KPIS,
                   near=ranking.targets.near)


def provenance(ranking: Ranking) -> dict[str, str]:
    """What the data side of the provenance is: snapshot date and content hash of the slice read."""
    return {"snapshot_date": ranking.snapshot_date.isoformat(), "data_hash": ranking.data_hash}


def provenance_html(ranking: Ranking) -> str:
    return _render("provenance", ranking, data_hash=ranking.data_hash)
