"""Print briefing HTML to A4 PDF with one long-lived Chromium, then stamp the PDF's metadata.

Launching a browser costs seconds; printing a page with a running browser well under one. So
:class:`PdfPrinter` is a context manager that holds one Playwright Chromium (Debian's binary,
``settings().chromium``) for a whole batch and prints each document in a fresh tab.
"""

from __future__ import annotations

import html
import io
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from playwright.sync_api import Browser, PdfMargins, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from pypdf import PdfReader, PdfWriter

from helpers.config import settings
from helpers.render.provenance import AUTHOR, format_parameters

CREATOR = "helpers.render: nbconvert + Chromium"
# ГОСТ Р 7.0.97-2016: at least 20 mm left, 10 mm right, 20 mm top and bottom.
PAGE_MARGINS: PdfMargins = {"top": "20mm", "right": "10mm", "bottom": "20mm", "left": "20mm"}
# Chromium as root on these machines (see MEASUREMENTS.md).
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

__all__ = [
    "PAGE_MARGINS",
    "ChromiumNotFound",
    "PdfPrinter",
    "header_template",
    "pdf_metadata",
    "resolve_chromium",
    "stamp_metadata",
]


class ChromiumNotFound(RuntimeError):
    """The Chromium executable for PDF printing is missing or does not start."""


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


def stamp_metadata(pdf: bytes, metadata: Mapping[str, str]) -> bytes:
    """The same PDF with its document information replaced by ``metadata``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata(dict(metadata))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


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

    def render(self, html_path: Path, *, running_title: str) -> bytes:
        """The PDF of ``html_path``: A4, ГОСТ margins, running header, «стр. X из Y» footer."""
        page = self._live_browser().new_page()
        try:
            page.set_default_timeout(self.timeout_ms)
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            return page.pdf(
                format="A4",
                margin=PAGE_MARGINS,
                display_header_footer=True,
                header_template=header_template(running_title),
                footer_template=FOOTER_TEMPLATE,
                print_background=True,
            )
        finally:
            page.close()

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
        pdf_path.write_bytes(stamp_metadata(pdf, metadata))
