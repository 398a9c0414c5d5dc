"""One cell value -> a typed value, or the problem with it. Shared by the workbook checks
and the history import, so that both apply the same rules."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Iterable, NamedTuple

from ..issues import TYPES_BY_KEY, Issue, Severity, make
from ..mappings import Mappings
from ..periods import Period
from ..rules import CHECKS_BY_TABLE, Cell, NumberSort, Row
from ..xlsx import CELL_TEXT_MAX, utf16_len

MAX_ABS_NUMBER = 1e9
FORMULA_PREFIXES = ("=", "+", "-", "@")
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_DATES = (36526, 73415)  # 2000-01-01 .. 2100-12-31 as Excel serials
MINUS = "\u2212"
# A sign, digits in groups of three with a space (plain, no-break or narrow no-break)
# between, or none, and a decimal comma.
NUMBER_TEXT = re.compile(r"([+\-\u2212]?)([0-9]{1,3}(?:[ \u00a0\u202f]?[0-9]{3})*(?:,[0-9]+)?)")


class Problem(NamedTuple):
    """A value's problem: an issue (`issues.TYPES`) without its place yet."""

    code: str
    fields: dict[str, Any] = {}
    variant: str = ""

    @property
    def severity(self) -> Severity:
        return TYPES_BY_KEY[(self.code, self.variant)].severity

    def issue(self, **place: Any) -> Issue:
        """The issue at `place` (`issues.make`'s file, sheet, cell, table, row_key, column)."""
        return make(self.code, self.variant, **place, **self.fields)


def number_in_text(text: str) -> float | None:
    """The number of a text that is only a number as a Swede writes it (`24075`, `24 075`,
    `-1 234,5`: digits, a sign, spaces between thousands, a decimal comma), else None. What
    a cell formatted as text holds when a figure is typed or pasted into it."""
    match = NUMBER_TEXT.fullmatch(text.strip())
    if match is None:
        return None
    sign, digits = match.groups()
    value = float(re.sub(r"\s", "", digits).replace(",", "."))
    return -value if sign in ("-", MINUS) else value


def as_number(v: Any, sort: NumberSort = "amount") -> tuple[float | None, Problem | None]:
    """sort: amount (any sign), count (whole, ≥ 0), nonneg (≥ 0), percent (0–100 %).
    Digits stored as text are taken as their number, with a warning."""
    typed_as_text = None
    if isinstance(v, str) and (number := number_in_text(v)) is not None:
        typed_as_text, v = v.strip(), number
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None, Problem("not-a-number", {"value": v})
    v = float(v)
    if not math.isfinite(v) or abs(v) > MAX_ABS_NUMBER:
        return None, Problem("number-out-of-range", {"value": v},
                             "" if math.isfinite(v) else "not-finite")
    if sort in ("count", "nonneg", "percent") and v < 0:
        return None, Problem("negative-value", {"value": v})
    if sort == "percent" and v > 1:
        return None, Problem("percent-over-100", {"share": v})
    if sort == "count" and not v.is_integer():
        return None, Problem("not-whole-number", {"value": v})
    if typed_as_text is not None:
        return v, Problem("number-as-text", {"text": typed_as_text, "value": v})
    return v, None


def as_text(v: Any) -> tuple[str, Problem | None]:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = (v.isoformat() if isinstance(v, (dt.date, dt.time)) else str(v)).strip()
    if utf16_len(text) > CELL_TEXT_MAX:
        return text, Problem("text-too-long", {"length": len(text), "limit": CELL_TEXT_MAX})
    if text.startswith(FORMULA_PREFIXES):
        return text, Problem("formula-like-text", {"start": text[0]})
    return text, None


def as_choice(v: Any, options: Iterable[Any]) -> tuple[Any, Problem | None]:
    """A value of a closed list, as the list spells it: case and surrounding spaces do not
    matter (`grön`, ` Pågående`), nor a number stored as text (`3`)."""
    options = tuple(options)
    if isinstance(v, str):
        v = v.strip()
        if v.isdigit():
            v = int(v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if v in options:
        return v, None
    if isinstance(v, str):
        folded = v.casefold()
        for option in options:
            if isinstance(option, str) and option.casefold() == folded:
                return option, None
    return None, Problem("invalid-value", {"value": v, "options": options})


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
    return None, Problem("not-a-date", {"value": v})


def as_period(v: Any) -> tuple[Period | None, Problem | None]:
    """The Period cell: `YYYY-MM`, or the first of that month when the spreadsheet made the
    typed month a date (2023-02-01, shown as 2023-02)."""
    if isinstance(v, dt.date) and v.day == 1 and (
            not isinstance(v, dt.datetime) or v.time() == dt.time()):
        return Period(v.year, v.month), None
    text, _ = as_text(v)
    try:
        return Period.parse(text), None
    except ValueError:
        return None, Problem("invalid-period", {"value": text})


def convert(cell: Cell, row: Row, v: Any) -> tuple[Any, Problem | None]:
    """A value (not None) of a cell by its declared rule (`rules.py`)."""
    if cell.type == "number":
        return as_number(v, cell.number_sort(row))
    if cell.type == "choice":
        return as_choice(v, cell.choices(row))
    if cell.type == "date":
        return as_date(v)
    return as_text(v)


def coerce(m: Mappings, table: str, row_id: str, field: str,
           v: Any) -> tuple[Any, Problem | None]:
    """A value of `field` in `table` (v is not None) by the template's own rule for the
    template's row `row_id`, as the history import reads it; text where none is declared."""
    checks = CHECKS_BY_TABLE.get(table)
    cell = None if checks is None else checks.cell(field)
    if checks is None or cell is None:
        return as_text(v)
    return convert(cell, Row(m, None, row_id, checks.entries(m).get(row_id)), v)
