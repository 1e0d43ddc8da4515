"""The import contract: each layer imports only what lies below it.

Layers, bottom up: ``errors`` (the suite's exceptions); ``config``, ``cli`` and ``vocabulary``;
``ingestion.contract`` (the data contract);
``warehouse``; ``ingestion``; ``indicators``; each briefing's ``READS`` and ``build``;
``presentation``; each briefing's ``present``; ``render``; ``batch``; ``delivery`` (mail);
``schedule`` (the scheduler, which runs batches and then delivers). ``demo`` writes exports and
sits beside ingestion. A briefing's ``build`` is pure computation: no IPython, no plotting, no
rendering, no presentation.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers.config import PACKAGE_DIR

PLOTTING = ("IPython", "matplotlib", "seaborn", "nbformat", "nbconvert", "papermill", "playwright")
ABOVE_DATA = ("helpers.briefings", "helpers.presentation", "helpers.render", "helpers.batch",
              "helpers.delivery", "helpers.schedule", *PLOTTING)

EVERYTHING_BUT_ERRORS = ("helpers.config", "helpers.cli", "helpers.vocabulary", "helpers.briefings",
                         "helpers.ingestion", "helpers.warehouse", "helpers.indicators",
                         "helpers.presentation", "helpers.render", "helpers.batch", "helpers.delivery",
                         "helpers.schedule", "helpers.demo")

# module prefix → import prefixes it must not use
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "helpers.errors": ("helpers.",),  # the suite's exceptions: the bottom of every layer
    "helpers.config": EVERYTHING_BUT_ERRORS,
    "helpers.cli": EVERYTHING_BUT_ERRORS,
    "helpers.vocabulary": ("helpers.briefings", "helpers.ingestion", "helpers.warehouse",
                           "helpers.indicators", "helpers.presentation", "helpers.render",
                           "helpers.batch", "helpers.delivery", "helpers.schedule", *PLOTTING),
    "helpers.ingestion.contract": ("helpers.ingestion.ingest", "helpers.ingestion.regional",
                                   "helpers.ingestion.privacy", "helpers.warehouse",
                                   "helpers.indicators", "helpers.demo", *ABOVE_DATA),
    "helpers.ingestion": ("helpers.indicators", "helpers.demo", *ABOVE_DATA),
    "helpers.warehouse": ("helpers.ingestion", "helpers.indicators", "helpers.demo", *ABOVE_DATA),
    "helpers.indicators": ("helpers.ingestion.ingest", "helpers.ingestion.regional",
                           "helpers.demo", *ABOVE_DATA),
    "helpers.briefings": ("helpers.presentation", "helpers.render", "helpers.batch",
                          "helpers.delivery", "helpers.schedule", "helpers.demo", *PLOTTING),
    "helpers.presentation": ("helpers.render", "helpers.batch", "helpers.briefings",
                             "helpers.ingestion", "helpers.delivery", "helpers.schedule", "helpers.demo"),
    "helpers.render": ("helpers.briefings", "helpers.batch", "helpers.ingestion", "helpers.delivery",
                       "helpers.schedule", "helpers.demo"),
    "helpers.batch": ("helpers.delivery", "helpers.schedule", "helpers.demo"),
    "helpers.delivery": ("helpers.schedule", "helpers.demo"),
    "helpers.schedule": ("helpers.demo",),
    "helpers.demo": ("helpers.briefings", "helpers.presentation", "helpers.render",
                     "helpers.batch", "helpers.delivery", "helpers.schedule"),
}
PRESENT_MAY_USE = ("helpers.presentation", *PLOTTING)  # a briefing's present.py and parts.py only


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def rules_for(name: str) -> tuple[str, ...]:
    prefixes = [p for p in FORBIDDEN if name == p or name.startswith(p + ".")]
    rules = FORBIDDEN[max(prefixes, key=len)] if prefixes else ()
    if name.startswith("helpers.briefings.") and name.endswith((".present", ".parts")):
        rules = tuple(r for r in rules if not r.startswith(PRESENT_MAY_USE))
    return rules


def _matches(module: str, prefix: str) -> bool:
    return module == prefix.rstrip(".") or module.startswith(prefix if prefix.endswith(".") else prefix + ".")


MODULES = sorted(PACKAGE_DIR.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_a_module_imports_nothing_above_its_layer(path: Path) -> None:
    name = module_name(path)
    wrong = sorted(m for m in imports(path) for rule in rules_for(name)
                   if _matches(m, rule) and not _matches(m, name))
    assert not wrong, f"{name} imports {wrong}"


def test_every_briefing_kind_has_the_same_shape() -> None:
    from helpers.briefings import registry

    for kind in registry():
        folder = PACKAGE_DIR / "briefings" / kind
        files = {p.name for p in folder.glob("*.py")}
        assert {"__init__.py", "build.py", "present.py"} <= files <= {"__init__.py", "build.py",
                                                                      "present.py", "parts.py"}, kind
        assert (PACKAGE_DIR / "templates" / "briefing" / "fragments" / kind).is_dir(), kind


def test_the_contract_rule_catches_a_forbidden_import() -> None:
    build = rules_for("helpers.briefings.diary_authorization_gaps.build")
    assert any(_matches("IPython.display", r) for r in build)
    assert any(_matches("helpers.presentation.charts", r) for r in build)
    assert not any(_matches("helpers.presentation", r) for r in rules_for("helpers.render.excel"))
    assert not any(_matches("helpers.presentation.tables", r)
                   for r in rules_for("helpers.briefings.diary_authorization_gaps.present"))
    assert any(_matches("helpers.render.excel", r)
               for r in rules_for("helpers.briefings.diary_authorization_gaps.present"))
