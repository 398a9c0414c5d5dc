"""`intraxl collect` from a real IMAP server: Debian's dovecot on 127.0.0.1, over TLS with a
certificate made for the test, holding the month's messages (put there by IMAP APPEND)."""

from __future__ import annotations

import datetime as dt
import imaplib
import os
import time

import pytest

from .imap_server import DOVECOT, PASSWORD, USER, dovecot, login
from .test_collect import (
    EXAMPLES,
    _hr_v2,
    assert_same_master_as_examples,
    eml,
    example,
    rows,
    run,
    status,
)


@pytest.fixture(scope="module")
def server():
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed: .ci/run installs dovecot-imapd")
        pytest.skip("no dovecot (apt-get install dovecot-imapd, as .ci/run does)")
    with dovecot() as running:
        yield running


def _mailbox(server, folder: str, messages: list[bytes], old: list[bytes] = (),
             dated: list[tuple[bytes, dt.datetime]] = ()) -> str:
    """A folder holding `messages` (received now), `old` (received in December 2022) and
    `dated` (received when each says)."""
    conn = login(server)
    conn.create(folder)
    december = imaplib.Time2Internaldate(time.mktime((2022, 12, 1, 12, 0, 0, 0, 0, -1)))
    for m, when in [(m, None) for m in messages] + [(m, december) for m in old] + [
            (m, imaplib.Time2Internaldate(t)) for m, t in dated]:
        typ, _ = conn.append(folder, None, when, m)
        assert typ == "OK"
    conn.logout()
    return f"imaps://{USER}@127.0.0.1:{server['port']}/{folder}"


def _flags(server, folder: str) -> list[bytes]:
    conn = login(server)
    conn.select(folder, readonly=True)
    _, data = conn.fetch("1:*", "(FLAGS)")
    conn.logout()
    return data


def _month(mappings) -> list[bytes]:
    out = []
    for n, unit in enumerate(mappings.units):
        f = EXAMPLES / f"manadsuppfoljning_2023-02_{unit.id}.xlsx"
        out.append(eml(unit.reporters[0], [(f.name, f.read_bytes())], n))
    return out


def _collect(tmp_path, url, *more, **kw):
    return run("collect", url, "--period", "2023-02", "--db", tmp_path / "intraxl.db",
               "--inbox", tmp_path / "inbox", "--quarantine", tmp_path / "quarantine", *more,
               **kw)



def test_the_month_from_the_mailbox(mappings, server, tmp_path, monkeypatch):
    month = _month(mappings)
    spoofed = eml("hr.rapport@evil.example",
                  [("hr.xlsx", (EXAMPLES / "manadsuppfoljning_2023-02_gt-hr.xlsx")
                    .read_bytes())], 20)
    url = _mailbox(server, "Februari", month + [month[1], spoofed],  # one message twice
                   old=[eml("someone@evil.example", [("gammal.xlsx", b"x")], 30)])
    monkeypatch.setenv("SSL_CERT_FILE", str(server["cert"]))  # trust the test's certificate
    monkeypatch.setenv("INTRAXL_IMAP_PASSWORD", PASSWORD)
    result = _collect(tmp_path, url)
    assert result.exit_code == 0, result.output
    assert "7 till inkorgen, 1 till karantän" in result.output
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == \
        sorted(p.name for p in EXAMPLES.glob("*.xlsx"))
    log = rows(tmp_path / "intraxl.db", "attachments")
    assert len(log) == 8  # the duplicate message added nothing
    assert {a["code"] for a in log if a["status"] == "quarantine"} == {"unknown-sender"}
    assert all(a["source"] == f"imaps://{USER}@127.0.0.1:{server['port']}/Februari"
               for a in log)
    units, _ = status(tmp_path)
    assert {u["state"] for u in units.values()} == {"godkänd"}
    # Read only: no message was marked as read, moved or deleted.
    flags = _flags(server, "Februari")
    assert len(flags) == 10 and not any(b"\\Seen" in f for f in flags)
    again = _collect(tmp_path, url, "--rescan")  # the whole folder once more
    assert again.exit_code == 0 and "9 hämtade tidigare" in again.output
    assert len(rows(tmp_path / "intraxl.db", "attachments")) == 8
    assert_same_master_as_examples(mappings, tmp_path, tmp_path / "inbox")


