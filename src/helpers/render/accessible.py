"""Finish Chromium's tagged PDF for PDF/UA-1: artifacts, standard roles, link descriptions, XMP.

Chromium 156 (``page.pdf(tagged=True)``) writes a structure tree from the accessibility tree, but
leaves four things a PDF/UA checker (and a screen reader) trips over, which this step mends on the
printed file with pikepdf (qpdf), in one pass:

- the running header and the «стр. X из Y» footer (header/footer templates and ``@page`` margin
  boxes alike), cell backgrounds and rules are painted outside any marked-content sequence: they
  are neither real content nor artifacts (PDF/UA-1 7.1). Every such run of the page's content is
  wrapped in ``/Artifact BMC … EMC`` — Chromium tags all the document's own content, so what it
  left unmarked is exactly what a reader should skip;
- ``<strong>``/``<b>`` become the PDF 2.0 type ``/Strong``, unknown to PDF 1.7 readers (poppler:
  «StructElem object is wrong type»): non-standard types get a ``/RoleMap`` entry;
- link annotations carry no ``/Contents``: each gets a Russian description of where it leads;
- there is no XMP metadata: it is written with the title and language, and the PDF/UA
  identification (``pdfuaid:part 1``) only when the file meets the rules checked here.

Drawing the header and footer ourselves (fonts, positions) was the alternative; marking what
Chromium already drew keeps one source of the page layout (the print stylesheet and templates).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pikepdf

__all__ = [
    "ROLE_MAP",
    "STANDARD_TYPES",
    "AccessibilityReport",
    "artifact_wrapped",
    "link_description",
    "make_accessible",
]

# ISO 32000-1 14.8.4: the standard structure types a PDF/UA-1 reader knows.
STANDARD_TYPES = frozenset({
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index",
    "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl",
    "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note",
    "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu", "WT",
    "WP", "Figure", "Formula", "Form",
})
# PDF 2.0 types Chromium writes, mapped to their PDF 1.7 counterparts; any other unknown type is
# mapped to Span (inline text) so that no element is left without a standard meaning.
ROLE_MAP = {"Strong": "Span", "Em": "Span", "Title": "H1", "FENote": "Note", "Sub": "Span",
            "Aside": "Div", "DocumentFragment": "Div"}
# In a content stream: a literal or hex string (skipped whole: its bytes are not operators), or a
# marked-content operator standing as a token of its own.
_CONTENT_TOKEN = re.compile(
    rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>|(?<![^\s\]>)])(BDC|BMC|EMC)(?![^\s\[<(/%])", re.DOTALL)
# The operands of a BDC/BMC at the end of the bytes before it: its tag and its properties.
_NAME = rb"/[^\s/<>\[\]()%{}]+"
_MARK_OPERANDS = re.compile(_NAME + rb"\s*(?:<<(?:[^<>]|<<[^<>]*>>)*>>|" + _NAME + rb")?\s*$")
_ARTIFACT_BEGIN, _ARTIFACT_END = b"\n/Artifact BMC\n", b"\nEMC\n"


@dataclass(frozen=True)
class AccessibilityReport:
    """What :func:`make_accessible` found and did (for tests and logs)."""

    artifact_runs: int
    mapped_roles: tuple[str, ...]
    described_links: int
    figures_without_alt: int
    claims_pdfua: bool


def _unmarked_runs(content: bytes) -> list[tuple[int, int]]:
    """The ``(start, end)`` byte ranges of ``content`` outside any marked-content sequence that
    hold more than white space."""
    runs, depth, start = [], 0, 0
    for token in _CONTENT_TOKEN.finditer(content):
        operator = token.group(1)
        if operator is None:
            continue
        if operator == b"EMC":
            depth = max(depth - 1, 0)
            start = token.end() if depth == 0 else start
            continue
        if depth == 0:
            before = content[start:token.start()]
            operands = _MARK_OPERANDS.search(before)
            end = start + (operands.start() if operands else len(before))
            if content[start:end].strip():
                runs.append((start, end))
        depth += 1
    if depth == 0 and content[start:].strip():
        runs.append((start, len(content)))
    return runs


def artifact_wrapped(content: bytes) -> tuple[bytes, int]:
    """``content`` with every run outside marked content wrapped as ``/Artifact BMC … EMC``; also
    how many runs were wrapped.

    A byte scan rather than pikepdf's ``parse_content_stream``: parsing every operator of a page
    of vector charts into Python objects and writing them back cost ≈0.8 s for an 8-page region
    card, the scan ≈0.1 s."""
    runs = _unmarked_runs(content)
    parts, last = [], 0
    for start, end in runs:
        parts += [content[last:start], _ARTIFACT_BEGIN, content[start:end], _ARTIFACT_END]
        last = end
    parts.append(content[last:])
    return b"".join(parts), len(runs)


def _page_streams(page: pikepdf.Page) -> list[pikepdf.Object]:
    contents = page.obj.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def _mark_artifacts(pdf: pikepdf.Pdf) -> int:
    """Wrap each page's unmarked content as artifacts; returns the number of runs wrapped."""
    total = 0
    for page in pdf.pages:
        for stream in _page_streams(page):
            wrapped, runs = artifact_wrapped(stream.read_bytes())
            if runs:
                stream.write(wrapped)
                total += runs
    return total


