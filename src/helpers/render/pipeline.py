"""Render one briefing: execute → each registered output (``exporters``) → publish → catalog.

Outputs go to ``<output_dir>/<kind>/<territory>/<kind>_<territory>_<snapshot>.{html,pdf,xlsx}``;
the executed notebook to ``<output_dir>/_executed/<kind>/<territory>/`` (kept for debugging,
never linked from the catalog). Nothing is published until every output of the briefing has
been rendered; a failure keeps the previous good outputs and is recorded in the manifest with
its message, and the failed executed notebook is kept as ``…_failed.ipynb``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from helpers.config import settings
from helpers.render import catalog
from helpers.render.content import content_hash
from helpers.render.execute import NotebookFailed, WarmKernel, execute_notebook
from helpers.render.exporters import EXPORTERS, Export
from helpers.render.html import BriefingHead
from helpers.render.payloads import find_page_one, find_provenance
from helpers.render.pdf import PdfPrinter
from helpers.render.provenance import code_version, parse_date, render_moment
from helpers.render.publish import move_into_place, staged, temp_sibling

EXECUTED_DIR = "_executed"

__all__ = ["EXECUTED_DIR", "BriefingResult", "briefing_stem", "render_briefing"]


@dataclass(frozen=True)
class BriefingResult:
    """What one render produced; :meth:`entry` is its line in ``manifest.json``."""

    kind: str
    territory: str
    territory_name: str
    title: str
    parameters: dict[str, Any]
    status: str  # "ok" or "failed"
    error: str | None
    outputs: dict[str, str]  # exporter key (html, pdf, xlsx, notebook) → path relative to the output folder
    snapshot_date: str | None
    data_hash: str | None
    code_version: str
    rendered_at: str
    duration_s: float
    content_hash: str | None = None  # what the reader gets (helpers.render.content); delivery keys on it
    page_one: dict[str, Any] = field(default_factory=dict)  # lead, key figures, findings, changes
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage (for make bench;
    # not in the manifest)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def entry(self) -> catalog.Entry:
        """The manifest entry (see :mod:`helpers.render.catalog`)."""
        entry = asdict(self)
        del entry["timings"]
        return entry


def _path_part(value: str, what: str) -> str:
    """``value`` as one folder or file-name part; refuses anything that could leave the folder."""
    if not value or value in {".", ".."} or "/" in value or "\\" in value:
        raise ValueError(f"{what} {value!r} cannot be part of an output path")
    return value


def briefing_stem(kind: str, territory: str, snapshot_date: str | None) -> str:
    """``regional_ranking_35_2024-09-16`` (without the date when the snapshot is unknown)."""
    parts = [_path_part(kind, "kind"), _path_part(territory, "territory")]
    return "_".join([*parts, snapshot_date] if snapshot_date else parts)


def _snapshot(provenance: Mapping[str, Any]) -> str | None:
    day = parse_date(provenance.get("snapshot_date")) if provenance.get("snapshot_date") else None
    return day.isoformat() if day else None


def _relative(paths: Mapping[str, Path], root: Path) -> dict[str, str]:
    return {key: path.relative_to(root).as_posix() for key, path in paths.items()}


def _error_text(error: Exception) -> str:
    return str(error) if isinstance(error, NotebookFailed) else f"{type(error).__name__}: {error}"


class _Stopwatch:
    """Seconds spent per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.laps: dict[str, float] = {}
        self._last = self.started

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = round(now - self._last, 3)
        self._last = now

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 3)


@dataclass(frozen=True)
class _Run:
    """One render of one briefing: what it is, where its files go, when it started."""

    kind: str
    territory: str
    territory_name: str
    title: str
    parameters: dict[str, Any]
    output_dir: Path
    rendered_at: dt.datetime

    @property
    def target(self) -> Path:
        return self.output_dir / _path_part(self.kind, "kind") / _path_part(self.territory, "territory")

    @property
    def executed_dir(self) -> Path:
        return self.output_dir / EXECUTED_DIR / self.kind / self.territory

    def provenance(self, from_notebook: Mapping[str, Any]) -> dict[str, Any]:
        """The notebook's provenance (snapshot, data hash) with the renderer's facts added."""
        return {
            **from_notebook,
            "parameters": self.parameters,
            "code_version": code_version(),
            "rendered_at": self.rendered_at.isoformat(),
        }

    def head(self, provenance: Mapping[str, Any]) -> BriefingHead:
        snapshot = _snapshot(provenance)
        return BriefingHead(self.title, self.territory_name, parse_date(snapshot), provenance)


