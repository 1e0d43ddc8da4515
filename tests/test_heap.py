"""The workers' malloc settings: applied where the C library is glibc, skipped elsewhere."""

from __future__ import annotations

import platform

import pytest

from helpers.ingestion import heap


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_accepts_both_thresholds() -> None:
    # mallopt answers 0 for a value it refuses (a threshold above glibc's largest, say)
    assert heap.keep_freed_memory() is True


def test_other_c_libraries_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "libc_ver", lambda: ("musl", "1.2"))
    assert heap.keep_freed_memory() is False
