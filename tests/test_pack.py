"""The meeting pack: one PDF from rendered briefings — contents, numbering, outline, failures.

Three tiny briefings are rendered through the real pipeline into a temporary output folder, one
of them failing; the pack is built from them and read back from its PDF.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from helpers.batch import pack
from helpers.render.catalog import INDEX_NAME, load_manifest
from helpers.render.pdf import PdfPrinter
from helpers.render.pipeline import render_briefing

FIXTURE = Path(__file__).parent / "fixtures" / "render" / "tiny_briefing.ipynb"
MEETING = """title: "Совещание по внедрению ИКОП «Сферум»"
weekday: monday
briefings:
  - kind: tiny
    territories: ["48", "35"]
  - kind: broken
    territories: all
"""


def _render(output: Path, printer: PdfPrinter, notebook: Path, kind: str, code: str, name: str) -> None:
    render_briefing(notebook, {"region_code": code}, kind=kind, territory=code, territory_name=name,
                    title=f"Справка {kind}", output_dir=output, printer=printer)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, printer: PdfPrinter) -> tuple[Path, pack.PackResult]:
    root = tmp_path_factory.mktemp("pack")
    output = root / "output"
    _render(output, printer, FIXTURE, "tiny", "35", "Вологодская область")
    _render(output, printer, FIXTURE, "tiny", "48", "Липецкая область")
    failing = nbformat.read(FIXTURE, as_version=4)
    failing.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('сломано')"))
    broken = root / "broken" / FIXTURE.name
    broken.parent.mkdir()
    nbformat.write(failing, broken)
    _render(output, printer, broken, "broken", "77", "Москва")
    meeting = root / "meeting.yml"
    meeting.write_text(MEETING, encoding="utf-8")
    result = pack.build_pack(output, today=dt.date(2024, 9, 18), printer=printer, meeting_file=meeting,
                             lowest=lambda n: [])
    return output, result


def _reader(path: Path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


def _pages(output: Path, code: str) -> int:
    (entry,) = [e for e in load_manifest(output) if e["kind"] == "tiny" and e["territory"] == code]
    return len(_reader(output / entry["outputs"]["pdf"]).pages)


def test_the_pack_holds_a_cover_the_contents_and_every_page_of_every_briefing(built) -> None:
    output, result = built
    assert result.built and result.briefings == 2 and result.failed == 1
    assert result.pdf.name == "meeting_pack_2024-09-23.pdf"  # the Monday on or after 18.09
    assert len(_reader(result.pdf).pages) == 2 + _pages(output, "48") + _pages(output, "35")


def test_the_contents_page_numbers_are_where_each_briefing_starts(built) -> None:
    output, result = built
    reader = _reader(result.pdf)
    contents = reader.pages[1].extract_text()
    starts = pack.first_pages(result.pdf.read_bytes())
    assert starts == {1: 3, 2: 3 + _pages(output, "48")}
    flat = " ".join(contents.replace("\u00a0", " ").split())
    assert f"Липецкая область 16.09.2024 {starts[1]}" in flat
    assert f"Вологодская область 16.09.2024 {starts[2]}" in flat
    assert "Липецкая" in reader.pages[starts[1] - 1].extract_text()
    assert "Вологодская" in reader.pages[starts[2] - 1].extract_text()


def test_numbering_runs_through_the_pack_and_each_briefing_keeps_its_header(built) -> None:
    output, result = built
    reader = _reader(result.pdf)
    total = len(reader.pages)
    assert f"стр. {total} из {total}" in reader.pages[-1].extract_text().replace("\u00a0", " ")
    starts = pack.first_pages(result.pdf.read_bytes())
    assert "Липецкая область" in reader.pages[starts[1] - 1].extract_text().splitlines()[0]


def test_an_outline_entry_per_briefing_tags_and_language(built) -> None:
    _, result = built
    reader = _reader(result.pdf)
    titles = [item.title.replace("\u00a0", " ") for item in reader.outline
              if not isinstance(item, list)]
    # a bookmark per briefing, naming its territory (several briefings share a title)
    assert titles.count("Тестовая справка по Сферуму — Вологодская область") == 1
    assert titles.count("Тестовая справка по Сферуму — Липецкая область") == 1
    sections = [item.title for group in reader.outline if isinstance(group, list) for item in group]
    assert "Содержание" in sections and sections.count("Ключевые показатели") == 2  # and per section
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "ru" and "/StructTreeRoot" in root


def test_the_territory_added_to_a_title_is_escaped_and_unbreakable() -> None:
    page = '<main class="briefing"><h1 id="t">Справка</h1><h1>Другая</h1></main>'
    body = pack.briefing_body(page, "b1", "Город <Б> & Ко")
    assert body.count("pack-territory") == 1  # the first title only
    assert "—\u00a0Город\u00a0&lt;Б&gt;\u00a0&amp;\u00a0Ко</span></h1>" in body
    assert 'id="b1-t"' in body


def test_a_failed_briefing_is_named_on_the_contents_page(built) -> None:
    _, result = built
    contents = _reader(result.pdf).pages[1].extract_text()
    assert "Москва" in contents and "не сформирована" in contents
    assert result.notes and "Москва" in result.notes[0]


def test_the_pack_is_listed_first_in_the_catalog_and_rebuilt_only_when_needed(built, printer) -> None:
    output, result = built
    index = (output / INDEX_NAME).read_text(encoding="utf-8")
    assert index.index("Материалы к совещанию") < index.index("Справка tiny")
    again = pack.build_pack(output, today=dt.date(2024, 9, 20), printer=printer,
                            meeting_file=result.pdf.parent.parent.parent / "meeting.yml", lowest=lambda n: [])
    assert not again.built and again.pdf == result.pdf


def test_a_changed_template_rebuilds_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    meeting = pack.Meeting("t", 0, ())
    before = pack.pack_fingerprint(meeting, dt.date(2024, 9, 16), [])
    monkeypatch.setattr(pack, "template_hash", lambda: "another stylesheet")
    assert pack.pack_fingerprint(meeting, dt.date(2024, 9, 16), []) != before


def test_meeting_day_and_territory_rules() -> None:
    assert pack.meeting_date(dt.date(2024, 9, 16), 0) == dt.date(2024, 9, 16)
    assert pack.meeting_date(dt.date(2024, 9, 17), 0) == dt.date(2024, 9, 23)
    entries = [{"kind": "k", "territory": code, "parameters": {}} for code in ("RU", "35", "48", "19701000")]
    meeting = pack.Meeting("t", 0, (pack.PackItem("k", "lowest 2 by k1"), pack.PackItem("k", "national"),
                                    pack.PackItem("k", "regions")))
    chosen = [e["territory"] for e in pack.select_entries(meeting, entries, lambda n: ["48", "35"][:n])]
    assert chosen == ["48", "35", "RU"]


def test_a_bad_meeting_file_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "meeting.yml"
    bad.write_text("weekday: someday\nbriefings: []\n", encoding="utf-8")
    with pytest.raises(pack.PackError) as refused:
        pack.load_meeting(bad)
    assert "someday" in str(refused.value) and "briefings" in str(refused.value)


def test_the_cover_leads_with_the_first_briefing_s_changes() -> None:
    from markupsafe import Markup

    from helpers.render.digest import PageChanges

    meeting = pack.Meeting("Совещание", 0, (pack.PackItem("k", "all"),))
    item = {"number": 1, "ok": True, "title": "Рейтинг", "territory_name": "Российская Федерация",
            "snapshot": dt.date(2024, 9, 16), "running_title": "Рейтинг", "body": Markup("<p>тело</p>"),
            "error": "", "changes": PageChanges("Что изменилось с 9 сентября 2024 г.", [
                "K1: 20,5 % (+1,5 п.п.)", "Курганская <область> вошла в пятёрку"])}
    html = pack.pack_html(meeting, dt.date(2024, 9, 23), [item], {1: 3}, "сейчас")
    cover = html[html.index('class="pack-cover"'):html.index('class="pack-contents"')]
    assert "Что изменилось с 9 сентября 2024 г. — Российская Федерация" in cover
    assert "K1: 20,5 % (+1,5 п.п.)" in cover and "&lt;область&gt;" in cover
