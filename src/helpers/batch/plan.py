"""Planning a batch: from ``params/batches/<name>.yml`` and the kinds' declarations to checked jobs.

Every parameter set is checked against the notebook's declared parameters (papermill inspects
the cell tagged ``parameters``) before any kernel starts: unknown names, wrong types and unknown
territory codes fail the plan with one message each, with a "did you mean" where it helps.
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from helpers.batch import territories
from helpers.batch.territories import Territory, UnknownTerritory
from helpers.briefings import registry
from helpers.briefings.declaration import BriefingKind
from helpers.config import PARAMS_DIR, ParamsError

Kind = BriefingKind  # the planner's name for a kind's declaration
BATCHES_DIR = PARAMS_DIR / "batches"


class PlanError(ParamsError):
    """The batch cannot be planned; ``problems`` lists every reason, one line each."""


@dataclass(frozen=True)
class Job:
    """One briefing to render: kind, territory and the full, checked parameter set."""

    kind: Kind
    territory: Territory
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        """The briefing's identity in the manifest (as ``catalog.entry_key``)."""
        text = json.dumps(self.parameters, sort_keys=True, ensure_ascii=False, default=str)
        return self.kind.name, self.territory.code, text

    @property
    def label(self) -> str:
        return f"{self.kind.name} · {self.territory.name}"


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"; возможно, имелось в виду «{close[0]}»" if close else ""


def load_kinds() -> dict[str, Kind]:
    """Every declared kind by name (:func:`helpers.briefings.registry`)."""
    return dict(registry())


@cache
def declared_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The notebook's parameters cell as papermill reads it: name → type and default.

    Read here with :mod:`ast` rather than ``papermill.inspect_notebook``: importing papermill
    (nbformat → jsonschema → its format grammars) costs about 1.5 s, most of a no-op
    ``make briefings``. The cell is plain ``name: type = default  # help`` lines; the result is
    the same as papermill's for them (``tests/test_batch_plan.py`` compares both on every
    notebook). An unannotated name has papermill's type ``"None"`` (not checked).
    """
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    source = next(("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                   for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), "")
    declared: dict[str, dict[str, Any]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation, value = node.target.id, ast.unparse(node.annotation), node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            name, annotation, value = node.targets[0].id, "None", node.value
        else:
            continue
        default = ast.get_source_segment(source, value) if value is not None else None
        declared[name] = {"name": name, "inferred_type_name": annotation, "default": default}
    return declared


TYPE_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
}
TYPE_NAMES = {"str": "строка", "int": "целое число", "float": "число", "bool": "да/нет (bool)"}


def check_parameters(notebook: Path, parameters: Mapping[str, Any]) -> list[str]:
    """Problems of a parameter set against the notebook's declared parameters (empty if none)."""
    declared = declared_parameters(notebook)
    problems = []
    for name, value in parameters.items():
        if name not in declared:
            problems.append(f"{notebook.name}: неизвестный параметр «{name}»"
                            f"{_did_you_mean(name, list(declared))} "
                            f"(объявлены: {', '.join(declared)})")
            continue
        expected = declared[name]["inferred_type_name"]
        check = TYPE_CHECKS.get(expected)
        if check and not check(value):
            problems.append(f"{notebook.name}: параметр «{name}» = {value!r}: ожидается "
                            f"{TYPE_NAMES[expected]}, а не {type(value).__name__}")
        elif name == "period" and not _is_period(value):
            problems.append(f"{notebook.name}: параметр «period» = {value!r}: ожидается дата "
                            "ГГГГ-ММ-ДД или пусто (последний срез)")
        elif name in REGION_PARAMETERS and value and not _is_region(value):
            problems.append(f"{notebook.name}: параметр «{name}» = {value!r}: нет такого кода "
                            f"субъекта в справочнике регионов (data/reference)")
    return problems


def check_period(period: str, snapshots: tuple[dt.date, dt.date] | None) -> None:
    """``PERIOD`` must fall within the warehouse's snapshots (first…last federal snapshot):
    before the first there is nothing to report, after the last a briefing would silently
    show older data under a later date."""
    if not snapshots or not _is_period(period) or not period:
        return
    day, (first, last) = dt.date.fromisoformat(period), snapshots
    if not first <= day <= last:
        raise PlanError([f"PERIOD={period}: в хранилище срезы с {first:%d.%m.%Y} по "
                         f"{last:%d.%m.%Y}; укажите дату в этих пределах или оставьте PERIOD "
                         f"пустым (последний срез) / PERIOD outside the data "
                         f"({first.isoformat()}…{last.isoformat()})"])


REGION_PARAMETERS = ("region_code", "highlight_region")  # a region's code, or empty


def _is_region(value: Any) -> bool:
    return str(value) in {t.code for t in territories.regions()}


def _is_period(value: Any) -> bool:
    """'' (the latest snapshot) or an ISO date."""
    if value in ("", None):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _fill(template: Any, territory: Territory) -> Any:
    if isinstance(template, str):
        return template.format(territory=territory.code, region=territory.region)
    return template


def job_for(kind: Kind, territory: Territory, common: Mapping[str, Any]) -> Job:
    """The job of a kind for a territory: the level's parameters filled in, then the common ones."""
    if territory.level not in kind.levels:
        raise PlanError([f"{kind.name}: нет справки для уровня «{territory.level}» "
                         f"(территория {territory.code}); есть для: {', '.join(kind.levels)}"])
    parameters = {name: _fill(value, territory) for name, value in kind.levels[territory.level].items()}
    return Job(kind, territory, {**dict(common), **parameters})


