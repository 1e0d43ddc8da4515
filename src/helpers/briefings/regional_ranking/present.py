"""What the reader of the regional ranking sees: tables, charts, key figures and HTML fragments.

Every function takes the :class:`~helpers.briefings.regional_ranking.build.Ranking`; the prose
and markup are the templates of ``templates/briefing/fragments/regional_ranking/``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from helpers import vocabulary as words
from helpers.briefings.regional_ranking.build import Ranking, region_position, region_row
from helpers.indicators import kpis as ind
from helpers.presentation import charts, fragments
from helpers.presentation.fragments import KeyFigure

KPIS = ("k1", "k2", "k3", "k4", "k5")
TREND_CAPTION = "пунктир — цель на 2024–2025 годы"


def _render(fragment: str, ranking: Ranking, **context: Any) -> str:
    return fragments.render(f"regional_ranking/{fragment}.html.j2", ranking=ranking, **context)


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
