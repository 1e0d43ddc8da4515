"""Messages and logs about a bad export never quote a person's data: the file, sheet, row,
column and rule find the cell; the ingestion log is owner-only."""

from __future__ import annotations

import copy
import stat
from pathlib import Path

import pytest
from test_contract_regional import TABLES, TODAY, write_region

from helpers.demo.federal import build_federal_history, write_federal_exports
from helpers.ingestion import ingest
from helpers.ingestion.contract.problems import MASKED_VALUE
from helpers.ingestion.regional import load_region
from helpers.warehouse.reference import load_municipalities

BIRTH = "31.02.2013"  # no such day
PUPIL = "p-secret-77"


def hostile_tables(*, duplicate: bool = False) -> dict[str, dict]:
    tables = copy.deepcopy(TABLES)
    pupils = tables["pupils.csv"]["rows"]
    if duplicate:
        pupils[1][0] = pupils[2][0] = PUPIL  # a duplicated pupil id
    else:
        pupils[0][4] = BIRTH
    return tables


@pytest.mark.parametrize("duplicate, column", [(False, "Дата рождения"),
                                               (True, "Идентификатор ученика")])
def test_problems_about_personal_columns_do_not_show_the_value(
        tmp_path: Path, duplicate: bool, column: str) -> None:
    folder = write_region(tmp_path / "regions" / "35", hostile_tables(duplicate=duplicate))
    data = load_region(folder, "35", load_municipalities(), today=TODAY, base=tmp_path)
    text = "\n".join(str(p) for p in data.problems)
    masked = [p for p in data.problems if p.masked]
    assert column in {p.column for p in masked}, text
    assert all(p.row is not None and MASKED_VALUE in str(p) for p in masked)
    for secret in (BIRTH, PUPIL, "Иванов", "ivanova.ty", "112-233-445"):
        assert secret not in text


def test_values_of_other_columns_are_still_quoted(tmp_path: Path) -> None:
    tables = copy.deepcopy(TABLES)
    tables["chats.xlsx"]["rows"][0][2] = "группа"
    folder = write_region(tmp_path / "regions" / "35", tables)
    data = load_region(folder, "35", load_municipalities(), today=TODAY, base=tmp_path)
    assert any("значение «группа»" in str(p) and not p.masked for p in data.problems)


def test_the_ingestion_log_is_owner_only_and_masked(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_federal_exports(build_federal_history(), tmp_path / "data" / "federal")
    write_region(tmp_path / "data" / "regions" / "35", hostile_tables())
    output = tmp_path / "output"
    (output / "logs").mkdir(parents=True)
    (output / "logs" / "ingest.log").write_text("old\n", encoding="utf-8")
    (output / "logs" / "ingest.log").chmod(0o644)  # as an older version left it
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(output))
    assert ingest.main(["--check"]) == 2
    log = output / "logs" / "ingest.log"
    text = log.read_text(encoding="utf-8")
    assert "Дата рождения" in text and BIRTH not in text and PUPIL not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_a_warehouse_built_with_another_key_is_not_silently_rebuilt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.ingestion import privacy
    from helpers.warehouse import store

    write_federal_exports(build_federal_history(), tmp_path / "data" / "federal")
    env_file = tmp_path / ".env"
    monkeypatch.setattr(privacy, "ENV_FILE", env_file)
    monkeypatch.setattr(ingest, "secret", lambda: privacy.secret(env_file))
    monkeypatch.delenv("SFERUM_SECRET", raising=False)
    monkeypatch.delenv("SFERUM_NEW_KEY", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "output"))
    assert ingest.main([]) == 0
    assert "новый ключ" in capsys.readouterr().err
    stored = store.key_id(tmp_path / "w.duckdb")
    assert stored == privacy.key_fingerprint(privacy.secret(env_file))
    before = (tmp_path / "w.duckdb").read_bytes()

    env_file.unlink()  # the analyst deletes .env: a new key would change every pseudonym
    assert ingest.main([]) == 2
    err = capsys.readouterr().err
    assert "другим ключом" in err and "SFERUM_NEW_KEY=1" in err and stored in err
    assert (tmp_path / "w.duckdb").read_bytes() == before
    assert ingest.main([]) == 2  # the new key now in .env changes nothing: still refused

    monkeypatch.setenv("SFERUM_NEW_KEY", "1")  # the change is meant
    assert ingest.main([]) == 0
    assert store.key_id(tmp_path / "w.duckdb") == privacy.key_fingerprint(privacy.secret(env_file))


def test_every_problem_of_a_file_in_one_run(tmp_path: Path) -> None:
    tables = copy.deepcopy(TABLES)
    pupils = tables["pupils.csv"]["rows"]
    pupils[0][4] = BIRTH  # a cell error (parsing)…
    pupils[2][0] = pupils[1][0]  # …and a repeated key (validation), in the same file
    folder = write_region(tmp_path / "regions" / "35", tables)
    data = load_region(folder, "35", load_municipalities(), today=TODAY, base=tmp_path)
    rules = [p.rule for p in data.problems if p.severity == "error"]
    assert any("ожидается дата" in r for r in rules), rules
    assert any("повтор ключа" in r for r in rules), rules
