"""Every chart says in Russian what it shows, from the data it plots (the HTML ``alt``, PDF ``/Alt``)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.presentation import charts  # noqa: E402


def _plain(text: str) -> str:
    """The description with non-breaking spaces (numbers, dates) as plain ones, for reading here."""
    return text.replace("\u00a0", " ")


def test_bars_name_the_highest_and_the_lowest_and_the_target() -> None:
    frame = pd.DataFrame({"label": ["▶ Вологда", "Череповец", "Тотьма"], "share": [0.42, 0.91, 0.05],
                          "status": ["behind", "met", "behind"]})
    figure = charts.category_bars(frame, label="label", value="share", title="Индекс готовности",
                                  target=0.75, status="status")
    said = _plain(charts.description_of(figure))
    plt.close(figure)
    assert said.startswith("Столбчатая диаграмма: Индекс готовности; 3 столбца. Выделено: Вологда (42,0 %).")
    assert "Наибольшее значение — Череповец (91,0 %), наименьшее — Тотьма (5,0 %)" in said
    assert "цель 75 %; её достигли 1 из 3" in said


def test_a_trend_gives_each_line_its_ends_and_its_standing_against_the_target() -> None:
    days = pd.to_datetime(["2024-09-02", "2024-09-09", "2024-09-16"])
    country = pd.DataFrame({"snapshot_date": days, "k1": [0.10, 0.30, 0.20]})
    region = pd.DataFrame({"snapshot_date": days, "k1": [0.15, 0.2, 0.26]})
    figure = charts.trend_chart(country, value="k1", target=0.25, title="K1 по неделям",
                                highlight=region, highlight_label="Вологодская область")
    said = _plain(charts.description_of(figure))
    plt.close(figure)
    assert said.startswith("Линейный график: K1 по неделям.")
    assert ("Россия: с 10,0 % (2 сентября 2024 г.) до 20,0 % (16 сентября 2024 г.); наибольшее "
            "значение 30,0 % (9 сентября 2024 г.)") in said
    assert "Вологодская область: с 15,0 % (2 сентября 2024 г.) до 26,0 % (16 сентября 2024 г.); " \
           "цель достигнута." in said
    assert said.endswith("Пунктир — цель 25 %.") and ".." not in said


def test_a_funnel_and_plan_fact_list_every_step() -> None:
    steps = pd.DataFrame({"step": ["Всего", "С СНИЛС"], "count": [1200, 300], "share": [1.0, 0.25]})
    figure = charts.funnel_chart(steps, label="step", value="count", share="share", title="Воронка")
    funnel = _plain(charts.description_of(figure))
    assert "Всего: 100,0 % (1 200); С СНИЛС: 25,0 % (300)." in funnel
    rows = pd.DataFrame({"label": ["K1", "K2"], "fact": [0.2, 0.9], "plan": [0.25, 0.8],
                         "status": ["behind", "met"]})
    plan_fact = _plain(charts.description_of(charts.plan_fact_chart(rows, title="Факт и план")))
    plt.close("all")
    assert "K1: факт 20,0 %, план 25 %" in plan_fact and "K2: факт 90,0 %" in plan_fact


def test_an_analysts_plain_plot_is_described_from_what_it_plots() -> None:
    axes = pd.Series([3, 12, 7], index=["Вологда", "Череповец", "Сокол"]).plot.bar(title="Школы")
    said = _plain(charts.description_of(axes.figure))
    plt.close("all")
    assert said == "График: Школы. Наибольшее значение — Череповец (12), наименьшее — Вологда (3)."
