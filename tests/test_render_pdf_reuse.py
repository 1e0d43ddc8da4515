"""One tab prints every document of a printer: each print starts clean, a broken tab is replaced.

Rendered in the real Chromium: two different documents printed in a row on the reused tab are
each their own (the second carries neither the first's text nor its tighter page-one type), and
a tab that crashed or was closed, or a browser that went away, gives way to a new one.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from pypdf import PdfReader

from helpers.presentation import fragments
from helpers.render.pdf import TIGHT_PAGE_ONE, PdfPrinter
from tests.test_render_layout import page


def text_of(pdf: bytes) -> str:
    return " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def long_page_one(folder: Path) -> Path:
    """A page one that runs over (so the printer sets it tighter), with its own words."""
    findings = [f"Находка первой справки {n}" for n in range(50)]
    folder.mkdir()
    return page(folder, fragments.summary_html(about="", findings=findings) + fragments.page_break_html())


def short_page_one(folder: Path) -> Path:
    folder.mkdir()
    return page(folder, fragments.summary_html(about="", findings=["Вывод второй справки"])
                + fragments.page_break_html())


def is_tight(printer: PdfPrinter, path: Path) -> bool:
    with printer._checked_page(path) as opened:  # noqa: SLF001 — the laid-out tab itself
        return bool(opened.evaluate(f"document.body.classList.contains('{TIGHT_PAGE_ONE}')"))


def test_two_documents_in_a_row_on_one_tab_are_each_their_own(tmp_path: Path,
                                                              printer: PdfPrinter) -> None:
    first, second = long_page_one(tmp_path / "a"), short_page_one(tmp_path / "b")
    first_pdf = printer.render(first, running_title="Первая")
    tab = printer._page  # noqa: SLF001
    second_pdf = printer.render(second, running_title="Вторая")
    assert printer._page is tab and tab is not None  # noqa: SLF001 — the same tab printed both
    assert "Находка первой справки 49" in text_of(first_pdf)
    assert "Вывод второй справки" in text_of(second_pdf)
    assert "Находка первой справки" not in text_of(second_pdf)
    assert is_tight(printer, first) and not is_tight(printer, second)
    assert not is_tight(printer, second)  # again right after a tight one, on the same tab


# Last in the module: it breaks the module's printer on purpose (one Playwright per thread).
def test_a_crashed_or_closed_tab_and_a_closed_browser_are_replaced(tmp_path: Path,
                                                                  printer: PdfPrinter) -> None:
    document = short_page_one(tmp_path / "doc")
    assert "Вывод второй справки" in text_of(printer.render(document, running_title="До"))
    crashed = printer._page  # noqa: SLF001
    assert crashed is not None
    with pytest.raises(PlaywrightError):
        crashed.goto("chrome://crash", timeout=10_000)
        crashed.evaluate("1 + 1")
    assert "Вывод второй справки" in text_of(printer.render(document, running_title="После сбоя"))
    assert printer._page is not crashed  # noqa: SLF001

    closed = printer._page  # noqa: SLF001
    assert closed is not None
    closed.close()
    assert "Вывод второй справки" in text_of(printer.render(document, running_title="После закрытия"))
    assert printer._page is not closed  # noqa: SLF001

    assert printer._browser is not None  # noqa: SLF001
    printer._browser.close()  # noqa: SLF001 — the browser went away: it is launched again
    assert "Вывод второй справки" in text_of(printer.render(document, running_title="После браузера"))
    assert printer._browser.is_connected()  # noqa: SLF001
