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

console = Console(highlight=False)


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
