"""The typed result of reading and validating one file: a leaf (pydantic and the issues
only), so the store, history and analysis use it without loading the reader or writers."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from pydantic import BaseModel

from .issues import Issue, Severity


def number(value: Any) -> float | None:
    """A fact's value as a number (stored numbers come back as floats); None for a text, a
    date or a boolean."""
    if type(value) is float:  # most of them (700,000 calls for 10,000 units): told first
        return value
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


# A submission's rows and facts are typed tuples rather than models: a month holds tens of
# thousands, built from values the checks have already validated, and they cross process
# boundaries: pickling the workers' reports with a model per row and a named tuple per fact
# cost an eighth of validating them on both cores.


class IndicatorRow(NamedTuple):
    id: str
    outcome: float | None = None  # Utfall
    forecast: float | None = None  # Prognos helår
    comment: str | None = None


class EconomyRow(NamedTuple):
    id: str
    outcome: float | None = None  # Utfall ack
    budget: float | None = None  # Budget ack
    annual_budget: float | None = None  # Årsbudget
    forecast: float | None = None  # Prognos helår
    comment: str | None = None


class WorkItemRow(NamedTuple):
    """An activity or an assignment."""

    id: str
    status: str | None = None
    end: dt.date | None = None
    comment: str | None = None


class ProjectRow(NamedTuple):
    id: str
    time: str | None = None
    cost: str | None = None
    result: str | None = None
    cause: str | None = None
    action: str | None = None


class RiskRow(NamedTuple):
    id: str | None = None  # None: a new risk the unit added; the master gives it an id
    area: str | None = None
    risk: str | None = None
    probability: int | None = None
    consequence: int | None = None
    action: str | None = None
    owner: str | None = None


# One submitted cell value, in the long form of the master's Data table: (Tabell, ID, Fält,
# Värde), numbers as numbers, dates as dates.
Fact = tuple[str, str, str, Any]


class Submission(BaseModel):
    """A valid-looking file's content: its typed rows per table, and every value as a fact."""

    template_version: str
    period: str
    unit_id: str
    reporter: str | None = None
    email: str | None = None
    indicators: list[IndicatorRow] = []
    economy: list[EconomyRow] = []
    activities: list[WorkItemRow] = []
    assignments: list[WorkItemRow] = []
    projects: list[ProjectRow] = []
    risks: list[RiskRow] = []
    comments: dict[str, str] = {}
    facts: list[Fact] = []


class FileReport(BaseModel):
    """Everything known about one file: where it came from, what is wrong, what it says."""

    file: str
    sha256: str | None = None
    size: int | None = None
    unit_id: str | None = None
    period: str | None = None
    template_version: str | None = None
    issues: list[Issue] = []
    submission: Submission | None = None  # None when the file could not be read at all
    # The verdict was read from the store (the same file under the same mappings): the file
    # was not read again, its facts are in the store, `submission` is None.
    from_store: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == Severity.WARNING]

    @property
    def valid(self) -> bool:
        return (self.submission is not None or self.from_store) and not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "valid": self.valid, "sha256": self.sha256, "size": self.size,
            "unit": self.unit_id, "period": self.period,
            "template_version": self.template_version,
            "errors": len(self.errors), "warnings": len(self.warnings),
            "issues": [i.model_dump(mode="json", exclude={"row_key", "column", "table"})
                       for i in self.issues],
        }
