"""Execute a briefing notebook with parameters (papermill's in-process API).

By default each notebook gets a fresh kernel. A batch worker passes a ``WarmKernel`` instead: one
kernel kept alive across its briefings, so the kernel start and the imports of pandas,
matplotlib and the helpers (together about 2.5 s, MEASUREMENTS.md) are paid once per worker.
Before each notebook a hidden first cell clears the namespace (``%reset -f``), returns to the
notebook's folder and closes figures, so no briefing sees another's variables; a kernel that
timed out or died is discarded and the next briefing starts a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.manager import KernelManager
from nbformat import NotebookNode
from papermill.exceptions import PapermillExecutionError

KERNEL_NAME = "python3"
# The kernel has nothing left to do once the last cell's outputs are in: stopping it at once
# saves the graceful shutdown (0.6 s, and 3-5 s when ipykernel hangs on exit, seen here 1 run in 4).
SHUTDOWN = "immediate"

RESET_SOURCE = """%reset -f
import os as _os
import matplotlib.pyplot as _plt
_os.chdir({cwd!r})
_plt.close("all")
del _os, _plt"""
RESET_TAGS = ["remove_cell", "sferum-reset"]

__all__ = ["KERNEL_NAME", "NotebookFailed", "WarmKernel", "execute_notebook"]


class WarmKernel:
    """One kernel reused by the briefings of a worker process (see the module docstring)."""

    def __init__(self) -> None:
        self._manager: KernelManager | None = None

    def manager(self, cwd: Path) -> KernelManager:
        """The live kernel, started (in ``cwd``) when there is none."""
        if self._manager is None or not self._manager.is_alive():
            self.close()
            self._manager = KernelManager(kernel_name=KERNEL_NAME)
            self._manager.start_kernel(cwd=str(cwd))
        return self._manager

    def close(self) -> None:
        if self._manager is not None:
            self._manager.shutdown_kernel(now=True)
            self._manager = None


def _with_reset_cell(notebook_path: Path, cwd: Path) -> NotebookNode:
    nb = nbformat.read(notebook_path, as_version=4)
    reset = nbformat.v4.new_code_cell(RESET_SOURCE.format(cwd=str(cwd)), metadata={"tags": RESET_TAGS})
    nb.cells.insert(0, reset)
    return nb


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
    kernel: WarmKernel | None = None,
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
        kernel: a kernel to reuse (batch workers); ``None`` starts and stops a fresh one.

    Returns:
        The executed notebook.

    Raises:
        NotebookFailed: a cell raised; ``output_path`` holds the notebook with the traceback.
    """
    folder = cwd or notebook_path.parent
    source: Any = str(notebook_path)
    reuse: dict[str, Any] = {}
    if kernel is not None:
        source = _with_reset_cell(notebook_path, folder)
        reuse = {"km": kernel.manager(folder)}
    try:
        return papermill.execute_notebook(
            source,
            str(output_path),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            cwd=str(folder),
            log_output=False,
            progress_bar=False,
            execution_timeout=timeout,
            shutdown_kernel=SHUTDOWN,
            **reuse,
        )
    except PapermillExecutionError as error:
        raise NotebookFailed(notebook_path, output_path, error) from error
    except BaseException:
        if kernel is not None:
            kernel.close()  # timed out, died or interrupted: never reuse a kernel in that state
        raise
