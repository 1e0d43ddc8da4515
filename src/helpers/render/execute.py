"""Execute a briefing notebook with parameters (papermill's in-process API, one fresh kernel)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import papermill
from nbformat import NotebookNode
from papermill.exceptions import PapermillExecutionError

KERNEL_NAME = "python3"
# The kernel has nothing left to do once the last cell's outputs are in: stopping it at once
# saves the graceful shutdown (0.6 s, and 3-5 s when ipykernel hangs on exit, seen here 1 run in 4).
SHUTDOWN = "immediate"

__all__ = ["KERNEL_NAME", "NotebookFailed", "execute_notebook"]


class NotebookFailed(RuntimeError):
    """A cell of the notebook raised; the executed notebook (with the traceback) was written."""

    def __init__(self, notebook_path: Path, output_path: Path, cause: PapermillExecutionError):
        self.notebook_path = notebook_path
        self.output_path = output_path
        self.ename = cause.ename
        self.evalue = cause.evalue
        self.cell_index = cause.exec_count
        super().__init__(
            f"{notebook_path.name}: ячейка [{cause.exec_count}] завершилась ошибкой "
            f"{cause.ename}: {cause.evalue}"
        )


def execute_notebook(
    notebook_path: Path,
    output_path: Path,
    parameters: Mapping[str, Any],
    *,
    cwd: Path | None = None,
    timeout: int | None = None,
) -> NotebookNode:
    """Run ``notebook_path`` with ``parameters`` injected, writing the executed copy.

    The parameters are injected after the cell tagged ``parameters``; they are expected to be
    checked beforehand (the batch validates them against the notebook's declared parameters).

    Args:
        notebook_path: the source notebook (kept unchanged).
        output_path: where the executed notebook is written (papermill rewrites it as it runs,
            so pass a temporary path and publish it afterwards).
        parameters: values for the notebook's parameters cell.
        cwd: working directory of the kernel; by default the notebook's own folder.
        timeout: seconds allowed per cell; ``None`` for no limit.

    Returns:
        The executed notebook.

    Raises:
        NotebookFailed: a cell raised; ``output_path`` holds the notebook with the traceback.
    """
    try:
        return papermill.execute_notebook(
            str(notebook_path),
            str(output_path),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            cwd=str(cwd or notebook_path.parent),
            log_output=False,
            progress_bar=False,
            execution_timeout=timeout,
            shutdown_kernel=SHUTDOWN,
        )
    except PapermillExecutionError as error:
        raise NotebookFailed(notebook_path, output_path, error) from error
