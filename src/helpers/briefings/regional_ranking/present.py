"""What the reader of the regional ranking briefing sees, as the blocks a notebook cell shows
(``show(present.<block>(data))``): tables, charts, notes and page one, each assembled from
the pieces of ``parts.py``.
"""

from __future__ import annotations

from helpers.briefings.regional_ranking import parts
from helpers.briefings.regional_ranking.build import (
    Ranking,
)
from helpers.presentation import blocks, fragments
from helpers.presentation.blocks import Block, Changes, Note, PageOne, Provenance, Table, shared
from helpers.presentation.charts import Chart


def page_one(ranking: Ranking) -> PageOne:
    """Page one: (the region's card heading,) «Главное», the key figures, «Что изменилось»."""
    week = ranking.changes
    return blocks.page_one(lead=parts.lead_html(ranking), key_figures=parts.page_one_figures(ranking),
                           findings=parts.findings(ranking), summary="",
                           html_page=parts.page_one_html(ranking),
                           changes=Changes(week.base_date, parts.change_items(ranking),
                                           min_days=week.min_days))


def _trend(ranking: Ranking, caption: str) -> Chart:
    return Chart(parts.trend_chart(ranking), caption)


def region_card(ranking: Ranking) -> list[Block]:
    """A region's card: its place, its neighbours in the ranking, its K1 against the country's
    (nothing in the national briefing)."""
    if not ranking.highlight_region:
        return []
    neighbours = parts.neighbours_table(ranking)
    return [Note(parts.region_position_html(ranking)),
            Table(neighbours, parts.neighbours_title(ranking), "Соседи по рейтингу",
                  shared(parts.RANKING_FORMATS,
                         neighbours), ["Статус K1"], parts.neighbour_highlight(ranking)),
            _trend(ranking, parts.region_trend_caption(ranking))]


def national(ranking: Ranking) -> list[Block]:
    """The country against its plan: the lead, (the country's cards in a region's card,) the
    plan-vs-fact chart and (in the national briefing) the K1 trend."""
    shown: list[Block] = [Note(parts.lead_html(ranking))]
    if ranking.highlight_region:  # page one is about the region there, this section about Russia
        shown.append(Note(fragments.key_figures_html(parts.key_figures(ranking))))
    shown.append(Chart(parts.plan_fact_chart(ranking), parts.plan_fact_caption(ranking)))
    if not ranking.highlight_region:  # a region's card shows it above, with the region's line
        shown.append(_trend(ranking, parts.trend_caption(ranking)))
    return shown


def lagging(ranking: Ranking) -> Table:
    """ТОП-5 lowest K1."""
    return Table(parts.lagging_table(ranking), parts.lagging_title(ranking), "ТОП-5 отстающих",
                 parts.LAGGING_FORMATS)


def dynamics(ranking: Ranking) -> Table:
    """ТОП-5 largest ΔK1."""
    return Table(parts.dynamics_table(ranking), parts.dynamics_title(ranking), "ТОП-5 динамики",
                 parts.DYNAMICS_FORMATS)


def districts(ranking: Ranking) -> list[Block]:
    """The federal districts: their table and their K1 as bars."""
    return [Table(parts.district_table(ranking), "Показатели по федеральным округам", "Федеральные округа",
                  parts.DISTRICT_FORMATS, parts.DISTRICT_STATUS_COLUMNS),
            Chart(parts.district_chart(ranking), parts.district_caption(ranking))]


def not_integrated(ranking: Ranking) -> Table:
    """The regions whose diary is not yet integrated with Сферум."""
    return Table(parts.not_integrated_table(ranking), "Базовая интеграция ЭЖД со Сферумом не завершена",
                 "Без интеграции", parts.NOT_INTEGRATED_FORMATS)


def methodology(ranking: Ranking) -> list[Block]:
    """Definitions and sources, the provenance, then a page break before the appendix."""
    return [Note(parts.methodology_html(ranking)),
            Provenance(parts.provenance(ranking), parts.provenance_html(ranking)),
            Note(fragments.page_break_html())]


def ranking_of_regions(ranking: Ranking) -> Table:
    """The appendix: every region ranked by K1."""
    return Table(parts.ranking_table(ranking), parts.ranking_title(ranking), "Рейтинг регионов",
                 parts.RANKING_FORMATS,
                 parts.RANKING_STATUS_COLUMNS, parts.highlight_rows(ranking))


def changes(ranking: Ranking) -> Table:
    """Every region's moves since the base, for the workbook only."""
    return Table(parts.changes_table(ranking), parts.changes_title(ranking), "Изменения",
                 parts.CHANGES_FORMATS,
                 parts.CHANGES_STATUS_COLUMNS, excel_only=True)


__all__ = ["changes", "districts", "dynamics", "lagging", "methodology", "national",
           "not_integrated", "page_one", "ranking_of_regions", "region_card"]
