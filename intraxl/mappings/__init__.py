"""Stage 1 — mappings: `mappings/*.yaml` -> one validated, cross-checked `Mappings` object.

Every problem is reported as one line naming the file and the key path; all problems are
collected before anything is raised.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable, cast

import pydantic_core
import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import MappingError
from ..periods import Period
from .models import (
    Activity,
    Assignment,
    Economy,
    EconomyLine,
    Indicator,
    IndicatorCatalogue,
    Organisation,
    Plan,
    Project,
    Risk,
    TemplateSettings,
    Unit,
)

FILES: dict[str, type[BaseModel]] = {
    "organisation.yaml": Organisation,
    "indicators.yaml": IndicatorCatalogue,
    "economy.yaml": Economy,
    "plan.yaml": Plan,
    "template.yaml": TemplateSettings,
}


@lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """The sha256 of intraxl's Python sources, as installed, and of the libraries that
    decide what a cell holds: python-calamine's compiled reader (its size: another version
    is another build) and pydantic's core (~1 ms)."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    spec = importlib.util.find_spec("python_calamine")  # found, not imported
    if spec is not None and spec.origin:
        for lib in sorted(Path(spec.origin).parent.glob("_python_calamine*")):
            digest.update(f"{lib.name}\0{lib.stat().st_size}\0".encode())
    digest.update(f"pydantic-core {pydantic_core.__version__}".encode())
    return digest.digest()


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Mappings:
    directory: Path
    organisation: Organisation
    catalogue: IndicatorCatalogue
    economy: Economy
    plan: Plan
    template: TemplateSettings
    # What a stored verdict was reached under: the bytes of the mapping files these were
    # loaded from and intraxl's own code (its version number does not change with every fix
    # of a rule). A file stored under the same fingerprint is not validated again.
    fingerprint: str

    # -- lookups used by the later stages --
    @property
    def units(self) -> list[Unit]:
        return self.organisation.units

    @cached_property
    def _units_by_id(self) -> dict[str, Unit]:
        return {unit.id: unit for unit in self.organisation.units}

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id; KeyError when there is none."""
        return self._units_by_id[unit_id]

    @property
    def indicators(self) -> list[Indicator]:
        return self.catalogue.indicators

    def indicators_for(self, unit: Unit) -> list[Indicator]:
        return [i for i in self.catalogue.indicators if i.reported_by(unit.id)]

    def economy_lines_for(self, unit: Unit) -> list[EconomyLine]:
        return [line for line in self.economy.lines
                if unit.development_frame or not line.development_only]

    def activities_for(self, unit: Unit) -> list[Activity]:
        return [a for a in self.plan.activities if a.unit == unit.id]

    def assignments_for(self, unit: Unit) -> list[Assignment]:
        return [a for a in self.plan.assignments if a.unit == unit.id]

    def projects_for(self, unit: Unit) -> list[Project]:
        """The unit's open projects (a closed one is no longer reported on)."""
        mine = {p.id for p in self.plan.portfolios if p.unit == unit.id}
        return [p for p in self.plan.projects if p.portfolio in mine and p.open]

    def risks_for(self, unit: Unit) -> list[Risk]:
        return [r for r in self.plan.risks if r.unit == unit.id]

    def goal_text(self, goal_id: str) -> str:
        return next(g.text for g in self.catalogue.goals if g.id == goal_id)

    def portfolio_name(self, portfolio_id: str) -> str:
        return next(p.name for p in self.plan.portfolios if p.id == portfolio_id)

    @property
    def report_template(self) -> Path | None:
        """The board report's Word template, when template.yaml names one."""
        name = self.template.report_template
        return None if name is None else self.directory / name

    def risk_area_name(self, area_id: str) -> str:
        return next(a.name for a in self.plan.risk_areas if a.id == area_id)

    def summary(self) -> dict[str, int]:
        p = self.plan
        return {
            "enheter": len(self.units), "indikatorer": len(self.indicators),
            "ekonomirader": len(self.economy.lines), "aktiviteter": len(p.activities),
            "uppdrag": len(p.assignments), "portföljer": len(p.portfolios),
            "projekt": len(p.projects), "riskområden": len(p.risk_areas),
            "risker": len(p.risks),
        }


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader where PyYAML was built with it (same results, several times
    faster), with YAML 1.2's booleans: only true and false. YAML 1.1 also reads `on`, `off`,
    `yes` and `no` as booleans, which would make the status rule's key `on` the key True;
    as text, pydantic still reads them as booleans where a boolean belongs."""


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _fingerprint(sources: dict[str, bytes]) -> str:
    """`Mappings.fingerprint` of the mapping files' bytes (file name -> bytes)."""
    digest = hashlib.sha256(_code_digest())
    for name in sorted(sources):
        digest.update(f"\0{name}\0".encode())
        digest.update(sources[name])
    return digest.hexdigest()


def _read_yaml(path: Path, problems: list[str], sources: dict[str, bytes]) -> Any:
    """The YAML file's data (its bytes kept in `sources`), or None with the problem said."""
    try:
        raw = path.read_bytes()
        sources[path.name] = raw
        data = yaml.load(raw.decode("utf-8"), Loader=_Loader)
        if data is None:
            problems.append(f"{path}: file is empty")
        return data
    except FileNotFoundError:
        problems.append(f"{path}: file missing")
    except UnicodeDecodeError as e:
        problems.append(f"{path}: not UTF-8 text (byte {e.object[e.start]:#04x} at position "
                        f"{e.start}): save it as UTF-8")
    except OSError as e:
        problems.append(f"{path}: cannot be read: {e.strerror or e}")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problems.append(f"{path}:{where} not valid YAML: {getattr(e, 'problem', e)}")
    return None