def _elements(node: pikepdf.Object) -> Iterator[pikepdf.Dictionary]:
    """Every structure element under ``node`` (depth first, iteratively: trees are deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, pikepdf.Array):
            stack.extend(reversed(list(current)))
        elif isinstance(current, pikepdf.Dictionary) and "/S" in current:
            yield current
            if "/K" in current:
                stack.append(current.K)


def _map_roles(tree: pikepdf.Object) -> tuple[tuple[str, ...], int]:
    """Role-map the non-standard structure types; also count figures without ``/Alt``."""
    found: set[str] = set()
    figures_without_alt = 0
    for element in _elements(tree.get("/K", pikepdf.Array())):
        role = str(element.S)[1:]
        if role not in STANDARD_TYPES:
            found.add(role)
        if role == "Figure" and not str(element.get("/Alt", "")).strip():
            figures_without_alt += 1
    if found:
        role_map = tree.get("/RoleMap", pikepdf.Dictionary())
        for role in sorted(found):
            role_map[pikepdf.Name("/" + role)] = pikepdf.Name("/" + ROLE_MAP.get(role, "Span"))
        tree.RoleMap = role_map
    return tuple(sorted(found)), figures_without_alt


def link_description(destination: str, targets: Mapping[str, str]) -> str:
    """The Russian description of a link: the section it leads to, or the address it opens."""
    if destination.startswith(("http://", "https://", "mailto:")):
        return f"Ссылка: {destination}"
    name = destination.lstrip("/#")
    if name in targets:
        return f"Переход к разделу «{targets[name]}»"
    return "Переход к месту в документе"


def _destination(annotation: pikepdf.Object) -> str:
    if "/Dest" in annotation:
        dest = annotation.Dest
        return str(dest) if not isinstance(dest, pikepdf.Array) else ""
    action = annotation.get("/A")
    if isinstance(action, pikepdf.Dictionary) and "/URI" in action:
        return str(action.URI)
    return ""


def _describe_links(pdf: pikepdf.Pdf, targets: Mapping[str, str]) -> int:
    """Give every link annotation a ``/Contents`` description; pages with annotations get the
    structure order for tabbing (``/Tabs /S``, PDF/UA-1 7.18.3)."""
    described = 0
    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if not annotations:
            continue
        page.obj.Tabs = pikepdf.Name.S
        for annotation in annotations:
            if annotation.get("/Subtype") == pikepdf.Name.Link and not annotation.get("/Contents"):
                annotation.Contents = pikepdf.String(link_description(_destination(annotation), targets))
                described += 1
    return described


def _write_xmp(pdf: pikepdf.Pdf, title: str, language: str, claim: bool) -> None:
    """XMP metadata: title, language, producer, and the PDF/UA-1 identification when ``claim``."""
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = title
        meta["dc:language"] = [language]
        if claim:
            meta["pdfuaid:part"] = "1"
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)


def make_accessible(pdf_bytes: bytes, *, title: str,
                    targets: Mapping[str, str] | None = None) -> tuple[bytes, AccessibilityReport]:
    """Chromium's tagged PDF finished for PDF/UA-1 (see the module's docstring).

    Args:
        pdf_bytes: the PDF Chromium printed (tagged).
        title: the document title, for the XMP metadata (the document information is stamped
            separately, :func:`helpers.render.pdf.stamp_metadata`).
        targets: anchor name → the heading text it leads to, for the link descriptions.

    Returns:
        The new PDF and what was done. PDF/UA is claimed only for a tagged file with a language
        whose figures all have alternative text.
    """
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        runs = _mark_artifacts(pdf)
        tree = pdf.Root.get("/StructTreeRoot")
        mapped, without_alt = _map_roles(tree) if tree is not None else ((), 0)
        described = _describe_links(pdf, targets or {})
        language = str(pdf.Root.get("/Lang", "")) or "ru"
        mark_info = pdf.Root.get("/MarkInfo")
        marked = isinstance(mark_info, pikepdf.Dictionary) and bool(mark_info.get("/Marked", False))
        claim = tree is not None and marked and "/Lang" in pdf.Root and without_alt == 0
        _write_xmp(pdf, title, language, claim)
        buffer = io.BytesIO()
        pdf.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return buffer.getvalue(), AccessibilityReport(runs, mapped, described, without_alt, claim)
