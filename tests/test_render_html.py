"""HTML conversion with the briefing template: code-free, tagged cells gone, contents, footer."""

from __future__ import annotations

import datetime as dt
import re

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.presentation.display import PROVENANCE_MIME, TABLE_MIME
from helpers.render.html import (
    BriefingHead,
    add_contents,
    briefing_exporter,
    running_title,
    to_html,
)

# A 1×1 transparent PNG.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
TABLE_HTML = (
    '<p class="table-caption">Показатели школ</p><table><tbody>'
    '<tr><td>Школа № 1</td><td class="status-met">выполнено</td></tr>'
    '<tr><td>Школа № 2</td><td class="status-behind">отстаёт</td></tr></tbody></table>'
)
NOTEBOOK_PROVENANCE = {"snapshot_date": "2024-09-16", "data_hash": "sha256:feed"}


def executed_notebook() -> NotebookNode:
    """A small notebook as papermill leaves it: sources, tags and outputs."""
    cells = [
        new_code_cell("SECRET_CODE = 1", metadata={"tags": ["parameters"]}),
        new_markdown_cell("# Справка по региону\n\nВводный абзац."),
        new_markdown_cell("## Ключевые показатели"),
        new_code_cell(
            "show_table(frame)",
            outputs=[
                new_output(
                    "display_data",
                    data={"text/html": TABLE_HTML, TABLE_MIME: {"name": "t", "rows": []}},
                )
            ],
        ),
        new_code_cell(
            "print('hidden cell')",
            metadata={"tags": ["remove_cell"]},
            outputs=[new_output("stream", name="stdout", text="УДАЛЁННАЯ ЯЧЕЙКА\n")],
        ),
        new_code_cell(
            "print('hidden output')",
            metadata={"tags": ["remove_output"]},
            outputs=[new_output("stream", name="stdout", text="УДАЛЁННЫЙ ВЫВОД\n")],
        ),
        new_code_cell(
            "warnings.warn('x')",
            outputs=[new_output("stream", name="stderr", text="UserWarning: ПОТОК ОШИБОК\n")],
        ),
        new_markdown_cell("## Динамика <активности>"),
        new_code_cell(
            "plot()",
            metadata={"caption": "Активность педагогов по неделям"},
            outputs=[new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"})],
        ),
        new_code_cell(
            "display(fig)",
            outputs=[
                new_output(
                    "display_data",
                    data={"image/png": PIXEL},
                    metadata={"caption": "Подпись из метаданных вывода"},
                ),
                new_output("execute_result", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}),
            ],
        ),
        new_code_cell(
            "show_provenance(...)",
            outputs=[
                new_output(
                    "display_data",
                    data={"text/html": "<p>ПРОВЕНАНС В ТЕЛЕ</p>", PROVENANCE_MIME: NOTEBOOK_PROVENANCE},
                )
            ],
        ),
    ]
    return nbformat.from_dict(new_notebook(cells=cells))


HEAD = BriefingHead(
    title="Мониторинг Сферума",
    territory_name="Вологодская область",
    snapshot_date=dt.date(2024, 9, 16),
    provenance={
        **NOTEBOOK_PROVENANCE,
        "parameters": {"region_code": "35"},
        "code_version": "abc1234",
        "rendered_at": "2024-09-16T14:05:00+03:00",
    },
)


@pytest.fixture(scope="module")
def page() -> str:
    return to_html(executed_notebook(), HEAD)


def test_page_is_a_standalone_russian_document(page: str) -> None:
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="ru">' in page
    assert "<title>Мониторинг Сферума · Вологодская область · 16 сентября 2024" in page
    assert "<script" not in page and "<link" not in page
    assert "@page" in page and "A4" in page


def test_no_code_and_no_prompts(page: str) -> None:
    assert "SECRET_CODE" not in page
    assert "show_table" not in page
    assert "In&nbsp;[" not in page and "Out[" not in page


