"""Diary authorization gaps: who cannot log in to the electronic diary via Госуслуги, and why."""

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
