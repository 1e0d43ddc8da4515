"""The catalog: manifest merged one entry per briefing, and a static Russian index page."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from helpers.briefings import registry
from helpers.render.catalog import (
    INDEX_NAME,
    MANIFEST_NAME,
    load_manifest,
    merge_entry,
    record,
    render_index,
)


def entry(
    territory: str = "35",
    *,
    kind: str = "regional_ranking",
    status: str = "ok",
    parameters: dict[str, Any] | None = None,
    rendered_at: str = "2024-09-16T14:05:00+03:00",
    **extra: Any,
) -> dict[str, Any]:
    """A manifest entry as the batch records it (section and its order from the kind's declaration)."""
    stem = f"{kind}/{territory}/{kind}_{territory}_2024-09-16"
    declared = registry()[kind]
    outputs = (
        {
            "html": f"{stem}.html",
            "pdf": f"{stem}.pdf",
            "xlsx": f"{stem}.xlsx",
            "notebook": f"_executed/{stem}.ipynb",
        }
        if status == "ok"
        else {"notebook": f"_executed/{kind}/{territory}/{kind}_{territory}_failed.ipynb"}
    )
    return {
        "kind": kind,
        "territory": territory,
        "territory_name": {"35": "Вологодская область", "45": "Курганская область"}.get(territory, territory),
        "title": "Рейтинг",
        "parameters": parameters if parameters is not None else {"region_code": territory},
        "status": status,
        "error": None if status == "ok" else "ячейка [4] завершилась ошибкой KeyError: 'K1'",
        "outputs": outputs,
        "snapshot_date": "2024-09-16" if status == "ok" else None,
        "data_hash": "sha256:abc",
        "code_version": "abc1234",
        "rendered_at": rendered_at,
        "duration_s": 3.2,
        "section": declared.section_title,
        "section_order": declared.order,
        **extra,
    }


def test_merge_replaces_the_entry_of_the_same_key() -> None:
    first = merge_entry([], entry("35"))
    both = merge_entry(first, entry("45"))
    again = merge_entry(both, entry("35", rendered_at="2024-09-23T10:00:00+03:00"))
    assert len(again) == 2
    assert [e["rendered_at"] for e in again if e["territory"] == "35"] == ["2024-09-23T10:00:00+03:00"]


def test_other_parameters_are_another_entry() -> None:
    entries = merge_entry([entry("35")], entry("35", parameters={"region_code": "35", "x": 1}))
    assert len(entries) == 2


def test_parameter_order_does_not_matter() -> None:
    a = entry("35", parameters={"a": 1, "b": 2})
    b = entry("35", parameters={"b": 2, "a": 1})
    assert len(merge_entry([a], b)) == 1


def test_failure_remembers_the_last_good_outputs() -> None:
    good = entry("35")
    failed_once = merge_entry([good], entry("35", status="failed"))[0]
    assert failed_once["last_good"]["outputs"]["pdf"] == good["outputs"]["pdf"]
    failed_twice = merge_entry([failed_once], entry("35", status="failed"))[0]
    assert failed_twice["last_good"] == failed_once["last_good"]
    assert "last_good" not in merge_entry([failed_twice], entry("35"))[0]


def test_entries_are_grouped_by_kind_in_a_fixed_order() -> None:
    entries: list[dict[str, Any]] = []
    for item in (entry("45"), entry("35", kind="migration_readiness"), entry("35")):
        entries = merge_entry(entries, item)
    assert [(e["kind"], e["territory"]) for e in entries] == [
        ("regional_ranking", "35"),
        ("regional_ranking", "45"),
        ("migration_readiness", "35"),
    ]


def test_an_entry_of_an_older_manifest_without_a_section_comes_last_under_its_title() -> None:
    old = {k: v for k, v in entry("45", kind="migration_readiness").items()
           if k not in ("section", "section_order")}
    entries = merge_entry(merge_entry([], old), entry("35"))
    assert [e["kind"] for e in entries] == ["regional_ranking", "migration_readiness"]
    page = render_index(entries, "2024-09-16T15:00:00+03:00")
    assert "Рейтинг регионов" in page and ">Рейтинг<" in page


def test_the_index_says_why_a_briefing_was_rendered() -> None:
    page = render_index([entry("35", reasons=["цели (targets.yml)", "данные: чаты"])],
                        "2024-09-16T15:00:00+03:00")
    assert "Причина: цели (targets.yml); данные: чаты" in page


def test_the_index_shows_page_ones_key_figures_as_the_notebook_left_them() -> None:
    cards = [{"label": "K1 · активны в чатах", "fact": "26,0 %", "plan": "более 25 %",
              "status": "met", "note": "", "status_label": "✔ выполнено"},
             {"label": "K3 · <школы>", "fact": "41,0 %", "plan": "60 %", "status": "behind",
              "note": "", "status_label": "✘ не выполнено"}]
    page = render_index([entry("35", page_one={"key_figures": cards, "changes": {}})],
                        "2024-09-16T15:00:00+03:00")
    text = " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())
    assert "K1 · активны в чатах: 26,0 % — ✔ выполнено" in text
    assert "Показатели: ✔ выполнено — 1 ✘ не выполнено — 1" in text  # the summary line, in order
    assert 'class="fig-behind"' in page and "&lt;школы&gt;" in page  # escaped, status-coloured
    failed = render_index([entry("35", status="failed", page_one={"key_figures": cards})],
                          "2024-09-16T15:00:00+03:00")
    assert "26,0" not in failed  # a failed render's figures are not the reader's


def test_record_writes_manifest_and_index(tmp_path: Path) -> None:
    record(tmp_path, entry("35"))
    record(tmp_path, entry("45", status="failed"))
    document = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert [e["territory"] for e in document["briefings"]] == ["35", "45"]
    assert load_manifest(tmp_path) == document["briefings"]
    assert (tmp_path / INDEX_NAME).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".manifest.lock", INDEX_NAME, MANIFEST_NAME]


