"""Problems found in data, as data: `Issue(code, severity, file, sheet, cell, message)`.

Every kind of problem is one entry of `TYPES`: its stable code, its severity, what it means
(the README's table, checked by a test) and the Swedish message the department reporter
reads, a template filled from named fields: `make("not-a-number", sheet=..., cell=...,
column="Utfall", value="tolv")`. Fields are written the Swedish way (`swedish.py`): a
number as the reporter typed it (`12,5`, `−1 234`), a date `2023-12-31`, and where a
template says so `{x:tkr}` (`23 419 tkr`), `{x:percent}` (a share: `590,0 %`),
`{x:number}`, `{x:number1}`, `{x:month_year}`, `{x:list}` (`a, b`), `{x:cut}` (the first
60 characters of a text the reporter typed) or `{x:lower}`. A code with cases that need
their own words has a variant entry per case (`make("not-a-workbook", "csv")`), with the
same code and its own template (and severity).
"""

from __future__ import annotations

import datetime as dt
import string
from enum import Enum
from typing import Any, Callable, NamedTuple

from pydantic import BaseModel, ConfigDict, field_validator

from . import swedish


class Severity(str, Enum):
    ERROR = "error"  # rejects the submission
    WARNING = "warning"  # reported, the submission is still accepted


ERROR, WARNING = Severity.ERROR, Severity.WARNING


class IssueType(NamedTuple):
    """One kind of problem: a code (stable, kebab-case: scripts and tests rely on it), its
    severity, its Swedish message template and, on the code's main entry, what it means."""

    code: str
    severity: Severity
    template: str  # plain Swedish, for the department reporter; `{field}`s filled by `make`
    meaning: str = ""  # English, the README's issue table; "" on a variant
    variant: str = ""  # "" for the code's main entry, else the case it words


