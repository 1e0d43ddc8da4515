"""Sending with the standard library's ``smtplib``: STARTTLS, SSL or plain, retried with backoff.

The password goes to ``SMTP.login`` and nowhere else: errors name the server and the failure,
never the settings.
"""

from __future__ import annotations

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
    """A message could not be sent after every attempt."""


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    if settings.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def send_once(message: EmailMessage, settings: MailSettings) -> None:
    with _connect(settings) as client:
        if settings.user:
            client.login(settings.user, settings.password)
        client.send_message(message)


def send(message: EmailMessage, settings: MailSettings, *, attempts: int = ATTEMPTS,
         backoff: float = BACKOFF_SECONDS, sleep: Callable[[float], None] = time.sleep,
         say: Callable[[str], None] = lambda _line: None) -> int:
    """Send, retrying a failed attempt after a doubling pause; returns the attempts it took."""
    if not settings.configured:
        raise SendError("не заданы SMTP_HOST и SMTP_FROM (окружение или .env) / SMTP is not configured")
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            send_once(message, settings)
            return attempt
        except (OSError, smtplib.SMTPException) as exc:
            last = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                say(f"  отправка не удалась ({last}); повтор через {backoff * 2 ** (attempt - 1):.0f} с")
                sleep(backoff * 2 ** (attempt - 1))
    tries = counted(attempts, "попытка не удалась", "попытки не удались", "попыток не удались")
    raise SendError(f"{settings.host}:{settings.port}: {tries} — {last}")
