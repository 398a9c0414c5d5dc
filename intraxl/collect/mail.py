"""E-mails in, as plain data: saved `.eml` and Outlook `.msg` files, or an IMAP mailbox.

Only reads; never marks, moves or deletes a message. Header values are untrusted text.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import imaplib
import re
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

from ..errors import IntraxlError

MAIL_SUFFIXES = (".eml", ".msg")
PASSWORD_ENV = "INTRAXL_IMAP_PASSWORD"


@dataclass
class Attachment:
    file_name: str
    data: bytes


@dataclass
class Mail:
    origin: str  # the .eml/.msg file, or the mailbox URL and the message's UID
    message_id: str
    sender: str  # the bare address, lower case; '' when there is none
    subject: str
    received_at: dt.datetime  # naive UTC, by the receiving server's clock (see `parse_eml`)
    attachments: list[Attachment] = field(default_factory=list)
    auth_results: list[str] = field(default_factory=list)  # Authentication-Results, topmost first
    problem: str | None = None  # the message itself could not be read
    raw: bytes = b""  # kept only when the message cannot be read (it goes to quarantine)


def _utc(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _address(header: str | None) -> str:
    return email.utils.parseaddr(header or "")[1].strip().lower()


def _fallback_id(data: bytes) -> str:
    return f"<{hashlib.sha256(data).hexdigest()}@intraxl>"


def _unreadable(origin: str, data: bytes, error: Exception) -> Mail:
    """A message that cannot be parsed: kept whole, for the quarantine."""
    return Mail(origin=origin, message_id=_fallback_id(data), sender="", subject="",
                received_at=_utc(None), problem=f"{type(error).__name__}: {error}", raw=data)


def auth_failure(results: list[str], authserv_ids: list[str]) -> str | None:
    """A failed SPF/DKIM/DMARC verdict in an Authentication-Results header stamped by one
    of our own receiving servers (its authserv-id, the header's first word, in
    `authserv_ids`), if any. Any other such header may have been written by the sender."""
    ours = {a.lower() for a in authserv_ids}
    for header in results:
        words = header.split(";", 1)[0].split()
        if not words or words[0].lower() not in ours:
            continue
        for verdict in ("dmarc=fail", "spf=fail", "dkim=fail"):
            if verdict in header.lower():
                return verdict
    return None


def _server_time(received: list[str]) -> dt.datetime | None:
    """The time in the topmost Received header: the one our receiving server added last (a
    sender can add Received headers only below it)."""
    if not received:
        return None
    try:
        return email.utils.parsedate_to_datetime(received[0].rpartition(";")[2].strip())
    except (TypeError, ValueError, IndexError):
        return None


def _headers(msg: Any, name: str) -> list[str]:
    """Every `name` header of a message (None: no headers), topmost first."""
    return [str(h) for h in msg.get_all(name) or []] if msg is not None else []


def parse_eml(data: bytes, origin: str, received_at: dt.datetime | None = None,
              saved_at: dt.datetime | None = None) -> Mail:
    """A message. Its received time is the receiving server's, never the sender's `Date:`:
    `received_at` when the server says it apart from the message (IMAP's INTERNALDATE),
    else the topmost Received header's, else `saved_at` (when the file was saved)."""
    try:
        msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(data)  # type: ignore
        mail = Mail(origin=origin,
                    message_id=str(msg["Message-ID"] or "").strip() or _fallback_id(data),
                    sender=_address(str(msg["From"] or "")), subject=str(msg["Subject"] or ""),
                    received_at=_utc(received_at or _server_time(_headers(msg, "Received"))
                                     or saved_at),
                    auth_results=_headers(msg, "Authentication-Results"))
        for part in msg.walk():
            if part.is_multipart():
                continue
            name = part.get_filename()
            if not name:  # the text, or an image in it: not an attachment
                continue
            payload = part.get_payload(decode=True)
            mail.attachments.append(Attachment(
                Path(name).name, payload if isinstance(payload, bytes) else b""))
        return mail
    except Exception as e:  # noqa: BLE001 - an e-mail is untrusted input
        return _unreadable(origin, data, e)


def parse_msg(path: Path) -> Mail:
    """An Outlook .msg file (extract-msg). Its received time is the topmost Received header's
    of the transport headers, else the delivery time Outlook's store recorded, else when
    the file was saved; never the sender's `Date:`."""
    import extract_msg

    data = path.read_bytes()
    try:
        msg: Any = extract_msg.openMsg(str(path), delayAttachments=False)  # a Message
        try:
            header = msg.header
            delivered = getattr(msg, "receivedTime", None)  # when the server delivered it
            delivered = delivered if isinstance(delivered, dt.datetime) else None
            mail = Mail(origin=str(path),
                        message_id=(msg.messageId or "").strip() or _fallback_id(data),
                        sender=_address(msg.sender), subject=msg.subject or "",
                        received_at=_utc(_server_time(_headers(header, "Received")) or
                                         delivered or _saved_at(path)),
                        auth_results=_headers(header, "Authentication-Results"))
            for a in msg.attachments:
                name = a.getFilename() if hasattr(a, "getFilename") else None
                if name and isinstance(a.data, bytes):
                    mail.attachments.append(Attachment(Path(name).name, a.data))
            return mail
        finally:
            msg.close()
    except Exception as e:  # noqa: BLE001 - an e-mail is untrusted input
        return _unreadable(str(path), data, e)


def _saved_at(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)


def read_folder(folder: Path) -> Iterator[Mail]:
    """Every .eml and .msg file in `folder` (and below), in name order."""
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in MAIL_SUFFIXES):
        if path.suffix.lower() == ".msg":
            yield parse_msg(path)
        else:
            yield parse_eml(path.read_bytes(), str(path), saved_at=_saved_at(path))


