"""What the reader of the migration-readiness briefing sees, as the blocks a notebook cell shows
(``show(present.<block>(data))``): tables, charts, notes and page one, each assembled from
the pieces of ``parts.py``.
"""

from __future__ import annotations

from helpers.briefings.migration_readiness import parts
from helpers.briefings.migration_readiness.build import Readiness
from helpers.presentation import blocks
from helpers.presentation.blocks import Block, Chart, Note, PageOne, Provenance, Table


def page_one(readiness: Readiness) -> PageOne:
    """Page one: the campaign, the region's readiness against the target, «Главное», the changes."""
    return blocks.page_one(lead=parts.lead_html(readiness), key_figures=parts.key_figures(readiness),
                           findings=parts.findings(readiness), summary=parts.summary_html(readiness),
                           changes=parts.week_changes(readiness))


def changes(readiness: Readiness) -> Table:
    """Everything behind «Что изменилось», for the workbook only."""
    return Table(parts.changes_table(readiness), parts.changes_title(readiness), parts.CHANGES_SHEET,
                 row_formats=parts.changes_row_formats(readiness), excel_only=True)


def department(readiness: Readiness) -> list[Block]:
    """The department's chats with school heads and ОМСУ, the note and their members' last visits."""
    return [Table(parts.department_table(readiness), parts.department_title(readiness), "Чаты департамента",
                  parts.department_formats(readiness), ["Статус"]),
            Note(parts.department_note_html(readiness)), parts.seen_ages(readiness)]


def chat_types(readiness: Readiness) -> Table:
    """The schools' required chats on the target platform, by type."""
    return Table(parts.chat_types_table(readiness), parts.chat_types_title(readiness), "Чаты школ",
                 parts.CHAT_TYPE_FORMATS, ["Статус"])


def old_platforms(readiness: Readiness) -> list[Block]:
    """The chats still open on the old platforms after the switch date, and the note."""
    return [Table(parts.old_platforms_table(readiness), parts.old_platforms_title(readiness),
                  "Прежние платформы",
                  parts.OLD_FORMATS),
            Note(parts.old_platforms_note_html(readiness))]


def municipalities(readiness: Readiness) -> Table:
    """The municipalities ranked by readiness."""
    return Table(parts.municipality_table(readiness), parts.municipality_title(readiness), "Рейтинг МО",
                 parts.MUNICIPALITY_FORMATS, ["Статус"])


def roles(readiness: Readiness) -> list[Block]:
    """The coverage of the school's working roles, and the note."""
    return [Table(parts.roles_table(readiness), parts.roles_title(readiness), "Роли",
                  parts.roles_formats(readiness)),
            Note(parts.roles_note_html(readiness))]


def municipality_chart(readiness: Readiness) -> Chart:
    """The municipalities' readiness as bars, for the workbook's «Графики» sheet only."""
    return Chart(parts.municipality_chart(readiness), parts.municipality_caption(readiness),
                 excel_only=True)


def not_ready_top(readiness: Readiness) -> Table:
    """The least ready schools."""
    return Table(parts.not_ready_top_table(readiness), parts.not_ready_top_title(readiness),
                 "Наименее готовые школы", parts.NOT_READY_FORMATS)


def not_ready(readiness: Readiness) -> Table:
    """Every school not ready, for the workbook only."""
    return Table(parts.not_ready_table(readiness), parts.not_ready_title(readiness), parts.NOT_READY_SHEET,
                 parts.NOT_READY_FORMATS, excel_only=True)


def methodology(readiness: Readiness) -> list[Block]:
    """Definitions and sources, and the provenance."""
    return [Note(parts.methodology_html(readiness)),
            Provenance(parts.provenance(readiness), parts.provenance_html(readiness))]


__all__ = ["changes", "chat_types", "department", "methodology", "municipalities",
           "municipality_chart", "not_ready", "not_ready_top", "old_platforms", "page_one",
           "roles"]
