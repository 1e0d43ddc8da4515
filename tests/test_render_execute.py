"""Executing notebooks: the warm kernel's light path behaves as papermill on a fresh kernel.

The probe notebook (tests/fixtures/batch/probe.ipynb) takes a territory, a territory to fail on
and a pause. Run on one warm kernel it must give the notebook papermill gives on a fresh one
(the same cells, the parameters injected in the same place, the same failure), start clean for
every notebook, write the executed notebook once (also on failure), honour the per-cell timeout
and discard a kernel that timed out.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError
from nbformat import NotebookNode

from helpers.render.execute import RESET_TAGS, NotebookFailed, WarmKernel, execute_notebook
from helpers.render.payloads import find_tables

PROBE = Path(__file__).parent / "fixtures" / "batch" / "probe.ipynb"


@pytest.fixture(scope="module")
def kernel() -> Iterator[WarmKernel]:
    warm = WarmKernel()
    yield warm
    warm.close()


def shape(nb: NotebookNode) -> list[tuple[str, str, list[str]]]:
    """Each cell's type, source and tags, the hidden reset cell left out."""
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells
            if not set(RESET_TAGS) & set(c.metadata.get("tags", []))]


def territory_shown(nb: NotebookNode) -> Any:
    tables = find_tables(nb)
    return tables[0]["rows"][0][0] if tables else None


