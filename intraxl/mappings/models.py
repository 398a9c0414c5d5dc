"""Strict pydantic models of `mappings/*.yaml`: a typo in a key is an error, never ignored."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .. import contract

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_id(v: str) -> str:
    if not _ID.match(v):
        raise ValueError("an id has letters a–z, digits, '.', '_' or '-' and no spaces")
    return v


def _check_email(v: str) -> str:
    if not _EMAIL.match(v):
        raise ValueError(f"not an e-mail address: {v!r}")
    return v.lower()


Id = Annotated[str, AfterValidator(_check_id)]
Email = Annotated[str, AfterValidator(_check_email)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- organisation.yaml ---------------------------------------------------------------------

class Group(Strict):
    id: Id
    name: str


class Unit(Strict):
    id: Id
    name: str  # full name, as in the report: "Gemensamma tjänster – Ekonomi"
    short_name: str | None = None  # name inside its group: "Ekonomi"
    group: Id | None = None
    development_frame: bool = False  # reports resultat.utveckling
    reporters: list[Email] = Field(min_length=1)

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Organisation(Strict):
    administration: str
    mailbox: Email | None = None  # finance's mailbox: the sender of reminders and replies
    # The name our receiving mail servers give themselves in the Authentication-Results
    # headers they add (RFC 8601's authserv-id): only their verdicts on a sender are believed.
    authserv_ids: list[str] = []
    groups: list[Group] = []
    units: list[Unit] = Field(min_length=1)


# --- indicators.yaml -----------------------------------------------------------------------

class Area(Strict):
    id: Id
    name: str  # "Kund och ägare"


Text = Annotated[str, Field(min_length=1)]


class Goal(Strict):
    """A central goal (centralt mål) of an area, with its sub-goals (delmål) as the board
    report lists them beside it."""

    id: Id
    area: Id
    text: str
    subgoals: list[Text] = []


class StatusRule(Strict):
    """How an outcome is judged against its target on the city's scale.

    higher: Grön at or above target, Gul within `yellow_band` (relative) below it, else Röd.
    lower: the mirror image. target: Grön within `tolerance` of target, Gul within
    `tolerance + yellow_band`, else Röd.
    on: what is judged: the outcome against the period's target (the default), the full-year
    forecast against the annual target, or both (the worse of the two statuses).
    """

    direction: Literal["higher", "lower", "target"]
    yellow_band: float = Field(0.05, ge=0, le=1)
    tolerance: float = Field(0.0, ge=0, le=1)
    on: Literal["outcome", "forecast", "both"] = "outcome"


class Indicator(Strict):
    id: Id
    name: str
    goal: Id
    unit_of_measure: Literal["st", "%", "index", "åa", "tkr"]
    frequency: Literal["month", "year"] = "month"
    kind: Literal["flow", "level"]  # flow: year to date; level: the period's value
    source: Literal["indicators", "economy"] = "indicators"
    economy_lines: list[str] = []  # source economy: the Rad-IDs summed
    owners: Literal["all"] | list[Id] = "all"
    aggregation: Literal["sum", "weighted_mean", "single"] = "sum"
    weight: Id | None = None  # weighted_mean: the indicator that weighs each unit
    annual_target: float | None = None
    monthly_targets: list[float] | None = Field(None, min_length=12, max_length=12)
    status: StatusRule | None = None  # None: shown without a traffic light
    first_period: str | None = None  # "2023-01": not measured before (Ej mätt)
    required: bool = True  # a monthly indicator's Utfall must be filled in
    note: Text | None = None  # said under the indicator tables of the board report

    @model_validator(mode="after")
    def _consistent(self) -> "Indicator":
        if self.source == "economy":
            if not self.economy_lines:
                raise ValueError("source economy needs economy_lines")
            unknown = set(self.economy_lines) - set(contract.ECONOMY_ROWS)
            if unknown:
                raise ValueError(f"unknown economy line(s): {', '.join(sorted(unknown))}")
        elif self.economy_lines:
            raise ValueError("economy_lines only go with source: economy")
        if (self.aggregation == "weighted_mean") != (self.weight is not None):
            raise ValueError("weight is given exactly when aggregation is weighted_mean")
        if self.aggregation == "single" and (self.owners == "all" or len(self.owners) != 1):
            raise ValueError("aggregation single needs exactly one owner unit")
        if self.monthly_targets is not None and self.kind == "flow" \
                and self.annual_target is not None \
                and not math.isclose(sum(self.monthly_targets), self.annual_target):
            raise ValueError(f"monthly_targets sum to {sum(self.monthly_targets):g}, "
                             f"annual_target is {self.annual_target:g}")
        return self

    @property
    def is_percent(self) -> bool:
        return self.unit_of_measure == "%"

    @property
    def whole_numbers(self) -> bool:
        return self.unit_of_measure == "st"

    def period_target(self, month: int) -> float | None:
        """Target for the period ending in `month`: year to date for a flow (SPEC §3)."""
        if self.monthly_targets is not None:
            target = sum(self.monthly_targets[:month]) if self.kind == "flow" \
                else self.monthly_targets[month - 1]
        elif self.annual_target is None:
            return None
        elif self.kind == "flow" and self.frequency == "month":
            target = self.annual_target * month / 12
        else:
            target = self.annual_target
        # Shown truncated to whole numbers (SPEC §6): 700 000 × 2/12 -> 116 666.
        return float(math.floor(target + 1e-9)) if self.whole_numbers else target

    @property
    def unit_target_applies(self) -> bool:
        """A summed indicator's target is the administration's; it is not any one unit's."""
        return self.aggregation != "sum" or (self.owners != "all" and len(self.owners) == 1)

    def reported_by(self, unit_id: str) -> bool:
        return self.source == "indicators" and (self.owners == "all" or unit_id in self.owners)


