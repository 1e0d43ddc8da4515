"""The conda environment and pyproject.toml list the same pinned packages; notebooks are clean."""

from __future__ import annotations

import json
import re
import tomllib

import yaml

from helpers.config import NOTEBOOKS_DIR, PROJECT_ROOT


def _normalise(requirement: str) -> str:
    name, _, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower().strip()}=={version.strip()}"


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                        for r in extra]
    return {_normalise(r) for r in listed}


def _conda_requirements() -> set[str]:
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip_lists = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    return {_normalise(r) for r in pip_lists[0] if not r.startswith("-e")}


def test_environment_yml_and_pyproject_pin_the_same_packages() -> None:
    assert _conda_requirements() == _pyproject_requirements()


def test_every_dependency_is_pinned() -> None:
    assert all("==" in r for r in _pyproject_requirements())


def test_environment_yml_uses_the_supported_python() -> None:
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]


def test_committed_notebooks_have_no_outputs() -> None:
    notebooks = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    for path in notebooks:
        cells = json.loads(path.read_text())["cells"]
        dirty = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
                 and (c.get("outputs") or c.get("execution_count"))]
        assert not dirty, f"{path.name}: cells {dirty} keep outputs; run nbstripout"
