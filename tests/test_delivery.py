"""Delivery against a real SMTP server on the loopback interface (aiosmtpd), messages parsed back."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from helpers.config import MailSettings, mail_settings
from helpers.delivery import ledger
from helpers.delivery.deliver import deliver, report_failure
from helpers.delivery.recipients import RecipientsError, parse_recipients
from helpers.delivery.send import send
from helpers.render import catalog
from helpers.render.digest import key_figures

CARDS = "<html><body><p>…</p></body></html>"
PAGE_ONE = {  # as the notebook leaves it (helpers.presentation.blocks.PageOne.payload)
    "lead": "", "findings": [],
    "key_figures": [
        {"label": "Учителя в «Сферуме»", "fact": "82,4 %", "plan": "80 %", "status": "met",
         "note": "", "status_label": "✓ выполнено"},
        {"label": "Родители в чатах", "fact": "41,0 %", "plan": "60 %", "status": "behind",
         "note": "", "status_label": "✗ не выполнено"}],
    "changes": {"title": "Что изменилось с 9 сентября 2024 г.",
                "items": ["Место по K1: 26 из 89 (+3 места)", "K1: 22,6 % (+1,2 п.п.)"]}}


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001, ANN201 - aiosmtpd's API
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def settings_for(port: int, **changes: object) -> MailSettings:
    values = {"host": "127.0.0.1", "port": port, "security": "none", "user": "", "password": "",
              "sender": "Сферум: мониторинг <briefings@example.org>",
              "catalog_url": "https://reports.example.org/briefings/", "max_attachments_bytes": 10_000_000}
    return MailSettings(**{**values, **changes})  # type: ignore[arg-type]


def publish(output: Path, territory: str = "35", *, name: str = "Рейтинг_Вологодская_область.pdf",
            total: str = "v1", status: str = "ok", pdf: bytes = b"%PDF-1.7\n\xd0\x9f\x00binary") -> bytes:
    folder = output / "regional_ranking" / territory
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(pdf)
    (folder / "page.html").write_text(CARDS, encoding="utf-8")
    catalog.record(output, {
        "kind": "regional_ranking", "territory": territory, "territory_name": "Вологодская область",
        "title": "Рейтинг регионов", "parameters": {"region_code": territory}, "status": status,
        "error": None if status == "ok" else "KeyError: 'k1'\n  строка 2\n  строка 3",
        "snapshot_date": "2024-09-16", "fingerprint": {"total": total}, "page_one": PAGE_ONE,
        "outputs": {"pdf": f"regional_ranking/{territory}/{name}",
                    "html": f"regional_ranking/{territory}/page.html"}})
    return pdf


RECIPIENTS = {"lists": [
    {"name": "Вологодская область", "addresses": ["region-35@example.org", "deputy-35@example.org"],
     "briefings": [{"kind": "regional_ranking", "territories": "region 35"}]},
    {"name": "Министерство", "addresses": ["ministry@example.org"],
     "briefings": [{"kind": "regional_ranking", "territories": "national"}], "meeting_pack": True},
    {"name": "Аналитики", "addresses": ["analysts@example.org"], "failures": True},
]}


def test_a_recipient_gets_one_message_with_subject_figures_and_the_pdf(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    pdf = publish(tmp_path)
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, settings_for(port))
    assert report.sent == 1 and report.failed == 0
    [(to, message)] = inbox.messages
    assert sorted(to) == ["deputy-35@example.org", "region-35@example.org"]
    assert message["Subject"] == "Рейтинг регионов — Вологодская область, данные на 16.09.2024"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "Рейтинг_Вологодская_область.pdf"
    assert attachment.get_content() == pdf
    text = message.get_body(("plain",)).get_content()
    assert "Учителя в «Сферуме»: 82,4 % (план: 80 %) — ✓ выполнено" in text
    changes = text.index("Что изменилось с 9 сентября 2024 г.:")
    assert changes < text.index("– Место по K1") < text.index("Учителя в «Сферуме»")
    assert "Место по K1: 26 из 89 (+3 места)" in message.get_body(("html",)).get_content()
    assert "https://reports.example.org/briefings/index.html" in text
    assert "82,4 %" in message.get_body(("html",)).get_content()


def test_nothing_is_sent_twice_for_the_same_version_and_a_new_version_is_sent(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path)
    recipients = parse_recipients(RECIPIENTS)
    deliver(recipients, tmp_path, settings_for(port))
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 0
    assert len(inbox.messages) == 1
    publish(tmp_path, total="v2")  # re-rendered from changed data
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 1
    assert len(inbox.messages) == 2


def test_a_refused_connection_is_retried_then_reported_and_sent_next_time(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path)
    recipients = parse_recipients(RECIPIENTS)
    closed = settings_for(_free_port(), user="robot", password="s3cret-pass")
    pauses: list[float] = []
    lines: list[str] = []

    def sender(message, settings):  # noqa: ANN001, ANN202
        return send(message, settings, attempts=3, backoff=2.0, sleep=pauses.append, say=lines.append)

    report = deliver(recipients, tmp_path, closed, send_=sender, say=lines.append)
    assert report.failed == 1 and report.exit_code == 1
    assert pauses == [2.0, 4.0]  # three attempts, doubling pauses, no real sleeping
    assert any("3 попытки не удались" in line for line in lines)
    log = (tmp_path / ledger.LEDGER_NAME).read_text(encoding="utf-8")
    assert '"status": "failed"' in log
    assert "s3cret-pass" not in log + "\n".join(lines) + repr(closed)
    assert deliver(recipients, tmp_path, settings_for(port)).sent == 1  # not lost: sent next time
    assert len(inbox.messages) == 1


def test_dry_run_says_what_would_go_to_whom_and_sends_nothing(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path)
    lines: list[str] = []
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, settings_for(port), dry_run=True,
                     say=lines.append)
    assert inbox.messages == [] and report.sent == 0
    assert lines == ["→ Вологодская область <region-35@example.org, deputy-35@example.org>: "
                     "«Рейтинг регионов — Вологодская область, данные на 16.09.2024»; "
                     "вложения: Рейтинг_Вологодская_область.pdf"]
    assert deliver(parse_recipients(RECIPIENTS), tmp_path, settings_for(port)).sent == 1


def test_files_above_the_size_limit_are_sent_as_links(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path, pdf=b"%PDF" + b"0" * 5000)
    deliver(parse_recipients(RECIPIENTS), tmp_path, settings_for(port, max_attachments_bytes=1000))
    [(_, message)] = inbox.messages
    assert list(message.iter_attachments()) == []
    assert ("https://reports.example.org/briefings/regional_ranking/35/"
            "%D0%A0%D0%B5%D0%B9%D1%82%D0%B8%D0%BD%D0%B3") in message.get_body(("plain",)).get_content()


def test_a_failed_run_is_reported_to_the_analysts_with_the_first_error_lines(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path, status="failed")
    report_failure(parse_recipients(RECIPIENTS), tmp_path, settings_for(port), job="weekly",
                   errors=["regional_ranking · Вологодская область: KeyError: 'k1'"])
    [(to, message)] = inbox.messages
    assert to == ["analysts@example.org"]
    assert message["Subject"].startswith("Ошибка формирования справок — задание «weekly», ")
    assert "KeyError: 'k1'" in message.get_content() and "строка 3" in message.get_content()


def test_key_figures_are_read_from_page_one_as_the_notebook_left_it() -> None:
    figures = key_figures({"page_one": PAGE_ONE})
    assert [(f.label, f.fact, f.plan, f.status) for f in figures] == [
        ("Учителя в «Сферуме»", "82,4 %", "80 %", "✓ выполнено"),
        ("Родители в чатах", "41,0 %", "60 %", "✗ не выполнено")]
    assert key_figures({"status": "failed"}) == ()


def test_a_bad_recipients_file_lists_every_problem() -> None:
    with pytest.raises(RecipientsError) as caught:
        parse_recipients({"lists": [
            {"name": "A", "addresses": ["not-an-address"], "briefings": [{"kind": "regional_rankin"}]},
            {"name": "B", "adresses": ["b@example.org"]}]})
    text = "\n".join(caught.value.problems)
    assert "«not-an-address» — не адрес" in text
    assert "«regional_rankin»; возможно, имелось в виду «regional_ranking»" in text
    assert "неизвестный ключ «adresses»; возможно, имелось в виду «addresses»" in text


def test_smtp_settings_come_from_the_environment_or_dotenv(tmp_path: Path, monkeypatch) -> None:
    env = tmp_path / ".env"
    env.write_text("SMTP_HOST=mail.example.org\nSMTP_SECURITY=ssl\nSMTP_PASSWORD=from-dotenv\n"
                   "SMTP_FROM=briefings@example.org\n")
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMTP_USER", "robot")
    mail = mail_settings(env)
    assert (mail.host, mail.port, mail.security, mail.user) == ("mail.example.org", 465, "ssl", "robot")
    assert mail.password == "from-dotenv" and "from-dotenv" not in repr(mail)


def test_a_long_cyrillic_subject_round_trips_exactly(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path, "35")
    publish(tmp_path, "RU", name="Рейтинг_Россия.pdf")
    both = {"lists": [{"name": "Все", "addresses": ["all@example.org"],
                       "briefings": [{"kind": "regional_ranking", "territories": ["RU", "35"]}]}]}
    deliver(parse_recipients(both), tmp_path, settings_for(port))
    [(_, message)] = inbox.messages
    assert message["Subject"] == "Справки мониторинга «Сферума» — 2 справки, данные на 16.09.2024"
    assert sorted(a.get_filename() for a in message.iter_attachments()) == [
        "Рейтинг_Вологодская_область.pdf", "Рейтинг_Россия.pdf"]


def test_a_run_failed_on_bad_exports_reports_the_run_s_own_error_lines(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path)  # an older, good briefing: not part of the report
    report_failure(parse_recipients(RECIPIENTS), tmp_path, settings_for(port), job="weekly",
                   errors=["Проверка и загрузка выгрузок: federal/2024-09-16.xlsx, строка 7: ошибка"],
                   since="2026-12-01T00:00:00+00:00")
    [(_, message)] = inbox.messages
    assert "federal/2024-09-16.xlsx, строка 7" in message.get_content()
    assert "Вологодская" not in message.get_content()