def test_tagged_cells_and_outputs_are_removed(page: str) -> None:
    assert "УДАЛЁННАЯ ЯЧЕЙКА" not in page
    assert "УДАЛЁННЫЙ ВЫВОД" not in page


def test_stderr_is_hidden_from_the_reader(page: str) -> None:
    assert "ПОТОК ОШИБОК" not in page


def test_tables_keep_caption_and_status_classes(page: str) -> None:
    assert ('<p class="table-caption"><span class="caption-number">Таблица 1 — </span>Показатели школ</p>'
            in page)
    assert '<td class="status-met">выполнено</td>' in page
    assert ".status-behind" in page  # styled by the template


def test_figure_gets_its_caption(page: str) -> None:
    figure = re.search(r'<figure class="figure" role="group">.*?</figure>', page, re.DOTALL)
    assert figure is not None
    assert "data:image/png;base64," in figure.group(0)
    assert ('<figcaption><span class="caption-number">Рисунок 1 — </span>Активность педагогов по неделям'
            "</figcaption>") in figure.group(0)
    assert "&lt;Figure&gt;" not in page


def test_every_image_has_a_russian_description_never_the_placeholder(page: str) -> None:
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', page)
    assert alts and len(alts) == page.count("<img ")
    assert all(alt.strip() and "No description" not in alt for alt in alts)
    # without a description of its own, an image is described by its caption
    assert "Активность педагогов по неделям" in alts


def test_caption_can_come_with_the_output() -> None:
    page = to_html(executed_notebook(), HEAD)
    assert "Рисунок 2 — </span>Подпись из метаданных вывода</figcaption>" in page
    assert page.count("<figure") == 2


def test_bare_text_reprs_are_left_out(page: str) -> None:
    assert "Figure size" not in page


def test_contents_lists_the_h2_sections_after_the_title(page: str) -> None:
    nav = re.search(r'<nav class="contents">.*?</nav>', page, re.DOTALL)
    assert nav is not None
    items = re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', nav.group(0))
    assert [text for _, text in items] == ["Ключевые показатели", "Динамика &lt;активности&gt;"]
    for anchor, _ in items:
        assert f'id="{anchor}"' in page
    assert page.index("Справка по региону") < page.index('<nav class="contents">')
    assert "<!-- contents -->" not in page


def test_notebook_title_is_not_repeated(page: str) -> None:
    assert page.count("<h1") == 1
    assert "по состоянию на 16 сентября 2024" in page


def test_provenance_is_shown_once_in_the_footer(page: str) -> None:
    footer = page[page.index('<footer class="provenance">') :]
    assert "ПРОВЕНАНС В ТЕЛЕ" not in page
    for text in ("region_code = 35", "sha256:feed", "abc1234", "16 сентября 2024"):
        assert text in footer
    assert "14:05 МСК" in footer


def test_without_a_head_the_footer_reads_the_notebook_provenance() -> None:
    page = to_html(executed_notebook())
    footer = page[page.index('<footer class="provenance">') :]
    assert "sha256:feed" in footer
    assert '<header class="doc-head">' not in page


def test_title_comes_from_the_head_when_the_notebook_has_none() -> None:
    nb = executed_notebook()
    nb.cells[1].source = "Вводный абзац без заголовка."
    page = to_html(nb, HEAD)
    assert '<h1 class="doc-title">Мониторинг Сферума</h1>' in page


def test_exporter_is_built_once_per_process() -> None:
    assert briefing_exporter() is briefing_exporter()


def test_running_title_skips_what_is_unknown() -> None:
    assert running_title(HEAD) == "Мониторинг Сферума · Вологодская область · 16 сентября 2024\u00a0г."
    assert running_title(BriefingHead(title="Справка")) == "Справка"


def test_add_contents_needs_two_sections() -> None:
    one = '<body><!-- contents --><h2 id="a">Раз</h2></body>'
    assert add_contents(one) == '<body><h2 id="a">Раз</h2></body>'
    two = one.replace("</body>", '<h2 id="b">Два</h2></body>')
    assert add_contents(two).startswith('<body><nav class="contents">')
