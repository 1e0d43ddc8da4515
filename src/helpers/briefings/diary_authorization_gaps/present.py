"""What the reader of the diary authorization gaps briefing sees, as the blocks a notebook cell shows
(``show(present.<block>(data))``): tables, charts, notes and page one, each assembled from
the pieces of ``parts.py``.
"""

from __future__ import annotations

from helpers.briefings.diary_authorization_gaps import parts
from helpers.briefings.diary_authorization_gaps.build import (
    Diary,
)
from helpers.presentation import blocks
from helpers.presentation.blocks import Block, Note, PageOne, Provenance, Table, shared
from helpers.presentation.charts import Chart


def page_one(diary: Diary) -> PageOne:
    """Page 1: who can log in, the cards, «Главное» and what changed since the base."""
    return blocks.page_one(lead=parts.lead_html(diary), key_figures=parts.key_figures(diary),
                           findings=parts.findings(diary), summary=parts.summary_html(diary),
                           changes=parts.week_changes(diary))


def funnel(diary: Diary) -> list[Block]:
    """The funnel from the contingent to a log-in: its table and its chart."""
    table = parts.funnel_table(diary)
    return [Table(table, parts.funnel_table_caption(diary), "Воронка", shared(parts.FUNNEL_FORMATS, table)),
            Chart(parts.funnel_chart(diary), parts.funnel_caption(diary))]


def checks(diary: Diary, side: str) -> list[Block]:
    """The checks of one side (``school`` or ``parent``), and for the school the parents' note."""
    sheet = "Проверки школы" if side == "school" else "Проверки родителя"
    table = parts.checks_table(diary, side)
    shown: list[Block] = [Table(table, parts.checks_caption(diary, side), sheet,
                                shared(parts.CHECK_FORMATS, table), ["Статус"])]
    return [*shown, Note(parts.parents_note_html(diary))] if side == "school" else shown


def _municipality_chart(diary: Diary) -> Chart:
    return Chart(parts.municipality_chart(diary), parts.municipality_caption(diary, "chart"))


def municipalities(diary: Diary) -> list[Block]:
    """The region's municipalities: the note, both sides' tables and the chart."""
    rows = parts.municipality_highlight(diary)
    school, parent = parts.municipality_school_table(diary), parts.municipality_parent_table(diary)
    return [Note(parts.municipality_note_html(diary)),
            Table(school, parts.municipality_caption(diary, "school"), "МО — проверки школы",
                  shared(parts.MUNICIPALITY_FORMATS, school), highlight_rows=rows),
            Table(parent, parts.municipality_caption(diary, "parent"), "МО — проверки родителя",
                  shared(parts.MUNICIPALITY_FORMATS, parent), ["Статус"], rows),
            _municipality_chart(diary)]


def worst_schools(diary: Diary) -> list[Block]:
    """The schools with the largest gaps: chart, table and note."""
    worst = parts.worst_schools_table(diary)
    return [Chart(parts.worst_chart(diary), parts.worst_chart_caption(diary)),
            Table(worst, parts.worst_caption(diary), "Школы по пробелам", shared(parts.WORST_FORMATS, worst),
                  ["Статус"]),
            Note(parts.worst_note_html(diary))]


def actions_summary(diary: Diary) -> list[Block]:
    """What to fix, summed over the schools, and where the per-school lists are."""
    summary = parts.actions_summary_table(diary)
    return [Table(summary, parts.actions_summary_caption(diary), "Действия — итог",
                  shared(parts.ACTION_FORMATS, summary)),
            Note(parts.excel_note_html(diary))]


def workbook_lists(diary: Diary) -> list[Table]:
    """The per-school actions and checks and the week's changes, for the workbook only."""
    actions, schools = parts.actions_table(diary), parts.schools_table(diary)
    changes = parts.changes_table(diary)
    return [Table(actions, parts.actions_caption(diary), "Действия по школам",
                  shared(parts.ACTION_FORMATS, actions), excel_only=True),
            Table(schools, parts.schools_caption(diary), "Проверки по школам",
                  shared(parts.SCHOOL_FORMATS, schools), parts.SCHOOL_STATUS_COLUMNS, excel_only=True),
            Table(changes, parts.changes_caption(diary), "Изменения", shared(parts.CHANGES_FORMATS, changes),
                  excel_only=True)]


def methodology(diary: Diary) -> list[Block]:
    """Definitions and sources, and the provenance."""
    return [Note(parts.methodology_html(diary)), Provenance(parts.provenance(diary),
                                                            parts.provenance_html(diary))]


__all__ = ["actions_summary", "checks", "funnel", "methodology", "municipalities", "page_one",
           "workbook_lists", "worst_schools"]
