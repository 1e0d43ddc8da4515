"""The regional-ranking briefing: every figure it shows, computed from the federal snapshots.

``build_ranking`` is pure (history in, ``Ranking`` out); ``load_ranking`` reads the warehouse.
The ``*_table`` and ``key_figures`` functions shape the results for display with Russian
headers; the notebook only calls them and displays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from helpers.config import settings
from helpers.indicators import kpis as ind
from helpers.presentation import charts
from helpers.presentation.tables import KeyFigure, status_label
from helpers.vocabulary import fmt_date, fmt_int, fmt_percent, fmt_thousands
from helpers.warehouse import store


@dataclass(frozen=True)
class Ranking:
    """Everything the regional-ranking briefing shows, for one snapshot date."""

    snapshot_date: dt.date
    window_weeks: int
    window_start: dt.date
    targets: ind.Targets
    national: pd.Series
    regions: pd.DataFrame  # one row per region: KPIs, statuses, ΔK1, rank by K1 (1 = best)
    districts: pd.DataFrame
    trend: pd.DataFrame
    region_trend: pd.DataFrame  # K1 over the window of the highlighted region (may be empty)
    highlight_region: str
    data_hash: str

    @property
    def lagging(self) -> pd.DataFrame:
        return ind.lagging_regions(self.regions, 5)

    @property
    def best_dynamics(self) -> pd.DataFrame:
        return ind.best_dynamics(self.regions, 5)

    @property
    def not_integrated(self) -> pd.DataFrame:
        return self.regions[~self.regions["k3"]].sort_values("region_code")


def build_ranking(history: pd.DataFrame, *, period: str = "", window_weeks: int | None = None,
                  highlight_region: str = "", targets: ind.Targets | None = None) -> Ranking:
    """All figures of the briefing for the latest snapshot on or before ``period``."""
    targets = targets or ind.load_targets()
    weeks = window_weeks or targets.delta_window_weeks
    day = ind.latest_snapshot_date(history, period or None)
    used = history[pd.to_datetime(history["snapshot_date"]) <= pd.Timestamp(day)]
    snapshot = ind.select_snapshot(used, day)
    regions = ind.add_status(ind.region_indicators(snapshot), targets)
    deltas = ind.delta_k1(used, day, weeks)[["region_code", "start_date", "k1_start", "delta_k1"]]
    regions = regions.merge(deltas, on="region_code", how="left")
    regions["rank"] = regions["k1"].rank(ascending=False, method="min").astype("int64")
    regions["delta_rank"] = regions["delta_k1"].rank(ascending=False, method="min").astype("Int64")
    return Ranking(
        snapshot_date=day,
        window_weeks=weeks,
        window_start=day - dt.timedelta(weeks=weeks),
        targets=targets,
        national=ind.add_status(ind.national_indicators(snapshot), targets),
        regions=regions.sort_values(["rank", "region_code"]).reset_index(drop=True),
        districts=ind.add_status(ind.district_indicators(snapshot), targets),
        trend=ind.national_trend(used, weeks, day),
        region_trend=_region_trend(used, highlight_region, day, weeks),
        highlight_region=highlight_region,
        data_hash=store.frame_hash(used.drop(columns=["source_file"], errors="ignore")),
    )


def _region_trend(history: pd.DataFrame, region: str, day: dt.date, weeks: int) -> pd.DataFrame:
    if not region:
        return pd.DataFrame(columns=["snapshot_date", "k1"])
    start = pd.Timestamp(day - dt.timedelta(weeks=weeks))
    rows = history[(history["region_code"] == region)
                   & (pd.to_datetime(history["snapshot_date"]) >= start)]
    return ind.region_indicators(rows)[["snapshot_date", "k1"]]


def load_ranking(period: str = "", window_weeks: int | None = None, highlight_region: str = "",
                 warehouse_path: Path | None = None) -> Ranking:
    """The briefing's figures from the warehouse (``PERIOD``/``WAREHOUSE`` settings by default)."""
    config = settings()
    history = store.read_federal(warehouse_path or config.warehouse)
    return build_ranking(history, period=period or config.period, window_weeks=window_weeks,
                         highlight_region=highlight_region)


# --- shaped for display ----------------------------------------------------------------------

def share_target(target: ind.Target) -> str:
    """A share target as the plan reads: «более 25 %» (strict) or «не менее 75 %»."""
    return ("более " if target.strict else "не менее ") + fmt_percent(target.value, 0)


