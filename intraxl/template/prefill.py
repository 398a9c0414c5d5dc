"""What a unit's template is pre-filled with from history, so that it only changes what changed.

From the unit's previous period: statuses, end dates, comments, project statuses, risks (S, K,
action, owner, and the risks it added itself) and the comment texts are carried forward, and
the annual budget. From the same month last year: the outcome of each indicator and economy
line, shown beside the input cells. Pure: it takes the stored facts as a frame (the
store's `facts()` shape: period, unit_id, table, id, field, value).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import contract
from ..periods import Period
from .layout import TemplateValues

CARRIED: dict[str, tuple[str, ...]] = {
    contract.ECONOMY.name: ("Årsbudget",),
    contract.ACTIVITIES.name: ("Status", "Slutdatum", "Kommentar"),
    contract.ASSIGNMENTS.name: ("Status", "Slutdatum", "Kommentar"),
    contract.PROJECTS.name: ("Tid", "Kostnad", "Resultat", "Orsak", "Åtgärd"),
    contract.RISKS.name: ("Riskområde", "Risk", "Sannolikhet", "Konsekvens", "Åtgärd",
                          "Ansvarig"),
    contract.COMMENTS.name: ("Text",),
}
LAST_YEAR: dict[str, str] = {contract.INDICATORS.name: "Utfall",
                             contract.ECONOMY.name: "Utfall ack"}
NEW_RISK_PREFIX = "ny-"


def history_periods(period: Period) -> list[str]:
    """The periods a template for `period` is pre-filled from."""
    return [str(period.previous()), str(period.same_month_last_year())]


def _plain(value: Any) -> Any:
    """A stored value as the template writes it (whole numbers from the database as int)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pd.Timestamp):
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
        if table == contract.RISKS.name and str(rid).startswith(NEW_RISK_PREFIX):
            new_risks.setdefault(rid, {})[field] = _plain(value)
        else:
            values.cells.setdefault(table, {}).setdefault(str(rid), {})[field] = _plain(value)
    values.new_risks = [new_risks[k] for k in sorted(new_risks, key=lambda k: int(k[3:]))]
    last = mine[mine["period"] == str(period.same_month_last_year())]
    for table, rid, field, value in last[["table", "id", "field", "value"]].itertuples(
            index=False):
        if LAST_YEAR.get(table) == field:
            values.last_year.setdefault(table, {})[str(rid)] = _plain(value)
    return values


__all__ = ["CARRIED", "history_periods", "prefill_values"]
