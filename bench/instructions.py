"""Instructions per call, counted by callgrind: repeatable whatever else the machine is doing.
Each program runs twice (n1 and n2 calls) and the difference is divided by n2 - n1, so start-up
and the connection's set-up drop out. Counts the client process only, never the simulator.
    python3 bench/instructions.py <eguma_url> <abi_bench> <raw_ureq> [n1 n2]
Prints {"balance": {"A": .., "B": ..}, "pairs": {...}} as JSON."""

import json
import os
import re
import subprocess
import sys
import tempfile


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
    print(json.dumps(results))


if __name__ == "__main__":
    main()
