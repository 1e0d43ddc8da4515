"""End to end: demo exports → warehouse → the regional-ranking briefings (Russia and a region's card)
in HTML, PDF, Excel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from seed_figures import SEED_BEST_DYNAMICS, SEED_LAGGING

from helpers.batch.__main__ import main as render_main
from helpers.demo.federal import build_federal_history, write_federal_exports
from helpers.ingestion import ingest


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render the national briefing and region 35's card once into a fresh output folder."""
    root = tmp_path_factory.mktemp("e2e")
    write_federal_exports(build_federal_history(), root / "data" / "federal")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATA_DIR", str(root / "data"))
        patch.setenv("WAREHOUSE", str(root / "warehouse.duckdb"))
        patch.setenv("OUTPUT_DIR", str(root / "output"))
        patch.setenv("PERIOD", "")
        assert ingest.main([]) == 0
        assert render_main(["--batch", "national"]) == 0
        assert render_main(["--kind", "regional_ranking", "--territory", "35"]) == 0
    return root / "output"


def _one(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


def test_pdf_shows_the_seed_figures(rendered: Path) -> None:
    reader = PdfReader(_one(rendered / "regional_ranking" / "RU", "*.pdf"))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(text.replace("\u00a0", " ").split())
    assert "20,5 %" in text and "83 тыс." in text
    for name in SEED_LAGGING + SEED_BEST_DYNAMICS:
        assert " ".join(name.split()) in text, name
    assert "стр. 1 из" in text
    assert reader.metadata.title and "16 сентября 2024" in text


def test_pdf_is_a4_with_fonts_embedded(rendered: Path) -> None:
    reader = PdfReader(_one(rendered / "regional_ranking" / "RU", "*.pdf"))
    page = reader.pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in page.mediabox[2:])
    assert abs(width_mm - 210) < 1 and abs(height_mm - 297) < 1
    fonts = page["/Resources"]["/Font"]
    for font in fonts.values():
        if font.get_object()["/Subtype"] == "/Type3":
            continue  # glyphs drawn inside the PDF: embedded by construction
        descriptor = font.get_object().get("/DescendantFonts")
        font_object = descriptor[0].get_object() if descriptor else font.get_object()
        file_keys = set(font_object["/FontDescriptor"].get_object())
        assert file_keys & {"/FontFile", "/FontFile2", "/FontFile3"}


def test_excel_holds_the_ranking_of_all_regions(rendered: Path) -> None:
    workbook = openpyxl.load_workbook(_one(rendered / "regional_ranking" / "RU", "*.xlsx"))
    ranking = next(ws for ws in workbook.worksheets if ws.title.startswith("Рейтинг"))
    rows = [[c.value for c in row] for row in ranking.iter_rows()]
    header = next(i for i, row in enumerate(rows) if "Код" in row)
    codes = [row[rows[header].index("Код")] for row in rows[header + 1:]]
    assert len(codes) == 89 and "35" in codes and "01" in codes
    assert ranking.freeze_panes is not None and ranking.auto_filter.ref
    assert "Источник" in workbook.sheetnames


def test_manifest_and_catalog_list_the_briefing(rendered: Path) -> None:
    manifest = json.loads((rendered / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["briefings"] if isinstance(manifest, dict) else manifest
    ranking = {e["territory"]: e for e in entries if e["kind"] == "regional_ranking"}
    assert sorted(ranking) == ["35", "RU"] and ranking["35"]["status"] == "ok"
    entry = ranking["RU"]
    assert entry["status"] == "ok" and entry["territory"] == "RU"
    assert entry["snapshot_date"] == "2024-09-16" and entry["data_hash"]
    for path in entry["outputs"].values():
        assert (rendered / path).exists()
    index = (rendered / "index.html").read_text(encoding="utf-8")
    assert "Российская Федерация" in index and ".pdf" in index


def test_html_has_no_code(rendered: Path) -> None:
    html = _one(rendered / "regional_ranking" / "RU", "*.html").read_text(encoding="utf-8")
    assert "build.load" not in html and "import " not in html
    assert "Методика и источники" in html
    assert "Карточка региона" not in html  # the card is a region's own


def test_region_card_heads_the_regions_briefing(rendered: Path) -> None:
    html = _one(rendered / "regional_ranking" / "35", "*.html").read_text(encoding="utf-8")
    # a contents entry: an h2 (its id is made short ASCII by the renderer)
    assert re.search(r'<h2 id="[a-z0-9-]+">Карточка региона: Вологодская область</h2>', html)
    assert "место по активности педагогов (K1)" in html
    assert "Место региона в рейтинге по K1 среди соседей" in html
    assert "план: 100\u00a0%" in html.replace("&nbsp;", "\u00a0")  # K4, worded as on Russia's


def _page_texts(folder: Path) -> list[str]:
    reader = PdfReader(_one(folder, "*.pdf"))
    return [" ".join(page.extract_text().replace("\u00a0", " ").split()) for page in reader.pages]


def test_page_one_is_the_whole_summary_of_the_country(rendered: Path) -> None:
    first, *rest = _page_texts(rendered / "regional_ranking" / "RU")
    for text in ("Главное", "K1 по России — 20,5 %", "Меньше всего активных в чатах",
                 "не завершена в 3 регионах", "83 тыс.", "Что изменилось с 9 сентября 2024 г.",
                 "По России за неделю: K1 +1,5 п.п.", "Больше всех поднялись в рейтинге по K1",
                 "Со стр. 2"):
        assert text in first, text
    assert not any("Что изменилось с " in page for page in rest)  # page 1 did not run over
    assert any("Приложение. Рейтинг регионов" in page for page in rest)


def test_the_region_cards_page_one_is_the_regions_own(rendered: Path) -> None:
    first, *rest = _page_texts(rendered / "regional_ranking" / "35")
    assert "Карточка региона: Вологодская область" in first
    for text in ("Главное", "Что изменилось с 9 сентября 2024 г.", "За неделю: K1 "):
        assert text in first, text
    assert re.search(r"; место \d+ из 89, в СЗФО — \d+ из 11;", first)
    assert re.search(r"Место по K1 — \d+ из 89: .+ \(на 9 сентября 2024 г. — \d+\)\.", first)
    assert "Рейтинг субъектов РФ по доле" not in first  # the 89 rows are in the appendix
    appendix = next(i for i, page in enumerate(rest) if "Приложение. Рейтинг регионов" in page)
    assert "Место региона в рейтинге по K1 среди соседей" in " ".join(rest[:appendix])
    assert not any("Что изменилось с " in page for page in rest)


def test_excel_holds_the_changes_behind_the_block(rendered: Path) -> None:
    for territory in ("RU", "35"):
        workbook = openpyxl.load_workbook(_one(rendered / "regional_ranking" / territory, "*.xlsx"))
        sheet = workbook["Изменения"]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        header = next(i for i, row in enumerate(rows) if "Код" in row)
        assert len(rows) - header - 1 == 89
        assert "Место, было" in rows[header] and "Статус K1, было" in rows[header]
        assert "Рейтинг регионов" in workbook.sheetnames  # the card's appendix stays in Excel
    html = _one(rendered / "regional_ranking" / "RU", "*.html").read_text(encoding="utf-8")
    assert "Место, было" not in html  # the sheet is the workbook's only