def _internaldate(response: bytes) -> dt.datetime | None:
    """The INTERNALDATE of a FETCH response ("06-Mar-2023 09:00:00 +0100"): when the server
    received the message."""
    found = re.search(rb'INTERNALDATE "([^"]+)"', response)
    if found is None:
        return None
    try:  # RFC 2822's form but for the date's dashes, which parsedate does not take
        return email.utils.parsedate_to_datetime(found.group(1).decode().replace("-", " ", 2))
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class MailboxUrl:
    secure: bool
    user: str
    host: str
    port: int
    folder: str

    @classmethod
    def parse(cls, url: str) -> "MailboxUrl":
        u = urlsplit(url)
        if u.scheme not in ("imaps", "imap") or not u.hostname or not u.username:
            raise IntraxlError(f"not a mailbox address: {url!r}; write "
                               "imaps://user@host/folder")
        if u.password:
            raise IntraxlError(f"do not put the password in the address; set {PASSWORD_ENV} "
                               "or type it when asked")
        secure = u.scheme == "imaps"
        return cls(secure, unquote(u.username), u.hostname, u.port or (993 if secure else 143),
                   unquote(u.path.lstrip("/")) or "INBOX")

    def __str__(self) -> str:
        return (f"{'imaps' if self.secure else 'imap'}://{self.user}@{self.host}:{self.port}/"
                f"{self.folder}")


def _uidvalidity(conn: imaplib.IMAP4) -> int | None:
    _, data = conn.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] is not None else None
    except (TypeError, ValueError):
        return None


def imap_folder_name(name: str) -> str:
    """A folder name as IMAP spells it (RFC 3501 5.1.3, modified UTF-7), quoted:
    'INBOX/Månadsrapporter' -> '"INBOX/M&AOU-nadsrapporter"'. Printable ASCII stands for
    itself ('&' as '&-'); every run of other characters is '&', its UTF-16 in base64 with
    ',' for '/' and no padding, and '-'."""
    out: list[str] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            coded = base64.b64encode("".join(run).encode("utf-16-be")).decode("ascii")
            out.append("&" + coded.rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if " " <= ch <= "~":
            end_run()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    end_run()
    return '"' + "".join(out).replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class MailboxPosition:
    """How far a mailbox folder has been read: the folder's UIDVALIDITY and the highest UID
    taken. While UIDVALIDITY stays the same a message keeps its UID and new ones get higher
    UIDs (RFC 3501 2.3.1.1), so only messages above `last_uid` need fetching."""

    uidvalidity: int | None = None
    last_uid: int = 0


def read_imap(box: MailboxUrl, password: str, since: dt.date | None = None,
              timeout: float = 60, position: MailboxPosition | None = None) -> Iterator[Mail]:
    """Every message in the mailbox folder (received on or after `since`), read-only:
    nothing is marked or moved. TLS is verified against the system's certificates (or
    SSL_CERT_FILE). With `position`, only the messages after it (all of them when the
    folder's UIDVALIDITY changed); `position` follows each message yielded."""
    position = position if position is not None else MailboxPosition()
    try:
        if box.secure:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                box.host, box.port, ssl_context=ssl.create_default_context(), timeout=timeout)
        else:
            conn = imaplib.IMAP4(box.host, box.port, timeout=timeout)
    except (OSError, ssl.SSLError) as e:
        raise IntraxlError(f"cannot connect to {box}: {e}") from e
    try:
        try:
            if "AUTH=PLAIN" in conn.capabilities:  # UTF-8 user names and passwords too
                conn.authenticate("PLAIN", lambda _: f"\0{box.user}\0{password}".encode())
            else:
                conn.login(box.user, password)
        except imaplib.IMAP4.error as e:
            raise IntraxlError(f"{box}: login refused for {box.user}: "
                               f"{e.args[0] if e.args else e}") from e
        typ, _ = conn.select(imap_folder_name(box.folder), readonly=True)
        if typ != "OK":
            raise IntraxlError(f"{box}: no folder {box.folder!r}")
        validity = _uidvalidity(conn)
        if validity is None or validity != position.uidvalidity:
            position.uidvalidity, position.last_uid = validity, 0  # a full pass
        months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                  "Dec")  # IMAP dates are English whatever the locale
        criteria = [f"UID {position.last_uid + 1}:*"] if position.last_uid else []
        if since:
            criteria.append(f"SINCE {since.day}-{months[since.month - 1]}-{since.year}")
        typ, data = conn.uid("SEARCH", " ".join(criteria) or "ALL")
        # "n:*" always matches the highest UID, even one below n: those were taken before.
        uids = [u for u in (data[0] or b"").split() if int(u) > position.last_uid]
        for uid in uids:
            typ, parts = conn.uid("FETCH", uid.decode(), "(INTERNALDATE BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            rest = b" ".join(p[0] if isinstance(p, tuple) else p for p in parts
                             if isinstance(p, (tuple, bytes)))
            if typ == "OK" and raw is not None:
                yield parse_eml(raw, f"{box}#{uid.decode()}", received_at=_internaldate(rest))
                position.last_uid = int(uid)  # once the caller has taken the message
    except (OSError, imaplib.IMAP4.error) as e:
        raise IntraxlError(f"{box}: {e}") from e
    finally:
        try:
            conn.logout()
        except Exception:  # noqa: BLE001
            pass


__all__ = ["Attachment", "Mail", "MailboxPosition", "MailboxUrl", "PASSWORD_ENV", "auth_failure",
           "imap_folder_name", "parse_eml", "parse_msg", "read_folder", "read_imap"]
