"""What a unit's template is pre-filled with from history, so that it only changes what changed.

From the unit's previous period: statuses, end dates, comments, project statuses, risks (S, K,
action, owner, and the risks it added itself) and the comment texts are carried forward, and
the annual budget (not into January: a new year has a new budget). From the same month last
year: the outcome of each indicator and economy line, shown beside the input cells. Pure: it
takes the stored facts as a frame (the store's `facts()` shape: period, unit_id, table, id,
field, value).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .. import contract
from ..periods import Period
from .layout import LAST_YEAR_COLUMN, TemplateValues

if TYPE_CHECKING:  # pandas is imported by whoever made the frame; validation needs none of it
    import pandas as pd

# The input columns carried forward: every one of the plan's tables (a new risk's own columns
# included), and of this month's figures only the annual budget.
CARRIED: dict[str, tuple[str, ...]] = {
    **{t.name: contract.INPUT_COLUMNS[t.name] for t in (
        contract.ACTIVITIES, contract.ASSIGNMENTS, contract.PROJECTS, contract.COMMENTS)},
    contract.RISKS.name: contract.NEW_RISK_COLUMNS,
    contract.ECONOMY.name: (contract.ANNUAL_BUDGET,),
}


def prefill_periods(period: Period) -> list[str]:
    """The periods a template for `period` is pre-filled from."""
    return [str(period.previous()), str(period.same_month_last_year())]


def _plain(value: Any) -> Any:
    """A stored value as the template writes it (whole numbers from the database as int)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):  # a pandas Timestamp
        return value.date()
    return value


def prefill_values(facts: pd.DataFrame, unit_id: str, period: Period) -> TemplateValues:
    """The TemplateValues for `unit_id`'s template for `period` from the stored facts."""
    mine = facts[facts["unit_id"] == unit_id]
    values = TemplateValues(last_year_label=period.same_month_last_year().label_sv)
    previous = mine[mine["period"] == str(period.previous())]
    new_risks: dict[str, dict[str, Any]] = {}
    for table, rid, field, value in previous[["table", "id", "field", "value"]].itertuples(
            index=False):
        if field not in CARRIED.get(table, ()):
            continue
        if field == contract.ANNUAL_BUDGET and period.month == 1:
            continue  # a new year's budget is not last December's
        if table == contract.RISKS.name and str(rid).startswith(contract.NEW_RISK_PREFIX):
            new_risks.setdefault(rid, {})[field] = _plain(value)
        else:
            values.cells.setdefault(table, {}).setdefault(str(rid), {})[field] = _plain(value)
    values.new_risks = [new_risks[k] for k in sorted(new_risks, key=contract.new_risk_number)]
    last = mine[mine["period"] == str(period.same_month_last_year())]
    for table, rid, field, value in last[["table", "id", "field", "value"]].itertuples(
            index=False):
        if LAST_YEAR_COLUMN.get(table) == field:
            values.last_year.setdefault(table, {})[str(rid)] = _plain(value)
    return values


__all__ = ["CARRIED", "prefill_periods", "prefill_values"]
