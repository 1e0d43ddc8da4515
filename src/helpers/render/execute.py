"""Execute a briefing notebook with parameters.

By default each notebook gets a fresh kernel, through papermill's in-process API. A batch worker
passes a ``WarmKernel`` instead: one kernel and one client kept alive across its briefings, so
the kernel start, the client's connection and the imports of pandas, matplotlib and the helpers
(together about 2.5 s, docs/performance.md «Building blocks») are paid once per worker. On a
warm kernel the notebook
is run by nbclient directly, prepared as papermill prepares it (its metadata, the parameters
injected in papermill's own cell after the ``parameters`` cell) and written once at the end —
papermill would rewrite it after every cell (0.1-0.3 s per briefing, seconds for a large one).
Before each notebook a hidden first cell clears the namespace (``%reset -f``), returns to the
notebook's folder and closes figures, so no briefing sees another's variables; a kernel that
timed out or died is discarded and the next briefing starts a new one.

Kernels talk to their clients over IPC (Unix sockets in the user's private Jupyter runtime
folder), not TCP, and start through :mod:`helpers.render.kernel` (which moves ipykernel's pipe
for forked output off TCP too): no kernel port is opened on the machine, and ipykernel has no
reason to warn «Kernel is running over TCP without encryption» for every worker of every batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, cast

import nbformat
import papermill
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.paths import jupyter_runtime_dir
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode
from papermill.exceptions import PapermillExecutionError
from papermill.execute import prepare_notebook_metadata, raise_for_execution_errors
from papermill.iorw import load_notebook_node, write_ipynb
from papermill.parameterize import parameterize_notebook

from helpers.errors import RenderFailed
from helpers.render.kernel import IpcKernelSpecs

KERNEL_NAME = "python3"
# The kernel has nothing left to do once the last cell's outputs are in: stopping it at once
# saves the graceful shutdown (0.6 s, and 3-5 s when ipykernel hangs on exit, seen here 1 run in 4).
SHUTDOWN = "immediate"
# Seconds a new kernel may take to answer its client (papermill's default start timeout).
STARTUP_TIMEOUT = 60

# After the namespace is cleared and the figures closed, what is left (modules, caches: about
# 150 000 objects) is frozen out of the cycle collector's reach: every full collection, the two
# of ``%reset`` included, would otherwise walk all of it (≈0.07 s each, 0.15-0.2 s a notebook).
# Collected first, so no garbage is frozen; reference counting still frees frozen objects.
RESET_SOURCE = """%reset -f
import gc as _gc
import os as _os
import matplotlib.pyplot as _plt
_os.chdir({cwd!r})
_plt.close("all")
_gc.collect()
_gc.freeze()
del _gc, _os, _plt"""
RESET_TAGS = ["remove_cell", "sferum-reset"]

__all__ = ["KERNEL_NAME", "NotebookFailed", "WarmKernel", "execute_notebook", "ipc_endpoint"]


def ipc_endpoint() -> dict[str, Any]:
    """A kernel manager's settings: IPC sockets under a new name in the runtime folder, and the
    launcher that keeps the kernel's last TCP port (its forked-output pipe) off the network."""
    folder = Path(jupyter_runtime_dir())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {"transport": "ipc", "ip": str(folder / f"sferum-{uuid.uuid4().hex[:12]}"),
            "kernel_spec_manager": IpcKernelSpecs()}


