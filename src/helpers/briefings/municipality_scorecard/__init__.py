"""The municipality scorecard: one ОМСУ's schools against the targets, the region and its tasks."""

from helpers.briefings import inputs
from helpers.briefings.declaration import declare
from helpers.config import NOTEBOOKS_DIR
from helpers.warehouse.slices import Reads, TableRead

READS = Reads((
    TableRead("schools"),
    TableRead("school_activity"),
    TableRead("tasks", optional=True),  # every task column of params/tasks.yml
    # every column: the briefing's data hash (its provenance) is taken over the whole reference
    TableRead("municipalities", optional=True),
))

KIND = declare(
    __file__,
    name="municipality_scorecard",
    notebook=NOTEBOOKS_DIR / "municipality_scorecard.ipynb",
    title="Внедрение ИКОП «Сферум»: карточка муниципального образования",
    section="Карточки муниципалитетов",
    order=2,
    levels={"municipality": {"region_code": "{region}", "oktmo": "{territory}"}},
    reads=READS,
    inputs=(inputs.TARGETS, inputs.TASKS, inputs.REGIONS),
)
