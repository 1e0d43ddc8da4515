"""``python -m helpers.ingestion [--check]``: validate the exports under ``DATA_DIR`` and load them."""

import sys

from helpers.ingestion.ingest import main

sys.exit(main())
