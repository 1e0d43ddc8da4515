"""Provenance of a rendered briefing: what it was made from, by which code, and when.

The renderer reads these keys (the notebook supplies the data ones through
:func:`helpers.presentation.display.show_provenance`; the renderer adds the rest):

=================  =============================================  ==============
key                meaning                                        supplied by
=================  =============================================  ==============
``parameters``     the parameter values of the run (dict)         renderer
``snapshot_date``  date of the data snapshot, ISO ``YYYY-MM-DD``  notebook
``data_hash``      content hash of the data the notebook read     notebook
``code_version``   ``git describe --always --dirty`` or version   renderer
``rendered_at``    render time, ISO 8601 with the Moscow offset   renderer
=================  =============================================  ==============

Other keys a notebook adds are shown as they are.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
from collections.abc import Mapping
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

import helpers
from helpers.config import PROJECT_ROOT
from helpers.vocabulary import fmt_date

# Who signs every output: PDF author, workbook creator.
AUTHOR = "Сферум: мониторинг"
MOSCOW = ZoneInfo("Europe/Moscow")
DISTRIBUTION = "sferum-briefings"

LABELS = {
    "parameters": "Параметры",
    "snapshot_date": "Данные по состоянию на",
    "data_hash": "Контрольная сумма данных",
    "code_version": "Версия программы",
    "rendered_at": "Сформировано",
}

__all__ = [
    "AUTHOR",
    "LABELS",
    "code_version",
    "format_moment",
    "format_parameters",
    "parse_date",
    "provenance_rows",
    "render_moment",
]


@functools.cache
def code_version() -> str:
    """``git describe --always --dirty`` of the project, or the installed package version."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607 -- git from PATH, fixed arguments, no shell
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return _package_version()
    return described.stdout.strip() or _package_version()


def _package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return helpers.__version__


def render_moment() -> dt.datetime:
    """Now, in Moscow time, to the second."""
    return dt.datetime.now(MOSCOW).replace(microsecond=0)


def format_moment(moment: dt.datetime | str) -> str:
    """``2024-09-16T14:05:00+03:00`` → ``16 сентября 2024 г., 14:05 МСК``."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    local = moment.astimezone(MOSCOW) if moment.tzinfo else moment
    return f"{fmt_date(local.date())}, {local:%H:%M} МСК"


def parse_date(value: Any) -> dt.date | None:
    """A date from an ISO string (date or date-time) or a date; ``None`` if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


def format_parameters(parameters: Mapping[str, Any]) -> str:
    """``{"region_code": "35"}`` → ``region_code = 35``, one pair after another."""
    return "; ".join(f"{key} = {_plain(value)}" for key, value in parameters.items())


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _format_value(key: str, value: Any) -> str:
    if key == "parameters" and isinstance(value, Mapping):
        return format_parameters(value)
    if key == "snapshot_date":
        day = parse_date(value)
        return fmt_date(day) if day else _plain(value)
    if key == "rendered_at":
        try:
            return format_moment(value)
        except (TypeError, ValueError):
            return _plain(value)
    return _plain(value)


def provenance_rows(provenance: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Label and value of each provenance entry, in Russian; known keys first, in a fixed order."""
    known = [key for key in LABELS if key in provenance]
    other = [key for key in provenance if key not in LABELS]
    return [(LABELS.get(key, key), _format_value(key, provenance[key])) for key in known + other]
