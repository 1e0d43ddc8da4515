"""The outputs of a briefing, each one registered exporter: key, suffix, label, where, write.

The pipeline writes every exporter of :data:`EXPORTERS` in order into staging and publishes them
together; the catalog links the public ones (:func:`public`), delivery attaches by key, the
meeting pack reads by key. Adding a format (ODS, DOCX) is one class here and one test: it gets
the executed notebook, the page head, the provenance and the files written before it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:  # the writers are imported when used: the catalog and mail need only the keys
    from nbformat import NotebookNode

    from helpers.render.html import BriefingHead
    from helpers.render.pdf import PdfPrinter

__all__ = ["EXPORTERS", "Export", "Exporter", "by_key", "public"]

Folder = Literal["published", "executed"]
Attach = Literal["always", "on_request", ""]


@dataclass
class Export:
    """What one briefing's exporters share: the executed notebook and where it lies, the page
    head, provenance, the open printer, and the files already written (key → staged path)."""

    nb: NotebookNode
    executed: Path
    head: BriefingHead
    provenance: Mapping[str, Any]
    printer: PdfPrinter
    written: dict[str, Path] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The running title: briefing, territory, date."""
        from helpers.render.html import running_title

        return running_title(self.head)


class Exporter(ABC):
    """One output format."""

    key: ClassVar[str]  # the manifest's ``outputs`` key
    suffix: ClassVar[str]
    label: ClassVar[str]  # the catalog's link text
    folder: ClassVar[Folder] = "published"  # published (linked) or kept for debugging
    attach: ClassVar[Attach] = ""  # mailed: always, on request (a list's «excel: true») or not

    @abstractmethod
    def write(self, target: Path, export: Export) -> None:
        """Write this format of the briefing to ``target`` (a staged temporary file)."""


class HtmlExporter(Exporter):
    key, suffix, label = "html", ".html", "HTML"

    def write(self, target: Path, export: Export) -> None:
        from helpers.render.html import to_html

        target.write_text(to_html(export.nb, export.head), encoding="utf-8")


class PdfExporter(Exporter):
    """Printed by Chromium from the HTML written before it (same template, same page)."""

    key, suffix, label, attach = "pdf", ".pdf", "PDF", "always"

    def write(self, target: Path, export: Export) -> None:
        from helpers.render.pdf import pdf_metadata

        export.printer.print_pdf(export.written["html"], target, running_title=export.title,
                                 metadata=pdf_metadata(export.title, export.provenance))


class ExcelExporter(Exporter):
    key, suffix, label, attach = "xlsx", ".xlsx", "Excel", "on_request"

    def write(self, target: Path, export: Export) -> None:
        from helpers.render.excel import write_workbook
        from helpers.render.payloads import find_figures, find_tables

        write_workbook(target, find_tables(export.nb), export.provenance, title=export.title,
                       figures=find_figures(export.nb))


class NotebookExporter(Exporter):
    """The executed notebook, kept beside the outputs for debugging and never linked."""

    key, suffix, label = "notebook", ".ipynb", "Блокнот"
    folder = "executed"

    def write(self, target: Path, export: Export) -> None:
        export.executed.replace(target)


EXPORTERS: tuple[Exporter, ...] = (HtmlExporter(), PdfExporter(), ExcelExporter(), NotebookExporter())


def public() -> tuple[Exporter, ...]:
    """The exporters whose files the catalog links, in order."""
    return tuple(e for e in EXPORTERS if e.folder == "published")


def by_key(key: str) -> Exporter:
    return next(e for e in EXPORTERS if e.key == key)
