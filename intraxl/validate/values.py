"""One cell value -> a typed value, or the problem with it. Shared by the workbook checks
and the history import, so that both apply the same rules."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, NamedTuple

from .. import contract, swedish
from ..issues import Severity
from ..mappings import Mappings
from ..xlsx import CELL_TEXT_MAX, utf16_len

MAX_ABS_NUMBER = 1e9
FORMULA_PREFIXES = ("=", "+", "-", "@")
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_DATES = (36526, 73415)  # 2000-01-01 .. 2100-12-31 as Excel serials


class Problem(NamedTuple):
    code: str
    message: str
    severity: Severity = Severity.ERROR


def as_number(v: Any, column: str, kind: str = "amount") -> tuple[float | None, Problem | None]:
    """kind: amount (any sign), count (whole, ≥ 0), nonneg (≥ 0), percent (0–100 %)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        shown = v.isoformat() if isinstance(v, (dt.date, dt.time)) else str(v)[:60]
        return None, Problem("not-a-number", f"'{shown}' är inte ett tal. Kolumnen '{column}' "
                             "ska innehålla ett tal (utan text eller enhet).")
    v = float(v)
    if not math.isfinite(v) or abs(v) > MAX_ABS_NUMBER:
        return None, Problem("number-out-of-range", f"Talet {v:g} är orimligt stort.")
    if kind in ("count", "nonneg", "percent") and v < 0:
        return None, Problem("negative-value", f"Värdet {v:g} är negativt; '{column}' kan inte "
                             "vara negativt.")
    if kind == "percent" and v > 1:
        return None, Problem("percent-over-100", f"Andelen {v:.1%} är över 100 %. Skriv t.ex. "
                             "5,9 % (inte 590 %).")
    if kind == "count" and not v.is_integer():
        return None, Problem("not-whole-number", f"Värdet {v:g} ska vara ett heltal (ett antal).")
    return v, None


def as_text(v: Any) -> tuple[str, Problem | None]:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = (v.isoformat() if isinstance(v, (dt.date, dt.time)) else str(v)).strip()
    if utf16_len(text) > CELL_TEXT_MAX:
        return text, Problem("text-too-long", f"Texten har {swedish.number(len(text))} tecken, "
                             f"fler än en Excel-cell rymmer ({swedish.number(CELL_TEXT_MAX)}). "
                             "Hela texten sparas, men i sammanställningen visas den avkortad.",
                             Severity.WARNING)
    if text.startswith(FORMULA_PREFIXES):
        return text, Problem("formula-like-text", f"Texten börjar med '{text[0]}'. Den behålls "
                             "som text och blir aldrig en formel i sammanställningen.",
                             Severity.WARNING)
    return text, None


def as_choice(v: Any, column: str, options: Iterable[Any]) -> tuple[Any, Problem | None]:
    options = tuple(options)
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v.strip())
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str):
        v = v.strip()
    if v not in options:
        return None, Problem("invalid-value", f"'{str(v)[:60]}' är inte ett tillåtet värde i "
                             f"'{column}'. Välj ett av: {', '.join(map(str, options))}.")
    return v, None


def as_date(v: Any) -> tuple[dt.date | None, Problem | None]:
    if isinstance(v, dt.datetime):
        return v.date(), None
    if isinstance(v, dt.date):
        return v, None
    if isinstance(v, (int, float)) and not isinstance(v, bool) \
            and SERIAL_DATES[0] <= v <= SERIAL_DATES[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(v)), None
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip()), None
        except ValueError:
            pass
    return None, Problem("not-a-date", f"'{str(v)[:60]}' är inte ett datum. Skriv t.ex. "
                         "2023-12-31.")


def indicator_kind(m: Mappings, indicator_id: str) -> str:
    ind = next(i for i in m.indicators if i.id == indicator_id)
    return "percent" if ind.is_percent else "count" if ind.whole_numbers else "nonneg"


def coerce(m: Mappings, table: str, row_id: str, field: str,
           v: Any) -> tuple[Any, Problem | None]:
    """A value of `field` in `table` by the template's own rule (v is not None)."""
    if table == "Indikatorer" and field in ("Utfall", "Prognos helår"):
        return as_number(v, field, indicator_kind(m, row_id))
    if table == "Ekonomi" and field in ("Utfall ack", "Budget ack", "Årsbudget", "Prognos helår"):
        return as_number(v, field)
    if field == "Status" and table in ("Aktiviteter", "Uppdrag"):
        return as_choice(v, field, contract.WORK_STATUSES)
    if field == "Slutdatum":
        return as_date(v)
    if table == "Projekt" and field in ("Tid", "Kostnad", "Resultat"):
        return as_choice(v, field, contract.PROJECT_STATUSES)
    if table == "Risker" and field in ("Sannolikhet", "Konsekvens"):
        return as_choice(v, field, contract.SCALE_1_4)
    return as_text(v)
