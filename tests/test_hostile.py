"""The hostile corpus (``tests/hostile/corpus.py``) against ingestion: each file is refused in
one error line naming it, exit code 2, the previous warehouse and briefings untouched, memory
bounded — and nothing aborts the process."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile.corpus import CORPUS, build, ods_with_trailing_empty_runs

from helpers.demo.federal import build_federal_history, write_federal_exports
from helpers.ingestion.contract import reading
from helpers.ingestion.contract.reading import UnreadableFile, read_tables

MEMORY_BOUND = 1 << 30  # peak RSS of the ingestion process, bytes


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "logs" not in p.parts}


def _ingest(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATA_DIR": str(project / "data"), "WAREHOUSE": str(project / "w.duckdb"),
           "OUTPUT_DIR": str(project / "output"), "SFERUM_SECRET": "hostile-test-key"}
    env.pop("DEBUG", None)
    return subprocess.run([sys.executable, "-c", MEASURED], env=env, text=True,
                          capture_output=True, timeout=600)


# ``python -m helpers.ingestion`` that reports its own peak memory last: VmHWM of this process
# image (ru_maxrss would carry the pytest parent's peak across fork and exec)
MEASURED = """
import re, runpy, sys
try:
    runpy.run_module("helpers.ingestion", run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = int(re.search(r"VmHWM:\\s+(\\d+)", status.read())[1])
    sys.stderr.write(f"PEAK_RSS_KB {peak}\\n")
"""


def _peak(result: subprocess.CompletedProcess[str]) -> int:
    line = next(line for line in result.stderr.splitlines() if line.startswith("PEAK_RSS_KB "))
    return int(line.split()[1]) * 1024


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good federal exports ingested (a warehouse and a published briefing exist)."""
    root = tmp_path_factory.mktemp("hostile")
    write_federal_exports(build_federal_history(), root / "data" / "federal")
    assert _ingest(root).returncode == 0
    (root / "output" / "briefing.pdf").write_bytes(b"%PDF-1.7 the last good briefing")
    return root


@pytest.fixture(scope="module")
def refused(project: Path) -> tuple[subprocess.CompletedProcess[str], int, dict[str, str], dict[str, str]]:
    before_warehouse = hashlib.sha256((project / "w.duckdb").read_bytes()).hexdigest()
    before_output = _digest(project / "output")
    build(project / "data" / "federal")
    result = _ingest(project)
    peak = _peak(result)
    after = {"warehouse": hashlib.sha256((project / "w.duckdb").read_bytes()).hexdigest(),
             **_digest(project / "output")}
    return result, peak, {"warehouse": before_warehouse, **before_output}, after


def test_every_hostile_file_is_refused_with_exit_2_and_nothing_changes(refused) -> None:  # noqa: ANN001
    result, _, before, after = refused
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "memory allocation" not in result.stderr
    assert after == before


@pytest.mark.parametrize("name", list(CORPUS))
def test_one_error_line_names_each_file(refused, name: str) -> None:  # noqa: ANN001
    result = refused[0]
    lines = [line for line in result.stderr.splitlines()
             if line.startswith("ОШИБКА") and line.split(": ")[1].split(",")[0] == name]
    assert len(lines) == 1, result.stderr[-3000:]


def test_memory_stays_bounded(refused) -> None:  # noqa: ANN001
    assert 50 << 20 < refused[1] < MEMORY_BOUND  # measured, and bounded


def test_a_file_beyond_the_size_limit_is_not_read(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text("Код субъекта;Субъект\n01;Адыгея\n", encoding="utf-8")
    monkeypatch.setattr(reading, "LIMITS", reading.Limits(file_bytes=10))
    with pytest.raises(UnreadableFile, match="слишком большой"):
        read_tables(path)


def test_good_exports_are_still_read(tmp_path: Path) -> None:
    write_federal_exports(build_federal_history(), tmp_path)
    for path in sorted(tmp_path.iterdir()):
        assert read_tables(path)[0].cells.shape[0] > 5
    ods = tmp_path / "libreoffice.ods"
    ods_with_trailing_empty_runs(ods)  # empty runs to XFD1048576 are not a bomb
    assert read_tables(ods)[0].cells.shape[0] == 3


def test_the_corpus_is_generated_not_committed() -> None:
    folder = Path(__file__).parent / "hostile"
    assert not [p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx", ".ods", ".xls")]
    assert shutil.which("make") is not None
