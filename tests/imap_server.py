"""A throw-away dovecot IMAP server on 127.0.0.1 over TLS, with a certificate made for it:
for the e-mail intake's tests and benchmark."""

from __future__ import annotations

import imaplib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

USER, PASSWORD = "ekonomi", "hemligt lösen"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {d}/run
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
auth_mechanisms = plain
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dovecot() -> Iterator[dict[str, Any]]:
    """Start dovecot (it must be installed: DOVECOT) and yield its port, certificate file,
    folder and an SSL context trusting it; stopped and removed afterwards."""
    # dovecot runs the mail processes as nobody: a folder it can enter, not pytest's 0700 one
    d = Path(tempfile.mkdtemp(prefix="intraxl-imap-"))
    d.chmod(0o755)
    (d / "mail").mkdir()
    shutil.chown(d / "mail", "nobody", "nogroup")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    (d / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    port = _free_port()
    conf = d / "dovecot.conf"
    conf.write_text(CONFIG.format(d=d, port=port), encoding="utf-8")
    # (dovecot forks into the background: no pipes for it to hold open)
    subprocess.run([DOVECOT, "-c", str(conf)], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = ssl.create_default_context(cafile=str(d / "cert.pem"))
        for _ in range(50):
            try:
                conn = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"dovecot did not start: {(d / 'dovecot.log').read_text()}")
        conn.logout()
        yield {"port": port, "cert": d / "cert.pem", "dir": d, "ctx": ctx}
    finally:
        subprocess.run([DOVECOT, "-c", str(conf), "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(d, ignore_errors=True)


def login(server: dict[str, Any]) -> imaplib.IMAP4_SSL:
    conn = imaplib.IMAP4_SSL("127.0.0.1", server["port"], ssl_context=server["ctx"])
    conn.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
    return conn
