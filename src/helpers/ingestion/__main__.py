"""``python -m helpers.ingestion [--check]``: validate the exports under ``DATA_DIR`` and load them."""

import sys

from helpers import cli
from helpers.config import settings
from helpers.ingestion.ingest import main

sys.exit(cli.run(main, log_dir=settings().output_dir / "logs"))
