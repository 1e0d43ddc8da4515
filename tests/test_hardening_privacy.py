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


# --- a person's data typed into the wrong column is described, not quoted -------------------------

PLANTED = [  # (file, row index, column index, value): names, logins, an address, a phone
    ("pupils.csv", 0, 3, "Иванов Юрий Сергеевич"),             # a full name in «Класс»
    ("pupils.csv", 1, 3, "Петрова Анна"),
    ("pupils.csv", 2, 6, "Зайцева Анна Игоревна"),              # in the Госуслуги account choice
    ("parents.csv", 1, 7, "ivanova@mail.ru"),                   # in «Коды ОО детей»
    ("участники_2024-09-16_1405.csv", 5, 0, "+7 921 123-45-67"),  # in «Идентификатор чата»
    ("участники_2024-09-16_1405.csv", 0, 4, "Проничева Ирина Владимировна"),  # in «last seen»
    ("участники_2024-09-16_1405.csv", 3, 4, "Орехова Т. В."),
    ("участники_2024-09-16_1405.csv", 4, 3, "Анна Зайцева"),    # in «Роль»
    ("parents.csv", 0, 8, "ivanova.ty"),                        # a login in a yes/no flag
    ("parents.csv", 2, 8, "petrov77"),
]


def planted_tables() -> dict[str, dict]:
    tables = copy.deepcopy(TABLES)
    for name, row, column, value in PLANTED:
        tables[name]["rows"][row][column] = value
    return tables


def test_personal_values_in_other_columns_of_a_personal_file_are_described_by_shape(
        tmp_path: Path) -> None:
    folder = write_region(tmp_path / "regions" / "35", planted_tables())
    data = load_region(folder, "35", load_municipalities(), today=TODAY, base=tmp_path)
    text = "\n".join(str(p) for p in data.problems)
    for _file, _row, _column, value in PLANTED:
        assert value not in text, value
    assert "столбец «Класс»: значение (три слова, 21 символ — похоже на ФИО, скрыто)" in text
    assert "значение (десять символов — похоже на логин, скрыто)" in text
    assert "похоже на адрес электронной почты, скрыто" in text and "похоже на номер телефона" in text
    hidden = {(p.file.rsplit("/", 1)[-1], p.row) for p in data.problems if p.shape}
    assert len(hidden) == len(PLANTED), text  # every planted cell is reported, none quoted


def test_a_bad_value_with_its_own_column_s_shape_is_still_quoted(tmp_path: Path) -> None:
    tables = copy.deepcopy(TABLES)
    tables["pupils.csv"]["rows"][0][3] = "13 Б"  # a class, of a grade that does not exist
    tables["parents.csv"]["rows"][0][8] = "ага"  # a yes/no word the contract does not know
    folder = write_region(tmp_path / "regions" / "35", tables)
    data = load_region(folder, "35", load_municipalities(), today=TODAY, base=tmp_path)
    text = "\n".join(str(p) for p in data.problems)
    assert "столбец «Класс»: значение «13 Б»" in text
    assert "значение «ага»" in text


def test_the_console_and_the_log_describe_planted_values_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write_federal_exports(build_federal_history(), tmp_path / "data" / "federal")
    write_region(tmp_path / "data" / "regions" / "35", planted_tables())
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "output"))
    assert ingest.main(["--check"]) == 2
    captured = capsys.readouterr()
    console = captured.out + captured.err
    log = (tmp_path / "output" / "logs" / "ingest.log").read_text(encoding="utf-8")
    for _file, _row, _column, value in PLANTED:
        assert value not in console and value not in log, value
    assert "похоже на ФИО, скрыто" in console and "похоже на ФИО, скрыто" in log
