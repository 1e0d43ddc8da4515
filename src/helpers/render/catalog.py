"""The catalog of rendered briefings: ``output/manifest.json`` and the page ``output/index.html``.

The manifest holds one entry per (kind, territory, parameters): a new render replaces the
entry of the same key, other entries stay. Entries are plain JSON objects:

``kind``, ``territory``, ``territory_name``, ``title``, ``parameters`` (dict), ``status``
(``ok`` / ``failed``), ``error`` (message or ``null``), ``outputs`` (``html``, ``pdf``,
``xlsx``, ``notebook``: paths relative to the output folder; the executed notebook is kept for
debugging and never linked from the page), ``snapshot_date``, ``data_hash``, ``code_version``,
``rendered_at`` (ISO 8601, Moscow time), ``duration_s``; from the batch also ``section`` and
``section_order`` (the kind's catalog section), ``fingerprint`` and ``reasons`` (why it was
rendered, in words); a failed entry also carries
``last_good`` (``outputs``, ``rendered_at``, ``snapshot_date`` of the last successful render,
whose files stay published) when there was one.

Parallel workers update the catalog under an exclusive lock on ``output/.manifest.lock``;
both files are replaced atomically, so a reader never sees half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from helpers.config import TEMPLATES_DIR
from helpers.render import exporters
from helpers.render.provenance import format_moment, format_parameters, parse_date, render_moment
from helpers.render.publish import atomic_write_text
from helpers.vocabulary import fmt_date

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".manifest.lock"
JOB_RUNS_LOG = "schedule_runs.jsonl"  # written by helpers.schedule; the page shows each job's last run
MANIFEST_VERSION = 1

STATUS_WORDS = {"ok": "готово", "failed": "ошибка"}

Entry = dict[str, Any]

__all__ = [
    "Entry",
    "entry_key",
    "last_job_runs",
    "load_manifest",
    "manifest_lock",
    "merge_entries",
    "merge_entry",
    "parameters_key",
    "record",
    "record_many",
    "render_index",
    "write_catalog",
]


def parameters_key(parameters: Mapping[str, Any]) -> str:
    """The canonical text of a parameter set (sorted keys), to tell parameter sets apart."""
    return json.dumps(parameters, sort_keys=True, ensure_ascii=False, default=str)


def entry_key(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    """(kind, territory, parameters) — the identity of a briefing in the manifest."""
    return entry["kind"], entry["territory"], parameters_key(entry.get("parameters") or {})


UNORDERED = 1000  # an entry without a section order (an older manifest's) sorts after the rest


def _kind_order(entry: Mapping[str, Any]) -> tuple[int, str]:
    """Sections in the order their kinds declare (``section_order``), then by kind."""
    order = entry.get("section_order")
    return (order if isinstance(order, int) else UNORDERED, entry["kind"])


NATIONAL_CODE = "RU"


def _sort_key(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """Kind by kind (the pack first), the national briefing first, then territories by name."""
    name = str(entry.get("territory_name") or entry["territory"])
    national = entry["territory"] != NATIONAL_CODE
    return (*_kind_order(entry), national, name.casefold(), *entry_key(entry)[1:])


def _last_good(previous: Mapping[str, Any]) -> Entry | None:
    if previous.get("status") != "ok":
        return previous.get("last_good")
    return {
        "outputs": previous.get("outputs", {}),
        "rendered_at": previous.get("rendered_at"),
        "snapshot_date": previous.get("snapshot_date"),
    }


def merge_entries(entries: Sequence[Mapping[str, Any]],
                  new_entries: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """``entries`` with each of ``new_entries`` in place of the one of the same key, sorted.

    A failed entry remembers the outputs of the last good render of its key (``last_good``).
    """
    by_key = {entry_key(old): dict(old) for old in entries}
    for entry in new_entries:
        key = entry_key(entry)
        previous = by_key.get(key)
        new = dict(entry)
        if new.get("status") != "ok" and previous is not None:
            new["last_good"] = _last_good(previous)
        by_key[key] = new
    return sorted(by_key.values(), key=_sort_key)


def merge_entry(entries: Sequence[Mapping[str, Any]], entry: Mapping[str, Any]) -> list[Entry]:
    """``entries`` with ``entry`` merged in (see :func:`merge_entries`)."""
    return merge_entries(entries, [entry])


def load_manifest(output_dir: Path) -> list[Entry]:
    """The entries of ``output_dir/manifest.json`` (none if there is no manifest yet)."""
    path = output_dir / MANIFEST_NAME
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))["briefings"])


def _manifest_text(entries: Sequence[Mapping[str, Any]], updated_at: str) -> str:
    document = {"version": MANIFEST_VERSION, "updated_at": updated_at, "briefings": entries}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


@contextlib.contextmanager
def manifest_lock(output_dir: Path) -> Iterator[None]:
    """Hold the catalog's exclusive lock (blocks until other writers are done)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with (output_dir / LOCK_NAME).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- the catalog page -------------------------------------------------------------------------


