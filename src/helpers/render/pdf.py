"""Print briefing HTML to A4 PDF with one long-lived Chromium, then stamp the PDF's metadata.

Launching a browser costs seconds, a new tab (browser context) about 0.1-0.2 s, printing on a
tab already open a few hundredths. So :class:`PdfPrinter` is a context manager that holds one
Playwright Chromium (Debian's binary, ``settings().chromium``) and one tab for a whole batch, and
prints each document by navigating that tab to it: a navigation replaces the document, so nothing
of the previous one (its classes, content, scripts) is left, and the print media and viewport are
set again before every layout check. A tab or browser that crashed or was closed is replaced.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from playwright.sync_api import Browser, Page, PdfMargins, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    create_string_object,
)

from helpers.config import settings
from helpers.errors import RenderFailed
from helpers.render.accessible import make_accessible
from helpers.render.html import heading_targets
from helpers.render.pages import table_breaks
from helpers.render.provenance import AUTHOR, format_parameters

CREATOR = "helpers.render: nbconvert + Chromium"
# ГОСТ Р 7.0.97-2016: at least 20 mm left, 10 mm right, 20 mm top and bottom.
PAGE_MARGINS: PdfMargins = {"top": "20mm", "right": "10mm", "bottom": "20mm", "left": "20mm"}
# Chromium as root on these machines (see docs/performance.md «Building blocks»).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
# Header and footer templates do not inherit the page's styles: everything is set inline.
_MARGIN_STYLE = (
    "width:100%; margin:0 10mm 0 20mm; font-size:9pt; color:#555;"
    " font-family:'PT Astra Serif','Liberation Serif','DejaVu Serif','DejaVu Sans',serif;"
)
FOOTER_TEMPLATE = (
    f'<div style="{_MARGIN_STYLE} text-align:center;">'
    'стр. <span class="pageNumber"></span> из <span class="totalPages"></span></div>'
)
PROVENANCE_KEY = "/SferumProvenance"
# The printable width of A4 with the house margins (210 − 20 − 10 mm) in CSS pixels (96 per inch).
PRINTABLE_WIDTH_PX = round((210 - 20 - 10) / 25.4 * 96)
# How far past the printable width a box may reach before it counts as clipped (hairlines).
LAYOUT_TOLERANCE_PX = 1.5
# Laid out as printed (print media, the printable width), every element whose box reaches past
# the right edge, or whose content is wider than its box and is cut off: tag, classes, text.
LAYOUT_CHECK = """([width, tolerance]) => {
  const found = [];
  const describe = (el) => {
    const cls = (el.getAttribute("class") || "").trim().split(/\\s+/).filter(Boolean).slice(0, 3);
    const text = (el.innerText || el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 60);
    return `${el.tagName.toLowerCase()}${cls.length ? "." + cls.join(".") : ""} «${text}»`;
  };
  for (const el of document.querySelectorAll("main *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + tolerance) {
      const parent = el.parentElement && el.parentElement.getBoundingClientRect();
      if (!parent || parent.right <= width + tolerance) {
        found.push(`${describe(el)}: ${Math.round(box.right - width)} px за правым полем`);
      }
      continue;
    }
    // text boxes only, and the computed style last: it is the costly part, on every element
    const spills = el.children.length === 0 && el.clientWidth > 0
      && el.scrollWidth > el.clientWidth + tolerance;
    if (spills && getComputedStyle(el).overflowX === "visible") {
      found.push(`${describe(el)}: текст шире своего блока на ${el.scrollWidth - el.clientWidth} px`);
    }
  }
  return found.slice(0, 5);
}"""

__all__ = [
    "PAGE_MARGINS",
    "ChromiumNotFound",
    "ClippedLayout",
    "PdfPrinter",
    "finish_pdf",
    "header_template",
    "pdf_metadata",
    "resolve_chromium",
    "stamp_metadata",
]


class ChromiumNotFound(RenderFailed):
    """The Chromium executable for PDF printing is missing or does not start."""


class ClippedLayout(RenderFailed):
    """An element of the briefing reaches past the printable width: it would print cut off."""

    def __init__(self, elements: list[str]):
        self.elements = elements
        super().__init__(
            "Справка не помещается по ширине страницы A4 (поля 20 и 10 мм) — при печати будет "
            "обрезано: " + "; ".join(elements) + " / the briefing is wider than the printable "
            "A4 width")


def _missing_chromium_message(executable: str, reason: str = "") -> str:
    detail = f" ({reason})" if reason else ""
    return (
        f"Не найден браузер Chromium для печати PDF: «{executable}»{detail}. "
        "Установите его (apt-get install chromium) или укажите путь в переменной окружения "
        "CHROMIUM=/путь/к/chromium.\n"
        f"Chromium for PDF printing not found: '{executable}'{detail}. "
        "Install it (apt-get install chromium) or set CHROMIUM=/path/to/chromium."
    )


def resolve_chromium(executable: str | None = None) -> str:
    """The full path of the Chromium to use: ``executable``, else ``settings().chromium``.

    Raises:
        ChromiumNotFound: the executable does not exist or is not executable.
    """
    wanted = executable or settings().chromium
    found = shutil.which(wanted)
    if found is None:
        raise ChromiumNotFound(_missing_chromium_message(wanted))
    return found


def header_template(running_title: str) -> str:
    """The running header: briefing title · territory · snapshot date."""
    return f'<div style="{_MARGIN_STYLE} text-align:left;">{html.escape(running_title)}</div>'


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def pdf_metadata(title: str, provenance: Mapping[str, Any]) -> dict[str, str]:
    """Document information: title, author, and the provenance in subject and keywords.

    The subject reads as a sentence; the keywords are ``key=value`` pairs; the full provenance
    is also kept as JSON under ``/SferumProvenance`` for programs.
    """
    parameters = provenance.get("parameters") or {}
    subject = "; ".join(
        part
        for part in (
            f"Параметры: {format_parameters(parameters)}" if parameters else "",
            f"данные по состоянию на {provenance['snapshot_date']}"
            if provenance.get("snapshot_date")
            else "",
            f"хеш данных {provenance['data_hash']}" if provenance.get("data_hash") else "",
            f"версия {provenance['code_version']}" if provenance.get("code_version") else "",
            f"сформировано {provenance['rendered_at']}" if provenance.get("rendered_at") else "",
        )
        if part
    )
    keywords = "; ".join(f"{key}={_plain(value)}" for key, value in provenance.items())
    return {
        "/Title": title,
        "/Author": AUTHOR,
        "/Subject": subject,
        "/Keywords": keywords,
        "/Creator": CREATOR,
        PROVENANCE_KEY: json.dumps(dict(provenance), ensure_ascii=False, default=str),
    }


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _info_dictionary(reader: PdfReader, metadata: Mapping[str, str]) -> DictionaryObject:
    """The document information of ``reader`` with the entries of ``metadata`` set."""
    info = DictionaryObject()
    old = reader.trailer.get("/Info")
    if old is not None:
        old = old.get_object()
        info.update({NameObject(key): old.raw_get(key) for key in old})
    info.update({NameObject(key): create_string_object(value) for key, value in metadata.items()})
    return info


def _serialised(obj: PdfObject) -> bytes:
    buffer = io.BytesIO()
    obj.write_to_stream(buffer)
    return buffer.getvalue()


def _appended_info(pdf: bytes, metadata: Mapping[str, str]) -> bytes | None:
    """``pdf`` with an incremental update that adds the new document information: one object, a
    one-entry cross-reference section and a trailer pointing back at the original one (PDF 1.7,
    7.5.6). ``None`` when ``pdf`` does not end in a plain cross-reference table (e.g. a
    cross-reference stream): the caller rewrites the file instead."""
    found = _STARTXREF.search(pdf[-1024:])
    if found is None or not pdf.startswith(b"xref", int(found[1])):
        return None
    reader = PdfReader(io.BytesIO(pdf))
    trailer = reader.trailer
    number = trailer.get("/Size")
    if not isinstance(number, int):
        return None
    update = DictionaryObject({
        NameObject("/Size"): NumberObject(number + 1),
        NameObject("/Root"): trailer.raw_get("/Root"),
        NameObject("/Info"): IndirectObject(number, 0, reader),
        NameObject("/Prev"): NumberObject(int(found[1])),
    })
    if "/ID" in trailer:
        update[NameObject("/ID")] = trailer.raw_get("/ID")
    info_at = len(pdf) + 1
    body = b"\n%d 0 obj\n%s\nendobj\n" % (number, _serialised(_info_dictionary(reader, metadata)))
    xref_at = len(pdf) + len(body)
    tail = b"xref\n%d 1\n%010d 00000 n \ntrailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (
        number, info_at, _serialised(update), xref_at)
    return pdf + body + tail


def stamp_metadata(pdf: bytes, metadata: Mapping[str, str]) -> bytes:
    """The same PDF with ``metadata`` set in its document information (other entries kept).

    Appended as an incremental update (the printed bytes stay as they are, a few milliseconds);
    a PDF that does not end in a plain cross-reference table is rewritten whole instead (pypdf,
    about 0.3 s for a 7-page briefing with charts). Written by hand because pypdf's own
    incremental mode (``PdfWriter(..., incremental=True)``, pypdf 7.1) parses the whole file
    first and costs the same 0.3 s (measured on a region card: 0.30 s against 0.02 s).
    """
    appended = _appended_info(pdf, metadata)
    if appended is not None:
        return appended
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata(dict(metadata))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# The printable height of A4 with the house margins (297 − 20 − 20 mm) in CSS pixels.
PRINTABLE_HEIGHT_PX = round((297 - 20 - 20) / 25.4 * 96)
# Where page one ends: the first page break of a briefing (fragments/page_break.html.j2), if any.
PAGE_ONE_END = """() => {
  const mark = document.querySelector("main .page-break");
  return mark ? mark.getBoundingClientRect().top + window.scrollY : 0;
}"""
TIGHT_PAGE_ONE = "tight-page-one"
# A numbered table that runs onto the next page is cut there into a table of its own, headed by
# «Продолжение таблицы N» and the header row (ГОСТ 7.32): breaks = [table index, first row on the
# new page] of the printed PDF (render.pages.table_breaks), in the order of the document's tables.
# A table is numbered by its caption, or by a «Продолжение таблицы N» just before it (an appendix);
# tables without a number are left to Chromium, which repeats their header row.
# A cut adds the «Продолжение» line at the top of the next page, which moves down everything after
# it until the next forced page break: a later break measured before the cut may no longer be
# where the page ends. So one pass cuts the first break and the later ones a forced page break
# separates from the cut before them; the rest wait for the next print, measured again. A part
# whose last rows run over (a table that ends needs its bottom edge on the page) hands them to the
# part after it instead of being cut again. No page holds fewer than ``least`` rows of a table
# that goes on or ends there (MIN_ROWS_AT_BREAK, the typesetter's widows and orphans): a cut that
# would leave fewer on the next page is moved up, and a table with fewer under its caption starts
# the next page (with the heading just above it), so a short table is never cut.
SPLIT_TABLES = """([breaks, least]) => {
  const tables = Array.from(document.querySelectorAll("table"));
  const forced = (element) => {
    const style = getComputedStyle(element);
    return style.breakBefore === "page" || style.breakAfter === "page";
  };
  const forcedBetween = (first, last) => {
    if (forced(last)) return true;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT);
    walker.currentNode = first;
    for (let node = walker.nextNode(); node && node !== last; node = walker.nextNode()) {
      if (node.contains(last)) continue;
      if (forced(node)) return true;
    }
    return false;
  };
  const accepted = [];
  let previous = null;
  for (const [index, row] of breaks) {
    const table = tables[index];
    if (!table) continue;
    if (previous && (previous === table || !forcedBetween(previous, table))) continue;
    accepted.push([table, row]);
    const cut = table.nextElementSibling;  // a part cut before: its overflow moves into the next
    previous = cut && cut.dataset.cut ? cut.nextElementSibling : table;
  }
  let split = 0;
  for (const [table, row] of accepted.reverse()) {
    const label = table.querySelector(":scope > caption .caption-number");
    let before = table.previousElementSibling;
    while (before && before.tagName === "STYLE") before = before.previousElementSibling;
    const heading = label || (before && before.matches(".table-continued") ? before : null);
    const written = heading ? (heading.textContent.match(/\\d+/) || [""])[0] : "";
    const number = table.dataset.tableNumber || written;
    const rows = Array.from(table.rows);
    const headRows = table.tHead ? table.tHead.rows.length : 0;
    if (!number || row >= rows.length) continue;
    const cut = table.nextElementSibling;  // this table is a part cut before: its last rows ran
    const rest = cut && cut.dataset.cut ? cut.nextElementSibling : null;  // over, they go on with the rest
    const previousCut = before && before.dataset.cut;  // a part: it starts a page, it is never moved
    let at = row;
    if (!rest && rows.length - at < least) at = rows.length - least;  // no row or two alone on a page
    if (previousCut) at = Math.max(at, headRows + 1);  // it keeps a row on its page
    else if (at - headRows < least) at = headRows;
    if (at <= headRows) {  // too few rows under the caption: the table starts the next page
      const output = table.closest(".output_area");
      const cell = table.closest(".cell");
      let block = output || table;
      const first = output ? cell && cell.querySelector(".output_area") === output
                           : cell && cell.querySelector("table") === table;
      if (first) {
        block = cell;  // the first output of its cell: a heading cell just before goes along
        const above = cell.previousElementSibling;
        if (above && above.matches(".cell:has(:is(h1, h2, h3, h4):last-child)")) block = above;
      }
      block.style.breakBefore = "page";
      split += 1;
      continue;
    }
    if (rest && rest.tBodies.length) {
      const first = rest.tBodies[0].firstChild;
      rows.slice(at).forEach((moved) => rest.tBodies[0].insertBefore(moved, first));
      split += 1;
      continue;
    }
    const part = table.cloneNode(false);
    part.removeAttribute("id");
    part.style.removeProperty("break-before");  // a table moved to its page: its note breaks now
    part.dataset.tableNumber = number;
    if (table.tHead) part.appendChild(table.tHead.cloneNode(true));
    const body = document.createElement("tbody");
    rows.slice(at).forEach((moved) => body.appendChild(moved));
    part.appendChild(body);
    const note = document.createElement("p");
    note.className = "table-caption table-continued";
    note.textContent = "Продолжение таблицы " + number;
    note.style.breakBefore = "page";
    note.dataset.cut = "1";
    table.after(note);
    note.after(part);
    split += 1;
  }
  return split;
}"""
MIN_ROWS_AT_BREAK = 3  # rows of a table a page holds at least, above a cut and below it
MAX_CONTINUATION_PASSES = 12  # each pass prints again (≈0.3 s); a chain of cuts one page apart takes one each


def fit_page_one(page: Page) -> bool:
    """Keep a briefing's page one (everything before its first page break) on one page: when it
    runs over, set the page-one boxes in the tighter type of ``body.tight-page-one`` (the
    stylesheet's). Returns whether page one fits now."""
    if page.evaluate(PAGE_ONE_END) <= PRINTABLE_HEIGHT_PX:
        return True
    page.evaluate(f"document.body.classList.add('{TIGHT_PAGE_ONE}')")
    return bool(page.evaluate(PAGE_ONE_END) <= PRINTABLE_HEIGHT_PX)


def check_layout(page: Page) -> None:
    """Lay the page out as it prints and refuse it if any element reaches past the right margin.

    Measured in the browser (the boxes of the laid-out page at the printable width, print media)
    rather than on rendered images: it names the element, and costs milliseconds.

    Raises:
        ClippedLayout: naming up to five elements and how far they reach past the margin.
    """
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINTABLE_WIDTH_PX, "height": 1123})
    fit_page_one(page)
    clipped = page.evaluate(LAYOUT_CHECK, [PRINTABLE_WIDTH_PX, LAYOUT_TOLERANCE_PX])
    if clipped:
        raise ClippedLayout(list(clipped))


