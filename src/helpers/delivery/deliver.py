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
from helpers.delivery.compose import Item, attachments, briefings_message, failure_message, item_for
from helpers.delivery.recipients import Recipient
from helpers.delivery.send import SendError, send
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


def _new_by_addresses(recipient: Recipient, entries: Sequence[Mapping[str, Any]],
                      done: set[tuple[str, str]]) -> dict[tuple[str, ...], list[Mapping[str, Any]]]:
    """Addresses grouped by the same set of briefings new to them (usually one group)."""
    wanted = [e for e in entries if e.get("status") == "ok" and recipient.wants(e)]
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for address in recipient.addresses:
        new = tuple(ledger.version(e) for e in wanted if not ledger.delivered(address, e, done))
        if new:
            groups[new].append(address)
    by_version = {ledger.version(e): e for e in wanted}
    return {tuple(addresses): [by_version[v] for v in versions] for versions, addresses in groups.items()}


def _describe(items: Sequence[Item], message: EmailMessage, excel: bool) -> str:
    files = [p.name for p in attachments(items, excel)] if message.is_multipart() and any(
        part.get_filename() for part in message.iter_attachments()) else []
    what = f"вложения: {', '.join(files)}" if files else "ссылки вместо вложений"
    return f"«{message['Subject']}»; {what}"


def deliver(recipients: Sequence[Recipient], output_dir: Path, settings: MailSettings, *,
            dry_run: bool = False, send_: Callable[[EmailMessage, MailSettings], Any] | None = None,
            say: Callable[[str], None] = lambda _line: None) -> Report:
    """Send each recipient list one message with what is new for it; record every send."""
    report = Report()
    entries = load_manifest(output_dir)
    done = ledger.sent(output_dir)
    sender = send_ or (lambda message, s: send(message, s, say=say))
    for recipient in recipients:
        for addresses, chosen in _new_by_addresses(recipient, entries, done).items():
            items = [item_for(e, output_dir) for e in chosen]
            message = briefings_message(items, sender=settings.sender or "briefings@localhost",
                                        addresses=addresses, catalog_url=settings.catalog_url,
                                        excel=recipient.excel, max_bytes=settings.max_attachments_bytes)
            what = _describe(items, message, recipient.excel)
            line = f"→ {recipient.name} <{', '.join(addresses)}>: {what}"
            if dry_run:
                report.lines.append(line)
                say(line)
                continue
            record = {"at": render_moment().isoformat(), "recipient": recipient.name,
                      "addresses": list(addresses), "subject": str(message["Subject"]),
                      "versions": [ledger.version(e) for e in chosen]}
            try:
                sender(message, settings)
            except SendError as exc:
                report.failed += 1
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
    for recipient in (r for r in recipients if r.failures):
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
