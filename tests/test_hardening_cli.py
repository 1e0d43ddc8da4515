"""Hostile or clumsy parameters end in one line and an exit code (2: bad input or parameters),
never in a traceback, a shell command run, or a file read from outside ``params/``."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from helpers.config import PROJECT_ROOT

PARAMS = PROJECT_ROOT / "params"


CLEARED = ("DEBUG", "PERIOD", "KIND", "TERRITORY", "BATCH", "REGION", "JOBS", "TIMEOUT", "CHROMIUM",
           "EXECUTOR")


class Ran:
    def __init__(self, returncode: int, stderr: str):
        self.returncode, self.stderr = returncode, stderr


def batch(tmp_path: Path, *args: str, **env: str) -> Ran:
    """``python -m helpers.batch`` as its entry point runs it (in this process: faster)."""
    from helpers import cli
    from helpers.batch import __main__ as entry
    from helpers.batch import plan

    saved = dict(os.environ)
    os.environ.update({"WAREHOUSE": str(tmp_path / "none.duckdb"),
                       "OUTPUT_DIR": str(tmp_path / "out"), **env})
    for name in CLEARED:
        if name not in env:
            os.environ.pop(name, None)
    params = Path(env.get("PARAMS_DIR", PARAMS))
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), \
                mock.patch.object(plan, "BATCHES_DIR", params / "batches"):
            try:
                code = cli.run(lambda: entry.main(list(args)))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Ran(code, stderr.getvalue())


def run_entry_point(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "WAREHOUSE": str(tmp_path / "none.duckdb"),
                   "OUTPUT_DIR": str(tmp_path / "out"), **env}
    for name in CLEARED:
        if name not in env:
            environment.pop(name, None)
    return subprocess.run([sys.executable, "-m", "helpers.batch", *args], env=environment,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def one_line_exit_2(result: Ran | subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and line.strip() != "План не составлен:"]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("env, words", [
    ({"JOBS": "abc"}, ["JOBS"]), ({"JOBS": "0"}, ["JOBS"]), ({"TIMEOUT": "abc"}, ["TIMEOUT"]),
    ({"TIMEOUT": "-5"}, ["TIMEOUT"]), ({"BATCH": "../../etc/x"}, ["../../etc/x"]),
    ({"BATCH": "/etc/passwd"}, ["/etc/passwd"]), ({"EXECUTOR": "nope"}, ["EXECUTOR"]),
    ({"CHROMIUM": "/nonexistent/chromium"}, ["CHROMIUM=/nonexistent/chromium"]),
])
def test_bad_settings_are_one_line_and_exit_2(tmp_path: Path, env: dict[str, str],
                                              words: list[str]) -> None:
    one_line_exit_2(batch(tmp_path, **env), *words)


def test_a_batch_with_a_yaml_error_names_the_file_and_line(tmp_path: Path) -> None:
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params)
    (params / "batches" / "broken.yml").write_text("briefings:\n  - kind: [oops\n",
                                                   encoding="utf-8")
    one_line_exit_2(batch(tmp_path, PARAMS_DIR=str(params), BATCH="broken"), "broken.yml",
                    "строка")


def test_a_bad_highlight_region_is_a_plan_error(tmp_path: Path) -> None:
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params)
    (params / "batches" / "hl.yml").write_text(
        "briefings:\n  - kind: regional_ranking\n    territories: national\n"
        "    parameters: {highlight_region: '99x'}\n", encoding="utf-8")
    one_line_exit_2(batch(tmp_path, PARAMS_DIR=str(params), BATCH="hl"), "highlight_region", "99x")


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
@pytest.mark.parametrize("period", ["", "2024-09-16"])
def test_a_truncated_warehouse_is_one_line(tmp_path: Path, content: bytes, period: str) -> None:
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(content)
    result = batch(tmp_path, "--kind", "regional_ranking", "--territory", "RU",
                   WAREHOUSE=str(warehouse), PERIOD=period)
    one_line_exit_2(result, "make ingest")


def test_the_entry_point_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(b"garbage" * 100)
    args = ("--kind", "regional_ranking", "--territory", "RU")
    one_line_exit_2(run_entry_point(tmp_path, *args, WAREHOUSE=str(warehouse)), "make ingest")
    result = run_entry_point(tmp_path, *args, WAREHOUSE=str(warehouse), DEBUG="1")
    assert result.returncode != 0 and "Traceback" in result.stderr


# --- make ---------------------------------------------------------------------------------------

FAKE_PYTHON = """#!/bin/sh
printf '%s|%s|%s|%s\\n' "$*" "$KIND" "$TERRITORY" "$BATCH" >> "{calls}"
case "$*" in *helpers.batch*) exit {code};; esac
exit 0
"""


def make(tmp_path: Path, *args: str, code: int = 0) -> tuple[int, list[str]]:
    """``make`` with the project's recipes but a stand-in Python that records its calls."""
    calls = tmp_path / "calls"
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON.format(calls=calls, code=code), encoding="utf-8")
    fake.chmod(0o755)
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("KIND", "TERRITORY", "BATCH", "REGION", "MAKEFLAGS")}
    result = subprocess.run(["make", "-s", "-C", str(PROJECT_ROOT), "-o", "setup", "-o", "data",
                             f"PY={fake}", *args], env=environment, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    return result.returncode, calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


def test_make_passes_values_as_values_not_shell(tmp_path: Path) -> None:
    code, calls = make(tmp_path, "briefing", "KIND=regional_ranking",
                       f"TERRITORY=RU; touch {tmp_path}/pwned", "BATCH=`touch x`")
    assert code == 0 and not (tmp_path / "pwned").exists() and not (tmp_path / "x").exists()
    assert calls[-1] == f"-m helpers.batch|regional_ranking|RU; touch {tmp_path}/pwned|`touch x`"


def test_make_fails_when_the_command_fails(tmp_path: Path) -> None:
    code, calls = make(tmp_path, "briefings", code=1)
    assert code != 0 and calls[-1].startswith("-m helpers.batch")


def test_make_briefings_refuses_a_kind_instead_of_ignoring_it(tmp_path: Path) -> None:
    code, calls = make(tmp_path, "briefings", "KIND=nosuch")
    assert code != 0 and calls == []


def test_make_refuses_a_chromium_that_is_not_there(tmp_path: Path) -> None:
    result = subprocess.run(["make", "-s", "-C", str(PROJECT_ROOT), "browser",
                             "CHROMIUM=/nonexistent/chromium"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0 and "CHROMIUM=/nonexistent/chromium" in result.stderr
    assert "Installing" not in result.stdout


def test_make_clean_leaves_a_folder_that_is_not_the_suites(tmp_path: Path) -> None:
    other = tmp_path / "a b"
    other.mkdir()
    (other / "draft.docx").write_text("mine", encoding="utf-8")
    (tmp_path / "a").mkdir()
    result = subprocess.run(["make", "-s", "-C", str(PROJECT_ROOT), "clean",
                             f"OUTPUT_DIR={other}", f"DEMO_DIR={tmp_path}/nodemo"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "WAREHOUSE": str(tmp_path / "w")})
    assert result.returncode != 0
    assert (other / "draft.docx").exists() and (tmp_path / "a").exists()
