"""How every command-line entry point ends: one line and an exit code, never a traceback.

``python -m helpers.ingestion``, ``helpers.batch``, ``helpers.demo`` run their ``main`` through
:func:`run`. An exception that escapes ends by its meaning (:mod:`helpers.errors`): the user's
bad input exits 2, missing data or a failed render 1, each with its message. Anything else is a
bug of the program: it says so («это ошибка программы»), writes the traceback to the log it
names, and exits 1 — a bug is never reported as the user's mistake. An ``OSError`` (a full disk,
a permission) is the machine's failure, exit 1. Ctrl-C is 130. ``DEBUG=1`` shows the traceback
instead.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from helpers.errors import SuiteError

EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 1, 2, 130
BUG_LOG = "errors.log"


def debug() -> bool:
    """``DEBUG=1`` (or any value but ``0`` and empty): show tracebacks."""
    return os.environ.get("DEBUG", "").strip() not in ("", "0")


def one_line(exc: BaseException) -> str:
    """The exception as one line: its message (first line) or, without one, its type."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}" + (f": {exc.filename}" if exc.filename else "")
    return text or exc.__class__.__name__


def _log_bug(exc: BaseException, log_dir: Path | None) -> str:
    """Append the traceback to ``log_dir/errors.log``; where it went, or '' when it could not."""
    if log_dir is None:
        return ""
    path = log_dir / BUG_LOG
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')} {' '.join(sys.argv)}\n")
            log.write("".join(traceback.format_exception(exc)))
    except OSError:
        return ""
    return str(path)


def run(main: Callable[[], int], *, log_dir: Path | None = None) -> int:
    """``main()``'s exit code; an escaping exception as one line (see the module)."""
    try:
        return main()
    except KeyboardInterrupt:
        sys.stderr.write("Прервано / interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug():
            raise
        if isinstance(exc, SuiteError):
            sys.stderr.write(f"{exc.heading}: {one_line(exc)} (подробности: DEBUG=1)\n")
            return exc.exit_code
        if isinstance(exc, OSError):
            sys.stderr.write(f"Сбой / failure: {one_line(exc)} (подробности: DEBUG=1)\n")
            return EXIT_FAILED
        where = _log_bug(exc, log_dir)
        sys.stderr.write(f"Это ошибка программы, а не ваших данных / a bug: {exc.__class__.__name__}: "
                         f"{one_line(exc)}. Подробности: {where or 'DEBUG=1'} — сообщите "
                         f"разработчикам\n")
        return EXIT_FAILED