def key_figures(ranking: Ranking) -> list[KeyFigure]:
    """The first page: each KPI of the country against its 2024–2025 target."""
    national, targets = ranking.national, ranking.targets

    not_done = int(national["regions_not_integrated"])
    return [
        KeyFigure(targets.k1.label, fmt_percent(national["k1"]), share_target(targets.k1),
                  national["k1_status"]),
        KeyFigure(targets.k2.label, fmt_percent(national["k2"]), share_target(targets.k2),
                  national["k2_status"]),
        KeyFigure(targets.k3.label, f"{int(national['regions_integrated'])} из "
                  f"{int(national['regions'])} регионов", "все регионы", national["k3_status"],
                  note=f"не завершили: {not_done}"),
        KeyFigure(targets.k4.label, fmt_percent(national["k4"]), fmt_percent(targets.k4.value, 0),
                  national["k4_status"]),
        KeyFigure("Педагогов привязали учётную запись Сферума к ЕСИА",
                  fmt_thousands(national["k5"]),
                  f"все педагоги ({fmt_thousands(national['teachers_total'])})",
                  national["k5_status"], note=f"доля: {fmt_percent(national['k5_share'])}"),
    ]


RANKING_FORMATS = {
    "Место": "int", "K1": "percent", "ΔK1": "pp", "K2": "percent", "K4": "percent",
    "K5, чел.": "int", "K5, доля": "percent",
}


def ranking_table(ranking: Ranking) -> pd.DataFrame:
    """The full ranking of regions by K1, with statuses in words."""
    regions = ranking.regions
    return pd.DataFrame({
        "Место": regions["rank"],
        "Код": regions["region_code"],
        "Субъект РФ": regions["region_name"],
        "ФО": regions["federal_district"],
        "K1": regions["k1"],
        "Статус K1": regions["k1_status"].map(status_label),
        "ΔK1": regions["delta_k1"],
        "K2": regions["k2"],
        "Статус K2": regions["k2_status"].map(status_label),
        "K4": regions["k4"],
        "K5, чел.": regions["k5"],
        "K5, доля": regions["k5_share"],
        "Интеграция": regions["k3"].map({True: "да", False: "нет"}),
    })


