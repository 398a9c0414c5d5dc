"""Stage 2 — template: one pre-filled workbook per unit and period (SPEC §4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import IntraxlError
from ..mappings import Mappings
from ..periods import Period
from .layout import HEADER_ROW, Cell, SheetLayout, TemplateValues, build_layout
from .prefill import prefill_periods, prefill_values
from .writer import template_filename, write_template


def write_templates(m: Mappings, period: Period, out_dir: str | Path,
                    unit_ids: Iterable[str] = (), created: dt.datetime | None = None,
                    values: Mapping[str, TemplateValues] | None = None) -> list[Path]:
    """One template per unit (all units when `unit_ids` is empty) in `out_dir`, each
    pre-filled with `values[unit id]` where given (see `prefill.prefill_values`)."""
    ids = list(unit_ids)
    known = {u.id for u in m.units}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise IntraxlError(f"unknown unit(s): {', '.join(unknown)} "
                           f"(known: {', '.join(sorted(known))})")
    units = [u for u in m.units if not ids or u.id in ids]
    out = Path(out_dir)
    values = values or {}
    return [write_template(m, u, period, out / template_filename(u, period),
                           values=values.get(u.id), created=created) for u in units]


__all__ = ["Cell", "HEADER_ROW", "SheetLayout", "TemplateValues", "build_layout",
           "prefill_periods", "prefill_values",
           "template_filename", "write_template", "write_templates"]
