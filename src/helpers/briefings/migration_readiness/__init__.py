"""Migration readiness: a region's chats on the target platform, its old chats, its schools' index."""

from helpers.briefings import inputs
from helpers.briefings.declaration import declare
from helpers.config import NOTEBOOKS_DIR
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

KIND = declare(
    __file__,
    name="migration_readiness",
    notebook=NOTEBOOKS_DIR / "migration_readiness.ipynb",
    title="Готовность к переходу чатов на целевую платформу",
    section="Готовность к переходу на целевую платформу",
    order=3,
    levels={"region": {"region_code": "{territory}"}},
    reads=READS,
    inputs=(inputs.TARGETS, inputs.CAMPAIGNS, inputs.REGIONS),
)
