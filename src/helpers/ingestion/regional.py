"""A region's school-level exports (``DATA_DIR/regions/<code>/``): validated, then warehouse tables.

Each sheet's form is recognised from its headers (:mod:`helpers.ingestion.contract.loading`); the forms
are validated in dependency order, so that later ones are checked against what earlier ones
declared: the school registry against the region's ОКТМО codes; activity, tasks, chats, pupils
and parents against the registry's schools; chat members against the chats. The warehouse
tables are then derived with :func:`helpers.ingestion.privacy.protect` (no personal data goes further).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingestion.contract import columnar
from helpers.ingestion.contract.cleaning import name_key
from helpers.ingestion.contract.forms import (
    CHAT_MEMBERS,
    CHATS,
    PARENTS,
    PUPILS,
    REGIONAL_FORMS,
    SCHOOL_ACTIVITY,
    SCHOOLS,
    TASKS,
    Form,
)
from helpers.ingestion.contract.loading import FILE_COLUMN, SHEET_COLUMN, Loaded, parse_folder, validate_form
from helpers.ingestion.contract.parsing import ROW_COLUMN
from helpers.ingestion.contract.problems import Problem
from helpers.ingestion.contract.snils import validity
from helpers.ingestion.contract.validation import DTYPES, Context
from helpers.ingestion.privacy import PSEUDONYM, Pseudonymizer, protect
from helpers.warehouse.reference import oktmo_prefixes, registry_municipalities
from helpers.warehouse.store import DuplicateKey, in_key_order

UNKNOWN_RULES = {
    "oktmo": "код ОКТМО не найден в справочнике муниципальных образований региона",
    "school": "ОО с таким кодом нет в реестре общеобразовательных организаций региона",
    "chat": "чата с таким идентификатором нет в реестре чатов региона",
}
DATE = pd.ArrowDtype(pa.date32())
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "municipalities": ("region_code", "oktmo"),
    "schools": ("region_code", "school_id"),
    "school_activity": ("region_code", "snapshot_date", "school_id"),
    "chats": ("region_code", "snapshot_date", "chat_id"),
    "chat_members": ("region_code", "snapshot_date", "chat_id", "member_id"),
    "tasks": ("region_code", "snapshot_date", "level", "unit_id"),
    "pupils": ("region_code", "snapshot_date", "pupil_id"),
    "parents": ("region_code", "snapshot_date", "parent_id"),
    "parent_children": ("region_code", "snapshot_date", "parent_id", "pupil_id"),
}
CHECKED_BY_REGION = frozenset(TABLE_KEYS) - {"municipalities"}
"""Tables whose keys :func:`process_region` checks: all of a region's rows are in its one
chunk (the key starts with the region). The municipalities come from several places."""

PSEUDONYMS = frozenset(c.name for form in REGIONAL_FORMS for c in form.personal_columns
                       if c.personal == "pseudonym")
ROW_ORDER: dict[str, tuple[str, ...]] = {
    table: tuple(takewhile(lambda column: column not in PSEUDONYMS, key))
    for table, key in TABLE_KEYS.items()
}
"""How a region's rows are stored: in key order up to the first pseudonym, then as exported
(a stable sort). A pseudonym is a keyed hash: ordering by it orders nothing, and sorting
millions of them cost a fifth of a large region's ingestion."""


@dataclass
class RegionData:
    """The valid rows of each regional form of one region, and every problem found."""

    code: str
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # form name → valid rows
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file (relative to DATA_DIR) → sha256
    headers: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # as Loaded's
    municipalities: pd.DataFrame = field(default_factory=pd.DataFrame)  # the region's, as used
    derived: bool = False  # municipalities taken from the school registry (no reference list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def frame(self, form: Form) -> pd.DataFrame:
        found = self.frames.get(form.name)
        return found if found is not None and not found.empty else empty_frame(form)


def region_folders(data_dir: Path, known: frozenset[str]) -> tuple[list[tuple[str, Path]],
                                                                    list[Problem]]:
    """The regions' folders under ``data_dir/regions``, named by the region's two-digit code."""
    root = data_dir / "regions"
    if not root.is_dir():
        return [], []
    found, problems = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        code = folder.name.zfill(2) if folder.name.isdigit() else ""
        if code not in known:
            problems.append(Problem(file=f"regions/{folder.name}",
                                    rule="папка региона должна называться кодом субъекта из "
                                         "справочника (например, regions/35)"))
            continue
        found.append((code, folder))
    return found, problems


