"""HTML fragments of a briefing — leads, notes, key-figure cards, methodology — from Jinja templates.

The Russian prose and markup of every briefing live in ``templates/briefing/fragments/``, next to
the page template: shared pieces at the top (``key_figures``, ``kpi_definitions``,
``status_legend``, ``page_break``), each kind's own in ``<kind>/``. Python passes data; the
templates word it. Autoescape is on: a school or municipality name is text, never markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from helpers import vocabulary as words
from helpers.config import TEMPLATES_DIR

FRAGMENTS_DIR = TEMPLATES_DIR / "briefing" / "fragments"

FILTERS = {
    "int": words.fmt_int,
    "decimal": words.fmt_decimal,
    "percent": words.fmt_percent,
    "pp": words.fmt_pp,
    "thousands": words.fmt_thousands,
    "date": words.fmt_date,
    "date_short": words.fmt_date_short,
    "target": words.target_wording,
    "status": words.status_label,
    "task_state": words.task_label,
    "task_short": words.task_short_label,
    "short_municipality": words.short_municipality,
    "lower_first": words.lower_first,
    "counted": lambda number, forms: words.counted(number, *forms),
    "plural": lambda number, forms: words.plural(number, *forms),
}


@cache
def environment() -> jinja2.Environment:
    """The fragments' Jinja environment: autoescape, strict undefined, the vocabulary as filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FRAGMENTS_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    env.globals.update(STATUSES=words.STATUSES, TASK_STATES=words.TASK_STATES, words=words,
                       NBSP=words.NBSP)
    return env


def render(name: str, **context: Any) -> str:
    """The HTML of fragment ``name`` (e.g. ``"municipality_scorecard/lead.html.j2"``)."""
    return environment().get_template(name).render(**context).strip()


def markup(html: str) -> Markup:
    """Trusted HTML made by another fragment, to pass into a template unescaped."""
    return Markup(html)  # noqa: S704 -- only HTML our own templates rendered (autoescaped)


@dataclass(frozen=True)
class KeyFigure:
    """One card of the key-figures page: indicator, fact, plan and status."""

    label: str
    fact: str
    plan: str
    status: str  # a key of vocabulary.STATUSES
    note: str = ""


def key_figures_html(figures: Sequence[KeyFigure]) -> str:
    """The first-page cards: fact large, plan and status beside it."""
    return render("key_figures.html.j2", figures=figures)


def changes_html(base_date: dt.date | None, items: Sequence[str], *, min_days: int,
                 more: str = "") -> str:
    """The «Что изменилось с <дата>» block: the moves since the comparison base, or a sentence
    saying there is no snapshot old enough to compare with."""
    return render("changes.html.j2", base_date=base_date, items=list(items), min_days=min_days,
                  more=more)


def summary_html(*, about: str, findings: Sequence[str], details: str = "") -> str:
    """The page-one summary: what the briefing is about, the 3–5 findings, where the details are."""
    return render("summary.html.j2", about=about, findings=list(findings), details=details)


def page_break_html() -> str:
    """Ends a page in print (the first page's summary, say); nothing on screen."""
    return render("page_break.html.j2")
