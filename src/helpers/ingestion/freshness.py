"""Whether the warehouse is already made from the exports as they are (``make briefings`` then
skips the ingestion instead of re-reading gigabytes).

The inputs are stated the way ``make`` states them: the path, size and modification time of
every file under ``DATA_DIR`` (exports and ``DATA_DIR/reference``), plus the content of what
turns them into tables — the ingestion code, the warehouse layer, ``data/reference`` — and a
hash of the pseudonymisation key. After each successful ingestion this statement is written
next to the warehouse (``<warehouse>.inputs.json``, with the warehouse's own size and time);
the next run compares. ``FORCE=1`` (``--force``) ingests anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from helpers.config import PACKAGE_DIR, REFERENCE_DIR, Settings

CODE_DIRS = ("ingestion", "warehouse")


def _stat_lines(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        lines.append(f"{path.relative_to(root).as_posix()}\t{stat.st_size}\t{stat.st_mtime_ns}")
    return lines


def _content_lines(paths: list[Path], root: Path) -> list[str]:
    return [f"{p.relative_to(root).as_posix()}\t{hashlib.sha256(p.read_bytes()).hexdigest()}"
            for p in sorted(paths) if p.is_file()]


def inputs_fingerprint(config: Settings, key: bytes) -> str:
    """One hash of everything an ingestion's result depends on (see the module docstring)."""
    code = [p for name in CODE_DIRS for p in (PACKAGE_DIR / name).rglob("*.py")]
    code.append(PACKAGE_DIR / "config.py")
    parts = [
        *_stat_lines(config.data_dir),
        *_content_lines(code, PACKAGE_DIR),
        *_content_lines(list(REFERENCE_DIR.glob("*")), REFERENCE_DIR),
        hashlib.sha256(b"key:" + key).hexdigest(),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _state_path(config: Settings) -> Path:
    return config.warehouse.with_name(config.warehouse.name + ".inputs.json")


def _warehouse_stamp(config: Settings) -> list[int]:
    stat = config.warehouse.stat()
    return [stat.st_size, stat.st_mtime_ns]


def is_current(config: Settings, fingerprint: str) -> bool:
    """Was the warehouse in place made from exactly these inputs?"""
    path = _state_path(config)
    if not config.warehouse.exists() or not path.exists():
        return False
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return state.get("inputs") == fingerprint and state.get("warehouse") == _warehouse_stamp(config)


def record(config: Settings, fingerprint: str) -> None:
    """State, after a successful ingestion, what the warehouse was made from (atomically)."""
    path = _state_path(config)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"inputs": fingerprint, "warehouse": _warehouse_stamp(config)}),
                         encoding="utf-8")
    os.replace(temporary, path)


def forget(config: Settings) -> None:
    """Drop the statement (an ingestion failed or is under way)."""
    _state_path(config).unlink(missing_ok=True)
