"""A notebook saved from JupyterLab with its outputs never dirties git: `make setup` installs
nbstripout as the git filter `.gitattributes` names for *.ipynb."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nbformat

from helpers.config import NOTEBOOKS_DIR, PROJECT_ROOT

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=GIT_ENV).stdout


def test_outputs_saved_by_lab_leave_git_status_clean_and_never_reach_a_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    git(repo, "init", "-q")
    subprocess.run(["make", "--no-print-directory", "-C", str(PROJECT_ROOT), "notebook-filter",
                    f"GIT_REPO={repo}"], check=True, capture_output=True)
    shutil.copy(PROJECT_ROOT / ".gitattributes", repo / ".gitattributes")
    notebook = repo / "notebooks" / "regional_ranking.ipynb"
    shutil.copy(NOTEBOOKS_DIR / "regional_ranking.ipynb", notebook)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "notebook")

    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells[2:] if c.cell_type == "code")
    cell.execution_count = 3
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": "<p>строка</p>" * 50_000})]
    nbformat.write(nb, notebook)
    assert notebook.stat().st_size > 500_000
    assert git(repo, "diff") == ""  # git sees the notebook through the filter: nothing changed
    git(repo, "add", "-A")
    assert git(repo, "status", "--porcelain") == ""  # and nothing to commit

    cell.source += "\n# правка аналитика"
    nbformat.write(nb, notebook)
    git(repo, "commit", "-qam", "edit")
    committed = git(repo, "show", "HEAD:notebooks/regional_ranking.ipynb")
    assert "правка аналитика" in committed and "<p>строка</p>" not in committed
    assert '"execution_count": null' in committed


def test_lab_saves_a_notebook_without_its_outputs(tmp_path: Path) -> None:
    from helpers.presentation.lab import strip_on_save

    nb = nbformat.read(NOTEBOOKS_DIR / "diary_authorization_gaps.ipynb", as_version=4)
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = number + 1
        cell.metadata["execution"] = {"iopub.status.busy": "2026-12-07T04:00:00Z"}
        cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": "<p>3 562 строки</p>"})]
    model = {"type": "notebook", "content": nbformat.from_dict(nb)}
    strip_on_save(model, path="diary_authorization_gaps.ipynb")
    saved = nbformat.writes(nbformat.from_dict(model["content"])) + "\n"
    assert saved == (NOTEBOOKS_DIR / "diary_authorization_gaps.ipynb").read_text(encoding="utf-8")
