"""The municipality scorecard: one ОМСУ's schools against the targets, the region and its tasks."""

from helpers.warehouse.slices import Reads, TableRead

READS = Reads((
    TableRead("schools"),
    TableRead("school_activity"),
    TableRead("tasks", optional=True),  # every task column of params/tasks.yml
    # every column: the briefing's data hash (its provenance) is taken over the whole reference
    TableRead("municipalities", optional=True),
))