def load_mappings(directory: str | Path = "mappings") -> Mappings:
    """Load, validate and cross-check every mapping file; raise MappingError listing all
    problems."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MappingError([f"{directory}: mappings folder not found"])
    problems: list[str] = []
    models: dict[str, BaseModel] = {}
    sources: dict[str, bytes] = {}
    for name, model in FILES.items():
        path = directory / name
        data = _read_yaml(path, problems, sources)
        if data is None:
            continue
        try:
            models[name] = model.model_validate(data)
        except ValidationError as e:
            for err in e.errors():
                problems.append(f"{path}: {_loc(err['loc'])}: {_message(err)}")
    if problems:
        raise MappingError(problems)
    m = Mappings(directory, cast(Organisation, models["organisation.yaml"]),
                 cast(IndicatorCatalogue, models["indicators.yaml"]),
                 cast(Economy, models["economy.yaml"]), cast(Plan, models["plan.yaml"]),
                 cast(TemplateSettings, models["template.yaml"]), _fingerprint(sources))
    problems = _cross_check(m)
    if problems:
        raise MappingError(problems)
    return m


def _message(err: ErrorDetails) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key (a typo?)"
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def _cross_check(m: Mappings) -> list[str]:
    """References between files: every id named must exist, and ids are unique."""
    problems: list[str] = []
    d = m.directory

    def unique(file: str, key: str, ids: list[str]) -> set[str]:
        for dup, n in Counter(ids).items():
            if n > 1:
                problems.append(f"{d / file}: {key}: duplicate id {dup!r}")
        return set(ids)

    def known(file: str, key: str, value: str, among: set[str], what: str) -> None:
        if value not in among:
            problems.append(f"{d / file}: {key}: unknown {what} {value!r}")

    org, cat, plan = m.organisation, m.catalogue, m.plan
    groups = unique("organisation.yaml", "groups", [g.id for g in org.groups])
    units = unique("organisation.yaml", "units", [u.id for u in org.units])
    for i, u in enumerate(org.units):
        if u.group is not None:
            known("organisation.yaml", f"units[{i}].group", u.group, groups, "group")
    emails = [e for u in org.units for e in u.reporters]
    for dup, n in Counter(emails).items():
        if n > 1:
            problems.append(f"{d / 'organisation.yaml'}: units: reporter {dup!r} is registered "
                            "for more than one unit")

    areas = unique("indicators.yaml", "areas", [a.id for a in cat.areas])
    goals = unique("indicators.yaml", "goals", [g.id for g in cat.goals])
    for i, g in enumerate(cat.goals):
        known("indicators.yaml", f"goals[{i}].area", g.area, areas, "area")
        for dup, n in Counter(g.subgoals).items():
            if n > 1:
                problems.append(f"{d / 'indicators.yaml'}: goals[{i}].subgoals: "
                                f"{dup!r} is listed twice")
    indicators = unique("indicators.yaml", "indicators", [x.id for x in cat.indicators])
    by_id = {x.id: x for x in cat.indicators}
    for i, x in enumerate(cat.indicators):
        key = f"indicators[{i}]"
        known("indicators.yaml", f"{key}.goal", x.goal, goals, "goal")
        if x.owners != "all":
            for j, owner in enumerate(x.owners):
                known("indicators.yaml", f"{key}.owners[{j}]", owner, units, "unit")
        if x.weight is not None:
            if x.weight not in indicators:
                problems.append(f"{d / 'indicators.yaml'}: {key}.weight: {x.weight!r} "
                                "is not an indicator")
            elif by_id[x.weight].source != "indicators" or by_id[x.weight].kind != "level":
                problems.append(f"{d / 'indicators.yaml'}: {key}.weight: {x.weight!r} must be "
                                "a level indicator that the units report")
        if x.first_period is not None:
            try:
                Period.parse(x.first_period)
            except ValueError as e:
                problems.append(f"{d / 'indicators.yaml'}: {key}.first_period: {e}")

    unique("plan.yaml", "activities", [a.id for a in plan.activities])
    unique("plan.yaml", "assignments", [a.id for a in plan.assignments])
    portfolios = unique("plan.yaml", "portfolios", [p.id for p in plan.portfolios])
    unique("plan.yaml", "projects", [p.id for p in plan.projects])
    risk_areas = unique("plan.yaml", "risk_areas", [a.id for a in plan.risk_areas])
    unique("plan.yaml", "risks", [r.id for r in plan.risks])
    for i, a in enumerate(plan.activities):
        known("plan.yaml", f"activities[{i}].goal", a.goal, goals, "goal")
        known("plan.yaml", f"activities[{i}].unit", a.unit, units, "unit")
    for i, asg in enumerate(plan.assignments):
        known("plan.yaml", f"assignments[{i}].unit", asg.unit, units, "unit")
    for i, p in enumerate(plan.portfolios):
        known("plan.yaml", f"portfolios[{i}].unit", p.unit, units, "unit")
    for i, project in enumerate(plan.projects):
        known("plan.yaml", f"projects[{i}].portfolio", project.portfolio, portfolios,
              "portfolio")
        if project.closed is not None and project.closed.year != plan.year:
            problems.append(f"{d / 'plan.yaml'}: projects[{i}].closed: {project.closed} is not "
                            f"in the plan's year {plan.year} (remove a project closed before it)")
    for i, r in enumerate(plan.risks):
        known("plan.yaml", f"risks[{i}].area", r.area, risk_areas, "risk area")
        known("plan.yaml", f"risks[{i}].unit", r.unit, units, "unit")
    template = m.report_template
    if template is not None and not template.is_file():
        problems.append(f"{d / 'template.yaml'}: report_template: no such file "
                        f"{str(template)!r}")
    return problems


__all__ = ["Mappings", "load_mappings", "MappingError"]
