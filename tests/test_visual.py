"""Page one of every kind, rendered from the demo, looks like its committed reference.

A layout change (a moved block, a clipped card, an empty half page) makes this fail; when the
change is wanted, `make visual-references` renders new references to review and commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tools import visual


@pytest.fixture(scope="module")
def first_pages(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE", str(demo_warehouse))
        patch.setenv("PERIOD", "")
        return visual.render_first_pages(tmp_path_factory.mktemp("visual"))


@pytest.mark.parametrize("name", sorted(visual.PAGES))
def test_page_one_matches_its_reference(first_pages, name: str, tmp_path: Path) -> None:
    reference = Image.open(visual.REFERENCES / f"{name}.png").convert("L")
    difference = visual.compare(first_pages[name], reference)
    if not difference.acceptable:
        first_pages[name].save(tmp_path / f"{name}.png")
    assert difference.acceptable, (
        f"{name}: {difference.changed:.2%} of page one changed (new image: {tmp_path / name}.png); "
        "if the change is intended, run `make visual-references` and commit the images")


def test_the_comparison_sees_a_clipped_block_and_forgives_noise() -> None:
    page = Image.new("L", (330, 470), 255)
    page.paste(0, (30, 40, 300, 60))  # a line of text
    noisy = page.point(lambda v: v - 20 if v > 200 else v)  # anti-aliasing noise
    clipped = page.copy()
    clipped.paste(255, (200, 40, 300, 60))  # the end of the line cut off
    assert visual.compare(noisy, page).acceptable
    assert not visual.compare(clipped, page).acceptable
    assert not visual.compare(page.resize((330, 480)), page).acceptable
