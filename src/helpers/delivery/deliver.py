"""One delivery: for each recipient list, what is new for it in the catalog, in one message."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from helpers.config import MailSettings
from helpers.delivery import ledger
from helpers.delivery.compose import (
    Item,
    attachments,
    briefings_message,
    failure_message,
    fits,
    item_for,
)
from helpers.delivery.recipients import Recipient
from helpers.delivery.send import ATTEMPTS, PermanentFailure, SendError, send
from helpers.render.catalog import load_manifest
from helpers.render.provenance import render_moment

Sender = Callable[[EmailMessage], None]


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _new_by_addresses(addresses: Sequence[str], wanted: Sequence[Mapping[str, Any]],
                      done: set[tuple[str, str]]) -> dict[tuple[str, ...], list[Mapping[str, Any]]]:
    """Addresses grouped by the same set of briefings new to them (usually one group)."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for address in addresses:
        new = tuple(ledger.version(e) for e in wanted if not ledger.delivered(address, e, done))
        if new:
            groups[new].append(address)
    by_version = {ledger.version(e): e for e in wanted}
    return {tuple(addresses): [by_version[v] for v in versions] for versions, addresses in groups.items()}


def parcels(recipient: Recipient, entries: Sequence[Mapping[str, Any]], done: set[tuple[str, str]],
            say: Callable[[str], None]) -> list[tuple[str, tuple[str, ...], list[Mapping[str, Any]]]]:
    """(label, addresses, briefings) of each message a list gets: one, or one per territory."""
    wanted = [e for e in entries if e.get("status") == "ok" and recipient.wants(e)]
    if not recipient.per_territory:
        return [(recipient.name, addresses, chosen)
                for addresses, chosen in _new_by_addresses(recipient.addresses, wanted, done).items()]
    by_territory: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for entry in wanted:
        by_territory[str(entry.get("territory"))].append(entry)
    found = []
    for code, mine in by_territory.items():
        readers = recipient.readers(code)
        name = str(mine[0].get("territory_name") or code)
        if not readers:
            say(f"! {recipient.name} · {name} ({code}): в файле контактов нет адресов роли "
                f"«{recipient.per_territory}» — справки территории не отправлены")
            continue
        label = recipient.name if name in recipient.name else f"{recipient.name} · {name}"
        found += [(label, addresses, chosen)
                  for addresses, chosen in _new_by_addresses(readers, mine, done).items()]
    return found


def _describe(items: Sequence[Item], message: EmailMessage, excel: bool) -> str:
    files = [p.name for p in attachments(items, excel)] if message.is_multipart() and any(
        part.get_filename() for part in message.iter_attachments()) else []
    what = f"вложения: {', '.join(files)}" if files else "ссылки вместо вложений"
    return f"«{message['Subject']}»; {what}"


def no_links_reason(items: Sequence[Item], recipient: Recipient, settings: MailSettings) -> str | None:
    """Why a message cannot go: its files exceed the limit and there is no catalog to link to."""
    if settings.catalog_url or fits(items, recipient.excel, settings.max_attachments_bytes):
        return None
    size = sum(p.stat().st_size for p in attachments(items, recipient.excel)) / 1024 / 1024
    limit = settings.max_attachments_bytes / 1024 / 1024
    return (f"файлы ({size:.1f} МБ) больше MAIL_MAX_MB ({limit:g} МБ), "
            "а CATALOG_URL не задан — ссылки вели бы на диск сервера: задайте CATALOG_URL=https://… "
            "(где читатели открывают каталог) или увеличьте MAIL_MAX_MB / set CATALOG_URL")


def deliver(recipients: Sequence[Recipient], output_dir: Path, settings: MailSettings, *,
            dry_run: bool = False, send_: Callable[[EmailMessage, MailSettings], Any] | None = None,
            say: Callable[[str], None] = lambda _line: None) -> Report:
    """Send each recipient list (or each of its territories) one message with what is new for it."""
    report = Report()
    entries = load_manifest(output_dir)
    done = ledger.sent(output_dir)
    unreachable = False  # a message failed after every retry: the rest get one try each

    def sender(message: EmailMessage, mail: MailSettings) -> Any:
        if send_ is not None:
            return send_(message, mail)
        return send(message, mail, say=say, attempts=1 if unreachable else ATTEMPTS)

    for recipient in recipients:
        for label, addresses, chosen in parcels(recipient, entries, done, say):
            items = [item_for(e, output_dir) for e in chosen]
            message = briefings_message(items, sender=settings.sender or "briefings@localhost",
                                        addresses=addresses, catalog_url=settings.catalog_url,
                                        excel=recipient.excel, max_bytes=settings.max_attachments_bytes)
            line = f"→ {label} <{', '.join(addresses)}>: {_describe(items, message, recipient.excel)}"
            refused = no_links_reason(items, recipient, settings)
            if dry_run:
                shown = f"✖ {line}\n    не будет отправлено: {refused}" if refused else line
                report.lines.append(shown)
                say(shown)
                continue
            record = {"at": render_moment().isoformat(), "recipient": label,
                      "addresses": list(addresses), "subject": str(message["Subject"]),
                      "versions": [ledger.version(e) for e in chosen]}
            try:
                if refused:
                    raise PermanentFailure(refused)
                sender(message, settings)
            except SendError as exc:
                report.failed += 1
                unreachable = unreachable or not isinstance(exc, PermanentFailure)
                ledger.append(output_dir, [{**record, "status": "failed", "error": str(exc)}])
                report.lines.append(f"✖ {line}\n    {exc}")
                say(f"✖ {line}\n    {exc}")
                continue
            report.sent += 1
            ledger.append(output_dir, [{**record, "status": "sent"}])
            report.lines.append(f"✓ {line}")
            say(f"✓ {line}")
    if not report.lines:
        say("Нового для рассылки нет: всё, что есть в каталоге для адресатов, уже отправлено.")
    return report


def _after(entry: Mapping[str, Any], since: str) -> bool:
    """Rendered at or after ``since`` (ISO 8601; empty: any time)."""
    if not since:
        return True
    try:
        return datetime.fromisoformat(str(entry.get("rendered_at"))) >= datetime.fromisoformat(since)
    except ValueError:
        return False


def report_failure(recipients: Sequence[Recipient], output_dir: Path, settings: MailSettings, *,
                   job: str, errors: Sequence[str], since: str = "",
                   send_: Callable[[EmailMessage, MailSettings], Any] | None = None,
                   say: Callable[[str], None] = lambda _line: None) -> Report:
    """Mail the analysts' lists that a scheduled run failed, with the failed briefings' errors."""
    report = Report()
    failed = [e for e in load_manifest(output_dir) if e.get("status") != "ok" and _after(e, since)]
    sender = send_ or (lambda message, s: send(message, s, say=say))
    for recipient in (r for r in recipients if r.failures and r.addresses):
        # the failed briefings name themselves; the run's own errors matter when none did (bad exports)
        message = failure_message(job, [] if failed else errors, failed,
                                  sender=settings.sender or "briefings@localhost",
                                  addresses=recipient.addresses, catalog_url=settings.catalog_url)
        try:
            sender(message, settings)
        except SendError as exc:
            report.failed += 1
            say(f"✖ отчёт об ошибке для «{recipient.name}» не отправлен: {exc}")
            ledger.append(output_dir, [{"at": render_moment().isoformat(), "recipient": recipient.name,
                                        "addresses": list(recipient.addresses), "status": "failed",
                                        "subject": str(message["Subject"]), "error": str(exc)}])
            continue
        report.sent += 1
        say(f"✓ отчёт об ошибке отправлен: {recipient.name}")
    return report
