"""A unit's state for a period: one rule, for `intraxl status` and its drafts, the
consolidation's summary and `--strict`, and the master.

The report uses the unit's latest accepted file (as the store's facts do). A unit with one
is `godkänd`, even when a newer file of it was rejected afterwards; that is said beside the
state (`godkänd, senare fil avvisad`) and counts as needing attention: finance answers the
rejected file. Without an accepted file a unit is `avvisad` when it sent a file, `karantän`
when only quarantined e-mail came from it, `saknas` when nothing came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .contract import UNIT_ACCEPTED, UNIT_MISSING, UNIT_QUARANTINED, UNIT_REJECTED, UnitState

if TYPE_CHECKING:  # records only: no database needed to tell a state
    from .store import SubmissionRecord

LATER_REJECTED = "senare fil avvisad"


@dataclass(frozen=True)
class Standing:
    state: UnitState
    in_report: SubmissionRecord | None  # the latest accepted file of the period
    latest: SubmissionRecord | None  # the latest file received, accepted or not
    files: int  # every file received from the unit

    @property
    def later_rejected(self) -> bool:
        """A file newer than the one in the report was rejected."""
        return (self.in_report is not None and self.latest is not None
                and self.latest is not self.in_report and not self.latest.accepted)

    @property
    def needs_attention(self) -> bool:
        return self.state != UNIT_ACCEPTED or self.later_rejected

    @property
    def label(self) -> str:
        """The state as finance and the controller read it: `godkänd, senare fil avvisad`."""
        return f"{self.state}, {LATER_REJECTED}" if self.later_rejected else self.state


def standing(records: Sequence[SubmissionRecord], period: str, quarantined: bool) -> Standing:
    """The state of a unit from its files (oldest received first) and whether any e-mail
    attachment of it was quarantined for `period`."""
    accepted = [r for r in records if r.accepted and r.period == period]
    in_report = accepted[-1] if accepted else None
    latest = records[-1] if records else None
    if in_report is not None:
        state: UnitState = UNIT_ACCEPTED
    elif latest is not None:
        state = UNIT_REJECTED
    else:
        state = UNIT_QUARANTINED if quarantined else UNIT_MISSING
    return Standing(state, in_report, latest, len(records))


__all__ = ["LATER_REJECTED", "Standing", "standing"]
