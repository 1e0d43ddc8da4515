"""The regional-ranking briefing's figures: period selection, window, highlight, display shapes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from helpers.briefings.regional_ranking.build import Ranking, build
from helpers.briefings.regional_ranking.present import (
    highlight_rows,
    key_figures,
    plan_fact,
    ranking_table,
)
from helpers.demo.federal import build_federal_history
from helpers.indicators.kpis import load_targets


def ranking_of(history: pd.DataFrame, **parameters: object) -> Ranking:
    """The ranking of ``history``, given to ``build`` as the warehouse would."""
    return build({"federal_snapshots": history}, **parameters)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return build_federal_history()


def test_period_selects_the_latest_snapshot_on_or_before_it(history) -> None:
    ranking = ranking_of(history, period="2024-09-05")
    assert ranking.snapshot_date == dt.date(2024, 9, 2)
    assert ranking.trend["snapshot_date"].max() == pd.Timestamp("2024-09-02")


def test_data_after_the_period_does_not_change_the_briefing(history) -> None:
    cut = history[pd.to_datetime(history["snapshot_date"]) <= "2024-09-02"]
    assert ranking_of(history, period="2024-09-02").data_hash == \
        ranking_of(cut, period="2024-09-02").data_hash


def test_a_changed_figure_changes_the_data_hash(history) -> None:
    changed = history.copy()
    changed.loc[changed.index[-1], "teachers_active"] -= 1
    assert ranking_of(history).data_hash != ranking_of(changed).data_hash


def test_window_sets_the_delta_start(history) -> None:
    ranking = ranking_of(history, window_weeks=2)
    assert ranking.window_start == dt.date(2024, 9, 2)
    assert (ranking.regions["start_date"] == pd.Timestamp("2024-09-02")).all()
    assert len(ranking.trend) == 3


def test_ranking_table_has_every_region_once_ranked_by_k1(history) -> None:
    table = ranking_table(ranking_of(history))
    assert len(table) == 89 and table["Код"].is_unique
    assert table["K1"].is_monotonic_decreasing
    assert table["Место"].iloc[0] == 1


def test_highlighted_region_is_marked_and_traced(history) -> None:
    ranking = ranking_of(history, highlight_region="35")
    (row,) = highlight_rows(ranking)
    assert ranking.regions["region_code"].iloc[row] == "35"
    assert len(ranking.region_trend) == len(ranking.trend)


def test_key_figures_say_the_seed_in_russian(history) -> None:
    figures = {f.label: f for f in key_figures(ranking_of(history))}
    k1 = next(f for label, f in figures.items() if "активных директоров" in label)
    assert k1.fact == "20,5\u00a0%" and k1.plan == "более 25\u00a0%" and k1.status == "near"
    k3 = next(f for label, f in figures.items() if "интеграция" in label)
    assert k3.fact == "86 из 89 регионов" and k3.note == "не завершили: 3"


def test_plan_fact_rows_are_shares_with_statuses(history) -> None:
    rows = plan_fact(ranking_of(history))
    assert rows["fact"].between(0, 1).all() and set(rows["status"]) <= {"met", "near", "behind"}


def test_region_card_places_the_region_among_its_neighbours(history) -> None:
    from helpers.briefings.regional_ranking.present import (
        neighbour_highlight,
        neighbours_table,
        region_key_figures,
        region_position_html,
    )

    ranking = ranking_of(history, highlight_region="35")
    table = neighbours_table(ranking)
    (row,) = neighbour_highlight(ranking)
    assert len(table) == 7 and table["Субъект РФ"].iloc[row] == "Вологодская область"
    assert table["Место"].is_monotonic_increasing
    position = region_position_html(ranking)
    rank = int(ranking.regions.set_index("region_code").loc["35", "rank"])
    assert f"{rank} из 89" in position and "федерального округа (СЗФО)" in position
    figures = region_key_figures(ranking)
    assert figures[0].note.startswith("по России: 20,5")


def test_region_card_of_the_first_region_has_neighbours_only_below(history) -> None:
    from helpers.briefings.regional_ranking.present import neighbour_highlight, neighbours_table

    ranking = ranking_of(history)
    leader = ranking.regions["region_code"].iloc[0]
    ranking = ranking_of(history, highlight_region=leader)
    assert neighbour_highlight(ranking) == [0] and len(neighbours_table(ranking)) == 4


def test_table_cells_are_escaped_for_html() -> None:
    from helpers.presentation.tables import html_view

    page = html_view(pd.DataFrame({"Школа": ["МОУ <СОШ №1> & Ко"]}), {"Школа": "text"})
    assert "&lt;СОШ №1&gt; &amp; Ко" in page and "<СОШ" not in page


def test_window_zero_takes_the_targets_window(history) -> None:
    targets = load_targets()
    assert ranking_of(history).window_weeks == targets.delta_window_weeks
    two = dataclasses.replace(targets, delta_window_weeks=2)
    ranking = ranking_of(history, window_weeks=0, targets=two)
    assert ranking.window_weeks == 2 and ranking.window_start == dt.date(2024, 9, 2)
    assert len(ranking.trend) == 3
    assert ranking_of(history, window_weeks=3, targets=two).window_weeks == 3  # a set window wins


def test_the_notebook_leaves_the_window_to_the_targets() -> None:
    from helpers.batch.plan import declared_parameters
    from helpers.config import NOTEBOOKS_DIR

    window = declared_parameters(NOTEBOOKS_DIR / "regional_ranking.ipynb")["window_weeks"]
    assert window["inferred_type_name"] == "int" and window["default"] == "0"


def test_a_full_target_reads_100_percent_on_both_cards(history) -> None:
    from helpers.briefings.regional_ranking.present import region_key_figures

    ranking = ranking_of(history, highlight_region="35")
    k4 = ranking.targets.k4.label
    (national,) = [f for f in key_figures(ranking) if f.label == k4]
    (region,) = [f for f in region_key_figures(ranking) if f.label == k4]
    assert national.plan == region.plan == "100\u00a0%"


def test_names_come_out_escaped_in_the_html(history) -> None:
    from helpers.briefings.regional_ranking.present import (
        methodology_html,
        region_card_heading_html,
        region_position_html,
    )

    ranking = ranking_of(history, highlight_region="35")
    regions = ranking.regions.copy()
    regions.loc[regions["region_code"] == "35", "region_name"] = "Вологодская <b>область</b> & Ко"
    targets = ranking.targets
    k1 = dataclasses.replace(targets.k1, label="Доля <b>активных</b> & Ко")
    ranking = dataclasses.replace(ranking, regions=regions,
                                  targets=dataclasses.replace(targets, k1=k1))
    for html in (region_card_heading_html(ranking), region_position_html(ranking)):
        assert "Вологодская &lt;b&gt;область&lt;/b&gt; &amp; Ко" in html, html
        assert "<b>область" not in html
    methodology = methodology_html(ranking)
    assert "Доля &lt;b&gt;активных&lt;/b&gt; &amp; Ко" in methodology
    assert "<b>активных" not in methodology


def test_build_is_pure_of_display() -> None:
    import ast

    from helpers.briefings.regional_ranking import build as module

    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    forbidden = ("IPython", "matplotlib", "helpers.render", "helpers.presentation")
    assert not [name for name in imported if name.startswith(forbidden)]
