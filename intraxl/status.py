"""Who has sent, who is missing, whose file was rejected or quarantined — and the e-mails
finance sends about it (ready-to-send .eml drafts: reminders and replies with feedback)."""

from __future__ import annotations

import datetime as dt
import email.utils
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .analyse.plausibility import stored_checks
from .contract import UNIT_MISSING, UNIT_QUARANTINED, UNIT_REJECTED, UNIT_STATES, UnitState
from .mappings import Mappings
from .periods import Period
from .store import Store, SubmissionRecord
from .unit_state import LATER_REJECTED, standing


class Quarantined(BaseModel):
    file_name: str
    sender: str
    received_at: dt.datetime
    code: str
    reason: str
    saved_as: str


class OtherFile(BaseModel):
    """A file received for the period that names no unit of the mappings (rejected)."""

    file_name: str
    sender: str | None
    received_at: dt.datetime
    errors: int
    first_issue: str | None


class UnitStatus(BaseModel):
    unit_id: str
    unit: str
    state: UnitState  # unit_state.standing: godkänd when a file of it is in the report
    label: str  # the state as shown: `godkänd, senare fil avvisad`
    later_rejected: bool = False  # a file newer than the one in the report was rejected
    needs_attention: bool
    in_report: str | None = None  # the file in the report
    file: str | None = None  # the latest submission
    sender: str | None = None
    received_at: dt.datetime | None = None
    errors: int = 0
    warnings: int = 0
    issues: list[dict[str, Any]] = []  # the latest submission's issues
    # the plausibility warnings of the file in the report, against the unit's stored months
    plausibility: list[dict[str, Any]] = []
    superseded: int = 0  # earlier submissions of the period
    message_id: str | None = None  # the e-mail it came in, when it came by e-mail
    subject: str | None = None
    quarantined: list[Quarantined] = []


class PeriodStatus(BaseModel):
    period: str
    units: list[UnitStatus]
    unattributed: list[Quarantined]  # quarantined attachments that name no unit
    other_files: list[OtherFile] = []  # files received that name no unit (rejected)

    def counts(self) -> dict[str, int]:
        """Units per state, and `senare fil avvisad`: accepted units whose newer file was
        rejected."""
        counts = {s: sum(u.state == s for u in self.units) for s in UNIT_STATES}
        counts[LATER_REJECTED] = sum(u.later_rejected for u in self.units)
        return counts


def period_status(m: Mappings, period: Period, store: Store) -> PeriodStatus:
    subs = store.submissions(str(period))  # oldest first
    mails = store.attachments(str(period))
    by_sha = {a["sha256"]: a for a in sorted(  # a workbook sent again: its latest message
        (a for a in mails if a["status"] == "inbox"), key=lambda a: a["received_at"])}
    quarantine = [a for a in mails if a["status"] == "quarantine"]

    def q(a: dict[str, Any]) -> Quarantined:
        return Quarantined(file_name=a["file_name"], sender=a["sender"],
                           received_at=a["received_at"], code=a["code"] or "",
                           reason=a["reason"] or "", saved_as=a["saved_as"])

    subs_of: dict[str, list[SubmissionRecord]] = {}
    for s in subs:
        subs_of.setdefault(s.unit_id, []).append(s)
    held_of: dict[str, list[Quarantined]] = {}
    for a in quarantine:
        held_of.setdefault(a["unit_id"], []).append(q(a))
    standings = {u.id: standing(subs_of.get(u.id, []), str(period), bool(held_of.get(u.id)))
                 for u in m.units}
    plausible = stored_checks(m, period, store, {
        unit: st.in_report.file_name for unit, st in standings.items() if st.in_report})
    units = []
    for u in m.units:
        mine, held = subs_of.get(u.id, []), held_of.get(u.id, [])
        st = standings[u.id]
        about: dict[str, Any] = {}
        if st.latest is not None:
            last = st.latest
            mail = by_sha.get(last.sha256, {})
            about = dict(file=last.file_name, sender=last.sender, received_at=last.received_at,
                         errors=last.error_count, warnings=last.warning_count,
                         issues=last.issues, superseded=len(mine) - 1,
                         message_id=mail.get("message_id"), subject=mail.get("subject"))
        units.append(UnitStatus(
            unit_id=u.id, unit=u.name, state=st.state, label=st.label,
            later_rejected=st.later_rejected, needs_attention=st.needs_attention,
            in_report=st.in_report.file_name if st.in_report else None, quarantined=held,
            plausibility=[i.model_dump(mode="json", exclude={"table", "row_key", "column"})
                          for i in plausible.get(u.id, [])],
            **about))
    known = {u.id for u in m.units}
    others = [OtherFile(file_name=s.file_name, sender=s.sender, received_at=s.received_at,
                        errors=s.error_count, first_issue=next(
                            (i["message"] for i in s.issues if i["severity"] == "error"), None))
              for s in subs if s.unit_id not in known and not s.accepted]
    return PeriodStatus(period=str(period), units=units,
                        unattributed=[q(a) for a in quarantine if a["unit_id"] not in known],
                        other_files=others)


