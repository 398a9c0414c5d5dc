"""The `intraxl` command: a thin shell over the library, one function call per command.

Exit codes: 0 success; 1 the command ran and found a problem (invalid mappings, invalid
submissions, a file that cannot be written); 2 usage error (unknown option, bad period);
3 an unexpected error, its details logged to a file the `error:` line names.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import sys
from pathlib import Path
from typing import Any, Callable

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__, contract, swedish
from .errors import IntraxlError, MappingError, ProblemsError
from .mappings import Mappings, load_mappings
from .periods import Period

console = Console(highlight=False, soft_wrap=True)
# When the command is done the process ends and the OS takes its memory back: Python's final
# cycle collection over everything left (a month's reports and frames) took 0.3 s of a 3.6 s
# run of 1,000 units. Frozen objects are not scanned; files are closed by then.
atexit.register(gc.freeze)
LIST_ALL_UNITS_UP_TO = 40  # beyond this, terminal tables list only the units needing attention
STATE_WIDTH = 15  # a unit's state in a terminal table: `godkänd, senare` / `fil avvisad`
STATE_COLOURS = {contract.UNIT_ACCEPTED: "green", contract.UNIT_REJECTED: "red",
                 contract.UNIT_QUARANTINED: "red", contract.UNIT_MISSING: "yellow"}


def _listed(table: Table, units: list[Any]) -> list[Any]:
    """The units to list in a terminal table: all of them in a small organisation, else only
    those needing attention (the table's caption says how many are left out)."""
    if len(units) <= LIST_ALL_UNITS_UP_TO:
        return units
    shown = [u for u in units if u.needs_attention]
    table.caption = f"{len(units) - len(shown)} godkända enheter visas inte"
    return shown


def _terminal_table(title: str, *columns: str, wide: tuple[int, ...] = (0,)) -> Table:
    """A table that fits 80 columns: light lines; its `wide` columns (a unit's name, a
    file's, with their details below; a reason) share what the others leave."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for i, col in enumerate(columns):
        table.add_column(col, overflow="fold", ratio=1 if i in wide else None,
                         max_width=STATE_WIDTH if col == "läge" else None,
                         justify="right" if col in ("fel", "varn.") else "left")
    return table


def _with_details(name: str, *details: str | None) -> str:
    """A name with its details (a file, who sent it) below it, dimmed, a line each."""
    below = "".join(f"\n[dim]{escape(d)}[/]" for d in details if d)
    return escape(name) + below


def _state(state: str, label: str, needs_attention: bool) -> str:
    """A unit's state in a terminal table, coloured: `godkänd, senare fil avvisad` in yellow."""
    colour = (STATE_COLOURS[state] if state != contract.UNIT_ACCEPTED or not needs_attention
              else "yellow")
    return f"[{colour}]{label}[/]"


def _counts_line(counts: dict[str, int]) -> str:
    from .unit_state import LATER_REJECTED

    later = counts[LATER_REJECTED]
    accepted, rejected = (swedish.counted(counts[state], state, plural) for state, plural in (
        (contract.UNIT_ACCEPTED, "godkända"), (contract.UNIT_REJECTED, "avvisade")))
    return (f"enheter: {accepted}, {rejected}, "
            f"{counts[contract.UNIT_QUARANTINED]} i karantän, "
            f"{counts[contract.UNIT_MISSING]} saknas"
            + (f"\n  varav {later} godkända med {LATER_REJECTED}" if later else ""))


def _plausibility_lines(name: str, issues: list[dict[str, Any]]) -> None:
    """One line per plausibility warning of a file: `rimlighet NAME: Ekonomi!C10 CODE: …`."""
    from rich.markup import escape

    for i in issues:
        console.print(f"[yellow]rimlighet[/] {escape(name)}: {i['sheet']}!{i['cell']} "
                      f"{i['code']}: {escape(i['message'])}", soft_wrap=False)


def _default_inbox(period: Period) -> Path:
    """Where a period's workbooks are collected and consolidated from unless told."""
    return Path("workbooks/inbox") / str(period)


def _default_master(period: Period) -> Path:
    return Path("workbooks/master") / f"manadsuppfoljning_{period}.xlsx"


def _named(suffix: str, advice: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An --out file name must end in `suffix` (what is written is that kind of file, whatever
    the name says): else a usage error (exit 2) with `advice`."""
    def check(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() != suffix:
            raise click.BadParameter(f"{str(value)!r} does not end in {suffix}: {advice}",
                                     ctx, param)
        return value
    return check


class PeriodType(click.ParamType):
    """A period on the command line, `YYYY-MM`; anything else is a usage error (exit 2)."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Period:
        if isinstance(value, Period):
            return value
        try:
            return Period.parse(value)
        except ValueError:
            self.fail(f"{value!r} is not a period YYYY-MM (a year 1900-2199), e.g. 2023-02",
                      param, ctx)


def period_option(help: str = "The month, YYYY-MM.", required: bool = False,
                  multiple: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--period YYYY-MM, passed as a Period (as `periods`, a tuple, when repeatable)."""
    return click.option("--period", "periods" if multiple else "period", type=PeriodType(),
                        required=required, multiple=multiple, help=help)


def db_url_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--db URL (or INTRAXL_DB), passed as `db_url`: None for the default database."""
    return click.option("--db", "db_url", default=None, envvar="INTRAXL_DB",
                        help=f"{help} [default: intraxl.db; or INTRAXL_DB].")


def mappings_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """--mappings DIR, loaded into a Mappings object passed as `m`."""

    @click.option("--mappings", "mappings_dir", type=click.Path(path_type=Path),
                  default="mappings", envvar="INTRAXL_MAPPINGS", show_default=True,
                  help="Folder with the mapping YAML files (or INTRAXL_MAPPINGS).")
    @functools.wraps(f)
    def wrapper(*args: Any, mappings_dir: Path, **kwargs: Any) -> Any:
        from .pipeline import few_collections

        # An organisation of 10,000 units is 10,000 models: with the collector's default
        # thresholds it ran 600 times and took half of the 0.65 s of loading them.
        with few_collections():
            m = load_mappings(mappings_dir)
        return f(*args, m=m, **kwargs)

    return wrapper


EXIT_UNEXPECTED = 3  # an error intraxl did not expect (a bug): its details are in a log file
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report a program ended by it (128 + SIGINT)


def _log_unexpected(e: Exception, command: str) -> Path | None:
    """Write an unexpected error's traceback to a new log file in intraxl's folder for the
    user (else the temporary folder); its path, or None when nowhere can be written. The
    command line is not logged: a database URL may hold a password."""
    import os
    import platform
    import tempfile
    import traceback

    text = (f"intraxl {__version__}, Python {platform.python_version()}, {platform.platform()}"
            f"\ncommand: {command}\n\n{''.join(traceback.format_exception(e))}")
    name = f"intraxl-{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
    for folder in (Path(click.get_app_dir("intraxl")) / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            return folder / name
        except OSError:
            continue
    return None


class _Group(click.Group):
    """Turns every error into one `error:` line, never a traceback: the library's stopping
    errors and a file that cannot be read or written exit 1; anything else is unexpected,
    logged with its traceback, and exits 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProblemsError as e:
            for line in e.problems:
                click.echo(f"error: {line}", err=True)
            ctx.exit(1)
        except IntraxlError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(1)
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"error: {where}{e.strerror or e}", err=True)
            ctx.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("error: interrupted: what was stored before stays stored and nothing "
                       "is half-written (the master and every file are replaced whole); run "
                       "the command again", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as e:  # noqa: BLE001 - the last resort: never a traceback
            log = _log_unexpected(e, ctx.command_path + " " + (ctx.invoked_subcommand or ""))
            first = (str(e).splitlines() or [""])[0][:300]
            click.echo(f"error: unexpected {type(e).__name__}: {first} (details in "
                       f"{log or 'no log: nowhere to write it'})", err=True)
            ctx.exit(EXIT_UNEXPECTED)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="intraxl")
def main() -> None:
    """intraxl — the monthly follow-up (månadsuppföljning): templates, validation, history
    and the master workbook."""


@main.command("check-mappings")
@mappings_option
def check_mappings(m: Mappings) -> None:
    """Validate and cross-check mappings/*.yaml (and that the report template renders) and
    print a summary."""
    from .report import check_template

    problems = check_template(m)
    if problems:
        raise MappingError(problems)
    console.print(f"Mappings OK: {m.organisation.administration}, plan {m.plan.year}, "
                  f"template version {m.template.version}")
    table = Table()
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, n in m.summary().items():
        table.add_row(what, str(n))
    console.print(table)


@main.command()
@period_option(required=True)
@click.option("--unit", "units", multiple=True, help="Unit id (repeatable); default all units.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder [default: workbooks/templates/YYYY-MM].")
@db_url_option("History database to pre-fill from")
@mappings_option
def template(m: Mappings, period: Period, units: tuple[str, ...], out_dir: Path | None,
             db_url: str | None) -> None:
    """Write one pre-filled template per unit for PERIOD."""
    from .pipeline import write_period_templates

    out_dir = out_dir or Path("workbooks/templates") / str(period)
    written = write_period_templates(m, period, out_dir, units, db_url)
    if written.history is not None:
        console.print(f"pre-filled from {written.history}: "
                      f"{', '.join(written.carried) or 'no stored periods to carry'}")
    else:
        console.print("no history database yet: the templates are not pre-filled")
    paths = written.paths
    for p in paths:
        console.print(f"wrote {p}")
    console.print(f"{len(paths)} template(s) for {period}, version {m.template.version}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@period_option("The period being collected, YYYY-MM: a file for another period is an error.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report (stable shape).")
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path), default=None,
              help="Write a feedback workbook for each invalid file, and each file with "
                   "plausibility warnings, into this folder.")
@db_url_option("History database, when there is one: each file's figures are also checked "
               "against its unit's stored months (plausibility warnings)")
@mappings_option
def validate(m: Mappings, paths: tuple[Path, ...], period: Period | None, as_json: bool,
             feedback_dir: Path | None, db_url: str | None) -> None:
    """Validate submitted workbooks (files or folders). Exit 0 all valid, 1 some invalid."""
    import json

    from .pipeline import check_files
    from .validate import expand_paths

    files = expand_paths(paths)
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(f"no such file or folder: {', '.join(map(str, missing))}",
                                 param_hint="PATHS")
    reports = []
    for report, written in check_files(files, m, period, db_url, feedback_dir):
        reports.append(report)
        if not as_json:
            _print_report(report, written)
    if as_json:
        click.echo(json.dumps({"valid": all(r.valid for r in reports),
                               "files": [r.to_json() for r in reports]},
                              ensure_ascii=False, indent=2, default=str))
    else:
        ok = sum(r.valid for r in reports)
        console.print(f"{ok} av {len(reports)} filer godkända")
    if not all(r.valid for r in reports):
        sys.exit(1)


def _print_report(report: Any, feedback: Path | str | None) -> None:
    name = escape(Path(report.file).name)
    if report.issues:
        table = Table(title=name, title_justify="left", show_lines=False)
        for col in ("", "kod", "cell", "meddelande"):
            table.add_column(col, overflow="fold")
        for i in report.issues:
            mark = "[red]fel[/red]" if i.severity == "error" else "[yellow]varning[/yellow]"
            table.add_row(mark, i.code, escape(i.location or "-"), escape(i.message))
        console.print(table)
    known = " ".join(str(x) for x in (report.unit_id, report.period) if x)
    unit = f" ({known})" if known else ""
    counts = f"{len(report.errors)} fel, {len(report.warnings)} varning(ar)"
    if report.valid:
        console.print(f"[green]GODKÄND[/green] {name}{escape(unit)}: {counts}")
    else:
        console.print(f"[red]AVVISAD[/red] {name}{escape(unit)}: {counts}")
    if isinstance(feedback, Path):
        console.print(f"        återkopplingsfil: {escape(str(feedback))}")
    elif feedback:
        console.print(f"        ingen återkopplingsfil: {escape(feedback)}")


def db_option(f: Callable[..., Any] | None = None, *, existing: bool = False) -> Any:
    """--db URL, opened as a Store passed as `store`; with `existing`, for a command that
    only reads, the database must be there (store.require_database)."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @db_url_option("History database: a SQLite file or a SQLAlchemy URL "
                       "(postgresql+psycopg://...)")
        @functools.wraps(f)
        def wrapper(*args: Any, db_url: str | None, **kwargs: Any) -> Any:
            from .store import Store, require_database

            if existing:
                require_database(db_url)
            store = Store(db_url)
            try:
                return f(*args, store=store, **kwargs)
            finally:
                store.dispose()

        return wrapper

    return decorate if f is None else decorate(f)


def _tkr(v: Any) -> str:
    return "–" if v is None or v != v else swedish.tkr(v)


def _folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """A folder argument that names a file is a usage error, said before any work."""
    if value is not None and value.exists() and not value.is_dir():
        raise click.BadParameter(f"{str(value)!r} is a file: give the folder that holds the "
                                 "month's workbooks", ctx, param)
    return value


@main.command()
@click.argument("inbox", required=False, type=click.Path(path_type=Path), callback=_folder)
@period_option("The month, YYYY-MM [default: the inbox folder's name].")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              callback=_named(".xlsx", "the master is an Excel workbook (--pdf writes a PDF "
                                       "beside it)"),
              help="Master workbook [default: workbooks/master/manadsuppfoljning_YYYY-MM.xlsx].")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any unit needs attention: missing, rejected, quarantined, "
                   "or accepted with a later file rejected.")
@click.option("--pdf", is_flag=True,
              help="Also write the report sheets as a PDF beside the master (LibreOffice).")
@click.option("--open", "open_", is_flag=True,
              help="Open the master in Excel afterwards (the optional excel extra).")
@click.option("--force", is_flag=True,
              help="Replace the master even if it was changed by hand (it is kept in "
                   "föregående/; sheets added by hand are carried over).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="How many earlier masters to keep in föregående/ beside it [default: 10].")
@db_option
@mappings_option
def consolidate(m: Mappings, store: Any, inbox: Path | None, period: Period | None,
                out: Path | None, strict: bool, pdf: bool, open_: bool, force: bool,
                keep: int | None) -> None:
    """Validate the inbox, store, consolidate and write the master workbook."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .pipeline import few_collections, run

    if pdf:
        from .master.office import soffice

        soffice()  # say what to install before the month's work, not after

    if period is None and inbox is not None:
        try:
            period = Period.parse(inbox.name)
        except ValueError:
            pass
    if period is None:
        raise click.UsageError("give --period YYYY-MM (or an inbox folder named YYYY-MM)")
    inbox = inbox or _default_inbox(period)
    out = out or _default_master(period)
    err = Console(stderr=True)
    # Redrawn as the run goes, not by a thread of its own: with no other thread running,
    # the master's record is made by a copy of the process (master/aside.py).
    with few_collections(), Progress(TextColumn("{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), console=err, transient=True,
                                     auto_refresh=False) as bar:
        task = bar.add_task("validating", total=None)

        def validated(n: int) -> None:
            bar.advance(task, n)
            bar.refresh()

        result = run(inbox, period, m, store, out, progress=validated,
                     on_files=lambda n: bar.update(task, total=n, refresh=True),
                     on_stage=lambda stage: bar.update(task, description=stage, refresh=True),
                     pdf=out.with_suffix(".pdf") if pdf else None, force=force, keep=keep)
    report = result.report
    table = _terminal_table(f"{escape(m.organisation.administration)} {period}: "
                            f"{len(result.reports)} filer, {result.new} nya, {result.changed} "
                            f"ändrade, {result.unchanged} oförändrade",
                            "enhet och fil", "läge", "fel", "varn.")
    for u in _listed(table, report.units):
        table.add_row(_with_details(u.name, u.file), _state(u.status, u.label, u.needs_attention),
                      str(u.errors), str(u.warnings))
    console.print(table)
    unit_ids = {u.id for u in m.units}
    others = [r for r in result.reports if r.unit_id not in unit_ids and not r.valid]
    for r in others:
        console.print(f"[red]avvisad[/] {escape(Path(r.file).name)}: "
                      f"{escape(r.errors[0].message) if r.errors else 'okänd enhet'}")
    counts = report.status_counts()
    total, costs = report.totals()
    console.print(_counts_line(counts))
    console.print(f"resultat: prognos helår {_tkr(total['forecast'])}, avvikelse "
                  f"utfall/budget {_tkr(total['deviation'])}")
    console.print(f"kostnader: utfall {_tkr(costs['outcome'])}, budget {_tkr(costs['budget'])}")
    if report.plausibility:
        n = sum(map(len, report.plausibility.values()))
        console.print(f"rimlighet: {n} varning(ar) i {len(report.plausibility)} enhet(er): se "
                      "Inlämningar eller intraxl status")
    if result.revalidated:
        console.print(f"[yellow]obs:[/] mappningarna eller intraxl har ändrats: "
                      f"{result.revalidated} filer validerades igen")
    for note in report.notes:
        console.print(f"[yellow]obs:[/] {escape(note)}", soft_wrap=False)  # wrapped at the width
    console.print(f"wrote {result.master}")
    if pdf:
        console.print(f"wrote {out.with_suffix('.pdf')}")
    if open_:
        from .master.office import open_in_excel

        open_in_excel(result.master)
    if strict and any(u.needs_attention for u in report.units):
        click.echo("error: --strict: some units are missing, rejected or quarantined, or "
                   "had a later file rejected", err=True)
        sys.exit(1)


@main.command()
@period_option(required=True)
@db_option(existing=True)
@click.option("--master", type=click.Path(path_type=Path), default=None,
              help="The master workbook with the controller's texts "
                   "[default: workbooks/master/manadsuppfoljning_YYYY-MM.xlsx].")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              callback=_named(".docx", "the report is a Word document (--pdf writes a PDF "
                                       "beside it)"),
              help="The report [default: workbooks/reports/manadsuppfoljning_YYYY-MM.docx].")
@click.option("--pdf", is_flag=True, help="Also write it as a PDF beside it (LibreOffice).")
@mappings_option
def report(m: Mappings, store: Any, period: Period, master: Path | None, out: Path | None,
           pdf: bool) -> None:
    """Write the month's board report (Word, and PDF): figures from the store, texts from
    the master."""
    from .pipeline import consolidated
    from .report import write_report

    master = master or _default_master(period)
    out = out or Path("workbooks/reports") / f"manadsuppfoljning_{period}.docx"
    month = consolidated(m, period, store)
    drafted = write_report(month, m, master, out, out.with_suffix(".pdf") if pdf else None)
    for section in drafted:
        click.echo(f"warning: {section}: the report has intraxl's draft of this text, which "
                   "nobody has reviewed: write or accept it in the master's Kommentarer "
                   "(delete `Utkast:` to make it yours)", err=True)
    console.print(f"wrote {out}")
    if pdf:
        console.print(f"wrote {out.with_suffix('.pdf')}")


@main.command()
@click.argument("source")
@period_option(required=True)
@click.option("--inbox", type=click.Path(path_type=Path), default=None,
              help="Where workbooks go [default: workbooks/inbox/YYYY-MM].")
@click.option("--quarantine", type=click.Path(path_type=Path), default=None,
              help="Where everything else goes [default: workbooks/quarantine/YYYY-MM].")
@click.option("--rescan", is_flag=True,
              help="Read the whole mailbox folder again, not only the messages that came "
                   "after the period's last collect.")
@db_option
@mappings_option
def collect(m: Mappings, store: Any, source: str, period: Period, inbox: Path | None,
            quarantine: Path | None, rescan: bool) -> None:
    """Save the month's e-mailed workbooks in the inbox (SOURCE: a folder of .eml/.msg
    files, or imaps://user@host/folder with the password in INTRAXL_IMAP_PASSWORD)."""
    import os

    from rich.progress import Progress, SpinnerColumn, TextColumn

    from .collect import collect_source
    from .collect.mail import MAIL_SUFFIXES, PASSWORD_ENV

    inbox = inbox or _default_inbox(period)
    quarantine = quarantine or Path("workbooks/quarantine") / str(period)

    def password() -> str:
        return os.environ.get(PASSWORD_ENV) or click.prompt("IMAP password", hide_input=True,
                                                            err=True)

    table = _terminal_table("", "bilaga", "enhet", "blev", "varför", wide=(0, 3))
    shown = {"inbox": ("inkorg", "green"), "quarantine": ("karantän", "red"),
             "seen": ("redan hämtad", "dim"), "other-period": ("annan period", "dim")}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"reading {source}", total=None)
        items, name = collect_source(
            source, m, period, store, inbox, quarantine, password, rescan,
            progress=lambda i: bar.update(task, advance=1, description=(
                f"{bar.tasks[0].completed + 1:.0f} attachment(s), last "
                f"{escape(i.file_name)}")))
    table.title = f"{name}: {period}"
    for i in items:
        where, colour = shown[i.status]
        table.add_row(_with_details(i.file_name, f"från {i.mail.sender}"), i.unit_id or "-",
                      f"[{colour}]{where}[/]",
                      escape(f"{i.code}: {i.reason}") if i.code else escape(i.reason or ""))
    console.print(table)
    for i in items:
        _plausibility_lines(i.file_name, [p.model_dump() for p in i.plausibility])
    folder = Path(source)
    if not items and folder.is_dir() and not any(
            f.suffix.lower() in MAIL_SUFFIXES for f in folder.rglob("*")):
        click.echo(f"warning: {source}: no .eml or .msg files in this folder (collect reads "
                   "saved e-mails; a folder of workbooks is consolidate's inbox)", err=True)
    n = {s: sum(i.status == s for i in items) for s in shown}
    console.print(f"{n['inbox']} till inkorgen, {n['quarantine']} till karantän, "
                  f"{n['seen']} hämtade tidigare, {n['other-period']} för annan period")
    console.print(f"inkorg: {escape(str(inbox))}\nkarantän: {escape(str(quarantine))}")


@main.command()
@period_option(required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--drafts", "drafts_dir", type=click.Path(path_type=Path), default=None,
              help="Write reminder and reply e-mails (.eml drafts) into this folder.")
@click.option("--inbox", type=click.Path(path_type=Path), default=None,
              help="The period's inbox, for the feedback workbooks "
                   "[default: workbooks/inbox/YYYY-MM].")
@db_option(existing=True)
@mappings_option
def status(m: Mappings, store: Any, period: Period, as_json: bool, drafts_dir: Path | None,
           inbox: Path | None) -> None:
    """One row per unit: received (when, from whom), accepted or rejected, quarantined,
    missing."""
    from .status import period_status, write_drafts

    st = period_status(m, period, store)
    drafts = write_drafts(st, m, inbox or _default_inbox(period), drafts_dir) \
        if drafts_dir is not None else []
    if as_json:
        click.echo(st.model_dump_json(indent=2))
        return
    table = _terminal_table(f"{escape(m.organisation.administration)} {period}",
                            "enhet och senaste fil", "läge", "mottagen", "fel", "varn.")
    for u in _listed(table, st.units):
        superseded = f"\n{u.superseded} ersatta" if u.superseded else ""
        table.add_row(_with_details(u.unit, u.file, u.sender and f"från {u.sender}"),
                      _state(u.state, u.label, u.needs_attention) + superseded,
                      f"{swedish.local_time(u.received_at):%Y-%m-%d\n%H:%M}"
                      if u.received_at else "-",
                      str(u.errors), str(u.warnings))
    console.print(table)
    for u in st.units:
        _plausibility_lines(u.in_report or u.unit, u.plausibility)
    for u in st.units:
        for q in u.quarantined:
            console.print(f"[red]karantän[/] {escape(u.unit)}: {escape(q.file_name)} från "
                          f"{escape(q.sender)}: {escape(q.reason)}")
    for f in st.other_files:
        console.print(f"[red]avvisad[/] {escape(f.file_name)}: "
                      f"{escape(f.first_issue or 'okänd enhet')}")
    for q in st.unattributed:
        console.print(f"[red]karantän[/] {escape(q.file_name)} från {escape(q.sender or '?')}:"
                      f" {escape(q.reason)}")
    console.print(_counts_line(st.counts()))
    plausible = sum(len(u.plausibility) for u in st.units)
    if plausible:
        console.print(f"rimlighet: {plausible} varning(ar) i "
                      f"{sum(bool(u.plausibility) for u in st.units)} enhet(er)")
    for d in drafts:
        console.print(f"wrote {d}")


@main.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def refresh(file: Path) -> None:
    """Recalculate every formula of a workbook and save it (Excel, else LibreOffice)."""
    from .master import previous_masters
    from .master.office import refresh as recalculate

    used = recalculate(file)
    console.print(f"recalculated {file} with {used}; the previous file is "
                  f"{previous_masters(file)[-1]}")


@main.group()
def history() -> None:
    """Back-fill past periods and export the stored facts."""


@history.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@db_option
@mappings_option
def history_import(m: Mappings, store: Any, file: Path) -> None:
    """Import a tidy CSV or workbook (Period, Enhet-ID, Enhet, Tabell, ID, Fält, Värde)."""
    from .history import import_history

    issues, summary = import_history(file, m, store)
    for i in issues:
        console.print(f"{i.severity.value}: {i.location} {i.code}: {i.message}")
    errors = [i for i in issues if i.severity.value == "error"]
    if errors:
        click.echo(f"error: {file}: {len(errors)} error(s); nothing was imported", err=True)
        sys.exit(1)
    new, stored = summary["nya fakta"], summary["fakta"] - summary["nya fakta"]
    console.print(f"{escape(str(file))}: {summary['fakta']} fakta, {summary['perioder']} "
                  f"period(er), {summary['enheter']} enhet(er)")
    console.print(f"importerade {new} nya fakta ({summary['nya']} inlämningar); {stored} "
                  "fanns redan och lades inte till igen")


@history.command("export")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="A .csv or .parquet file.")
@period_option("Only this period, YYYY-MM (repeatable).", multiple=True)
@db_option(existing=True)
@mappings_option
def history_export(m: Mappings, store: Any, out: Path, periods: tuple[Period, ...]) -> None:
    """Write the stored facts (latest accepted per unit and period) for BI tools."""
    from .history import export_history

    n = export_history(store, m, out, [str(p) for p in periods] or None)
    console.print(f"wrote {out}: {n} facts")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
