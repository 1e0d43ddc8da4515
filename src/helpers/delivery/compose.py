"""The messages: a Russian subject, a short HTML + plain-text body, the PDFs attached.

Key figures and the week's changes come from the briefing's page one as the notebook left it
(its manifest entry's ``page_one``, see :mod:`helpers.render.digest`), not from recomputing each
kind's result nor from the published HTML: they are exactly what the reader's PDF shows,
reading them needs neither the warehouse nor a kernel, and every kind that shows cards gets them
in its mail with no code per kind.

Headers are folded with ``policy.default.clone(max_line_length=998)``: Python 3.11's folding of
long encoded words drops a space at a word boundary («— данные на 16.09.2024» loses a space), and
998 characters (RFC 5322's limit) keeps a Russian subject in one piece.
"""

from __future__ import annotations

import datetime as dt
import html
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from helpers.render import exporters
from helpers.render.digest import KeyFigure as Figure
from helpers.render.digest import PageChanges, key_figures, page_changes
from helpers.render.provenance import parse_date
from helpers.vocabulary import counted, fmt_date

POLICY = policy.default.clone(max_line_length=998)
SUITE = "Сферум: мониторинг"
ATTACHED_NOTE = "PDF приложены к письму."
LINKS_NOTE = "Файлы слишком велики для письма — ссылки выше."
# Without CATALOG_URL there is nowhere a reader could open a link (the output folder is on the
# server's disk): the message carries no link at all, and files that do not fit are not sent.


@dataclass(frozen=True)
class Item:
    """One briefing in a message: its manifest entry and the files under the output folder."""

    entry: Mapping[str, Any]
    figures: tuple[Figure, ...]
    files: Mapping[str, Path]  # exporter key → published file, for those that are attached
    changes: PageChanges = PageChanges()

    @property
    def title(self) -> str:
        return str(self.entry.get("title") or self.entry.get("kind"))

    @property
    def territory(self) -> str:
        return str(self.entry.get("territory_name") or self.entry.get("territory"))

    @property
    def data_date(self) -> dt.date | None:
        return parse_date(self.entry.get("snapshot_date"))


def item_for(entry: Mapping[str, Any], output_dir: Path) -> Item:
    outputs = entry.get("outputs") or {}

    def file(key: str) -> Path | None:
        path = output_dir / outputs[key] if outputs.get(key) else None
        return path if path and path.exists() else None

    files = {e.key: path for e in exporters.EXPORTERS if e.attach and (path := file(e.key))}
    return Item(entry, key_figures(entry), files, page_changes(entry))


