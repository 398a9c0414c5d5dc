"""Stage 9 — report: the report model + the controller's texts from the master -> the board
report, a Word document in the reference's chapters rendered through the administration's
docxtpl template (`report_template:` in template.yaml), and its PDF through LibreOffice.

`context.py` decides what the document says (every figure in Swedish), `render.py` puts it
into the template, `default_template.py` makes the shipped template.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from ..analyse.drafts import drafts
from ..consolidate import Report, consolidate, records
from ..contract import SECTION_SUMMARY
from ..errors import IntraxlError, UnreadableMasterError
from ..files import check_not_open, replaced_atomically
from ..mappings import Mappings
from ..master import PREVIOUS_FOLDER, master_files, master_period, read_controller_work
from ..periods import Period
from ..store import FACT_COLUMNS
from .context import ReportContext, build_context
from .render import jinja_env, render_docx


def template_path(m: Mappings) -> Path:
    path = m.report_template
    if path is None:
        raise IntraxlError(f"{m.directory / 'template.yaml'}: report_template is not set: name "
                           "the board report's Word template (e.g. rapportmall.docx)")
    return path


def write_report(report: Report, m: Mappings, master: Path, out: Path,
                 pdf: Path | None = None) -> list[str]:
    """The board report of `report`'s period at `out` (.docx, written atomically), with the
    administration's texts from the `master` workbook; with `pdf`, also as PDF. Where the
    controller has written no text for a section, the report says intraxl's draft of it,
    made from the same figures as the master's, without its `Utkast:` mark. Returns those
    sections: drafts nobody has reviewed, for the caller to warn about."""
    template = template_path(m)
    if not master.is_file():
        raise IntraxlError(f"master workbook not found: {master} (the controller's texts are "
                           f"there: run intraxl consolidate --period {report.period} first)")
    if pdf is not None:
        from ..master.office import soffice

        soffice()  # say what to install before any work
    try:
        work = read_controller_work(master, report.administration)
    except UnreadableMasterError as e:
        raise IntraxlError(
            f"{e}, so the administration's texts for the report cannot be taken from it. Give "
            "the master workbook intraxl consolidate wrote with --master; the earlier masters "
            f"are kept in {PREVIOUS_FOLDER}/ beside it.") from e
    made_for = master_period(master)
    if made_for is not None and made_for != str(report.period):
        raise IntraxlError(
            f"{master} is the master of {made_for}, not of {report.period}: the texts in it "
            f"are that month's. Give {report.period}'s master with --master (intraxl "
            f"consolidate --period {report.period} writes it).")
    shown = master_files(master)
    used = {(str(f["unit_id"]), str(f["sha256"])) for f in records(report.files)
            if f["in_report"]}
    if shown is not None and shown != used:
        names = {u.unit_id: u.name for u in report.units}
        changed = sorted({names.get(unit, unit) for unit, _ in shown ^ used})
        raise IntraxlError(
            f"{master} was written before the files now stored for {report.period} came in "
            f"({', '.join(changed)}): the report's figures would not be the master's, which "
            f"the texts were written against. Run intraxl consolidate --period "
            f"{report.period} first (the controller's texts are carried over), then check "
            "the texts against the new figures.")
    texts = dict(work.sections)
    if work.analysis and not texts.get(SECTION_SUMMARY):  # written in Sammanfattning's box
        texts[SECTION_SUMMARY] = work.analysis
    unreviewed = {s: t for s, t in drafts(report).items() if not (texts.get(s) or "").strip()}
    context = build_context(report, m, {**texts, **unreviewed})
    check_not_open(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with replaced_atomically(out) as tmp:
            render_docx(context, template, tmp)
    except PermissionError as e:
        raise IntraxlError(f"{out} cannot be replaced ({e.strerror}); it may be open in Word. "
                           "Close it and run again; the existing file was not changed.") from e
    if pdf is not None:
        from ..master.office import to_pdf

        to_pdf(out, pdf)
    return list(unreviewed)


def check_template(m: Mappings) -> list[str]:
    """Problems of the mappings' report template: variables the report does not have, and
    whether it renders (with the plan year's first month and no figures)."""
    if m.template.report_template is None:
        return []
    path = template_path(m)
    where = f"{m.directory / 'template.yaml'}: report_template"
    from docxtpl import DocxTemplate

    try:
        unknown = DocxTemplate(str(path)).get_undeclared_template_variables(jinja_env()) \
            - set(ReportContext.model_fields)
    except Exception as e:  # noqa: BLE001 - a broken or non-.docx file, a Jinja mistake
        return [f"{where}: {path} cannot be read as a template: {type(e).__name__}: {e}"]
    if unknown:
        return [f"{where}: {path} uses {', '.join(sorted(unknown))}, which the report does "
                f"not have (it has {', '.join(ReportContext.model_fields)})"]
    report = consolidate(m, Period(m.plan.year, 1), pd.DataFrame(columns=FACT_COLUMNS), [])
    with tempfile.TemporaryDirectory(prefix="intraxl-") as d:
        try:
            render_docx(build_context(report, m, {}), path, Path(d) / "prov.docx")
        except IntraxlError as e:
            return [f"{where}: {e}"]
    return []


__all__ = ["ReportContext", "build_context", "check_template", "write_report"]
