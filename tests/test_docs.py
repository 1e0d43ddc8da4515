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
