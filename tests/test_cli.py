"""Errors by meaning: the user's bad input exits 2, missing data or a failed render 1, and a bug
is reported as a bug — never as the user's mistake — with its traceback in the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import cli
from helpers.errors import BadInput, DataMissing, RenderFailed
from helpers.warehouse.slices import MissingData


def _raise(exc: BaseException):  # noqa: ANN202
    def main() -> int:
        raise exc
    return main


@pytest.mark.parametrize("exc, code, words", [
    (BadInput("targets.yml: нет цели показателя k1"), 2, "Ошибка во входных данных"),
    (DataMissing("Нет ни одного среза мониторинга"), 1, "Нет данных"),
    (MissingData("В хранилище нет таблицы chats"), 1, "Нет данных"),
    (RenderFailed("ячейка [3] завершилась ошибкой"), 1, "Справка не сформирована"),
    (OSError(28, "No space left on device"), 1, "Сбой"),
])
def test_the_suites_own_errors_end_in_their_line_and_code(exc: BaseException, code: int, words: str,
                                                          tmp_path: Path, capsys: pytest.CaptureFixture,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEBUG", raising=False)
    assert cli.run(_raise(exc), log_dir=tmp_path) == code
    err = capsys.readouterr().err
    assert words in err and "ошибка программы" not in err and "Traceback" not in err
    assert not (tmp_path / cli.BUG_LOG).exists()


@pytest.mark.parametrize("bug", [KeyError("k1"), ValueError("cannot convert"), TypeError("None")])
def test_a_bug_is_reported_as_a_bug_with_the_traceback_in_the_log(bug: Exception, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEBUG", raising=False)
    assert cli.run(_raise(bug), log_dir=tmp_path) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "Это ошибка программы" in err and str(tmp_path / cli.BUG_LOG) in err
    assert "Ошибка во входных данных" not in err
    assert "Traceback" in (tmp_path / cli.BUG_LOG).read_text(encoding="utf-8")


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "1")
    with pytest.raises(KeyError):
        cli.run(_raise(KeyError("k1")))


def test_the_params_errors_are_bad_input() -> None:
    from helpers.batch.plan import PlanError
    from helpers.batch.territories import UnknownTerritory
    from helpers.config import ParamsError

    for cls in (ParamsError, PlanError, UnknownTerritory):
        assert issubclass(cls, BadInput)
