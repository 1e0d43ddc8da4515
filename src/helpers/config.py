"""Every path and setting of the suite, built from the project root and the environment.

Nothing else in the package hard-codes a path: import the settings from here.
Environment overrides: ``DATA_DIR``, ``OUTPUT_DIR``, ``WAREHOUSE``, ``PERIOD``, ``CHROMIUM``,
``WORKER_DIR`` (a cluster worker's copies of the warehouse and scratch folder),
``PARAMS_DIR`` and ``KINDS_PATH`` (read once, at import),
``SFERUM_SECRET`` (pseudonymisation key; read from ``.env`` when not set); for delivery
``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_SECURITY``, ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_FROM``,
``SMTP_CA_FILE``, ``CATALOG_URL``, ``MAIL_MAX_MB`` (from the environment or ``.env``; checked).
``CRON_SERVER_TZ`` (the zone crontab lines are exported in; default the system clock's).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from helpers.errors import BadInput

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
ENV_FILE = PROJECT_ROOT / ".env"


class ParamsError(BadInput):
    """A file of ``params/`` cannot be used; ``problems`` has one line per problem (all of them
    are reported at once, not the first only)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _path_from_env(name: str, default: Path) -> Path:
    """A path from the environment; a relative one is taken from the project root (as make runs)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    path = Path(value).expanduser()
    return (path if path.is_absolute() else PROJECT_ROOT / path).resolve()


@dataclass(frozen=True)
class Settings:
    """Run-time settings: where the data, the warehouse and the outputs live."""

    data_dir: Path
    output_dir: Path
    warehouse: Path
    period: str
    chromium: str
    worker_dir: Path  # a Dask worker's own folder: warehouse versions it received, scratch

    @property
    def federal_dir(self) -> Path:
        return self.data_dir / "federal"

    def region_dir(self, region_code: str) -> Path:
        return self.data_dir / "regions" / region_code


PARAMS_DIR = _path_from_env("PARAMS_DIR", PROJECT_ROOT / "params")  # batches, targets, schedule…


def _paths_from_env(name: str) -> tuple[Path, ...]:
    """Folders from a ``:``-separated variable, each resolved as :func:`_path_from_env` does."""
    return tuple((path if path.is_absolute() else PROJECT_ROOT / path).resolve()
                 for path in (Path(part).expanduser()
                              for part in os.environ.get(name, "").split(os.pathsep) if part.strip()))


EXTRA_KINDS_DIRS = _paths_from_env("KINDS_PATH")  # briefing kinds kept outside the project


def default_chromium() -> str:
    """The Chromium binary for PDF printing: ``CHROMIUM`` or the first one found on this machine."""
    configured = os.environ.get("CHROMIUM", "").strip()
    if configured:
        return configured
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if Path(candidate).exists():
            return candidate
    return "chromium"


def server_timezone(environ: Mapping[str, str] = os.environ, root: Path = Path("/")) -> str:
    """The zone of the server's clock, which cron reads its lines in: ``CRON_SERVER_TZ`` (to export
    for another machine), else ``/etc/localtime`` or ``/etc/timezone`` (not ``TZ``: the cron
    daemon does not see the shell's), else UTC."""
    configured = environ.get("CRON_SERVER_TZ", "").strip()
    if configured:
        return configured
    localtime = root / "etc" / "localtime"
    if localtime.is_symlink() and "zoneinfo/" in os.readlink(localtime):
        return os.readlink(localtime).split("zoneinfo/", 1)[1]
    named = root / "etc" / "timezone"
    if named.exists() and named.read_text(encoding="utf-8").strip():
        return named.read_text(encoding="utf-8").strip()
    return "UTC"


def settings() -> Settings:
    """Settings as the environment gives them now (read on every call, so tests can override)."""
    data_dir = _path_from_env("DATA_DIR", PROJECT_ROOT / "data" / "demo")
    return Settings(
        data_dir=data_dir,
        output_dir=_path_from_env("OUTPUT_DIR", PROJECT_ROOT / "output"),
        warehouse=_path_from_env("WAREHOUSE", PROJECT_ROOT / "data" / "warehouse.duckdb"),
        period=os.environ.get("PERIOD", "").strip(),
        chromium=default_chromium(),
        worker_dir=_path_from_env("WORKER_DIR", PROJECT_ROOT / "data" / "worker"),
    )


def _env(name: str, default: str = "", env_file: Path = ENV_FILE) -> str:
    """A setting from the environment, else from ``.env`` (git-ignored), else the default."""
    value = os.environ.get(name, "").strip()
    if not value and env_file.exists():
        value = (dotenv_values(env_file).get(name) or "").strip()
    return value or default


class MailSettingsError(ValueError):
    """A delivery setting that cannot be used: one line saying which and what to set."""


@dataclass(frozen=True)
class MailSettings:
    """How briefings are mailed. The password is kept out of every repr, log and output."""

    host: str
    port: int
    security: str  # starttls, ssl or none
    user: str
    sender: str
    catalog_url: str  # where readers open the catalog (http/https); empty: no links, files attached
    max_attachments_bytes: int
    password: str = field(default="", repr=False)
    ca_file: str = ""  # PEM with the organisation's CA, trusted besides the system's

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)


