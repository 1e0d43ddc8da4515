"""Regenerate the demo only when something it is made from changed.

``make briefings`` used to regenerate (and so re-ingest) the demo on every call, about half a
minute of a no-op run. The generator is deterministic, so its output is a function of its code,
``params/``, ``data/reference`` and its arguments: their hash is kept in the demo folder
(``.sferum-demo.stamp``) with the size and modification time of every file written, and
``python -m helpers.demo --if-changed`` returns at once when all of them still match. A file
edited, removed or added by hand in the demo folder also makes it regenerate.

The code hashed is every ``helpers`` module the generator has imported and its ``__main__`` (it reads the
contract's forms, the targets and the reference loaders too), so no list is kept by hand.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from helpers.config import PACKAGE_DIR, PARAMS_DIR, REFERENCE_DIR

STAMP = ".sferum-demo.stamp"


def _hash_files(paths: Iterable[Path], digest: hashlib._Hash) -> None:
    for path in sorted(paths):
        digest.update(f"{path}\0".encode())
        digest.update(path.read_bytes())


def _tree(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def source_hash(arguments: dict[str, object]) -> str:
    """The hash of the generator's code (its imported ``helpers`` modules), parameters,
    reference data and ``arguments``."""
    digest = hashlib.sha256(json.dumps(arguments, sort_keys=True, default=str).encode())
    modules = [Path(str(m.__file__)) for name, m in list(sys.modules.items())
               if (name in ("helpers", "__main__") or name.startswith("helpers."))
               and getattr(m, "__file__", None) and PACKAGE_DIR in Path(str(m.__file__)).parents]
    _hash_files(modules, digest)
    _hash_files(_tree(PARAMS_DIR), digest)
    _hash_files(_tree(REFERENCE_DIR), digest)
    return digest.hexdigest()


def written(out: Path) -> dict[str, list[int]]:
    """Every file of the demo folder but the stamp: relative path → [size, mtime in ns]."""
    return {p.relative_to(out).as_posix(): [p.stat().st_size, p.stat().st_mtime_ns]
            for p in sorted(_tree(out)) if p.name != STAMP}


def is_current(out: Path, sources: str) -> bool:
    """The demo in ``out`` was generated from ``sources`` and not touched since."""
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("sources") == sources and stamp.get("files") == written(out)


def record(out: Path, sources: str) -> None:
    """Remember what the demo in ``out`` was generated from (after a complete generation)."""
    (out / STAMP).write_text(json.dumps({"sources": sources, "files": written(out)}, ensure_ascii=False),
                             encoding="utf-8")
