"""`make lab` starts JupyterLab wherever the README's set-up works — as root too."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from lab_server import running_lab


def test_make_lab_serves_jupyterlab(tmp_path: Path) -> None:
    with running_lab(tmp_path, {}) as lab:
        with urllib.request.urlopen(f"{lab.url}/lab?token={lab.token}", timeout=30) as page:
            body = page.read().decode("utf-8")
        assert page.status == 200 and "JupyterLab" in body
