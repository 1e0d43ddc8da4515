"""Exact staleness beyond the warehouse: params and reference files, a kind's own code, shared code.

For every kind × every params or reference file: a change to the file changes the fingerprint
of exactly the kinds that declare it (``BriefingKind.inputs``), and the batch says so in words.
A change in one kind's package or fragments re-renders that kind only. And the declarations are
true: a kind's load opens no params or reference file it does not declare.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.batch import fingerprint as fp
from helpers.batch.plan import Job, Kind
from helpers.batch.territories import Territory
from helpers.briefings import inputs, registry
from helpers.config import PARAMS_DIR, REFERENCE_DIR

KINDS = tuple(registry())
FILES = tuple(item.key for item in inputs.ALL)


def _job(kind: Kind) -> Job:
    level = next(iter(kind.levels))
    code = {"national": "RU", "region": "35", "municipality": "19701000"}[level]
    return Job(kind, Territory(code, code, level, region="35"), {"period": ""})


@pytest.fixture
def copied_kinds(tmp_path: Path) -> dict[str, Kind]:
    """The shipped kinds with their input files, packages and fragments copied into tmp_path."""
    copies = {}
    for item in inputs.ALL:
        copies[item.key] = tmp_path / "inputs" / item.path.name
        copies[item.key].parent.mkdir(exist_ok=True)
        shutil.copy(item.path, copies[item.key])
    kinds = {}
    for name, kind in registry().items():
        assert kind.package is not None and kind.fragments is not None
        package, fragments = tmp_path / "code" / name, tmp_path / "fragments" / name
        shutil.copytree(kind.package, package, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(kind.fragments, fragments)
        kinds[name] = dataclasses.replace(
            kind, package=package, fragments=fragments,
            inputs=tuple(dataclasses.replace(i, path=copies[i.key]) for i in kind.inputs))
    fp.clear_caches()
    yield kinds
    fp.clear_caches()


def _prints(kinds: dict[str, Kind]) -> dict[str, dict]:
    fp.clear_caches()
    return {name: fp.fingerprint(_job(kind), {}) for name, kind in kinds.items()}


@pytest.mark.parametrize("key", FILES)
def test_a_params_or_reference_file_re_renders_exactly_the_kinds_that_declare_it(
        copied_kinds: dict[str, Kind], key: str) -> None:
    before = _prints(copied_kinds)
    changed_file = next(i.path for k in copied_kinds.values() for i in k.inputs if i.key == key)
    with changed_file.open("a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    after = _prints(copied_kinds)
    for name, kind in copied_kinds.items():
        declares = key in {i.key for i in kind.inputs}
        assert (before[name]["total"] != after[name]["total"]) == declares, (name, key)
        if declares:
            word = next(i.reason for i in kind.inputs if i.key == key)
            assert fp.changes(before[name], after[name], kind) == [word]


def test_every_kind_declares_its_files_and_none_that_it_does_not_read() -> None:
    declared = {name: {i.key for i in kind.inputs} for name, kind in registry().items()}
    assert declared == {
        "regional_ranking": {"targets", "regions"},
        "municipality_scorecard": {"targets", "tasks", "regions"},
        "migration_readiness": {"targets", "campaigns", "regions"},
        "diary_authorization_gaps": {"targets", "tasks", "regions"},
    }


@pytest.mark.parametrize("name", KINDS)
@pytest.mark.parametrize("part", ["build.py", "present.py", "fragment"])
def test_a_kinds_own_code_re_renders_that_kind_only(copied_kinds: dict[str, Kind], name: str,
                                                    part: str) -> None:
    before = _prints(copied_kinds)
    kind = copied_kinds[name]
    assert kind.package is not None and kind.fragments is not None
    target = kind.package / part if part != "fragment" else sorted(kind.fragments.glob("*.j2"))[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after = _prints(copied_kinds)
    assert {n for n in KINDS if before[n]["total"] != after[n]["total"]} == {name}
    assert fp.changes(before[name], after[name], kind) == ["код справки"]


def test_shared_code_re_renders_every_kind(copied_kinds: dict[str, Kind]) -> None:
    before = _prints(copied_kinds)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fp, "code_hash", lambda: "another shared code")
        after = {name: fp.fingerprint(_job(kind), {}) for name, kind in copied_kinds.items()}
    assert all(before[n]["total"] != after[n]["total"] for n in KINDS)
    assert fp.changes(before[KINDS[0]], after[KINDS[0]]) == ["общий код"]


def test_shared_code_leaves_out_the_kinds_and_what_no_render_imports() -> None:
    fp.clear_caches()
    package = Path(fp.__file__).resolve().parents[1]
    kind_file = package / "briefings" / "regional_ranking" / "build.py"
    mail_file = package / "delivery" / "send.py"
    hashed = set(_hashed_code_files(package))
    assert kind_file not in hashed and mail_file not in hashed
    assert package / "render" / "pipeline.py" in hashed
    assert package / "ingestion" / "contract" / "forms.py" in hashed
    assert package / "ingestion" / "ingest.py" not in hashed


def _hashed_code_files(package: Path) -> list[Path]:
    seen: list[Path] = []
    original = fp._hash_files

    def spy(paths, root):  # noqa: ANN001, ANN202
        listed = list(paths)
        seen.extend(listed)
        return original(listed, root)

    fp._hash_files = spy  # type: ignore[assignment]
    try:
        fp.code_hash.cache_clear()
        fp.code_hash()
    finally:
        fp._hash_files = original  # type: ignore[assignment]
        fp.code_hash.cache_clear()
    return seen


def test_rendering_imports_nothing_the_shared_code_hash_leaves_out() -> None:
    """What ``NOT_RENDERING`` leaves out of the fingerprint is never imported by a render: the
    batch worker, the render pipeline, and every kind's build and present (as its notebook does)."""
    script = textwrap.dedent("""
        import importlib, sys
        import helpers.batch.executors, helpers.render.pipeline, helpers.batch.run
        from helpers.briefings import registry
        for name in registry():
            importlib.import_module(f"helpers.briefings.{name}.build")
            importlib.import_module(f"helpers.briefings.{name}.present")
        print("\\n".join(sorted(m for m in sys.modules if m.startswith("helpers."))))
    """)
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout.split()
    left_out = [m for m in loaded
                if m.split(".")[1] in ("delivery", "schedule", "demo")
                or (m.startswith("helpers.ingestion.") and not m.startswith("helpers.ingestion.contract"))]
    assert not left_out


