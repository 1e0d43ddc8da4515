"""HTML fragments from templates: autoescaped, the shared pieces written once."""

from __future__ import annotations

from helpers import vocabulary as words
from helpers.indicators.kpis import load_targets
from helpers.presentation import fragments
from helpers.presentation.fragments import KeyFigure


def test_key_figure_cards_escape_what_they_show() -> None:
    html = fragments.key_figures_html([
        KeyFigure("K1 <b>активность</b>", "20,5 %", "более 25 %", "behind", note="a & b"),
    ])
    assert "&lt;b&gt;активность&lt;/b&gt;" in html and "a &amp; b" in html
    assert 'class="key-figure status-behind"' in html
    assert words.status_label("behind") in html


def test_the_kpi_definitions_are_written_once_for_every_briefing() -> None:
    targets = load_targets()
    html = fragments.render("kpi_definitions.html.j2", targets=targets, kpis=["k1", "k4"])
    assert html.count("<li>") == 2
    assert words.target_wording(targets.k1) in html and words.target_wording(targets.k4) in html
    assert "<b>K2</b>" not in html


def test_the_status_legend_names_every_status_and_the_near_share() -> None:
    html = fragments.render("status_legend.html.j2", near=0.8)
    for code in ("met", "near", "behind"):
        assert words.status_label(code) in html
    assert words.fmt_percent(0.8, 0) in html


def test_one_page_break_mechanism() -> None:
    assert fragments.page_break_html() == '<div class="page-break"></div>'


def test_the_changes_block_names_its_base_or_says_there_is_none() -> None:
    import datetime as dt

    html = fragments.changes_html(dt.date(2024, 9, 9), ["K1: +1,2 п.п. <b>"], min_days=7)
    assert "Что изменилось с 9 сентября 2024" in html and "&lt;b&gt;" in html
    none = fragments.changes_html(None, [], min_days=7)
    assert "не позднее чем за 7 дней" in none and "сравнивать не с чем" in none


def test_the_summary_lists_the_findings() -> None:
    html = fragments.summary_html(about="О справке.", findings=["Первое", "Второе & третье"],
                                  details="Подробно — в приложении.")
    assert html.count("<li>") == 2 and "Второе &amp; третье" in html and "Главное" in html
