"""A published briefing's «Что изменилось» block, read back for the pack's cover and the mails."""

from __future__ import annotations

from helpers.presentation import fragments
from helpers.render.digest import page_changes


def test_the_changes_block_is_read_back_with_its_title_and_first_items() -> None:
    import datetime as dt

    items = [f"Изменение {n} <важно>" for n in range(7)]
    page = "<main>" + fragments.changes_html(dt.date(2024, 9, 9), items, min_days=7) + "</main>"
    read = page_changes(page)
    assert read.title == "Что изменилось с 9 сентября 2024 г."
    assert read.items == items[:5]  # the cover and a mail lead with five


def test_without_a_base_the_block_says_so_and_a_page_without_one_has_none() -> None:
    read = page_changes(fragments.changes_html(None, [], min_days=7))
    assert read.items and "сравнивать не с чем" in read.items[0]
    assert page_changes("<p>нет блока</p>").items == []
