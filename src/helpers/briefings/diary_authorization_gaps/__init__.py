"""Diary authorization gaps: who cannot log in to the electronic diary via Госуслуги, and why."""

from helpers.briefings import inputs
from helpers.briefings.declaration import declare
from helpers.config import NOTEBOOKS_DIR
from helpers.warehouse.slices import Reads, TableRead

READS = Reads((
    TableRead("schools"),
    TableRead("municipalities", optional=True, columns=("region_code", "oktmo", "name")),
    TableRead("school_activity", optional=True,
              columns=("region_code", "snapshot_date", "school_id", "pupils_total")),
    TableRead("pupils"),
    TableRead("parents"),
    TableRead("parent_children"),
    # oktmo: not used by the build, but in the data hash of the briefing's provenance since before
    TableRead("tasks", optional=True,
              columns=("region_code", "snapshot_date", "level", "unit_id", "school_id", "oktmo",
                       "auth_info")),
))

KIND = declare(
    __file__,
    name="diary_authorization_gaps",
    notebook=NOTEBOOKS_DIR / "diary_authorization_gaps.ipynb",
    title="Вход в электронный дневник через Госуслуги: пробелы авторизации",
    section="Вход в электронный дневник через Госуслуги",
    order=4,
    levels={"region": {"region_code": "{territory}"},
            "municipality": {"region_code": "{region}", "oktmo": "{territory}"}},
    reads=READS,
    inputs=(inputs.TARGETS, inputs.TASKS, inputs.REGIONS),
)