class IpcKernelManager(AsyncKernelManager):
    """The kernel manager papermill's fresh kernels get: IPC, like the warm ones."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**ipc_endpoint(), **kwargs})


class WarmKernel:
    """One kernel and its client reused by the briefings of a worker (see the module docstring)."""

    def __init__(self) -> None:
        self._manager: KernelManager | None = None
        self._client: AsyncKernelClient | None = None

    def manager(self, cwd: Path) -> KernelManager:
        """The live kernel, started (in ``cwd``) when there is none."""
        if self._manager is None or not self._manager.is_alive():
            self.close()
            self._manager = KernelManager(kernel_name=KERNEL_NAME, **ipc_endpoint())
            self._manager.start_kernel(cwd=str(cwd))
        return self._manager

    def client(self, cwd: Path) -> AsyncKernelClient:
        """A connected client of the live kernel (both started when there are none).

        An asynchronous one: nbclient then waits for a cell's reply and its outputs at the same
        time, so the per-cell timeout holds (with a blocking client the wait for the outputs
        blocks until the cell ends, and a cell that hangs is never timed out).
        """
        manager = self.manager(cwd)
        if self._client is None:
            client = AsyncKernelClient(**manager.get_connection_info(session=True),
                                       connection_file=manager.connection_file, parent=manager)
            client.start_channels()
            ready = cast(Callable[..., Awaitable[None]], client.wait_for_ready)  # a coroutine here
            run_sync(ready)(timeout=STARTUP_TIMEOUT)
            client.allow_stdin = False
            self._client = client
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.stop_channels()
            self._client = None
        if self._manager is not None:
            self._manager.shutdown_kernel(now=True)
            self._manager = None


def _reset_cell(cwd: Path) -> NotebookNode:
    return nbformat.v4.new_code_cell(RESET_SOURCE.format(cwd=str(cwd)), metadata={"tags": RESET_TAGS})


def _prepared(notebook_path: Path, output_path: Path, parameters: Mapping[str, Any],
              cwd: Path) -> NotebookNode:
    """The notebook as papermill would run it on the warm kernel: its metadata, the reset cell
    first and, when there are parameters, papermill's injected-parameters cell."""
    nb = load_notebook_node(str(notebook_path))
    nb.cells.insert(0, _reset_cell(cwd))
    if parameters:
        nb = parameterize_notebook(nb, dict(parameters), kernel_name=KERNEL_NAME)
    return prepare_notebook_metadata(nb, str(notebook_path), str(output_path))


def _run_cells(client: NotebookClient) -> None:
    """Every cell of the client's notebook in order, as papermill's client runs them: through
    nbclient's synchronous calls, which (unlike ``NotebookClient.execute``) leave the process's
    SIGINT and SIGTERM handlers alone — a batch worker relies on its own."""
    assert client.kc is not None  # noqa: S101 -- narrows a type for mypy
    info = client.wait_for_reply(client.kc.kernel_info())
    if info is not None:
        client.nb.metadata["language_info"] = info["content"]["language_info"]
    for index, cell in enumerate(client.nb.cells):
        try:
            # numbered per notebook from its first cell, as on a fresh kernel (the hidden reset
            # cell keeps the kernel's own count), not by the warm kernel's running count
            client.execute_cell(cell, index, execution_count=client.code_cells_executed)
        except CellExecutionError:
            # marked as papermill marks it: a failure with no error output is still one
            cell.metadata.setdefault("papermill", {})["exception"] = True
            raise


def _run_on_warm_kernel(nb: NotebookNode, output_path: Path, *, kernel: WarmKernel, cwd: Path,
                        timeout: int | None) -> NotebookNode:
    """Run ``nb`` on the warm kernel (``timeout`` seconds per cell) and write it to
    ``output_path`` once.

    A cell error ends the run as papermill ends it (the notebook written with its error marker,
    :class:`PapermillExecutionError` raised); anything else (a timeout, a dead kernel, an
    interrupt) writes the notebook as far as it ran, discards the kernel and is raised.
    """
    try:
        client = NotebookClient(nb, km=kernel.manager(cwd), kernel_name=KERNEL_NAME,
                                timeout=timeout, startup_timeout=STARTUP_TIMEOUT)
        client.kc = kernel.client(cwd)
        _run_cells(client)
    except CellExecutionError:
        pass  # the error is in the cell's outputs, where papermill's check finds it
    except BaseException:
        kernel.close()
        write_ipynb(nb, str(output_path))
        raise
    raise_for_execution_errors(nb, str(output_path))
    write_ipynb(nb, str(output_path))
    return nb


class NotebookFailed(RenderFailed):
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
        output_path: where the executed notebook is written (papermill rewrites it as it runs on
            a fresh kernel; on a warm one it is written at the end, also when the run fails), so
            pass a temporary path and publish it afterwards.
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
    try:
        if kernel is not None:
            nb = _prepared(notebook_path, output_path, parameters, folder)
            return _run_on_warm_kernel(nb, output_path, kernel=kernel, cwd=folder, timeout=timeout)
        return papermill.execute_notebook(
            str(notebook_path),
            str(output_path),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            cwd=str(folder),
            log_output=False,
            progress_bar=False,
            execution_timeout=timeout,
            shutdown_kernel=SHUTDOWN,
            kernel_manager_class=IpcKernelManager,
        )
    except PapermillExecutionError as error:
        raise NotebookFailed(notebook_path, output_path, error) from error