# --- drafts --------------------------------------------------------------------------------

def _draft(m: Mappings, to: list[str], subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    if m.organisation.mailbox:
        msg["From"] = m.organisation.mailbox
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["X-Unsent"] = "1"  # Outlook opens the file as a draft, ready to send
    msg.set_content(body)
    return msg


def _issue_lines(issues: list[dict[str, Any]]) -> str:
    lines = []
    for i in issues:
        where = f"{i.get('sheet')}!{i.get('cell')}" if i.get("sheet") and i.get("cell") \
            else i.get("sheet") or "arbetsboken"
        severity = "Fel" if i.get("severity") == "error" else "Varning"
        lines.append(f"- {severity} i {where}: {i.get('message')}")
    return "\n".join(lines)


def _meanwhile(u: UnitStatus) -> str:
    """What the report uses until a corrected file comes, when an earlier one was accepted."""
    if not u.later_rejected:
        return ""
    return f" Till dess används er tidigare godkända fil ({u.in_report}) i rapporten."


def write_drafts(status: PeriodStatus, m: Mappings, inbox: Path, out_dir: Path) -> list[Path]:
    """A reminder to each missing unit, a reply with the issues and the feedback workbook to
    each rejected one, and a note to each unit whose workbook was quarantined. Returns the
    files written (NN_unit_purpose.eml)."""
    from .feedback import write_feedback
    from .validate import validate_file

    period = Period.parse(status.period)
    month = period.label_sv
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for u in status.units:
        unit = m.unit(u.unit_id)
        if u.state == UNIT_MISSING:
            subject = f"Påminnelse: månadsuppföljning {month} – {u.unit}"
            msg = _draft(m, unit.reporters, subject,
                         f"Hej!\n\nVi har ännu inte fått månadsuppföljningen för {month} "
                         f"från {u.unit}. Fyll i mallen och skicka den till "
                         f"{m.organisation.mailbox or 'ekonomi'} så snart som möjligt.\n\n"
                         f"Vänliga hälsningar\nEkonomi, {m.organisation.administration}\n")
            purpose = "paminnelse"
        elif u.state == UNIT_REJECTED or u.later_rejected:  # a reply to the rejected file
            to = [u.sender] if u.sender else unit.reporters
            subject = f"Re: {u.subject}" if u.subject else \
                f"Månadsuppföljning {month} – {u.unit}: komplettering behövs"
            errors = [i for i in u.issues if i.get("severity") == "error"]
            source = inbox / (u.file or "")
            feedback = write_feedback(validate_file(source, m, period), m,
                                      out_dir / "feedback", period) \
                if u.file and source.is_file() else None
            where = "Den bifogade arbetsboken visar var; rätta och skicka den igen." \
                if feedback is not None else "Felen står nedan; rätta arbetsboken och skicka " \
                "den igen."
            msg = _draft(m, to, subject,
                         f"Hej!\n\nTack för månadsuppföljningen för {month} ({u.file}). Den "
                         f"kan inte tas emot ännu: vi hittade {len(errors)} fel som behöver "
                         f"rättas. {where}{_meanwhile(u)}\n\n{_issue_lines(u.issues)}\n\n"
                         f"Vänliga hälsningar\nEkonomi, {m.organisation.administration}\n")
            if u.message_id:
                msg["In-Reply-To"] = u.message_id
                msg["References"] = u.message_id
            if feedback is not None:
                msg.add_attachment(
                    feedback.read_bytes(), maintype="application",
                    subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    filename=feedback.name)
            purpose = "svar"
        elif u.state == UNIT_QUARANTINED:
            held = u.quarantined[-1]
            msg = _draft(m, unit.reporters, f"Månadsuppföljning {month} – {u.unit}: "
                         "arbetsboken kunde inte tas emot",
                         f"Hej!\n\nEn bilaga till ekonomi ({held.file_name}, från "
                         f"{held.sender or 'okänd avsändare'}) kunde inte tas emot: "
                         f"{held.reason}\n\nSkicka mallen från en registrerad adress för "
                         f"{u.unit}, som en vanlig .xlsx-fil.\n\nVänliga hälsningar\nEkonomi, "
                         f"{m.organisation.administration}\n")
            purpose = "karantan"
        else:
            continue
        path = out_dir / f"{len(written) + 1:02d}_{u.unit_id}_{purpose}.eml"
        path.write_bytes(bytes(msg))
        written.append(path)
    return written


__all__ = ["PeriodStatus", "Quarantined", "UnitStatus", "period_status", "write_drafts"]
