"""The analyst's door, in a real browser: ``make lab`` started, a briefing notebook opened in
JupyterLab through Playwright (Debian's Chromium), Run All clicked in the menu as an analyst
would, then what Lab shows read from the page: no error output, the key-figure cards styled as on
the page, the charts drawn, Excel-only tables cut to their first rows, tables and figures numbered
as in the published briefing, and a save that leaves the notebook on disk without outputs.

The diary notebook of the demo region runs in ``make test``; the other three are slow-marked.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from lab_server import running_lab

from helpers.config import PROJECT_ROOT
from helpers.presentation.blocks import PREVIEW_ROWS
from helpers.presentation.display import WORKBOOK_ONLY
from helpers.render.pdf import ChromiumNotFound, resolve_chromium
from helpers.vocabulary import STATUSES

RUN_TIMEOUT_MS = 600_000  # a notebook's Run All on a loaded 2-core machine
# Lab 4 draws only the cells in view unless told otherwise; the test reads every cell.
NOTEBOOK_SETTINGS = {"windowingMode": "none"}


@dataclass(frozen=True)
class LabOn:
    """JupyterLab on a copy of the notebooks (``folder``)."""

    url: str
    token: str
    folder: Path


def _chromium() -> str:
    try:
        return resolve_chromium()
    except ChromiumNotFound as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def lab(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabOn]:
    """``make lab`` on a copy of the notebooks, reading the demo warehouse."""
    root = tmp_path_factory.mktemp("lab")
    folder = root / "notebooks"
    shutil.copytree(PROJECT_ROOT / "notebooks", folder)
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps(NOTEBOOK_SETTINGS))
    env = {"WAREHOUSE": str(demo_warehouse), "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces")}
    with running_lab(root, env, f"LAB_DIR={folder}") as started:
        yield LabOn(started.url, started.token, folder)


# What the page shows once Run All is done, read in the browser.
READ_PAGE = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const all = (selector) => [...panel.querySelectorAll(selector)];
  const before = (e) => getComputedStyle(e, '::before').content.replace(/^"|"$/g, '');
  return {
    stderr: all('[data-mime-type="application/vnd.jupyter.stderr"]').map(e => e.innerText),
    plain: all('[data-mime-type="text/plain"]').map(e => e.innerText),
    cards: all('.key-figure').map(e => ({
      status: (e.className.match(/status-(\\w+)/) || [])[1],
      edge: parseFloat(getComputedStyle(e).borderLeftWidth),
      edgeColour: getComputedStyle(e).borderLeftColor, frame: getComputedStyle(e).borderTopColor,
      word: getComputedStyle(e.querySelector('.kf-status')).color,
      layout: getComputedStyle(e.parentElement).display})),
    charts: all('.jp-RenderedSVG img, .jp-RenderedSVG svg, .jp-RenderedImage img').length,
    captions: all('.table-caption, .lab-figure-caption').map(e => before(e) + e.textContent.trim()),
    rows: all('.jp-OutputArea-output table').map(t => t.querySelectorAll('tbody tr').length),
    more: all('.table-more').map(e => e.textContent.trim()),
  };
}"""

RAN = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  const failed = panel.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]');
  const idle = /\\|\\s*Idle/.test(document.querySelector('#jp-main-statusbar').innerText);
  return idle && prompts.length > 0 && (failed || prompts.every(p => /\\[\\d+\\]/.test(p.textContent)));
}"""


# The last code cell with a numbered table caption: the analyst's cell run again.
LAST_TABLE_CELL = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = [...panel.querySelectorAll('.jp-CodeCell')];
  return cells.findLastIndex(c => c.querySelector('.table-caption[data-number^="Таблица"]'));
}"""


def run_cell_again(page: Any, index: int) -> None:
    """Select the ``index``-th code cell and run it alone (Ctrl+Enter), as an analyst re-runs
    the cell they edited; wait for its new execution count."""
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "([index, before]) => { const p = document.querySelectorAll("
        "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')[index].textContent;"
        " return p !== before && /\\[\\d+\\]/.test(p); }", arg=[index, before], timeout=120_000)