def region_context(code: str, municipalities: pd.DataFrame, today: dt.date | None = None,
                   derived: bool = False) -> Context:
    """Known ОКТМО codes of the region and the accepted names of each.

    ``derived``: the codes come from the region's own school registry (no reference list), so
    an unknown code is one that is not a municipality of this region by its structure.
    """
    mine = municipalities[municipalities["region_code"] == code]
    names = {
        row.oktmo: frozenset(name_key(n) for n in (row.name, row.name_alt) if n)
        for row in mine.itertuples()
    }
    rules = dict(UNKNOWN_RULES)
    if derived:
        prefix = oktmo_prefixes().get(code, "")
        start = f", начинающийся с {prefix}" if prefix else ""
        rules["oktmo"] = (f"не код муниципального образования региона {code}: ожидается "
                          f"восьмизначный код ОКТМО{start} и оканчивающийся на 000")
    return Context(known={"oktmo": frozenset(mine["oktmo"])}, names={"oktmo": names},
                   today=today or dt.date.today(), unknown_rules=rules)


def own_municipalities(code: str, municipalities: pd.DataFrame, schools: list[pd.DataFrame]
                       ) -> tuple[pd.DataFrame, bool]:
    """The region's municipalities: from the reference lists when they name any, else from the
    ОКТМО codes and names of its school registry (``schools``: its parsed sheets)."""
    mine = municipalities[municipalities["region_code"] == code].reset_index(drop=True)
    if not mine.empty:
        return mine, False
    sheets = [f for f in schools if {"oktmo", "municipality"} <= set(f.columns)]
    if not sheets:
        return mine, False
    registry = pd.concat([f[["oktmo", "municipality"]] for f in sheets], ignore_index=True)
    return registry_municipalities(code, registry.astype(object)), True


def _with(context: Context, kind: str, ids: pd.Series) -> Context:
    return Context(known={**context.known, kind: frozenset(ids.dropna())}, names=context.names,
                   today=context.today, unknown_rules=context.unknown_rules)


def load_region(folder: Path, code: str, municipalities: pd.DataFrame,
                today: dt.date | None = None, base: Path | None = None,
                hashes: Mapping[str, str] | None = None) -> RegionData:
    """Read, recognise and validate every export of a region's folder (subfolders included);
    ``hashes``: files already hashed (see :func:`parse_folder`)."""
    parsed = parse_folder(folder, REGIONAL_FORMS, recursive=True, base=base, hashes=hashes)
    data = RegionData(code=code, problems=list(parsed.problems), files=parsed.files)
    data.municipalities, data.derived = own_municipalities(
        code, municipalities, [t.frame for t in parsed.tables[SCHOOLS.name]])
    context = region_context(code, data.municipalities, today, data.derived)
    if not parsed.files:
        return data
    if not parsed.tables[SCHOOLS.name]:
        data.problems.append(Problem(
            file=str(folder.relative_to(base) if base else folder),
            rule=f"нет реестра школ (форма «{SCHOOLS.title}»): без него не проверить коды ОО "
                 f"остальных выгрузок; см. docs/data-contract.md"))

    def validate(form: Form, context: Context) -> Loaded:
        loaded = validate_form(parsed.tables[form.name], form, context)
        data.problems.extend(loaded.problems)
        data.frames[form.name] = loaded.frame
        data.headers.update(loaded.headers)
        return loaded

    schools = validate(SCHOOLS, context)
    if parsed.tables[SCHOOLS.name] and schools.ok:
        context = _with(context, "school", schools.frame["school_id"])
    for form in (SCHOOL_ACTIVITY, TASKS, PUPILS, PARENTS):
        validate(form, context)
    chats = validate(CHATS, context)
    if parsed.tables[CHATS.name] and chats.ok:
        context = _with(context, "chat", chats.frame["chat_id"])
    validate(CHAT_MEMBERS, context)
    data.problems.extend(_tasks_in_their_municipality(data.frame(TASKS), data.frame(SCHOOLS),
                                                      data.headers))
    return data


