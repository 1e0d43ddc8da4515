"""Declared forms: the one place where Russian headers map to canonical column names.

A form lists its columns with the header as the form prints it, the accepted variants, the
kind of value and the rules beyond the kind. Reading, cleaning, validation and error messages
are driven by these declarations (see ``reading.py``, ``cleaning.py``, ``validation.py``), so a
new export format is a new ``Form``, not new code.

Forms: the federal monitoring (:data:`FEDERAL`, files under ``DATA_DIR/federal``) and the
school-level exports of a region (:data:`REGIONAL_FORMS`, files under
``DATA_DIR/regions/<code>``, each sheet's form recognised from its headers).

A column marked ``personal`` never reaches the warehouse as it is: ingestion keeps only what the
indicators need (see :mod:`helpers.ingestion.privacy`):

- ``"pseudonym"`` — an identifier replaced by a keyed hash (lists: every element);
- ``"flags"`` — dropped; ``<name>_present`` is kept, and for a SNILS also ``<name>_valid``;
- ``"age"`` — a birth date dropped; ``age`` (whole years at the snapshot date) is kept;
- ``"drop"`` — dropped (names).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

ValueKind = Literal[
    "region_code", "text", "count", "flag", "date", "done_date", "datetime", "id", "id_list",
    "oktmo", "snils", "last_seen", "choice", "class_name", "url",
]
Personal = Literal["", "drop", "pseudonym", "flags", "age"]

EARLIEST_DATE = dt.date(2020, 1, 1)  # the default lower bound of a date (snapshots, tasks)
BLANK = "<пусто>"  # in ``required_if``: "when the other column is empty"
FILLED = "<заполнено>"  # in ``required_if``: "when the other column is filled in"


@dataclass(frozen=True)
class Choices:
    """An enumeration: canonical codes (stored) and the words exports use for each.

    The first word of each code is its Russian label, as briefings print it.
    """

    variants: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.variants)

    @property
    def labels(self) -> dict[str, str]:
        return {code: words[0] for code, words in self.variants}

    def label(self, code: str) -> str:
        return self.labels[code]


@dataclass(frozen=True)
class Column:
    """One column of a form: canonical name, the header users see, and its rules."""

    name: str
    header: str
    kind: ValueKind
    aliases: tuple[str, ...] = ()
    required: bool = True  # the column must be in the file
    nullable: bool = False  # its cells may be empty
    not_above: str | None = None  # canonical name of a column this count must not exceed
    not_before: str | None = None  # canonical name of a date this date must not precede
    names_of: str | None = None  # a name column checked against the reference name of this code
    refers_to: str | None = None  # values must be known ids of this kind (context.known)
    required_if: tuple[str, tuple[str, ...]] | None = None  # (column, values/BLANK/FILLED)
    aligned_with: str | None = None  # id_list: one element per element of that list (or just one)
    earliest: dt.date = EARLIEST_DATE  # dates: the first plausible one
    choices: Choices | None = None  # kind "choice": accepted words
    personal: Personal = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Form:
    """An export format: its columns, key, and where its snapshot date may be found."""

    name: str
    title: str  # Russian, as users call the form
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str | None = None  # canonical name of an optional per-row date column
    totals_labels: tuple[str, ...] = ("итого", "всего")
    totals_columns: tuple[str, ...] = field(default=())  # counts a totals row is checked on
    any_of: tuple[tuple[str, ...], ...] = ()  # groups of columns of which at least one must exist

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def count_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind == "count")

    @property
    def personal_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.personal)

    def is_personal(self, name: str) -> bool:
        """Whether the column ``name`` holds a person's data (its values are never shown)."""
        return any(c.name == name and c.personal for c in self.columns)


SNAPSHOT_DATE = Column("snapshot_date", "Дата среза", "date", aliases=("Дата выгрузки",),
                       required=False)