def print_continued(page: Page, print_page: Callable[[], bytes]) -> bytes:
    """Print, then cut each numbered table where it runs onto a new page and print again (see
    :data:`SPLIT_TABLES`) until no numbered table runs on, at most
    :data:`MAX_CONTINUATION_PASSES` times. Measured on the printed file, because only Chromium's
    own pagination knows where a page ends."""
    pdf = print_page()
    for _ in range(MAX_CONTINUATION_PASSES):
        tables, breaks = table_breaks(pdf)
        if not breaks or tables != page.evaluate("document.querySelectorAll('table').length"):
            break
        if not page.evaluate(SPLIT_TABLES, [breaks, MIN_ROWS_AT_BREAK]):
            break
        pdf = print_page()
    return pdf


class PdfPrinter:
    """One Chromium for many documents; use as ``with PdfPrinter() as printer: ...``.

    Args:
        executable: the Chromium binary; by default ``settings().chromium`` (``CHROMIUM``).
        timeout_ms: how long loading or printing one document may take.
    """

    def __init__(self, executable: str | None = None, *, timeout_ms: float = 60_000) -> None:
        self.executable = resolve_chromium(executable)
        self.timeout_ms = timeout_ms
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._page: Page | None = None
        self._crashed = False

    def __enter__(self) -> PdfPrinter:
        self._playwright = sync_playwright().start()
        self._launch()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the browser and Playwright's driver (safe to call twice)."""
        self._discard_page()
        if self._browser is not None:
            try:
                self._browser.close()
            except PlaywrightError:
                pass  # already gone
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    def _launch(self) -> None:
        if self._playwright is None:
            raise RuntimeError("PdfPrinter is not open: use it in a `with` block")
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable, args=list(CHROMIUM_ARGS)
            )
        except PlaywrightError as error:
            reason = str(error).splitlines()[0]
            raise ChromiumNotFound(_missing_chromium_message(self.executable, reason)) from error

    def _live_browser(self) -> Browser:
        """The browser, relaunched if it crashed during an earlier document."""
        if self._browser is None or not self._browser.is_connected():
            self._launch()
        assert self._browser is not None  # noqa: S101 -- narrows a type for mypy
        return self._browser

    def _discard_page(self) -> None:
        """Close the reused tab (and its browser context), if any; the next print opens one."""
        page, self._page, self._crashed = self._page, None, False
        if page is not None:
            with contextlib.suppress(PlaywrightError):
                page.context.close()

    def _on_crash(self, _page: Page) -> None:
        self._crashed = True

    def _broken(self, page: Page) -> bool:
        """Whether ``page`` can print no more: closed, crashed, or its browser gone."""
        browser_alive = self._browser is not None and self._browser.is_connected()
        return page.is_closed() or self._crashed or not browser_alive

    def _live_page(self) -> Page:
        """The reused tab: opened on first use, and again after a crash, a close or a relaunch."""
        if self._page is None or self._broken(self._page):
            self._discard_page()
            page = self._live_browser().new_page()
            page.set_default_timeout(self.timeout_ms)
            page.on("crash", self._on_crash)
            self._page = page
        return self._page

    def _navigate(self, html_path: Path) -> Page:
        """The reused tab with ``html_path`` loaded. A navigation that fails otherwise than by
        timing out is tried once more on a new tab: a crash is often seen only when the tab is
        next used, and an error of the document itself fails again there."""
        page = self._live_page()
        try:
            page.goto(html_path.resolve().as_uri(), wait_until="load")
        except PlaywrightTimeout:
            raise
        except PlaywrightError:
            self._discard_page()
            page = self._live_page()
            page.goto(html_path.resolve().as_uri(), wait_until="load")
        return page

    @contextlib.contextmanager
    def _checked_page(self, html_path: Path) -> Iterator[Page]:
        """The reused tab navigated to ``html_path``, its fonts ready and its layout checked.

        A browser error (a crash, a closed tab, a timeout) discards the tab, so the next document
        gets a new one; a layout that does not fit (:class:`ClippedLayout`) keeps it.
        """
        try:
            page = self._navigate(html_path)
            page.evaluate("document.fonts.ready.then(() => true)")
            check_layout(page)
            yield page
        except PlaywrightError:
            self._discard_page()
            raise

    def render(self, html_path: Path, *, running_title: str) -> bytes:
        """The PDF of ``html_path``: A4, ГОСТ margins, running header, «стр. X из Y» footer."""
        with self._checked_page(html_path) as page:
            return print_continued(page, lambda: page.pdf(
                format="A4",
                margin=PAGE_MARGINS,
                display_header_footer=True,
                header_template=header_template(running_title),
                footer_template=FOOTER_TEMPLATE,
                print_background=True,
                tagged=True,
                outline=True,
            ))

    def render_document(self, html_path: Path) -> bytes:
        """The PDF of a document that sets its own pages in CSS (``@page`` size, margins and
        margin boxes for running headers and page numbers), e.g. the meeting pack: tagged, with an
        outline, after the same layout check."""
        with self._checked_page(html_path) as page:
            return print_continued(page, lambda: page.pdf(
                prefer_css_page_size=True, print_background=True, tagged=True, outline=True))

    def print_pdf(
        self,
        html_path: Path,
        pdf_path: Path,
        *,
        running_title: str,
        metadata: Mapping[str, str],
    ) -> None:
        """Print ``html_path`` to ``pdf_path`` and stamp ``metadata`` (see :func:`pdf_metadata`).

        ``pdf_path`` is written in one go; pass a temporary path to publish it atomically.
        """
        pdf = self.render(html_path, running_title=running_title)
        pdf_path.write_bytes(finish_pdf(pdf, html_path.read_text(encoding="utf-8"), metadata))


def finish_pdf(pdf: bytes, page: str, metadata: Mapping[str, str]) -> bytes:
    """Chromium's PDF of the HTML ``page`` made accessible (PDF/UA-1: artifacts, roles, link
    descriptions, XMP; :mod:`helpers.render.accessible`) and stamped with ``metadata``."""
    accessible, _ = make_accessible(pdf, title=metadata.get("/Title", ""), targets=heading_targets(page))
    return stamp_metadata(accessible, metadata)
