"""`make lab` starts JupyterLab wherever the README's set-up works — as root too."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from helpers.config import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_make_lab_serves_jupyterlab(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "lab.log"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    with log.open("w") as sink:
        lab = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_PORT={port}"],
                               cwd=PROJECT_ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)
    try:
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            assert lab.poll() is None, log.read_text()
            found = re.search(rf"http://(?:127\.0\.0\.1|localhost):{port}/lab\?token=\w+", log.read_text())
            url = found.group(0) if found else None
            time.sleep(0.5)
        assert url, log.read_text()
        with urllib.request.urlopen(url.replace("localhost", "127.0.0.1"), timeout=30) as page:
            body = page.read().decode("utf-8")
        assert page.status == 200 and "JupyterLab" in body
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
