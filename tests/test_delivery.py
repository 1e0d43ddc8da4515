"""Delivery against a real SMTP server on the loopback interface (aiosmtpd), messages parsed back."""

from __future__ import annotations

import email
import smtplib
import socket
import ssl
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from helpers.config import MailSettings, mail_settings
from helpers.delivery import ledger
from helpers.delivery.__main__ import main as delivery_main
from helpers.delivery.deliver import deliver, report_failure
from helpers.delivery.recipients import RecipientsError, parse_recipients
from helpers.delivery.send import SendError, _auth_plain_utf8, permanent_reason, send
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


# --- the ministry's mail server: STARTTLS with the organisation's CA, AUTH, settings checked ------

USER, PASSWORD = "robot@example.org", "пароль-Ёж-2026"  # a Cyrillic password, as a ministry's IT sets


class Authenticator:
    """aiosmtpd authenticator: one user, the password compared as the UTF-8 bytes it arrives in."""

    def __init__(self, password: str = PASSWORD) -> None:
        self.password = password
        self.tries: list[str] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN204 - aiosmtpd's API
        self.tries.append(mechanism)
        ok = auth_data.login == USER.encode() and auth_data.password == self.password.encode()
        return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def organisation_ca() -> trustme.CA:
    return trustme.CA(organization_name="Министерство просвещения (тест)")


