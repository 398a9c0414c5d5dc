"""Problems found in data, as data: `Issue(code, severity, file, sheet, cell, message)`."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, field_validator

# Every issue code, with what it means. Codes are stable: scripts and tests rely on them.
CODES: dict[str, str] = {
    # the file itself
    "unreadable-file": "the file cannot be opened",
    "empty-file": "the file has 0 bytes",
    "file-too-large": "over the size limit (20 MB)",
    "not-a-workbook": "a CSV, web page, plain zip or other non-workbook file",
    "legacy-xls": "the old .xls format",
    "ods-file": "an OpenDocument spreadsheet",
    "encrypted-file": "password protected (encrypted)",
    "corrupt-file": "a truncated download, bad CRC, broken part",
    "zip-bomb": "inflates beyond the limits (64 MB, 100:1 per large part)",
    "unsafe-xml": "XML with a DTD or entities",
    "macro-enabled": "contains macros (.xlsm)",
    "xlsm-file": "saved as a macro-enabled workbook (.xlsm) without macros",
    "strict-ooxml": "saved as Strict Open XML",
    "too-many-rows": "a sheet far larger than the template",
    "not-a-template": "a workbook without any of the template's tables",
    # structure
    "missing-table": "a template table is missing",
    "missing-column": "a column header is missing",
    "missing-row": "a row of the template was removed",
    "missing-id": "a row lost its ID",
    "unknown-id": "an ID the template does not have",
    "duplicate-id": "an ID appears twice",
    "row-below-table": "a row typed just below a table that takes new rows, read as its own",
    # Info
    "wrong-template-version": "made with another template version",
    "invalid-period": "Period is not YYYY-MM",
    "wrong-period": "the file is for another period than the one collected",
    "unknown-unit": "Enhet-ID is not in the organisation",
    "wrong-unit": "Enhet-ID names another unit than the one whose rows the file holds",
    "sender-not-registered": "the sender is not a registered reporter of the unit",
    # e-mail intake (quarantine)
    "unknown-sender": "an e-mail from an address registered for no unit",
    "unverified-sender": "the receiving mail server found the sender forged (SPF/DKIM/DMARC fail)",
    "unreadable-message": "a saved e-mail that cannot be parsed",
    # cells
    "missing-value": "a required input cell is empty",
    "not-a-number": "text (or a date) where a number belongs",
    "not-whole-number": "a count with decimals",
    "negative-value": "a negative count, percentage or level",
    "percent-over-100": "a percentage over 100 %",
    "number-out-of-range": "an absurdly large number",
    "not-a-date": "a date cell that holds no date",
    "invalid-value": "a value outside its closed list (status, 1-4, risk area)",
    "excel-error": "an Excel error value such as #REF! or #DIV/0!",
    "formula-without-value": "a formula whose result was never stored",
    # warnings
    "formula-like-text": "text starting with = + - @ (kept as text)",
    "number-as-text": "a number stored as text (24 075, 1 234,5), read as the number",
    "text-too-long": "a text longer than an Excel cell holds (32,767 characters): stored "
                     "whole, shown cut",
    "comment-missing": "a red project or delayed item without explanation",
    "overdue": "end date passed but not done or marked delayed",
    "negative-cost": "a negative cost",
    "forecast-far-from-budget": "a cost forecast more than 50 % from the annual budget",
    # plausibility against the unit's stored history (intraxl.analyse.plausibility): warnings
    "ytd-decreased": "a year-to-date flow lower than the unit's previous month (not in January)",
    "outlier": "a value far outside the unit's own history for that row (median ± k·MAD)",
    "forecast-jump": "a Prognos helår that moved more than a set share since last month, "
                     "without a comment",
    "budget-changed": "an Årsbudget that changed since last month",
}


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
