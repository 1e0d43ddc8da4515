"""A batch killed halfway leaves no truncated output and the next run renders only what is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from pypdf import PdfReader

from helpers.warehouse import store

PROBE = Path(__file__).parent / "fixtures" / "batch" / "probe.ipynb"
REGIONS = ["01", "02", "03", "04", "05", "06"]


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """A probe kind (KINDS_PATH), a params folder with a slow probe batch, a tiny warehouse, an
    output folder."""
    params = tmp_path / "params"
    (params / "batches").mkdir(parents=True)
    (tmp_path / "kinds" / "probe").mkdir(parents=True)
    (tmp_path / "kinds" / "probe" / "__init__.py").write_text(
        "from pathlib import Path\n"
        "from helpers.briefings.declaration import BriefingKind\n"
        "from helpers.warehouse.slices import Reads, TableRead\n"
        f"KIND = BriefingKind('probe', Path({str(PROBE)!r}), 'Проверка',\n"
        "                    {'region': {'territory': '{territory}'}},\n"
        "                    Reads((TableRead('federal_snapshots'),)))\n", encoding="utf-8")
    batch = {"briefings": [{"kind": "probe", "territories": REGIONS,
                            "parameters": {"sleep_seconds": 2.0}}]}
    (params / "batches" / "slow.yml").write_text(yaml.safe_dump(batch, allow_unicode=True))
    rows = pd.DataFrame({"snapshot_date": [pd.Timestamp("2024-09-16").date()] * len(REGIONS),
                         "region_code": REGIONS, "teachers_total": [10] * len(REGIONS)})
    store.rebuild(tmp_path / "store.duckdb", {"federal_snapshots": rows}, {})
    return {**os.environ, "PARAMS_DIR": str(params), "KINDS_PATH": str(tmp_path / "kinds"),
            "OUTPUT_DIR": str(tmp_path / "output"),
            "WAREHOUSE": str(tmp_path / "store.duckdb"), "JOBS": "2", "PERIOD": ""}


def _start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "helpers.batch", "--batch", "slow"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _finished(output: Path) -> list[dict]:
    manifest = output / "manifest.json"
    if not manifest.exists():
        return []
    return [e for e in json.loads(manifest.read_text())["briefings"] if e["status"] == "ok"]


def _wait_for(output: Path, count: int, process: subprocess.Popen, limit: float = 240) -> None:
    deadline = time.monotonic() + limit
    while len(_finished(output)) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.2)


def _assert_no_truncated_file(output: Path) -> None:
    for path in output.rglob("*"):
        if path.name.startswith(".") or not path.is_file():
            continue  # hidden temporaries: never published, swept by the next run
        if path.suffix == ".pdf":
            assert len(PdfReader(path).pages) >= 1
        elif path.suffix == ".xlsx":
            openpyxl.load_workbook(path)
        elif path.suffix in (".json", ".ipynb"):
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_killed_batch_resumes_with_what_is_left(environment: dict[str, str], how: int) -> None:
    output = Path(environment["OUTPUT_DIR"])
    process = _start(environment)
    _wait_for(output, 2, process)
    os.killpg(process.pid, how) if how == signal.SIGKILL else process.send_signal(how)
    process.wait(timeout=60)
    if how == signal.SIGINT:
        assert process.returncode == 130
    done_before = len(_finished(output))
    _assert_no_truncated_file(output)

    again = _start(environment)
    stdout, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    assert f"актуальных {done_before}, сформировано {len(REGIONS) - done_before}" in stdout
    assert len(_finished(output)) == len(REGIONS)
    assert not [p for p in output.rglob(".*.sferum-tmp*")]
    _assert_no_truncated_file(output)
