"""Page one of every kind as a picture, compared with a committed reference: layout changes are
reviewed decisions, not accidents.

``python tools/visual.py`` (``make visual-references``) renders page one of each kind's
representative briefing from the demo warehouse (``WAREHOUSE``; run ``make briefings`` first) and
writes ``tests/visual/<name>.png``; ``tests/test_visual.py`` renders the same pages in a test
warehouse built from the same deterministic demo and compares them within a tolerance. PDF pages
are rasterised with pypdfium2 (PDFium, from PyPI), grey, at a low resolution: small files, and
blind to sub-pixel font noise.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCES = PROJECT_ROOT / "tests" / "visual"
DPI = 40
# A page differs when more than this share of its pixels differ by more than PIXEL_TOLERANCE
# grey levels (of 255): a moved line, a clipped card or an empty half page is far above it.
CHANGED_SHARE = 0.004
PIXEL_TOLERANCE = 48

PAGES = {  # reference name → (kind, territory)
    "regional_ranking_RU": ("regional_ranking", "RU"),
    "regional_ranking_35": ("regional_ranking", "35"),
    "municipality_scorecard_19701000": ("municipality_scorecard", "19701000"),
    "migration_readiness_35": ("migration_readiness", "35"),
    "diary_authorization_gaps_35": ("diary_authorization_gaps", "35"),
}


def page_image(pdf: bytes, page: int = 0, dpi: int = DPI) -> Image.Image:
    """One page of a PDF as a grey image."""
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[page].render(scale=dpi / 72)
        return bitmap.to_pil().convert("L")
    finally:
        document.close()


@dataclass(frozen=True)
class Difference:
    """How two page images differ: the share of changed pixels, and whether that is too much."""

    changed: float
    same_size: bool

    @property
    def acceptable(self) -> bool:
        return self.same_size and self.changed <= CHANGED_SHARE


def compare(image: Image.Image, reference: Image.Image) -> Difference:
    """The share of pixels that differ by more than :data:`PIXEL_TOLERANCE` grey levels."""
    if image.size != reference.size:
        return Difference(1.0, False)
    delta = ImageChops.difference(image, reference).point(lambda v: 255 if v > PIXEL_TOLERANCE else 0)
    histogram = delta.histogram()
    return Difference(histogram[255] / (image.size[0] * image.size[1]), True)


def render_first_pages(output_dir: Path) -> dict[str, Image.Image]:
    """Page one of each of :data:`PAGES`, rendered with the current settings' warehouse."""
    from helpers.batch.plan import plan_single
    from helpers.render.pdf import PdfPrinter
    from helpers.render.pipeline import render_briefing

    images = {}
    with PdfPrinter() as printer:
        for name, (kind, territory) in PAGES.items():
            (job,) = plan_single(kind, territory)
            result = render_briefing(job.kind.notebook, job.parameters, kind=kind, territory=territory,
                                     territory_name=job.territory.name, title=job.kind.title,
                                     output_dir=output_dir, printer=printer, update_catalog=False)
            if not result.ok:
                raise RuntimeError(f"{name}: {result.error}")
            images[name] = page_image((output_dir / result.outputs["pdf"]).read_bytes())
    return images


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/visual.py", description=__doc__)
    parser.add_argument("--out", type=Path, default=REFERENCES, help="where the reference PNGs go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, image in render_first_pages(Path(scratch)).items():
            (args.out / f"{name}.png").write_bytes(png_bytes(image))
            print(f"{name}.png {image.size[0]}×{image.size[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
