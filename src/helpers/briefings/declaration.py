"""What a briefing kind is, declared once in its package: :class:`BriefingKind`.

A kind's ``__init__.py`` holds one ``KIND = BriefingKind(...)``: its name, Russian title and
catalog section, its notebook, the parameters each territory level gets, the warehouse slices
it reads (:class:`~helpers.warehouse.slices.Reads`) and the params and reference files it reads
(:class:`InputFile`, from :mod:`helpers.briefings.inputs`). The planner, the fingerprint, the
catalog, delivery, the meeting pack, the docs and the tests all take a kind from here
(:func:`helpers.briefings.registry`); nothing else keeps a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.config import PROJECT_ROOT, TEMPLATES_DIR
from helpers.warehouse.slices import Reads

FRAGMENTS_DIR = TEMPLATES_DIR / "briefing" / "fragments"


@dataclass(frozen=True)
class InputFile:
    """A params or reference file a briefing reads, and how it is read.

    ``key``: the name its loaded value has among a build's inputs (``targets``);
    ``label``: what the run log and the catalog call it when it changed («цели»);
    ``load``: reads the file at ``path`` into the value ``build`` takes.
    """

    key: str
    path: Path
    label: str
    load: Callable[[Path], Any]

    @property
    def reason(self) -> str:
        """«цели (targets.yml)»: the words of a re-render caused by this file."""
        return f"{self.label} ({self.path.name})"

    @property
    def shown_path(self) -> str:
        """The path as a user sees it: relative to the project when inside it."""
        try:
            return str(self.path.relative_to(PROJECT_ROOT))
        except ValueError:
            return str(self.path)


@dataclass(frozen=True)
class BriefingKind:
    """One briefing kind. Positional order (name, notebook, title, levels, reads) as the
    planner's former ``Kind``, so a test's probe kind is one line.

    Args:
        name: the kind's id: its package, output folder and ``KIND=`` value.
        notebook: the briefing notebook (``notebooks/<name>.ipynb`` for the shipped kinds).
        title: the briefing's Russian title (page head, running header, mail subject).
        levels: territory level (``national``, ``region``, ``municipality``) → the notebook
            parameters a territory of that level gets; ``{territory}`` and ``{region}`` are
            filled in with its code and its region's code.
        reads: the warehouse slices it reads; ``None``: everything (a probe notebook).
        inputs: the params and reference files its build reads.
        section: the catalog's section heading for its briefings (the title by default).
        package: the folder of its code (build, present), part of its own code hash.
        fragments: the folder of its HTML fragments, part of its own code hash.
    """

    name: str
    notebook: Path
    title: str
    levels: Mapping[str, Mapping[str, Any]]
    reads: Reads | None = None
    inputs: tuple[InputFile, ...] = ()
    section: str = ""
    package: Path | None = None
    fragments: Path | None = None
    order: int = field(default=100, compare=False)  # position of its section in the catalog

    @property
    def section_title(self) -> str:
        return self.section or self.title

    @property
    def own_files(self) -> tuple[Path, ...]:
        """Its package's code and its fragments (the notebook is hashed on its own): a change
        re-renders this kind only."""
        files: list[Path] = []
        if self.package is not None:
            files += sorted(self.package.rglob("*.py"))
        if self.fragments is not None and self.fragments.is_dir():
            files += sorted(p for p in self.fragments.rglob("*") if p.is_file())
        return tuple(files)


def declare(module_file: str, **fields: Any) -> BriefingKind:
    """A kind whose package is the folder of ``module_file`` (its ``__init__.py``) and whose
    fragments are ``templates/briefing/fragments/<name>/`` unless given."""
    package = Path(module_file).resolve().parent
    fields.setdefault("package", package)
    fields.setdefault("fragments", FRAGMENTS_DIR / fields["name"])
    return BriefingKind(**fields)
