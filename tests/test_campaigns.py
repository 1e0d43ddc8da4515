"""Campaigns and task deadlines are read from params/, checked, and used the same way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers.indicators.campaigns import campaign_at, load_campaigns, load_tasks, task_status

D = dt.date


def test_the_two_campaigns_of_the_params() -> None:
    campaigns = load_campaigns()
    assert list(campaigns) == ["telegram_to_sferum_2024", "sferum_to_max_2025"]
    first, second = campaigns.values()
    assert (first.cutover, first.target_only_from) == (D(2024, 9, 10), D(2024, 9, 11))
    assert set(first.from_platforms) == {"telegram", "whatsapp", "viber"}
    assert first.to_platform == "sferum"
    assert (second.from_platforms, second.to_platform) == (("sferum",), "max")
    assert second.cutover == D(2025, 11, 1)
    assert first.department_chats[0].title == "Директора школ ВО"
    assert first.department_chats[0].expected_roles == ("director",)
    assert first.required_chat_types == ("dept_directors", "dept_omsu", "school", "staff",
                                         "class", "parents")


def test_campaign_at_a_date() -> None:
    assert campaign_at(D(2024, 9, 16)).id == "telegram_to_sferum_2024"
    assert campaign_at(D(2025, 11, 10)).id == "sferum_to_max_2025"
    with pytest.raises(ValueError, match="нет кампании"):
        campaign_at(D(2020, 1, 1))


def test_task_deadlines_come_from_params() -> None:
    campaign, tasks = load_tasks()
    assert campaign == "telegram_to_sferum_2024"
    assert (tasks["test_week"].start, tasks["test_week"].deadline) == (D(2024, 9, 13),
                                                                      D(2024, 9, 20))
    assert tasks["regulation_adopted"].deadline == D(2024, 9, 20)
    assert tasks["regulation_posted"].deadline == D(2024, 9, 30)
    assert tasks["test_week"].level == "municipality"
    assert {t.column for t in tasks.values()} == {
        "test_week_held", "regulation_adopted", "regulation_posted", "parent_meeting",
        "auth_info"}


@pytest.mark.parametrize("done, as_of, status", [
    (D(2024, 9, 18), D(2024, 10, 1), "done"),
    (D(2024, 9, 20), D(2024, 10, 1), "done"),
    (D(2024, 9, 21), D(2024, 10, 1), "late"),
    (None, D(2024, 10, 1), "overdue"),
    (None, D(2024, 9, 19), "pending"),
    (D(2024, 9, 25), D(2024, 9, 19), "pending"),  # reported later than the day asked about
])
def test_task_status(done: dt.date | None, as_of: dt.date, status: str) -> None:
    assert task_status(done, D(2024, 9, 20), as_of) == status


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, message", [
    ("campaigns: []", "нет списка campaigns"),
    ("campaigns:\n  - id: x\n    from_platforms: [telegram]\n    to_platform: icq\n"
     "    start: 2024-01-01\n    cutover: 2024-02-01\n    target_only_from: 2024-02-02\n"
     "    school_chats: [school]\n    class_chats: [class]", "неизвестные коды"),
    ("campaigns:\n  - id: x\n    from_platforms: [telegram]\n    to_platform: sferum\n"
     "    start: 2024-03-01\n    cutover: 2024-02-01\n    target_only_from: 2024-02-02\n"
     "    school_chats: [school]\n    class_chats: [class]", "start ≤ cutover"),
    ("campaigns:\n  - id: x\n    from_platforms: [telegram]\n    to_platform: sferum\n"
     "    start: 1 сентября\n    cutover: 2024-02-01\n    target_only_from: 2024-02-02\n"
     "    school_chats: [school]\n    class_chats: [class]", "нужна дата"),
    ("campaigns:\n  - id: x\n    to_platform: sferum", "нет поля from_platforms"),
])
def test_bad_campaigns_are_reported(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_campaigns(_write(tmp_path, body))


@pytest.mark.parametrize("body, message", [
    ("tasks: {}", "нет раздела tasks"),
    ("tasks:\n  a: {column: nothing, deadline: 2024-09-20}", "column должен быть"),
    ("tasks:\n  a: {column: auth_info}", "нужен deadline или period"),
    ("tasks:\n  a: {column: auth_info, level: region, deadline: 2024-09-20}", "level"),
    ("tasks:\n  a: {column: auth_info, period: [2024-09-20, 2024-09-13]}", "период"),
])
def test_bad_tasks_are_reported(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_tasks(_write(tmp_path, body))