def run_all_in_lab(lab: LabOn, notebook: str, *, again: bool = False) -> dict[str, Any]:
    """Open ``notebook`` in Lab, click Run → Run All Cells, wait for the last cell (with
    ``again``, run the last cell with a table once more and read the page again as
    ``shown["again"]``), save with Ctrl+S, and return what the page shows."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{lab.url}/lab/tree/{notebook}?reset&token={lab.token}")
            page.wait_for_function(  # the kernel started and is waiting
                "() => /\\|\\s*Idle/.test((document.querySelector('#jp-main-statusbar') || {}).innerText)",
                timeout=120_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            page.wait_for_function(RAN, timeout=RUN_TIMEOUT_MS, polling=1000)
            shown = page.evaluate(READ_PAGE)
            if again:
                run_cell_again(page, page.evaluate(LAST_TABLE_CELL))
                shown["again"] = page.evaluate(READ_PAGE)
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").click()
            page.keyboard.press("Control+s")
            page.wait_for_function(  # the tab's «modified» dot is gone once the save is written
                "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                timeout=60_000)
        finally:
            browser.close()
    return shown


def published_captions(html_path: Path) -> list[str]:
    """The numbered captions of a published briefing's page, as its reader sees them."""
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    captions = soup.select(".table-caption:not(.table-continued), figcaption")
    return [" ".join(caption.get_text().split()) for caption in captions]


def _rgb(hex_colour: str) -> str:
    """A colour as the browser computes it: «rgb(178, 24, 43)»."""
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4)))


def assert_lab_shows_the_page(shown: dict[str, Any], saved: Path) -> None:
    """What every notebook must show in Lab (see the module docstring)."""
    assert shown["stderr"] == [], shown["stderr"]
    assert not [text for text in shown["plain"] if re.match(r"(Text|<Figure|<Axes)", text)]
    # cards side by side, each with its status as a thick coloured edge and a coloured word
    cards = shown["cards"]
    assert cards, "no key-figure cards"
    assert all(card["layout"] == "grid" and card["edge"] > 5 for card in cards), cards
    assert all(card["edgeColour"] != card["frame"] for card in cards if card["status"]), cards
    assert all(card["word"] == _rgb(STATUSES[card["status"]].ink) for card in cards
               if card["status"] in STATUSES), cards
    assert shown["charts"] >= 1
    assert shown["captions"] and all(re.match(rf"(Таблица \d+|Рисунок \d+|{WORKBOOK_ONLY.strip()}) ", c)
                                      for c in shown["captions"]), "\n".join(shown["captions"])
    on_disk = json.loads(saved.read_text(encoding="utf-8"))
    assert all(cell.get("outputs", []) == [] for cell in on_disk["cells"]), "outputs saved to disk"


def test_the_diary_notebook_runs_in_lab_as_the_briefing_reads(lab: LabOn, published: Path) -> None:
    shown = run_all_in_lab(lab, "diary_authorization_gaps.ipynb", again=True)
    assert_lab_shows_the_page(shown, lab.folder / "diary_authorization_gaps.ipynb")
    assert shown["again"]["captions"] == shown["captions"]  # a cell run again keeps its numbers
    # Excel-only tables: their first rows and how many more the workbook holds
    assert shown["more"] and all(re.fullmatch(r"ещё [\d\u00a0 ]+ строк[аи]? — в книге Excel", m)
                                 for m in shown["more"]), shown["more"]
    assert max(shown["rows"]) < 400, "an Excel-only table was shown whole"
    assert PREVIEW_ROWS in shown["rows"]
    # the same numbers and titles as the published page (the PDF is printed from it)
    page = next(published.glob("**/diary_authorization_gaps_35*.html"))
    numbered = [" ".join(c.split()) for c in shown["captions"] if not c.startswith(WORKBOOK_ONLY)]
    assert numbered == published_captions(page)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", ["regional_ranking", "municipality_scorecard", "migration_readiness"])
def test_every_notebook_runs_in_lab(lab: LabOn, notebook: str) -> None:
    shown = run_all_in_lab(lab, f"{notebook}.ipynb")
    assert_lab_shows_the_page(shown, lab.folder / f"{notebook}.ipynb")
