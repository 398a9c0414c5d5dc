"""The `intraxl` command: a thin shell over the library, one function call per command.

Exit codes: 0 success; 1 the command ran and found a problem (invalid mappings, invalid
submissions, a file that cannot be written); 2 usage error (unknown option, bad period).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import IntraxlError, MappingError
from .mappings import Mappings, load_mappings
from .periods import Period

console = Console(highlight=False, soft_wrap=True)


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> Period | None:
    if value is None:
        return None
    try:
        return Period.parse(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a period YYYY-MM, e.g. 2023-02")


def mappings_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--mappings DIR, loaded into a Mappings object passed as `m`."""

    @click.option("--mappings", "mappings_dir", type=click.Path(path_type=Path),
                  default="mappings", envvar="INTRAXL_MAPPINGS", show_default=True,
                  help="Folder with the mapping YAML files (or INTRAXL_MAPPINGS).")
    @functools.wraps(f)
    def wrapper(*args: Any, mappings_dir: Path, **kwargs: Any) -> Any:
        return f(*args, m=load_mappings(mappings_dir), **kwargs)

    return wrapper


class _Group(click.Group):
    """Turns the library's stopping errors into a clear message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MappingError as e:
            for line in e.problems:
                click.echo(f"error: {line}", err=True)
            ctx.exit(1)
        except IntraxlError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="intraxl")
def main() -> None:
    """intraxl — the monthly follow-up (månadsuppföljning): templates, validation, history
    and the master workbook."""


@main.command("check-mappings")
@mappings_option
def check_mappings(m: Mappings) -> None:
    """Validate and cross-check mappings/*.yaml and print a summary."""
    console.print(f"Mappings OK: {m.organisation.administration}, plan {m.plan.year}, "
                  f"template version {m.template.version}")
    table = Table()
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, n in m.summary().items():
        table.add_row(what, str(n))
    console.print(table)


@main.command()
@click.option("--period", required=True, callback=_period, help="The month, YYYY-MM.")
@click.option("--unit", "units", multiple=True, help="Unit id (repeatable); default all units.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder [default: workbooks/templates/YYYY-MM].")
@mappings_option
def template(m: Mappings, period: Period, units: tuple[str, ...], out_dir: Path | None) -> None:
    """Write one pre-filled template per unit for PERIOD."""
    from .template import write_templates

    out_dir = out_dir or Path("workbooks/templates") / str(period)
    paths = write_templates(m, period, out_dir, units)
    for p in paths:
        console.print(f"wrote {p}")
    console.print(f"{len(paths)} template(s) for {period}, version {m.template.version}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--period", callback=_period, default=None,
              help="The period being collected, YYYY-MM: a file for another period is an error.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report (stable shape).")
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path), default=None,
              help="Write a feedback workbook for each invalid file into this folder.")
@mappings_option
def validate(m: Mappings, paths: tuple[Path, ...], period: Period | None, as_json: bool,
             feedback_dir: Path | None) -> None:
    """Validate submitted workbooks (files or folders). Exit 0 all valid, 1 some invalid."""
    import json

    from .feedback import write_feedback
    from .validate import expand_paths, validate_file

    files = expand_paths(paths)
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(f"no such file or folder: {', '.join(map(str, missing))}",
                                 param_hint="PATHS")
    reports = []
    for f in files:
        report = validate_file(f, m, period)
        reports.append(report)
        written = None
        if feedback_dir is not None and not report.valid:
            written = write_feedback(report, m, feedback_dir, period)
        if not as_json:
            _print_report(report, written)
    if as_json:
        click.echo(json.dumps({"valid": all(r.valid for r in reports),
                               "files": [r.to_json() for r in reports]},
                              ensure_ascii=False, indent=2, default=str))
    else:
        ok = sum(r.valid for r in reports)
        console.print(f"{ok} of {len(reports)} file(s) valid")
    if not all(r.valid for r in reports):
        sys.exit(1)


def _print_report(report: Any, feedback: Path | None) -> None:
    from rich.markup import escape

    name = escape(Path(report.file).name)
    if report.issues:
        table = Table(title=name, title_justify="left", show_lines=False)
        for col in ("", "kod", "cell", "meddelande"):
            table.add_column(col, overflow="fold")
        for i in report.issues:
            mark = "[red]fel[/red]" if i.severity == "error" else "[yellow]varning[/yellow]"
            table.add_row(mark, i.code, escape(i.location or "-"), escape(i.message))
        console.print(table)
    unit = f" ({report.unit_id} {report.period})" if report.unit_id else ""
    counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    if report.valid:
        console.print(f"[green]VALID[/green]   {name}{escape(unit)}: {counts}")
    else:
        console.print(f"[red]INVALID[/red] {name}{escape(unit)}: {counts}")
    if feedback:
        console.print(f"        feedback workbook: {escape(str(feedback))}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