def _publish_outputs(
    nb: NotebookNode,
    executed: Path,
    *,
    run: _Run,
    provenance: Mapping[str, Any],
    printer: PdfPrinter,
    clock: _Stopwatch,
) -> dict[str, Path]:
    """Write every registered output next to its final name, then publish them together."""
    stem = briefing_stem(run.kind, run.territory, _snapshot(provenance))
    folders = {"published": run.target, "executed": run.executed_dir}
    final = {e.key: folders[e.folder] / f"{stem}{e.suffix}" for e in EXPORTERS}
    export = Export(nb, executed, run.head(provenance), provenance, printer)
    with staged() as staging:
        for exporter in EXPORTERS:
            target = staging.path(final[exporter.key])
            exporter.write(target, export)
            export.written[exporter.key] = target
            if exporter.folder == "published":  # the executed notebook's move counts as publishing
                clock.lap(exporter.key)
    clock.lap("publish")  # the files renamed into place together
    return final


def _keep_failed_notebook(executed: Path, run: _Run) -> dict[str, Path]:
    """Publish what papermill wrote of a failed run (with the traceback) for debugging — only a
    complete notebook: one cut short (a full disk, a killed kernel mid-write) is dropped."""
    if not executed.exists() or not executed.stat().st_size:
        return {}
    try:
        json.loads(executed.read_bytes())
    except (ValueError, OSError):
        executed.unlink(missing_ok=True)
        return {}
    failed = run.executed_dir / f"{briefing_stem(run.kind, run.territory, None)}_failed.ipynb"
    move_into_place(executed, failed)
    return {"notebook": failed}


def render_briefing(
    notebook_path: Path,
    parameters: Mapping[str, Any],
    *,
    kind: str,
    territory: str,
    territory_name: str,
    title: str,
    printer: PdfPrinter,
    output_dir: Path | None = None,
    update_catalog: bool = True,
    timeout: int | None = None,
    kernel: WarmKernel | None = None,
) -> BriefingResult:
    """Render one briefing to HTML, PDF and Excel and record it in the catalog.

    Args:
        notebook_path: the briefing notebook (run with the notebook's folder as working folder).
        parameters: values for its parameters cell, already checked by the caller.
        kind: briefing kind, e.g. ``regional_ranking`` (first folder under the output folder).
        territory: territory code, e.g. ``35`` or an ОКТМО code (second folder).
        territory_name: the territory's Russian name, for the page head and the catalog.
        title: the briefing's Russian title, for the running header and metadata.
        printer: an open :class:`~helpers.render.pdf.PdfPrinter`, shared by a whole batch.
        output_dir: the output folder; ``settings().output_dir`` by default.
        update_catalog: merge the result into ``manifest.json`` and rewrite ``index.html``.
        timeout: seconds allowed per notebook cell (the batch also bounds the whole briefing).
        kernel: a kernel kept alive across a worker's briefings; ``None`` for a fresh one.

    Returns:
        The result; a notebook error or a failed conversion gives ``status="failed"`` with the
        message in ``error`` instead of raising, and leaves earlier outputs as they were.
    """
    output_dir = output_dir or settings().output_dir
    clock = _Stopwatch()
    run = _Run(kind, territory, territory_name, title, dict(parameters), output_dir, render_moment())
    executed = temp_sibling(run.executed_dir / f"{briefing_stem(kind, territory, None)}.ipynb")
    provenance: dict[str, Any] = {}
    page_one: dict[str, Any] = {}
    content: str | None = None
    try:
        nb = execute_notebook(notebook_path, executed, parameters, timeout=timeout, kernel=kernel)
        clock.lap("execute")
        provenance = run.provenance(find_provenance(nb))
        page_one = find_page_one(nb)
        content = content_hash(nb, {"title": title, "territory": territory_name,
                                    "snapshot_date": _snapshot(provenance)})
        paths = _publish_outputs(nb, executed, run=run, provenance=provenance, printer=printer, clock=clock)
        status, error, outputs = "ok", None, _relative(paths, output_dir)
    except Exception as failure:  # one failing briefing must not stop a batch
        status, error = "failed", _error_text(failure)
        outputs = _relative(_keep_failed_notebook(executed, run), output_dir)
    finally:
        executed.unlink(missing_ok=True)

    result = BriefingResult(
        kind=kind,
        territory=territory,
        territory_name=territory_name,
        title=title,
        parameters=dict(parameters),
        status=status,
        error=error,
        outputs=outputs,
        snapshot_date=_snapshot(provenance),
        data_hash=provenance.get("data_hash"),
        code_version=code_version(),
        rendered_at=run.rendered_at.isoformat(),
        duration_s=clock.total(),
        content_hash=content if status == "ok" else None,
        page_one=page_one if status == "ok" else {},
        timings=clock.laps,
    )
    if update_catalog:
        catalog.record(output_dir, result.entry())
    return result
