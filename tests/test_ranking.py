"""The regional-ranking briefing's figures: period selection, window, highlight, display shapes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from helpers.briefings import inputs
from helpers.briefings.regional_ranking import KIND
from helpers.briefings.regional_ranking.build import Ranking, build
from helpers.briefings.regional_ranking.parts import (
    highlight_rows,
    key_figures,
    plan_fact,
    ranking_table,
)
from helpers.demo.federal import build_federal_history
from helpers.indicators.kpis import load_targets

INPUTS = inputs.load(KIND.inputs)


def ranking_of(history: pd.DataFrame, **parameters: object) -> Ranking:
    """The ranking of ``history``, given to ``build`` as the warehouse would, with the project's
    targets and regions' reference unless given."""
    return build({"federal_snapshots": history}, **{**INPUTS, **parameters})  # type: ignore[arg-type]


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
    from helpers.briefings.regional_ranking.parts import (
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
    from helpers.briefings.regional_ranking.parts import neighbour_highlight, neighbours_table

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
    from helpers.briefings.regional_ranking.parts import region_key_figures

    ranking = ranking_of(history, highlight_region="35")
    k4 = ranking.targets.k4.label
    (national,) = [f for f in key_figures(ranking) if f.label == k4]
    (region,) = [f for f in region_key_figures(ranking) if f.label == k4]
    assert national.plan == region.plan == "100\u00a0%"


def test_names_come_out_escaped_in_the_html(history) -> None:
    from helpers.briefings.regional_ranking.parts import (
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


# --- the week's changes, on a tiny hand-computed history -----------------------------------------
#
# Seven regions, K1 = active teachers of 100 (no directors), three weekly snapshots:
#
#   K1, %     02.09  09.09  16.09      rank 09.09 → 16.09      ΔK1 (1 week) on 09.09 / 16.09
#   01         20     30     24        1 → 3  (−2)              +10 / −6
#   02         25     26     26        2 → 1  (+1, tie with 04)  +1 /  0
#   03         21     22     22        3 → 4  (−1)               +1 /  0   integration done on 16.09
#   04         17     18     26        4 → 1  (+3, tie with 02)  +1 / +8
#   05         14     15     21        5 → 5                     +1 / +6
#   06         10     10      —        6 → —  (missing on 16.09)  0 /  —
#   07          5      5      5        7 → 7                      0 /  0   never integrated
#   08          —      —     12        — → 6  (new on 16.09)      — /  —
#
# K1's target is «more than 25 %», «near» from 20 %.

D = dt.date
K1_BY_DAY = {
    D(2024, 9, 2): {"01": 20, "02": 25, "03": 21, "04": 17, "05": 14, "06": 10, "07": 5},
    D(2024, 9, 9): {"01": 30, "02": 26, "03": 22, "04": 18, "05": 15, "06": 10, "07": 5},
    D(2024, 9, 16): {"01": 24, "02": 26, "03": 22, "04": 26, "05": 21, "07": 5, "08": 12},
}


def tiny_history(k1_by_day: dict[dt.date, dict[str, int]] = K1_BY_DAY) -> pd.DataFrame:
    rows = []
    for day, regions in k1_by_day.items():
        for code, active in regions.items():
            rows.append({
                "region_code": code, "region_name": "", "directors_total": 0,
                "directors_active": 0, "teachers_total": 100, "teachers_active": active,
                "class_teachers_total": 10, "class_teachers_parent_chat": 5, "pupils_total": 0,
                "teachers_linked": 50, "pupils_linked": 0, "teachers_esia": 40,
                "integration_done": code != "07" and not (code == "03" and day < D(2024, 9, 16)),
                "snapshot_date": day, "source_file": f"{day}.xlsx",
            })
    return pd.DataFrame(rows)


def tiny(**parameters: object) -> Ranking:
    return ranking_of(tiny_history(), window_weeks=1, **parameters)


def test_the_base_is_last_weeks_snapshot_and_its_age_is_a_parameter() -> None:
    assert tiny().changes.base_date == D(2024, 9, 9)
    targets = dataclasses.replace(load_targets(), changes_base_days=10)
    assert tiny(targets=targets).changes.base_date == D(2024, 9, 2)


def test_rank_moves_with_a_tie_and_regions_in_one_snapshot_only() -> None:
    changes = tiny().changes
    rows = changes.regions.set_index("region_code")
    assert rows.loc["02", "rank"] == rows.loc["04", "rank"] == 1  # a tie shares the best place
    assert rows.loc["01", "rank"] == 3  # … and the next place is 3
    assert rows["move"].to_dict() == pytest.approx(
        {"01": -2, "02": 1, "03": -1, "04": 3, "05": 0, "06": float("nan"), "07": 0,
         "08": float("nan")}, nan_ok=True)
    assert changes.movers(2)["region_code"].tolist() == ["04", "02"]
    assert changes.movers(5, up=False)["region_code"].tolist() == ["01", "03"]
    assert changes.added == ("08",) and changes.missing == ("06",)
    assert rows.loc["06", "region_name"] == "Республика Ингушетия"  # named from the base


def test_status_moves_in_both_directions() -> None:
    statuses = tiny().changes.statuses
    k1 = statuses[statuses["kpi"] == "k1"].set_index("region_code")
    assert k1[["before", "after", "direction"]].to_dict("index") == {
        "01": {"before": "met", "after": "near", "direction": "down"},
        "04": {"before": "behind", "after": "met", "direction": "up"},
        "05": {"before": "behind", "after": "near", "direction": "up"},
        "06": {"before": "behind", "after": None, "direction": "gone"},
        "08": {"before": None, "after": "behind", "direction": "new"},
    }
    k3 = statuses[(statuses["kpi"] == "k3") & statuses["direction"].isin(["up", "down"])]
    assert k3[["region_code", "before", "after"]].values.tolist() == [["03", "behind", "met"]]


def test_lists_entered_and_left_and_base_integration_finished() -> None:
    changes = tiny().changes
    assert changes.lowest_entered == ("08", "01") and changes.lowest_left == ("06", "04")
    assert changes.dynamics_entered == ("07",) and changes.dynamics_left == ("01",)
    assert changes.integrated == ("03",) and changes.integration_lost == ()


def test_national_figures_change_by_ratios_of_sums() -> None:
    national = tiny().changes.national.set_index("kpi")
    assert national.loc["k1", "before"] == pytest.approx(126 / 700)
    assert national.loc["k1", "after"] == pytest.approx(136 / 700)
    assert national.loc["k1", "change"] == pytest.approx(10 / 700)
    assert national.loc["k3", "count_before"] == 5 and national.loc["k3", "count_after"] == 6
    assert national.loc["k5", "count_change"] == 0  # 7 regions × 40 on both days


def test_no_base_says_so_instead_of_inventing_one() -> None:
    from helpers.briefings.regional_ranking.parts import change_items, changes_html

    ranking = tiny(period="2024-09-08")  # 02.09 is the only snapshot: nothing a week older
    assert ranking.changes.base_date is None and not ranking.changes.has_base
    assert ranking.changes.statuses.empty and ranking.changes.movers().empty
    assert ranking.changes.regions["rank_before"].isna().all()
    assert change_items(ranking) == []
    html = changes_html(ranking)
    assert "сравнивать не с чем" in html and "Что изменилось с" not in html


def _text(items: list) -> str:
    return " ".join(str(item) for item in items).replace("\u00a0", " ")


def test_the_changes_block_words_the_moves_the_russian_way() -> None:
    from helpers.briefings.regional_ranking.parts import change_items, changes_html

    ranking = tiny()
    text = _text(change_items(ranking))
    assert "K1 +1,4 п.п." in text  # 126/700 → 136/700
    assert "K3 +1 регион (✖ отстаёт → ▲ близко к цели): Республика Бурятия" in text  # 5/7 → 6/7
    assert ("В пятёрку регионов с наименьшим K1 вошли: Республика Калмыкия, "
            "Республика Адыгея (Адыгея); из неё вышли: Республика Ингушетия, "
            "Республика Алтай.") in text
    assert "Достигли цели: по K1 — Республика Алтай" in text
    assert "Поднялись до «близко к цели»: по K1 — 1 регион" in text
    assert "Ухудшили статус: по K1 — Республика Адыгея (Адыгея)" in text
    assert ("Больше всех поднялись в рейтинге по K1: Республика Алтай (+3 места), "
            "Республика Башкортостан (+1 место); опустились: Республика Адыгея (Адыгея) "
            "(−2 места), Республика Бурятия (−1 место).") in text
    assert "Появились в срезе: Республика Калмыкия." in text
    assert "Нет в срезе (были 9 сентября 2024 г.): Республика Ингушетия." in text
    assert "Что изменилось с 9 сентября 2024 г." in _text([changes_html(ranking)])


def test_the_region_card_says_its_rank_its_kpis_and_its_lists() -> None:
    from helpers.briefings.regional_ranking.parts import change_items

    text = _text(change_items(tiny(highlight_region="04")))
    assert "Место по K1 — 1 из 7: +3 места (на 9 сентября 2024 г. — 4)." in text
    assert "K1 +8,0 п.п. (✖ отстаёт → ✔ выполнено)" in text
    assert "K3 без изменений" in text and "K5 без изменений." in text
    assert "Вышел из ТОП-5 отстающих по K1; остаётся в ТОП-5 с лучшей динамикой K1." in text
    text = _text(change_items(tiny(highlight_region="08")))
    assert "на 9 сентября 2024 г. региона в срезе не было" in text
    text = _text(change_items(tiny(highlight_region="02")))
    assert "регион не входит, как и неделю назад" not in text  # 02 was in ТОП-5 of ΔK1
    assert "Остаётся в ТОП-5 с лучшей динамикой K1." in text


def test_names_in_the_page_one_boxes_are_escaped() -> None:
    from helpers.briefings.regional_ranking.parts import changes_html, summary_html

    ranking = tiny()
    regions = ranking.changes.regions.copy()
    regions.loc[regions["region_code"] == "04", "region_name"] = "Алтай <b>& Ко</b>"
    ranking = dataclasses.replace(ranking, changes=dataclasses.replace(ranking.changes,
                                                                       regions=regions))
    html = changes_html(ranking)
    assert "Алтай &lt;b&gt;&amp; Ко&lt;/b&gt;" in html and "<b>&" not in html
    assert "&amp;amp;" not in html  # escaped once, not twice
    lagging = ranking.regions.copy()
    lagging.loc[lagging["region_code"] == "07", "region_name"] = "Кабарда <i>"
    html = summary_html(dataclasses.replace(ranking, regions=lagging))
    assert "Кабарда &lt;i&gt;" in html and "<i>" not in html


def test_page_one_findings_are_computed() -> None:
    from helpers.briefings.regional_ranking.parts import findings

    text = _text(findings(tiny()))
    # 136 of 700 active; more than 25 % needs 176: 40 short; 02 and 04 met the target
    assert "K1 по России — 19,4 % при цели более 25 % (✖ отстаёт)" in text
    assert "не хватает активных директоров и педагогов: 40" in text
    assert "цель по K1 достигнута в 2 из 7 регионов" in text
    assert ("Меньше всего активных в чатах: Кабардино-Балкарская Республика (5,0 %), "
            "Республика Калмыкия (12,0 %), Республика Дагестан (21,0 %).") in text
    assert ("Базовая интеграция ЭЖД со Сферумом не завершена в 1 регионе: "
            "Кабардино-Балкарская Республика.") in text
    assert "Нет данных за 16 сентября 2024 г. (был 9 сентября 2024 г.): Республика Ингушетия." \
        in text  # the region missing from the snapshot replaces the best-dynamics finding
    card = _text(findings(tiny(highlight_region="03")))
    assert "K1 — 22,0 % при цели более 25 % (▲ близко к цели)" in card
    assert "не хватает активных директоров и педагогов: 4" in card  # 26 of 100 needed
    assert "место 4 из 7" in card and "Цель достигнута: K3" in card


def test_k1_gap_reads_strict_and_non_strict_targets() -> None:
    from helpers.briefings.regional_ranking.build import k1_gap
    from helpers.indicators.kpis import Target

    strict, at_least = Target("k1", "", 0.25, strict=True), Target("k1", "", 0.25)
    assert k1_gap(25, 100, strict) == 1 and k1_gap(25, 100, at_least) == 0
    assert k1_gap(10, 101, strict) == 16 and k1_gap(10, 101, at_least) == 16  # 26/101 > 25 %
    assert k1_gap(30, 100, strict) == 0 and k1_gap(0, 0, strict) == 0


def test_the_changes_sheet_lists_every_region_of_either_snapshot() -> None:
    from helpers.briefings.regional_ranking.parts import (
        CHANGES_FORMATS,
        CHANGES_STATUS_COLUMNS,
        changes_table,
        changes_title,
    )

    ranking = tiny()
    table = changes_table(ranking)
    assert sorted(table["Код"]) == ["01", "02", "03", "04", "05", "06", "07", "08"]
    assert set(CHANGES_FORMATS) | set(CHANGES_STATUS_COLUMNS) <= set(table.columns)
    row = table.set_index("Код").loc["04"]
    assert row["Место"] == 1 and row["Место, было"] == 4 and row["Сдвиг, мест"] == 3
    assert row["K1, изм."] == pytest.approx(0.08)
    assert row["Статус K1, было"] == "✖ отстаёт" and row["Статус K1"] == "✔ выполнено"
    assert row["В пятёрке с наименьшим K1"] == "нет" and row["В пятёрке, было"] == "да"
    assert pd.isna(table.set_index("Код").loc["08", "Место, было"])
    assert "с 9 сентября 2024 г. по 16 сентября 2024 г." in _text([changes_title(ranking)])
    assert "сравнивать не с чем" in changes_title(tiny(period="2024-09-08"))


def test_the_demo_has_real_weekly_movements_checked_from_the_raw_snapshots(history) -> None:
    ranking = ranking_of(history, highlight_region="35")
    changes = ranking.changes
    assert changes.base_date == dt.date(2024, 9, 9)
    raw = {day: history[pd.to_datetime(history["snapshot_date"]) == pd.Timestamp(day)]
           .set_index("region_code") for day in (dt.date(2024, 9, 9), dt.date(2024, 9, 16))}

    def k1(frame: pd.DataFrame) -> pd.Series:
        return ((frame["directors_active"] + frame["teachers_active"])
                / (frame["directors_total"] + frame["teachers_total"]))

    before, after = (k1(raw[day]) for day in sorted(raw))
    rows = changes.regions.set_index("region_code").sort_index()
    before, after = before.sort_index(), after.sort_index()
    assert list(rows.index) == list(before.index) == list(after.index)
    assert (rows["rank_before"] == before.rank(ascending=False, method="min")).all()
    assert (rows["move"] == rows["rank_before"] - after.rank(ascending=False, method="min")).all()
    national = changes.national.set_index("kpi")

    def total_k1(frame: pd.DataFrame) -> float:
        return float((frame["directors_active"].sum() + frame["teachers_active"].sum())
                     / (frame["directors_total"].sum() + frame["teachers_total"].sum()))

    assert national.loc["k1", "change"] == pytest.approx(total_k1(raw[dt.date(2024, 9, 16)])
                                                        - total_k1(raw[dt.date(2024, 9, 9)]))
    assert not changes.movers(up=True).empty and not changes.movers(up=False).empty
    assert not changes.statuses.empty
    row = changes.region("35")
    assert row is not None and row["k1_change"] == pytest.approx(after["35"] - before["35"])


def test_page_one_is_one_block_in_the_house_style() -> None:
    from helpers.briefings.regional_ranking.parts import page_one_html

    national, card = page_one_html(tiny()), page_one_html(tiny(highlight_region="04"))
    for html in (national, card):
        assert "<style" not in html  # page one's compact type is the shared briefing.css's
        assert html.index('class="summary"') < html.index('class="key-figures"') \
            < html.index('class="changes"')
    assert "Карточка региона: Республика Алтай" in card and "Карточка региона" not in national
