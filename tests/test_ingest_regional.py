"""Ingesting federal and regional exports in one atomic rebuild; no personal data in the warehouse."""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from seed_figures import assert_seed_figures
from test_contract_regional import TABLES, write_region

from helpers.demo.federal import build_federal_history, write_federal_exports
from helpers.demo.regional import COUNT_COLUMNS
from helpers.ingestion import ingest
from helpers.ingestion.contract.forms import FEDERAL
from helpers.ingestion.contract.snils import normalize
from helpers.ingestion.privacy import PSEUDONYM
from helpers.vocabulary import fmt_int
from helpers.warehouse import store

TABLE_NAMES = {"federal_snapshots", "municipalities", "schools", "school_activity", "chats",
               "chat_members", "tasks", "pupils", "parents", "parent_children", "source_files",
               "ingest_inputs"}


def query(path: Path, sql: str) -> pd.DataFrame:
    with store.connect(path) as con:
        return con.execute(sql).df()


def test_every_table_with_its_key(demo_warehouse: Path) -> None:
    tables = query(demo_warehouse, "SELECT table_name FROM duckdb_tables()")["table_name"]
    assert set(tables) == TABLE_NAMES
    keys = query(demo_warehouse, "SELECT table_name, constraint_column_names FROM "
                                 "duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'")
    keys = {row.table_name: list(row.constraint_column_names) for row in keys.itertuples()}
    assert keys["pupils"] == ["region_code", "snapshot_date", "pupil_id"]
    assert keys["chat_members"] == ["region_code", "snapshot_date", "chat_id", "member_id"]
    assert keys["tasks"] == ["region_code", "snapshot_date", "level", "unit_id"]
    assert set(keys) == TABLE_NAMES
    sizes = {t: int(query(demo_warehouse, f"SELECT count(*) n FROM {t}")["n"][0])
             for t in TABLE_NAMES}
    assert sizes["schools"] == 345 and sizes["municipalities"] == 28
    assert sizes["school_activity"] == 345 * 16
    assert sizes["pupils"] > 140_000 and sizes["parents"] > 150_000
    assert sizes["chat_members"] > 300_000 and sizes["tasks"] == 2 * (345 + 28)  # two reports
    links = query(demo_warehouse, "SELECT snapshot_date, count(*) n FROM parent_children GROUP BY 1")
    parents = query(demo_warehouse, "SELECT DISTINCT snapshot_date FROM parents")
    assert len(links) == len(parents) == 2  # every registry export keeps its own links
    assert links["n"].min() > 100_000


def test_school_sums_equal_the_federal_row_of_region_35(demo_warehouse: Path) -> None:
    sums = ", ".join(f"sum(s.{c}) AS {c}" for c in COUNT_COLUMNS)
    schools = query(demo_warehouse, f"SELECT s.snapshot_date, {sums} FROM school_activity s "
                                    "GROUP BY 1 ORDER BY 1").set_index("snapshot_date")
    federal = query(demo_warehouse, "SELECT * FROM federal_snapshots WHERE region_code = '35' "
                                    "ORDER BY snapshot_date").set_index("snapshot_date")
    assert len(schools) == len(federal) == 16
    pd.testing.assert_frame_equal(schools[COUNT_COLUMNS], federal[COUNT_COLUMNS],
                                  check_dtype=False)
    assert_seed_figures(store.read_federal(demo_warehouse))


