"""Every path and setting of the suite, built from the project root and the environment.

Nothing else in the package hard-codes a path: import the settings from here.
Environment overrides: ``DATA_DIR``, ``OUTPUT_DIR``, ``WAREHOUSE``, ``PERIOD``, ``CHROMIUM``,
``PARAMS_DIR`` (read once, at import),
``SFERUM_SECRET`` (pseudonymisation key; read from ``.env`` when not set).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


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
    )
