"""E-mail intake with real messages: .eml files built with the standard library, Outlook .msg
files built with msgforge (read back by extract-msg), a real SQLite store; the IMAP server
is a real dovecot on 127.0.0.1 (tests/test_imap.py)."""

from __future__ import annotations

import datetime as dt
import email
import email.utils
import io
import json
import os
import shutil
import zipfile
from email import policy
from email.message import EmailMessage
from pathlib import Path

import msgforge
import openpyxl
import pandas as pd
import sqlalchemy as sa
from click.testing import CliRunner

from intraxl.cli import main

from .conftest import EXAMPLES, ROOT
from .test_validate import HR, set_cell, with_macros, write_hr

HISTORY = ROOT / "workbooks" / "history" / "2022.csv"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
MAILBOX = "ekonomi.uppfoljning@intraservice.example.se"


def run(*args, **kw):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)
    assert "Traceback" not in result.output
    return result


def example(unit_id: str) -> Path:
    return EXAMPLES / f"manadsuppfoljning_2023-02_{unit_id}.xlsx"


def eml(sender: str, attachments: list[tuple[str, bytes]], n: int, *, subject: str = "",
        headers: dict[str, str] | None = None, sent: dt.datetime | None = None) -> bytes:
    """A message as our mail server keeps it: received (the topmost Received header) on
    2023-03-06 at 09:00 + n minutes UTC, sent (Date) then too unless `sent` says."""
    received = dt.datetime(2023, 3, 6, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=n)
    msg = EmailMessage()
    msg["Received"] = (f"from mail.example.se (mail.example.se [192.0.2.{n % 250}]) by "
                       f"mx.intraservice.example.se with ESMTPS id {n:06d}; "
                       f"{email.utils.format_datetime(received)}")
    msg["From"] = sender
    msg["To"] = MAILBOX
    msg["Subject"] = subject or f"Månadsuppföljning februari ({n})"
    msg["Date"] = email.utils.format_datetime(sent or received)
    msg["Message-ID"] = f"<intraxl-test-{n}@intraservice.example.se>"
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content("Hej! Här kommer månadens uppföljning.\n")
    for name, data in attachments:
        maintype, subtype = XLSX if name.endswith(".xlsx") else ("application", "octet-stream")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


