"""The meeting pack: one PDF and one HTML for the weekly meeting, from the rendered briefings.

``python -m helpers.batch.pack [--force]`` (``make pack``) reads ``params/meeting.yml`` (the
meeting, its weekday, which briefings in which order) and the catalog's manifest, and publishes
``OUTPUT_DIR/meeting_pack/meeting_pack_<date>.pdf`` and ``.html`` with its own manifest entry,
listed first in the catalog.

The route: the briefings' HTML bodies go into ONE document that Chromium prints once — tagged,
with an outline and ``/Lang``. Merging the separate PDFs (pypdf, pikepdf) would drop their tags
and language, and printing one document is fast (docs/performance.md: 85 briefings, 342 pages,
about 2.5 s). Each briefing keeps its running header through a CSS named page (``@page bN`` with an
``@top-left`` margin box); page numbers run through the pack (``counter(page)``/``pages``). The
contents' page numbers come from a first print: its named destinations say where each briefing
starts; a second print fills them in (the contents take the same room either way, which the
build checks).

Incremental: the pack is rebuilt only when its fingerprint — the meeting file, the code, the
meeting day, and each included briefing's own fingerprint and status — changed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markupsafe import Markup
from pypdf import PdfReader

from helpers import vocabulary as words
from helpers.batch.fingerprint import code_hash, template_hash
from helpers.config import PARAMS_DIR, TEMPLATES_DIR, settings
from helpers.errors import BadInput
from helpers.render import catalog, exporters
from helpers.render.digest import PageChanges, page_changes
from helpers.render.html import BriefingHead, running_title, status_css
from helpers.render.pdf import ClippedLayout, PdfPrinter, finish_pdf, pdf_metadata
from helpers.render.provenance import format_moment, parse_date, render_moment
from helpers.render.publish import atomic_write_bytes, atomic_write_text, temp_sibling

PACK_KIND = "meeting_pack"
HTML, PDF = exporters.by_key("html"), exporters.by_key("pdf")  # the pack reads and writes these
PACK_SECTION = "Материалы к совещанию"  # the catalog's first section
MEETING_FILE = PARAMS_DIR / "meeting.yml"
WEEKDAYS = {name: number for number, names in enumerate((
    ("monday", "понедельник"), ("tuesday", "вторник"), ("wednesday", "среда"),
    ("thursday", "четверг"), ("friday", "пятница"), ("saturday", "суббота"),
    ("sunday", "воскресенье"))) for name in names}
_LOWEST = re.compile(r"^lowest\s+(\d+)\s+by\s+k1$", re.IGNORECASE)
_REGION = re.compile(r"^region\s+(\d{2})$", re.IGNORECASE)
_MAIN = re.compile(r'<main class="briefing">(.*)</main>', re.DOTALL)
_ID = re.compile(r'\b(id|href|xlink:href)="(#?)([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_H1_END = re.compile(r"</h1>")


class PackError(BadInput):
    """The meeting file or the output folder cannot make a pack (one line per problem)."""


@dataclass(frozen=True)
class PackItem:
    """One line of the meeting file: a briefing kind and which of its territories."""

    kind: str
    territories: str | tuple[str, ...]


@dataclass(frozen=True)
class Meeting:
    """``params/meeting.yml``: the meeting's title, weekday and briefings in order."""

    title: str
    weekday: int
    items: tuple[PackItem, ...]
    text: str = ""  # the file as written, for the fingerprint


@dataclass(frozen=True)
class PackResult:
    """What ``make pack`` did: built or up to date, where, how many pages and briefings."""

    built: bool
    pdf: Path
    pages: int = 0
    briefings: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def load_meeting(path: Path = MEETING_FILE) -> Meeting:
    """The meeting file, checked; raises :class:`PackError` naming every problem."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    problems = []
    weekday = str(data.get("weekday", "monday")).strip().lower()
    if weekday not in WEEKDAYS:
        problems.append(f"{path.name}: день недели «{weekday}» не распознан (monday…sunday, "
                        "понедельник…воскресенье)")
    items = []
    for number, line in enumerate(data.get("briefings") or [], start=1):
        if not isinstance(line, dict) or not line.get("kind"):
            problems.append(f"{path.name}, справка {number}: нужен вид справки (kind)")
            continue
        territories = line.get("territories", "all")
        items.append(PackItem(str(line["kind"]), tuple(str(t) for t in territories)
                              if isinstance(territories, list) else str(territories)))
    if not items:
        problems.append(f"{path.name}: не перечислены справки (briefings)")
    if problems:
        raise PackError("\n".join(problems))
    return Meeting(str(data.get("title") or "Совещание"), WEEKDAYS.get(weekday, 0), tuple(items), text)


def meeting_date(today: dt.date, weekday: int) -> dt.date:
    """The meeting's day: the first ``weekday`` (Monday = 0) on or after ``today``."""
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7)


