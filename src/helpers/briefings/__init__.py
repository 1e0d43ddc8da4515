"""The briefing kinds, each a package of the same shape.

- ``<kind>/__init__.py`` — what the kind reads (:data:`READS`), declared once: the batch's
  fingerprint and the kind's loader both take it from here;
- ``<kind>/build.py`` — the typed result, a pure ``build(frames, …)`` from the frames it reads
  and its parameters, and ``load(…)``, which reads the frames and builds;
- ``<kind>/present.py`` — what the reader sees: tables, charts, key figures and the HTML
  fragments rendered from ``templates/briefing/fragments/<kind>/``.

``params/kinds.yml`` keeps only what an analyst configures (notebook, title, levels).
"""

from __future__ import annotations

import importlib

from helpers.warehouse.slices import Reads

KINDS = ("regional_ranking", "municipality_scorecard", "migration_readiness",
         "diary_authorization_gaps")


def reads_of(kind: str) -> Reads | None:
    """What ``kind`` reads; None for a kind that has no package here (an analyst's own notebook
    declared in a ``kinds.yml`` of its own reads, as far as the batch knows, everything)."""
    if kind not in KINDS:
        return None
    return importlib.import_module(f"{__name__}.{kind}").READS  # type: ignore[no-any-return]
