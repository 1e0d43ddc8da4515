"""The regional ranking: every region by K1–K5 against the 2024–2025 targets (federal form)."""

from helpers.briefings import inputs
from helpers.briefings.declaration import declare
from helpers.config import NOTEBOOKS_DIR
from helpers.warehouse.slices import Reads, TableRead

READS = Reads((TableRead("federal_snapshots", scope="all"),))

KIND = declare(
    __file__,
    name="regional_ranking",
    notebook=NOTEBOOKS_DIR / "regional_ranking.ipynb",
    title="Внедрение ИКОП «Сферум»: рейтинг регионов",
    section="Рейтинг регионов",
    order=1,
    levels={"national": {}, "region": {"highlight_region": "{territory}"}},
    reads=READS,
    inputs=(inputs.TARGETS, inputs.REGIONS),
)