def test_password_is_asked_for_when_not_in_the_environment(mappings, server, tmp_path,
                                                           monkeypatch):
    url = _mailbox(server, "Fraga", _month(mappings)[:1])
    monkeypatch.setenv("SSL_CERT_FILE", str(server["cert"]))
    monkeypatch.delenv("INTRAXL_IMAP_PASSWORD", raising=False)
    result = _collect(tmp_path, url, input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # typed without echo
    assert len(list((tmp_path / "inbox").iterdir())) == 1


def test_wrong_password_and_untrusted_certificate_are_clear_errors(server, tmp_path,
                                                                  monkeypatch):
    url = f"imaps://{USER}@127.0.0.1:{server['port']}/INBOX"
    monkeypatch.setenv("INTRAXL_IMAP_PASSWORD", "fel")
    monkeypatch.setenv("SSL_CERT_FILE", str(server["cert"]))
    result = _collect(tmp_path, url)
    assert result.exit_code == 1 and "login refused" in result.output
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent.pem")  # the system's CAs only
    result = _collect(tmp_path, url)
    assert result.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in result.output
    assert not (tmp_path / "inbox").exists()


def test_a_folder_with_a_swedish_name(mappings, server, tmp_path, monkeypatch):
    # 'INBOX/Månadsrapporter' as IMAP spells it (RFC 3501 5.1.3): å is U+00E5, '&AOU-'
    url = _mailbox(server, "INBOX/M&AOU-nadsrapporter", _month(mappings)[:2])
    monkeypatch.setenv("SSL_CERT_FILE", str(server["cert"]))
    monkeypatch.setenv("INTRAXL_IMAP_PASSWORD", PASSWORD)
    swedish = f"imaps://{USER}@127.0.0.1:{server['port']}/INBOX/Månadsrapporter"
    result = _collect(tmp_path, swedish)
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "inbox").iterdir())) == 2
    log = rows(tmp_path / "intraxl.db", "attachments")
    assert {a["source"] for a in log} == {swedish}
    assert url.endswith("/INBOX/M&AOU-nadsrapporter")


@pytest.mark.parametrize("name, spelt", [
    ("~peter/mail/台北/日本語", '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'),  # RFC 3501's example
    ("Fakturor & räkningar", '"Fakturor &- r&AOQ-kningar"'), ("INBOX", '"INBOX"'),
    ('a "b" \\ c', '"a \\"b\\" \\\\ c"')])
def test_folder_names_in_modified_utf7(name, spelt):
    from intraxl.collect.mail import imap_folder_name

    assert imap_folder_name(name) == spelt


def test_the_newer_submission_is_the_one_the_server_received_last(mappings, server, tmp_path,
                                                                  monkeypatch):
    hr, utc = "hr.rapport@intraservice.example.se", dt.timezone.utc
    # The messages' own headers (Received at 09:59 and 09:01, Date) say the opposite of
    # when the server took them in (INTERNALDATE): the server is believed.
    v1 = eml(hr, [("hr-v1.xlsx", example("gt-hr").read_bytes())], 59)
    v2 = eml(hr, [("hr-v2.xlsx", _hr_v2(mappings, tmp_path))], 1)
    url = _mailbox(server, "Ordning", [], dated=[
        (v1, dt.datetime(2023, 3, 6, 8, 0, tzinfo=utc)),
        (v2, dt.datetime(2023, 3, 7, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))])
    monkeypatch.setenv("SSL_CERT_FILE", str(server["cert"]))
    monkeypatch.setenv("INTRAXL_IMAP_PASSWORD", PASSWORD)
    assert _collect(tmp_path, url).exit_code == 0
    received = {a["file_name"]: str(a["received_at"])[:19]
                for a in rows(tmp_path / "intraxl.db", "attachments")}
    assert received == {"hr-v1.xlsx": "2023-03-06 08:00:00", "hr-v2.xlsx": "2023-03-07 06:30:00"}
    units, _ = status(tmp_path)
    assert units["gt-hr"]["file"] == "hr-v2.xlsx" and units["gt-hr"]["superseded"] == 1


def test_a_second_collect_fetches_only_the_new_messages(mappings, server, tmp_path,
                                                        monkeypatch):
    import sqlalchemy as sa

    month = _month(mappings)
    url = _mailbox(server, "Inkorg2", month[:3])
    monkeypatch.setenv("SSL_CERT_FILE", str(server["cert"]))
    monkeypatch.setenv("INTRAXL_IMAP_PASSWORD", PASSWORD)
    fetched: list[str] = []
    real_fetch = imaplib.IMAP4.uid

    def counting(self, command, *args):
        if command == "FETCH":
            fetched.append(args[0])
        return real_fetch(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", counting)
    assert "3 till inkorgen" in _collect(tmp_path, url).output and len(fetched) == 3
    [position] = rows(tmp_path / "intraxl.db", "mailbox_positions")
    assert (position["period"], position["last_uid"]) == ("2023-02", 3)

    fetched.clear()  # nothing new: nothing downloaded
    assert "0 till inkorgen" in _collect(tmp_path, url).output and fetched == []

    conn = login(server)  # two more arrive
    for message in month[3:5]:
        conn.append("Inkorg2", None, None, message)
    conn.logout()
    result = _collect(tmp_path, url)
    assert "2 till inkorgen" in result.output and "0 hämtade tidigare" in result.output
    assert fetched == ["4", "5"]

    # The server renumbered the folder (a new UIDVALIDITY): everything is read once more,
    # and nothing is taken twice.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'intraxl.db'}")
    with engine.begin() as c:
        c.execute(sa.text("UPDATE mailbox_positions SET uidvalidity = uidvalidity + 1"))
    engine.dispose()
    fetched.clear()
    result = _collect(tmp_path, url)
    assert "5 hämtade tidigare" in result.output and len(fetched) == 5
    assert len(list((tmp_path / "inbox").iterdir())) == 5
