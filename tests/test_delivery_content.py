"""A briefing is mailed again only when what its reader gets changed (its words and figures).

The content hash ignores the provenance (render time, code version), markup and image bytes;
delivery keys on it, and still reads the ledger lines written before it (keyed on the render
fingerprint), so the first re-render after the upgrade sends nothing that did not change.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from test_delivery import RECIPIENTS, publish, settings_for, smtp  # noqa: F401 -- the fixture

from helpers.batch.run import earlier_content
from helpers.delivery.deliver import deliver
from helpers.delivery.recipients import parse_recipients
from helpers.presentation.display import PROVENANCE_MIME, TABLE_MIME
from helpers.render import catalog
from helpers.render.content import content_hash

HEAD = {"title": "Рейтинг регионов", "territory": "Вологодская область", "snapshot_date": "2024-09-16"}


def _notebook(*, k1: str = "22,6 %", css: str = "kf-fact", rendered_at: str = "2024-09-16T10:00",
              code_version: str = "abc123", png: str = "iVBORw0KGgo=") -> nbformat.NotebookNode:
    outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": f'<div class="{css}">K1: {k1}</div>'}),
        nbformat.v4.new_output("display_data", data={
            "text/html": "<table>…</table>",
            TABLE_MIME: {"name": "Регионы", "title": "Таблица 1", "columns": ["K1"], "rows": [[0.226]],
                         "formats": {"K1": "percent"}, "status_columns": []}}),
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"},
                               metadata={"caption": "Рисунок 1. K1 по регионам"}),
        nbformat.v4.new_output("display_data", data={
            "text/html": f"<footer>Сформировано {rendered_at}, код {code_version}</footer>",
            PROVENANCE_MIME: {"rendered_at": rendered_at, "code_version": code_version}}),
    ]
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = outputs
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Рейтинг"), cell])


def test_the_content_hash_ignores_render_time_code_version_markup_and_image_bytes() -> None:
    base = content_hash(_notebook(), HEAD)
    assert content_hash(_notebook(rendered_at="2024-09-23T10:00", code_version="def456"), HEAD) == base
    assert content_hash(_notebook(css="key-figure-fact"), HEAD) == base
    assert content_hash(_notebook(png="iVBORw0KGgoAAAA="), HEAD) == base


@pytest.mark.parametrize("change", ["figure", "table", "caption", "date"])
def test_the_content_hash_changes_with_a_word_or_a_figure(change: str) -> None:
    nb, head = _notebook(), dict(HEAD)
    if change == "figure":
        nb = _notebook(k1="23,0 %")
    elif change == "table":
        nb.cells[1].outputs[1].data[TABLE_MIME]["rows"] = [[0.23]]
    elif change == "caption":
        nb.cells[1].outputs[2].metadata["caption"] = "Рисунок 1. K2 по регионам"
    else:
        head["snapshot_date"] = "2024-09-23"
    assert content_hash(nb, head) != content_hash(_notebook(), HEAD)


def _record(output: Path, content: str, total: str, **extra: object) -> None:
    publish(output, total=total)
    entry = next(e for e in catalog.load_manifest(output) if e["territory"] == "35")
    catalog.record(output, {**entry, "content_hash": content, **extra})


def test_a_deploy_that_changes_no_word_sends_nothing_and_a_changed_figure_is_sent(tmp_path: Path,
                                                                                  smtp) -> None:  # noqa: F811
    inbox, port = smtp
    recipients = parse_recipients(RECIPIENTS)
    _record(tmp_path, "words-1", total="fingerprint-1")
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 1
    _record(tmp_path, "words-1", total="fingerprint-after-a-deploy")  # re-rendered, same words
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 0
    _record(tmp_path, "words-2", total="fingerprint-after-new-data")  # a figure changed
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 1
    assert len(inbox.messages) == 2


def test_the_ledger_of_the_fingerprint_format_is_still_read(tmp_path: Path, smtp) -> None:  # noqa: F811
    """Sent before the upgrade (ledger keyed on the fingerprint); the upgrade re-renders every
    briefing with a new fingerprint: an unchanged one is not sent again, a changed one is."""
    inbox, port = smtp
    recipients = parse_recipients(RECIPIENTS)
    publish(tmp_path, total="old-fingerprint")  # an entry as today's code writes it: no content hash
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 1
    earlier = {"fingerprint": "old-fingerprint", "content_hash": "words-1"}
    _record(tmp_path, "words-1", total="new-fingerprint", earlier=earlier)
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 0
    _record(tmp_path, "words-2", total="newer-fingerprint", earlier=earlier)
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 1
    assert len(inbox.messages) == 2


def test_the_batch_takes_the_earlier_content_from_the_old_executed_notebook(tmp_path: Path) -> None:
    notebook = tmp_path / "_executed" / "regional_ranking" / "35" / "old.ipynb"
    notebook.parent.mkdir(parents=True)
    nbformat.write(_notebook(), notebook)
    old = {"status": "ok", "title": HEAD["title"], "territory_name": HEAD["territory"],
           "snapshot_date": HEAD["snapshot_date"], "fingerprint": {"total": "old-fingerprint"},
           "outputs": {"notebook": "_executed/regional_ranking/35/old.ipynb"}}
    earlier = earlier_content(old, tmp_path)
    assert earlier == {"fingerprint": "old-fingerprint", "content_hash": content_hash(_notebook(), HEAD)}
    assert earlier_content({**old, "content_hash": "x"}, tmp_path) is None  # already by content
    assert earlier_content({**old, "content_hash": "x", "earlier": earlier}, tmp_path) == earlier
    assert earlier_content({**old, "status": "failed"}, tmp_path) is None
