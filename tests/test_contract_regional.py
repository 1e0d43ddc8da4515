"""The regional data contract: forms recognised from headers, every new rule with its message.

A tiny region (three schools of Вологодская область) is written as exports the way regions
send them; each test breaks one thing and expects one problem naming the cell.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from helpers.demo.writing import Sheet, write_csv, write_xlsx
from helpers.ingestion.contract.forms import CHAT_MEMBERS, FORMS, REGIONAL_FORMS
from helpers.ingestion.contract.loading import detect_form, parse_folder
from helpers.ingestion.contract.problems import Problem
from helpers.ingestion.contract.reading import read_tables
from helpers.ingestion.regional import RegionData, load_region, region_folders
from helpers.warehouse.reference import load_municipalities

TODAY = dt.date(2025, 12, 1)
EXPORTED = "Выгружено 16.09.2024 14:05"

TABLES: dict[str, dict] = {
    "schools.xlsx": {
        "titles": ["Реестр общеобразовательных организаций", "по состоянию на 01.09.2024"],
        "header": ["Код ОО", "Наименование ОО", "ОКТМО", "Муниципальное образование", "Вид ОО",
                   "Количество классов", "Количество обучающихся"],
        "rows": [
            [1001, "МОУ «СОШ № 1» г. Вологды", 19701000, "город Вологда", "СОШ", 22, 600],
            [1002, "МБОУ «Бабаевская СОШ № 1»", "19605000", "Бабаевский муниципальный район",
             "СОШ", 11, 150],
            [1003, "МОУ «Лицей № 1» г. Череповца", 19730000, "город Череповец", "лицей", 30,
             "1 000"],
        ],
        "totals": ["", "Итого", "", "", "", 63, 1750],
    },
    "activity.xlsx": {
        "titles": ["Мониторинг по школам", "по состоянию на 16.09.2024"],
        "header": ["Код ОО", "Руководителей ОО, всего", "Руководителей ОО, активных в чатах",
                   "Педагогических работников, всего", "Педагогических работников, активных в чатах",
                   "Классных руководителей, всего",
                   "Классных руководителей, создавших чат с родителями", "Обучающихся, всего",
                   "Педагогов, связавших учётные записи ЭЖД и Сферум",
                   "Обучающихся, связавших учётные записи ЭЖД и Сферум",
                   "Педагогов, привязавших учётную запись к ЕСИА"],
        "rows": [["1001", 1, 1, 40, 10, 22, 20, 600, 30, 400, 5],
                 ["1002", 1, 0, 15, 3, 11, 5, 150, 10, 90, 1]],
    },
    "chats.xlsx": {
        "titles": ["Реестр чатов", EXPORTED],
        "header": ["Идентификатор чата", "Название чата", "Тип чата", "Код ОО", "Класс",
                   "Платформа", "Дата создания", "Дата закрытия", "Участников"],
        "rows": [
            ["c1", "Директора школ ВО", "департамент–директора", None, None, "Сферум",
             "28.08.2024", None, 395],
            ["c2", "СОШ № 1 педагоги", "сотрудников", "1001", None, "Сферум", "05.09.2024", None,
             40],
            ["c3", "5А класс", "класса", 1001, "5 А", "Сферум", "06.09.2024", None, 25],
            ["c4", "Родители 5А", "родителей класса", "1001", "5А", "ИКОП «Сферум»",
             "06.09.2024", None, 30],
            ["c5", "5А родители", "родительский", "1001", "5А", "WhatsApp", "01.09.2019",
             "09.09.2024", 31],
        ],
    },
    "участники_2024-09-16_1405.csv": {
        "titles": [],
        "header": ["Идентификатор чата", "Идентификатор участника", "Участник", "Роль",
                   "Последний визит"],
        "rows": [
            ["c1", "id501", "Проничева Ирина Владимировна", "директор", "заходила вчера в 21:23"],
            ["c1", "id502", "Простяков Юрий Петрович", "директор", "заходил 42 минуты назад"],
            ["c2", "id501", "Проничева Ирина Владимировна", "директор", "заходила вчера в 21:23"],
            ["c2", "id503", "Орехова Татьяна Витальевна", "учитель", "заходила 2 февраля в 09:36"],
            ["c3", "id504", "Анна Зайцева", "ученик", "в сети"],
            ["c4", "id505", "Соколова Юлия", "родитель", ""],
        ],
    },
    "tasks.xlsx": {
        "titles": ["Задачи ОМСУ", "по состоянию на 01.10.2024"],
        "header": ["ОКТМО", "Код ОО", "Неделя тестовой эксплуатации проведена",
                   "Дата принятия положения", "Дата размещения положения на сайте",
                   "Ссылка на положение", "Дата родительского собрания",
                   "Дата доведения информации об авторизации в ЭЖД"],
        "rows": [
            ["19701000", "1001", "да", "18.09.2024", "25.09.2024", "sh1.gosweb.gosuslugi.ru/doc",
             "20.09.2024", "10.09.2024"],
            [None, "1002", "нет", "нет", None, None, "не проведено", "12.09.2024"],
            ["19605000", None, "Да", None, None, None, None, "05.09.2024"],
        ],
    },
    "pupils.csv": {
        "titles": ["Реестр «Ученики»", "Выгружено 16.09.2024 08:30"],
        "header": ["Идентификатор ученика", "ФИО ученика", "Код ОО", "Класс", "Дата рождения",
                   "СНИЛС", "Учётная запись ребёнка на Госуслугах"],
        "rows": [
            ["p1", "Иванов Юрий Сергеевич", "1001", "5А", "01.03.2013", "112-233-445 95",
             "создана"],
            ["p2", "Иванова Света Сергеевна", "1002", "1Г", "02.05.2017", "", "нет"],
            ["p3", "Петров Пётр Петрович", "1003", "9Б", "16.09.2010", "112-233-445 96",
             "привязана к ЭЖД"],
        ],
    },
    "parents.csv": {
        "titles": ["Реестр родителей", "Выгружено 16.09.2024 08:30"],
        "header": ["Идентификатор родителя", "Ф.И.О. родителя", "СНИЛС", "Логин", "Дети",
                   "Идентификаторы детей", "Класс", "Коды ОО детей",
                   "Учётная запись на Госуслугах подтверждена"],
        "rows": [
            ["r1", "Иванова Татьяна Юрьевна", "001-001-999 65", "ivanova.ty", "Юрий, Света",
             "p1, p2", "5А, 1Г", "1001, 1002", "да"],
            ["r2", "иванова татьяна юрьевна", None, None, None, None, None, None, "нет"],
            ["r3", "Петров Пётр Иванович", "00100199965", "petrov", "Пётр", "p3", "9Б", "1003",
             "нет"],
        ],
    },
}


def write_region(folder: Path, tables: dict[str, dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in tables.items():
        sheet = Sheet("Лист1", spec["header"], pd.DataFrame(spec["rows"], dtype=object),
                      titles=spec["titles"], totals=spec.get("totals"))
        if name.endswith(".xlsx"):
            write_xlsx(folder / name, [sheet])
        else:
            write_csv(folder / name, sheet, encoding="cp1251" if "pupils" in name else "utf-8-sig")
    return folder


@pytest.fixture
def tables() -> dict[str, dict]:
    return copy.deepcopy(TABLES)


def subset(tables: dict[str, dict], *names: str) -> dict[str, dict]:
    """The school registry and the named exports (each test loads only what it needs)."""
    return {name: spec for name, spec in tables.items()
            if name in names or name == "schools.xlsx"}


def load(tmp_path: Path, tables: dict[str, dict]) -> RegionData:
    folder = write_region(tmp_path / "regions" / "35", tables)
    return load_region(folder, "35", load_municipalities(), today=TODAY, base=tmp_path)


def errors(data: RegionData) -> list[Problem]:
    return [p for p in data.problems if p.severity == "error"]


def one_error(tmp_path: Path, tables: dict[str, dict]) -> Problem:
    found = errors(load(tmp_path, tables))
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


# --- a good region ----------------------------------------------------------------------------


def test_a_good_region_loads_every_form(tmp_path: Path, tables: dict[str, dict]) -> None:
    data = load(tmp_path, tables)
    assert errors(data) == [], [str(p) for p in data.problems]
    sizes = {name: len(frame) for name, frame in data.frames.items()}
    assert sizes == {"schools": 3, "school_activity": 2, "chats": 5, "chat_members": 6,
                     "tasks": 3, "pupils": 3, "parents": 3}
    schools = data.frames["schools"]
    assert schools["school_id"].tolist() == ["1001", "1002", "1003"]  # number cells as text
    assert schools["pupils"].tolist() == [600, 150, 1000]  # totals row dropped
    warnings = [p for p in data.problems if p.severity == "warning"]
    assert warnings == []  # the name before the reform is accepted


def test_cleaned_values(tmp_path: Path, tables: dict[str, dict]) -> None:
    data = load(tmp_path, tables)
    chats = data.frames["chats"].set_index("chat_id")
    assert chats.loc["c1", "chat_type"] == "dept_directors" and pd.isna(chats.loc["c1", "school_id"])
    assert chats.loc["c3", "class_name"] == "5А"
    assert chats.loc["c4", "platform"] == "sferum" and chats.loc["c5", "platform"] == "whatsapp"
    assert (chats["snapshot_date"] == pd.Timestamp("2024-09-16")).all()  # from «Выгружено …»
    members = data.frames["chat_members"]
    seen = dict(zip(members["member_id"] + members["chat_id"], members["last_seen"],
                    strict=True))
    assert seen["id501c1"] == pd.Timestamp("2024-09-15 21:23")
    assert seen["id502c1"] == pd.Timestamp("2024-09-16 13:23")  # time from the file name
    assert seen["id503c2"] == pd.Timestamp("2024-02-02 09:36")
    assert seen["id504c3"] == pd.Timestamp("2024-09-16 14:05")
    assert pd.isna(seen["id505c4"])
    tasks = data.frames["tasks"]
    assert pd.isna(tasks.loc[1, "regulation_adopted"]) and pd.isna(tasks.loc[1, "parent_meeting"])
    assert tasks.loc[0, "regulation_url"] == "https://sh1.gosweb.gosuslugi.ru/doc"
    pupils = data.frames["pupils"]
    assert pupils["child_account"].tolist() == ["created", "none", "linked"]
    assert pupils["class_name"].tolist() == ["5А", "1Г", "9Б"]


def test_forms_are_recognised_from_headers_not_file_names(tmp_path: Path,
                                                          tables: dict[str, dict]) -> None:
    tables["участники_2024-09-16_1405.csv"]["titles"] = [EXPORTED]  # the name had the time
    renamed = {f"export_{i}{Path(name).suffix}": spec for i, (name, spec) in
               enumerate(tables.items())}
    data = load(tmp_path, renamed)
    assert errors(data) == []
    assert len(data.frames["chat_members"]) == 6
    expected = {"schools.xlsx": "schools", "activity.xlsx": "school_activity",
                "chats.xlsx": "chats", "участники_2024-09-16_1405.csv": "chat_members",
                "tasks.xlsx": "tasks", "pupils.csv": "pupils", "parents.csv": "parents"}
    folder = write_region(tmp_path / "one", tables)
    for name, form_name in expected.items():
        (table,) = read_tables(folder / name)
        form = detect_form(table, REGIONAL_FORMS)
        assert form is not None and form.name == form_name


def test_subfolders_and_several_sheets(tmp_path: Path, tables: dict[str, dict]) -> None:
    folder = tmp_path / "regions" / "35"
    write_region(folder / "ЭЖД", {k: v for k, v in tables.items() if k.endswith(".csv")})
    sheets = [Sheet(name, spec["header"], pd.DataFrame(spec["rows"], dtype=object),
                    titles=spec["titles"]) for name, spec in tables.items()
              if name.endswith(".xlsx")]
    write_xlsx(folder / "всё_в_одной_книге.xlsx", sheets)
    data = load_region(folder, "35", load_municipalities(), today=TODAY, base=tmp_path)
    assert errors(data) == [], [str(p) for p in errors(data)]
    assert len(data.frames["schools"]) == 3 and len(data.frames["pupils"]) == 3
    assert "regions/35/ЭЖД/pupils.csv" in data.files


def test_an_unrecognised_sheet_is_an_error(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["notes.xlsx"] = {"titles": [], "header": ["Что", "Когда"], "rows": [["a", "b"]]}
    problem = one_error(tmp_path, subset(tables, "notes.xlsx"))
    assert problem.file == "regions/35/notes.xlsx" and "не удалось определить форму" in problem.rule


def test_region_folders_are_named_by_code(tmp_path: Path) -> None:
    (tmp_path / "regions" / "35").mkdir(parents=True)
    (tmp_path / "regions" / "vologda").mkdir()
    found, problems = region_folders(tmp_path, frozenset({"35"}))
    assert [code for code, _ in found] == ["35"]
    (problem,) = problems
    assert problem.file == "regions/vologda" and "кодом субъекта" in problem.rule


def test_a_region_without_its_school_registry(tmp_path: Path, tables: dict[str, dict]) -> None:
    del tables["schools.xlsx"]
    found = errors(load(tmp_path, tables))
    assert any("нет реестра школ" in p.rule for p in found)


# --- rules beyond the federal ones, one message each -----------------------------------------


def test_unknown_oktmo(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["schools.xlsx"]["rows"][0][2] = 19999000
    problem = one_error(tmp_path, subset(tables, "schools.xlsx"))
    assert (problem.file, problem.row, problem.column) == ("regions/35/schools.xlsx", 5, "ОКТМО")
    assert problem.value == "19999000"
    assert problem.rule == "код ОКТМО не найден в справочнике муниципальных образований региона"


def test_a_municipality_name_that_differs_is_a_warning(tmp_path: Path,
                                                       tables: dict[str, dict]) -> None:
    tables["schools.xlsx"]["rows"][1][3] = "Бабаевский р-н"
    data = load(tmp_path, tables)
    assert errors(data) == []
    (warning,) = data.problems
    assert warning.severity == "warning" and "19605000" in warning.rule


@pytest.mark.parametrize("code, name", [
    ("19630000", "Кичменгско—Городецкий муниципальный округ"),  # em dash without spaces
    ("19630000", "КИЧМЕНГСКО – ГОРОДЕЦКИЙ МУНИЦИПАЛЬНЫЙ РАЙОН"),
    ("19605000", "Бабаевский м.о."),
    ("19605000", "Бабаевский муниципальный  округ"),
    ("19701000", "г. Вологда"),
])
def test_names_differing_by_dash_case_yo_or_abbreviation_match(
        tmp_path: Path, tables: dict[str, dict], code: str, name: str) -> None:
    tables["schools.xlsx"]["rows"][1][2:4] = [code, name]
    assert load(tmp_path, subset(tables, "schools.xlsx")).problems == []


def lipetsk_registry(tables: dict[str, dict]) -> dict[str, dict]:
    """The school registry of Липецкая область (48), for which no reference list is shipped."""
    tables["schools.xlsx"]["rows"] = [
        [4801, "МБОУ СОШ № 1 г. Липецка", 42701000, "город Липецк", "СОШ", 20, 500],
        [4802, "МБОУ СОШ № 2 г. Липецка", "42701000", "г. Липецк", "СОШ", 20, 500],
        [4803, "МБОУ СОШ с. Волово", 42609000, "Воловский муниципальный округ", "СОШ", 9, 90],
        [4804, "МБОУ СОШ с. Тербуны", 42648000, "Тербунский м.о.", "СОШ", 11, 160],
        [4805, "МБОУ СОШ № 3 г. Липецка", 42701000, "Липецк", "СОШ", 20, 500],
    ]
    tables["schools.xlsx"]["totals"] = None
    return subset(tables, "schools.xlsx")


def load_48(tmp_path: Path, tables: dict[str, dict], data_dir: Path | None = None) -> RegionData:
    folder = write_region(tmp_path / "regions" / "48", tables)
    return load_region(folder, "48", load_municipalities(data_dir), today=TODAY, base=tmp_path)


def test_a_region_without_a_reference_list_is_known_from_its_registry(
        tmp_path: Path, tables: dict[str, dict]) -> None:
    data = load_48(tmp_path, lipetsk_registry(tables))
    assert data.derived and errors(data) == []
    assert data.municipalities[["oktmo", "name"]].values.tolist() == [
        ["42609000", "Воловский муниципальный округ"], ["42648000", "Тербунский м.о."],
        ["42701000", "город Липецк"]]  # the name most of its schools use
    (warning,) = data.problems  # «Липецк» is not «город Липецк»; «г. Липецк» is
    assert (warning.severity, warning.row, warning.value) == ("warning", 9, "Липецк")


@pytest.mark.parametrize("oktmo", ["19701000", "42701101", "42000000", "4270100"])
def test_a_registry_code_that_is_not_a_municipality_of_the_region(
        tmp_path: Path, tables: dict[str, dict], oktmo: str) -> None:
    registry = lipetsk_registry(tables)
    registry["schools.xlsx"]["rows"][2][2] = oktmo
    (problem,) = errors(load_48(tmp_path, registry))
    assert (problem.file, problem.row, problem.column) == ("regions/48/schools.xlsx", 7, "ОКТМО")
    assert problem.rule == ("не код муниципального образования региона 48: ожидается "
                            "восьмизначный код ОКТМО, начинающийся с 42 и оканчивающийся на 000")


def test_the_data_folders_reference_list_comes_before_the_registry(
        tmp_path: Path, tables: dict[str, dict]) -> None:
    (tmp_path / "reference").mkdir()
    pd.DataFrame({"region_code": ["48"] * 2, "oktmo": ["42701000", "42609000"],
                  "name": ["городской округ город Липецк", "Воловский район"]}).to_csv(
        tmp_path / "reference" / "municipalities.csv", index=False)
    data = load_48(tmp_path, lipetsk_registry(tables), data_dir=tmp_path)
    assert not data.derived
    (problem,) = errors(data)  # 42648000 is not in the region's list
    assert problem.value == "42648000"
    assert problem.rule == "код ОКТМО не найден в справочнике муниципальных образований региона"


@pytest.mark.parametrize("table, row, column", [
    ("chats.xlsx", 1, 3), ("activity.xlsx", 0, 0), ("pupils.csv", 0, 2), ("tasks.xlsx", 0, 1),
])
def test_every_school_must_be_in_the_registry(tmp_path: Path, tables: dict[str, dict],
                                              table: str, row: int, column: int) -> None:
    tables[table]["rows"][row][column] = "9999"
    problem = one_error(tmp_path, tables)
    assert problem.file.endswith(table) and problem.column == "Код ОО" and problem.value == "9999"
    assert problem.rule == "ОО с таким кодом нет в реестре общеобразовательных организаций региона"


def test_the_schools_of_a_parents_children_must_be_in_the_registry(
        tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["parents.csv"]["rows"][0][7] = "1001, 9999"
    problem = one_error(tmp_path, subset(tables, "parents.csv"))
    assert problem.column == "Коды ОО детей" and problem.value == "1001,9999"


def test_the_children_and_their_schools_must_line_up(tmp_path: Path,
                                                     tables: dict[str, dict]) -> None:
    tables["parents.csv"]["rows"][0][7] = "1001, 1002, 1003"
    problem = one_error(tmp_path, subset(tables, "parents.csv"))
    assert problem.rule.startswith("число элементов списка не совпадает с «Идентификаторы детей»")


def test_one_school_for_all_children_is_fine(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["parents.csv"]["rows"][0][7] = "1001"
    assert errors(load(tmp_path, subset(tables, "parents.csv"))) == []


def test_a_chat_member_of_an_unknown_chat(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["участники_2024-09-16_1405.csv"]["rows"][0][0] = "c99"
    problem = one_error(tmp_path, subset(tables, "chats.xlsx", "участники_2024-09-16_1405.csv"))
    assert problem.rule == "чата с таким идентификатором нет в реестре чатов региона"


def test_a_school_chat_needs_its_school(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["chats.xlsx"]["rows"][1][3] = None
    problem = one_error(tmp_path, subset(tables, "chats.xlsx"))
    assert problem.row == 6 and problem.column == "Код ОО"
    assert problem.rule == "пустая ячейка: значение обязательно для «Тип чата» = «сотрудников»"


def test_a_class_chat_needs_its_class(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["chats.xlsx"]["rows"][2][4] = None
    problem = one_error(tmp_path, subset(tables, "chats.xlsx"))
    assert problem.column == "Класс" and "«класса»" in problem.rule


def test_closed_before_created(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["chats.xlsx"]["rows"][4][7] = "01.01.2019"
    problem = one_error(tmp_path, subset(tables, "chats.xlsx"))
    assert problem.column == "Дата закрытия" and problem.value == "01.01.2019"
    assert problem.rule == "раньше, чем «Дата создания»"


def test_messages_name_other_columns_by_the_files_own_headers(tmp_path: Path,
                                                              tables: dict[str, dict]) -> None:
    chats = tables["chats.xlsx"]
    chats["header"][6:8] = ["Дата создания чата", "Дата закрытия чата"]
    chats["rows"][4][7] = "01.01.2019"
    problem = one_error(tmp_path, subset(tables, "chats.xlsx"))
    assert problem.column == "Дата закрытия чата"
    assert problem.rule == "раньше, чем «Дата создания чата»"


def test_a_duplicate_key_in_one_file_says_where_the_first_copy_is(
        tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["chats.xlsx"]["header"][0] = "ID чата"
    tables["chats.xlsx"]["rows"].append(list(tables["chats.xlsx"]["rows"][1]))
    problem = one_error(tmp_path, subset(tables, "chats.xlsx"))
    assert (problem.file, problem.row, problem.column) == ("regions/35/chats.xlsx", 10, "ID чата")
    assert problem.rule == "повтор ключа: та же строка уже есть в строке 6 («ID чата»)"


def test_a_totals_row_labelled_in_a_later_column(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["schools.xlsx"]["totals"] = ["", "", "", "Итого по региону", "", 63, 1750]
    data = load(tmp_path, subset(tables, "schools.xlsx"))
    assert data.problems == [] and len(data.frames["schools"]) == 3
    tables["schools.xlsx"]["totals"][6] = 1751  # still checked against the sum
    (problem,) = errors(load(tmp_path, subset(tables, "schools.xlsx")))
    assert problem.column == "Количество обучающихся" and "не равна сумме" in problem.rule


def test_a_task_report_with_any_subset_of_task_columns(tmp_path: Path,
                                                      tables: dict[str, dict]) -> None:
    report = tables["tasks.xlsx"]
    keep = [0, 1, 7]  # ОКТМО, Код ОО, the ЭЖД information date: no «test week» column
    report["header"] = [report["header"][i] for i in keep]
    report["rows"] = [[row[i] for i in keep] for row in report["rows"]]
    data = load(tmp_path, subset(tables, "tasks.xlsx"))
    assert errors(data) == [] and len(data.frames["tasks"]) == 3
    assert data.frames["tasks"]["auth_info"].notna().all()
    report["header"], report["rows"] = report["header"][:2], [r[:2] for r in report["rows"]]
    (problem,) = errors(load(tmp_path, subset(tables, "tasks.xlsx")))  # no task column at all
    assert problem.file == "regions/35/tasks.xlsx" and problem.rule.startswith(
        "нет столбца «Неделя тестовой эксплуатации проведена» или «Дата принятия положения»")


def test_an_empty_workbook_is_an_error_naming_the_file(tmp_path: Path,
                                                      tables: dict[str, dict]) -> None:
    import openpyxl

    folder = write_region(tmp_path / "regions" / "35", subset(tables, "schools.xlsx"))
    openpyxl.Workbook().save(folder / "задачи.xlsx")
    (problem,) = errors(load_region(folder, "35", load_municipalities(), today=TODAY,
                                    base=tmp_path))
    assert problem.file == "regions/35/задачи.xlsx" and problem.rule.startswith("файл пуст")


def test_chat_member_exports_keep_the_moment_of_export(tmp_path: Path,
                                                       tables: dict[str, dict]) -> None:
    members = "участники_2024-09-16_1405.csv"
    data = load(tmp_path, subset(tables, "chats.xlsx", members))
    moments = data.frames["chat_members"]["exported_at"]
    assert (moments == pd.Timestamp("2024-09-16 14:05")).all()  # from the file name
    tables["участники.csv"] = {**tables.pop(members), "titles": ["Выгружено 16.09.2024 18:40"]}
    data = load(tmp_path / "titled", subset(tables, "chats.xlsx", "участники.csv"))
    assert (data.frames["chat_members"]["exported_at"] == pd.Timestamp("2024-09-16 18:40")).all()


def test_a_date_after_the_export(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["chats.xlsx"]["rows"][1][6] = "17.09.2024"
    problem = one_error(tmp_path, subset(tables, "chats.xlsx"))
    assert problem.column == "Дата создания" and problem.value == "17.09.2024"
    assert problem.rule == "дата позже даты среза (выгрузки) (16.09.2024)"


def test_a_task_date_after_the_report(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["tasks.xlsx"]["rows"][0][6] = "02.10.2024"
    problem = one_error(tmp_path, subset(tables, "tasks.xlsx"))
    assert problem.column == "Дата родительского собрания"


@pytest.mark.parametrize("value, rule", [
    ("заходила недавно", "не удалось прочитать время последнего визита"),
    ("заходил вчера в 25:61", "нет такого времени суток"),
    ("заходила сегодня в 15:00", "время позже времени выгрузки (16.09.2024 14:05)"),
])
def test_an_unreadable_last_seen_names_the_cell(tmp_path: Path, tables: dict[str, dict],
                                                value: str, rule: str) -> None:
    tables["участники_2024-09-16_1405.csv"]["rows"][3][4] = value
    problem = one_error(tmp_path, subset(tables, "chats.xlsx", "участники_2024-09-16_1405.csv"))
    assert (problem.file, problem.row) == ("regions/35/участники_2024-09-16_1405.csv", 5)
    assert problem.column == "Последний визит" and problem.value == value
    assert problem.rule.startswith(rule)


def test_relative_last_seen_without_an_export_time(tmp_path: Path,
                                                   tables: dict[str, dict]) -> None:
    tables["участники.csv"] = tables.pop("участники_2024-09-16_1405.csv")
    found = errors(load(tmp_path, subset(tables, "chats.xlsx", "участники.csv")))
    assert found and all("не найдено время выгрузки" in p.rule or "не найдена дата среза"
                         in p.rule for p in found)


def test_an_export_date_without_a_time_warns_for_relative_texts(
        tmp_path: Path, tables: dict[str, dict]) -> None:
    spec = tables.pop("участники_2024-09-16_1405.csv")
    spec["titles"] = ["Участники чатов", "по состоянию на 16.09.2024"]
    tables["участники.csv"] = spec
    data = load(tmp_path, tables)
    assert errors(data) == []
    (warning,) = data.problems
    assert warning.severity == "warning" and "конца дня 16.09.2024 23:59" in warning.rule
    seen = data.frames["chat_members"]["last_seen"]
    assert pd.Timestamp("2024-09-16 23:17") in set(seen)  # «42 минуты назад» from 23:59


@pytest.mark.parametrize("snils", ["", "112-233-445 96", "12345", "нет данных"])
def test_a_missing_or_invalid_snils_is_a_finding_not_an_error(
        tmp_path: Path, tables: dict[str, dict], snils: str) -> None:
    tables["pupils.csv"]["rows"][0][5] = snils
    tables["parents.csv"]["rows"][0][2] = snils
    data = load(tmp_path, tables)
    assert errors(data) == []


def test_a_malformed_row_structure_is_an_error(tmp_path: Path, tables: dict[str, dict]) -> None:
    header = tables["pupils.csv"]["header"]
    tables["pupils.csv"]["header"] = header[:3] + header[4:]
    tables["pupils.csv"]["rows"] = [r[:3] + r[4:] for r in tables["pupils.csv"]["rows"]]
    problem = one_error(tmp_path, subset(tables, "pupils.csv"))
    assert problem.rule == "нет обязательного столбца «Класс»"


def test_an_empty_id_is_an_error(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["pupils.csv"]["rows"][1][0] = ""
    problem = one_error(tmp_path, subset(tables, "pupils.csv"))
    assert problem.row == 6 and problem.rule == "пустая ячейка: значение обязательно"


@pytest.mark.parametrize("table, row, column, value, rule", [
    ("chats.xlsx", 0, 2, "группа", "ожидается одно из: «общешкольный», «сотрудников»"),
    ("chats.xlsx", 0, 5, "ICQ", "ожидается одно из: «Telegram»"),
    ("участники_2024-09-16_1405.csv", 0, 3, "завуч", "ожидается одно из: «директор»"),
    ("pupils.csv", 0, 3, "5АБ", "ожидается класс вида «5А»"),
    ("pupils.csv", 0, 3, "13А", "ожидается класс вида «5А»"),
    ("pupils.csv", 0, 4, "31.02.2013", "ожидается дата"),
    ("pupils.csv", 0, 6, "может быть", "ожидается одно из: «не создана»"),
    ("tasks.xlsx", 0, 5, "на сайте", "ожидается адрес страницы"),
    ("tasks.xlsx", 0, 3, "да", "ожидается дата выполнения"),
])
def test_values_of_the_new_kinds(tmp_path: Path, tables: dict[str, dict], table: str, row: int,
                                 column: int, value: str, rule: str) -> None:
    tables[table]["rows"][row][column] = value
    problem = one_error(tmp_path, tables)
    assert problem.value == value and problem.rule.startswith(rule)


def test_a_duplicate_chat_in_one_export(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["chats.xlsx"]["rows"].append(list(tables["chats.xlsx"]["rows"][1]))
    problem = one_error(tmp_path, subset(tables, "chats.xlsx"))
    assert problem.rule.startswith("повтор ключа") and problem.column == "Идентификатор чата"


def test_a_task_row_of_a_school_in_another_municipality(tmp_path: Path,
                                                        tables: dict[str, dict]) -> None:
    tables["tasks.xlsx"]["rows"][0][0] = "19605000"
    tables["tasks.xlsx"]["header"][0] = "Код ОКТМО"
    problem = one_error(tmp_path, subset(tables, "tasks.xlsx"))
    assert problem.column == "Код ОКТМО" and "не совпадает с реестром школ" in problem.rule


def test_a_key_repeated_in_another_file_names_both(tmp_path: Path,
                                                   tables: dict[str, dict]) -> None:
    tables["chats.xlsx"]["titles"][1] = "по состоянию на 16.09.2024"
    again = copy.deepcopy(tables["chats.xlsx"])
    again["header"][0] = "ID чата"
    again["rows"] = again["rows"][1:2]
    tables["ещё_чаты.xlsx"] = again
    problem = one_error(tmp_path, subset(tables, "chats.xlsx", "ещё_чаты.xlsx"))
    assert (problem.file, problem.row, problem.column) == ("regions/35/ещё_чаты.xlsx", 5, "ID чата")
    assert problem.rule == "повтор ключа: та же строка уже есть в regions/35/chats.xlsx, строка 6"


def test_a_municipality_row_needs_its_oktmo(tmp_path: Path, tables: dict[str, dict]) -> None:
    tables["tasks.xlsx"]["rows"][2][0] = None
    problem = one_error(tmp_path, subset(tables, "tasks.xlsx"))
    assert problem.rule == "пустая ячейка: значение обязательно, когда не заполнен «Код ОО»"


def test_a_task_report_without_school_or_oktmo_column(tmp_path: Path,
                                                      tables: dict[str, dict]) -> None:
    spec = tables["tasks.xlsx"]
    spec["header"] = spec["header"][2:]
    spec["rows"] = [r[2:] for r in spec["rows"]]
    problem = one_error(tmp_path, subset(tables, "tasks.xlsx"))
    assert problem.rule == "нет столбца «Код ОО» или «ОКТМО»"


def test_many_errors_of_one_kind_are_summarised(tmp_path: Path, tables: dict[str, dict]) -> None:
    rows = tables["pupils.csv"]["rows"]
    tables["pupils.csv"]["rows"] = [[f"x{i}", "Имя", "1001", "99Я", "01.01.2015", "", "нет"]
                                    for i in range(120)] + rows
    found = errors(load(tmp_path, subset(tables, "pupils.csv")))
    assert len(found) == 51
    assert found[-1].rule == "и ещё 70 строк с той же ошибкой: ожидается класс вида «5А» " \
                             "(параллель от 1 до 12 и буква)"


# --- reading and reference ----------------------------------------------------------------------


def test_large_csv_goes_through_pyarrow_with_the_same_result(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             tables: dict[str, dict]) -> None:
    from helpers.ingestion.contract import reading

    folder = write_region(tmp_path / "a", {"pupils.csv": tables["pupils.csv"]})
    slow = read_tables(folder / "pupils.csv")[0].cells
    monkeypatch.setattr(reading, "FAST_CSV_BYTES", 0)
    fast = read_tables(folder / "pupils.csv")[0].cells
    pd.testing.assert_frame_equal(slow.fillna(""), fast.fillna(""), check_dtype=False)


@pytest.mark.parametrize("body", ["Школа № 1;Вологда\r\n", "\"Школа\r\n№ 1\";Вологда\r\n"])
def test_a_large_csv_in_cp1251_after_an_ascii_head_is_read_as_cp1251(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """The encoding of a large file is guessed from its head; a body that is not UTF-8 after
    all (arrow's reader refuses it) is read again as Windows-1251, with or without line breaks
    inside quoted cells."""
    from helpers.ingestion.contract import reading

    monkeypatch.setattr(reading, "HEAD_BYTES", 64)
    monkeypatch.setattr(reading, "FAST_CSV_BYTES", 0)
    head = "".join(f"id{i};name{i}\r\n" for i in range(20))
    path = tmp_path / "big.csv"
    path.write_bytes((head + body * 3).encode("cp1251"))
    cells = read_tables(path)[0].cells
    assert cells.iloc[-1].tolist() == [body.split(";")[0].strip('"'), "Вологда"]
    assert len(cells) == 23


def test_extra_municipalities_of_the_data_folder(tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    pd.DataFrame({"region_code": ["1"], "oktmo": ["79701000"], "name": ["Город № 1"]}).to_csv(
        tmp_path / "reference" / "municipalities.csv", index=False)
    known = load_municipalities(tmp_path)
    assert len(known) == 29
    assert known.iloc[-1][["region_code", "oktmo", "name"]].tolist() == ["01", "79701000",
                                                                        "Город № 1"]


def test_every_regional_form_is_declared_once() -> None:
    assert {f.name for f in REGIONAL_FORMS} | {"federal"} == set(FORMS)
    personal = {c.name for f in REGIONAL_FORMS for c in f.columns if c.personal}
    assert personal == {"member_id", "member_name", "pupil_id", "pupil_name", "birth_date",
                        "snils", "parent_id", "parent_name", "login", "children",
                        "children_names"}
    assert CHAT_MEMBERS.column("last_seen").kind == "last_seen"


def test_parse_folder_names_files_relative_to_the_base(tmp_path: Path,
                                                       tables: dict[str, dict]) -> None:
    folder = write_region(tmp_path / "regions" / "35", {"chats.xlsx": tables["chats.xlsx"]})
    parsed = parse_folder(folder, REGIONAL_FORMS, base=tmp_path)
    assert list(parsed.files) == ["regions/35/chats.xlsx"]
    assert parsed.tables["chats"][0].file == "regions/35/chats.xlsx"
