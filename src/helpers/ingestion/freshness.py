"""Whether the warehouse was already built from exactly these exports by this ingestion code.

A rebuild of the demo warehouse takes about ten seconds, a national one a quarter of an hour; a
``make briefings`` or a scheduled job on unchanged exports need not pay it. Every rebuild keeps
what it was built from in the warehouse itself (table ``ingest_inputs``, swapped in atomically
with the data): the SHA-256 of each file under ``DATA_DIR`` (by content, not by modification
time — a regenerated or copied-in file with the same bytes is the same export), of the ingestion
code and of the shipped reference data. When all of them, and the pseudonymisation key, match,
ingestion is skipped; any difference (a changed, new or removed file, an edited rule) rebuilds the
whole warehouse as before — the rebuild stays one atomic swap, so partial re-ingestion cannot leave
a mixed warehouse.

Hidden files (``.sferum-demo`` and the like) are not exports and are left out.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from helpers.config import PACKAGE_DIR, REFERENCE_DIR
from helpers.warehouse import store

CODE_DIRS = (PACKAGE_DIR / "ingestion", PACKAGE_DIR / "warehouse")
"""The code whose change can change the warehouse built from the same exports."""
CODE_FILES = (PACKAGE_DIR / "config.py",)
CHUNK = 1 << 20


def file_hash(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB chunks (bounded memory on large exports)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path, skip: Path | None = None) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts) \
                and (skip is None or not path.name.startswith(skip.name)):
            yield path


def code_hash() -> str:
    """One hash of the ingestion and warehouse code and of ``data/reference``."""
    digest = hashlib.sha256()
    sources = [p for d in CODE_DIRS for p in _files(d) if p.suffix == ".py"] + list(CODE_FILES)
    for path in [*sources, *_files(REFERENCE_DIR)]:
        digest.update(f"{path.relative_to(PACKAGE_DIR.parents[1])}\0{file_hash(path)}\n".encode())
    return digest.hexdigest()


def current_inputs(data_dir: Path, warehouse: Path | None = None) -> dict[str, str]:
    """What a rebuild now would be built from: ``data/<file>`` → SHA-256 for every file under
    ``data_dir`` (the warehouse itself left out, should it live there), and ``code`` →
    :func:`code_hash`."""
    files = list(_files(data_dir, skip=warehouse))
    # hashlib lets go of the interpreter while it digests a chunk: the files hash side by side
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        hashes = pool.map(file_hash, files)
        inputs = {f"data/{p.relative_to(data_dir).as_posix()}": h
                  for p, h in zip(files, hashes, strict=True)}
    inputs["code"] = code_hash()
    return inputs


def inputs_table(inputs: dict[str, str]) -> pd.DataFrame:
    """The ``ingest_inputs`` table of a rebuild."""
    return pd.DataFrame({"item": pd.array(list(inputs), dtype="str"),
                         "sha256": pd.array(list(inputs.values()), dtype="str")})


def stored_inputs(warehouse: Path) -> dict[str, str] | None:
    """What the warehouse was built from; ``None`` when it is missing, unreadable or older than
    this record."""
    try:
        with store.connect(warehouse) as con:
            present = {name for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables()").fetchall()}
            if store.INPUTS_TABLE not in present:
                return None
            rows = con.execute(f"SELECT item, sha256 FROM {store.INPUTS_TABLE}").fetchall()  # noqa: S608 -- identifiers checked (store.identifier), values bound
    except (store.WarehouseMissing, store.WarehouseUnreadable):
        return None
    return {str(item): str(sha) for item, sha in rows}


def changes(stored: dict[str, str] | None, current: dict[str, str]) -> list[str]:
    """What differs, for the log: changed, new and removed files, the code; empty when current."""
    if stored is None:
        return ["хранилища нет или оно собрано до учёта входных файлов"]
    found = [f"изменён {k.removeprefix('data/')}" for k in sorted(current)
             if k in stored and stored[k] != current[k] and k != "code"]
    found += [f"новый {k.removeprefix('data/')}" for k in sorted(set(current) - set(stored))]
    found += [f"удалён {k.removeprefix('data/')}" for k in sorted(set(stored) - set(current))]
    if stored.get("code") != current.get("code") and "code" in stored:
        found.append("изменён код загрузки или справочник data/reference")
    return found