def _tasks_in_their_municipality(tasks: pd.DataFrame, schools: pd.DataFrame,
                                 headers: dict[tuple[str, str], dict[str, str]]) -> list[Problem]:
    """A school's row of the task report must name the school's own municipality."""
    if tasks.empty or schools.empty or "oktmo" not in tasks or "school_id" not in tasks:
        return []
    registry = schools.set_index("school_id")["oktmo"]
    expected = tasks["school_id"].map(registry)
    wrong = tasks[tasks["oktmo"].notna() & expected.notna() & (tasks["oktmo"] != expected)]
    return [
        Problem(file=row[FILE_COLUMN], sheet=row[SHEET_COLUMN], row=int(row[ROW_COLUMN]),
                column=headers.get((row[FILE_COLUMN], row[SHEET_COLUMN]), {}).get("oktmo")
                or TASKS.column("oktmo").header, value=row["oktmo"],
                rule=f"ОКТМО не совпадает с реестром школ (у ОО {row['school_id']} — "
                     f"{registry[row['school_id']]})")
        for _, row in wrong.head(50).iterrows()
    ]


# --- warehouse tables ------------------------------------------------------------------------


def empty_frame(form: Form) -> pd.DataFrame:
    """A validated frame of the form with no rows (every column, with its dtype)."""
    columns = {c.name: pd.Series(dtype=DTYPES[c.kind] if not (c.nullable or not c.required)
                                 else columnar.DTYPES[c.kind]) for c in form.columns}
    frame = pd.DataFrame(columns)
    frame[ROW_COLUMN] = pd.Series(dtype="int64")
    frame[FILE_COLUMN] = pd.Series(dtype=columnar.STRING)
    frame[SHEET_COLUMN] = pd.Series(dtype=columnar.STRING)
    return frame


def _base(frame: pd.DataFrame, form: Form, code: str, pseudonyms: Pseudonymizer) -> pd.DataFrame:
    """The protected frame with the region code first, dates as dates and its source file."""
    out = protect(frame, form, pseudonyms)
    out = out.drop(columns=[ROW_COLUMN, SHEET_COLUMN]).rename(columns={FILE_COLUMN: "source_file"})
    for column in form.columns:  # one type per column, whichever sheets had it
        if column.personal:
            continue
        if column.name not in out:
            out[column.name] = pd.Series(index=out.index, dtype=columnar.DTYPES[column.kind])
        if column.kind in ("date", "done_date"):
            out[column.name] = pd.to_datetime(out[column.name]).astype(DATE)
        else:
            out[column.name] = out[column.name].astype(columnar.DTYPES[column.kind])
    out.insert(0, "region_code", pd.Series(code, index=out.index, dtype=columnar.STRING))
    return out.reset_index(drop=True)


def _schools(frame: pd.DataFrame, code: str, municipalities: pd.DataFrame) -> pd.DataFrame:
    names = municipalities[municipalities["region_code"] == code].set_index("oktmo")["name"]
    out = frame.copy()
    out["municipality"] = out["oktmo"].map(names).astype(columnar.STRING)
    return out


