"""Render the briefings: ``python -m helpers.briefings``.

For now the national regional-ranking briefing; the batch engine (plans from ``params/``,
incremental, parallel) builds on the same ``render_briefing`` call.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from helpers.config import NOTEBOOKS_DIR, settings
from helpers.indicators import load_targets
from helpers.render.pdf import PdfPrinter
from helpers.render.pipeline import BriefingResult, render_briefing

NATIONAL = ("RU", "Российская Федерация")


@dataclass(frozen=True)
class BriefingKind:
    """A briefing notebook and how its outputs are titled."""

    name: str
    title: str

    @property
    def notebook(self):  # noqa: ANN201 - a Path
        return NOTEBOOKS_DIR / f"{self.name}.ipynb"


KINDS = {
    "regional_ranking": BriefingKind("regional_ranking", "Внедрение ИКОП «Сферум»: рейтинг регионов"),
}


def render_national_ranking(printer: PdfPrinter) -> BriefingResult:
    """The national regional-ranking briefing for ``PERIOD`` (default: the latest snapshot)."""
    kind = KINDS["regional_ranking"]
    parameters = {"period": settings().period,
                  "window_weeks": load_targets().delta_window_weeks, "highlight_region": ""}
    return render_briefing(kind.notebook, parameters, kind=kind.name, territory=NATIONAL[0],
                           territory_name=NATIONAL[1], title=kind.title, printer=printer)


def _report(result: BriefingResult) -> str:
    if result.ok:
        files = ", ".join(str(settings().output_dir / p) for k, p in result.outputs.items()
                          if k != "notebook")
        return f"✔ {result.kind} · {result.territory_name}: {files} ({result.duration_s:.1f} с)"
    return f"✖ {result.kind} · {result.territory_name}: ОШИБКА {result.error}"


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    with PdfPrinter(settings().chromium) as printer:
        results = [render_national_ranking(printer)]
    for result in results:
        (sys.stdout if result.ok else sys.stderr).write(_report(result) + "\n")
    sys.stdout.write(f"Каталог: {settings().output_dir / 'index.html'}\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
