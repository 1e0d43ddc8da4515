"""Sending with the standard library's ``smtplib``: STARTTLS, SSL or plain; transient failures retried.

The connection is encrypted as ``SMTP_SECURITY`` says and never less: with ``starttls`` a server
that does not offer STARTTLS is refused, not talked to in plain text. The certificate is checked
against the system's CAs and ``SMTP_CA_FILE`` (the organisation's own CA). A password with
characters beyond ASCII (which ``smtplib`` cannot encode) is sent as AUTH PLAIN in UTF-8
(RFC 4616). Failures no retry can cure — a certificate, a refused login (535), any other 5xx
reply, a server without STARTTLS — end at once with what to set; only transient ones (the
connection, 4xx replies) are tried again after a doubling pause.

The password goes to the server and nowhere else: errors name the server and the failure,
never the settings.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage

from helpers.config import MailSettings
from helpers.vocabulary import counted

ATTEMPTS = 3
BACKOFF_SECONDS = 5.0
TIMEOUT_SECONDS = 60.0


class SendError(RuntimeError):
    """A message could not be sent after every attempt (or at once, when retrying cannot help)."""


class PermanentFailure(SendError):
    """A failure no retry can cure; the message says what to set."""


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    """The system's trusted CAs, plus the organisation's CA of ``SMTP_CA_FILE`` when given."""
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=settings.ca_file)
    return context


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                context=tls_context(settings))
    client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    if settings.security == "starttls":
        try:
            client.starttls(context=tls_context(settings))  # raises when the server does not offer it
        except BaseException:
            client.close()
            raise
    return client


def _auth_plain_utf8(client: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN with the user and password in UTF-8 (RFC 4616), for what ``login`` cannot encode."""
    client.ehlo_or_helo_if_needed()
    mechanisms = client.esmtp_features.get("auth", "").upper().split()
    if not mechanisms:
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    if "PLAIN" not in mechanisms:
        raise PermanentFailure(
            "пароль или имя содержат символы не из ASCII, а сервер не предлагает AUTH PLAIN "
            f"(предлагает: {', '.join(mechanisms) or 'ничего'}) — смените пароль на ASCII или включите "
            "PLAIN на сервере / non-ASCII credentials need AUTH PLAIN")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = client.docmd("AUTH", "PLAIN " + token)
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, reply)


def _login(client: smtplib.SMTP, settings: MailSettings) -> None:
    if (settings.user + settings.password).isascii():
        client.login(settings.user, settings.password)
    else:
        _auth_plain_utf8(client, settings.user, settings.password)


def send_once(message: EmailMessage, settings: MailSettings) -> None:
    with _connect(settings) as client:
        if settings.user:
            _login(client, settings)
        client.send_message(message)


def permanent_reason(exc: BaseException, settings: MailSettings) -> str | None:
    """What to do about a failure no retry can cure; ``None`` for a transient one."""
    if isinstance(exc, PermanentFailure):
        return str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        where = f"SMTP_CA_FILE={settings.ca_file} его не подтверждает" if settings.ca_file else \
            "задайте SMTP_CA_FILE=путь к сертификату УЦ организации (PEM)"
        return (f"сертификат сервера не подтверждён ({exc.verify_message}): {where} / "
                "server certificate not trusted: set SMTP_CA_FILE to the organisation's CA (PEM)")
    if isinstance(exc, ssl.SSLError):
        return (f"TLS не установлен ({exc.reason or exc}): проверьте SMTP_SECURITY и SMTP_PORT "
                "(starttls — обычно 587, ssl — 465) / TLS handshake failed")
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "AUTH" in str(exc).upper():
        return ("сервер не предлагает вход (AUTH) на этом соединении — обычно он доступен только после "
                "STARTTLS: SMTP_SECURITY=starttls или ssl; без входа — уберите SMTP_USER / "
                "server offers no AUTH here")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return (f"сервер не поддерживает STARTTLS ({exc}): письма без шифрования не отправляются; "
                "SMTP_SECURITY=ssl для порта 465 или SMTP_SECURITY=none, если сервер в доверенной сети / "
                "server offers no STARTTLS")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"сервер отклонил имя или пароль ({exc.smtp_code}): проверьте SMTP_USER и SMTP_PASSWORD / "
                "authentication failed")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in exc.recipients.values()}
        if all(code >= 500 for code in codes):
            refused = ", ".join(f"{a} ({code} {text.decode(errors='replace')})"
                                for a, (code, text) in exc.recipients.items())
            return f"сервер отказался принять адреса: {refused} — проверьте их / recipients refused"
        return None
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"сервер отказал ({exc.smtp_code} {text}) — повтор не поможет / permanent failure"
    if isinstance(exc, (UnicodeError, ValueError)):
        return f"письмо не может быть отправлено ({type(exc).__name__}: {exc})"
    return None


def send(message: EmailMessage, settings: MailSettings, *, attempts: int = ATTEMPTS,
         backoff: float = BACKOFF_SECONDS, sleep: Callable[[float], None] | None = None,
         say: Callable[[str], None] = lambda _line: None) -> int:
    """Send, retrying a transient failure after a doubling pause; returns the attempts it took."""
    pause = sleep or time.sleep
    if not settings.configured:
        raise PermanentFailure("не заданы SMTP_HOST и SMTP_FROM (окружение или .env) / "
                               "SMTP is not configured")
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            send_once(message, settings)
            return attempt
        except (OSError, smtplib.SMTPException, UnicodeError, ValueError) as exc:
            reason = permanent_reason(exc, settings)
            if reason is not None:
                raise PermanentFailure(f"{settings.host}:{settings.port}: {reason}") from exc
            last = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                say(f"  отправка не удалась ({last}); повтор через {backoff * 2 ** (attempt - 1):.0f} с")
                pause(backoff * 2 ** (attempt - 1))
    tries = counted(attempts, "попытка не удалась", "попытки не удались", "попыток не удались")
    raise SendError(f"{settings.host}:{settings.port}: {tries} — {last}")
