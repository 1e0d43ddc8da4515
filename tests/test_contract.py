"""The federal data contract: every messy feature read, every rule reported with file/row/column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingestion.contract import cleaning
from helpers.ingestion.contract.forms import FEDERAL
from helpers.ingestion.contract.loading import load_file, load_folder
from helpers.ingestion.contract.problems import Problem
from helpers.ingestion.ingest import federal_context
from tests.conftest import GOOD_ROWS, HEADERS, totals_row


def load(path: Path, today: dt.date) -> tuple[pd.DataFrame, list[Problem]]:
    return load_file(path, FEDERAL, federal_context(today))


def only_errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# --- cleaning ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("1 234", 1234), ("1\u00a0234", 1234), ("1\u202f234 567", 1234567), (1234.0, 1234),
    (7, 7), ("12,0", 12),
])
def test_counts_written_as_text_with_spaces_are_numbers(raw: object, expected: int) -> None:
    assert cleaning.clean_count(raw) == expected


@pytest.mark.parametrize("raw", ["12,5", "много", "1.5"])
def test_a_count_that_is_not_a_whole_number_is_rejected(raw: object) -> None:
    with pytest.raises(ValueError, match="целое число"):
        cleaning.clean_count(raw)


@pytest.mark.parametrize("raw", [1, "1", "01", 1.0, " 01 "])
def test_region_codes_with_or_without_leading_zero_are_the_same(raw: object) -> None:
    assert cleaning.clean_code(raw, 2) == "01"


@pytest.mark.parametrize("raw, expected", [
    ("да", True), ("Да", True), ("ДА", True), ("+", True), (1, True), ("1", True),
    ("нет", False), ("-", False), ("0", False), (0, False), ("Нет", False),
])
def test_yes_no_variants(raw: object, expected: bool) -> None:
    assert cleaning.clean_flag(raw) is expected


@pytest.mark.parametrize("raw", [
    "Чувашская Республика - Чувашия", "Чувашская Республика — Чувашия",
    "Чувашская Республика-Чувашия", "чувашская республика – чувашия",
])
def test_names_with_any_dash_match_the_reference(raw: str) -> None:
    assert cleaning.name_key(raw) == cleaning.name_key("Чувашская Республика – Чувашия")


def test_headers_match_despite_case_yo_wrapping_and_units() -> None:
    written = "ПЕДАГОГОВ, СВЯЗАВШИХ\nУЧЕТНЫЕ ЗАПИСИ ЭЖД И СФЕРУМ (чел.)"
    assert cleaning.normalize_header(written) == cleaning.normalize_header(
        "Педагогов, связавших учётные записи ЭЖД и Сферум"
    )


# --- reading ----------------------------------------------------------------------------------

def test_xlsx_with_title_rows_and_totals_row(write_xlsx, today) -> None:
    path = write_xlsx(GOOD_ROWS, totals=totals_row(GOOD_ROWS))
    frame, problems = load(path, today)
    assert only_errors(problems) == []
    assert list(frame["region_code"]) == ["01", "35"]
    assert frame["snapshot_date"].iloc[0] == pd.Timestamp("2024-09-16")
    assert frame["pupils_total"].sum() == 156000  # totals row dropped, not added
    assert list(frame["integration_done"]) == [True, False]


def test_totals_row_that_differs_from_the_sum_is_an_error(write_xlsx, today) -> None:
    totals = totals_row(GOOD_ROWS)
    totals[2] = 999
    path = write_xlsx(GOOD_ROWS, totals=totals)
    _, problems = load(path, today)
    (problem,) = only_errors(problems)
    assert problem.row == 7 and problem.column == "Руководителей ОО, всего"
    assert problem.value == "999" and "итоговая строка" in problem.rule and "445" in problem.rule


def test_wrapped_upper_case_headers_with_units(write_xlsx, today) -> None:
    headers = [h.upper().replace("Ё", "Е").replace(", ", ",\n") + " (чел.)" for h in HEADERS]
    frame, problems = load(write_xlsx(GOOD_ROWS, headers=headers), today)
    assert only_errors(problems) == [] and len(frame) == 2


@pytest.mark.parametrize("encoding, delimiter", [("cp1251", ";"), ("utf-8", ","),
                                                 ("utf-8-sig", ";")])
def test_csv_in_either_encoding_and_separator(tmp_path, today, encoding, delimiter) -> None:
    lines = [delimiter.join(f'"{h}"' for h in HEADERS)]
    lines += [delimiter.join(f'"{v}"' for v in ["1", "Республика Адыгея (Адыгея)", "1 000", "20",
                                               "1\u00a0000", "200", "50", "3", "10 000", "100",
                                               "2000", "10", "+"])]
    path = tmp_path / "sferum_2024-09-09.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding.replace("utf-8-sig", "utf-8-sig"))
    frame, problems = load(path, today)
    assert only_errors(problems) == []
    row = frame.iloc[0]
    assert row["region_code"] == "01" and row["directors_total"] == 1000
    assert row["pupils_total"] == 10000 and bool(row["integration_done"]) is True
    assert row["snapshot_date"] == pd.Timestamp("2024-09-09")  # from the file name


def test_date_column_wins_over_title_and_file_name(write_xlsx, today) -> None:
    rows = [[*r, "02.09.2024"] for r in GOOD_ROWS]
    path = write_xlsx(rows, headers=[*HEADERS, "Дата среза"], title=None)
    frame, problems = load(path, today)
    assert only_errors(problems) == []
    assert set(frame["snapshot_date"]) == {pd.Timestamp("2024-09-02")}


def test_missing_snapshot_date_is_an_error(write_xlsx, today) -> None:
    _, problems = load(write_xlsx(GOOD_ROWS, title=None, name="federal.xlsx"), today)
    assert any("не найдена дата среза" in p.rule for p in only_errors(problems))


# --- validation rules, one message each --------------------------------------------------------

def _one_error(write_xlsx, today, rows, **kwargs) -> Problem:
    _, problems = load(write_xlsx(rows, **kwargs), today)
    errors = only_errors(problems)
    assert len(errors) == 1, errors
    return errors[0]


def test_active_above_total(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:], GOOD_ROWS[1][:]]
    rows[1][5] = 9500  # teachers active > teachers total 9000
    problem = _one_error(write_xlsx, today, rows)
    assert (problem.file, problem.sheet, problem.row) == ("federal.xlsx", "Свод", 6)
    assert problem.column == "Педагогических работников, активных в чатах"
    assert problem.value == "9500"
    assert problem.rule == "больше, чем «Педагогических работников, всего»"
    assert str(problem).startswith("ОШИБКА: federal.xlsx, лист «Свод», строка 6, столбец")


def test_linked_above_total(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:]]
    rows[0][10] = 20000
    problem = _one_error(write_xlsx, today, rows)
    assert problem.rule == "больше, чем «Обучающихся, всего»"


def test_negative_count(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:]]
    rows[0][3] = -5
    problem = _one_error(write_xlsx, today, rows)
    assert problem.rule == "количество не может быть отрицательным" and problem.value == "-5"


def test_text_in_a_count(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:]]
    rows[0][4] = "н/д"
    problem = _one_error(write_xlsx, today, rows)
    assert problem.rule == "ожидается целое число" and problem.column == "Педагогических работников, всего"


def test_unknown_region_code(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:]]
    rows[0][0] = "88"
    problem = _one_error(write_xlsx, today, rows)
    assert problem.rule == "код не найден в справочнике" and problem.value == "88"


def test_duplicate_region_code(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:], ["1", *GOOD_ROWS[0][1:]]]
    problem = _one_error(write_xlsx, today, rows)
    assert problem.rule.startswith("повтор ключа") and problem.row == 6


def test_an_empty_federal_workbook_is_refused_naming_it(tmp_path: Path, today) -> None:
    import openpyxl

    folder = tmp_path / "federal"
    folder.mkdir()
    openpyxl.Workbook().save(folder / "мониторинг_16.09.2024.xlsx")
    loaded = load_folder(folder, FEDERAL, federal_context(today))
    (problem,) = loaded.problems
    assert problem.file == "мониторинг_16.09.2024.xlsx" and problem.rule.startswith("файл пуст")


def test_missing_required_column(write_xlsx, today) -> None:
    headers = HEADERS[:-1]
    rows = [r[:-1] for r in GOOD_ROWS]
    problem = _one_error(write_xlsx, today, rows, headers=headers)
    assert problem.rule == "нет обязательного столбца «Базовая интеграция ЭЖД со Сферумом завершена»"


def test_empty_required_cell(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:]]
    rows[0][12] = None
    problem = _one_error(write_xlsx, today, rows)
    assert problem.rule == "пустая ячейка: значение обязательно"


def test_unreadable_flag(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:]]
    rows[0][12] = "частично"
    problem = _one_error(write_xlsx, today, rows)
    assert problem.rule == "ожидается «да» или «нет»" and problem.value == "частично"


def test_snapshot_date_in_the_future(write_xlsx, today) -> None:
    problem = _one_error(write_xlsx, today, GOOD_ROWS, title="по состоянию на 16.09.2031")
    assert "не в будущем" in problem.rule and problem.value == "16.09.2031"


def test_name_differing_from_the_reference_is_a_warning(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:]]
    rows[0][1] = "Адыгея"
    _, problems = load(write_xlsx(rows), today)
    (warning,) = problems
    assert warning.severity == "warning" and "не совпадает со справочником" in warning.rule


def test_short_official_alias_is_accepted(write_xlsx, today) -> None:
    rows = [["77", "г. Москва", 10, 1, 100, 10, 5, 1, 1000, 10, 10, 1, "да"]]
    _, problems = load(write_xlsx(rows), today)
    assert problems == []


def test_same_region_and_date_in_two_files(write_xlsx, today, tmp_path) -> None:
    write_xlsx(GOOD_ROWS, name="a.xlsx")
    write_xlsx(GOOD_ROWS[:1], name="b.xlsx")
    loaded = load_folder(tmp_path / "federal", FEDERAL, federal_context(today))
    (problem,) = only_errors(loaded.problems)
    assert problem.file == "b.xlsx" and "a.xlsx, строка 5" in problem.rule


def test_every_problem_of_a_file_is_reported_not_just_the_first(write_xlsx, today) -> None:
    rows = [GOOD_ROWS[0][:], GOOD_ROWS[1][:]]
    rows[0][3], rows[1][0] = 500, "99"
    _, problems = load(write_xlsx(rows), today)
    assert {p.row for p in only_errors(problems)} == {5, 6}