def _tasks(frame: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Rows of schools and of municipalities (no school): ``level`` and ``unit_id``."""
    out = frame.copy()
    registry = schools.set_index("school_id")["oktmo"]
    school_row = out["school_id"].notna()
    out["oktmo"] = out["oktmo"].where(~school_row | out["oktmo"].notna(),
                                      out["school_id"].map(registry))
    out.insert(2, "level", pd.Series("school", index=out.index, dtype=columnar.STRING)
               .where(school_row, "municipality"))
    out.insert(3, "unit_id", out["school_id"].where(school_row, out["oktmo"]))
    return out.drop(columns=["municipality", "school_name"])


def _pupils(frame: pd.DataFrame) -> pd.DataFrame:
    """Pupils with their ``grade``: the number a cleaned class starts with («5А» → 5)."""
    out = frame.copy()
    two = pc.utf8_slice_codeunits(columnar.arrow_strings(out["class_name"]), 0, 2)
    one = pc.utf8_slice_codeunits(two, 0, 1)
    none = pa.scalar(None, pa.string())
    digits = pc.if_else(pc.utf8_is_digit(two), two,
                        pc.if_else(pc.utf8_is_digit(one), one, none))
    grade = pd.array(pc.cast(digits, pa.int64()), dtype="Int64")  # arrow, not a Python loop
    out.insert(out.columns.get_loc("class_name") + 1, "grade", grade)
    return out


def _parent_children(parents: pd.DataFrame) -> pd.DataFrame:
    """One row per parent and child, with the school the registry gives for that child
    (a single school in «Коды ОО детей» is every child's school); ``children``: the lists of
    pseudonyms :func:`~helpers.ingestion.privacy.protect` made."""
    children = _children(parents)
    schools = pc.split_pattern(columnar.arrow_strings(parents["children_schools"]), ",")
    row = pc.list_parent_indices(children).to_numpy(zero_copy_only=False)
    first = children.offsets.to_numpy()[row]
    position = np.arange(len(row)) - first  # the child's place in its parent's list
    school_count = pc.list_value_length(schools).to_numpy(zero_copy_only=False)[row]
    school_at = schools.offsets.to_numpy()[row] + np.where(school_count == 1, 0, position)
    school_values = pc.list_flatten(schools)
    school_count = np.nan_to_num(school_count, nan=0)
    at = np.where(school_count > 0, np.minimum(school_at, max(len(school_values) - 1, 0)), -1)
    school_id = school_values.take(pa.array(at, mask=at < 0)) if len(school_values) \
        else pa.nulls(len(row), pa.string())
    taken = pa.array(row)

    def text(values: pa.Array) -> pd.arrays.ArrowStringArray:
        return pd.arrays.ArrowStringArray(values.cast(pa.large_string()))

    out = pd.DataFrame({
        "region_code": text(columnar.arrow_strings(parents["region_code"]).take(taken)),
        "snapshot_date": parents["snapshot_date"].array.take(row),
        "parent_id": pd.Series(pa.array(parents["parent_id"]).take(taken), dtype=PSEUDONYM),
        "pupil_id": pd.Series(pc.list_flatten(children), dtype=PSEUDONYM),
        "school_id": text(school_id),
    }).astype({"region_code": columnar.STRING, "school_id": columnar.STRING})
    # one link per parent and child in each registry export (the table's key has the date);
    # a parents row is one (date, parent) — its row number stands for both in the comparison
    links = pd.DataFrame({"row": row, "pupil_id": out["pupil_id"]})
    repeated = columnar.duplicated(links, ("row", "pupil_id")).to_numpy()
    return out[~repeated].reset_index(drop=True) if repeated.any() else out


def _children(parents: pd.DataFrame) -> pa.ListArray:
    """The parents' lists of their children's pseudonyms, as one arrow list array."""
    lists = pa.array(parents["children"], type=pa.list_(pa.int64()))
    return lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists


def region_tables(data: RegionData, pseudonyms: Pseudonymizer
                  ) -> Iterator[tuple[str, pd.DataFrame]]:
    """The warehouse tables of one region's valid exports (``data`` must be ``ok``)."""
    code, municipalities = data.code, data.municipalities
    if municipalities.empty:
        municipalities = pd.DataFrame({"region_code": [], "oktmo": [], "name": []}, dtype=object)

    def base(form: Form) -> pd.DataFrame:
        return _base(data.frame(form), form, code, pseudonyms)

    schools = _schools(base(SCHOOLS), code, municipalities)
    yield "schools", schools
    yield "school_activity", base(SCHOOL_ACTIVITY).drop(columns=["school_name"])
    yield "chats", base(CHATS)
    yield "chat_members", base(CHAT_MEMBERS)
    yield "tasks", _tasks(base(TASKS), schools)
    yield "pupils", _pupils(base(PUPILS))
    parents = base(PARENTS)
    yield "parent_children", _parent_children(parents)
    counts = pc.list_value_length(_children(parents)).fill_null(0)
    parents.insert(parents.columns.get_loc("children"), "children_count",
                   counts.to_numpy(zero_copy_only=False).astype("int64"))
    yield "parents", parents.drop(columns=["children", "children_schools"])


def empty_tables(municipalities: pd.DataFrame, pseudonyms: Pseudonymizer
                 ) -> Iterator[tuple[str, pd.DataFrame]]:
    """Every regional table with its columns and no rows (so they exist without any region)."""
    yield from region_tables(RegionData(code="", municipalities=municipalities), pseudonyms)


@dataclass
class RegionOutcome:
    """What ingestion needs of one region, small enough to come back from a worker process."""

    code: str
    problems: list[Problem]
    files: dict[str, str]
    rows: dict[str, int]  # file → rows taken from it
    counts: dict[str, int]
    tables: list[tuple[str, pd.DataFrame]]  # empty unless valid and asked for; in ROW_ORDER
    municipalities: pd.DataFrame | None = None  # taken from its school registry (no reference)
    sums: pd.DataFrame | None = None  # the school activity's counts summed per snapshot date
    spooled: list[tuple[str, Path]] = field(default_factory=list)  # tables in Arrow files

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def process_region(folder: Path, code: str, data_dir: Path, municipalities: pd.DataFrame,
                   key: bytes | None, hashes: Mapping[str, str] | None = None) -> RegionOutcome:
    """Validate a region's folder and, with a pseudonymisation ``key``, derive its tables
    (``hashes``: its files' SHA-256 by name relative to ``data_dir``, when already known)."""
    data = load_region(folder, code, municipalities, base=data_dir, hashes=hashes)
    frames = [f for f in data.frames.values() if not f.empty and FILE_COLUMN in f]
    rows = pd.concat([f.groupby(FILE_COLUMN).size() for f in frames]).groupby(level=0).sum() \
        if frames else pd.Series(dtype="int64")
    tables = [(name, in_key_order(frame, _within_region(ROW_ORDER[name])))
              for name, frame in region_tables(data, Pseudonymizer(key))] \
        if key is not None and data.ok else []
    for name, frame in tables:  # here, in parallel, not by the warehouse at the end
        require_unique(name, frame)
    return RegionOutcome(code=code, problems=data.problems, files=data.files,
                         rows={str(k): int(v) for k, v in rows.items()},
                         counts=counts(data) if data.files else {}, tables=tables,
                         municipalities=data.municipalities if data.derived else None,
                         sums=activity_sums(data.frame(SCHOOL_ACTIVITY)))


def require_unique(name: str, frame: pd.DataFrame) -> None:
    """Raise :class:`DuplicateKey` when a key of the table ``name`` repeats in ``frame`` (a
    bug: validation keeps keys unique) — checked per region, in the worker that made it."""
    repeated = columnar.repeated_keys(frame, _within_region(TABLE_KEYS[name]))
    if repeated:
        raise DuplicateKey(f"{name}: {repeated} repeated keys ({', '.join(TABLE_KEYS[name])})")


def _within_region(key: tuple[str, ...]) -> tuple[str, ...]:
    """A key without ``region_code``: every row of a region's table has its code (see
    :func:`_base`), so comparing it only costs time (a third of sorting a region's pupils)."""
    return tuple(column for column in key if column != "region_code")


def spool_region(folder: Path, code: str, data_dir: Path, municipalities: pd.DataFrame,
                 key: bytes | None, spool: Path, hashes: Mapping[str, str] | None = None
                 ) -> RegionOutcome:
    """:func:`process_region` for a worker process: the tables are written to Arrow files in
    ``spool`` (``spooled``) instead of coming back through the pipe. Pickling a large region's
    tables cost both processes seconds and held them twice in the writer's memory; an Arrow
    file is written at disk speed and mapped by the writer without a copy (:func:`mapped`)."""
    outcome = process_region(folder, code, data_dir, municipalities, key, hashes)
    for name, frame in outcome.tables:
        path = spool / f"{code}-{name}.arrow"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        outcome.spooled.append((name, path))
    outcome.tables = []
    return outcome


def mapped(path: Path) -> pa.Table:
    """A table written by :func:`spool_region`, memory-mapped (its pages are the file's)."""
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()


def activity_sums(activity: pd.DataFrame) -> pd.DataFrame:
    """The counts of the per-school monitoring summed per snapshot date (its federal row)."""
    counts = [c for c in SCHOOL_ACTIVITY.count_columns if c in activity]
    if activity.empty or not counts:
        return pd.DataFrame(columns=["snapshot_date", *counts])
    sums = activity.groupby("snapshot_date", sort=True)[counts].sum(min_count=1)
    return sums.reset_index()


def counts(data: RegionData) -> dict[str, int]:
    """Figures for the ingestion summary: schools, pupils, parents, chats, members, findings."""
    pupils, parents = data.frame(PUPILS), data.frame(PARENTS)
    return {
        "schools": len(data.frame(SCHOOLS)),
        "pupils": len(pupils),
        "parents": len(parents),
        "chats": len(data.frame(CHATS)),
        "chat_members": len(data.frame(CHAT_MEMBERS)),
        "snils_gaps": int((~validity(pupils["snils"])).sum() + (~validity(parents["snils"])).sum()),
    }