TYPES: tuple[IssueType, ...] = (
    # the file itself
    IssueType("unreadable-file", ERROR, "Filen kan inte läsas: {reason}.",
              "the file cannot be opened"),
    IssueType("empty-file", ERROR, "Filen är tom (0 byte).", "the file has 0 bytes"),
    IssueType("file-too-large", ERROR, "Filen är för stor ({mb:number1} MB; högst "
              "{limit_mb:number} MB). Använd den ursprungliga mallen.",
              "over the size limit (20 MB)"),
    IssueType("not-a-workbook", ERROR, "Filen är inte en Excel-arbetsbok (.xlsx).",
              "a CSV, web page, plain zip or other non-workbook file"),
    IssueType("not-a-workbook", ERROR, "Filen är en webbsida eller XML, inte en Excel-"
              "arbetsbok. Spara som Excel-arbetsbok (.xlsx).", variant="web"),
    IssueType("not-a-workbook", ERROR, "Filen är en textfil (CSV), inte en Excel-arbetsbok. "
              "Använd mallen och spara som Excel-arbetsbok (.xlsx).", variant="csv"),
    IssueType("not-a-workbook", ERROR, "Filen är en zip-fil men inte en Excel-arbetsbok.",
              variant="zip"),
    IssueType("legacy-xls", ERROR, "Filen är i det gamla Excel-formatet (.xls). Använd mallen "
              "och spara som Excel-arbetsbok (.xlsx).", "the old .xls format"),
    IssueType("ods-file", ERROR, "Filen är ett OpenDocument-kalkylark (.ods). Spara som "
              "Excel-arbetsbok (.xlsx).", "an OpenDocument spreadsheet"),
    IssueType("encrypted-file", ERROR, "Filen är lösenordsskyddad (krypterad). Ta bort "
              "lösenordet i Excel och skicka filen igen.", "password protected (encrypted)"),
    IssueType("corrupt-file", ERROR, "Filen är skadad och kan inte läsas ({detail}).",
              "a truncated download, bad CRC, broken part, a part twice"),
    IssueType("corrupt-file", ERROR, "Filen är skadad eller ofullständig (trasig zip-fil). "
              "Skicka den igen.", variant="zip"),
    IssueType("corrupt-file", ERROR, "Filens del {part} är skadad: {detail}", variant="part"),
    IssueType("corrupt-file", ERROR, "Filen saknar delen {part}; den är inte en giltig "
              "Excel-arbetsbok.", variant="missing-part"),
    IssueType("corrupt-file", ERROR, "Filen har delen {part} två gånger; den är inte en "
              "giltig Excel-arbetsbok.", variant="duplicate-part"),
    IssueType("zip-bomb", ERROR, "Filen packas upp till {mb:number} MB; filen läses inte "
              "(misstänkt zip-bomb).",
              "inflates beyond the limits (64 MB, 100:1 per large part)"),
    IssueType("zip-bomb", ERROR, "Filens del {part} packas upp till {mb:number} MB (kvot "
              "{ratio:number}:1); filen läses inte (misstänkt zip-bomb).", variant="part"),
    IssueType("zip-bomb", ERROR, "Filen har för många delar ({parts:number}).",
              variant="parts"),
    IssueType("unsafe-xml", ERROR, "Filen innehåller otillåtna XML-konstruktioner "
              "(DTD/entiteter) och läses inte.",
              "a DTD or entity declaration in any XML part of the file"),
    IssueType("macro-enabled", ERROR, "Filen innehåller makron. Spara som Excel-arbetsbok "
              "utan makron (.xlsx).", "contains macros (.xlsm)"),
    IssueType("xlsm-file", ERROR, "Filen är sparad som makroaktiverad arbetsbok (.xlsm) men "
              "har inga makron. Spara den som Excel-arbetsbok (.xlsx) och skicka den igen.",
              "saved as a macro-enabled workbook (.xlsm) without macros"),
    IssueType("strict-ooxml", ERROR, "Filen är sparad som 'Strikt Open XML'. Spara som vanlig "
              "Excel-arbetsbok (.xlsx).", "saved as Strict Open XML"),
    IssueType("too-many-rows", ERROR, "Bladet {name} har {rows:number} rader; mallen har "
              "högst några hundra. Använd mallen.", "a sheet far larger than the template"),
    IssueType("not-a-template", ERROR, "Filen är en Excel-arbetsbok men inte månads"
              "uppföljningens mall: ingen av mallens tabeller finns. Använd mallen som ekonomi "
              "skickat ut.", "a workbook without any of the template's tables"),
    # structure
    IssueType("missing-table", ERROR, "Tabellen {table} saknas i filen. Använd mallen utan "
              "att ändra blad eller rubriker.", "a template table is missing"),
    IssueType("missing-table", ERROR, "Tabellen {table} saknas i bladet {table}. Använd "
              "mallen utan att ändra blad eller rubriker.", variant="sheet"),
    IssueType("missing-table", ERROR, "Okänd tabell '{table:cut}'.", variant="unknown"),
    IssueType("missing-column", ERROR, "Kolumnen '{column}' saknas i tabellen {table}.",
              "a column header is missing or renamed"),
    IssueType("missing-column", ERROR, "Rubriken '{header:cut}' ska vara '{column}'. Skriv "
              "tillbaka mallens rubrik; värdena i kolumnen har lästs.", variant="renamed"),
    IssueType("missing-column", ERROR, "Första raden ska vara rubrikerna {headers:list}.",
              variant="headers"),
    IssueType("missing-column", ERROR, "'{column:cut}' är ingen kolumn i tabellen {table}.",
              variant="unknown"),
    IssueType("missing-row", ERROR, "Raden {name} saknas i tabellen {table}. Använd mallen utan "
              "att ta bort rader.", "a row of the template was removed"),
    IssueType("missing-id", ERROR, "Raden saknar {key}. Lägg inte till eller töm rader i "
              "denna tabell.", "a row lost its ID"),
    IssueType("unknown-id", ERROR, "Okänt {key} '{id:cut}' i tabellen {table}. Använd mallens "
              "rader.", "an ID the template does not have"),
    IssueType("duplicate-id", ERROR, "{key} '{id}' förekommer mer än en gång.",
              "an ID appears twice"),
    IssueType("duplicate-id", ERROR, "Värdet för {table}/{id}/{column} {period} {unit} finns "
              "redan på en tidigare rad.", variant="fact"),
    IssueType("row-below-table", WARNING, "Rad {line} ligger under tabellen {table} men har "
              "lästs som en rad i den. Skriv nästa gång på tabellens tomma rader, eller dra ut "
              "tabellen så att raden kommer med.",
              "a row typed just below a table that takes new rows (`Risker`), read as its own"),
    # Info
    IssueType("wrong-template-version", ERROR, "Filen är gjord med mallversion {version}; "
              "gällande version är {current}. Fyll i den nya mallen.",
              "made with another template version"),
    IssueType("invalid-period", ERROR, "Perioden '{value:cut}' är inte en månad ÅÅÅÅ-MM.",
              "Period is not YYYY-MM"),
    IssueType("wrong-period", ERROR, "Filen gäller {period:month_year} men perioden som "
              "samlas in är {expected:month_year}.",
              "the file is for another period than the one collected"),
    IssueType("unknown-unit", ERROR, "Enhet-ID '{unit:cut}' finns inte i organisationen.",
              "Enhet-ID is not in the organisation"),
    IssueType("wrong-unit", ERROR, "Raderna i filen hör till {rows_unit} ({rows_unit_id}), men "
              "Enhet-ID är {unit_id} ({unit}). Skriv {rows_unit_id} i Enhet-ID, eller fyll i "
              "mallen för {unit}.",
              "Enhet-ID names another unit than the one whose rows the file holds"),
    IssueType("sender-not-registered", ERROR, "Avsändaren {sender} är inte registrerad som "
              "uppgiftslämnare för {unit}.",
              "the sender is not a registered reporter of the unit"),
    IssueType("sender-not-registered", ERROR, "Arbetsboken gäller {unit}, men avsändaren "
              "{sender} är registrerad för {units:list}.", variant="mail"),
    # e-mail intake (quarantine)
    IssueType("unknown-sender", ERROR, "Avsändaren {sender} är inte registrerad för någon "
              "enhet.", "an e-mail from an address registered for no unit"),
    IssueType("unknown-sender", ERROR, "Meddelandet saknar avsändare.", variant="none"),
    IssueType("unverified-sender", ERROR, "Mottagande e-postserver underkände avsändaren "
              "{sender} ({failure}): meddelandet kan vara förfalskat.",
              "the receiving mail server found the sender forged (SPF/DKIM/DMARC fail)"),
    IssueType("unreadable-message", ERROR, "E-postmeddelandet kan inte läsas ({detail}).",
              "a saved e-mail that cannot be parsed"),
    # cells
    IssueType("missing-value", ERROR, "Värdet i kolumnen '{column}' saknas: fyll i cellen.",
              "a required input cell is empty"),
    IssueType("missing-value", ERROR, "{field} saknas: fyll i cellen.", variant="info"),
    IssueType("missing-value", WARNING, "Uppgiftslämnare saknas: skriv ditt namn.",
              variant="reporter"),
    IssueType("missing-value", WARNING, "Sammanfattningen saknas: skriv några meningar om "
              "månaden.", variant="summary"),
    IssueType("not-a-number", ERROR, "'{value:cut}' är inte ett tal. Kolumnen '{column}' ska "
              "innehålla ett tal (utan text eller enhet).",
              "text (or a date) where a number belongs"),
    IssueType("not-whole-number", ERROR, "Värdet {value} ska vara ett heltal (ett antal).",
              "a count with decimals"),
    IssueType("negative-value", ERROR, "Värdet {value} är negativt; '{column}' kan inte vara "
              "negativt.", "a negative count, percentage or level"),
    IssueType("percent-over-100", ERROR, "Andelen {share:percent} är över 100 %. Skriv t.ex. "
              "5,9 % (inte 590 %).", "a percentage over 100 %"),
    IssueType("number-out-of-range", ERROR, "Talet {value} är orimligt stort.",
              "an absurdly large number"),
    IssueType("number-out-of-range", ERROR, "Talet är orimligt stort.", variant="not-finite"),
    IssueType("not-a-date", ERROR, "'{value:cut}' är inte ett datum. Skriv t.ex. 2023-12-31.",
              "a date cell that holds no date"),
    IssueType("invalid-value", ERROR, "'{value:cut}' är inte ett tillåtet värde i '{column}'. "
              "Välj ett av: {options:list}.",
              "a value outside its closed list (status, 1-4, risk area)"),
    IssueType("excel-error", ERROR, "Cellen innehåller felvärdet {error} i stället för ett "
              "värde. Rätta formeln eller skriv in värdet.",
              "an Excel error value such as #REF! or #DIV/0!"),
    IssueType("formula-without-value", ERROR, "Cellen har en formel utan sparat resultat. "
              "Öppna filen i Excel, räkna om och spara igen, eller skriv in värdet.",
              "a formula whose result was never stored"),
    # warnings
    IssueType("formula-like-text", WARNING, "Texten börjar med '{start}'. Den behålls som text "
              "och blir aldrig en formel i sammanställningen.",
              "text starting with = + - @ (kept as text)"),
    IssueType("number-as-text", WARNING, "'{text}' är sparat som text men har lästs som talet "
              "{value}. Formatera cellen som tal.",
              "a number stored as text (`24 075`, `1 234,5`), read as the number"),
    IssueType("text-too-long", WARNING, "Texten har {length:number} tecken, fler än en "
              "Excel-cell rymmer ({limit:number}). Hela texten sparas, men i sammanställningen "
              "visas den avkortad.", "a text longer than an Excel cell holds (32,767 "
              "characters): stored whole, shown cut with a mark"),
    IssueType("comment-missing", WARNING, "Status är Försenad: skriv en kommentar om orsak och "
              "ny plan.", "a red project or delayed item without explanation"),
    IssueType("comment-missing", WARNING, "Projektet har röd status: ange {column:lower}.",
              variant="red-project"),
    IssueType("overdue", WARNING, "Slutdatum {end} har passerat men status är {status}. Ange "
              "Försenad, Klar eller nytt slutdatum.",
              "end date passed but not done or marked delayed"),
    IssueType("negative-cost", WARNING, "Kostnaden {value:tkr} är negativ. Stämmer det?",
              "a negative cost"),
    IssueType("forecast-far-from-budget", WARNING, "Prognosen {forecast:tkr} avviker mer än "
              "50 % från årsbudgeten {budget:tkr}. Kommentera eller rätta.",
              "a cost forecast more than 50 % from the annual budget"),
    # plausibility against the unit's stored months (intraxl.analyse.plausibility); the
    # figures come said as their row says them (tkr, %, st)
    IssueType("ytd-decreased", WARNING, "Utfallet {value} är lägre än i {last_month} ({prior}), "
              "fast det räknas ackumulerat från januari. Har du angett månadens värde i stället "
              "för ackumulerat?",
              "a year-to-date flow lower than the unit's previous month (not in January)"),
    IssueType("outlier", WARNING, "Utfallet {value} ligger långt från enhetens vanliga {median} "
              "(medianen för de {months} senaste sparade månaderna). Stämmer värdet?",
              "a value far outside the unit's own history for that row (median ± k·MAD)"),
    IssueType("forecast-jump", WARNING, "Prognos helår har ändrats från {prior} i {last_month} "
              "till {forecast}{share} utan kommentar. Förklara ändringen i kolumnen Kommentar.",
              "a Prognos helår that moved more than a set share since last month, without a "
              "comment"),
    IssueType("budget-changed", WARNING, "Årsbudgeten har ändrats från {prior:tkr} i "
              "{last_month} till {budget:tkr}. Årsbudgeten brukar inte ändras under året: "
              "stämmer det?", "an Årsbudget that changed since last month"),
)
TYPES_BY_KEY: dict[tuple[str, str], IssueType] = {(t.code, t.variant): t for t in TYPES}
# Every issue code, with what it means.
CODES: dict[str, str] = {t.code: t.meaning for t in TYPES if not t.variant}