def _href(relative: str) -> str:
    return quote(relative.replace("\\", "/"))


def _links(outputs: Mapping[str, str] | None) -> list[tuple[str, str]]:
    outputs = outputs or {}
    return [(e.label, _href(outputs[e.key])) for e in exporters.public() if outputs.get(e.key)]


def _date_label(value: Any) -> str:
    day = parse_date(value) if value else None
    return fmt_date(day) if day else "—"


def _moment_label(value: Any) -> str:
    try:
        return format_moment(value) if value else "—"
    except (TypeError, ValueError):
        return str(value)


def _duration_label(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    return f"{seconds:.1f} с".replace(".", ",")


def shown_parameters(entry: Mapping[str, Any]) -> str:
    """The parameters a briefing was rendered with beyond those its territory gives (the batch
    records their names as ``territory_parameters``: a region card's ``highlight_region = 22``
    only repeats «Алтайский край»), as ``name = value`` pairs; all of them for an older entry."""
    implied = set(entry.get("territory_parameters") or ())
    return format_parameters({name: value for name, value in (entry.get("parameters") or {}).items()
                              if name not in implied})


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "catalog"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        links=_links,
        date_label=_date_label,
        moment_label=_moment_label,
        duration_label=_duration_label,
        parameters_label=shown_parameters,
        status_word=lambda status: STATUS_WORDS.get(status, status),
        outcome_word=lambda outcome: JOB_OUTCOME_WORDS.get(outcome, outcome),
    )
    return environment


def _sections(entries: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    ordered = sorted(entries, key=_sort_key)
    sections = []
    for kind, group in groupby(ordered, key=lambda entry: entry["kind"]):
        items = list(group)
        sections.append((items[0].get("section") or items[0].get("title") or kind, items))
    return sections


JOB_OUTCOME_WORDS = {"ok": "готово", "late": "готово с опозданием", "failed": "ошибка",
                     "skipped": "пропущен", "interrupted": "прерван"}


def last_job_runs(output_dir: Path) -> list[Entry]:
    """The last run of each scheduled job (from ``schedule_runs.jsonl``), in order of job name."""
    path = output_dir / JOB_RUNS_LOG
    if not path.exists():
        return []
    last: dict[str, Entry] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("job"):
            last[record["job"]] = record
    return [last[name] for name in sorted(last)]


def render_index(entries: Sequence[Mapping[str, Any]], updated_at: str,
                 job_runs: Sequence[Mapping[str, Any]] = ()) -> str:
    """The catalog page: briefings grouped by kind, with status, time and links; the last run of
    each scheduled job when there are any.

    Links are relative to the output folder, so the page works opened from the file system.
    """
    failed = sum(1 for entry in entries if entry.get("status") != "ok")
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            sections=_sections(entries),
            total=len(entries),
            failed=failed,
            updated_at=updated_at,
            job_runs=job_runs,
        )
    )


def write_catalog(output_dir: Path, entries: Sequence[Mapping[str, Any]]) -> None:
    """Write ``manifest.json`` and ``index.html`` atomically (hold :func:`manifest_lock`)."""
    updated_at = render_moment().isoformat()
    atomic_write_text(output_dir / MANIFEST_NAME, _manifest_text(entries, updated_at))
    atomic_write_text(output_dir / INDEX_NAME, render_index(entries, updated_at, last_job_runs(output_dir)))


def record_many(output_dir: Path, new_entries: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """Merge entries into the manifest and rewrite the catalog once, safely across processes.

    Returns:
        All entries of the manifest after the merge.
    """
    with manifest_lock(output_dir):
        entries = merge_entries(load_manifest(output_dir), new_entries)
        write_catalog(output_dir, entries)
    return entries


def record(output_dir: Path, entry: Mapping[str, Any]) -> list[Entry]:
    """Merge one entry into the manifest and rewrite the catalog (see :func:`record_many`)."""
    return record_many(output_dir, [entry])
