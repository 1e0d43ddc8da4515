"""Every path and setting of the suite, built from the project root and the environment.

Nothing else in the package hard-codes a path: import the settings from here.
Environment overrides: ``DATA_DIR``, ``OUTPUT_DIR``, ``WAREHOUSE``, ``PERIOD``, ``CHROMIUM``,
``WORKER_DIR`` (a cluster worker's copies of the warehouse and scratch folder),
``PARAMS_DIR`` (read once, at import),
``SFERUM_SECRET`` (pseudonymisation key; read from ``.env`` when not set); for delivery
``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_SECURITY``, ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_FROM``,
``CATALOG_URL``, ``MAIL_MAX_MB`` (from the environment or ``.env``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
ENV_FILE = PROJECT_ROOT / ".env"


class ParamsError(ValueError):
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


PARAMS_DIR = _path_from_env("PARAMS_DIR", PROJECT_ROOT / "params")  # batches, kinds, targets


def default_chromium() -> str:
    """The Chromium binary for PDF printing: ``CHROMIUM`` or the first one found on this machine."""
    configured = os.environ.get("CHROMIUM", "").strip()
    if configured:
        return configured
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if Path(candidate).exists():
            return candidate
    return "chromium"


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


@dataclass(frozen=True)
class MailSettings:
    """How briefings are mailed. The password is kept out of every repr, log and output."""

    host: str
    port: int
    security: str  # starttls, ssl or none
    user: str
    sender: str
    catalog_url: str  # where readers open the catalog; file links are relative to it
    max_attachments_bytes: int
    password: str = field(default="", repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)


SMTP_SECURITY = ("starttls", "ssl", "none")


def mail_settings(env_file: Path = ENV_FILE) -> MailSettings:
    """SMTP and link settings from the environment or ``.env`` (Make variables are exported)."""
    security = _env("SMTP_SECURITY", "starttls", env_file).lower()
    default_port = {"ssl": "465", "none": "25"}.get(security, "587")
    output = settings().output_dir
    return MailSettings(
        host=_env("SMTP_HOST", "", env_file),
        port=int(_env("SMTP_PORT", default_port, env_file)),
        security=security,
        user=_env("SMTP_USER", "", env_file),
        sender=_env("SMTP_FROM", "", env_file),
        catalog_url=_env("CATALOG_URL", output.as_uri() + "/", env_file),
        max_attachments_bytes=int(float(_env("MAIL_MAX_MB", "10", env_file)) * 1024 * 1024),
        password=_env("SMTP_PASSWORD", "", env_file),
    )