def test_a_warm_kernel_gives_the_notebook_papermill_gives_on_a_fresh_one(
        tmp_path: Path, kernel: WarmKernel) -> None:
    fresh = execute_notebook(PROBE, tmp_path / "fresh.ipynb", {"territory": "35"})
    warm = execute_notebook(PROBE, tmp_path / "warm.ipynb", {"territory": "35"}, kernel=kernel)
    assert shape(warm) == shape(fresh)
    injected = [c for c in warm.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "territory = \"35\"" in injected[0].source
    assert territory_shown(warm) == territory_shown(fresh) == "35"
    assert [c.execution_count for c in warm.cells if c.cell_type == "code"][1:] == \
        [c.execution_count for c in fresh.cells if c.cell_type == "code"]
    written = nbformat.read(tmp_path / "warm.ipynb", as_version=4)
    assert shape(written) == shape(warm) and territory_shown(written) == "35"
    assert written.metadata["papermill"]["parameters"] == {"territory": "35"}


def with_cell(tmp_path: Path, name: str, source: str) -> Path:
    """A copy of the probe with one more code cell at the end."""
    nb = nbformat.read(PROBE, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_every_notebook_on_a_warm_kernel_starts_clean(tmp_path: Path, kernel: WarmKernel) -> None:
    first = with_cell(tmp_path, "first.ipynb", "leftover = territory")
    execute_notebook(first, tmp_path / "a.ipynb", {"territory": "48"}, kernel=kernel)
    second = with_cell(tmp_path, "second.ipynb", "print('leftover' in dir(), repr(territory))")
    # only fail_on given: the territory is the notebook's own default, not the last run's
    executed = execute_notebook(second, tmp_path / "b.ipynb", {"fail_on": "—"}, kernel=kernel)
    assert territory_shown(executed) == ""
    assert executed.cells[-1].outputs[0]["text"].strip() == "False ''"


def test_a_failing_cell_fails_as_on_a_fresh_kernel_and_the_notebook_is_written(
        tmp_path: Path, kernel: WarmKernel) -> None:
    parameters = {"territory": "77", "fail_on": "77"}
    with pytest.raises(NotebookFailed) as fresh:
        execute_notebook(PROBE, tmp_path / "fresh.ipynb", parameters)
    execute_notebook(PROBE, tmp_path / "before.ipynb", {"territory": "35"}, kernel=kernel)
    with pytest.raises(NotebookFailed) as warm:
        execute_notebook(PROBE, tmp_path / "warm.ipynb", parameters, kernel=kernel)
    assert (warm.value.ename, warm.value.evalue, warm.value.cell_index) == \
        (fresh.value.ename, fresh.value.evalue, fresh.value.cell_index) == \
        ("RuntimeError", "сбой на территории 77", fresh.value.cell_index)
    assert str(warm.value) == str(fresh.value)
    written = nbformat.read(tmp_path / "warm.ipynb", as_version=4)
    assert shape(written) == shape(nbformat.read(tmp_path / "fresh.ipynb", as_version=4))
    errors = [o for c in written.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors and "сбой на территории 77" in errors[0].evalue and errors[0].traceback
    # the kernel survives a failing cell and runs the next notebook
    after = execute_notebook(PROBE, tmp_path / "after.ipynb", {"territory": "48"}, kernel=kernel)
    assert territory_shown(after) == "48"


def test_a_cell_over_its_timeout_stops_the_run_and_the_kernel_is_replaced(
        tmp_path: Path, kernel: WarmKernel) -> None:
    execute_notebook(PROBE, tmp_path / "warm.ipynb", {"territory": "35"}, kernel=kernel)
    old = kernel.manager(tmp_path)
    started = time.perf_counter()
    with pytest.raises(CellTimeoutError):
        execute_notebook(PROBE, tmp_path / "slow.ipynb", {"territory": "35", "sleep_seconds": 60.0},
                         timeout=2, kernel=kernel)
    assert time.perf_counter() - started < 30
    assert not old.is_alive()  # discarded: never reused in that state
    assert (tmp_path / "slow.ipynb").exists()  # written as far as it ran
    again = execute_notebook(PROBE, tmp_path / "again.ipynb", {"territory": "48"}, kernel=kernel)
    assert territory_shown(again) == "48" and kernel.manager(tmp_path) is not old


def test_running_on_a_warm_kernel_leaves_the_signal_handlers_alone(
        tmp_path: Path, kernel: WarmKernel) -> None:
    def mine(signum: int, frame: object) -> None:
        raise AssertionError("not called in this test")

    before = signal.signal(signal.SIGTERM, mine), signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        execute_notebook(PROBE, tmp_path / "out.ipynb", {"territory": "35"}, kernel=kernel)
        assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, before[0])
        signal.signal(signal.SIGINT, before[1])


def test_a_cell_error_without_an_error_output_still_fails_the_notebook(
        tmp_path: Path, kernel: WarmKernel, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    run_cell = NotebookClient.execute_cell

    def error_reply_only(self: NotebookClient, cell: NotebookNode, index: int, **kw: Any) -> Any:
        ran = run_cell(self, cell, index, **kw)
        if "time.sleep" in cell.source:  # the kernel said error, but no error output came
            raise CellExecutionError("", "KernelSaidError", "no output")
        return ran

    monkeypatch.setattr(NotebookClient, "execute_cell", error_reply_only)
    with pytest.raises(NotebookFailed) as failed:
        execute_notebook(PROBE, tmp_path / "out.ipynb", {"territory": "35"}, kernel=kernel)
    assert failed.value.ename == "CellExecutionError"
    assert (tmp_path / "out.ipynb").exists()


def test_what_a_notebook_left_behind_is_collected_before_the_next_one(
        tmp_path: Path, kernel: WarmKernel) -> None:
    leaves = with_cell(tmp_path, "leaves.ipynb", (
        "import sys, weakref\n"
        "class Node: pass\n"
        "a, b = Node(), Node()\n"
        "a.other, b.other = b, a  # a cycle: only the cycle collector frees it\n"
        "sys.sferum_probe = weakref.ref(a)"))
    execute_notebook(leaves, tmp_path / "a.ipynb", {"territory": "35"}, kernel=kernel)
    checks = with_cell(tmp_path, "checks.ipynb", "import sys; print(sys.sferum_probe() is None)")
    executed = execute_notebook(checks, tmp_path / "b.ipynb", {"territory": "35"}, kernel=kernel)
    assert executed.cells[-1].outputs[0]["text"].strip() == "True"


def listening_tcp_ports(pid: int) -> set[int]:
    """TCP ports the process listens on: its socket inodes matched with /proc/net/tcp{,6}."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name if hasattr(fd, "readlink") else ""
        except OSError:
            continue
        if str(target).startswith("socket:["):
            inodes.add(str(target)[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_kernels_listen_on_ipc_sockets_not_on_tcp_ports(tmp_path: Path, capfd) -> None:
    warm = WarmKernel()
    try:
        execute_notebook(PROBE, tmp_path / "warm.ipynb", {"territory": "35"}, kernel=warm)
        manager = warm.manager(tmp_path)
        pid = manager.provisioner.process.pid  # type: ignore[union-attr]
        assert manager.transport == "ipc"
        assert listening_tcp_ports(pid) == set()
        assert Path(f"{manager.ip}-{manager.shell_port}").is_socket()
    finally:
        warm.close()
    execute_notebook(PROBE, tmp_path / "fresh.ipynb", {"territory": "35"})  # papermill's fresh kernel
    assert "without encryption" not in capfd.readouterr().err


def test_output_of_a_forked_process_still_reaches_the_notebook_over_ipc(tmp_path: Path,
                                                                         kernel: WarmKernel) -> None:
    forking = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                "display_name": "Python 3"}})
    forking.cells = [nbformat.v4.new_code_cell(
        "import multiprocessing\n"
        "child = multiprocessing.get_context('fork').Process(target=print, args=('from a child',))\n"
        "child.start(); child.join()")]
    nbformat.write(forking, tmp_path / "fork.ipynb")
    done = execute_notebook(tmp_path / "fork.ipynb", tmp_path / "out.ipynb", {}, kernel=kernel)
    assert "from a child" in "".join(o.get("text", "") for o in done.cells[-1].outputs)
