"""The documented data contract is the declared one."""

from __future__ import annotations

from helpers.config import PROJECT_ROOT
from helpers.ingestion.contract.forms import FORMS


def test_every_declared_column_is_documented_with_its_headers() -> None:
    text = (PROJECT_ROOT / "docs" / "data-contract.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in text.splitlines()
            if line.startswith("| `")}
    for form in FORMS.values():
        for column in form.columns:
            assert column.name in rows, f"{column.name} missing from docs/data-contract.md"
            assert f"| {column.header} |" in rows[column.name]
            for alias in column.aliases:
                assert alias in rows[column.name]
            if column.not_above:
                assert f"≤ `{column.not_above}`" in rows[column.name]


def test_the_readme_layout_describes_every_package_and_module_of_the_tree() -> None:
    from helpers.config import PACKAGE_DIR, PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    packages = {p.parent.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("__init__.py")}
    packages.discard(".")
    kinds = {p for p in packages if p.startswith("briefings/")}
    for package in sorted(packages - kinds):
        assert f"{package.rsplit('/', 1)[-1]}/" in layout, f"README layout misses {package}/"
    for kind in kinds:
        assert kind.rsplit("/", 1)[-1] in layout, f"README layout misses the kind {kind}"
    for module in PACKAGE_DIR.glob("*.py"):
        if module.name != "__init__.py":
            assert module.name in layout, f"README layout misses {module.name}"
    for tool in (PROJECT_ROOT / "tools").glob("*.py"):
        assert tool.name in layout, f"README layout misses tools/{tool.name}"
