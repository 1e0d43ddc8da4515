"""The suite's own exceptions, by meaning: the user's input, missing data, a failed render.

:func:`helpers.cli.run` ends a command by these: ``BadInput`` exits 2 (fix the file or the
setting the message names), ``DataMissing`` and ``RenderFailed`` exit 1 with their message. Any
other exception is a bug of the program and is reported as one («это ошибка программы»), with
the traceback in the log — never as the user's mistake. ``BadInput`` and ``DataMissing`` are
also ``ValueError``s, as the errors they replace were, so code that caught those still does.
"""

from __future__ import annotations


class SuiteError(Exception):
    """An error the suite reports as such: one line, its exit code."""

    exit_code = 1
    heading = "Сбой / failure"


class BadInput(SuiteError, ValueError):
    """A file, a parameter or a setting the user gave is wrong; the message says where."""

    exit_code = 2
    heading = "Ошибка во входных данных или параметрах / bad input"


class DataMissing(SuiteError, ValueError):
    """The warehouse lacks what was asked for (a table, a region's rows, a snapshot)."""

    heading = "Нет данных / data missing"


class RenderFailed(SuiteError, RuntimeError):
    """A briefing could not be rendered (a notebook error, no browser, a page that does not fit)."""

    heading = "Справка не сформирована / render failed"