TEXT_SHOWN = 60  # characters of a reporter's text said back in a message


def _plain(value: Any) -> str:
    """A field as a message shows it: numbers and dates the Swedish way."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return swedish.figure(value)
    if isinstance(value, dt.date):  # a datetime too: its day
        return swedish.date(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


FORMATS: dict[str, Callable[[Any], str]] = {
    "number": swedish.number,
    "number1": lambda v: swedish.number(v, 1),
    "percent": swedish.percent,
    "tkr": swedish.tkr,
    "month_year": swedish.month_year,
    "list": lambda v: ", ".join(map(_plain, v)),
    "cut": lambda v: _plain(v)[:TEXT_SHOWN],
    "lower": lambda v: _plain(v).lower(),
}


class _Swedish(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        return FORMATS[format_spec](value) if format_spec else _plain(value)


_FORMATTER = _Swedish()


def message(code: str, variant: str = "", **fields: Any) -> str:
    """The Swedish message of `code` (its `variant`), its fields filled."""
    return _FORMATTER.format(TYPES_BY_KEY[(code, variant)].template, **fields)


def make(code: str, variant: str = "", *, file: str | None = None, sheet: str | None = None,
         cell: str | None = None, table: str | None = None, row_key: str | None = None,
         column: str | None = None, **fields: Any) -> Issue:
    """The issue `code` (its `variant`) at a place, its message filled from `fields` and
    the place (`{table}`, `{column}`, ...)."""
    issue_type = TYPES_BY_KEY[(code, variant)]
    text = message(code, variant, file=file, sheet=sheet, cell=cell, table=table,
                   column=column, **fields)
    return Issue(code=code, severity=issue_type.severity, message=text, file=file, sheet=sheet,
                 cell=cell, table=table, row_key=row_key, column=column)


class Issue(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str  # stable, kebab-case
    severity: Severity
    message: str  # plain Swedish, for the department reporter
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None  # A1 address on `sheet`
    # Where the value sits in the template contract, so that the feedback workbook can mark
    # the same cell in a freshly generated template (not part of the JSON output).
    table: str | None = None
    row_key: str | None = None
    column: str | None = None

    @field_validator("code")
    @classmethod
    def _known(cls, code: str) -> str:
        if code not in CODES:
            raise ValueError(f"unregistered issue code {code!r}")
        return code

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""
