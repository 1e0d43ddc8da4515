"""Migration readiness: a region's chats on the target platform, its old chats, its schools' index."""

from helpers.warehouse.slices import Reads, TableRead

READS = Reads((
    TableRead("schools"),
    # every column of municipalities: name_alt and kind are unused but part of the data hash
    TableRead("municipalities", optional=True,
              columns=("region_code", "oktmo", "name", "name_alt", "kind")),
    TableRead("chats"),
    TableRead("chat_members", columns=("snapshot_date", "chat_id", "member_id", "role", "last_seen",
                                       "exported_at")),
    TableRead("school_activity"),
    TableRead("parents", columns=("snapshot_date",)),
))