FEDERAL = Form(
    name="federal",
    title="Федеральный мониторинг «Сферум»",
    columns=(
        Column("region_code", "Код субъекта", "region_code", aliases=("Код региона", "Код")),
        Column(
            "region_name",
            "Субъект Российской Федерации",
            "text",
            aliases=("Субъект РФ", "Наименование субъекта", "Регион"),
            names_of="region_code",
        ),
        Column("directors_total", "Руководителей ОО, всего", "count"),
        Column(
            "directors_active",
            "Руководителей ОО, активных в чатах",
            "count",
            not_above="directors_total",
        ),
        Column("teachers_total", "Педагогических работников, всего", "count"),
        Column(
            "teachers_active",
            "Педагогических работников, активных в чатах",
            "count",
            not_above="teachers_total",
        ),
        Column("class_teachers_total", "Классных руководителей, всего", "count"),
        Column(
            "class_teachers_parent_chat",
            "Классных руководителей, создавших чат с родителями",
            "count",
            not_above="class_teachers_total",
        ),
        Column("pupils_total", "Обучающихся, всего", "count"),
        Column(
            "teachers_linked",
            "Педагогов, связавших учётные записи ЭЖД и Сферум",
            "count",
            not_above="teachers_total",
        ),
        Column(
            "pupils_linked",
            "Обучающихся, связавших учётные записи ЭЖД и Сферум",
            "count",
            not_above="pupils_total",
        ),
        Column(
            "teachers_esia",
            "Педагогов, привязавших учётную запись к ЕСИА",
            "count",
            not_above="teachers_total",
        ),
        Column("integration_done", "Базовая интеграция ЭЖД со Сферумом завершена", "flag"),
        SNAPSHOT_DATE,
    ),
    key=("snapshot_date", "region_code"),
    date_column="snapshot_date",
)

# --- enumerations of the regional exports ----------------------------------------------------

CHAT_TYPES = Choices((
    ("school", ("общешкольный", "общешкольный чат", "чат школы", "школьный")),
    ("staff", ("сотрудников", "чат сотрудников", "педагогов", "учителей", "педагогический")),
    ("class", ("класса", "чат класса", "классный", "ученический")),
    ("parents", ("родителей класса", "чат родителей класса", "родителей", "чат родителей",
                 "родительский")),
    ("dept_omsu", ("департамент–ОМСУ", "департамент↔ОМСУ", "департамент и ОМСУ", "с ОМСУ")),
    ("dept_directors", ("департамент–директора", "департамент↔директора",
                        "департамент и директора", "с директорами", "директоров школ")),
))
SCHOOL_CHAT_TYPES = ("school", "staff", "class", "parents")
CLASS_CHAT_TYPES = ("class", "parents")

PLATFORMS = Choices((
    ("telegram", ("Telegram", "Телеграм", "Телеграмм", "TG")),
    ("whatsapp", ("WhatsApp", "Ватсап", "Вотсап", "Вацап", "WA")),
    ("viber", ("Viber", "Вайбер")),
    ("sferum", ("Сферум", "ИКОП «Сферум»", "ИКОП Сферум", "Сферум (VK Мессенджер)",
                "Сферум в VK Мессенджере", "VK Мессенджер", "ВК Мессенджер", "VK Messenger")),
    ("max", ("MAX", "Макс", "Сферум (MAX)", "Сферум в MAX", "Сферум в Максе", "Мессенджер MAX")),
))

ROLES = Choices((
    ("director", ("директор", "руководитель", "руководитель ОО", "директор школы")),
    ("teacher", ("педагог", "учитель", "классный руководитель", "педагогический работник")),
    ("pupil", ("обучающийся", "ученик", "учащийся")),
    ("parent", ("родитель", "законный представитель", "родитель (законный представитель)")),
    ("omsu", ("сотрудник ОМСУ", "специалист ОМСУ", "ОМСУ", "муниципальный координатор")),
    ("department", ("сотрудник департамента", "специалист департамента", "департамент")),
))

CHILD_ACCOUNT = Choices((
    ("none", ("не создана", "нет", "отсутствует", "-", "не привязана")),
    ("created", ("создана", "есть", "да", "+", "создана, не привязана")),
    ("linked", ("привязана к ЭЖД", "привязана", "связана с ЭЖД", "подтверждена и привязана")),
))

# --- columns shared by several regional forms (one declaration each) --------------------------

SCHOOL_ID = Column("school_id", "Код ОО", "id",
                   aliases=("Идентификатор ОО", "ID ОО", "Код организации", "Код школы"),
                   refers_to="school")
SCHOOL_NAME = Column("school_name", "Наименование ОО",
                     "text", aliases=("Образовательная организация", "Наименование организации"))