def test_the_warehouse_holds_no_personal_data(demo_warehouse: Path, vologda_demo) -> None:
    demo = vologda_demo
    names = pd.concat([demo.pupils["pupil_name"], demo.parents["parent_name"],
                       demo.members["member_name"],
                       demo.parents["children_names"].dropna().str.split(", ").explode()])
    snils = pd.concat([demo.pupils["snils"], demo.parents["snils"]]).dropna()
    logins = demo.parents["login"].dropna()
    births = demo.pupils["birth_date"].dropna().dt.strftime("%d.%m.%Y")
    ids = pd.concat([demo.pupils["pupil_id"], demo.parents["parent_id"],
                     demo.members["member_id"]])
    forbidden = pd.DataFrame({"value": pd.concat([
        names, snils, snils.map(normalize), logins, births, ids]).astype(str).unique()})
    assert len(forbidden) > 500_000
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        con.register("forbidden", forbidden)
        columns = con.execute("SELECT table_name, column_name, data_type FROM "
                              "duckdb_columns() WHERE NOT internal AND table_name <> 'forbidden'").df()
        assert not columns["column_name"].str.contains(
            "name$|snils$|login$|birth", regex=True).loc[
            ~columns["column_name"].isin(["school_name", "region_name", "class_name", "name",
                                          "name_alt"])].any()
        found = {}
        for row in columns[columns["data_type"] == "VARCHAR"].itertuples():
            hits = con.execute(f"SELECT count(*) FROM {row.table_name} t JOIN forbidden f "
                               f"ON t.{row.column_name} = f.value").fetchone()[0]
            found[f"{row.table_name}.{row.column_name}"] = hits
        assert sum(found.values()) == 0, {k: v for k, v in found.items() if v}
        # and no SNILS or name inside longer texts (titles, lists of pseudonyms)
        snils_like = re.compile(r"\d{3}-\d{3}-\d{3} \d{2}")
        for table, column in (("chats", "title"), ("schools", "school_name")):
            texts = con.execute(f"SELECT {column} FROM {table}").df()[column].dropna()
            assert not texts.str.contains(snils_like).any()
        # pseudonyms are integers (keyed hashes): none of them is a person's id as exported
        pseudonyms = columns[columns["column_name"].isin(["pupil_id", "parent_id", "member_id"])]
        assert len(pseudonyms) == 5 and set(pseudonyms["data_type"]) == {"BIGINT"}
        for row in pseudonyms.itertuples():
            hits = con.execute(f"SELECT count(*) FROM {row.table_name} t JOIN forbidden f "
                               f"ON t.{row.column_name} = TRY_CAST(f.value AS BIGINT)").fetchone()[0]
            assert hits == 0, row
    finally:
        con.close()


def test_pseudonyms_join_pupils_and_their_parents(demo_warehouse: Path) -> None:
    joined = query(demo_warehouse, """
        SELECT count(*) AS links, count(p.pupil_id) AS found,
               count(*) FILTER (WHERE p.school_id = l.school_id) AS same_school
        FROM parent_children l LEFT JOIN pupils p USING (region_code, snapshot_date, pupil_id)""")
    links, found, same = joined.iloc[0]
    assert found / links > 0.95  # a few children are missing from the registry «Ученики»
    assert 0.95 < same / found < 1.0  # and a few are listed with a former school


def test_the_summary_names_the_figures(demo_data: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("DATA_DIR", str(demo_data))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    assert ingest.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert "школ 345" in out and "учеников" in out and "не ошибки" in out
    assert not (tmp_path / "w.duckdb").exists()


# --- a small region: atomic, exit codes ---------------------------------------------------------


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return build_federal_history()


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, history: pd.DataFrame) -> Path:
    write_federal_exports(history, tmp_path / "data" / "federal")
    write_region(tmp_path / "data" / "regions" / "35", copy.deepcopy(TABLES))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "output"))
    return tmp_path


def test_federal_and_regions_in_one_rebuild(small: Path) -> None:
    assert ingest.main([]) == 0
    path = small / "store.duckdb"
    assert len(store.read_federal(path)) == 16 * 89
    pupils = store.read_table(path, "pupils").sort_values("school_id")
    assert len(pupils) == 3 and pupils["age"].tolist() == [11, 7, 14]
    assert pupils["snils_valid"].tolist() == [True, False, False]
    tasks = store.read_table(path, "tasks").sort_values("unit_id")
    assert tasks["level"].tolist() == ["school", "school", "municipality"]
    assert tasks["oktmo"].tolist() == ["19701000", "19605000", "19605000"]  # from the registry
    links = store.read_table(path, "parent_children")
    assert len(links) == 3 and set(links["school_id"]) == {"1001", "1002", "1003"}
    parents = store.read_table(path, "parents").sort_values("children_count")
    assert parents["children_count"].tolist() == [0, 1, 2]
    assert parents["login_present"].sum() == 2
    sources = store.read_table(path, "source_files")
    assert "regions/35/pupils.csv" in set(sources["file"])
    assert sources.set_index("file").loc["regions/35/pupils.csv", "rows"] == 3
    exported = (small / "data" / "regions" / "35" / "pupils.csv").read_bytes()
    assert sources.set_index("file").loc["regions/35/pupils.csv", "sha256"] == \
        hashlib.sha256(exported).hexdigest()


