"""Periods are months, `YYYY-MM`."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A month of the years 1900-2199: a typed year 0000 or 9999 is a mistake, not a month to
# follow up (and the months a report reads before and after it must exist).
_PERIOD = re.compile(r"^(19\d\d|2[01]\d\d)-(0[1-9]|1[0-2])$")

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        m = _PERIOD.match(str(text).strip())
        if not m:
            raise ValueError(f"not a period YYYY-MM: {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label_sv(self) -> str:
        """'februari 2023'."""
        return f"{MONTHS_SV[self.month - 1]} {self.year}"

    def previous(self) -> "Period":
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def earlier_in_year(self) -> list["Period"]:
        """The year's months before this one: January .. the previous month."""
        return [Period(self.year, n) for n in range(1, self.month)]

    def same_month_last_year(self) -> "Period":
        return Period(self.year - 1, self.month)

    def year_end(self, years_back: int = 0) -> "Period":
        return Period(self.year - years_back, 12)
