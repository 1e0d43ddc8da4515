"""What the reader of the municipality scorecard briefing sees, as the blocks a notebook cell shows
(``show(present.<block>(data))``): tables, charts, notes and page one, each assembled from
the pieces of ``parts.py``.
"""

from __future__ import annotations

from helpers.briefings.municipality_scorecard import parts
from helpers.briefings.municipality_scorecard.build import Scorecard
from helpers.presentation import blocks
from helpers.presentation.blocks import Block, Chart, Note, PageOne, Provenance, Table


def page_one(card: Scorecard) -> PageOne:
    """Page one: what the briefing is about, the KPIs against the targets, «Главное», the changes."""
    return blocks.page_one(lead=parts.lead_html(card), key_figures=parts.key_figures(card),
                           findings=parts.findings(card), summary=parts.summary_html(card),
                           changes=parts.week_changes(card))


def changes(card: Scorecard) -> Table:
    """Everything behind «Что изменилось», for the workbook only."""
    return Table(parts.changes_table(card), parts.changes_title(card), "Изменения", parts.CHANGES_FORMATS,
                 row_formats=parts.changes_row_formats(card), excel_only=True)


def tasks(card: Scorecard) -> list[Block]:
    """The ОМСУ's tasks: deadline, status, schools behind; and the note under them."""
    return [Table(parts.tasks_table(card), "Задачи ОМСУ: срок, статус и число школ, не выполнивших задачу",
                  "Задачи ОМСУ", parts.TASK_FORMATS, parts.TASK_STATUS_COLUMNS),
            Note(parts.tasks_note_html(card))]


def kpis(card: Scorecard) -> Table:
    """The KPIs of the municipality and of the region against the targets."""
    return Table(parts.kpi_table(card),
                 "Плановые показатели на 2024–2025 годы: муниципальное образование и область",
                 "Показатели", parts.KPI_FORMATS, parts.KPI_STATUS_COLUMNS)


def schools(card: Scorecard) -> list[Block]:
    """The schools and what is left to do: the first of a long list here, all in the workbook."""
    return [Note(parts.schools_note_html(card)),
            Table(parts.schools_table(card), parts.SCHOOLS_TITLE, "Школы", parts.SCHOOL_FORMATS,
                  parts.SCHOOL_STATUS_COLUMNS, html=parts.schools_body_html(card))]


def school_tasks(card: Scorecard) -> Table:
    """Each school's KPIs and tasks, for the workbook only."""
    return Table(parts.school_tasks_table(card), "Показатели и выполнение задач по школам",
                 "Задачи по школам", parts.SCHOOL_TASKS_FORMATS, parts.school_tasks_status_columns(card),
                 excel_only=True)


def trend(card: Scorecard) -> list[Block]:
    """K1 of the municipality and the region over the snapshots, and the note under it."""
    return [Chart(parts.trend_chart(card), parts.trend_caption(card)),
            Note(parts.trend_note_html(card))]


def trend_data(card: Scorecard) -> Table:
    """The chart's data, for the workbook only."""
    return Table(parts.trend_table(card), "K1 муниципального образования и области по срезам",
                 "Динамика K1", parts.TREND_FORMATS, excel_only=True)


def schools_appendix(card: Scorecard) -> Note:
    """The schools not in the section's table (a long list only)."""
    return Note(parts.schools_appendix_html(card))


def methodology(card: Scorecard) -> list[Block]:
    """Definitions and sources, and the provenance."""
    return [Note(parts.methodology_html(card)), Provenance(parts.provenance(card),
                                                           parts.provenance_html(card))]


__all__ = ["changes", "kpis", "methodology", "page_one", "school_tasks", "schools",
           "schools_appendix", "tasks", "trend", "trend_data"]
