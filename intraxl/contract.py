"""The template contract of SPEC §4: table names, headers and closed lists.

Table names and column headers are a contract with the departments, other tools and the
tests. Every stage that reads or writes a template takes them from here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

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


# Column headers: a name used by more than one table is one constant.
FIELD, VALUE = "Fält", "Värde"  # Info
INDICATOR_ID, INDICATOR, MEASURE = "Indikator-ID", "Indikator", "Enhet"
PERIOD_TARGET, ANNUAL_TARGET, OUTCOME = "Mål period", "Årsmål", "Utfall"
FORECAST, COMMENT = "Prognos helår", "Kommentar"
ROW_ID, ROW, OUTCOME_YTD, BUDGET_YTD = "Rad-ID", "Rad", "Utfall ack", "Budget ack"
ANNUAL_BUDGET = "Årsbudget"
ACTIVITY_ID, GOAL, ACTIVITY = "Aktivitet-ID", "Mål", "Aktivitet"
STATUS, END_DATE = "Status", "Slutdatum"
ASSIGNMENT_ID, ASSIGNMENT = "Uppdrag-ID", "Uppdrag"
PROJECT_ID, PORTFOLIO, PROJECT = "Projekt-ID", "Portfölj", "Projekt"
TIME, COST, RESULT, CAUSE, ACTION = "Tid", "Kostnad", "Resultat", "Orsak", "Åtgärd"
RISK_ID, RISK_AREA, RISK = "Risk-ID", "Riskområde", "Risk"
PROBABILITY, CONSEQUENCE, OWNER = "Sannolikhet", "Konsekvens", "Ansvarig"
SECTION, TEXT = "Avsnitt", "Text"

INFO = TableSpec("Info", (FIELD, VALUE), key=FIELD)
INDICATORS = TableSpec(
    "Indikatorer",
    (INDICATOR_ID, INDICATOR, MEASURE, PERIOD_TARGET, ANNUAL_TARGET, OUTCOME, FORECAST,
     COMMENT),
    key=INDICATOR_ID,
)
ECONOMY = TableSpec(
    "Ekonomi",
    (ROW_ID, ROW, OUTCOME_YTD, BUDGET_YTD, ANNUAL_BUDGET, FORECAST, COMMENT),
    key=ROW_ID,
)
ACTIVITIES = TableSpec(
    "Aktiviteter", (ACTIVITY_ID, GOAL, ACTIVITY, STATUS, END_DATE, COMMENT), key=ACTIVITY_ID,
)
ASSIGNMENTS = TableSpec(
    "Uppdrag", (ASSIGNMENT_ID, ASSIGNMENT, STATUS, END_DATE, COMMENT), key=ASSIGNMENT_ID
)
PROJECTS = TableSpec(
    "Projekt",
    (PROJECT_ID, PORTFOLIO, PROJECT, TIME, COST, RESULT, CAUSE, ACTION),
    key=PROJECT_ID,
)
RISKS = TableSpec(
    "Risker",
    (RISK_ID, RISK_AREA, RISK, PROBABILITY, CONSEQUENCE, ACTION, OWNER),
    key=RISK_ID, takes_new_rows=True,
)
COMMENTS = TableSpec("Kommentarer", (SECTION, TEXT), key=SECTION)

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
(INDICATOR_GREEN, INDICATOR_YELLOW, INDICATOR_RED, INDICATOR_NO_TARGET,
 INDICATOR_NOT_MEASURED) = INDICATOR_STATUSES

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
    INFO.name: (VALUE,),  # only the reporter rows; see INFO_INPUT_FIELDS
    INDICATORS.name: (OUTCOME, FORECAST, COMMENT),
    ECONOMY.name: (OUTCOME_YTD, BUDGET_YTD, ANNUAL_BUDGET, FORECAST, COMMENT),
    ACTIVITIES.name: (STATUS, END_DATE, COMMENT),
    ASSIGNMENTS.name: (STATUS, END_DATE, COMMENT),
    PROJECTS.name: (TIME, COST, RESULT, CAUSE, ACTION),
    RISKS.name: (PROBABILITY, CONSEQUENCE, ACTION, OWNER),
    COMMENTS.name: (TEXT,),
}
INFO_INPUT_FIELDS = (INFO_REPORTER, INFO_EMAIL)
# Columns of prose a unit writes: where a link in such a cell leads is kept with its text.
PROSE_COLUMNS = (COMMENT, CAUSE, ACTION, RISK, TEXT)
# Columns that are input on the rows a unit adds itself (new risks).
NEW_RISK_COLUMNS = (RISK_AREA, RISK, PROBABILITY, CONSEQUENCE, ACTION, OWNER)
# A unit's n-th new risk (a Risker row without Risk-ID) goes by "ny-n" until the master
# gives it an ID: in validation, the store, the feedback workbook and the next template.
NEW_RISK_PREFIX = "ny-"


def new_risk_key(n: int) -> str:
    return f"{NEW_RISK_PREFIX}{n}"


def new_risk_number(key: str) -> int:
    """n of a new risk's key "ny-n"."""
    return int(key[len(NEW_RISK_PREFIX):])

# The long form of every submitted value (SPEC §5): the master's Data table, the history
# import's and export's columns.
DATA_PERIOD, DATA_UNIT_ID, DATA_UNIT, DATA_TABLE = "Period", "Enhet-ID", "Enhet", "Tabell"
DATA_ID, DATA_FIELD, DATA_VALUE = "ID", "Fält", "Värde"
DATA_COLUMNS = (DATA_PERIOD, DATA_UNIT_ID, DATA_UNIT, DATA_TABLE, DATA_ID, DATA_FIELD,
                DATA_VALUE)

# A unit's state for a period, as the master's Inlämningar and `intraxl status` show it:
# karantän when only quarantined e-mail attachments came from it.
UnitState = Literal["godkänd", "avvisad", "karantän", "saknas"]
UNIT_STATES: tuple[str, ...] = get_args(UnitState)
UNIT_ACCEPTED: Final = "godkänd"
UNIT_REJECTED: Final = "avvisad"
UNIT_QUARANTINED: Final = "karantän"
UNIT_MISSING: Final = "saknas"
assert UNIT_STATES == (UNIT_ACCEPTED, UNIT_REJECTED, UNIT_QUARANTINED, UNIT_MISSING)
