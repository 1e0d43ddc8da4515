"""The briefing kernel: ipykernel with every socket on IPC, none on a TCP port of the machine.

``python -m helpers.render.kernel -f CONNECTION_FILE`` is ipykernel's own launcher with one
change. With the IPC transport (see :mod:`helpers.render.execute`) the kernel's five channels are
Unix sockets, but ipykernel still binds one TCP port on 127.0.0.1: the pipe that carries output
of processes forked inside a cell back to IOPub (``IOPubThread._setup_pipe_in``, pinned
ipykernel 7.4). Here that pipe is a Unix socket in the user's private runtime folder too, so
output of forked children still reaches the notebook and no local user can reach the kernel.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import zmq
from ipykernel import iostream
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_core.paths import jupyter_runtime_dir
from zmq.eventloop.zmqstream import ZMQStream

LAUNCHER = "helpers.render.kernel"


def _pipe_in_over_ipc(self: Any) -> None:
    """Listen for forked children's output on a Unix socket (ipykernel binds a TCP port)."""
    self._pipe_uuid = os.urandom(16)
    pipe_in = self.socket.context.socket(zmq.PULL)
    pipe_in.linger = 0
    self._pipe_address = f"ipc://{Path(jupyter_runtime_dir()) / f'sferum-pipe-{uuid.uuid4().hex[:12]}'}"
    pipe_in.bind(self._pipe_address)
    self._pipe_in = ZMQStream(pipe_in, self.io_loop)
    self._pipe_in.on_recv(self._handle_pipe_msg)


def _pipe_out_over_ipc(self: Any) -> tuple[zmq.Context, zmq.Socket]:
    """A forked child's end of the pipe (a new context: one must not cross a fork)."""
    context = zmq.Context()
    pipe_out = context.socket(zmq.PUSH)
    pipe_out.linger = 3000
    pipe_out.connect(self._pipe_address)
    return context, pipe_out


class IpcKernelSpecs(KernelSpecManager):
    """Kernel specs whose Python kernels start through this module's launcher."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        spec.argv = [LAUNCHER if arg == "ipykernel_launcher" else arg for arg in spec.argv]
        return spec


def main() -> None:
    """Start ipykernel with the forked-output pipe on IPC."""
    iostream.IOPubThread._setup_pipe_in = _pipe_in_over_ipc  # type: ignore[method-assign]
    iostream.IOPubThread._setup_pipe_out = _pipe_out_over_ipc  # type: ignore[method-assign]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
