"""A batch worker's start-up: optional modules it never uses are not imported, and the
renderer it imports still reads, checks and writes notebooks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).parent / "fixtures" / "batch" / "probe.ipynb"

SCRIPT = """
import json, sys
from helpers.batch.worker import SKIPPED_OPTIONAL_IMPORTS, skip_optional_imports
skip_optional_imports()
import helpers.render.pipeline
import nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
broken = nbformat.from_dict(json.loads(json.dumps(nb)))
broken.cells[0]["source"] = 1  # not text: the notebook schema refuses it
try:
    nbformat.validate(broken)
    caught = False
except nbformat.ValidationError:
    caught = True
print(json.dumps({"loaded": [m for m in (*SKIPPED_OPTIONAL_IMPORTS, "lark") if sys.modules.get(m)],
                  "cells": len(nb.cells), "invalid_caught": caught,
                  "written": len(nbformat.writes(nb)) > 0}))
"""


def test_a_worker_skips_the_optional_imports_and_still_checks_notebooks() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(PROBE)], capture_output=True,
                          text=True, check=True, timeout=120)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"loaded": [], "cells": 4, "invalid_caught": True, "written": True}
