"""Instructions per call, counted by callgrind: repeatable whatever else the machine is doing.
Each program runs twice (n1 and n2 calls) and the difference is divided by n2 - n1, so start-up
and the connection's set-up drop out. Counts the client process only, never the simulator.
    python3 bench/instructions.py <eguma_url> <abi_bench> <raw_ureq> [n1 n2]
Prints {"balance": {"A": .., "B": ..}, "pairs": {...}, "pairs_journal": {"open_0": .., "open_2000": ..}}
as JSON. pairs_journal: redeem + cancel with the journal on disk, empty, and holding 2,000 open
entries of other vouchers (a call must cost the same: open entries are indexed)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit


def instructions(cmd, env):
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
            capture_output=True, text=True, env={**os.environ, **env}, cwd=scratch,
        )
        match = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode != 0 or not match:
            sys.exit("callgrind failed: %s\n%s" % (" ".join(cmd), result.stderr[-2000:]))
        return int(match.group(1))


def account_of(url):
    """The journal's account key of a base URL (src/config.rs, account_key)."""
    u = urlsplit(url)
    port = "" if u.port in (None, 80 if u.scheme == "http" else 443) else ":%d" % u.port
    return "%s://%s%s%s" % (u.scheme.lower(), u.hostname.lower(), port, u.path.rstrip("/"))


def journal_with_open_entries(path, url, count):
    """A journal file holding `count` open (in doubt) entries of other vouchers of the account."""
    now = int(time.time() * 1000)
    with open(path, "w") as f:
        f.write('{"voucherlink_journal":1}\n')
        for i in range(count):
            f.write(json.dumps({
                "id": "vl-bench-%06d" % i, "provider": "eguma", "account": account_of(url), "operation": "redeem",
                "state": "in_doubt", "code": "OPEN%08d" % i, "amount": "1.00", "currency": "CHF", "reference": None,
                "pos_id": None, "operator_id": None, "created_ms": now, "updated_ms": now,
                "evidence": {"balance_cents": 5000}, "data": {"amount_cents": 100}, "result": None, "reverses": None,
                "reversed_by": None, "attempts": 1, "next_attempt_ms": None, "last_error": None, "note": None,
            }) + "\n")


def main():
    url, abi, raw = sys.argv[1:4]
    n1, n2 = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (20, 120)
    lib_env = {"LD_LIBRARY_PATH": os.path.dirname(os.path.dirname(raw))}
    results = {}
    for mode in ("balance", "pairs"):
        row = {}
        for name, program, env in (("A", abi, lib_env), ("B", raw, {})):
            small = instructions([program, mode, url, str(n1)], env)
            large = instructions([program, mode, url, str(n2)], env)
            row[name] = round((large - small) / (n2 - n1))
        results[mode] = row
    row = {}
    for open_entries in (0, 2000):
        counts = []
        for n in (n1, n2):
            with tempfile.TemporaryDirectory() as scratch:
                journal = os.path.join(scratch, "journal.jsonl")
                journal_with_open_entries(journal, url, open_entries)
                counts.append(instructions([abi, "pairs", url, str(n)], {**lib_env, "BENCH_JOURNAL": journal}))
        row["open_%d" % open_entries] = round((counts[1] - counts[0]) / (n2 - n1))
    results["pairs_journal"] = row
    print(json.dumps(results))


if __name__ == "__main__":
    main()