OKTMO = Column("oktmo", "ОКТМО", "oktmo", aliases=("Код ОКТМО", "ОКТМО муниципального образования"),
               refers_to="oktmo")
MUNICIPALITY = Column("municipality", "Муниципальное образование", "text",
                      aliases=("Муниципальный район (округ)", "Муниципалитет", "ОМСУ"),
                      names_of="oktmo")
CLASS_NAME = Column("class_name", "Класс", "class_name", aliases=("Класс (параллель и литера)",))
CHAT_ID = Column("chat_id", "Идентификатор чата", "id", aliases=("ID чата", "Код чата"))
SNILS = Column("snils", "СНИЛС", "snils", aliases=("СНИЛС ученика", "СНИЛС родителя"),
               nullable=True, personal="flags")

SCHOOLS = Form(
    name="schools",
    title="Реестр общеобразовательных организаций",
    columns=(
        replace(SCHOOL_ID, refers_to=None),
        SCHOOL_NAME,
        OKTMO,
        MUNICIPALITY,
        Column("kind", "Вид ОО", "text", aliases=("Тип ОО", "Тип организации")),
        Column("classes", "Количество классов", "count",
               aliases=("Число классов", "Классов-комплектов")),
        Column("pupils", "Количество обучающихся", "count",
               aliases=("Численность обучающихся", "Число обучающихся")),
    ),
    key=("school_id",),
)

SCHOOL_ACTIVITY = Form(
    name="school_activity",
    title="Мониторинг «Сферум» по школам",
    columns=(
        SCHOOL_ID,
        replace(SCHOOL_NAME, required=False, nullable=True),
        *(c for c in FEDERAL.columns if c.kind == "count"),
        SNAPSHOT_DATE,
    ),
    key=("snapshot_date", "school_id"),
    date_column="snapshot_date",
)

CHATS = Form(
    name="chats",
    title="Реестр чатов",
    columns=(
        replace(CHAT_ID, refers_to=None),
        Column("title", "Название чата", "text", aliases=("Наименование чата",)),
        Column("chat_type", "Тип чата", "choice", aliases=("Вид чата",), choices=CHAT_TYPES),
        replace(SCHOOL_ID, nullable=True, required_if=("chat_type", SCHOOL_CHAT_TYPES)),
        replace(CLASS_NAME, nullable=True, required_if=("chat_type", CLASS_CHAT_TYPES)),
        Column("platform", "Платформа", "choice", aliases=("Мессенджер", "Площадка"),
               choices=PLATFORMS),
        Column("created", "Дата создания", "date", aliases=("Создан", "Дата создания чата"),
               earliest=dt.date(2010, 1, 1)),
        Column("closed", "Дата закрытия", "date", aliases=("Закрыт", "Дата закрытия чата"),
               nullable=True, not_before="created", earliest=dt.date(2010, 1, 1)),
        Column("members", "Участников", "count",
               aliases=("Количество участников", "Число участников")),
        SNAPSHOT_DATE,
    ),
    key=("snapshot_date", "chat_id"),
    date_column="snapshot_date",
)

CHAT_MEMBERS = Form(
    name="chat_members",
    title="Участники чатов",
    columns=(
        replace(CHAT_ID, refers_to="chat"),
        Column("member_id", "Идентификатор участника", "id",
               aliases=("ID участника", "ID пользователя"), personal="pseudonym"),
        Column("member_name", "Участник", "text", aliases=("ФИО участника", "Имя участника"),
               personal="drop", required=False, nullable=True),
        Column("role", "Роль", "choice", aliases=("Роль участника",), choices=ROLES),
        Column("last_seen", "Последний визит", "last_seen",
               aliases=("Был(а) в сети", "Заходил(а)", "Последняя активность"), nullable=True),
        # the moment of the export: a column, else the title row's or the file name's time
        Column("exported_at", "Время выгрузки", "datetime",
               aliases=("Дата и время выгрузки", "Выгружено"), required=False, nullable=True),
        SNAPSHOT_DATE,
    ),
    key=("snapshot_date", "chat_id", "member_id"),
    date_column="snapshot_date",
)