@pytest.fixture
def ministry_smtp(organisation_ca: trustme.CA,
                  tmp_path: Path) -> Iterator[tuple[Inbox, int, Path, Authenticator]]:
    """A server that requires STARTTLS before AUTH, with a certificate of the organisation's own CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    organisation_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path / "organisation-ca.pem"
    organisation_ca.cert_pem.write_to_path(str(ca_file))
    inbox, port, authenticator = Inbox(), _free_port(), Authenticator()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_required=True)
    controller.start()
    try:
        yield inbox, port, ca_file, authenticator
    finally:
        controller.stop()


def test_starttls_with_the_organisation_s_ca_and_a_cyrillic_password_delivers(tmp_path: Path,
                                                                                ministry_smtp) -> None:
    inbox, port, ca_file, authenticator = ministry_smtp
    publish(tmp_path)
    mail = settings_for(port, security="starttls", user=USER, password=PASSWORD, ca_file=str(ca_file))
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, mail)
    assert (report.sent, report.failed) == (1, 0)
    assert authenticator.tries == ["PLAIN"]  # RFC 4616: UTF-8, which smtplib's login cannot encode
    [(to, message)] = inbox.messages
    assert message["Subject"] == "Рейтинг регионов — Вологодская область, данные на 16.09.2024"


def test_an_ascii_password_logs_in_as_smtplib_does(tmp_path: Path, ministry_smtp) -> None:
    inbox, port, ca_file, authenticator = ministry_smtp
    authenticator.password = "s3cret-pass"
    publish(tmp_path)
    mail = settings_for(port, security="starttls", user=USER, password="s3cret-pass", ca_file=str(ca_file))
    assert deliver(parse_recipients(RECIPIENTS), tmp_path, mail).sent == 1
    assert len(inbox.messages) == 1


def test_an_untrusted_certificate_fails_at_once_and_says_to_set_the_ca_file(tmp_path: Path,
                                                                            ministry_smtp) -> None:
    inbox, port, _ca_file, _auth = ministry_smtp
    publish(tmp_path)
    pauses: list[float] = []
    lines: list[str] = []

    def sender(message, settings):  # noqa: ANN001, ANN202
        return send(message, settings, sleep=pauses.append, say=lines.append)

    mail = settings_for(port, security="starttls", user=USER, password=PASSWORD)
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, mail, send_=sender, say=lines.append)
    assert report.failed == 1 and pauses == []  # no retry: a retry cannot cure a certificate
    text = "\n".join(lines)
    assert "сертификат сервера не подтверждён" in text and "SMTP_CA_FILE" in text
    assert PASSWORD not in text + (tmp_path / ledger.LEDGER_NAME).read_text(encoding="utf-8")
    assert inbox.messages == []


def test_a_wrong_password_fails_at_once_with_what_to_check_and_other_lists_are_still_tried(
        tmp_path: Path, ministry_smtp) -> None:
    _inbox, port, ca_file, authenticator = ministry_smtp
    publish(tmp_path)
    publish(tmp_path, "RU", name="Рейтинг_Россия.pdf")
    pauses: list[float] = []
    lines: list[str] = []

    def sender(message, settings):  # noqa: ANN001, ANN202
        return send(message, settings, sleep=pauses.append, say=lines.append)

    mail = settings_for(port, security="starttls", user=USER, password="Неверный", ca_file=str(ca_file))
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, mail, send_=sender, say=lines.append)
    assert report.failed == 2 and pauses == []  # both lists tried, neither retried
    assert "сервер отклонил имя или пароль (535): проверьте SMTP_USER и SMTP_PASSWORD" in "\n".join(lines)
    assert authenticator.tries == ["PLAIN", "PLAIN"]


def test_credentials_never_go_in_plain_text_when_the_server_offers_no_starttls(tmp_path: Path, smtp) -> None:
    inbox, port = smtp  # a plain server without STARTTLS
    publish(tmp_path)
    lines: list[str] = []
    mail = settings_for(port, security="starttls", user=USER, password=PASSWORD)
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, mail, say=lines.append)
    assert report.failed == 1 and inbox.messages == []
    assert "не поддерживает STARTTLS" in "\n".join(lines)


def test_a_transient_refusal_is_retried_and_a_5xx_is_not() -> None:
    transient = smtplib.SMTPServerDisconnected("connection lost")
    mail = settings_for(25)
    assert permanent_reason(transient, mail) is None
    assert permanent_reason(smtplib.SMTPDataError(451, b"try later"), mail) is None
    assert "552" in str(permanent_reason(smtplib.SMTPDataError(552, b"too big"), mail))


@pytest.mark.parametrize(("name", "value", "says"), [
    ("SMTP_SECURITY", "tls", "SMTP_SECURITY='tls': допустимо starttls, ssl или none"),
    ("SMTP_PORT", "abc", "SMTP_PORT='abc': ожидается номер порта"),
    ("SMTP_PASSWORD", "", "SMTP_USER задан, а SMTP_PASSWORD нет"),
    ("SMTP_CA_FILE", "/nonexistent/ca.pem", "SMTP_CA_FILE=/nonexistent/ca.pem: файл не прочитан"),
    ("CATALOG_URL", "file:///srv/output/", "CATALOG_URL='file:///srv/output/': ожидается адрес http"),
])
def test_a_bad_setting_is_one_line_exit_2_and_nothing_sent(tmp_path: Path, smtp, monkeypatch, capsys,
                                                           name: str, value: str, says: str) -> None:
    inbox, port = smtp
    output = tmp_path / "output"
    publish(output)
    for variable, setting in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none",
                              "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD, "SMTP_FROM": "b@example.org",
                              "CATALOG_URL": "", "SMTP_CA_FILE": "", "OUTPUT_DIR": str(output),
                              name: value}.items():
        monkeypatch.setenv(variable, setting)
    monkeypatch.setattr("helpers.config.ENV_FILE", tmp_path / "none.env")
    assert delivery_main([]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert inbox.messages == [] and not (output / ledger.LEDGER_NAME).exists()


def test_a_cyrillic_password_the_server_cannot_take_is_refused_in_one_line(tmp_path: Path) -> None:
    class NoPlain:
        esmtp_features = {"auth": "CRAM-MD5 LOGIN"}

        def ehlo_or_helo_if_needed(self) -> None:
            pass

    with pytest.raises(SendError, match="не предлагает AUTH PLAIN"):
        _auth_plain_utf8(NoPlain(), USER, PASSWORD)  # type: ignore[arg-type]


# --- links only where readers can open them ------------------------------------------------------

def test_without_catalog_url_mail_carries_no_link_to_the_server_s_disk(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path)
    deliver(parse_recipients(RECIPIENTS), tmp_path, settings_for(port, catalog_url=""))
    [(_, message)] = inbox.messages
    body = message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()
    assert "file:" not in body and str(tmp_path) not in body
    assert [a.get_filename() for a in message.iter_attachments()] == ["Рейтинг_Вологодская_область.pdf"]


def test_files_too_large_without_catalog_url_are_not_sent_and_it_says_to_set_it(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    publish(tmp_path, pdf=b"%PDF" + b"0" * 5000)
    lines: list[str] = []
    mail = settings_for(port, catalog_url="", max_attachments_bytes=1000)
    dry = deliver(parse_recipients(RECIPIENTS), tmp_path, mail, dry_run=True, say=lines.append)
    assert "не будет отправлено" in dry.lines[0] and "CATALOG_URL" in dry.lines[0]
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, mail, say=lines.append)
    assert report.failed == 1 and inbox.messages == []
    assert "задайте CATALOG_URL" in "\n".join(lines)


# --- every territory its own readers: the contacts file ------------------------------------------

CONTACTS = ("Код территории;Роль;Территория;Адреса\n"
            "35;ОУО региона;Вологодская область;education-35@example.org\n"
            "19605000;ОМСУ;Бабаевский;omsu-babaevo@example.org\n"
            "19608000;ОМСУ;Бабушкинский;\"omsu-babushkino@example.org; glava-babushkino@example.org\"\n")
PER_MUNICIPALITY = {"contacts": "contacts.csv", "lists": [
    {"name": "Муниципалитеты", "per_territory": "ОМСУ",
     "briefings": [{"kind": "municipality_scorecard", "territories": "municipalities of 35"}]}]}


def publish_scorecard(output: Path, oktmo: str, name: str) -> None:
    folder = output / "municipality_scorecard" / oktmo
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{oktmo}.pdf").write_bytes(b"%PDF-1.7 " + oktmo.encode())
    catalog.record(output, {
        "kind": "municipality_scorecard", "territory": oktmo, "territory_name": name,
        "title": "Карточка муниципалитета", "parameters": {"oktmo": oktmo}, "status": "ok",
        "snapshot_date": "2024-09-16", "fingerprint": {"total": "v1"},
        "outputs": {"pdf": f"municipality_scorecard/{oktmo}/{oktmo}.pdf"}})


def contacts_in(folder: Path, text: str = CONTACTS, name: str = "contacts.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / "recipients.yml"


def test_each_municipality_gets_only_its_own_briefings(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    output = tmp_path / "output"
    for oktmo, name in [("19605000", "Бабаевский"), ("19608000", "Бабушкинский"),
                        ("19610000", "Белозерский")]:
        publish_scorecard(output, oktmo, name)
    lines: list[str] = []
    recipients = parse_recipients(PER_MUNICIPALITY, contacts_in(tmp_path / "params"))
    report = deliver(recipients, output, settings_for(port), say=lines.append)
    assert report.sent == 2
    got = {tuple(sorted(to)): [a.get_filename() for a in m.iter_attachments()] for to, m in inbox.messages}
    assert got == {("omsu-babaevo@example.org",): ["19605000.pdf"],
                   ("glava-babushkino@example.org", "omsu-babushkino@example.org"): ["19608000.pdf"]}
    assert any("Белозерский" in line and "нет адресов роли «ОМСУ»" in line for line in lines)


def test_dry_run_shows_which_territory_goes_to_whom(tmp_path: Path, smtp) -> None:
    inbox, port = smtp
    output = tmp_path / "output"
    publish_scorecard(output, "19605000", "Бабаевский")
    lines: list[str] = []
    recipients = parse_recipients(PER_MUNICIPALITY, contacts_in(tmp_path / "params"))
    deliver(recipients, output, settings_for(port), dry_run=True, say=lines.append)
    assert lines == ["→ Муниципалитеты · Бабаевский <omsu-babaevo@example.org>: «Карточка муниципалитета "
                     "— Бабаевский, данные на 16.09.2024»; вложения: 19605000.pdf"]
    assert inbox.messages == []


def test_unknown_codes_and_malformed_addresses_are_refused_with_file_and_row(tmp_path: Path) -> None:
    bad = (CONTACTS + "19999000;ОМСУ;Нет такого;x@example.org\n"
           "19610000;ОМСУ;Белозерский;omsu-belozersk(at)example.org\n"
           "19612000;;Вашкинский;omsu-vashki@example.org\n")
    with pytest.raises(RecipientsError) as caught:
        parse_recipients(PER_MUNICIPALITY, contacts_in(tmp_path, bad))
    text = "\n".join(caught.value.problems)
    assert "contacts.csv, строка 5: неизвестный код территории «19999000»" in text
    assert "contacts.csv, строка 6: «omsu-belozersk(at)example.org» — не адрес электронной почты" in text
    assert "contacts.csv, строка 7: не указана роль" in text


def test_a_role_the_contacts_file_does_not_have_is_refused_with_a_hint(tmp_path: Path) -> None:
    wrong = {**PER_MUNICIPALITY, "lists": [{**PER_MUNICIPALITY["lists"][0], "per_territory": "ОМСУ района"}]}
    with pytest.raises(RecipientsError, match="роли «ОМСУ района» нет в contacts.csv"):
        parse_recipients(wrong, contacts_in(tmp_path))


def test_an_excel_contacts_file_with_codes_as_numbers_is_read(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Код территории", "Роль", "Адреса"])
    sheet.append([19605000, "ОМСУ", "omsu-babaevo@example.org"])
    sheet.append([35, "ОУО региона", "education-35@example.org"])
    book.save(tmp_path / "contacts.xlsx")
    recipients = parse_recipients({**PER_MUNICIPALITY, "contacts": "contacts.xlsx"},
                                  tmp_path / "recipients.yml")
    contacts = recipients[0].contacts
    assert contacts is not None
    assert contacts.addresses("омсу", "19605000") == ("omsu-babaevo@example.org",)
    assert contacts.addresses("ОУО региона", "35") == ("education-35@example.org",)


def test_the_shipped_recipients_and_contacts_example_is_valid_and_on_example_org() -> None:
    from helpers.delivery.recipients import load_recipients

    recipients = {r.name: r for r in load_recipients()}
    municipalities = recipients["Муниципалитеты Вологодской области"]
    assert municipalities.per_territory == "ОМСУ"
    assert municipalities.readers("19605000") == ("omsu-19605000@example.org",)
    every = [a for r in recipients.values() for a in r.addresses]
    every += [a for r in recipients.values() if r.contacts
              for codes in r.contacts.by_role.values() for addresses in codes.values() for a in addresses]
    assert every and all(a.endswith("@example.org") for a in every)


def test_once_the_server_is_unreachable_the_other_messages_are_tried_once_without_pauses(
        tmp_path: Path, monkeypatch) -> None:
    output = tmp_path / "output"
    for oktmo, name in [("19605000", "Бабаевский"), ("19608000", "Бабушкинский")]:
        publish_scorecard(output, oktmo, name)
    pauses: list[float] = []
    monkeypatch.setattr("helpers.delivery.send.time.sleep", pauses.append)
    recipients = parse_recipients(PER_MUNICIPALITY, contacts_in(tmp_path / "params"))
    report = deliver(recipients, output, settings_for(_free_port()))
    assert report.failed == 2
    assert pauses == [5.0, 10.0]  # the first message's retries only: 28 territories do not wait 7 min
