"""The briefing kinds, each a package of the same shape, found by :func:`registry`.

- ``<kind>/__init__.py`` — the kind's one declaration, ``KIND``
  (:class:`~helpers.briefings.declaration.BriefingKind`): name, title, notebook, territory
  levels, the warehouse slices it reads and the params and reference files it reads;
- ``<kind>/build.py`` — the typed result, a pure ``build(frames, …)`` from the frames it reads,
  its params and reference (as arguments: it opens no file) and its parameters, and ``load(…)``:
  :func:`helpers.briefings.skeleton.load`, which reads them in one place and builds; a kind's
  «what changed» is its snapshot and comparison given to :func:`~helpers.briefings.skeleton.now_and_base`;
- ``<kind>/present.py`` — what the reader sees, as the dozen blocks a notebook cell shows
  (``show(present.schools(data))``: tables, charts, notes, page one);
- ``<kind>/parts.py`` (when the blocks need more than a few lines) — the pieces they are made
  of: frames, titles, captions, formats, key figures and the HTML fragments rendered from
  ``templates/briefing/fragments/<kind>/``.

Adding a kind is its package here, its notebook and its fragments — nothing else. Kinds kept
outside the project (``KINDS_PATH``: folders of such packages, separated by ``:``) join this
package's path, so they import as ``helpers.briefings.<kind>`` in the batch and in the kernel.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from helpers.briefings.declaration import BriefingKind
from helpers.config import EXTRA_KINDS_DIRS

__path__ += [str(folder) for folder in EXTRA_KINDS_DIRS if str(folder) not in __path__]


@cache
def registry() -> dict[str, BriefingKind]:
    """Every kind declared by a package of this folder (and of ``KINDS_PATH``), in catalog order."""
    kinds = []
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg:
            continue
        declared = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
        if isinstance(declared, BriefingKind):
            kinds.append(declared)
    return {kind.name: kind for kind in sorted(kinds, key=lambda k: (k.order, k.name))}