TASKS = Form(
    name="tasks",
    title="Выполнение задач ОМСУ и школ",
    columns=(
        replace(OKTMO, required_if=("school_id", (BLANK,)), required=False, nullable=True),
        replace(MUNICIPALITY, required=False, nullable=True),
        replace(SCHOOL_ID, required=False, nullable=True),
        replace(SCHOOL_NAME, required=False, nullable=True),
        Column("test_week_held", "Неделя тестовой эксплуатации проведена", "flag",
               aliases=("Тестовая неделя проведена",), required=False, nullable=True),
        Column("regulation_adopted", "Дата принятия положения", "done_date",
               aliases=("Положение принято", "Положение об использовании ИКОП «Сферум» принято"),
               required=False, nullable=True),
        Column("regulation_posted", "Дата размещения положения на сайте", "done_date",
               aliases=("Положение размещено на сайте", "Положение размещено на сайте школы"),
               required=False, nullable=True),
        Column("regulation_url", "Ссылка на положение", "url",
               aliases=("Адрес страницы с положением", "URL положения"), required=False, nullable=True),
        Column("parent_meeting", "Дата родительского собрания", "done_date",
               aliases=("Родительское собрание проведено",), required=False, nullable=True),
        Column("auth_info", "Дата доведения информации об авторизации в ЭЖД", "done_date",
               aliases=("Информация об авторизации в ЭЖД доведена",
                        "Информация по авторизации доведена"), required=False, nullable=True),
        SNAPSHOT_DATE,
    ),
    key=("snapshot_date", "oktmo", "school_id"),
    date_column="snapshot_date",
    # any subset of the task columns, at least one
    any_of=(("school_id", "oktmo"), ("test_week_held", "regulation_adopted", "regulation_posted",
                                     "regulation_url", "parent_meeting", "auth_info")),
)

PUPILS = Form(
    name="pupils",
    title="Реестр «Ученики» ЭЖД",
    columns=(
        Column("pupil_id", "Идентификатор ученика", "id", aliases=("ID ученика", "Код ученика"),
               personal="pseudonym"),
        Column("pupil_name", "ФИО ученика", "text", aliases=("Ф.И.О. ученика", "Ученик"),
               personal="drop", required=False, nullable=True),
        SCHOOL_ID,
        CLASS_NAME,
        Column("birth_date", "Дата рождения", "date", aliases=("Дата рождения ученика",),
               nullable=True, earliest=dt.date(1950, 1, 1), personal="age"),
        SNILS,
        Column("child_account", "Учётная запись ребёнка на Госуслугах", "choice",
               aliases=("Учётная запись на Госуслугах", "УЗ ЕСИА ребёнка"),
               choices=CHILD_ACCOUNT, nullable=True),
        SNAPSHOT_DATE,
    ),
    key=("snapshot_date", "pupil_id"),
    date_column="snapshot_date",
)

PARENTS = Form(
    name="parents",
    title="Реестр родителей ЭЖД",
    columns=(
        Column("parent_id", "Идентификатор родителя", "id", aliases=("ID родителя", "Код родителя"),
               personal="pseudonym"),
        Column("parent_name", "ФИО родителя", "text", aliases=("Ф.И.О. родителя", "Родитель"),
               personal="drop"),
        SNILS,
        Column("login", "Логин", "text", aliases=("Логин в ЭЖД", "Логин родителя"),
               nullable=True, personal="flags"),
        Column("children", "Идентификаторы детей", "id_list",
               aliases=("ID детей", "Идентификаторы учеников"), nullable=True, personal="pseudonym"),
        Column("children_names", "Дети", "text", aliases=("ФИО детей",), personal="drop",
               required=False, nullable=True),
        Column("children_schools", "Коды ОО детей", "id_list",
               aliases=("Коды организаций детей",), nullable=True, refers_to="school",
               required_if=("children", (FILLED,)), aligned_with="children"),
        Column("esia_confirmed", "Учётная запись на Госуслугах подтверждена", "flag",
               aliases=("Подтверждённая учётная запись Госуслуг",), nullable=True),
        SNAPSHOT_DATE,
    ),
    key=("snapshot_date", "parent_id"),
    date_column="snapshot_date",
)

REGIONAL_FORMS: tuple[Form, ...] = (
    SCHOOLS, SCHOOL_ACTIVITY, CHATS, CHAT_MEMBERS, TASKS, PUPILS, PARENTS,
)
FORMS: dict[str, Form] = {form.name: form for form in (FEDERAL, *REGIONAL_FORMS)}
