"""How every command-line entry point ends: one line and an exit code, never a traceback.

``python -m helpers.ingestion``, ``helpers.batch``, ``helpers.demo`` run their ``main`` through
:func:`run`: an exception that escapes becomes one line on stderr (Russian / English) and exit
code 2 for bad input or parameters, 1 for anything else (a failed render, a full disk); Ctrl-C
is 130. ``DEBUG=1`` in the environment shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 1, 2, 130
# Bad input or parameters: a value, a missing file, undecodable text.
INPUT_ERRORS: tuple[type[BaseException], ...] = (ValueError, LookupError, FileNotFoundError,
                                                 UnicodeError)


def debug() -> bool:
    """``DEBUG=1`` (or any value but ``0`` and empty): show tracebacks."""
    return os.environ.get("DEBUG", "").strip() not in ("", "0")


def one_line(exc: BaseException) -> str:
    """The exception as one line: its message (first line) or, without one, its type."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}" + (f": {exc.filename}" if exc.filename else "")
    return text or exc.__class__.__name__


def run(main: Callable[[], int]) -> int:
    """``main()``'s exit code; an escaping exception as one line and 2 or 1 (see module)."""
    try:
        return main()
    except KeyboardInterrupt:
        sys.stderr.write("Прервано / interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug():
            raise
        code = EXIT_INVALID if isinstance(exc, INPUT_ERRORS) else EXIT_FAILED
        kind = "Ошибка во входных данных или параметрах / bad input" if code == EXIT_INVALID \
            else "Сбой / failure"
        sys.stderr.write(f"{kind}: {one_line(exc)} (подробности: DEBUG=1)\n")
        return code
