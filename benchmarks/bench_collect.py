"""`intraxl collect` from a real IMAP server (dovecot on 127.0.0.1, as the tests start it):
a second collect of a mailbox of N messages, when nothing new has come.

    python benchmarks/bench_collect.py [--n 1000]

N messages, each from a unit's registered reporter with its synthetic workbook
(benchmarks/synth.py), are put in a folder; then, each as the command a user runs in a fresh
process: the first collect (downloads, validates and stores everything), a second one (only
messages after the stored position: none) and a second one with --rescan (every message
downloaded and parsed again, as before positions were kept). Goal (issue 14): the second
collect under 1 s. Needs dovecot and openssl (`apt-get install dovecot-imapd`) and root, as
the tests do. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    from synth import generate

    from intraxl.mappings import load_mappings
    from tests.imap_server import PASSWORD, USER, dovecot, login
    from tests.test_collect import eml

    mappings, inbox = generate(args.n)
    m = load_mappings(mappings)
    files = {f.name: f for f in inbox.glob("*.xlsx")}
    with dovecot() as server, tempfile.TemporaryDirectory() as work:
        conn = login(server)
        conn.create("Rapporter")
        for n, unit in enumerate(m.units):
            f = next(f for name, f in files.items() if name.endswith(f"_{unit.id}.xlsx"))
            conn.append("Rapporter", None, None,
                        eml(unit.reporters[0], [(f.name, f.read_bytes())], n))
        conn.logout()
        url = f"imaps://{USER}@127.0.0.1:{server['port']}/Rapporter"
        env = {**os.environ, "SSL_CERT_FILE": str(server["cert"]),
               "INTRAXL_IMAP_PASSWORD": PASSWORD}
        command = [sys.executable, "-m", "intraxl.cli", "collect", url, "--period", "2023-02",
                   "--mappings", str(mappings), "--db", f"{work}/intraxl.db",
                   "--inbox", f"{work}/inbox", "--quarantine", f"{work}/quarantine"]

        def timed(*more: str) -> float:
            start = time.perf_counter()
            subprocess.run([*command, *more], env=env, check=True, capture_output=True)
            return time.perf_counter() - start

        first, second, rescan = timed(), timed(), timed("--rescan")
    print(f"N = {len(m.units)} messages in an IMAP folder (dovecot, TLS, 127.0.0.1)")
    print(f"  first collect (download, validate, store)     {first:6.2f} s")
    print(f"  second collect, nothing new                   {second:6.2f} s  (goal < 1 s)")
    print(f"  second collect with --rescan (every message)  {rescan:6.2f} s")


if __name__ == "__main__":
    main()