def _date_text(day: dt.date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else "—"


def subject(items: Sequence[Item]) -> str:
    """«Рейтинг регионов — Вологодская область, данные на 16.09.2024», or a count for several."""
    dates = [i.data_date for i in items if i.data_date]
    latest = _date_text(max(dates) if dates else None)
    if len(items) == 1:
        return f"{items[0].title} — {items[0].territory}, данные на {latest}"
    many = counted(len(items), "справка", "справки", "справок")
    return f"Справки мониторинга «Сферума» — {many}, данные на {latest}"


def link(base: str, relative: str) -> str:
    return base.rstrip("/") + "/" + quote(relative.replace("\\", "/"))


def _catalog_line(catalog_url: str) -> list[str]:
    return [f"Все справки: {link(catalog_url, 'index.html')}"] if catalog_url else []


def _plain(items: Sequence[Item], catalog_url: str, attached: bool) -> str:
    lines = ["Здравствуйте!", "", "Новые справки мониторинга «Сферума»:", ""]
    for item in items:
        lines.append(f"• {item.title} — {item.territory}, данные на {_date_text(item.data_date)}")
        if item.changes.items:  # the week's most important changes lead, then the key figures
            lines.append(f"    {item.changes.title or 'Что изменилось'}:")
            lines.extend(f"    – {change}" for change in item.changes.items)
        lines.extend(f"    {f.label}: {f.fact} (план: {f.plan}) — {f.status}" for f in item.figures)
        outputs = item.entry.get("outputs") or {}
        if not attached and catalog_url and outputs.get("pdf"):
            lines.append(f"    PDF: {link(catalog_url, outputs['pdf'])}")
    lines += ["", ATTACHED_NOTE if attached else LINKS_NOTE, *_catalog_line(catalog_url), "", f"— {SUITE}"]
    return "\n".join(lines) + "\n"


def _html(items: Sequence[Item], catalog_url: str, attached: bool) -> str:
    e = html.escape
    parts = ["<p>Здравствуйте!</p><p>Новые справки мониторинга «Сферума»:</p>"]
    for item in items:
        outputs = item.entry.get("outputs") or {}
        page = (f' (<a href="{e(link(catalog_url, outputs["html"]))}">открыть</a>)'
                if outputs.get("html") and catalog_url else "")
        parts.append(f"<h3>{e(item.title)} — {e(item.territory)}</h3>"
                     f"<p>Данные на {e(_date_text(item.data_date))}{page}</p>")
        if item.changes.items:  # the week's most important changes lead, then the key figures
            changes = "".join(f"<li>{e(change)}</li>" for change in item.changes.items)
            parts.append(f"<p><b>{e(item.changes.title or 'Что изменилось')}</b></p><ul>{changes}</ul>")
        if item.figures:
            rows = "".join(f"<tr><td>{e(f.label)}</td><td><b>{e(f.fact)}</b></td><td>план: {e(f.plan)}</td>"
                           f"<td>{e(f.status)}</td></tr>" for f in item.figures)
            parts.append(f'<table cellpadding="4" style="border-collapse:collapse">{rows}</table>')
        if not attached and catalog_url and outputs.get("pdf"):
            parts.append(f'<p><a href="{e(link(catalog_url, outputs["pdf"]))}">PDF</a></p>')
    note = ATTACHED_NOTE if attached else LINKS_NOTE
    catalog = f' <a href="{e(link(catalog_url, "index.html"))}">Все справки</a>.' if catalog_url else ""
    parts.append(f"<p>{note}{catalog}</p><p>— {e(SUITE)}</p>")
    return "<html><body>" + "".join(parts) + "</body></html>"


def attachments(items: Sequence[Item], excel: bool) -> list[Path]:
    """The files to attach, format by format: those always attached (PDF), and those on request
    (Excel, when the recipient list asks for it)."""
    wanted = [e.key for e in exporters.EXPORTERS
              if e.attach == "always" or (excel and e.attach == "on_request")]
    return [i.files[key] for key in wanted for i in items if key in i.files]


def fits(items: Sequence[Item], excel: bool, max_bytes: int) -> bool:
    """Whether the message's files together stay within ``max_bytes`` (``MAIL_MAX_MB``)."""
    return sum(p.stat().st_size for p in attachments(items, excel)) <= max_bytes


def _attach(message: EmailMessage, path: Path) -> None:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    maintype, subtype = kind.split("/", 1)
    message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)


def _envelope(sender: str, addresses: Sequence[str], title: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = title
    message["From"] = sender
    message["To"] = ", ".join(addresses)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    return message


def briefings_message(items: Sequence[Item], *, sender: str, addresses: Sequence[str],
                      catalog_url: str, excel: bool, max_bytes: int) -> EmailMessage:
    """One message with every new briefing for a recipient; links instead of files above ``max_bytes``."""
    files = attachments(items, excel)
    attached = fits(items, excel, max_bytes)
    message = _envelope(sender, addresses, subject(items))
    message.set_content(_plain(items, catalog_url, attached))
    message.add_alternative(_html(items, catalog_url, attached), subtype="html")
    if attached:
        for path in files:
            _attach(message, path)
    return message


def failure_message(job: str, failures: Sequence[str], failed_entries: Sequence[Mapping[str, Any]], *,
                    sender: str, addresses: Sequence[str], catalog_url: str) -> EmailMessage:
    """The analysts' report of a failed scheduled run: what failed and the first lines of each error."""
    today = fmt_date(dt.date.today())
    message = _envelope(sender, addresses, f"Ошибка формирования справок — задание «{job}», {today}")
    lines = [f"Запуск задания «{job}» завершился с ошибкой.", ""]
    lines += [f"• {line}" for line in failures]
    for entry in failed_entries:
        first = "\n    ".join(str(entry.get("error") or "").strip().splitlines()[:5])
        lines.append(f"• {entry.get('title') or entry.get('kind')} — "
                     f"{entry.get('territory_name') or entry.get('territory')}:\n    {first}")
    kept = "Прежние версии справок остаются в каталоге"
    kept += f": {link(catalog_url, 'index.html')}" if catalog_url else "."
    lines += ["", kept, "Подробности: make schedule-status", "", f"— {SUITE}"]
    message.set_content("\n".join(lines) + "\n")
    return message
