"""The params and reference files briefings read, each declared once with its loader.

A kind lists the ones its build reads (``BriefingKind.inputs``); the batch re-renders exactly
the kinds that declare a file when it changes, and says so in its words («цели (targets.yml)»).
:func:`load` reads a kind's files in one place and hands them to its pure ``build``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from helpers.briefings.declaration import InputFile
from helpers.config import PARAMS_DIR
from helpers.indicators.campaigns import load_campaigns, load_tasks
from helpers.indicators.kpis import load_targets
from helpers.warehouse.reference import REGIONS_FILE, read_regions

TARGETS = InputFile("targets", PARAMS_DIR / "targets.yml", "цели", load_targets)
TASKS = InputFile("tasks", PARAMS_DIR / "tasks.yml", "задачи", load_tasks)
CAMPAIGNS = InputFile("campaigns", PARAMS_DIR / "campaigns.yml", "кампании", load_campaigns)
REGIONS = InputFile("regions", REGIONS_FILE, "справочник регионов", read_regions)

ALL = (TARGETS, TASKS, CAMPAIGNS, REGIONS)


def load(inputs: Iterable[InputFile]) -> dict[str, Any]:
    """Each file read by its loader, by key: the params a kind's ``build`` takes."""
    return {item.key: item.load(item.path) for item in inputs}
