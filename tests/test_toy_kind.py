"""Adding a kind is its package, its notebook and its fragments — nothing else.

A toy kind is written into a temporary folder (``KINDS_PATH``) the way docs/analysts.md tells an
analyst to add one: a package with its declaration, build and present, its notebook and one
fragment. No params file, catalog table or list in the code names it; the batch plans it,
renders it to every registered output, and the catalog files it under its own section with the
reason it was rendered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.render.exporters import EXPORTERS
from helpers.warehouse import store

DECLARATION = '''
"""A toy kind: K-teachers of one region, to show what adding a kind takes."""

from pathlib import Path

from helpers.briefings import inputs
from helpers.briefings.declaration import declare
from helpers.warehouse.slices import Reads, TableRead

HERE = Path(__file__).parent
READS = Reads((TableRead("federal_snapshots", columns=("region_code", "snapshot_date",
                                                       "teachers_total")),))
KIND = declare(__file__, name="toy_kind", notebook=HERE / "toy_kind.ipynb",
               title="Игрушечная справка", section="Игрушечные справки",
               levels={"region": {"region_code": "{territory}"}}, reads=READS,
               inputs=(inputs.TARGETS,), fragments=HERE / "fragments")
'''

BUILD = '''
"""The toy kind's figures: a pure build from its frames and params."""

from helpers.briefings import skeleton

from . import KIND


def build(frames, *, region_code, targets, period=""):
    rows = frames["federal_snapshots"]
    return {"teachers": int(rows["teachers_total"].sum()), "target": targets.k1.value,
            "snapshot_date": str(rows["snapshot_date"].max())}


def load(region_code, warehouse_path=None):
    return skeleton.load(KIND, build, warehouse_path=warehouse_path, region_code=region_code)
'''

PRESENT = '''
"""What the toy's reader sees."""

import jinja2
import pandas as pd

from helpers.presentation import tables
from helpers.presentation.display import show_html, show_provenance

from . import HERE


def show(data):
    template = jinja2.Environment(autoescape=True).from_string(
        (HERE / "fragments" / "lead.html.j2").read_text(encoding="utf-8"))
    show_html(template.render(**data))
    tables.show(pd.DataFrame({"Педагогов": [data["teachers"]]}), name="Педагоги",
                title="Педагоги региона", formats={"Педагогов": "int"})
    show_provenance({"snapshot_date": data["snapshot_date"], "data_hash": "toy"}, "")
'''

NOTEBOOK_CELLS = [
    ('region_code: str = "35"  # код субъекта', ["parameters"]),
    ("from helpers.briefings.toy_kind import build, present\n\n"
     "present.show(build.load(region_code))", []),
]


def _write_kind(folder: Path) -> None:
    package = folder / "toy_kind"
    (package / "fragments").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(DECLARATION), encoding="utf-8")
    (package / "build.py").write_text(textwrap.dedent(BUILD), encoding="utf-8")
    (package / "present.py").write_text(textwrap.dedent(PRESENT), encoding="utf-8")
    (package / "fragments" / "lead.html.j2").write_text(
        "<p class=\"lead\">Педагогов в регионе: {{ teachers }} (цель K1: {{ target }}).</p>",
        encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(source, metadata={"tags": tags}) for source, tags in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, package / "toy_kind.ipynb")


def test_a_toy_kind_in_its_own_folder_is_planned_rendered_and_catalogued(tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    if not any(Path(p).exists() for p in ("/usr/bin/chromium", os.environ.get("CHROMIUM", "") or "/-")):
        pytest.skip("no Chromium to print the PDF")
    _write_kind(tmp_path / "kinds")
    rows = pd.DataFrame({"snapshot_date": [pd.Timestamp("2024-09-16").date()] * 2,
                         "region_code": ["35", "48"], "teachers_total": [9000, 7000]})
    store.rebuild(tmp_path / "w.duckdb", {"federal_snapshots": rows}, {})
    env = {**os.environ, "KINDS_PATH": str(tmp_path / "kinds"), "WAREHOUSE": str(tmp_path / "w.duckdb"),
           "OUTPUT_DIR": str(tmp_path / "out"), "JOBS": "1", "PERIOD": ""}
    for name in ("KIND", "TERRITORY", "BATCH", "REGION", "DEBUG"):
        env.pop(name, None)

    listed = subprocess.run([sys.executable, "-m", "helpers.batch", "--kinds"], env=env,
                            capture_output=True, text=True, check=True).stdout
    assert "toy_kind — Игрушечная справка" in listed

    ran = subprocess.run([sys.executable, "-m", "helpers.batch", "--kind", "toy_kind",
                          "--territory", "35"], env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "новая справка" in ran.stdout

    (entry,) = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["briefings"]
    assert entry["status"] == "ok" and entry["section"] == "Игрушечные справки"
    assert set(entry["outputs"]) == {e.key for e in EXPORTERS}
    assert all((tmp_path / "out" / path).stat().st_size > 0 for path in entry["outputs"].values())
    page = (tmp_path / "out" / entry["outputs"]["html"]).read_text(encoding="utf-8")
    assert "Педагогов в регионе: 9000" in page
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Игрушечные справки" in index and "новая справка" in index

    again = subprocess.run([sys.executable, "-m", "helpers.batch", "--kind", "toy_kind",
                            "--territory", "35"], env=env, capture_output=True, text=True, timeout=600)
    assert "актуальных 1, сформировано 0" in again.stdout
    fragment = tmp_path / "kinds" / "toy_kind" / "fragments" / "lead.html.j2"
    fragment.write_text(fragment.read_text(encoding="utf-8").replace("Педагогов", "Учителей"),
                        encoding="utf-8")
    changed = subprocess.run([sys.executable, "-m", "helpers.batch", "--kind", "toy_kind",
                              "--territory", "35"], env=env, capture_output=True, text=True, timeout=600)
    assert "сформировано 1" in changed.stdout and "код справки" in changed.stdout, changed.stdout