SMTP_SECURITY = ("starttls", "ssl", "none")


def _port(text: str) -> int:
    """``SMTP_PORT`` as a number from 1 to 65535."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise MailSettingsError(f"SMTP_PORT={text!r}: ожидается номер порта 1–65535 (587 для starttls, "
                                "465 для ssl) / SMTP_PORT must be a port number")
    return int(text)


def _security(text: str) -> str:
    """``SMTP_SECURITY``: one of starttls, ssl, none — never guessed, never downgraded."""
    if text not in SMTP_SECURITY:
        raise MailSettingsError(f"SMTP_SECURITY={text!r}: допустимо starttls, ssl или none (без шифрования — "
                                "только явно) / SMTP_SECURITY must be starttls, ssl or none")
    return text


def _catalog_url(text: str) -> str:
    """``CATALOG_URL``: an http(s) address readers can open, or empty (no links in mail)."""
    if text and not re.match(r"^https?://[^\s/]+", text):
        raise MailSettingsError(f"CATALOG_URL={text!r}: ожидается адрес http:// или https://, по которому "
                                "читатели открывают каталог / CATALOG_URL must be an http(s) URL")
    return text


def _max_bytes(text: str) -> int:
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes < 1e6:
        raise MailSettingsError(f"MAIL_MAX_MB={text!r}: ожидается число мегабайт / "
                                "MAIL_MAX_MB must be a number")
    return int(megabytes * 1024 * 1024)


def _ca_file(text: str) -> str:
    """``SMTP_CA_FILE``: a readable PEM file holding at least one certificate."""
    if not text:
        return ""
    path = Path(text).expanduser()
    try:
        pem = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise MailSettingsError(f"SMTP_CA_FILE={text}: файл не прочитан ({exc.strerror}) / "
                                "SMTP_CA_FILE cannot be read") from exc
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise MailSettingsError(f"SMTP_CA_FILE={text}: в файле нет сертификата в формате PEM "
                                "(-----BEGIN CERTIFICATE-----) / SMTP_CA_FILE is not a PEM certificate")
    return str(path.resolve())


def mail_settings(env_file: Path = ENV_FILE) -> MailSettings:
    """SMTP and link settings from the environment or ``.env``, checked (``MailSettingsError``)."""
    security = _security(_env("SMTP_SECURITY", "starttls", env_file).lower())
    default_port = {"ssl": "465", "none": "25"}.get(security, "587")
    user, password = _env("SMTP_USER", "", env_file), _env("SMTP_PASSWORD", "", env_file)
    if user and not password:
        raise MailSettingsError("SMTP_USER задан, а SMTP_PASSWORD нет: задайте пароль (окружение или .env) "
                                "или уберите SMTP_USER / SMTP_USER without SMTP_PASSWORD")
    return MailSettings(
        host=_env("SMTP_HOST", "", env_file),
        port=_port(_env("SMTP_PORT", default_port, env_file)),
        security=security,
        user=user,
        sender=_env("SMTP_FROM", "", env_file),
        catalog_url=_catalog_url(_env("CATALOG_URL", "", env_file)),
        max_attachments_bytes=_max_bytes(_env("MAIL_MAX_MB", "10", env_file)),
        password=password,
        ca_file=_ca_file(_env("SMTP_CA_FILE", "", env_file)),
    )
