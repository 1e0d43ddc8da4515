"""Page one's data, read back from a manifest entry for the pack's cover and the mails."""

from __future__ import annotations

import datetime as dt

from helpers.presentation.blocks import Changes, PageOne
from helpers.presentation.fragments import KeyFigure
from helpers.render.digest import key_figures, page_changes


def _entry(changes: Changes) -> dict[str, object]:
    page = PageOne("<p>страница</p>", "<p>О чём <b>справка</b></p>",
                   [KeyFigure("K1", "26,0 %", "более 25 %", "met")], ["Вывод"], changes)
    return {"page_one": page.payload()}


def test_the_changes_are_read_back_with_their_title_and_first_items() -> None:
    items = [f"Изменение {n} &lt;важно&gt;" for n in range(7)]
    read = page_changes(_entry(Changes(dt.date(2024, 9, 9), items, min_days=7)))
    assert read.title == "Что изменилось с 9 сентября 2024 г."
    assert read.items == [f"Изменение {n} <важно>" for n in range(5)]  # a cover and a mail lead with five


def test_without_a_base_page_one_says_so_and_an_entry_without_one_has_none() -> None:
    read = page_changes(_entry(Changes(None, [], min_days=7)))
    assert read.items and "сравнивать не с чем" in read.items[0]
    assert page_changes({"status": "failed"}).items == []


def test_the_cards_come_back_with_their_status_in_words() -> None:
    (card,) = key_figures(_entry(Changes(None, [], min_days=7)))
    assert (card.label, card.fact, card.plan, card.status) == ("K1", "26,0 %", "более 25 %",
                                                               "✔ выполнено")