class IndicatorCatalogue(Strict):
    areas: list[Area] = Field(min_length=1)
    goals: list[Goal] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)


# --- economy.yaml --------------------------------------------------------------------------

class EconomyLine(Strict):
    id: str
    label: str  # Swedish, as in the reference
    kind: Literal["result", "cost"]
    development_only: bool = False  # only units with a development frame report it


class Economy(Strict):
    lines: list[EconomyLine]

    @model_validator(mode="after")
    def _all_contract_rows(self) -> "Economy":
        ids = [line.id for line in self.lines]
        if sorted(ids) != sorted(contract.ECONOMY_ROWS):
            raise ValueError("lines must be exactly the Rad-IDs of the template contract: "
                             + ", ".join(contract.ECONOMY_ROWS))
        return self


# --- plan.yaml -----------------------------------------------------------------------------

class Activity(Strict):
    id: Id
    goal: Id
    name: str
    end: date
    unit: Id


class Assignment(Strict):
    id: Id
    name: str
    end: date
    unit: Id


class Portfolio(Strict):
    id: Id
    name: str
    unit: Id


class Project(Strict):
    id: Id
    portfolio: Id
    name: str
    closed: date | None = None  # closing date: no longer reported, listed as closed

    @property
    def open(self) -> bool:
        return self.closed is None


class RiskArea(Strict):
    id: Id
    name: str


class Risk(Strict):
    id: Id
    area: Id
    name: str
    action: str
    unit: Id
    owner: str  # Ansvarig: a role
    probability: int = Field(ge=1, le=4)
    consequence: int = Field(ge=1, le=4)


class Plan(Strict):
    year: int = Field(ge=2000, le=2100)
    activities: list[Activity] = []
    assignments: list[Assignment] = []
    portfolios: list[Portfolio] = []
    projects: list[Project] = []
    risk_areas: list[RiskArea] = []
    risks: list[Risk] = []
    comment_sections: list[str] = list(contract.COMMENT_SECTIONS)

    @model_validator(mode="after")
    def _sections(self) -> "Plan":
        missing = [s for s in contract.COMMENT_SECTIONS if s not in self.comment_sections]
        if missing:
            raise ValueError("comment_sections lacks " + ", ".join(missing))
        return self


# --- template.yaml -------------------------------------------------------------------------

class Outlier(Strict):
    """`outlier`: a value outside median ± k × spread of the unit's own stored months for that
    row (spread: 1.4826 × MAD, at least `min_spread` × |median|), judged only with at least
    `min_months` of the `months` before the period stored."""

    k: Annotated[float, Field(gt=0)] = 5.0
    min_months: Annotated[int, Field(ge=1)] = 3
    months: Annotated[int, Field(ge=1, le=36)] = 6
    min_spread: Annotated[float, Field(ge=0)] = 0.1

    @model_validator(mode="after")
    def _history_fits(self) -> "Outlier":
        if self.min_months > self.months:
            raise ValueError(f"min_months {self.min_months} is more than months {self.months}")
        return self


class Plausibility(Strict):
    """Warnings against the unit's own history (intraxl.analyse.plausibility)."""

    outlier: Outlier = Outlier()
    # a Prognos helår that moved more than this share of last month's, without a comment
    forecast_jump: Annotated[float, Field(gt=0)] = 0.25


class TemplateSettings(Strict):
    version: str = Field(min_length=1)
    new_risk_rows: int = Field(5, ge=0, le=50)  # empty rows for a unit's new risks
    instructions: list[str] = []  # paragraphs on the Instruktioner sheet
    # The board report's Word template (docxtpl), relative to the mappings folder.
    report_template: Text | None = None
    plausibility: Plausibility = Plausibility()