def top_table(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """A ТОП-5 list: place, region, its federal district and the value."""
    return pd.DataFrame({
        "№": range(1, len(frame) + 1),
        "Субъект РФ": frame["region_name"].to_numpy(),
        "ФО": frame["federal_district"].to_numpy(),
        value: frame["k1" if value == "K1" else "delta_k1"].to_numpy(),
    })


DISTRICT_FORMATS = {"Регионов": "int", "K1": "percent", "K2": "percent", "K4": "percent",
                    "K5, чел.": "int", "Без интеграции": "int"}


def district_table(ranking: Ranking) -> pd.DataFrame:
    districts = ranking.districts
    return pd.DataFrame({
        "Федеральный округ": districts["federal_district_full"],
        "Регионов": districts["regions"],
        "K1": districts["k1"],
        "Статус K1": districts["k1_status"].map(status_label),
        "K2": districts["k2"],
        "K4": districts["k4"],
        "K5, чел.": districts["k5"],
        "Без интеграции": districts["regions_not_integrated"],
    })


def not_integrated_table(ranking: Ranking) -> pd.DataFrame:
    rows = ranking.not_integrated
    return pd.DataFrame({
        "Код": rows["region_code"], "Субъект РФ": rows["region_name"],
        "Федеральный округ": rows["federal_district_full"], "K2": rows["k2"],
    })


def summary_sentence(ranking: Ranking) -> str:
    """One line for the top of the first page."""
    national = ranking.national
    return (f"Педагогических работников: {fmt_int(national['teachers_total'])}, "
            f"руководителей ОО: {fmt_int(national['directors_total'])}, "
            f"обучающихся: {fmt_int(national['pupils_total'])}; регионов в мониторинге: "
            f"{int(national['regions'])}.")


def lead_html(ranking: Ranking) -> str:
    """The line under the title: snapshot date, window, and the sizes of the monitoring."""
    window = (f"Прирост активности — за {ranking.window_weeks} нед. "
              f"(с {fmt_date(ranking.window_start)} по {fmt_date(ranking.snapshot_date)}).")
    return (f'<p class="lead">По состоянию на <strong>{fmt_date(ranking.snapshot_date)}</strong>. '
            f"{summary_sentence(ranking)} {window}</p>")


def plan_fact(ranking: Ranking) -> pd.DataFrame:
    """Fact, plan and status of the share KPIs, for the plan-vs-fact chart."""
    national, targets = ranking.national, ranking.targets
    rows = [("K1 активность в чатах", "k1", targets.k1), ("K2 связь ЭЖД и Сферума", "k2", targets.k2),
            ("K3 регионы с интеграцией", "k3", targets.k3), ("K4 чаты с родителями", "k4", targets.k4),
            ("K5 привязка к ЕСИА", "k5_share", targets.k5)]
    return pd.DataFrame({
        "label": [label for label, _, _ in rows],
        "fact": [float(national[column]) for _, column, _ in rows],
        "plan": [target.value for _, _, target in rows],
        "status": [national[f"{target.kpi}_status"] for _, _, target in rows],
    })


def delta_caption(ranking: Ranking) -> str:
    return (f"Регионы с наибольшим приростом K1 за {ranking.window_weeks} нед. "
            f"(с {fmt_date(ranking.window_start)} по {fmt_date(ranking.snapshot_date)})")


def trend_caption(ranking: Ranking) -> str:
    return (f"Доля активных директоров и педагогов в чатах (K1) по срезам за "
            f"{ranking.window_weeks} нед.; пунктир — цель на 2024–2025 годы")


def _highlight_name(ranking: Ranking) -> str:
    rows = ranking.regions[ranking.regions["region_code"] == ranking.highlight_region]
    return str(rows["region_name"].iloc[0]) if len(rows) else ""


def trend_chart(ranking: Ranking) -> Figure:
    return charts.trend_chart(ranking.trend, value="k1", target=ranking.targets.k1.value,
                              title="K1 — доля активных в чатах, Россия",
                              highlight=ranking.region_trend,
                              highlight_label=_highlight_name(ranking))


def district_chart(ranking: Ranking) -> Figure:
    return charts.category_bars(ranking.districts, label="federal_district", value="k1",
                                title="K1 по федеральным округам",
                                target=ranking.targets.k1.value, status="k1_status")


def highlight_rows(ranking: Ranking) -> list[int]:
    """Positions of the highlighted region in the ranking table (empty when none)."""
    codes = ranking.regions["region_code"].tolist()
    return [codes.index(ranking.highlight_region)] if ranking.highlight_region in codes else []


def methodology_html(ranking: Ranking) -> str:
    """Definitions, targets, statuses, window and data of the briefing, for its appendix."""
    targets = ranking.targets
    near = fmt_percent(targets.near, 0)
    items = [
        f"<b>K1</b> — {targets.k1.label}: (активные руководители ОО + активные педагоги) / "
        f"(все руководители ОО + все педагоги); цель — более {fmt_percent(targets.k1.value, 0)}.",
        f"<b>K2</b> — {targets.k2.label}: (педагоги + обучающиеся, связавшие учётные записи) / "
        f"(все педагоги + все обучающиеся); цель — не менее {fmt_percent(targets.k2.value, 0)}.",
        f"<b>K3</b> — {targets.k3.label}: да/нет по региону; цель — все регионы.",
        f"<b>K4</b> — {targets.k4.label}: классные руководители, создавшие чат с родителями / "
        f"все классные руководители; цель — {fmt_percent(targets.k4.value, 0)}.",
        "<b>K5</b> — педагоги, привязавшие учётную запись Сферума к ЕСИА: число и доля от всех "
        "педагогов; цель — все педагоги.",
        f"<b>ΔK1</b> — прирост K1 в процентных пунктах: K1 на {fmt_date(ranking.snapshot_date)} "
        f"минус K1 на последнем срезе не позднее {fmt_date(ranking.window_start)} "
        f"(окно {ranking.window_weeks} нед.).",
        "Показатели по России и федеральным округам — отношение сумм по регионам, "
        "а не среднее региональных долей.",
        f"Статус: «✔ выполнено» — цель достигнута; «▲ близко к цели» — не ниже {near} цели; "
        "«✖ отстаёт» — ниже. Цвет всегда дублируется знаком и словом.",
        "Источник: федеральный мониторинг ИКОП «Сферум» (форма субъектов РФ, еженедельные срезы); "
        f"срез — {fmt_date(ranking.snapshot_date)}; цели — мотивирующий мониторинг "
        f"{targets.campaign} (params/targets.yml).",
    ]
    return "<ul class=\"methodology\">" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def provenance(ranking: Ranking) -> dict[str, str]:
    """What the data side of the provenance is: snapshot date and content hash of the slice read."""
    return {"snapshot_date": ranking.snapshot_date.isoformat(), "data_hash": ranking.data_hash}


def provenance_html(ranking: Ranking) -> str:
    return (f'<p class="provenance-inline">Данные: срез {fmt_date(ranking.snapshot_date)}, '
            f"контрольная сумма {ranking.data_hash}.</p>")


# --- the region's card (a region's own briefing) ---------------------------------------------

def region_row(ranking: Ranking) -> pd.Series:
    """The highlighted region's row of the ranking (KPIs, statuses, ΔK1, ranks)."""
    rows = ranking.regions[ranking.regions["region_code"] == ranking.highlight_region]
    if rows.empty:
        raise ValueError(f"Регион «{ranking.highlight_region}» не найден в срезе "
                         f"{fmt_date(ranking.snapshot_date)} / region not in the snapshot")
    return rows.iloc[0]


def region_position_html(ranking: Ranking) -> str:
    """Where the region stands: rank by K1 and by ΔK1, and within its federal district."""
    row, total = region_row(ranking), len(ranking.regions)
    district = ranking.regions[ranking.regions["federal_district"] == row["federal_district"]]
    in_district = int((district["k1"] > row["k1"]).sum()) + 1
    delta_rank = "—" if pd.isna(row["delta_rank"]) else f"{int(row['delta_rank'])} из {total}"
    return (f'<p class="lead"><strong>{row["region_name"]}</strong> — место по активности '
            f"педагогов (K1): <strong>{int(row['rank'])} из {total}</strong>; по приросту "
            f"активности (ΔK1): <strong>{delta_rank}</strong>; среди регионов своего "
            f"федерального округа ({row['federal_district']}): {in_district} из {len(district)}.</p>")


def region_key_figures(ranking: Ranking) -> list[KeyFigure]:
    """The region's KPIs against the targets, each with the country's value beside it."""
    row, national, targets = region_row(ranking), ranking.national, ranking.targets

    def card(target: ind.Target, column: str, status: str, fact: str, country: str) -> KeyFigure:
        return KeyFigure(target.label, fact, share_target(target), row[status],
                         note=f"по России: {country}")

    return [
        card(targets.k1, "k1", "k1_status", fmt_percent(row["k1"]), fmt_percent(national["k1"])),
        card(targets.k2, "k2", "k2_status", fmt_percent(row["k2"]), fmt_percent(national["k2"])),
        KeyFigure(targets.k3.label, "да" if row["k3"] else "нет", "да", row["k3_status"],
                  note=f"по России завершили: {int(national['regions_integrated'])} из "
                       f"{int(national['regions'])}"),
        card(targets.k4, "k4", "k4_status", fmt_percent(row["k4"]), fmt_percent(national["k4"])),
        KeyFigure("Педагогов привязали учётную запись Сферума к ЕСИА", fmt_int(row["k5"]),
                  "все педагоги", row["k5_status"],
                  note=f"доля {fmt_percent(row['k5_share'])}; по России {fmt_percent(national['k5_share'])}"),
    ]


def neighbours_table(ranking: Ranking, span: int = 3) -> pd.DataFrame:
    """The region and its ``span`` neighbours above and below in the K1 ranking."""
    table = ranking_table(ranking)
    (position,) = highlight_rows(ranking)
    window = table.iloc[max(0, position - span): position + span + 1]
    return window[["Место", "Субъект РФ", "ФО", "K1", "Статус K1", "ΔK1"]].reset_index(drop=True)


def neighbour_highlight(ranking: Ranking, span: int = 3) -> list[int]:
    """The region's row within ``neighbours_table``."""
    (position,) = highlight_rows(ranking)
    return [min(position, span)]


def region_trend_caption(ranking: Ranking) -> str:
    return (f"K1 региона «{_highlight_name(ranking)}» и России по срезам за {ranking.window_weeks} "
            "нед.; пунктир — цель на 2024–2025 годы")


def show_region_card(ranking: Ranking) -> None:
    """The region's own first page (nothing in the national briefing)."""
    from IPython.display import HTML, display

    from helpers.presentation import tables

    if not ranking.highlight_region:
        return
    display(HTML(f"<h2 id=\"region-card\">Карточка региона: {region_row(ranking)['region_name']}</h2>"))
    display(HTML(region_position_html(ranking)))
    display(HTML(tables.key_figures_html(region_key_figures(ranking))))
    tables.show(neighbours_table(ranking), name="Соседи по рейтингу",
                title="Место региона в рейтинге по K1 среди соседей", formats=RANKING_FORMATS,
                status_columns=["Статус K1"], highlight_rows=neighbour_highlight(ranking))
    charts.show(trend_chart(ranking), region_trend_caption(ranking))
