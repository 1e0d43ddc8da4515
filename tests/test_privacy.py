"""Personal data: the key, pseudonyms, and the one step that keeps only flags, ages and pseudonyms."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from helpers.ingestion import privacy
from helpers.ingestion.contract.forms import PARENTS, PUPILS


def test_key_from_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("SFERUM_SECRET=from-file\n", encoding="utf-8")
    monkeypatch.setenv("SFERUM_SECRET", "from-env")
    assert privacy.secret(env) == b"from-env"
    monkeypatch.delenv("SFERUM_SECRET")
    assert privacy.secret(env) == b"from-file"


def test_key_is_generated_once_into_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SFERUM_SECRET", raising=False)
    env = tmp_path / ".env"
    first = privacy.secret(env)
    assert len(first) == 64 and env.exists()
    assert oct(env.stat().st_mode & 0o777) == "0o600"
    assert privacy.secret(env) == first  # read back, not generated again
    assert "SFERUM_SECRET=" in env.read_text(encoding="utf-8")
    assert "SFERUM_SECRET" not in os.environ


def test_dotenv_is_git_ignored() -> None:
    ignored = (Path(__file__).resolve().parents[1] / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


def test_pseudonyms_are_keyed_stable_and_keep_missing() -> None:
    ids = pd.Series(["1001", "1002", "1001", None], dtype="str")
    one = privacy.Pseudonymizer(b"key-1")(ids)
    again = privacy.Pseudonymizer(b"key-1")(ids)
    other = privacy.Pseudonymizer(b"key-2")(ids)
    assert one.tolist() == again.tolist()
    assert one[0] == one[2] != one[1] and pd.isna(one[3])
    assert isinstance(one[0], int) and -2**63 <= one[0] < 2**63
    assert one[0] == privacy.Pseudonymizer(b"key-1").one("1001")
    assert one[0] != other[0]
    assert one.dtype == privacy.PSEUDONYM  # stored as BIGINT
    assert "1001" not in " ".join(map(str, one.dropna()))


def test_lists_are_pseudonymised_element_by_element() -> None:
    p = privacy.Pseudonymizer(b"k")
    lists = p.lists(pd.Series(["1001,1002", None, "1002"], dtype="str"))
    assert list(lists[0]) == [p.one("1001"), p.one("1002")]
    assert pd.isna(lists[1]) and list(lists[2]) == [p.one("1002")]


def test_listed_children_get_the_pseudonyms_of_their_pupil_rows_seen_or_not() -> None:
    """Children listed by parents are looked up among the pupils pseudonymised before; a child
    missing from the pupils' form is hashed the same way (one pseudonym per person)."""
    p = privacy.Pseudonymizer(b"k")
    pupils = p(pd.Series(["1001", "1002", None], dtype="str"))
    lists = p.lists(pd.Series(["1002,1001", "1003,1002", "1003", None], dtype="str"))
    assert list(lists[0]) == [pupils[1], pupils[0]]
    assert list(lists[1]) == [p.one("1003"), pupils[1]] and list(lists[2]) == [p.one("1003")]
    assert pd.isna(lists[3])
    assert privacy.Pseudonymizer(b"k")(pd.Series(["1003"], dtype="str"))[0] == p.one("1003")


def test_ages_at_the_snapshot_date() -> None:
    birth = pd.Series(pd.to_datetime(["2010-09-16", "2010-09-17", "2017-02-28", None]))
    at = pd.Series(pd.to_datetime(["2024-09-16"] * 4))
    assert privacy.ages(birth, at).tolist() == [14, 13, 7, pd.NA]


def test_protect_keeps_only_flags_ages_and_pseudonyms() -> None:
    pupils = pd.DataFrame({
        "pupil_id": pd.array(["1001", "1002"], dtype="str"),
        "pupil_name": ["Иванова Анна Сергеевна", "Петров Пётр Петрович"],
        "school_id": ["500", "500"], "class_name": ["5А", "9Б"],
        "birth_date": pd.to_datetime(["2013-05-01", "2009-12-31"]),
        "snils": pd.array(["11223344595", None], dtype="str"),
        "child_account": ["created", "linked"],
        "snapshot_date": pd.to_datetime(["2024-09-16"] * 2),
    })
    out = privacy.protect(pupils, PUPILS, privacy.Pseudonymizer(b"k"))
    assert set(out.columns) == {"pupil_id", "school_id", "class_name", "child_account",
                                "snapshot_date", "snils_present", "snils_valid", "age"}
    assert out["age"].tolist() == [11, 14]
    assert out["snils_present"].tolist() == [True, False]
    assert out["snils_valid"].tolist() == [True, False]
    assert not out["pupil_id"].isin(["1001", "1002"]).any()


def test_protect_parents_login_becomes_a_flag() -> None:
    parents = pd.DataFrame({
        "parent_id": pd.array(["77"], dtype="str"), "parent_name": ["Иванова Татьяна Юрьевна"],
        "snils": pd.array(["112-233-445 96"], dtype="str"), "login": pd.array([None], dtype="str"),
        "children": pd.array(["1001,1002"], dtype="str"), "children_names": ["Юрий, Света"],
        "children_schools": ["500,501"], "esia_confirmed": [True],
        "snapshot_date": pd.to_datetime(["2024-09-16"]),
    })
    out = privacy.protect(parents, PARENTS, privacy.Pseudonymizer(b"k"))
    assert "login" not in out and "parent_name" not in out and "children_names" not in out
    assert out["login_present"].tolist() == [False]
    assert out["snils_valid"].tolist() == [False]
    assert 1001 not in list(out["children"][0]) and "1001" not in str(out["children"][0])