def the_month(mappings, folder: Path) -> Path:
    """The seven example submissions as e-mails from the units' registered reporters: six
    .eml files and one Outlook .msg."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, unit in enumerate(mappings.units):
        f = example(unit.id)
        if unit.id == "gt-kls":
            msg = msgforge.Message(subject="Månadsuppföljning februari KLS",
                                   text_body="Hej! Bifogat.", to=[(MAILBOX, "Ekonomi")],
                                   sender=(unit.reporters[0], "KLS"),
                                   sent=dt.datetime(2023, 3, 6, 9, 30))
            msg.attach_bytes(f.name, f.read_bytes())
            msg.save(str(folder / f"{n:02d}_{unit.id}.msg"))
        else:
            (folder / f"{n:02d}_{unit.id}.eml").write_bytes(
                eml(unit.reporters[0], [(f.name, f.read_bytes())], n))
    return folder


def collect(tmp_path, source, *more):
    return run("collect", source, "--period", "2023-02", "--db", tmp_path / "intraxl.db",
               "--inbox", tmp_path / "inbox", "--quarantine", tmp_path / "quarantine", *more)


def status(tmp_path, *more):
    result = run("status", "--period", "2023-02", "--db", tmp_path / "intraxl.db", "--json",
                 "--inbox", tmp_path / "inbox", *more)
    assert result.exit_code == 0, result.output
    text = result.output[result.output.index("{"):]
    return {u["unit_id"]: u for u in json.loads(text)["units"]}, json.loads(text)


def rows(db: Path, table: str) -> list[dict]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        out = [dict(r) for r in conn.execute(sa.text(f"select * from {table}")).mappings()]
    engine.dispose()
    return out


def test_the_months_mails_give_the_same_master_as_the_examples(mappings, tmp_path):
    mails = the_month(mappings, tmp_path / "mails")
    result = collect(tmp_path, mails)
    assert result.exit_code == 0, result.output
    inbox = tmp_path / "inbox"
    assert sorted(p.name for p in inbox.iterdir()) == sorted(p.name for p in
                                                             EXAMPLES.glob("*.xlsx"))
    for p in inbox.iterdir():
        assert p.read_bytes() == (EXAMPLES / p.name).read_bytes()
    log = rows(tmp_path / "intraxl.db", "attachments")
    assert len(log) == 7 and {a["status"] for a in log} == {"inbox"}
    kls = next(a for a in log if a["unit_id"] == "gt-kls")  # the .msg
    assert kls["sender"] == "kls.rapport@intraservice.example.se"
    assert kls["subject"] == "Månadsuppföljning februari KLS"
    hr = next(a for a in log if a["unit_id"] == "gt-hr")
    assert hr["message_id"] == "<intraxl-test-1@intraservice.example.se>"
    assert str(hr["received_at"]).startswith("2023-03-06 09:01")
    assert hr["sha256"] == __import__("hashlib").sha256(example("gt-hr").read_bytes()).hexdigest()

    units, _ = status(tmp_path)
    assert {u["state"] for u in units.values()} == {"godkänd"}
    assert units["gt-hr"]["sender"] == "hr.rapport@intraservice.example.se"

    assert_same_master_as_examples(mappings, tmp_path, inbox)


def assert_same_master_as_examples(mappings, tmp_path, inbox):
    """Consolidating the collected inbox (with the collect's store) gives the same master
    as the shipped examples folder, and the master names each file's sender."""
    masters = {}
    for name, inbox_dir in (("mail", inbox), ("examples", EXAMPLES)):
        db, out = tmp_path / f"{name}.db", tmp_path / f"{name}.xlsx"
        if name == "mail":
            shutil.copy(tmp_path / "intraxl.db", db)
        assert run("history", "import", HISTORY, "--db", db).exit_code == 0
        assert run("consolidate", inbox_dir, "--period", "2023-02", "--db", db,
                   "--out", out).exit_code == 0
        masters[name] = out
    for sheet in ("Data", "Ekonomi", "Indikatorer", "Risker", "Kommentarer"):
        a, b = (openpyxl.load_workbook(masters[k], data_only=True)[sheet]
                for k in ("mail", "examples"))
        assert [[c.value for c in r] for r in a.iter_rows()] == \
            [[c.value for c in r] for r in b.iter_rows()], sheet
    files = pd.read_excel(masters["mail"], sheet_name="Inlämningar", header=3, engine="openpyxl")
    taken = files[files["Status"] != "karantän"]
    assert set(taken["Avsändare"]) == {u.reporters[0] for u in mappings.units}


def test_collecting_twice_adds_nothing(mappings, tmp_path):
    mails = the_month(mappings, tmp_path / "mails")
    shutil.copy(mails / "01_gt-hr.eml", mails / "01_gt-hr-kopia.eml")  # a message saved twice
    assert collect(tmp_path, mails).exit_code == 0
    before = (sorted((tmp_path / "inbox").iterdir()), rows(tmp_path / "intraxl.db",
                                                          "attachments"),
              rows(tmp_path / "intraxl.db", "submissions"))
    assert len(before[1]) == 7 and len(before[2]) == 7
    again = collect(tmp_path, mails)
    assert again.exit_code == 0 and "8 hämtade tidigare" in again.output
    after = (sorted((tmp_path / "inbox").iterdir()), rows(tmp_path / "intraxl.db",
                                                         "attachments"),
             rows(tmp_path / "intraxl.db", "submissions"))
    assert after == before


def _zip_named_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


def test_who_may_submit_and_what_goes_to_quarantine(mappings, tmp_path):
    hr, kls = example("gt-hr").read_bytes(), example("gt-kls").read_bytes()
    macro = with_macros(HR, tmp_path / "m.xlsm").read_bytes()
    mails = tmp_path / "mails"
    mails.mkdir()
    cases = {
        # a display name that looks like the reporter; the address is someone else's
        "spoofed": eml('"hr.rapport@intraservice.example.se" <hr.rapport@evil.example>',
                       [("hr.xlsx", hr)], 1),
        # the right address, but the receiving server says it is forged
        "forged": eml("hr.rapport@intraservice.example.se", [("hr.xlsx", hr)], 2,
                      headers={"Authentication-Results": "mx.intraservice.example.se; "
                               "spf=fail smtp.mailfrom=evil.example; dmarc=fail"}),
        # two workbooks in one message: its own (kept) and another unit's (quarantined)
        "two": eml("hr.rapport@intraservice.example.se",
                   [("hr.xlsx", hr), ("kls.xlsx", kls)], 3),
        "macro": eml("hr.rapport@intraservice.example.se", [("hr.xlsm", macro)], 4),
        "zip": eml("hr.rapport@intraservice.example.se", [("hr2.xlsx", _zip_named_xlsx())], 5),
        "pdf": eml("hr.rapport@intraservice.example.se",
                   [("rapport.pdf", b"%PDF-1.4\n%%EOF\n")], 6),
        "huge": eml("hr.rapport@intraservice.example.se",
                    [("stor.xlsx", b"PK\x03\x04" + bytes(21 * 1024 * 1024))], 7),
    }
    for name, data in cases.items():
        (mails / f"{name}.eml").write_bytes(data)
    (mails / "trasig.msg").write_bytes(b"this is no Outlook message")
    assert collect(tmp_path, mails).exit_code == 0

    log = rows(tmp_path / "intraxl.db", "attachments")
    # message ids are <intraxl-test-N@...>; an unreadable message gets <sha256@intraxl>
    got = {(a["file_name"], a["message_id"][14:15] if a["file_name"] != "trasig.msg" else "-"):
           (a["status"], a["code"]) for a in log}
    assert got == {
        ("hr.xlsx", "1"): ("quarantine", "unknown-sender"),
        ("hr.xlsx", "2"): ("quarantine", "unverified-sender"),
        ("hr.xlsx", "3"): ("inbox", None),
        ("kls.xlsx", "3"): ("quarantine", "sender-not-registered"),
        ("hr.xlsm", "4"): ("quarantine", "macro-enabled"),
        ("hr2.xlsx", "5"): ("quarantine", "not-a-workbook"),
        ("rapport.pdf", "6"): ("quarantine", "not-a-workbook"),
        ("stor.xlsx", "7"): ("quarantine", "file-too-large"),
        ("trasig.msg", "-"): ("quarantine", "unreadable-message"),
    }
    # Nothing lost, nothing overwritten: every attachment is a file of its own.
    quarantined = sorted(p.name for p in (tmp_path / "quarantine").iterdir())
    assert len(quarantined) == 8 and len(set(quarantined)) == 8
    assert [p.name for p in (tmp_path / "inbox").iterdir()] == ["hr.xlsx"]
    assert all(Path(a["saved_as"]).exists() for a in log)
    assert all(a["reason"] for a in log if a["status"] == "quarantine")

    units, full = status(tmp_path)
    assert units["gt-hr"]["state"] == "godkänd"
    assert units["gt-kls"]["state"] == "karantän"
    assert units["gt-kls"]["quarantined"][0]["code"] == "sender-not-registered"
    assert units["uppdrag"]["state"] == "saknas"
    assert {q["code"] for q in full["unattributed"]} >= {"unreadable-message"}
    table = run("status", "--period", "2023-02", "--db", tmp_path / "intraxl.db")
    assert "karantän" in table.output and "saknas" in table.output

    # The master lists the quarantined attachments among the files seen, with the reason.
    out = tmp_path / "master.xlsx"
    assert run("consolidate", tmp_path / "inbox", "--period", "2023-02", "--db",
               tmp_path / "intraxl.db", "--out", out).exit_code == 0
    files = pd.read_excel(out, sheet_name="Inlämningar", header=3, engine="openpyxl")
    held = files[files["Status"] == "karantän"]
    assert len(held) == 8 and set(files["Status"]) == {"godkänd", "karantän"}
    kls = held[held["Enhet-ID"] == "gt-kls"].iloc[0]
    assert kls["Första felet"].startswith("sender-not-registered: ") and \
        kls["I rapporten"] != "Ja"
    summary = openpyxl.load_workbook(out, data_only=True)["Sammanfattning"]
    states = {}  # the first block naming the units is the submission status
    for r in summary.iter_rows(min_row=1):
        if r[0].value in {u.name for u in mappings.units}:
            states.setdefault(r[0].value, r[1].value)
    assert states[mappings.unit("gt-kls").name] == "karantän"
    assert states[mappings.unit("gt-hr").name] == "godkänd"
    assert states[mappings.unit("uppdrag").name] == "saknas"
    assert "1 i karantän" in summary["A2"].value


def test_rejected_superseded_and_the_drafts(mappings, tmp_path):
    mails = tmp_path / "mails"
    mails.mkdir()
    bad = write_hr(mappings, tmp_path / "hr-fel.xlsx",
                   set_cell("Ekonomi", "resultat.forvaltning", "Utfall ack", "tolv"))
    good = write_hr(mappings, tmp_path / "hr-rattad.xlsx")
    (mails / "1.eml").write_bytes(eml("hr.rapport@intraservice.example.se",
                                      [("hr.xlsx", bad.read_bytes())], 1,
                                      subject="HR februari"))
    (mails / "2.eml").write_bytes(eml("ekonomi.rapport@intraservice.example.se",
                                      [(example("gt-ekonomi").name,
                                        example("gt-ekonomi").read_bytes())], 2))
    assert collect(tmp_path, mails).exit_code == 0
    units, _ = status(tmp_path, "--drafts", tmp_path / "drafts")
    assert units["gt-hr"]["state"] == "avvisad" and units["gt-hr"]["errors"] == 1
    assert units["gt-ekonomi"]["state"] == "godkänd"

    drafts = {p.name: email.message_from_bytes(p.read_bytes(), policy=policy.default)
              for p in (tmp_path / "drafts").glob("*.eml")}
    missing = {u.id for u in mappings.units} - {"gt-hr", "gt-ekonomi"}
    reminders = [d for n, d in drafts.items() if n.endswith("_paminnelse.eml")]
    assert len(reminders) == len(missing) == 5
    for d in reminders:
        assert d["X-Unsent"] == "1" and d["From"] == MAILBOX
        assert "Påminnelse: månadsuppföljning februari 2023" in d["Subject"]
    reply = next(d for n, d in drafts.items() if n.endswith("gt-hr_svar.eml"))
    assert reply["To"] == "hr.rapport@intraservice.example.se"
    assert reply["Subject"] == "Re: HR februari"
    assert reply["In-Reply-To"] == "<intraxl-test-1@intraservice.example.se>"
    body = reply.get_body(("plain",)).get_content()
    assert "Ekonomi!C5" in body and "'tolv' är inte ett tal" in body
    attached = [a for a in reply.iter_attachments()]
    assert len(attached) == 1 and attached[0].get_filename().endswith("_att_atgarda.xlsx")
    fb = openpyxl.load_workbook(io.BytesIO(attached[0].get_content()))
    assert fb.sheetnames[0] == "Att åtgärda"
    assert "Den bifogade arbetsboken visar var" in body

    # Without the rejected file at hand (another inbox), no workbook is attached: the reply
    # does not say one is, and lists the errors.
    result = run("status", "--period", "2023-02", "--db", tmp_path / "intraxl.db",
                 "--inbox", tmp_path / "elsewhere", "--drafts", tmp_path / "drafts2")
    assert result.exit_code == 0, result.output
    reply = email.message_from_bytes(next((tmp_path / "drafts2").glob("*gt-hr_svar.eml"))
                                     .read_bytes(), policy=policy.default)
    body = reply.get_body(("plain",)).get_content()
    assert not list(reply.iter_attachments()) and "bifogade" not in body
    assert "Felen står nedan" in body and "Ekonomi!C5" in body

    # The corrected workbook arrives: accepted, and it supersedes the first.
    (mails / "3.eml").write_bytes(eml("hr.rapport@intraservice.example.se",
                                      [("hr.xlsx", good.read_bytes())], 3))
    result = collect(tmp_path, mails)
    assert "1 till inkorgen" in result.output and "2 hämtade tidigare" in result.output
    units, _ = status(tmp_path)
    assert units["gt-hr"]["state"] == "godkänd" and units["gt-hr"]["superseded"] == 1
    # Same attachment name, different content: both kept, neither overwritten.
    names = sorted(p.name for p in (tmp_path / "inbox").iterdir())
    assert len(names) == 3 and "hr.xlsx" in names
    assert any(n.startswith("hr_gt-hr_20230306-0903") for n in names)


def test_another_months_workbook_is_left_for_that_month(mappings, tmp_path):
    from intraxl.periods import Period

    mails = tmp_path / "mails"
    mails.mkdir()
    jan = write_hr(mappings, tmp_path / "hr-jan.xlsx", period=Period.parse("2023-01"))
    (mails / "1.eml").write_bytes(eml("hr.rapport@intraservice.example.se",
                                      [("hr-jan.xlsx", jan.read_bytes())], 1))
    result = collect(tmp_path, mails)
    assert result.exit_code == 0 and "1 för annan period" in result.output
    assert not (tmp_path / "inbox").exists() and not rows(tmp_path / "intraxl.db",
                                                          "attachments")
    result = run("collect", mails, "--period", "2023-01", "--db", tmp_path / "intraxl.db",
                 "--inbox", tmp_path / "inbox-jan", "--quarantine", tmp_path / "q")
    assert result.exit_code == 0 and [p.name for p in (tmp_path / "inbox-jan").iterdir()] == [
        "hr-jan.xlsx"]


def test_collect_from_a_missing_folder_is_a_clear_error(tmp_path):
    result = collect(tmp_path, tmp_path / "nowhere")
    assert result.exit_code == 1 and "no such folder of e-mails" in result.output
    result = collect(tmp_path, "imaps://user:secret@127.0.0.1/INBOX")
    assert result.exit_code == 1 and "do not put the password in the address" in result.output
    # A folder of workbooks given for one of e-mails: said, not a silent "0 till inkorgen".
    result = collect(tmp_path, EXAMPLES)
    assert result.exit_code == 0 and "no .eml or .msg files in this folder" in result.output
    assert not (tmp_path / "inbox").exists()


def test_damaged_messages_never_raise():
    """Any bytes, and any damage to a real message: a Mail, perhaps with a problem, never an
    exception."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from intraxl.collect.mail import parse_eml

    real = eml("hr.rapport@intraservice.example.se",
               [("hr.xlsx", example("gt-hr").read_bytes()[:2000])], 1)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, len(real) - 1), st.binary(max_size=40), st.integers(0, 200))
    def check(at, junk, cut):
        for data in (real[:at] + junk + real[at + cut:], junk):
            mail = parse_eml(data, "x.eml")
            assert mail.message_id and isinstance(mail.attachments, list)
            assert mail.problem is None or mail.raw == data

    check()


def _hr_v2(mappings, tmp_path) -> bytes:
    return write_hr(mappings, tmp_path / "hr-v2.xlsx", set_cell(
        "Ekonomi", "kostnad.totalt", "Utfall ack", 25000)).read_bytes()


def test_the_newer_submission_is_the_one_the_server_received_last(mappings, tmp_path):
    mails = tmp_path / "mails"
    mails.mkdir()
    hr = "hr.rapport@intraservice.example.se"
    # The first version, from a sender whose clock (or hand) puts its Date in the future.
    (mails / "1.eml").write_bytes(eml(hr, [("hr-v1.xlsx", example("gt-hr").read_bytes())], 1,
                                      sent=dt.datetime(2023, 3, 20, tzinfo=dt.timezone.utc)))
    (mails / "2.eml").write_bytes(eml(hr, [("hr-v2.xlsx", _hr_v2(mappings, tmp_path))], 5))
    # A message saved without Received headers: when the file was saved, not its Date.
    bare = email.message_from_bytes(eml("ekonomi.rapport@intraservice.example.se", [(
        "ek.xlsx", example("gt-ekonomi").read_bytes())], 7, sent=dt.datetime(
            2030, 1, 1, tzinfo=dt.timezone.utc)), policy=policy.default)
    del bare["Received"]
    (mails / "3.eml").write_bytes(bytes(bare))
    saved = dt.datetime(2023, 3, 6, 10, 30, tzinfo=dt.timezone.utc).timestamp()
    os.utime(mails / "3.eml", (saved, saved))
    assert collect(tmp_path, mails).exit_code == 0
    received = {a["file_name"]: str(a["received_at"])[:19]
                for a in rows(tmp_path / "intraxl.db", "attachments")}
    assert received == {"hr-v1.xlsx": "2023-03-06 09:01:00", "hr-v2.xlsx": "2023-03-06 09:05:00",
                        "ek.xlsx": "2023-03-06 10:30:00"}
    units, _ = status(tmp_path)
    assert units["gt-hr"]["file"] == "hr-v2.xlsx" and units["gt-hr"]["superseded"] == 1

    # "Use the first one after all": the first version again, in a later message. It is the
    # unit's latest file now, in the store and for consolidate, which dates an inbox file by
    # its modification time: the inbox copy carries its latest message's received time.
    (mails / "4.eml").write_bytes(eml(hr, [("hr-v1.xlsx", example("gt-hr").read_bytes())], 9))
    assert collect(tmp_path, mails).exit_code == 0
    units, _ = status(tmp_path)
    assert units["gt-hr"]["file"] == "hr-v1.xlsx" and units["gt-hr"]["superseded"] == 1
    assert str(units["gt-hr"]["received_at"])[:19] in ("2023-03-06T09:09:00",
                                                         "2023-03-06 09:09:00")
    inbox = tmp_path / "inbox"
    assert {f.name: dt.datetime.fromtimestamp(f.stat().st_mtime, dt.timezone.utc).strftime(
        "%H:%M") for f in inbox.iterdir()} == {"hr-v1.xlsx": "09:09", "hr-v2.xlsx": "09:05",
                                               "ek.xlsx": "10:30"}
    result = run("consolidate", inbox, "--period", "2023-02", "--db", tmp_path / "intraxl.db",
                 "--out", tmp_path / "master.xlsx")
    assert "0 nya, 0 ändrade, 3 oförändrade" in result.output, result.output
    assert status(tmp_path)[0]["gt-hr"]["file"] == "hr-v1.xlsx"

    # An inbox filled by an earlier intraxl kept the times its copies were written; after an
    # upgrade every file is validated again: an inbox folder's times re-date no e-mail.
    for f in inbox.iterdir():
        os.utime(f)  # now
    changed = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", changed)
    with (changed / "template.yaml").open("a", encoding="utf-8") as f:
        f.write("\n# ändrad\n")
    result = run("consolidate", inbox, "--period", "2023-02", "--db", tmp_path / "intraxl.db",
                 "--out", tmp_path / "master.xlsx", "--mappings", changed)
    assert "3 filer validerades igen" in result.output, result.output
    units, _ = status(tmp_path)
    assert units["gt-hr"]["file"] == "hr-v1.xlsx"
    assert str(units["gt-hr"]["received_at"])[:19].replace("T", " ") == "2023-03-06 09:09:00"


def test_only_our_own_servers_authentication_results_count(mappings, tmp_path):
    mails = tmp_path / "mails"
    mails.mkdir()
    hr = "hr.rapport@intraservice.example.se"
    verdicts = {  # authserv-id: the header's first word
        "theirs": "mx.evil.example; dmarc=fail (p=reject) header.from=intraservice.example.se",
        "ours": "MX.Intraservice.Example.SE 1; spf=pass; dkim=fail header.d=example.se",
    }
    for n, (name, header) in enumerate(verdicts.items(), start=1):
        (mails / f"{name}.eml").write_bytes(eml(hr, [(f"{name}.xlsx", example(
            "gt-hr").read_bytes())], n, headers={"Authentication-Results": header}))
    assert collect(tmp_path, mails).exit_code == 0
    got = {a["file_name"]: (a["status"], a["code"])
           for a in rows(tmp_path / "intraxl.db", "attachments")}
    assert got == {"theirs.xlsx": ("inbox", None),
                   "ours.xlsx": ("quarantine", "unverified-sender")}