def test_a_region_without_a_reference_list_brings_its_municipalities(small: Path) -> None:
    import shutil

    from test_contract_regional import lipetsk_registry

    shutil.rmtree(small / "data" / "regions" / "35")
    write_region(small / "data" / "regions" / "48", lipetsk_registry(copy.deepcopy(TABLES)))
    assert ingest.main([]) == 0
    path = small / "store.duckdb"
    mine = query(path, "SELECT oktmo, name FROM municipalities WHERE region_code = '48' "
                       "ORDER BY oktmo")
    assert mine.values.tolist() == [["42609000", "Воловский муниципальный округ"],
                                    ["42648000", "Тербунский м.о."],
                                    ["42701000", "город Липецк"]]
    schools = query(path, "SELECT school_id, municipality FROM schools ORDER BY school_id")
    assert schools["municipality"].tolist() == ["город Липецк", "город Липецк",
                                                "Воловский муниципальный округ",
                                                "Тербунский м.о.", "город Липецк"]


def test_school_sums_that_differ_from_the_federal_row_are_a_warning(small: Path, capsys,
                                                                   history: pd.DataFrame) -> None:
    assert ingest.main(["--check"]) == 0
    err = capsys.readouterr().err
    federal = history[(history["region_code"] == "35")
                      & (history["snapshot_date"] == pd.Timestamp("2024-09-16"))].iloc[0]
    pupils = int(federal["pupils_total"])
    assert ("ПРЕДУПРЕЖДЕНИЕ: regions/35: суммы мониторинга по школам на 16.09.2024 не совпадают "
            "со строкой региона 35 в федеральном мониторинге: ") in err
    assert (f"«Обучающихся, всего»: по школам 750, в федеральной форме "
            f"{fmt_int(pupils)} (−{fmt_int(pupils - 750)})") in err


def test_equal_school_sums_give_no_warning() -> None:
    day = pd.Timestamp("2024-09-16")
    sums = pd.DataFrame({"snapshot_date": [day], "pupils_total": [750], "directors_total": [2]})
    federal = pd.DataFrame({"snapshot_date": [day, day], "region_code": ["35", "48"],
                            "pupils_total": [750, 900], "directors_total": [2, 3]})
    assert ingest.sums_against_federal("35", sums, federal) == []
    (warning,) = ingest.sums_against_federal("48", sums, federal)
    assert warning.severity == "warning" and "(−150)" in warning.rule and "(−1)" in warning.rule


def test_an_error_in_a_region_keeps_the_previous_warehouse(small: Path, capsys) -> None:
    assert ingest.main([]) == 0
    path = small / "store.duckdb"
    before = path.read_bytes()
    region = small / "data" / "regions" / "35"
    tables = copy.deepcopy(TABLES)
    tables["участники_2024-09-16_1405.csv"]["rows"][0][4] = "заходила недавно"
    write_region(region, {"участники_2024-09-16_1405.csv": tables["участники_2024-09-16_1405.csv"]})
    assert ingest.main([]) == ingest.EXIT_INVALID
    err = capsys.readouterr().err
    assert "regions/35/участники_2024-09-16_1405.csv, строка 2, столбец «Последний визит»" in err
    assert "хранилище не изменено" in err
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".*.tmp"))


def test_unchanged_exports_are_not_ingested_again(small: Path, capsys) -> None:
    assert ingest.main([]) == 0
    path = small / "store.duckdb"
    before = path.stat().st_mtime_ns
    capsys.readouterr()
    assert ingest.main([]) == 0
    assert "Хранилище актуально" in capsys.readouterr().out
    assert path.stat().st_mtime_ns == before
    assert ingest.main(["--force"]) == 0 and path.stat().st_mtime_ns != before
    forced = path.stat().st_mtime_ns
    (small / "data" / "regions" / "35" / "pupils.csv").touch()  # same bytes: still up to date
    assert ingest.main([]) == 0 and path.stat().st_mtime_ns == forced
    # (a file whose bytes changed is ingested again: tests/test_ingest.py)


def test_an_error_in_the_federal_files_stops_the_regions_too(small: Path) -> None:
    bad = small / "data" / "federal" / "broken_2024-09-23.csv"
    bad.write_text("Код субъекта;Субъект Российской Федерации\n1;Адыгея\n", encoding="cp1251")
    assert ingest.main([]) == ingest.EXIT_INVALID
    assert not (small / "store.duckdb").exists()


def test_a_badly_named_region_folder_is_an_error(small: Path) -> None:
    (small / "data" / "regions" / "Вологда").mkdir()
    assert ingest.main(["--check"]) == ingest.EXIT_INVALID


