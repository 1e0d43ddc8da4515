"""Deterministic demo exports of a region's school-level data (SPEC §4–5), Вологодская область first.

:func:`build_region` makes everything a regional department holds about its schools, for one
region, from a :class:`RegionPlan` (its municipalities and sizes):

- the school registry: schools spread over the municipalities (city schools large, rural ones
  small), classes 1–11 with letters, pupils and teachers summing to the plan's totals;
- weekly activity snapshots per school through the 2024 campaign: activity of directors and
  teachers rises around the closing of the Telegram chats, parents' chats in Сферум are counted
  from the chat registry's creation dates; the sums per date become the region's row of the
  federal monitoring (:func:`federal_rows`, passed to ``build_federal_history(fixed=...)``);
- chat registries exported on 16.09.2024 (the 2024 Telegram → Сферум campaign) and on
  10.11.2025 (the 2025 VK Мессенджер → MAX one), with the department's chats («Директора школ
  ВО», 395 participants), per school the required chats created on varied dates around each
  cut-over, old chats still open after it; member lists with «last seen» as the chat screen
  writes it — in a school with a staff chat, the directors and teachers seen in the last seven
  days are exactly the activity snapshot's active ones;
- the task report of 01.10.2024 (some schools late or missing, per school and per ОМСУ);
- the ЭЖД registries of pupils and parents with realistic gaps: missing SNILS, wrong control
  numbers, parents without a login or with an unconfirmed Госуслуги account, children without
  an account, pupils missing from the registry, parents with children in several schools.
- the same exports a week earlier (:class:`EarlierExports`, the base of «Что изменилось»):
  chats and members of 09.09.2024 and 03.11.2025, the task report of 24.09.2024, the ЭЖД
  registries of 09.09.2024 — consistent with the later ones (nothing done is undone) and drawn
  from random streams of their own, so the later exports stay byte for byte as they were.

Dates come from ``params/campaigns.yml`` and ``params/tasks.yml``. Every person is fictional;
names, SNILS, logins and birth dates exist only in the raw exports, which
:mod:`helpers.demo.regional_exports` writes the way regions send them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.demo.federal import drawn, snapshot_dates
from helpers.demo.people import (
    full_and_short_names,
    full_names,
    logins,
    snils_numbers,
    unique_ids,
)
from helpers.indicators.campaigns import Campaign, load_campaigns, load_tasks
from helpers.ingestion.contract.forms import SCHOOL_ACTIVITY
from helpers.warehouse.reference import load_municipalities, region_names

SEED = 35_2024_09
CHATS_2024 = dt.datetime(2024, 9, 16, 14, 5)  # the chat registry and members of the 2024 campaign
CHATS_2025 = dt.datetime(2025, 11, 10, 9, 30)  # … and of the 2025 one
TASKS_AT = dt.datetime(2024, 10, 1, 10, 0)
REGISTRY_AT = dt.datetime(2024, 9, 16, 8, 30)  # the ЭЖД registries
# the same exports a week earlier (the base of «Что изменилось»), from random streams of their own
CHATS_BEFORE = dt.datetime(2024, 9, 9, 13, 50)  # before the 2024 cut-over (10.09.2024)
CHATS_2025_BEFORE = dt.datetime(2025, 11, 3, 9, 40)  # two days after the 2025 one (01.11.2025)
TASKS_BEFORE = dt.datetime(2024, 9, 24, 10, 0)
REGISTRY_BEFORE = dt.datetime(2024, 9, 9, 8, 30)
ACTIVE_DAYS = 7
LETTERS = np.array(list("АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ"))  # parallels of a grade
COUNT_COLUMNS = [c.name for c in SCHOOL_ACTIVITY.columns if c.kind == "count"]

# Вологодская область: schools per municipality (about the real network, 345 in all) and the
# municipalities whose schools are slower than the others in every campaign.
VOLOGDA_SCHOOLS = {
    "19701000": 39, "19730000": 38, "19605000": 10, "19608000": 8, "19610000": 7,
    "19612000": 4, "19614000": 22, "19616000": 8, "19618000": 8, "19620000": 22,
    "19622000": 11, "19624000": 14, "19626000": 7, "19628000": 7, "19630000": 11,
    "19632000": 4, "19634000": 12, "19636000": 7, "19638000": 18, "19640000": 5,
    "19642000": 9, "19646000": 13, "19648000": 5, "19650000": 9, "19652000": 8,
    "19654000": 6, "19656000": 20, "19658000": 13,
}  # fmt: skip
VOLOGDA_LAGGING = ("19612000", "19632000", "19652000", "19622000")
VOLOGDA_SIZES = {"pupils": 146_000, "teachers": 10_420, "classes": 7_400}  # = PINNED_SIZES
CITY_GENITIVE = {"город Вологда": "г. Вологды", "город Череповец": "г. Череповца"}

KINDS = {  # kind → (registry text, last grade, short form in names)
    "sosh": ("средняя общеобразовательная школа", 11, "СОШ"),
    "oosh": ("основная общеобразовательная школа", 9, "ООШ"),
    "nosh": ("начальная общеобразовательная школа", 4, "НОШ"),
    "gym": ("гимназия", 11, "Гимназия"),
    "lyc": ("лицей", 11, "Лицей"),
    "co": ("центр образования", 11, "ЦО"),
    "int": ("школа-интернат", 11, "Школа-интернат"),
}
CITY_KINDS = (["sosh", "gym", "lyc", "co", "oosh", "nosh"], [0.72, 0.08, 0.06, 0.06, 0.05, 0.03])
RURAL_KINDS = (["sosh", "oosh", "nosh", "int"], [0.55, 0.36, 0.05, 0.04])
VILLAGES = [
    "Борисовская", "Покровская", "Никольская", "Ильинская", "Успенская", "Воскресенская",
    "Троицкая", "Георгиевская", "Петровская", "Андреевская", "Михайловская", "Семёновская",
    "Кубенская", "Сухонская", "Шольская", "Сиземская", "Уломская", "Мяксинская", "Ботовская",
    "Нифантовская", "Липиноборская", "Кадниковская", "Вохтожская", "Сазоновская", "Юровская",
    "Нестеровская", "Перцевская", "Лесковская", "Майская", "Сосновская", "Прилукская",
    "Огарковская", "Тоншаловская", "Ягницкая", "Судская", "Устьинская", "Федотовская",
    "Спасская", "Кипеловская", "Непотяговская", "Сельская", "Заречная", "Октябрьская",
    "Первомайская", "Молочненская", "Дорская", "Согорская", "Верхнеспасская", "Ферапонтовская",
]


@dataclass(frozen=True)
class RegionPlan:
    """What to generate for one region: its municipalities and its sizes."""

    code: str
    region_name: str
    short_name: str  # in the department's chat titles: «Директора школ ВО»
    municipalities: pd.DataFrame  # oktmo, name, kind, schools, city (bool), lagging (bool)
    pupils: int
    teachers: int
    classes: int
    load_mode: bool = False  # national load mode: staff members only, registries unsorted
    variant: int = 0  # another random draw of the same region (0: the demo checked against the slides)

    @property
    def seed(self) -> int:
        return drawn(SEED + int(self.code) * 7919, self.variant)


def vologda_plan(variant: int = 0) -> RegionPlan:
    """Вологодская область with its 28 municipalities (``data/reference``) and 345 schools."""
    reference = load_municipalities()
    towns = reference[reference["region_code"] == "35"].copy()
    towns["schools"] = towns["oktmo"].map(VOLOGDA_SCHOOLS).astype("int64")
    towns["city"] = towns["kind"].eq("городской округ")
    towns["lagging"] = towns["oktmo"].isin(VOLOGDA_LAGGING)
    return RegionPlan(code="35", region_name=region_names()["35"], short_name="ВО",
                      municipalities=towns.reset_index(drop=True),
                      pupils=VOLOGDA_SIZES["pupils"], teachers=VOLOGDA_SIZES["teachers"],
                      classes=VOLOGDA_SIZES["classes"], variant=variant)


@dataclass
class RegionDemo:
    """Everything generated for one region, in the canonical columns of the regional forms.

    Personal columns are filled (names, SNILS, logins, birth dates): these frames are the raw
    exports' content and are written by :func:`write_region`, never ingested as they are.
    """

    plan: RegionPlan
    schools: pd.DataFrame
    classes: pd.DataFrame
    activity: pd.DataFrame
    chats: pd.DataFrame
    members: pd.DataFrame  # last_seen as a timestamp (NaT: «давно»), female for the verb's form
    tasks: pd.DataFrame
    pupils: pd.DataFrame
    parents: pd.DataFrame
    earlier: EarlierExports | None = None  # the exports of a week before (not in the load mode)


@dataclass
class EarlierExports:
    """The region's exports of a week before the latest ones, consistent with them.

    The chat registry and member list of :data:`CHATS_BEFORE` (fewer Сферум chats and members,
    old chats not yet closed, older «last seen») and of :data:`CHATS_2025_BEFORE` (the same for
    the MAX chats and the Сферум ones closing), the task report of :data:`TASKS_BEFORE` (tasks
    done since then not done yet) and the ЭЖД registries of :data:`REGISTRY_BEFORE` (fewer
    Госуслуги confirmations, logins and children's accounts). Nothing done later is undone:
    every later export is the earlier one plus the week's movements. Same people, same ids.
    """

    chats: pd.DataFrame
    members: pd.DataFrame
    tasks: pd.DataFrame
    pupils: pd.DataFrame
    parents: pd.DataFrame
    chats_max: pd.DataFrame
    members_max: pd.DataFrame


# --- integer allocation --------------------------------------------------------------------


def allocate(weights: np.ndarray, total: int, minimum: np.ndarray | int = 0) -> np.ndarray:
    """Whole numbers, each at least ``minimum``, summing to ``total``, the rest by ``weights``."""
    low = np.broadcast_to(np.asarray(minimum, dtype=np.int64), weights.shape).copy()
    rest = total - int(low.sum())
    if rest < 0:
        raise ValueError(f"allocate: minimum {int(low.sum())} above total {total}")
    w = np.asarray(weights, dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w))
    share = w * rest
    base = np.floor(share).astype(np.int64)
    left = rest - int(base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:left]] += 1
    return low + base


def _dates(rng: np.random.Generator, ranges: list[tuple[dt.date, dt.date, float]], n: int
           ) -> np.ndarray:
    """Dates drawn from a mixture of uniform ranges (first day, last day, weight)."""
    weights = np.array([w for _, _, w in ranges])
    which = rng.choice(len(ranges), n, p=weights / weights.sum())
    first = np.array([np.datetime64(a) for a, _, _ in ranges])
    span = np.array([(b - a).days + 1 for a, b, _ in ranges])
    return first[which] + rng.integers(0, span[which]).astype("timedelta64[D]")


# --- schools, classes, staff -----------------------------------------------------------------


def _adjective(municipality: str) -> str:
    word = municipality.split(" ")[0]
    return word[:-2] + "ая" if word.endswith(("ий", "ый")) else word


def _schools(plan: RegionPlan, rng: np.random.Generator) -> pd.DataFrame:
    towns = plan.municipalities
    per_town = towns["schools"].to_numpy()
    n = int(per_town.sum())
    town = np.repeat(np.arange(len(towns)), per_town)
    city = towns["city"].to_numpy()[town]
    rank = pd.Series(town).groupby(town).cumcount().to_numpy()  # order within the municipality
    centre = ~city & (rank < np.maximum(1, per_town[town] // 6))
    kinds = np.where(city, rng.choice(CITY_KINDS[0], n, p=CITY_KINDS[1]),
                     rng.choice(RURAL_KINDS[0], n, p=RURAL_KINDS[1]))
    kinds = np.where(centre, "sosh", kinds)
    size = np.where(city, rng.lognormal(np.log(1000), 0.35, n),
                    np.where(centre, rng.lognormal(np.log(560), 0.3, n),
                             rng.lognormal(np.log(105), 0.6, n)))
    last_grade = np.array([KINDS[k][1] for k in kinds])
    size = np.where(kinds == "nosh", size * 0.35, np.where(kinds == "oosh", size * 0.7, size))
    pupils = allocate(size, plan.pupils, minimum=2 * last_grade)
    per_class = np.where(city, 27.0, np.where(centre, 22.0, 12.0))
    extra = np.maximum(np.ceil(pupils / per_class) - last_grade, 0) + 0.01
    classes = allocate(extra, max(plan.classes, int(last_grade.sum())), minimum=last_grade)
    classes = np.minimum(classes, np.minimum(pupils, 20 * last_grade))  # under 28 parallels
    teacher_need = pupils / np.where(city, 17.0, np.where(centre, 12.5, 7.0)) + 3
    teachers = allocate(teacher_need, max(plan.teachers, int((classes + 1).sum())),
                        minimum=classes + 1)
    number = rank + 1
    town_name = towns["name"].to_numpy()[town]
    short = np.array([KINDS[k][2] for k in kinds], dtype=object)
    names = []
    village = rng.choice(VILLAGES, n)
    for i in range(n):
        if city[i]:
            genitive = CITY_GENITIVE.get(town_name[i], town_name[i])
            owner = "МОУ " if town_name[i] in CITY_GENITIVE else "МБОУ "
            names.append(f"{owner}«{short[i]} № {number[i]}» {genitive}")
        elif centre[i]:
            names.append(f"МБОУ «{_adjective(town_name[i])} {short[i]} № {number[i]}»")
        else:
            names.append(f"МБОУ «{village[i]} {short[i]}»")
    ids = unique_ids(rng, n, 100_000, 1_000_000)
    frame = pd.DataFrame({
        "school_id": ids,
        "school_name": names,
        "oktmo": towns["oktmo"].to_numpy()[town],
        "municipality": town_name,
        "kind": [KINDS[k][0] for k in kinds],
        "classes": classes,
        "pupils": pupils,
        "teachers": teachers,
        "last_grade": last_grade,
        "city": city,
        "lagging": towns["lagging"].to_numpy()[town],
        "site": [f"https://sh{j}-{plan.code}.gosweb.gosuslugi.ru" for j in range(1, n + 1)],
    })
    return frame


def _class_table(schools: pd.DataFrame) -> pd.DataFrame:
    """Classes of every school: grade, letter, size (more parallels in the lower grades)."""
    rows = []
    grade_weight = np.array([1.15, 1.15, 1.1, 1.1, 1.05, 1.0, 1.0, 0.95, 0.9, 0.55, 0.5])
    for index, (count, last, pupils) in enumerate(
            schools[["classes", "last_grade", "pupils"]].itertuples(index=False)):
        grades = np.arange(1, last + 1)
        parallels = allocate(grade_weight[:last], int(count), minimum=1)
        grade = np.repeat(grades, parallels)
        letter = np.concatenate([np.arange(k) for k in parallels])
        sizes = allocate(grade_weight[grade - 1], int(pupils), minimum=1)
        rows.append(pd.DataFrame({"school": index, "grade": grade, "letter": letter,
                                  "size": sizes}))
    classes = pd.concat(rows, ignore_index=True)
    classes["class_name"] = classes["grade"].astype(str) + LETTERS[classes["letter"]]
    return classes


# --- activity ------------------------------------------------------------------------------


def _campaign_curve(dates: list[dt.date], cutover: dt.date) -> np.ndarray:
    """Share of the campaign's activity growth reached on each date: a slow summer, then a rise
    in the two weeks around the cut-over."""
    days = np.array([(d - cutover).days for d in dates], dtype=float)
    summer = 0.12 * np.clip((days - days[0]) / max(-days[0] - 21, 1), 0, 1)
    rise = 1 / (1 + np.exp(-(days + 3) / 3.0))
    curve = summer + (1 - 0.12) * (rise - rise[0]) / (rise[-1] - rise[0])
    return np.maximum.accumulate(curve / curve[-1])


def _activity(schools: pd.DataFrame, parents_chats: pd.DataFrame, rng: np.random.Generator,
              campaign: Campaign) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly counters per school, and per school its active staff on the last date."""
    dates = snapshot_dates()
    n = len(schools)
    town_effect = pd.Series(rng.normal(0, 0.045, schools["oktmo"].nunique()),
                            index=schools["oktmo"].unique())
    p_end = (0.215 + schools["oktmo"].map(town_effect).to_numpy() + rng.normal(0, 0.07, n)
             - 0.06 * schools["lagging"].to_numpy())
    p_end = np.clip(p_end, 0.02, 0.7)
    p_start = p_end * rng.uniform(0.55, 0.72, n)
    curve = _campaign_curve(dates, campaign.cutover)
    share = p_start[:, None] + (p_end - p_start)[:, None] * curve[None, :]
    teachers = schools["teachers"].to_numpy()
    teachers_active = np.floor(teachers[:, None] * share + 0.5).astype(np.int64)
    director_threshold = rng.random(n)
    director_factor = rng.uniform(1.8, 2.6, n)
    directors_active = (director_threshold[:, None]
                        < np.minimum(0.97, director_factor[:, None] * share)).astype(np.int64)
    t = np.linspace(0, 1, len(dates))
    linked_end, linked_start = rng.uniform(0.45, 0.9, n), rng.uniform(0.55, 0.85, n)
    linked = (linked_end * linked_start)[:, None] + (linked_end * (1 - linked_start))[:, None] * t
    pupils_end, pupils_start = rng.uniform(0.35, 0.8, n), rng.uniform(0.5, 0.85, n)
    pupils_linked = (pupils_end * pupils_start)[:, None] + (pupils_end * (1 - pupils_start))[:, None] * t
    esia_end, esia_start = rng.uniform(0.03, 0.15, n), rng.uniform(0.2, 0.5, n)
    esia = (esia_end * esia_start)[:, None] + (esia_end * (1 - esia_start))[:, None] * t ** 1.5
    pupils = schools["pupils"].to_numpy()
    # parents' chats in Сферум that exist on each date (from the chat registry's creation dates)
    stamps = np.array([np.datetime64(d) for d in dates])
    first = np.searchsorted(stamps, parents_chats["created"].to_numpy())  # first date it exists
    new = np.zeros((n, len(dates) + 1), dtype=np.int64)
    np.add.at(new, (parents_chats["school"].to_numpy(), first), 1)
    chat_counts = new.cumsum(axis=1)[:, :len(dates)]
    values = {
        "directors_total": np.ones((n, len(dates)), dtype=np.int64),
        "directors_active": directors_active,
        "teachers_total": np.repeat(teachers[:, None], len(dates), axis=1),
        "teachers_active": teachers_active,
        "class_teachers_total": np.repeat(schools["classes"].to_numpy()[:, None], len(dates), 1),
        "class_teachers_parent_chat": chat_counts,
        "pupils_total": np.repeat(pupils[:, None], len(dates), axis=1),
        "teachers_linked": np.floor(teachers[:, None] * linked).astype(np.int64),
        "pupils_linked": np.floor(pupils[:, None] * pupils_linked).astype(np.int64),
        "teachers_esia": np.floor(teachers[:, None] * esia).astype(np.int64),
    }
    frame = pd.DataFrame({k: v.T.ravel() for k, v in values.items()})
    frame.insert(0, "snapshot_date", np.repeat(pd.to_datetime(dates).as_unit("ns"), n))
    frame.insert(1, "school_id", np.tile(schools["school_id"].to_numpy(), len(dates)))
    frame.insert(2, "school_name", np.tile(schools["school_name"].to_numpy(), len(dates)))
    ends = pd.DataFrame({"teachers_active": teachers_active[:, -1],
                         "directors_active": directors_active[:, -1]})
    return frame, ends


def federal_rows(demo: RegionDemo) -> pd.DataFrame:
    """The region's rows of the federal monitoring: the school counters summed per date."""
    sums = demo.activity.groupby("snapshot_date")[COUNT_COLUMNS].sum().reset_index()
    sums.insert(1, "region_code", demo.plan.code)
    return sums


# --- pupils and parents ----------------------------------------------------------------------


def _pupils(classes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every pupil: class, grade, birth date (age fits the grade, a few repeat a year)."""
    n = int(classes["size"].sum())
    cls = np.repeat(np.arange(len(classes)), classes["size"].to_numpy())
    grade = classes["grade"].to_numpy()[cls]
    age_days = (grade + 6) * 365.25 + rng.uniform(0, 365, n) + (rng.random(n) < 0.04) * 365
    birth = np.datetime64(dt.date(2024, 9, 1)) - age_days.astype("timedelta64[D]")
    return pd.DataFrame({
        "pupil_id": unique_ids(rng, n, 10_000_000, 99_999_999),
        "school": classes["school"].to_numpy()[cls], "class": cls, "grade": grade,
        "female": rng.random(n) < 0.49, "birth_date": birth.astype("datetime64[ns]"),
    })


def _families(pupils: pd.DataFrame, schools: pd.DataFrame, rng: np.random.Generator
              ) -> np.ndarray:
    """The family of each pupil: siblings mostly in one school, sometimes in two (same town)."""
    n = len(pupils)
    town = pd.factorize(schools["oktmo"].to_numpy()[pupils["school"].to_numpy()])[0]
    block = np.where(rng.random(n) < 0.85, pupils["school"].to_numpy(), -1)
    order = np.lexsort((rng.random(n), block, town))
    sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.66, 0.27, 0.06, 0.01])
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    sizes[-1] -= int(sizes.sum()) - n
    family = np.empty(n, dtype=np.int64)
    family[order] = np.repeat(np.arange(len(sizes)), sizes)
    return family


def _parents(pupils: pd.DataFrame, family: np.ndarray, rng: np.random.Generator
             ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """Parents (a mother and often a father per family), the parent–child links, and the
    pupils' full and short names."""
    families = int(family.max()) + 1
    surname = rng.integers(0, 240, families)
    has_father = rng.random(families) < 0.66
    has_mother = (rng.random(families) < 0.95) | ~has_father  # at least one parent
    mothers = np.flatnonzero(has_mother)
    fathers = np.flatnonzero(has_father)
    parents = pd.DataFrame({
        "family": np.concatenate([mothers, fathers]),
        "female": np.concatenate([np.ones(len(mothers), bool), np.zeros(len(fathers), bool)]),
    })
    parents["surname"] = surname[parents["family"].to_numpy()]
    parents["name"] = full_names(rng, parents["female"].to_numpy(), parents["surname"].to_numpy())
    pupil_names = full_and_short_names(rng, pupils["female"].to_numpy(), surname[family])
    links = pd.DataFrame({"pupil": np.arange(len(pupils)), "family": family}).merge(
        parents.reset_index().rename(columns={"index": "parent"})[["parent", "family"]],
        on="family")[["parent", "pupil"]]
    return parents, links.sort_values(["parent", "pupil"]).reset_index(drop=True), pupil_names


def _joined(keys: np.ndarray, columns: dict[str, np.ndarray], size: int) -> pd.DataFrame:
    """Per key ``0 … size-1``, its values joined with ", " (``keys`` sorted); ``None`` for a key
    without values. Vectorised over the keys: a parent has at most a handful of children."""
    starts = np.searchsorted(keys, np.arange(size))
    counts = np.searchsorted(keys, np.arange(size), side="right") - starts
    out = {}
    for name, values in columns.items():
        values = np.asarray(values, dtype=object)
        text = np.full(size, None, dtype=object)
        has = counts > 0
        text[has] = values[starts[has]]
        for k in range(1, int(counts.max(initial=0))):
            more = counts > k
            text[more] = text[more] + ", " + values[starts[more] + k]
        out[name] = text
    return pd.DataFrame(out, dtype=object)


def _gap_factor(schools: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """How much worse than usual each school keeps its ЭЖД registry (lagging towns worse)."""
    factor = rng.lognormal(0, 0.55, len(schools)) * np.where(schools["lagging"], 1.8, 1.0)
    return np.clip(factor, 0.25, 5.0)


def _pupil_registry(pupils: pd.DataFrame, names: np.ndarray, schools: pd.DataFrame,
                    classes: pd.DataFrame, gap: np.ndarray, rng: np.random.Generator
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """The registry «Ученики» (a few pupils missing from it) and which pupils are in it."""
    n = len(pupils)
    g = gap[pupils["school"].to_numpy()]
    listed = rng.random(n) >= np.minimum(0.015 * g, 0.2)
    at = np.datetime64(REGISTRY_AT.date())
    age = (at - pupils["birth_date"].to_numpy().astype("datetime64[D]")).astype(int) / 365.25
    under_14 = age < 14
    u = rng.random(n)
    none_share = np.minimum(np.where(under_14, 0.21, 0.16) * g, 0.9)
    linked_share = np.where(under_14, 0.15, 0.62) * (1 - none_share)
    account = np.where(u < none_share, "none", np.where(u < none_share + linked_share, "linked",
                                                        "created"))
    frame = pd.DataFrame({
        "snapshot_date": pd.Timestamp(REGISTRY_AT.date()),
        "pupil_id": pupils["pupil_id"].to_numpy(),
        "pupil_name": names,
        "school_id": schools["school_id"].to_numpy()[pupils["school"].to_numpy()],
        "class_name": classes["class_name"].to_numpy()[pupils["class"].to_numpy()],
        "birth_date": pupils["birth_date"].to_numpy(),
        "snils": snils_numbers(rng, n, missing=np.minimum(0.025 * g, 0.5),
                               invalid=np.minimum(0.008 * g, 0.2)),
        "child_account": account,
    })
    frame.loc[rng.random(n) < 0.003, "birth_date"] = pd.NaT
    return frame[listed].reset_index(drop=True), listed


def _parent_registry(parents: pd.DataFrame, links: pd.DataFrame, pupils: pd.DataFrame,
                     pupil_names: np.ndarray, schools: pd.DataFrame, gap: np.ndarray,
                     rng: np.random.Generator, load_mode: bool = False) -> pd.DataFrame:
    """The «Реестр родителей»: gaps in SNILS, logins, Госуслуги; duplicates without children."""
    n = len(parents)
    school_of_child = pupils["school"].to_numpy()[links["pupil"].to_numpy()]
    worst = pd.Series(gap[school_of_child]).groupby(links["parent"].to_numpy()).max()
    g = worst.reindex(range(n), fill_value=1.0).to_numpy()
    school_ids = schools["school_id"].to_numpy()
    child_school = school_ids[school_of_child].copy()
    moved = rng.random(len(links)) < 0.008  # the registry still has the child's former school
    child_school[moved] = school_ids[rng.integers(0, len(schools), int(moved.sum()))]
    per_parent = _joined(links["parent"].to_numpy(), {
        "id": pupils["pupil_id"].to_numpy()[links["pupil"].to_numpy()],
        "name": pupil_names[links["pupil"].to_numpy()],
        "school": child_school,
    }, n)
    frame = pd.DataFrame({
        "snapshot_date": pd.Timestamp(REGISTRY_AT.date()),
        "parent_id": unique_ids(rng, n, 100_000_000, 999_999_999),
        "parent_name": parents["name"].to_numpy(),
        "snils": snils_numbers(rng, n, missing=np.minimum(0.07 * g, 0.6),
                               invalid=np.minimum(0.015 * g, 0.3)),
        "login": logins(rng, parents["surname"].to_numpy()),
        "children_names": per_parent["name"].to_numpy(),
        "children": per_parent["id"].to_numpy(),
        "children_schools": per_parent["school"].to_numpy(),
        "esia_confirmed": rng.random(n) >= np.minimum(0.11 * g, 0.8),
    })
    frame.loc[rng.random(n) < np.minimum(0.12 * g, 0.8), "login"] = None
    missing_family = parents["family"].isin(
        rng.choice(parents["family"].unique(), int(0.035 * parents["family"].nunique()),
                   replace=False)).to_numpy()
    frame = frame[~missing_family]
    twins = frame.sample(frac=0.015, random_state=int(rng.integers(1 << 31)))
    twins = twins.assign(
        parent_id=unique_ids(rng, len(twins), 1_000_000_000, 1_999_999_999),
        parent_name=twins["parent_name"].str.lower(), login=None, children=None,
        children_names=None, children_schools=None, snils=None, esia_confirmed=False)
    registry = pd.concat([frame, twins])
    if not load_mode:  # as the registry screen lists them
        registry = registry.sort_values("parent_name", kind="stable")
    return registry.reset_index(drop=True)


# --- chats -----------------------------------------------------------------------------------


def _short_names(schools: pd.DataFrame) -> np.ndarray:
    """«СОШ № 5 г. Вологды» for «МОУ «СОШ № 5» г. Вологды»: how chat titles name a school."""
    names = schools["school_name"].str.replace(r"^МB?ОУ |^МБОУ |^МОУ ", "", regex=True)
    return names.str.replace("«", "").str.replace("»", "").to_numpy(dtype=object)


def _offset(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("timedelta64[D]")


def _school_level(kind: str, platform: str, short: np.ndarray, created: np.ndarray
                  ) -> pd.DataFrame:
    title = {"school": short + " общешкольный", "staff": short + " педагоги",
             "old_staff": "Учителя " + short}[kind]
    return pd.DataFrame({"chat_type": "staff" if kind == "old_staff" else kind,
                         "platform": platform, "title": title, "school": np.arange(len(short)),
                         "klass": -1, "created": created})


def _class_level(kind: str, platform: str, short: np.ndarray, classes: pd.DataFrame,
                 created: np.ndarray) -> pd.DataFrame:
    school = classes["school"].to_numpy()
    name = classes["class_name"].to_numpy(dtype=object)
    title = {"class": name + " класс, " + short[school],
             "parents": "Родители " + name + ", " + short[school],
             "old_parents": name + " родители"}[kind]
    return pd.DataFrame({"chat_type": "parents" if kind == "old_parents" else kind,
                         "platform": platform, "title": title, "school": school,
                         "klass": np.arange(len(classes)), "created": created})


def _chats(plan: RegionPlan, schools: pd.DataFrame, classes: pd.DataFrame,
           rng: np.random.Generator, campaigns: dict[str, Campaign]) -> pd.DataFrame:
    """Every chat the department and the schools ever had: old platforms, Сферум, MAX."""
    c24, c25 = campaigns["telegram_to_sferum_2024"], campaigns["sferum_to_max_2025"]
    ns, nc = len(schools), len(classes)
    short = _short_names(schools)
    lagging = schools["lagging"].to_numpy()
    cls_school = classes["school"].to_numpy()
    frames = []
    old_staff = _school_level("old_staff", "telegram", short,
                              np.datetime64("2019-01-15") + _offset(rng.integers(0, 1600, ns)))
    frames.append(old_staff[rng.random(ns) < 0.55])
    old_parents = _class_level("old_parents", "whatsapp", short, classes,
                               np.datetime64("2018-09-01") + _offset(rng.integers(0, 2100, nc)))
    old_parents.loc[rng.random(nc) < 0.3, "platform"] = "telegram"
    frames.append(old_parents[rng.random(nc) < 0.65])
    old = pd.concat(frames, ignore_index=True)
    open_after = rng.random(len(old)) < np.where(lagging[old["school"]], 0.37, 0.12)
    at_cutover = np.datetime64(c24.cutover) - _offset(rng.integers(0, 10, len(old)))
    later = np.datetime64(c24.cutover) + _offset(rng.integers(20, 121, len(old)))
    never = rng.random(len(old)) < 0.3
    old["closed"] = np.where(~open_after, at_cutover,
                             np.where(never, np.datetime64("NaT"), later))
    targets = []
    for campaign, platform in ((c24, "sferum"), (c25, "max")):
        ready = _readiness(schools, rng, campaign.cutover)
        lead = _offset(rng.integers(0, 4, ns))
        targets.append(_school_level("staff", platform, short, ready - lead))
        targets.append(_school_level("school", platform, short, ready - lead // 2))
        for kind, spread, missing in (("class", 4, 0.015), ("parents", 6, 0.03)):
            created = ready[cls_school] + _offset(rng.integers(0, spread + 1, nc))
            rows = _class_level(kind, platform, short, classes, created)
            targets.append(rows[rng.random(nc) >= missing])
    target = pd.concat(targets, ignore_index=True)
    sferum = target["platform"].eq("sferum").to_numpy()
    u = rng.random(len(target))
    closed = np.where(u < 0.88, np.datetime64(c25.cutover) - _offset(rng.integers(0, 8, len(u))),
                      np.where(u < 0.96, np.datetime64(c25.cutover)
                               + _offset(rng.integers(1, 9, len(u))), np.datetime64("NaT")))
    target["closed"] = np.where(sferum, closed, np.datetime64("NaT"))
    chats = pd.concat([_department_chats(plan, campaigns), old, target], ignore_index=True)
    chats["class_name"] = pd.Series(classes["class_name"].to_numpy(dtype=object)[
        chats["klass"].clip(lower=0)]).where(chats["klass"].to_numpy() >= 0)
    telegram = chats["platform"].eq("telegram").to_numpy()
    ids = unique_ids(rng, len(chats), 2_000_000_000, 2_999_999_999)
    chats["chat_id"] = np.where(telegram, "-100" + ids.astype(str), ids)
    return chats


def _department_chats(plan: RegionPlan, campaigns: dict[str, Campaign]) -> pd.DataFrame:
    c24, c25 = campaigns["telegram_to_sferum_2024"], campaigns["sferum_to_max_2025"]
    titles = {"dept_directors": f"Директора школ {plan.short_name}",
              "dept_omsu": "Департамент – ОМСУ"}
    day = dt.timedelta
    rows = [
        ("dept_directors", "telegram", dt.date(2020, 3, 23), c24.cutover),
        ("dept_omsu", "telegram", dt.date(2021, 2, 8), c24.cutover),
        ("dept_directors", "sferum", c24.cutover - day(13), c25.cutover),
        ("dept_omsu", "sferum", c24.cutover - day(11), c25.cutover),
        ("dept_directors", "max", c25.cutover - day(52), None),
        ("dept_omsu", "max", c25.cutover - day(49), None),
    ]
    frame = pd.DataFrame(rows, columns=["chat_type", "platform", "created", "closed"])
    frame["title"] = frame["chat_type"].map(titles)
    for column in ("created", "closed"):
        frame[column] = pd.to_datetime(frame[column]).to_numpy(dtype="datetime64[D]")
    frame["school"], frame["klass"] = -1, -1
    return frame


def chats_at(chats: pd.DataFrame, at: dt.datetime) -> pd.DataFrame:
    """The chat registry as exported at ``at``: chats created by then, closing dates known by then."""
    day = np.datetime64(at.date())
    existing = chats[chats["created"].to_numpy() <= day].copy()
    closed = existing["closed"].to_numpy()
    existing["closed"] = np.where(closed <= day, closed, np.datetime64("NaT"))
    return existing


# --- chat members ----------------------------------------------------------------------------


def _people(plan: RegionPlan, schools: pd.DataFrame, pupils: pd.DataFrame,
            pupil_short: np.ndarray, parents: pd.DataFrame, rng: np.random.Generator
            ) -> pd.DataFrame:
    """Everyone who may be in the chats: department, ОМСУ, directors, teachers, pupils, parents."""
    ns = len(schools)
    towns = plan.municipalities
    omsu_per_town = np.where(towns["city"].to_numpy(), 2, 1 + (rng.random(len(towns)) < 0.4))
    teachers = schools["teachers"].to_numpy()
    teacher_school = np.repeat(np.arange(ns), teachers)
    rank = pd.Series(teacher_school).groupby(teacher_school).cumcount().to_numpy()
    first_class = np.concatenate([[0], np.cumsum(schools["classes"].to_numpy())[:-1]])
    klass = np.where(rank < schools["classes"].to_numpy()[teacher_school],
                     first_class[teacher_school] + rank, -1)
    adults = pd.concat([
        pd.DataFrame({"role": "department", "school": -1, "klass": -1, "town": -1,
                      "female": rng.random(26) < 0.7}),
        pd.DataFrame({"role": "omsu", "school": -1, "klass": -1,
                      "town": np.repeat(np.arange(len(towns)), omsu_per_town),
                      "female": rng.random(int(omsu_per_town.sum())) < 0.8}),
        pd.DataFrame({"role": "director", "school": np.arange(ns), "klass": -1, "town": -1,
                      "female": rng.random(ns) < 0.74}),
        pd.DataFrame({"role": "teacher", "school": teacher_school, "klass": klass, "town": -1,
                      "female": rng.random(len(rank)) < 0.86}),
    ], ignore_index=True)
    adults["name"] = full_names(rng, adults["female"].to_numpy())
    adults["ref"] = -1
    kids = pd.DataFrame({"role": "pupil", "school": pupils["school"].to_numpy(),
                         "klass": pupils["class"].to_numpy(), "town": -1,
                         "female": pupils["female"].to_numpy(),
                         "name": pupil_short,
                         "ref": np.arange(len(pupils))})
    grown = pd.DataFrame({"role": "parent", "school": -1, "klass": -1, "town": -1,
                          "female": parents["female"].to_numpy(),
                          "name": parents["name"].to_numpy(), "ref": np.arange(len(parents))})
    people = pd.concat([adults, kids, grown], ignore_index=True)
    people["role"] = people["role"].astype("category")
    people["name"] = people["name"].astype(object)
    return people


@dataclass(frozen=True)
class _Rates:
    """Shares of people who joined the target platform's chats and were seen in the last week."""

    teacher_joined: float
    pupil_joined_young: float  # grades 1–4
    pupil_joined: float
    parent_joined: float
    active: dict[str, float]


RATES_2024 = _Rates(0.94, 0.4, 0.82, 0.7, {"department": 0.97, "omsu": 0.86, "pupil": 0.5,
                                           "parent": 0.4, "director": 0.6, "teacher": 0.3})
RATES_2025 = _Rates(0.9, 0.35, 0.78, 0.64, {"department": 0.97, "omsu": 0.88, "pupil": 0.52,
                                            "parent": 0.44, "director": 0.7, "teacher": 0.6})


def _memberships(chats: pd.DataFrame, people: pd.DataFrame, links: pd.DataFrame,
                 pupils: pd.DataFrame, plan: RegionPlan, rates: _Rates, active: np.ndarray,
                 rng: np.random.Generator) -> pd.DataFrame:
    """(chat, person) pairs for the target platform's chats existing at an export."""
    role = people["role"].to_numpy()
    parts: list[pd.DataFrame] = []
    at_school = chats[chats["klass"] < 0]
    of_class = chats[chats["klass"] >= 0]

    def chat_of(frame: pd.DataFrame, chat_type: str, by: str) -> pd.Series:
        found = frame[frame["chat_type"] == chat_type]
        return pd.Series(found.index.to_numpy(), index=found[by].to_numpy())

    def add(chat_index: pd.Series, keys: np.ndarray, persons: np.ndarray) -> None:
        keep = np.isin(keys, chat_index.index)
        parts.append(pd.DataFrame({"chat": chat_index.reindex(keys[keep]).to_numpy(),
                                   "person": persons[keep]}))

    directors = np.flatnonzero(role == "director")
    omsu = np.flatnonzero(role == "omsu")
    department = np.flatnonzero(role == "department")
    first_omsu = people.iloc[omsu].drop_duplicates("town").index.to_numpy()
    for chat in chats.index[chats["chat_type"] == "dept_directors"]:
        joined = rng.choice(directors, int(round(0.988 * len(directors))), replace=False)
        persons = np.concatenate([np.sort(joined), first_omsu, department])
        parts.append(pd.DataFrame({"chat": chat, "person": persons}))
    for chat in chats.index[chats["chat_type"] == "dept_omsu"]:
        parts.append(pd.DataFrame({"chat": chat, "person": np.concatenate([omsu, department[:10]])}))
    teachers = np.flatnonzero(role == "teacher")
    joined = teachers[(rng.random(len(teachers)) < rates.teacher_joined) | active[teachers]]
    staff = np.concatenate([directors, joined])
    school_of = people["school"].to_numpy()
    for chat_type in ("staff", "school"):
        add(chat_of(at_school, chat_type, "school"), school_of[staff], staff)
    class_teacher = teachers[people["klass"].to_numpy()[teachers] >= 0]
    klass_of = people["klass"].to_numpy()
    for chat_type in ("class", "parents"):
        add(chat_of(of_class, chat_type, "klass"), klass_of[class_teacher], class_teacher)
    parent_person = np.flatnonzero(role == "parent")
    link_class = pupils["class"].to_numpy()[links["pupil"].to_numpy()]
    link_person = parent_person[links["parent"].to_numpy()]
    committee = pd.DataFrame({"klass": link_class, "person": link_person}).drop_duplicates("klass")
    add(chat_of(at_school, "school", "school"),
        pupils.groupby("class")["school"].first().reindex(committee["klass"]).to_numpy(),
        committee["person"].to_numpy())
    if not plan.load_mode:
        kids = np.flatnonzero(role == "pupil")
        young = pupils["grade"].to_numpy()[people["ref"].to_numpy()[kids]] <= 4
        rate = np.where(young, rates.pupil_joined_young, rates.pupil_joined)
        kids = kids[rng.random(len(kids)) < rate]
        add(chat_of(of_class, "class", "klass"), klass_of[kids], kids)
        keep = rng.random(len(links)) < rates.parent_joined
        add(chat_of(of_class, "parents", "klass"), link_class[keep], link_person[keep])
    return pd.concat(parts, ignore_index=True).drop_duplicates().reset_index(drop=True)


def _active(people: pd.DataFrame, rates: _Rates, rng: np.random.Generator,
            staff_active: pd.DataFrame | None) -> np.ndarray:
    """Who was seen in the last seven days; for 2024 the staff exactly as the activity counts."""
    role = people["role"].to_numpy()
    share = people["role"].map(rates.active).to_numpy(dtype=float)
    active = rng.random(len(people)) < share
    if staff_active is not None:
        school = people["school"].to_numpy()
        directors = np.flatnonzero(role == "director")
        active[directors] = staff_active["directors_active"].to_numpy()[school[directors]] > 0
        teachers = np.flatnonzero(role == "teacher")
        order = pd.Series(rng.random(len(teachers))).groupby(school[teachers]).rank(method="first")
        quota = staff_active["teachers_active"].to_numpy()[school[teachers]]
        active[teachers] = order.to_numpy() <= quota
    return active


def _members(chats: pd.DataFrame, people: pd.DataFrame, links: pd.DataFrame,
             pupils: pd.DataFrame, plan: RegionPlan, platform: str, at: dt.datetime,
             rates: _Rates, staff_active: pd.DataFrame | None, rng: np.random.Generator
             ) -> pd.DataFrame:
    """The member list of the platform's chats as exported at ``at``."""
    registry = chats_at(chats, at)
    mine = registry[(registry["platform"] == platform) & registry["closed"].isna()]
    active = _active(people, rates, rng, staff_active)
    pairs = _memberships(mine, people, links, pupils, plan, rates, active, rng)
    member_ids = unique_ids(rng, len(people), 100_000_000, 999_999_999)
    seen = _seen(rng, at, active)
    person = pairs["person"].to_numpy()
    return pd.DataFrame({
        "snapshot_date": pd.Timestamp(at.date()),
        "chat_id": chats["chat_id"].to_numpy()[pairs["chat"].to_numpy()],
        "member_id": member_ids[person],
        "member_name": people["name"].to_numpy()[person],
        "role": people["role"].to_numpy()[person],
        "last_seen": seen[person],
        "female": people["female"].to_numpy()[person],
        "chat": pairs["chat"].to_numpy(),
    })


def _seen(rng: np.random.Generator, at: dt.datetime, active: np.ndarray) -> np.ndarray:
    """Last-seen times: within the last 7 days for the active, 8–300 days ago or never for others."""
    n = len(active)
    recent = np.where(rng.random(n) < 0.35, rng.uniform(0, 240, n),
                      rng.uniform(240, (ACTIVE_DAYS * 24 - 1) * 60, n))
    old = rng.uniform((ACTIVE_DAYS + 1) * 1440, 300 * 1440, n)
    minutes = np.where(active, recent, old).astype(np.int64)
    stamps = (np.datetime64(at, "m") - minutes.astype("timedelta64[m]")).astype("datetime64[ns]")
    stamps[~active & (rng.random(n) < 0.05)] = np.datetime64("NaT")
    return stamps


def _readiness(schools: pd.DataFrame, rng: np.random.Generator, cutover: dt.date) -> np.ndarray:
    """The day each school moves its chats: around the cut-over, lagging municipalities later."""
    day = dt.timedelta
    ranges = [
        (cutover - day(92), cutover - day(21), 0.08),
        (cutover - day(15), cutover, 0.70),
        (cutover + day(1), cutover + day(6), 0.16),
        (cutover + day(7), cutover + day(35), 0.06),
    ]
    ready = _dates(rng, ranges, len(schools))
    late = schools["lagging"].to_numpy() * rng.integers(3, 12, len(schools))
    return ready + _offset(late)


# --- tasks -----------------------------------------------------------------------------------


def _done(rng: np.random.Generator, n: int, on_time: tuple[dt.date, dt.date],
          late: tuple[dt.date, dt.date], p_on_time: np.ndarray, p_late: float) -> np.ndarray:
    u = rng.random(n)
    first = _dates(rng, [(on_time[0], on_time[1], 1.0)], n)
    second = _dates(rng, [(late[0], late[1], 1.0)], n)
    return np.where(u < p_on_time, first,
                    np.where(u < p_on_time + p_late, second, np.datetime64("NaT")))


def _tasks(plan: RegionPlan, schools: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The task report of :data:`TASKS_AT`: a row per school and a row per ОМСУ."""
    _, tasks = load_tasks()
    n = len(schools)
    lagging = schools["lagging"].to_numpy()
    report = TASKS_AT.date()
    day = dt.timedelta

    def window(task: str, before: int) -> tuple[dt.date, dt.date]:
        return (tasks[task].deadline - day(before), tasks[task].deadline)

    def after(task: str) -> tuple[dt.date, dt.date]:
        return (tasks[task].deadline + day(1), report)

    adopted = _done(rng, n, window("regulation_adopted", 11), after("regulation_adopted"),
                    np.where(lagging, 0.45, 0.76), 0.15)
    posted = adopted + _offset(rng.integers(1, 13, n))
    posted = np.where((posted <= np.datetime64(report)) & (rng.random(n) >= 0.08), posted,
                      np.datetime64("NaT"))
    week = tasks["test_week"]
    frame = pd.DataFrame({
        "snapshot_date": pd.Timestamp(report),
        "oktmo": schools["oktmo"].to_numpy(),
        "municipality": schools["municipality"].to_numpy(),
        "school_id": schools["school_id"].to_numpy(),
        "school_name": schools["school_name"].to_numpy(),
        "test_week_held": rng.random(n) < np.where(lagging, 0.72, 0.95),
        "regulation_adopted": adopted,
        "regulation_posted": posted,
        "regulation_url": np.where(~np.isnat(posted),
                                   schools["site"] + "/netcat_files/docs/polozhenie_sferum.pdf",
                                   None),
        "parent_meeting": _done(rng, n, (week.start or report, tasks["parent_meeting"].deadline),
                                after("parent_meeting"), np.where(lagging, 0.6, 0.82), 0.05),
        "auth_info": _done(rng, n, window("auth_info", 27), after("auth_info"),
                           np.where(lagging, 0.66, 0.86), 0.04),
    })
    towns = plan.municipalities
    held = ~towns["lagging"].to_numpy() | (rng.random(len(towns)) < 0.5)
    municipal = pd.DataFrame({
        "snapshot_date": pd.Timestamp(report),
        "oktmo": towns["oktmo"].to_numpy(),
        "municipality": towns["name"].to_numpy(),
        "school_id": None, "school_name": None,
        "test_week_held": held,
        "auth_info": _done(rng, len(towns), window("auth_info", 28), after("auth_info"),
                           np.full(len(towns), 0.9), 0.05),
    })
    return pd.concat([frame, municipal], ignore_index=True)


# --- the whole region ------------------------------------------------------------------------


def build_region(plan: RegionPlan) -> RegionDemo:
    """Every school-level export of one region, deterministic for the plan."""
    rng = np.random.default_rng(plan.seed)
    campaigns = load_campaigns()
    schools = _schools(plan, rng)
    schools["short"] = _short_names(schools)
    classes = _class_table(schools)
    chats = _chats(plan, schools, classes, rng, campaigns)
    sferum_parents = chats[(chats["platform"] == "sferum") & (chats["chat_type"] == "parents")]
    activity, ends = _activity(schools, sferum_parents, rng, campaigns["telegram_to_sferum_2024"])
    pupils = _pupils(classes, rng)
    family = _families(pupils, schools, rng)
    parents, links, (pupil_names, pupil_short) = _parents(pupils, family, rng)
    gap = _gap_factor(schools, rng)
    pupil_registry, _ = _pupil_registry(pupils, pupil_names, schools, classes, gap, rng)
    parent_registry = _parent_registry(parents, links, pupils, pupil_names, schools, gap, rng,
                                       plan.load_mode)
    people = _people(plan, schools, pupils, pupil_short, parents, rng)
    members = pd.concat([
        _members(chats, people, links, pupils, plan, "sferum", CHATS_2024, RATES_2024, ends, rng),
        _members(chats, people, links, pupils, plan, "max", CHATS_2025, RATES_2025, None, rng),
    ], ignore_index=True)
    registries = []
    known = pd.Series(dtype="int64")  # members counted at an earlier export
    for at in (CHATS_2024, CHATS_2025):
        registry = chats_at(chats, at)
        counted = members[members["snapshot_date"] == pd.Timestamp(at.date())].groupby("chat").size()
        size = np.where(registry["klass"] >= 0,
                        classes["size"].to_numpy()[registry["klass"].clip(lower=0)] * 1.3,
                        schools["teachers"].to_numpy()[registry["school"].clip(lower=0)] * 0.9)
        guess = np.rint(size * rng.uniform(0.7, 1.1, len(registry))).astype(np.int64) + 1
        guess = np.where(registry["chat_type"] == "dept_directors", len(schools) + 57,
                         np.where(registry["chat_type"] == "dept_omsu", 52, guess))
        known = pd.concat([known, counted])
        registry["members"] = known.groupby(level=0).last().reindex(registry.index).fillna(
            pd.Series(guess, index=registry.index)).astype("int64")
        registry["snapshot_date"] = pd.Timestamp(at.date())
        registry["school_id"] = pd.Series(schools["school_id"].to_numpy()[
            registry["school"].clip(lower=0)], index=registry.index).where(registry["school"] >= 0)
        registries.append(registry)
    tasks = _tasks(plan, schools, rng)
    earlier = None
    if not plan.load_mode:  # every draw above is as before: the later exports do not change
        later = members[members["snapshot_date"] == pd.Timestamp(CHATS_2024.date())]
        chats_2024, members_2024 = _chats_before(
            chats, registries[0], later, schools, activity, CHATS_BEFORE, "sferum",
            np.random.default_rng([plan.seed, 2]))
        later = members[members["snapshot_date"] == pd.Timestamp(CHATS_2025.date())]
        chats_2025, members_2025 = _chats_before(
            chats, registries[1], later, schools, None, CHATS_2025_BEFORE, "max",
            np.random.default_rng([plan.seed, 4]))
        pupils_before, parents_before = _registries_before(
            pupil_registry, parent_registry, schools, gap, np.random.default_rng([plan.seed, 3]))
        earlier = EarlierExports(
            chats=chats_2024, members=members_2024,
            tasks=_tasks_before(tasks, np.random.default_rng([plan.seed, 1])),
            pupils=pupils_before, parents=parents_before,
            chats_max=chats_2025, members_max=members_2025)
    return RegionDemo(
        plan=plan, schools=schools, classes=classes, activity=activity,
        chats=pd.concat(registries, ignore_index=True), members=members.drop(columns="chat"),
        tasks=tasks, pupils=pupil_registry, parents=parent_registry, earlier=earlier,
    )


# --- the exports of a week earlier -----------------------------------------------------------


def _tasks_before(tasks: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The task report of :data:`TASKS_BEFORE`: what the later report dates after it is not done
    yet, and a few tasks done earlier were only reported later (the test week too)."""
    day = pd.Timestamp(TASKS_BEFORE.date())
    out = tasks.copy()
    out["snapshot_date"] = day
    for column in ("regulation_adopted", "regulation_posted", "parent_meeting", "auth_info"):
        dates = pd.to_datetime(out[column])
        unreported = rng.random(len(out)) < 0.03
        out[column] = dates.where((dates <= day) & ~unreported)
    out["regulation_url"] = out["regulation_url"].where(out["regulation_posted"].notna(), None)
    school = out["school_id"].notna().to_numpy()
    late = rng.random(len(out)) < np.where(school, 0.05, 0.15)  # the test week reported later
    out["test_week_held"] = out["test_week_held"].astype(bool) & ~late
    return out


def _registries_before(pupils: pd.DataFrame, parents: pd.DataFrame, schools: pd.DataFrame,
                       gap: np.ndarray, rng: np.random.Generator
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """«Ученики» and «Реестр родителей» of :data:`REGISTRY_BEFORE`: the same records, with
    fewer children's accounts, parents' logins and confirmed Госуслуги accounts — most in the
    schools that pushed hardest that week (the best-kept registries among them)."""
    day = pd.Timestamp(REGISTRY_BEFORE.date())
    ids = schools["school_id"].astype(str).to_numpy()
    push = rng.beta(2.0, 4.0, len(ids)) + 0.35 * (gap <= np.quantile(gap, 0.15))
    push = pd.Series(np.clip(push, 0, 1), index=ids)
    earlier = pupils.copy()
    earlier["snapshot_date"] = day
    p = push.reindex(earlier["school_id"].astype(str).to_numpy()).fillna(0.3).to_numpy()
    account = earlier["child_account"].to_numpy(dtype=object).copy()
    u = rng.random(len(earlier))
    back = u < 0.2 * p  # one step back: linked → created (under 14) or none; created → none
    under_14 = ((day - pd.to_datetime(earlier["birth_date"])).dt.days / 365.25 < 14).to_numpy()
    account = np.where(back & (account == "created"), "none", account)
    account = np.where(back & (account == "linked"), np.where(under_14, "created", "none"), account)
    earlier["child_account"] = account
    before = parents.copy()
    before["snapshot_date"] = day
    first_school = before["children_schools"].str.split(",").str[0].str.strip()
    q = push.reindex(first_school.to_numpy()).fillna(0.3).to_numpy()
    confirmed = before["esia_confirmed"].to_numpy(dtype=bool)
    before["esia_confirmed"] = confirmed & ~(rng.random(len(before)) < 0.2 * q)
    no_login = rng.random(len(before)) < 0.04 * q
    before["login"] = before["login"].where(~no_login, None)
    return earlier, before


def _chats_before(chats: pd.DataFrame, registry: pd.DataFrame, later: pd.DataFrame,
                  schools: pd.DataFrame, activity: pd.DataFrame | None, at: dt.datetime,
                  platform: str, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chat registry and member list exported at ``at`` from the next ones (``registry``,
    and ``later``, the member list of the ``platform``'s chats with its ``chat`` index column).

    Chats created later are not there, chats closed later are open; members of the Сферум chats
    are the later ones who had joined by then (people join a chat some days after it is
    created); a «last seen» after the export is replaced by an earlier one. In a school with a
    staff chat, the directors and teachers seen in the seven days before the export are exactly
    the ``activity`` snapshot's active ones of that week, as in the later export (when given).
    """
    stamp = np.datetime64(at, "m").astype("datetime64[ns]")
    week = stamp - np.timedelta64(ACTIVE_DAYS, "D")
    now = chats_at(chats, at)
    open_target = now[(now["platform"] == platform) & now["closed"].isna()]
    rows = later[later["chat"].isin(open_target.index)].reset_index(drop=True)
    chat = rows["chat"].to_numpy()
    role = rows["role"].astype(str).to_numpy()
    kind = chats["chat_type"].to_numpy()[chat]
    age = (np.datetime64(at.date()) - chats["created"].to_numpy()[chat].astype("datetime64[D]")
           ).astype(int)
    scale = pd.Series({"department": 0.1, "omsu": 1.5, "director": 0.1, "teacher": 2.0,
                       "pupil": 4.0, "parent": 5.0})
    delay = np.floor(rng.exponential(scale.reindex(role).to_numpy()))
    present = delay <= age
    present |= (role == "teacher") & np.isin(kind, ["class", "parents"])  # the class teacher's
    lagging = schools["lagging"].to_numpy()
    member = rows["member_id"].to_numpy(dtype=object)
    person_school = pd.Series(chats["school"].to_numpy()[chat]).groupby(member).transform(
        "max").to_numpy()
    slow = np.where(person_school >= 0, lagging[np.maximum(person_school, 0)], False)
    in_dept = np.isin(kind, ["dept_directors", "dept_omsu"])
    joined = rng.random(len(rows)) < np.where(role == "department", 1.0,
                                              np.where(age > 30, 0.97, np.where(slow, 0.6, 0.85)))
    present = np.where(in_dept, joined, present)

    # «last seen» per person: kept when it is before the export, else drawn again
    first = ~pd.Series(member).duplicated().to_numpy()
    people = rows.loc[first, ["member_id", "role", "last_seen"]].reset_index(drop=True)
    row_person = pd.Series(np.arange(len(people)), index=member[first]).reindex(member).to_numpy()
    seen = people["last_seen"].to_numpy(dtype="datetime64[ns]")
    after = ~np.isnat(seen) & (seen > stamp)  # seen since: free to be active or not then
    forced = ~np.isnat(seen) & (seen > week) & (seen <= stamp)  # seen in the week before it
    rate = pd.Series({"department": 0.95, "omsu": 0.8, "pupil": 0.75, "parent": 0.7,
                      "director": 0.8, "teacher": 0.8})
    active = forced | (after & (rng.random(len(people)) < rate.reindex(
        people["role"].astype(str).to_numpy()).to_numpy()))
    # staff of the schools with a staff chat: exactly the activity snapshot of that week
    if activity is None:
        staff_chat = pd.Series(dtype="int64")
        snapshot = pd.DataFrame()
    else:
        snapshot = activity[activity["snapshot_date"] == pd.Timestamp(at.date())].set_index(
            "school_id")
        staff_chat = pd.Series(open_target.index[open_target["chat_type"] == "staff"],
                               index=open_target.loc[open_target["chat_type"] == "staff", "school"])
    rows_of = rows.groupby("chat").indices
    for school, chat_index in staff_chat.items():
        in_chat = rows_of.get(chat_index, np.array([], dtype=np.int64))
        figures = snapshot.loc[schools["school_id"].iat[int(school)]]
        for who, column in (("director", "directors_active"), ("teacher", "teachers_active")):
            mine = in_chat[role[in_chat] == who]
            person = row_person[mine]
            quota = int(figures[column])
            counted = mine[forced[person] & present[mine]]
            if len(counted) > quota:  # seen, but not in the chat yet
                present[counted[quota:]] = False
                quota = 0
            else:
                quota -= len(counted)
            free = np.flatnonzero(after[person])
            pick = rng.permutation(free)[:quota]
            active[person[free]] = False
            active[person[pick]] = True
            present[mine[pick]] = True
    minutes = np.where(rng.random(len(people)) < 0.35, rng.uniform(0, 240, len(people)),
                       rng.uniform(240, (ACTIVE_DAYS * 24 - 1) * 60, len(people)))
    old = rng.uniform((ACTIVE_DAYS + 1) * 1440, 300 * 1440, len(people))
    drawn = stamp - np.where(active, minutes, old).astype(np.int64).astype("timedelta64[m]")
    drawn[~active & (rng.random(len(people)) < 0.05)] = np.datetime64("NaT")
    seen = np.where(after, drawn, seen)
    members = rows.assign(snapshot_date=pd.Timestamp(at.date()), last_seen=seen[row_person])
    members = members[present].reset_index(drop=True)

    before = registry.loc[registry.index.isin(now.index)].copy()  # the chats that existed
    before["closed"] = now.loc[before.index, "closed"]
    counted = members.groupby("chat").size()
    target = before.index.isin(open_target.index)
    left = (before["closed"].isna() & (before["platform"] != platform)).to_numpy()
    extra = rng.integers(0, 4, len(before)) * left  # people left the old chats that week
    before["members"] = np.where(target, counted.reindex(before.index).fillna(0).to_numpy(),
                                 before["members"].to_numpy() + extra).astype("int64")
    before["snapshot_date"] = pd.Timestamp(at.date())
    return before, members.drop(columns="chat")
