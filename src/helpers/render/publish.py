"""Atomic publishing: an output is either the old complete file or the new complete file.

Every file is written under a temporary name in its target directory (so the final rename stays
on one file system) and moved into place with :func:`os.replace`. A writer that raises midway
leaves the previous file untouched and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

# Published files are read by people and web servers, not only by their writer: mkstemp's 0600
# would hide them, so they get the usual mode of a regular file.
PUBLISHED_MODE = 0o644
# The suite's temporary files, and only they, are named ``.<stem>.<8 random>.sferum-tmp<suffix>``
# (mkstemp's random part is 8 characters of [a-z0-9_]): the sweep after a killed run removes
# these and nothing else, whatever else lives in OUTPUT_DIR (``.draft.tmp.docx``, someone's home).
TEMP_MARK = ".sferum-tmp"
_OWN_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_MARK) + r"(\.[A-Za-z0-9]{1,10})?")


def _fsync_file(path: Path) -> None:
    """Flush a written file to disk so a crash cannot publish it truncated."""
    with path.open("rb") as stream:
        os.fsync(stream.fileno())


def temp_sibling(path: Path) -> Path:
    """An empty, hidden temporary file next to ``path`` that keeps its suffix.

    The suffix matters: papermill, openpyxl and browsers pick the format from it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                    suffix=f"{TEMP_MARK}{path.suffix}")
    os.close(handle)
    return Path(name)


def move_into_place(temp: Path, path: Path) -> None:
    """Move the finished temporary file ``temp`` (from :func:`temp_sibling`) onto ``path``."""
    _fsync_file(temp)
    os.chmod(temp, PUBLISHED_MODE)
    os.replace(temp, path)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` in one step.

    Args:
        path: the final file.

    Yields:
        A temporary file in the same directory (empty, same suffix) for the caller to fill.
    """
    temp = temp_sibling(path)
    try:
        yield temp
        move_into_place(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as temp:
        temp.write_bytes(data)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding=encoding)


class Staging:
    """Temporary files for a group of outputs, published together once all of them exist.

    Use it through :func:`staged`; ``path(final)`` hands out the temporary file to write.
    """

    def __init__(self) -> None:
        self._pending: dict[Path, Path] = {}

    def path(self, final: Path) -> Path:
        """The temporary file to write in place of ``final``."""
        if final not in self._pending:
            self._pending[final] = temp_sibling(final)
        return self._pending[final]

    def commit(self) -> list[Path]:
        """Move every written file into place; returns the final paths."""
        for final, temp in self._pending.items():
            move_into_place(temp, final)
        published = list(self._pending)
        self._pending.clear()
        return published

    def discard(self) -> None:
        """Delete the temporary files that were not committed."""
        for temp in self._pending.values():
            temp.unlink(missing_ok=True)
        self._pending.clear()


@contextlib.contextmanager
def staged() -> Iterator[Staging]:
    """Stage several outputs; publish all of them only if the block finishes without error.

    A failure anywhere in the block leaves every previously published file as it was.
    """
    staging = Staging()
    try:
        yield staging
        staging.commit()
    finally:
        staging.discard()


def _inside(output_dir: Path, relative: str) -> Path:
    """``output_dir / relative``, refusing a path that would leave the folder (it came from a
    worker, possibly another machine)."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or any(p in {"..", "."} for p in parts):
        raise ValueError(f"{relative!r} is not a path inside the output folder")
    return output_dir.joinpath(*parts)


def publish_files(output_dir: Path, files: Mapping[str, bytes | str | Path]) -> list[Path]:
    """Publish one briefing's files together under ``output_dir``: all of them or none.

    Args:
        output_dir: the output folder.
        files: relative path → the file's bytes (a worker on another machine), or → a finished
            file on the same file system (a local worker's scratch folder), moved, not copied.

    Returns:
        The published paths.
    """
    targets = {_inside(output_dir, relative): content for relative, content in files.items()}
    with staged() as staging:
        for final, content in targets.items():
            temp = staging.path(final)
            if isinstance(content, bytes):
                temp.write_bytes(content)
            else:
                os.replace(content, temp)
    return list(targets)


def sweep_stale_temps(output_dir: Path) -> list[Path]:
    """Remove temporary files a killed run left behind (call only while holding the batch lock)."""
    removed = []
    for path in output_dir.rglob(f".*{TEMP_MARK}*"):
        if is_own_temp(path) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def is_own_temp(path: Path) -> bool:
    """Whether ``path`` is named as :func:`temp_sibling` names the suite's temporary files."""
    return _OWN_TEMP.fullmatch(path.name) is not None