def test_without_regions_the_tables_exist_and_are_empty(small: Path) -> None:
    import shutil

    shutil.rmtree(small / "data" / "regions")
    assert ingest.main([]) == 0
    path = small / "store.duckdb"
    for table in ("schools", "chat_members", "pupils", "parent_children", "tasks"):
        assert store.read_table(path, table).empty
    assert list(store.read_table(path, "pupils").columns)[:4] == [
        "region_code", "pupil_id", "school_id", "class_name"]
    assert len(store.read_federal(path)) == 16 * 89
    assert FEDERAL.key == ("snapshot_date", "region_code")


def test_streaming_rebuild_abandons_the_new_file_on_error(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    store.rebuild(path, {"t": pd.DataFrame({"a": [1, 2]})}, keys={"t": ("a",)})
    before = path.read_bytes()

    def chunks():
        yield "t", pd.DataFrame({"a": [3]})
        yield "t", pd.DataFrame({"a": [4]})
        raise RuntimeError("an invalid export")

    with pytest.raises(RuntimeError):
        store.rebuild(path, chunks(), keys={"t": ("a",)})
    assert path.read_bytes() == before and not list(tmp_path.glob(".*.tmp"))
    store.rebuild(path, iter([("t", pd.DataFrame({"a": [2]})), ("t", pd.DataFrame({"a": [1]}))]),
                      keys={"t": ("a",)})
    assert store.read_table(path, "t")["a"].tolist() == [2, 1]


def test_a_large_table_has_its_key_checked_by_a_query(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "PRIMARY_KEY_MAX_ROWS", 1)
    path = tmp_path / "w.duckdb"
    store.rebuild(path, {"t": pd.DataFrame({"a": [1, 2]})}, keys={"t": ("a",)})
    assert store.read_table(path, "t")["a"].tolist() == [1, 2]
    with pytest.raises(store.DuplicateKey, match="1 repeated keys"):
        store.rebuild(path, {"t": pd.DataFrame({"a": [1, 1]})}, keys={"t": ("a",)})
    assert store.read_table(path, "t")["a"].tolist() == [1, 2]


def test_a_repeated_key_in_one_region_is_found_by_the_check_of_its_chunk() -> None:
    """What the workers check per region (the warehouse skips its query for those tables)."""
    from helpers.ingestion.regional import require_unique

    frame = pd.DataFrame({"region_code": pd.array(["48"] * 3, dtype="str"),
                          "snapshot_date": pd.to_datetime(["2024-09-16"] * 3),
                          "pupil_id": pd.array(["a", None, "b"], dtype="str")})
    require_unique("pupils", frame)
    with pytest.raises(store.DuplicateKey,
                       match=r"pupils: 1 repeated keys \(region_code, snapshot_date, pupil_id"):
        require_unique("pupils", pd.concat([frame, frame.tail(1)]))
    with pytest.raises(store.DuplicateKey, match="1 repeated keys"):  # missing equals missing
        require_unique("pupils", pd.concat([frame, frame.iloc[[1]]]))
    require_unique("pupils", frame.assign(snapshot_date=pd.to_datetime(
        ["2024-09-16", "2024-09-16", "2025-11-10"])).iloc[[2, 2]].assign(pupil_id=["b", "c"]))


def test_a_region_whose_tables_repeat_a_key_changes_nothing(small: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """A bug that repeats a key in one region's table is caught before the rebuild ends —
    by that region's check, also for a table too large for the warehouse's own key."""
    from helpers.ingestion import regional

    assert ingest.main([]) == 0
    path = small / "store.duckdb"
    before = path.read_bytes()
    made = regional.region_tables

    def repeating(data, pseudonyms):
        for name, frame in made(data, pseudonyms):
            yield name, pd.concat([frame, frame.head(1)]) if name == "pupils" else frame

    monkeypatch.setattr(regional, "region_tables", repeating)
    monkeypatch.setattr(store, "PRIMARY_KEY_MAX_ROWS", 1)
    with pytest.raises(store.DuplicateKey, match="pupils: 1 repeated keys"):
        ingest.main(["--force", "--jobs", "1"])
    assert path.read_bytes() == before


def test_chunks_in_key_order_are_written_as_they_come(tmp_path: Path) -> None:
    """What the ingestion's workers sort is what the warehouse holds, chunk after chunk: the
    order DuckDB's ORDER BY of the key gives (text by its bytes, missing values last)."""
    frame = pd.DataFrame({"a": pd.array(["b", "a", "Я", "b"], dtype="str"), "b": [2, 1, 3, 1]})
    path = tmp_path / "w.duckdb"
    store.rebuild(path, [("t", store.in_key_order(frame, ("a", "b"))),
                         ("t", store.in_key_order(frame.head(1), ("a", "b")).assign(b=9))],
                  keys={"t": ("a", "b")}, ordered=True)
    assert store.read_table(path, "t")["b"].tolist() == [1, 1, 2, 3, 9]
    store.rebuild(path, {"t": frame}, keys={"t": ("a", "b")})  # sorted by the database
    assert store.read_table(path, "t")["b"].tolist() == [1, 1, 2, 3]
    gaps = pd.DataFrame({"a": pd.array([None, "b", "a"], dtype="str")})
    assert store.in_key_order(gaps, ("a",))["a"].fillna("").tolist() == ["a", "b", ""]


def test_a_pupils_grade_is_the_number_its_class_starts_with() -> None:
    from helpers.ingestion.regional import _pupils

    pupils = pd.DataFrame({"class_name": pd.array(["5А", "11Б", "1", None, "12"], dtype="str")})
    grade = _pupils(pupils)["grade"]
    assert grade.dtype == "Int64" and grade.fillna(0).tolist() == [5, 11, 1, 0, 12]


def test_parent_children_links_each_child_once_with_its_school() -> None:
    """One link per parent and child of a registry export: a child listed twice counts once; a
    single school in «Коды ОО детей» is every child's; no school list gives no school."""
    from helpers.ingestion.regional import _parent_children

    day = pd.Timestamp("2024-09-16")
    parents = pd.DataFrame({
        "region_code": pd.array(["48"] * 3, dtype="str"),
        "snapshot_date": pd.array([day] * 3, dtype="datetime64[ns]"),
        # as protect leaves them: pseudonyms, and the children as lists of pseudonyms
        "parent_id": pd.array([1, 2, 3], dtype=PSEUDONYM),
        "children": pd.array([[11, 12, 11], [13], [14, 15]],
                             dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
        "children_schools": pd.array(["s1,s2,s1", None, "s9"], dtype="str"),
    })
    links = _parent_children(parents)
    assert links[["parent_id", "pupil_id"]].values.tolist() == [
        [1, 11], [1, 12], [2, 13], [3, 14], [3, 15]]
    assert links["parent_id"].dtype == links["pupil_id"].dtype == PSEUDONYM
    assert links["school_id"].fillna("").tolist() == ["s1", "s2", "", "s9", "s9"]
    assert set(links["region_code"]) == {"48"} and (links["snapshot_date"] == day).all()


def test_worker_processes_build_the_same_warehouse_and_leave_no_spool(small: Path) -> None:
    """Regions validated in worker processes (their tables handed over in Arrow files) give
    the warehouse one process gives, row for row, and the handover files are gone after."""
    from test_contract_regional import lipetsk_registry

    write_region(small / "data" / "regions" / "48", lipetsk_registry(copy.deepcopy(TABLES)))
    path = small / "store.duckdb"
    built = {}
    for jobs in ("1", "2"):
        assert ingest.main(["--force", "--jobs", jobs]) == 0
        built[jobs] = {t: store.read_table(path, t) for t in TABLE_NAMES - {"ingest_inputs"}}
        assert not [p.name for p in small.iterdir() if p.name.startswith(".ingest-spool-")]
    for table, frame in built["1"].items():
        pd.testing.assert_frame_equal(frame, built["2"][table], obj=table)
    assert set(built["2"]["schools"]["region_code"]) == {"35", "48"}


def test_a_frame_hash_ignores_row_and_column_order_and_sees_any_changed_value() -> None:
    frame = pd.DataFrame({"a": pd.array(["x", "y", None], dtype="str"), "b": [1, 2, 3],
                          "c": pd.to_datetime(["2024-09-16"] * 3)})
    same = frame.iloc[[2, 0, 1]][["c", "a", "b"]]
    assert store.frame_hash(frame) == store.frame_hash(same)
    for changed in (frame.assign(b=[1, 2, 4]), frame.assign(a=["x", "y", "z"]),
                    frame.rename(columns={"b": "d"}), frame.iloc[:2],
                    frame.assign(c=pd.to_datetime(["2024-09-16", "2024-09-16", "2024-09-17"]))):
        assert store.frame_hash(changed) != store.frame_hash(frame)
    assert store.frame_hash(frame.iloc[:0]) != store.frame_hash(frame.iloc[:0, :2])
