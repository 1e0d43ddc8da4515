"""JupyterLab shows what the page shows: the page's card, status and table styles, scoped to Lab.

The published page has its stylesheet (``templates/briefing/briefing.css``); a notebook opened in
JupyterLab has not. :func:`show_style` displays the rules an analyst needs to see the briefing
as the reader will — key-figure cards, status colours, table captions numbered as in the PDF —
rewritten for Lab's output areas (``.jp-RenderedHTMLCommon``), so they style nothing else. The
setup cell that shows it is tagged ``remove_output``: the page keeps its own stylesheet.
:func:`strip_on_save` keeps Lab's saves free of outputs (``make lab`` installs it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from helpers import vocabulary as words
from helpers.config import TEMPLATES_DIR
from helpers.presentation.display import reset_numbers, show_lab_only

STYLESHEET = TEMPLATES_DIR / "briefing" / "briefing.css"
LAB_OUTPUT = ".jp-RenderedHTMLCommon"
# selectors of the rules JupyterLab needs: cards, statuses, tables, page-one boxes
KEPT = (".key-figure", ".kf-", ".status", ".table-caption", ".briefing-table", "table.",
        "section.summary", "section.changes", ".summary-", ".changes-", ".findings", ".num",
        ".highlight", ".table-more", ".lab-figure-caption")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def status_css() -> str:
    """The status colours as CSS variables, from the vocabulary the Excel writer also uses."""
    return ":root {" + "".join(
        f" --{s.code}-fill: #{s.fill.lower()}; --{s.code}-ink: #{s.ink.lower()};"
        for s in words.STATUSES.values()) + " }"


def _rules(css: str) -> Iterator[tuple[str, str]]:
    """The top-level rules of a stylesheet as (selector, body); at-rule blocks skipped whole."""
    text, position = _COMMENT.sub("", css), 0
    while (start := text.find("{", position)) >= 0:
        selector, depth, end = text[position:start].strip(), 1, start + 1
        while depth and end < len(text):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        yield selector, text[start + 1:end - 1].strip()
        position = end


def _scoped(selector: str) -> str:
    """A selector rewritten to apply inside Lab's output areas only."""
    parts = [s.strip().replace(".output_html", LAB_OUTPUT) for s in selector.split(",")]
    return ", ".join(p if p.startswith(LAB_OUTPUT) else f"{LAB_OUTPUT} {p}" for p in parts)


@cache
def lab_css() -> str:
    """The page's card, status and table rules, scoped to Lab, with the page's colours."""
    css = STYLESHEET.read_text(encoding="utf-8")
    variables = [b for s, b in _rules(css) if s == ":root"]
    declarations = " ".join(line.strip() for body in variables for line in body.splitlines()
                            if line.strip().startswith("--"))
    status = status_css().removeprefix(":root {").removesuffix(" }")
    kept = [f"{_scoped(s)} {{ {b} }}" for s, b in _rules(css)
            if not s.startswith("@") and any(k in s for k in KEPT)]
    numbered = (f"{LAB_OUTPUT} .table-caption::before, {LAB_OUTPUT} .lab-figure-caption::before "
                "{ content: attr(data-number); }")
    return "\n".join([f"{LAB_OUTPUT} {{ {declarations} {status} }}", *kept, numbered])


def show_style() -> None:
    """Display the Lab stylesheet (in the setup cell, tagged ``remove_output``) and start
    numbering the tables from 1, as the page does."""
    reset_numbers()
    show_lab_only(f"<style>{lab_css()}</style>")


TRANSIENT_CELL_KEYS = ("execution", "ExecuteTime", "collapsed", "scrolled")


def strip_on_save(model: dict[str, Any], **_: Any) -> None:
    """JupyterLab's pre-save hook (``make lab``): a notebook is written without outputs or
    execution counts, so an analyst's save or Lab's autosave leaves the file as committed —
    the outputs stay on screen, not on disk."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        metadata = cell.get("metadata") or {}
        for key in TRANSIENT_CELL_KEYS:
            metadata.pop(key, None)