def territory_parameters(job: Job) -> list[str]:
    """The names of the job's parameters its territory gives (the kind's level fills them)."""
    return sorted(job.kind.levels.get(job.territory.level, {}))


BATCH_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from ``path``; a syntax error or another shape is a ``PlanError``
    naming the file and the line, never a traceback."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", строка {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or "синтаксическая ошибка"
        raise PlanError([f"{path.name}{where}: файл YAML не читается ({reason}) / "
                         f"invalid YAML"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError([f"{path.name}: файл не читается ({exc.__class__.__name__}) / "
                         f"cannot read the file"]) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PlanError([f"{path.name}: ожидается словарь «ключ: значение», а не "
                         f"{type(data).__name__} / expected a mapping"])
    return data


def load_batch(name: str) -> dict[str, Any]:
    """``params/batches/<name>.yml``: only a plain name, only from that folder."""
    available = sorted(p.stem for p in BATCHES_DIR.glob("*.yml"))
    path = BATCHES_DIR / f"{name}.yml"
    if not BATCH_NAME.fullmatch(name) or ".." in name or not path.is_file():
        raise PlanError([f"нет пакета «{name}» в {BATCHES_DIR}{_did_you_mean(name, available)} "
                         f"(есть: {', '.join(available)}; имя пакета — латинские буквы, цифры, "
                         f"«_», «-», без пути)"])
    return read_yaml(path)


def tables_read(kind: Kind) -> str:
    """The warehouse tables a kind reads, for a message: «schools, chats, …»."""
    return ", ".join(kind.reads.names) if kind.reads is not None else "все таблицы"


def nothing_planned(name: str, number: int, kind: Kind, expression: Any) -> str:
    """Why a line of a batch gives no briefing: no territory sent what the kind reads."""
    return (f"{name}.yml, справка {number}: {kind.title} — не планируется: «{expression}» — ни одной "
            f"территории, в хранилище нет данных, которые читает вид ({tables_read(kind)}) / no "
            f"territory has the data this kind reads")


def plan_batch(name: str, *, common: Mapping[str, Any] | None = None, region: str = "",
               kinds: dict[str, Kind] | None = None,
               note: Callable[[str], None] | None = None) -> list[Job]:
    """Every job of a batch (only those in ``region`` when given), checked; raises ``PlanError``.
    Once the plan holds, each line that names no territory (no region sent its school data) is
    told to ``note``."""
    kinds = kinds or load_kinds()
    batch = load_batch(name)
    declared = batch.get("parameters") or {}
    shared = {**declared, **(common or {})} if isinstance(declared, dict) else declared
    jobs, problems, unplanned = [], [], []
    lines = batch.get("briefings") or []
    if not isinstance(lines, list) or not isinstance(shared, dict):
        raise PlanError([f"{name}.yml: «briefings» — список справок, «parameters» — словарь "
                         f"/ «briefings» must be a list, «parameters» a mapping"])
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or not isinstance(line.get("parameters") or {}, dict):
            problems.append(f"{name}.yml, справка {number}: ожидается «kind: …», «territories: …» "
                            f"и словарь «parameters» / expected kind, territories, parameters")
            continue
        kind = kinds.get(str(line.get("kind", "")))
        if kind is None:
            problems.append(f"{name}.yml, справка {number}: неизвестный вид «{line.get('kind')}»"
                            f"{_did_you_mean(str(line.get('kind')), list(kinds))}")
            continue
        common_here = {**shared, **(line.get("parameters") or {})}
        period = str(common_here.get("period") or "")
        expression = line.get("territories", "national")
        try:
            named = territories.expand(expression, reads=kind.reads,
                                       period=period if _is_period(period) else "")
            jobs += [job_for(kind, territory, common_here) for territory in named]
        except (UnknownTerritory, PlanError) as exc:
            problems.append(f"{name}.yml, справка {number}: {exc}")
            continue
        if not named:
            unplanned.append(nothing_planned(name, number, kind, expression))
    if region:
        code = territories.by_code(region).code
        jobs = [j for j in jobs if j.territory.region == code]
    checked = check_jobs(jobs, problems)
    if note is not None:
        for line in unplanned:
            note(line)
    return checked


def plan_single(kind_name: str, territory_code: str, *, common: Mapping[str, Any] | None = None,
                kinds: dict[str, Kind] | None = None) -> list[Job]:
    """One briefing of a kind for one territory (``make briefing KIND=… TERRITORY=…``)."""
    kinds = kinds or load_kinds()
    if kind_name not in kinds:
        raise PlanError([f"неизвестный вид справки «{kind_name}»{_did_you_mean(kind_name, list(kinds))} "
                         f"(есть: {', '.join(kinds)})"])
    try:
        territory = territories.by_code(territory_code)
    except UnknownTerritory as exc:
        raise PlanError([str(exc)]) from exc
    return check_jobs([job_for(kinds[kind_name], territory, common or {})], [])


def check_jobs(jobs: list[Job], problems: list[str]) -> list[Job]:
    """Check every job's parameters against its notebook; raise with all problems, if any."""
    seen: set[tuple[Path, str]] = set()
    for job in jobs:
        for problem in check_parameters(job.kind.notebook, job.parameters):
            if (job.kind.notebook, problem) not in seen:
                seen.add((job.kind.notebook, problem))
                problems.append(problem)
    if problems:
        raise PlanError(problems)
    return jobs
