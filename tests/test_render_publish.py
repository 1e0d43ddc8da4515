"""Atomic publishing: readers see the old complete file or the new one, never a torn one."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from helpers.render.publish import (
    PUBLISHED_MODE,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    staged,
    temp_sibling,
)


class Boom(RuntimeError):
    pass


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def test_atomic_write_text_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "briefing.html"
    atomic_write_text(target, "старая")
    atomic_write_text(target, "новая")
    assert target.read_text(encoding="utf-8") == "новая"
    assert _leftovers(target.parent) == []


def test_published_file_is_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    atomic_write_bytes(target, b"%PDF-1.4")
    assert stat.S_IMODE(target.stat().st_mode) == PUBLISHED_MODE


def test_write_raising_midway_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "table.xlsx"
    atomic_write_bytes(target, b"old complete content")
    with pytest.raises(Boom), atomic_path(target) as temp:
        with temp.open("wb") as stream:
            stream.write(b"half of the new")
            raise Boom("disk full")
    assert target.read_bytes() == b"old complete content"
    assert _leftovers(tmp_path) == []


def test_temporary_file_is_a_hidden_sibling_with_the_same_suffix(tmp_path: Path) -> None:
    temp = temp_sibling(tmp_path / "sub" / "executed.ipynb")
    assert temp.parent == tmp_path / "sub"
    assert temp.name.startswith(".executed.")
    assert temp.suffix == ".ipynb"


def test_staged_outputs_are_published_together(tmp_path: Path) -> None:
    html, pdf = tmp_path / "a.html", tmp_path / "a.pdf"
    with staged() as staging:
        staging.path(html).write_text("<html>")
        staging.path(pdf).write_bytes(b"%PDF")
        assert not html.exists() and not pdf.exists()
    assert html.read_text() == "<html>" and pdf.read_bytes() == b"%PDF"
    assert _leftovers(tmp_path) == []


def test_a_failed_stage_publishes_nothing(tmp_path: Path) -> None:
    html, pdf = tmp_path / "a.html", tmp_path / "a.pdf"
    atomic_write_text(html, "old html")
    with pytest.raises(Boom), staged() as staging:
        staging.path(html).write_text("new html")
        staging.path(pdf).write_bytes(b"%PD")
        raise Boom("printer crashed")
    assert html.read_text() == "old html"
    assert not pdf.exists()
    assert _leftovers(tmp_path) == []


def test_the_sweep_removes_only_the_suites_own_temporaries(tmp_path: Path) -> None:
    from helpers.render.publish import sweep_stale_temps, temp_sibling

    own = [temp_sibling(tmp_path / "kind" / "RU" / "b.pdf"), temp_sibling(tmp_path / "index.html")]
    others = [tmp_path / "docs" / ".draft.tmp.docx", tmp_path / ".bashrc.tmp",
              tmp_path / ".x.sferum-tmp.keep" / "inside.txt", tmp_path / ".notes.abc.tmp.pdf",
              tmp_path / ".z.sferum-tmpfoo"]
    for path in others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("someone's", encoding="utf-8")
    removed = sweep_stale_temps(tmp_path)
    assert sorted(removed) == sorted(own) and not any(p.exists() for p in own)
    assert all(p.read_text(encoding="utf-8") == "someone's" for p in others)