def _matches(item: PackItem, entry: Mapping[str, Any], lowest: Callable[[int], list[str]]
             ) -> bool:
    territory = str(entry["territory"])
    wanted = item.territories
    if isinstance(wanted, tuple):
        return territory in wanted
    if wanted == "all":
        return True
    if wanted == "national":
        return territory == "RU"
    if wanted == "regions":
        return len(territory) == 2
    if (region := _REGION.match(wanted)) is not None:
        return territory == region.group(1)
    if (low := _LOWEST.match(wanted)) is not None:
        return territory in lowest(int(low.group(1)))
    raise PackError(f"{MEETING_FILE.name}: территории «{wanted}» не распознаны (national, regions, "
                    "all, region 35, lowest 5 by k1 или список кодов)")


def _order(item: PackItem, entry: Mapping[str, Any], lowest: Callable[[int], list[str]]) -> int:
    """Position within an item: the order of an explicit list or of the lowest regions."""
    wanted = item.territories
    if isinstance(wanted, tuple):
        return wanted.index(str(entry["territory"]))
    if isinstance(wanted, str) and (low := _LOWEST.match(wanted)) is not None:
        return lowest(int(low.group(1))).index(str(entry["territory"]))
    return 0


def select_entries(meeting: Meeting, entries: Sequence[Mapping[str, Any]],
                   lowest: Callable[[int], list[str]]) -> list[Mapping[str, Any]]:
    """The manifest entries of the pack, in the meeting file's order, each once."""
    chosen: list[Mapping[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for item in meeting.items:
        matching = [e for e in entries if e["kind"] == item.kind and _matches(item, e, lowest)]
        for entry in sorted(matching, key=lambda e: _order(item, e, lowest)):
            if catalog.entry_key(entry) not in seen:
                seen.add(catalog.entry_key(entry))
                chosen.append(entry)
    return chosen


def lowest_regions_by_k1(count: int) -> list[str]:
    """The ``count`` regions with the lowest K1 on the data date (``PERIOD`` or the latest)."""
    from helpers.briefings.regional_ranking import build  # the warehouse is read only when asked

    ranking = build.load(period=settings().period)
    return ranking.regions.sort_values(["k1", "region_code"])["region_code"].head(count).tolist()


def pack_fingerprint(meeting: Meeting, day: dt.date, entries: Sequence[Mapping[str, Any]]) -> str:
    """What the pack depends on: the meeting file, the code and templates, the day and each
    briefing's version."""
    parts = [meeting.text, code_hash(), template_hash(), day.isoformat()]
    parts += [json.dumps([catalog.entry_key(e), e.get("status"), (e.get("fingerprint") or {}).get("total"),
                          e.get("rendered_at")], ensure_ascii=False) for e in entries]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def briefing_body(page: str, prefix: str, territory: str = "") -> str:
    """The content of a briefing page (inside ``<main>``), its ids and links made unique, and
    ``territory`` added to its title (the first ``<h1>``): the pack's bookmarks are made from
    the headings, and several briefings of one kind share a title."""
    found = _MAIN.search(page)
    body = found.group(1) if found else page
    body = _ID.sub(lambda m: f'{m[1]}="{m[2]}{prefix}-{m[3]}"' if m[1] == "id" or m[2] else m[0], body)
    if territory:
        # on a line of its own, its spaces unbreakable: Chromium builds a bookmark from the
        # heading's lines and drops the space at a line break (a non-breaking one it keeps)
        unbreakable = Markup.escape(" ".join(territory.split())).replace(" ", "\u00a0")
        mark = Markup('\u00a0<br><span class="pack-territory">—\u00a0{}</span></h1>').format(
            unbreakable)
        body = _H1_END.sub(lambda _: str(mark), body, count=1)
    return _URL_REF.sub(lambda m: f"url(#{prefix}-{m[1]})", body)


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string literal in a <style> element (quotes, backslashes
    and angle brackets escaped, so a name can neither end the string nor the element)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return escaped.replace("<", "\\3C ").replace(">", "\\3E ")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "pack"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(date=words.fmt_date, date_short=words.fmt_date_short, css_string=css_string,
                       counted=lambda number, forms: words.counted(number, *forms))
    return env


def _item(number: int, entry: Mapping[str, Any], output_dir: Path) -> dict[str, Any]:
    snapshot = parse_date(entry.get("snapshot_date"))
    ok = entry.get("status") == "ok" and bool((entry.get("outputs") or {}).get(HTML.key))
    head = BriefingHead(entry.get("title", ""), entry.get("territory_name", ""), snapshot)
    body, changes = "", PageChanges()
    if ok:
        page = (output_dir / entry["outputs"][HTML.key]).read_text(encoding="utf-8")
        body = briefing_body(page, f"b{number}", str(entry.get("territory_name") or ""))
        changes = page_changes(entry)
    error = str(entry.get("error") or "нет файла справки").splitlines()[0][:200]
    return {"number": number, "ok": ok, "title": entry.get("title", entry["kind"]),
            "territory_name": entry.get("territory_name", entry["territory"]), "snapshot": snapshot,
            "running_title": running_title(head), "body": Markup(body), "changes": changes,
            "error": error}


def pack_html(meeting: Meeting, day: dt.date, items: Sequence[Mapping[str, Any]],
              pages: Mapping[int, int], rendered_at: str) -> str:
    """The pack as one HTML document (``pages``: briefing number → its first page)."""
    ready = [i for i in items if i["ok"]]
    data_day = max((i["snapshot"] for i in ready if i["snapshot"]), default=None)
    lead = next((i for i in ready if i["changes"].items), None)  # the first briefing's, the country's
    return _environment().get_template("index.html.j2").render(
        title=meeting.title, meeting_day=day, data_day=data_day, items=items, pages=pages, lead=lead,
        ready=len(ready), failed=len(items) - len(ready), rendered_at=rendered_at,
        briefing_css=_stylesheet("briefing", "briefing.css"), status_css=Markup(status_css()),
        pack_css=_stylesheet("pack", "pack.css"))


def _stylesheet(folder: str, name: str) -> Markup:
    """A stylesheet of the templates, trusted as written (not HTML-escaped)."""
    return Markup((TEMPLATES_DIR / folder / name).read_text(encoding="utf-8"))


def first_pages(pdf: bytes) -> dict[int, int]:
    """Briefing number → the page (1-based) its section starts on, from the named destinations."""
    reader = PdfReader(io.BytesIO(pdf))
    starts = {}
    for name, destination in reader.named_destinations.items():
        if (found := re.fullmatch(r"/?b(\d+)", str(name))) is not None:
            page = reader.get_destination_page_number(destination)
            if page is not None:
                starts[int(found.group(1))] = page + 1
    return starts


def _print(html_path: Path, text: str, printer: PdfPrinter) -> bytes:
    """Print ``text`` from a temporary file next to ``html_path`` (published only at the end)."""
    draft = temp_sibling(html_path)
    try:
        draft.write_text(text, encoding="utf-8")
        return printer.render_document(draft)
    finally:
        draft.unlink(missing_ok=True)


def _page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def build_pack(output_dir: Path, *, today: dt.date | None = None, force: bool = False,
               printer: PdfPrinter | None = None, meeting_file: Path = MEETING_FILE,
               lowest: Callable[[int], list[str]] = lowest_regions_by_k1) -> PackResult:
    """Build (or confirm up to date) the meeting pack from the briefings in ``output_dir``."""
    meeting = load_meeting(meeting_file)
    day = meeting_date(today or render_moment().date(), meeting.weekday)
    entries = [e for e in catalog.load_manifest(output_dir) if e["kind"] != PACK_KIND]
    if not entries:
        raise PackError(f"В {output_dir} нет сформированных справок: сначала `make briefings` / "
                        "no rendered briefings yet")
    chosen = select_entries(meeting, entries, cache(lowest))
    if not chosen:
        raise PackError(f"{meeting_file.name}: ни одна сформированная справка не подходит / "
                        "no rendered briefing matches the meeting file")
    stem = f"{PACK_KIND}_{day.isoformat()}"
    pdf_path, html_path = (output_dir / PACK_KIND / f"{stem}{PDF.suffix}",
                           output_dir / PACK_KIND / f"{stem}{HTML.suffix}")
    print_ = pack_fingerprint(meeting, day, chosen)
    previous = next((e for e in catalog.load_manifest(output_dir) if e["kind"] == PACK_KIND), None)
    if (not force and previous and (previous.get("fingerprint") or {}).get("total") == print_
            and pdf_path.exists()):
        return PackResult(False, pdf_path, int(previous.get("pages", 0)), len(chosen))
    with PdfPrinter() if printer is None else contextlib.nullcontext(printer) as used:
        return _publish(meeting, day, chosen, output_dir, pdf_path, html_path, print_, used)


def _publish(meeting: Meeting, day: dt.date, chosen: Sequence[Mapping[str, Any]], output_dir: Path,
             pdf_path: Path, html_path: Path, print_: str, printer: PdfPrinter) -> PackResult:
    moment = render_moment()
    items = [_item(number, entry, output_dir) for number, entry in enumerate(chosen, start=1)]
    draft = _print(html_path, pack_html(meeting, day, items, {}, format_moment(moment)), printer)
    pages = first_pages(draft)
    final_html = pack_html(meeting, day, items, pages, format_moment(moment))
    pdf = _print(html_path, final_html, printer)
    if first_pages(pdf) != pages:
        raise PackError("содержание сдвинуло страницы справок / the contents moved the briefings")
    ready = [i for i in items if i["ok"]]
    provenance = {"meeting_date": day.isoformat(), "briefings": len(ready),
                  "rendered_at": moment.isoformat()}
    title = f"{meeting.title} · {words.fmt_date(day)}"
    atomic_write_bytes(pdf_path, finish_pdf(pdf, final_html, pdf_metadata(title, provenance)))
    atomic_write_text(html_path, final_html)
    count = _page_count(pdf)
    data_day = max((i["snapshot"] for i in ready if i["snapshot"]), default=None)
    catalog.record(output_dir, {
        "kind": PACK_KIND, "territory": "RU", "territory_name": "Российская Федерация",
        "title": meeting.title, "parameters": {}, "status": "ok", "error": None,
        "outputs": {HTML.key: str(html_path.relative_to(output_dir)),
                    PDF.key: str(pdf_path.relative_to(output_dir))},
        "snapshot_date": data_day.isoformat() if data_day else None, "rendered_at": moment.isoformat(),
        "meeting_date": day.isoformat(), "pages": count, "briefings": len(ready),
        "failed_briefings": len(items) - len(ready), "fingerprint": {"total": print_},
        "section": PACK_SECTION, "section_order": 0,
    })
    notes = [f"не сформирована: {i['title']} · {i['territory_name']}" for i in items if not i["ok"]]
    return PackResult(True, pdf_path, count, len(ready), len(items) - len(ready), notes)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.batch.pack [--force]``: build the meeting pack; exit 2 on bad input."""
    parser = argparse.ArgumentParser(prog="python -m helpers.batch.pack",
                                     description="Материалы к совещанию одним PDF (params/meeting.yml).")
    parser.add_argument("--force", action="store_true", help="собрать заново, даже если ничего не изменилось")
    args = parser.parse_args(argv)
    output_dir = settings().output_dir
    try:
        result = build_pack(output_dir, force=args.force)
    except PackError as problem:
        sys.stderr.write(f"{problem}\n")
        return 2
    except ClippedLayout as clipped:
        sys.stderr.write(f"Материалы не собраны: {clipped}\n")
        return 1
    for note in result.notes:
        sys.stderr.write(f"Внимание: {note} — отмечено в содержании.\n")
    state = "собраны" if result.built else "актуальны"
    sys.stdout.write(f"Материалы к совещанию {state}: справок {result.briefings}, страниц "
                     f"{result.pages} → {result.pdf}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
