"""The template contract of SPEC §4: table names, headers and closed lists.

Table names and column headers are a contract with the departments, other tools and the
tests. Every stage that reads or writes a template takes them from here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

TEMPLATE_SHEETS_FIRST = "Instruktioner"


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]
    key: str  # the column that identifies a row
    # A unit adds rows of its own (new risks): rows typed just below the table are its own.
    takes_new_rows: bool = False

    def __post_init__(self) -> None:
        assert self.key in self.columns


INFO = TableSpec("Info", ("Fält", "Värde"), key="Fält")
INDICATORS = TableSpec(
    "Indikatorer",
    ("Indikator-ID", "Indikator", "Enhet", "Mål period", "Årsmål", "Utfall", "Prognos helår",
     "Kommentar"),
    key="Indikator-ID",
)
ECONOMY = TableSpec(
    "Ekonomi",
    ("Rad-ID", "Rad", "Utfall ack", "Budget ack", "Årsbudget", "Prognos helår", "Kommentar"),
    key="Rad-ID",
)
ACTIVITIES = TableSpec(
    "Aktiviteter",
    ("Aktivitet-ID", "Mål", "Aktivitet", "Status", "Slutdatum", "Kommentar"),
    key="Aktivitet-ID",
)
ASSIGNMENTS = TableSpec(
    "Uppdrag", ("Uppdrag-ID", "Uppdrag", "Status", "Slutdatum", "Kommentar"), key="Uppdrag-ID"
)
PROJECTS = TableSpec(
    "Projekt",
    ("Projekt-ID", "Portfölj", "Projekt", "Tid", "Kostnad", "Resultat", "Orsak", "Åtgärd"),
    key="Projekt-ID",
)
RISKS = TableSpec(
    "Risker",
    ("Risk-ID", "Riskområde", "Risk", "Sannolikhet", "Konsekvens", "Åtgärd", "Ansvarig"),
    key="Risk-ID", takes_new_rows=True,
)
COMMENTS = TableSpec("Kommentarer", ("Avsnitt", "Text"), key="Avsnitt")

TABLES: tuple[TableSpec, ...] = (
    INFO, INDICATORS, ECONOMY, ACTIVITIES, ASSIGNMENTS, PROJECTS, RISKS, COMMENTS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}

# Rows of the Info table, in order.
INFO_VERSION = "Mallversion"
INFO_PERIOD = "Period"
INFO_UNIT_ID = "Enhet-ID"
INFO_UNIT = "Enhet"
INFO_REPORTER = "Uppgiftslämnare"
INFO_EMAIL = "E-post"
INFO_FIELDS = (INFO_VERSION, INFO_PERIOD, INFO_UNIT_ID, INFO_UNIT, INFO_REPORTER, INFO_EMAIL)

# Economy rows (Rad-ID) and the two result frames.
RESULT_ADMIN = "resultat.forvaltning"
RESULT_DEVELOPMENT = "resultat.utveckling"
RESULT_ROWS = (RESULT_ADMIN, RESULT_DEVELOPMENT)
COST_ROWS = (
    "kostnad.totalt", "kostnad.personal", "kostnad.konsult", "kostnad.it",
    "kostnad.utvecklingsprojekt",
)
ECONOMY_ROWS = RESULT_ROWS + COST_ROWS

# Closed lists.
WORK_STATUSES = ("Ej påbörjad", "Pågående", "Klar", "Försenad", "Avbruten")
WORK_NOT_STARTED, WORK_ONGOING, WORK_DONE, WORK_DELAYED, WORK_CANCELLED = WORK_STATUSES
PROJECT_STATUSES = ("Grön", "Gul", "Röd")
PROJECT_GREEN, PROJECT_YELLOW, PROJECT_RED = PROJECT_STATUSES
SCALE_1_4 = (1, 2, 3, 4)
# The city's status scale for indicators (SPEC §5).
INDICATOR_STATUSES = ("Grön", "Gul", "Röd", "Lila", "Ej mätt")

COMMENT_SECTIONS = (
    "Sammanfattning", "Kund och ägare", "Medarbetare", "Process", "Ekonomi – utfall",
    "Ekonomi – prognos", "Hållbarhet", "Portfölj",
)
# The sections the board report places outside the areas' own (an area's text is the
# section named as the area).
SECTION_SUMMARY = "Sammanfattning"
SECTION_ECONOMY_OUTCOME = "Ekonomi – utfall"
SECTION_ECONOMY_FORECAST = "Ekonomi – prognos"
SECTION_PORTFOLIO = "Portfölj"

# Which columns a unit fills in; everything else is pre-filled and locked.
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "Info": ("Värde",),  # only the reporter rows; see INFO_INPUT_FIELDS
    "Indikatorer": ("Utfall", "Prognos helår", "Kommentar"),
    "Ekonomi": ("Utfall ack", "Budget ack", "Årsbudget", "Prognos helår", "Kommentar"),
    "Aktiviteter": ("Status", "Slutdatum", "Kommentar"),
    "Uppdrag": ("Status", "Slutdatum", "Kommentar"),
    "Projekt": ("Tid", "Kostnad", "Resultat", "Orsak", "Åtgärd"),
    "Risker": ("Sannolikhet", "Konsekvens", "Åtgärd", "Ansvarig"),
    "Kommentarer": ("Text",),
}
INFO_INPUT_FIELDS = (INFO_REPORTER, INFO_EMAIL)
# Columns of prose a unit writes: where a link in such a cell leads is kept with its text.
PROSE_COLUMNS = ("Kommentar", "Orsak", "Åtgärd", "Risk", "Text")
# Columns that are input on the rows a unit adds itself (new risks).
NEW_RISK_COLUMNS = ("Riskområde", "Risk", "Sannolikhet", "Konsekvens", "Åtgärd", "Ansvarig")
# A unit's n-th new risk (a Risker row without Risk-ID) goes by "ny-n" until the master
# gives it an ID: in validation, the store, the feedback workbook and the next template.
NEW_RISK_PREFIX = "ny-"


def new_risk_key(n: int) -> str:
    return f"{NEW_RISK_PREFIX}{n}"


def new_risk_number(key: str) -> int:
    """n of a new risk's key "ny-n"."""
    return int(key[len(NEW_RISK_PREFIX):])

# A unit's state for a period, as the master's Inlämningar and `intraxl status` show it:
# karantän when only quarantined e-mail attachments came from it.
UnitState = Literal["godkänd", "avvisad", "karantän", "saknas"]
UNIT_STATES: tuple[str, ...] = get_args(UnitState)
