"""Delivery against Debian's postfix, as a ministry's IT staff set it up (``make test-mta``, opt-in).

A private postfix instance (its own configuration, queue and Maildir under ``tmp_path``, listening
on a free port of 127.0.0.1 only): STARTTLS with a certificate of the organisation's own CA (a
test CA), SASL authentication (Cyrus, sasldb) offered only after STARTTLS, every address of
example.org delivered to one Maildir. Needs root and the packages ``postfix`` and ``sasl2-bin``
(``make test-mta`` installs them non-interactively); skipped otherwise.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
import trustme
from test_delivery import RECIPIENTS, _free_port, publish, settings_for

from helpers.delivery.deliver import deliver
from helpers.delivery.recipients import parse_recipients
from helpers.delivery.send import send

pytestmark = [pytest.mark.slow, pytest.mark.mta]

USER, PASSWORD = "robot", "пароль-Ёж-2026"  # a Cyrillic password, as the ministry's IT set it
DOMAIN = "mta.test"
MAIN_CF = """compatibility_level = 3.6
queue_directory = {d}/spool
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = {domain}
mydomain = {domain}
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
biff = no
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
virtual_mailbox_domains = example.org
virtual_mailbox_base = {d}/mail
virtual_mailbox_maps = regexp:{d}/etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
smtpd_tls_cert_file = {d}/etc/server.pem
smtpd_tls_key_file = {d}/etc/server.key
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = {d}/etc/sasl
smtpd_sasl_local_domain = {domain}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
"""
SASL_CONF = ("pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: {d}/sasldb/sasldb2\n"
             "mech_list: PLAIN LOGIN\n")


@dataclass
class Postfix:
    folder: Path
    port: int
    ca_file: Path

    def inbox(self, count: int, timeout: float = 30) -> list[email.message.EmailMessage]:
        """The messages delivered to the Maildir, once ``count`` have arrived (or after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            files = sorted((self.folder / "mail" / "inbox" / "new").glob("*")) \
                if (self.folder / "mail" / "inbox" / "new").exists() else []
            if len(files) >= count or time.monotonic() > deadline:
                return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
            time.sleep(0.2)

    def log(self) -> str:
        path = self.folder / "maillog"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _postfix_command(config: Path, action: str) -> subprocess.CompletedProcess[str]:
    # postfix writes its own errors to the terminal only: ``script`` gives it one
    return subprocess.run(["script", "-qc", f"postfix -c {config} {action}", "/dev/null"],
                          capture_output=True, text=True, timeout=60, check=False)


def _master_cf(port: int) -> str:
    """Debian's master.cf with smtpd on 127.0.0.1:PORT and no service chrooted (no copies of
    the configuration under the queue)."""
    lines = [f"127.0.0.1:{port} inet n - n - - smtpd"]
    for line in Path("/etc/postfix/master.cf").read_text().splitlines():
        fields = line.split()
        if not fields or line.startswith("#") or (fields[:2] == ["smtp", "inet"]):
            continue
        if not line[0].isspace() and len(fields) > 4:
            fields[4] = "n"
            line = " ".join(fields)
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def postfix() -> Iterator[Postfix]:
    if os.geteuid() != 0 or not shutil.which("postfix") or not shutil.which("saslpasswd2") \
            or not Path("/etc/postfix/master.cf").exists():
        pytest.skip("needs root and Debian's postfix and sasl2-bin: make test-mta installs them")
    # not under pytest's owner-only tmp folders: postfix's own users must reach their files
    folder = Path(tempfile.mkdtemp(prefix="sferum-postfix-"))
    folder.chmod(0o755)
    for sub in ("etc/sasl", "spool", "data", "mail", "sasldb"):
        (folder / sub).mkdir(parents=True)
    ca = trustme.CA(organization_name="Министерство просвещения (тест)")
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    certificate.private_key_pem.write_to_path(str(folder / "etc" / "server.key"))
    certificate.cert_chain_pems[0].write_to_path(str(folder / "etc" / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "organisation-ca.pem"))
    port = _free_port()
    (folder / "etc" / "main.cf").write_text(MAIN_CF.format(d=folder, domain=DOMAIN))
    (folder / "etc" / "master.cf").write_text(_master_cf(port))
    (folder / "etc" / "vmailbox").write_text("/.*/ inbox/\n")
    (folder / "etc" / "sasl" / "smtpd.conf").write_text(SASL_CONF.format(d=folder))
    subprocess.run(["saslpasswd2", "-f", str(folder / "sasldb" / "sasldb2"), "-p", "-c", "-u", DOMAIN, USER],
                   input=PASSWORD.encode(), check=True, timeout=30)
    for path in (folder / "data", folder / "sasldb", folder / "sasldb" / "sasldb2"):
        shutil.chown(path, user="postfix")
    shutil.chown(folder / "mail", user=65534, group=65534)  # type: ignore[arg-type]
    started = _postfix_command(folder / "etc", "start")
    try:
        deadline = time.monotonic() + 30
        while "daemon started" not in (folder / "maillog").read_text(errors="replace") \
                if (folder / "maillog").exists() else True:
            if time.monotonic() > deadline:
                pytest.fail(f"postfix did not start: {started.stdout}")
            time.sleep(0.2)
        yield Postfix(folder, port, folder / "organisation-ca.pem")
    finally:
        _postfix_command(folder / "etc", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _settings(server: Postfix, **changes: object):  # noqa: ANN202
    values = {"security": "starttls", "user": USER, "password": PASSWORD, "ca_file": str(server.ca_file),
              "sender": "Сферум: мониторинг <briefings@mta.test>"}
    return settings_for(server.port, **{**values, **changes})


def test_postfix_with_the_organisation_s_ca_and_a_cyrillic_password_delivers(tmp_path: Path,
                                                                              postfix: Postfix) -> None:
    pdf = publish(tmp_path)
    before = len(postfix.inbox(0, timeout=0))
    report = deliver(parse_recipients(RECIPIENTS), tmp_path, _settings(postfix))
    assert (report.sent, report.failed) == (1, 0)
    messages = postfix.inbox(before + 1)
    message = messages[-1]
    assert message["Subject"] == "Рейтинг регионов — Вологодская область, данные на 16.09.2024"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content() == pdf
    assert "starttls=1 auth=1" in postfix.log()  # postfix's own record of the session


def test_postfix_s_certificate_without_the_ca_file_fails_at_once_saying_what_to_set(
        tmp_path: Path, postfix: Postfix) -> None:
    pauses: list[float] = []
    with pytest.raises(Exception, match="SMTP_CA_FILE"):
        send(email.message.EmailMessage(), _settings(postfix, ca_file=""), sleep=pauses.append)
    assert pauses == []


def test_a_wrong_password_is_postfix_s_535_and_is_not_retried(postfix: Postfix) -> None:
    pauses: list[float] = []
    with pytest.raises(Exception, match=r"сервер отклонил имя или пароль \(535\)"):
        send(email.message.EmailMessage(), _settings(postfix, password="неверный"), sleep=pauses.append)
    assert pauses == []


def test_credentials_are_not_offered_to_postfix_in_plain_text(postfix: Postfix) -> None:
    with pytest.raises(Exception, match="AUTH"):  # postfix offers AUTH only after STARTTLS
        send(email.message.EmailMessage(), _settings(postfix, security="none"), sleep=lambda _s: None)
