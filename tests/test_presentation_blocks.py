"""The blocks a notebook shows: tables with formats bound to their columns, charts an official can
read, page one as data, and what JupyterLab shows."""

from __future__ import annotations

import datetime as dt
import io

import matplotlib
import pandas as pd
import pytest

from helpers.presentation import charts, lab, tables
from helpers.presentation.blocks import BlockError, Changes, PageOne, Table, shared
from helpers.presentation.fragments import KeyFigure

matplotlib.use("Agg")

REGIONS = pd.DataFrame({"region_name": ["Курганская область", "Тверская область", "Республика Алтай"],
                        "k1": [0.121, 0.153, 0.087]})


def test_a_format_for_a_column_the_table_lacks_is_an_error_naming_the_columns() -> None:
    with pytest.raises(BlockError) as refused:
        Table(REGIONS, "Регионы", "Регионы", formats={"K1": "percent"})
    message = str(refused.value)
    assert message.startswith("В таблице «Регионы» нет столбцов ['K1']")
    assert "region_name" in message and "k1" in message


def test_the_older_tables_show_refuses_a_misspelled_column_too() -> None:
    with pytest.raises(BlockError, match="нет столбцов \\['К1'\\]"):
        tables.show(REGIONS, name="Регионы", title="Регионы", formats={"К1": "percent"})  # Cyrillic К


def test_shared_formats_keep_only_the_table_s_columns() -> None:
    assert shared({"k1": "percent", "Доля по региону": "percent"}, REGIONS) == {"k1": "percent"}


def test_an_excel_only_table_shows_its_first_rows_and_how_many_are_in_the_workbook() -> None:
    many = pd.DataFrame({"Школа": [f"Школа № {n}" for n in range(3562)], "K1": 0.2})
    view = Table(many, "Все школы", "Школы", {"K1": "percent"}, excel_only=True).view()
    assert "Школа № 9<" in view and "Школа № 10<" not in view
    assert "ещё 3\u00a0552 строки — в книге Excel" in view
    assert len(view) < 20_000


def test_an_excel_only_preview_formats_each_row_as_its_row_format_says() -> None:
    frame = pd.DataFrame({"Показатель": ["K1", "Школ"] * 8, "Было": [0.25, 12.0] * 8})
    kinds = {"Было": ["percent", "int"] * 8}
    view = Table(frame, "Изменения", "Изменения", row_formats=kinds, excel_only=True).view()
    assert ">25,0\u00a0%<" in view and ">12<" in view and "ещё 6 строк" in view


def test_page_one_leaves_as_data_with_plain_text_and_status_words() -> None:
    changes = Changes(dt.date(2024, 9, 9), ["K1: <b>20,5 %</b> (+1,5 п.п.)"], min_days=7)
    page = PageOne("<div>…</div>", "<p>Справка о <b>регионе</b></p>",
                   [KeyFigure("K1", "20,5 %", "более 25 %", "behind")], ["Вывод &laquo;один&raquo;"],
                   changes)
    data = page.payload()
    assert data["lead"] == "Справка о регионе"
    assert data["findings"] == ["Вывод «один»"]
    assert data["key_figures"][0]["status_label"] == "✖ отстаёт"
    assert data["changes"] == {"title": "Что изменилось с 9 сентября 2024 г.",
                               "items": ["K1: 20,5 % (+1,5 п.п.)"]}


def _svg_text(chart: charts.Chart) -> str:
    buffer = io.StringIO()
    chart.figure.savefig(buffer, format="svg")
    return buffer.getvalue()


def test_the_bar_helper_gives_percent_ticks_no_raw_column_name_and_a_description() -> None:
    charts.apply_style()
    chart = charts.bars(REGIONS, label="region_name", value="k1", title="K1 по регионам",
                        caption="Доля активных в чатах")
    svg = _svg_text(chart)
    assert "region_name" not in svg and ">10\u00a0%<" in svg  # ticks in percent, not 0.10
    assert chart.workbook and chart.caption == "Доля активных в чатах"
    assert chart.description.startswith("Столбчатая диаграмма: K1 по регионам; 3 столбца. "
                                        "Наибольшее значение — Тверская область (15,3")


def test_the_line_and_plan_vs_fact_helpers_describe_their_data() -> None:
    charts.apply_style()
    trend = pd.DataFrame({"snapshot_date": pd.to_datetime(["2024-09-02", "2024-09-16"]),
                          "k1": [0.18, 0.205]})
    line = charts.line(trend, date="snapshot_date", value="k1", title="K1", caption="K1 по срезам")
    assert "18,0" in line.description and "20,5" in line.description
    kpis = pd.DataFrame({"kpi": ["K1"], "fact": [0.205], "plan": [0.25], "status": ["behind"]})
    plan = charts.plan_vs_fact(kpis, label="kpi", fact="fact", plan="plan", status="status",
                               title="Факт и план", caption="Факт и план")
    assert "K1: факт 20,5" in plan.description and "план 25" in plan.description


def test_lab_gets_the_card_and_status_styles_scoped_to_its_output_areas() -> None:
    css = lab.lab_css()
    assert ".jp-RenderedHTMLCommon .key-figure" in css and "--met-fill" in css
    assert "@page" not in css and "\nbody" not in css
    rules = [line.split("{")[0] for line in css.splitlines() if "{" in line]
    assert all(selector.strip().startswith(lab.LAB_OUTPUT) for rule in rules
               for selector in rule.split(","))


def test_in_lab_a_cell_run_again_keeps_its_numbers_and_papermill_counts_on(monkeypatch) -> None:
    from helpers.presentation import display

    runs = iter([("setup", "m0"), ("a", "m1"), ("a", "m1"), ("b", "m2"),  # Run All
                 ("a", "m3"), ("a", "m3"),  # cell a again
                 ("c", "m4"),  # a cell added since
                 ("", "p1"), ("", "p2")])  # papermill: no cell id
    monkeypatch.setattr(display, "_running_cell", lambda: next(runs))
    display.reset_numbers()
    shown = [display.next_number(what) for what in
             ["table", "table", "table", "figure", "table", "table", "table", "table", "table"]]
    assert shown == ["Таблица 1 — ", "Таблица 2 — ", "Таблица 3 — ", "Рисунок 1 — ",
                     "Таблица 2 — ", "Таблица 3 — ", "Таблица 4 — ", "Таблица 5 — ", "Таблица 6 — "]
    monkeypatch.setattr(display, "_running_cell", lambda: ("a", "m5"))
    display.reset_numbers()  # the setup cell of the next Run All
    assert display.next_number("table") == "Таблица 1 — "