_OPENED: dict[str, dict[str, set[str]]] = {}


def _opened(name: str, warehouse: Path) -> dict[str, set[str]]:
    """Run the kind's load on the demo warehouse in a fresh interpreter, recording every file it
    opens under params/ and data/reference (an audit hook), apart: those its pure ``build`` opens
    (``build``) and those the rest of the load opens (``load``). Once per kind."""
    if name in _OPENED:
        return _OPENED[name]
    kind = registry()[name]
    level = next(iter(kind.levels))
    arguments = {"national": "", "region": "region_code='35'", "municipality":
                 "region_code='35', oktmo='19701000'"}[level]
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        opened = []
        phase = ["load"]
        roots = ({str(PARAMS_DIR)!r}, {str(REFERENCE_DIR)!r})
        def hook(event, args):
            if event == "open" and isinstance(args[0], (str, Path)) and str(args[0]).startswith(roots):
                opened.append(phase[0] + " " + str(Path(args[0]).resolve()))
        sys.addaudithook(hook)
        from helpers.briefings.{name} import build
        pure = build.build
        def watched(*args, **kwargs):
            phase[0] = "build"
            try:
                return pure(*args, **kwargs)
            finally:
                phase[0] = "load"
        build.build = watched
        build.load({arguments}{", " if arguments else ""}warehouse_path=Path({str(warehouse)!r}))
        print("\\n".join(sorted(set(opened))))
    """)
    lines = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    _OPENED[name] = {"load": set(), "build": set()}
    for line in lines:
        phase, path = line.split(" ", 1)
        _OPENED[name][phase].add(path)
    return _OPENED[name]


@pytest.mark.parametrize("name", KINDS)
def test_a_kinds_load_opens_only_the_files_it_declares(demo_warehouse: Path, name: str) -> None:
    opened = _opened(name, demo_warehouse)["load"]
    declared = {str(i.path.resolve()) for i in registry()[name].inputs}
    assert opened, "the audit hook saw no file: the test would pass for nothing"
    assert opened <= declared, opened - declared


@pytest.mark.parametrize("name", KINDS)
def test_a_kinds_build_opens_no_params_or_reference_file(demo_warehouse: Path, name: str) -> None:
    """The params come in as arguments: ``build`` is pure, the loader reads every file."""
    opened = _opened(name, demo_warehouse)
    assert opened["load"], "the audit hook saw no file: the test would pass for nothing"
    assert not opened["build"]
