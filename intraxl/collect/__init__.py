"""Stage 3 — collect: the month's e-mail attachments into the period's inbox folder.

Each workbook attachment from an address registered for its unit is saved in the inbox under
a unique, readable name and recorded (sender, time, message id, subject, sha256), together
with its validation. Everything else goes to the quarantine folder with the reason recorded:
an unknown or forged sender, a workbook claiming another unit, a macro-enabled or
non-workbook attachment, one over the size limit, an e-mail file that cannot be read.
Nothing is deleted or overwritten; collecting the same messages again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..analyse.plausibility import file_checks
from ..errors import IntraxlError
from ..issues import Issue, message
from ..mappings import Mappings
from ..periods import Period
from ..reader.package import MAX_FILE_BYTES, too_large
from ..store import Received, Store, modified_at
from ..validate import FileReport, validate_file
from .mail import (
    Attachment,
    Mail,
    MailboxPosition,
    MailboxUrl,
    auth_failure,
    read_folder,
    read_imap,
)

# Attachments these issues are found in never reach the inbox: not a workbook, or unsafe.
QUARANTINE_CODES = ("empty-file", "file-too-large", "not-a-workbook", "macro-enabled",
                    "zip-bomb", "unsafe-xml")
INBOX, QUARANTINE, OTHER_PERIOD = "inbox", "quarantine", "other-period"


def _is_period(text: str) -> bool:
    try:
        Period.parse(text)
        return True
    except ValueError:
        return False


@dataclass
class Collected:
    """What became of one attachment (or of an e-mail file that could not be read)."""

    mail: Mail
    file_name: str
    status: str  # inbox | quarantine | seen (collected before) | other-period (left alone)
    unit_id: str = ""
    saved_as: Path | None = None
    code: str | None = None
    reason: str | None = None
    report: FileReport | None = None
    # an inbox file's warnings against its unit's stored months (not kept in its verdict)
    plausibility: list[Issue] = field(default_factory=list)


def _safe_name(name: str) -> str:
    """A file name that is safe on every file system, readable, never empty."""
    stem, suffix = os.path.splitext(Path(name.replace("\\", "/")).name)
    stem = re.sub(r"[^\w.\- ()åäöÅÄÖ]+", "_", stem).strip(" ._") or "bilaga"
    suffix = re.sub(r"[^\w.]", "", suffix)[:10]
    return f"{stem[:120]}{suffix}"


def _place(folder: Path, name: str, unit_id: str, mail: Mail, data: bytes) -> Path:
    """Write `data` to a new file in `folder`: the attachment's own name when free, else
    with the unit and the received time added (and -2, -3, ... if need be). Never
    overwrites."""
    folder.mkdir(parents=True, exist_ok=True)
    name = _safe_name(name)
    stem, suffix = os.path.splitext(name)
    stamp = f"{unit_id or 'okand'}_{mail.received_at:%Y%m%d-%H%M%S}"
    candidates = [name, f"{stem}_{stamp}{suffix}"] + [f"{stem}_{stamp}-{n}{suffix}"
                                                        for n in range(2, 1000)]
    for candidate in candidates:
        try:
            with open(folder / candidate, "xb") as f:
                f.write(data)
            return folder / candidate
        except FileExistsError:
            continue
    raise OSError(f"no free file name for {name} in {folder}")


def _dated(path: Path, received_at: dt.datetime) -> Path:
    """An inbox copy's modification time set to when its message was received (UTC): its
    received time for `consolidate`, which reads an inbox folder's times from the files.
    Where it may not be set (another user's file in a shared inbox), the copy keeps its
    time: the store has the message's, and a folder's times never re-date e-mail."""
    at = received_at.replace(tzinfo=dt.timezone.utc).timestamp()
    try:
        os.utime(path, (at, at))
    except OSError:
        pass
    return path


def _verdict(m: Mappings, mail: Mail, report: FileReport | None) -> tuple[str, str | None, str]:
    """(code, reason, unit id) of an attachment: code '' means it may enter the inbox."""
    senders_units = [u.id for u in m.units if mail.sender in u.reporters]
    claimed = report.unit_id if report and report.unit_id in {u.id for u in m.units} else None
    unit = claimed or (senders_units[0] if len(senders_units) == 1 else "")
    if report is not None:
        for issue in report.issues:
            if issue.code in QUARANTINE_CODES:
                return issue.code, issue.message, unit
    failed = auth_failure(mail.auth_results, m.organisation.authserv_ids)
    if failed:
        return ("unverified-sender", message("unverified-sender", sender=mail.sender,
                                             failure=failed), unit)
    if not senders_units:
        return ("unknown-sender", message("unknown-sender", "" if mail.sender else "none",
                                          sender=mail.sender), unit)
    if claimed and claimed not in senders_units:
        return ("sender-not-registered", message("sender-not-registered", "mail", unit=claimed,
                                                 sender=mail.sender, units=senders_units),
                unit)
    return "", None, unit


def _log(store: Store, period: Period, source: str, item: Collected, data: bytes,
         sha: str) -> None:
    """Record where an attachment (`data`, whose sha256 is `sha`) went, with its
    provenance."""
    store.record_attachment({
        "period": str(period), "source": source, "message_id": item.mail.message_id,
        "sender": item.mail.sender, "subject": item.mail.subject[:2000],
        "received_at": item.mail.received_at, "file_name": item.file_name,
        "sha256": sha, "size": len(data),
        "unit_id": item.unit_id, "status": item.status, "code": item.code,
        "reason": item.reason, "saved_as": str(item.saved_as)})


def _take(m: Mappings, period: Period, store: Store, mail: Mail, att: Attachment,
          inbox: Path, quarantine: Path, source: str) -> Collected:
    sha = hashlib.sha256(att.data).hexdigest()
    if store.attachment_seen(mail.message_id, att.file_name, sha):
        return Collected(mail, att.file_name, "seen")
    report = None
    reason: str | None
    if len(att.data) > MAX_FILE_BYTES:
        code, reason, unit = ("file-too-large", too_large(len(att.data)).issue.message,
                              _verdict(m, mail, None)[2])
    else:
        with tempfile.TemporaryDirectory(prefix="intraxl-collect-") as d:
            tmp = Path(d) / _safe_name(att.file_name)
            tmp.write_bytes(att.data)
            report = validate_file(tmp, m, period, sender=mail.sender or None)
        code, reason, unit = _verdict(m, mail, report)
        if not code and report.period and report.period != str(period) and \
                _is_period(report.period):
            # Another month's workbook (the mailbox holds every month): left for that
            # month's collect, not taken into this one.
            return Collected(mail, att.file_name, OTHER_PERIOD, unit,
                             reason=f"gäller {report.period}")
    status = QUARANTINE if code else INBOX
    if status == INBOX:
        # The same workbook sent again (another message): one copy in the inbox is enough,
        # dated by its latest message, as the store's latest receipt of it is.
        same = store.inbox_copy(str(period), sha)
        if same and Path(same).exists():
            saved = Path(same)
            _dated(saved, max(modified_at(saved), mail.received_at))
        else:
            saved = _dated(_place(inbox, att.file_name, unit, mail, att.data), mail.received_at)
    else:
        saved = _place(quarantine, att.file_name, unit, mail, att.data)
    item = Collected(mail, att.file_name, status, unit, saved, code or None, reason, report)
    _log(store, period, source, item, att.data, sha)
    if status == INBOX and report is not None:
        # A file that names no known unit is still the sender's unit's (rejected) submission.
        known = {u.id for u in m.units}
        report = report.model_copy(update={
            "file": str(saved), "unit_id": report.unit_id if report.unit_id in known
            else unit or report.unit_id})
        store.record([Received(report, source="email", sender=mail.sender,
                               received_at=mail.received_at, period=str(period))],
                     rules=m.fingerprint)
        item.report = report
        item.plausibility = file_checks(report, m, store)
    return item


def collect(mails: Iterable[Mail], m: Mappings, period: Period, store: Store,
            inbox: str | Path, quarantine: str | Path, source: str,
            progress: Callable[[Collected], None] | None = None) -> list[Collected]:
    """Take every attachment of `mails` into `inbox` or `quarantine`; see the module text.
    One collect at a time on a database: another waits for this one (`Store.run_lock`)."""
    inbox, quarantine = Path(inbox), Path(quarantine)
    with store.run_lock():
        out = []
        for mail in mails:
            if mail.problem is not None:
                att = Attachment(Path(mail.origin).name or "meddelande.eml", mail.raw)
                sha = hashlib.sha256(att.data).hexdigest()
                if store.attachment_seen(mail.message_id, att.file_name, sha):
                    items = [Collected(mail, att.file_name, "seen")]
                else:
                    items = [Collected(mail, att.file_name, QUARANTINE, "",
                                       _place(quarantine, att.file_name, "", mail, att.data),
                                       "unreadable-message",
                                       message("unreadable-message",
                                               detail=mail.problem[:200]))]
                    _log(store, period, source, items[0], att.data, sha)
            else:
                items = [_take(m, period, store, mail, att, inbox, quarantine, source)
                         for att in mail.attachments]
            for item in items:
                out.append(item)
                if progress:
                    progress(item)
    return out


def collect_source(source: str, m: Mappings, period: Period, store: Store,
                   inbox: str | Path, quarantine: str | Path, password: Callable[[], str],
                   rescan: bool = False, progress: Callable[[Collected], None] | None = None,
                   ) -> tuple[list[Collected], str]:
    """`collect` the e-mails of SOURCE (a folder of .eml/.msg, or imaps://user@host/folder)
    received from the period's first day on; returns what became of each attachment and the
    source's name. A mailbox is read from where the period's last collect stopped (its
    UIDVALIDITY and highest UID, kept in the store): only newer messages are fetched, unless
    the server renumbered the folder or `rescan` asks for a full pass."""
    since = dt.date(period.year, period.month, 1)
    if source.startswith(("imaps://", "imap://")):
        box = MailboxUrl.parse(source)
        name = str(box)
        stored = None if rescan else store.mailbox_position(name, str(period))
        position = MailboxPosition(*stored) if stored else MailboxPosition()
        items = collect(read_imap(box, password(), since=since, position=position), m, period,
                        store, inbox, quarantine, name, progress)
        if position.uidvalidity is not None:
            store.save_mailbox_position(name, str(period), position.uidvalidity,
                                        position.last_uid)
        return items, name
    folder = Path(source)
    if not folder.is_dir():
        raise IntraxlError(f"no such folder of e-mails: {folder} (or give imaps://user@host/"
                           "folder)")
    name = str(folder.resolve())
    return collect(read_folder(folder), m, period, store, inbox, quarantine, name,
                   progress), name


__all__ = ["Collected", "INBOX", "OTHER_PERIOD", "QUARANTINE", "collect", "collect_source"]