def test_index_lists_entries_with_relative_links(tmp_path: Path) -> None:
    page = render_index([entry("35")], "2024-09-16T15:00:00+03:00")
    assert '<html lang="ru">' in page
    assert "Рейтинг регионов" in page
    assert "Вологодская область" in page
    assert "16 сентября 2024" in page and "14:05 МСК" in page
    for suffix in ("html", "pdf", "xlsx"):
        assert f'href="regional_ranking/35/regional_ranking_35_2024-09-16.{suffix}"' in page
    assert "_executed" not in page  # the executed notebook is not published
    assert 'data-find="вологодская область 35"' in page  # the finder matches name or code
    assert "https://" not in page and "src=" not in page  # nothing fetched: works offline


def test_index_shows_failed_briefings_in_red_with_the_error() -> None:
    failed = merge_entry([entry("45")], entry("45", status="failed"))
    page = render_index(failed, "2024-09-16T15:00:00+03:00")
    assert '<tr class="failed" data-find=' in page
    assert "ошибка" in page and "KeyError: &#39;K1&#39;" in page
    assert "с ошибкой: 1" in page
    assert "Предыдущая версия" in page
    assert 'href="regional_ranking/45/regional_ranking_45_2024-09-16.pdf"' in page


def test_index_of_nothing() -> None:
    assert "Справок пока нет" in render_index([], "2024-09-16T15:00:00+03:00")


def _record_many(output_dir: str, territory: str) -> None:
    for run in range(5):
        record(Path(output_dir), entry(territory, parameters={"run": run}))


def test_parallel_writers_lose_no_entry(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_record_many, args=(str(tmp_path), str(code))) for code in range(10, 14)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert all(worker.exitcode == 0 for worker in workers)
    assert len(load_manifest(tmp_path)) == 20


def test_the_page_shows_the_last_run_of_each_scheduled_job(tmp_path) -> None:
    import json

    from helpers.render.catalog import JOB_RUNS_LOG, record_many

    runs = [
        {"job": "weekly", "batch": "weekly", "outcome": "ok", "started_at": "2026-11-30T04:00:00+00:00",
         "duration_s": 61.5, "counts": {"planned": 3, "rendered": 2, "up_to_date": 1, "failed": 0}},
        {"job": "weekly", "batch": "weekly", "outcome": "failed", "started_at": "2026-12-07T04:00:00+00:00",
         "duration_s": 12.0, "errors": ["regional_ranking · Вологодская область: KeyError"],
         "counts": {"planned": 3, "rendered": 0, "up_to_date": 2, "failed": 1}},
    ]
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in runs]
    tmp_path.joinpath(JOB_RUNS_LOG).write_text("".join(lines))
    record_many(tmp_path, [])
    page = tmp_path.joinpath("index.html").read_text(encoding="utf-8")
    assert "Запуски по расписанию" in page
    jobs = page.split("Запуски по расписанию")[1].split("</section>")[0]
    assert "7 декабря" in jobs and "07:00 МСК" in jobs and "30 ноября" not in jobs, jobs  # the last run only
    assert "✗ ошибка" in page and "KeyError" in page


def test_the_index_leaves_out_the_parameters_the_territory_gives() -> None:
    card = entry("22", parameters={"highlight_region": "22"}, territory_parameters=["highlight_region"])
    wider = entry("35", parameters={"highlight_region": "35", "window_weeks": 8},
                  territory_parameters=["highlight_region"])
    older = entry("45", parameters={"highlight_region": "45"})  # recorded before the names were
    page = render_index([card, wider, older], "2024-09-16T15:00:00+03:00")
    text = " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())
    assert "highlight_region = 22" not in text and "highlight_region = 35" not in text
    assert "window_weeks = 8" in text  # what tells two briefings of one territory apart stays
    assert "highlight_region = 45" in text

