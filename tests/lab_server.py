"""``make lab`` started for a test: the JupyterLab an analyst opens, on a free port."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from helpers.config import PROJECT_ROOT

START_TIMEOUT_S = 120


@dataclass(frozen=True)
class Lab:
    """A running ``make lab``: where it serves and its token."""

    url: str
    token: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_lab(scratch: Path, env: Mapping[str, str], *make_args: str) -> Iterator[Lab]:
    """``make lab`` with ``make_args`` (``LAB_DIR=…``) and ``env``, its log in ``scratch``; stopped
    on exit. Fails with the log if it stops or prints no address in time."""
    port = free_port()
    log = scratch / "lab.log"
    with log.open("w") as sink:
        server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_PORT={port}", *make_args],
                                  cwd=PROJECT_ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                  env={**os.environ, "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"), **env},
                                  start_new_session=True)
    try:
        token, deadline = None, time.monotonic() + START_TIMEOUT_S
        while token is None and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            found = re.search(rf"http://(?:127\.0\.0\.1|localhost):{port}/lab\?token=(\w+)", log.read_text())
            token = found.group(1) if found else None
            time.sleep(0.5)
        assert token, log.read_text()
        yield Lab(f"http://127.0.0.1:{port}", token)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
