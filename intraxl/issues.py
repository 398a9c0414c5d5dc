"""Problems found in data, as data: `Issue(code, severity, file, sheet, cell, message)`."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    ERROR = "error"  # rejects the submission
    WARNING = "warning"  # reported, the submission is still accepted


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

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""
