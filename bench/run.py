"""Runs every benchmark of BENCHMARKS.md in one go against one simulator on loopback, and prints
its tables (the numbers also go to target/bench/results.json).
    python3 bench/run.py [--smoke]      (scripts/bench.sh builds everything first)

Wall-clock numbers on a shared machine drift by 2-4x within minutes, so A, B and B' run in
alternating rounds and every ratio is the median of the per-round ratios. Instruction counts
(callgrind) do not drift: they are the repeatable measure of the library's own cost."""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
OUT = TARGET / "bench"
SMOKE = "--smoke" in sys.argv
# The release build measures; a smoke run measures nothing and uses the debug build the tests made.
BUILT = TARGET / ("debug" if SMOKE else "release")

N = 300 if SMOKE else 2000            # sequential calls of each kind per round
ROUNDS = 1 if SMOKE else 7            # A, B and B' alternate; medians are kept
THREADS, N_THREADS = 8, (400 if SMOKE else 16000)
RSS_1, RSS_2 = (1_000, 5_000) if SMOKE else (10_000, 1_000_000)
CALLGRIND_N = (5, 25) if SMOKE else (20, 220)


def run(cmd, env=None):
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        sys.exit("benchmark step failed: %s\n%s%s" % (" ".join(map(str, cmd)), result.stdout, result.stderr))
    return json.loads(result.stdout)


def sim_stats(root):
    with urllib.request.urlopen(root + "/__sim/stats") as r:
        return json.load(r)


def summary(rows, key):
    """Median calls/s, p50 and p99 over the rounds."""
    return {field: statistics.median(r[key][field] for r in rows) for field in ("per_s", "p50_us", "p99_us")}


def ratio(a_rows, b_rows, key):
    """Median over the rounds of A's calls/s divided by B's in the same round."""
    return statistics.median(a[key]["per_s"] / b[key]["per_s"] for a, b in zip(a_rows, b_rows))


def java_vs_c(abi, eguma, lib_env):
    """A balance through the Java binding (JNA) against the C ABI, alternating, in one run: the
    median of the per-round ratios. None when no JDK or JNA is installed."""
    jna = "/usr/share/java/jna.jar"
    if not (os.path.exists(jna) and subprocess.run(["which", "javac"], capture_output=True).returncode == 0):
        return None
    classes = OUT / "java-classes"
    sources = [str(p) for p in (REPO / "bindings" / "java" / "src" / "main" / "java").rglob("*.java")]
    subprocess.run(["javac", "--release", "8", "-nowarn", "-cp", jna, "-d", str(classes)] + sources, check=True)
    subprocess.run(["javac", "--release", "8", "-cp", "%s:%s" % (classes, jna), "-d", str(classes),
                    str(REPO / "bench" / "JavaBalance.java")], check=True)
    java = ["java", "-cp", "%s:%s" % (classes, jna), "JavaBalance"]
    env = {"VOUCHERLINK_LIB": str(BUILT / "libvoucherlink.so")}
    rows = []
    for _ in range(ROUNDS):
        c = run(abi + ["seq", eguma, str(N)], lib_env)["balance"]
        j = run(java + [eguma, str(N)], env)["balance"]
        rows.append((c, j))
    return {
        "C": {k: statistics.median(c[k] for c, _ in rows) for k in ("per_s", "p50_us", "p99_us")},
        "Java": {k: statistics.median(j[k] for _, j in rows) for k in ("per_s", "p50_us", "p99_us")},
        "Java_over_C": statistics.median(j["per_s"] / c["per_s"] for c, j in rows),
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    abi = [str(OUT / "abi_bench")]
    raw = [str(BUILT / "examples" / "raw_ureq")]
    lib_env = {"LD_LIBRARY_PATH": str(BUILT)}
    sim = subprocess.Popen([str(BUILT / "voucherlink"), "sim", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(sim.stdout.readline())
        eguma, root = urls["eguma"], urls["root"]

        # Keep-alive proof: TCP connections accepted for 1,000 sequential calls through the ABI.
        # Each stats read is itself one connection to the simulator: measured and taken off.
        first = sim_stats(root)["connections"]
        before = sim_stats(root)["connections"]
        own = before - first
        run(abi + ["seq", eguma, "250"], lib_env)  # 250 balance + 250 x (redeem + cancel) = 1,000 calls
        connections = sim_stats(root)["connections"] - before - own

        a_rows, b_rows, b2_rows, j_rows = [], [], [], []
        with tempfile.TemporaryDirectory() as scratch:
            journal_env = {**lib_env, "BENCH_JOURNAL": os.path.join(scratch, "journal.jsonl")}
            for _ in range(ROUNDS):
                a_rows.append(run(abi + ["seq", eguma, str(N)], lib_env))
                b_rows.append(run(raw + ["seq", eguma, str(N)]))
                b2_rows.append(run(raw + ["seq", eguma, str(N)], {"RAW_UREQ_DEADLINE": "1"}))
                j_rows.append(run(abi + ["seq", eguma, str(N // 4)], journal_env))
        c_row = run([sys.executable, str(REPO / "bench" / "bench_requests.py"), eguma, str(max(N // 4, 100))])
        java = java_vs_c(abi, eguma, lib_env)
        d_rows, s_rows = [], []
        for _ in range(max(ROUNDS // 2, 1)):
            d_rows.append(run(abi + ["threads", eguma, str(N_THREADS), str(THREADS)], lib_env))
            s_rows.append(run(raw + ["threads", eguma, str(N_THREADS), str(THREADS)]))
        new = run(abi + ["client_new", eguma, "1000"], lib_env)["client_new"]
        rss = run(abi + ["rss", eguma, str(RSS_1), str(RSS_2)], lib_env)["rss"]
        count = subprocess.run(
            [sys.executable, str(REPO / "bench" / "instructions.py"), eguma, abi[0], raw[0]] + list(map(str, CALLGRIND_N)),
            capture_output=True, text=True,
        )
        instructions = json.loads(count.stdout) if count.returncode == 0 else None
    finally:
        sim.kill()

    lib = BUILT / "libvoucherlink.so"
    stripped = OUT / "libvoucherlink.stripped.so"
    subprocess.run(["strip", "--strip-all", "-o", str(stripped), str(lib)], check=True)

    r = {
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
            "kernel": platform.release(),
            "rustc": subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip(),
            "python": platform.python_version(),
        },
        "smoke": SMOKE,
        "calls_per_round": N,
        "rounds": ROUNDS,
        "A_balance": summary(a_rows, "balance"),
        "A_redeem_cancel": summary(a_rows, "redeem_cancel"),
        "A_journal_on_disk_redeem_cancel": summary(j_rows, "redeem_cancel"),
        "B_balance": summary(b_rows, "balance"),
        "B_redeem_cancel": summary(b_rows, "redeem_cancel"),
        "B_deadline_balance": summary(b2_rows, "balance"),
        "B_deadline_redeem_cancel": summary(b2_rows, "redeem_cancel"),
        "C_balance": c_row["balance"],
        "C_redeem_cancel": c_row["redeem_cancel"],
        "D_balance_8_threads": summary(d_rows, "balance_threads"),
        "simulator_8_threads_raw": summary(s_rows, "balance_threads"),
        "A_over_B_balance": ratio(a_rows, b_rows, "balance"),
        "A_over_B_redeem_cancel": ratio(a_rows, b_rows, "redeem_cancel"),
        "A_over_B_deadline_balance": ratio(a_rows, b2_rows, "balance"),
        "A_over_B_deadline_redeem_cancel": ratio(a_rows, b2_rows, "redeem_cancel"),
        "instructions_per_call": instructions,
        "java_vs_c_balance": java,
        "tcp_connections_for_1000_calls": connections,
        "client_new": new,
        "rss": rss,
        "cdylib_bytes": lib.stat().st_size,
        "cdylib_stripped_bytes": stripped.stat().st_size,
    }
    r["A_over_C_balance"] = r["A_balance"]["per_s"] / r["C_balance"]["per_s"]
    r["A_over_C_redeem_cancel"] = r["A_redeem_cancel"]["per_s"] / r["C_redeem_cancel"]["per_s"]
    (OUT / "results.json").write_text(json.dumps(r, indent=2))

    def line(name, row):
        return "| %s | %.0f | %.0f | %.0f |" % (name, row["per_s"], row["p50_us"], row["p99_us"])

    print("%d round(s) of %d calls of each kind; medians.\n" % (ROUNDS, N))
    print("| benchmark | calls/s (pairs/s) | p50 µs | p99 µs |")
    print("|---|---:|---:|---:|")
    print(line("A: voucherlink through the C ABI, `vl_balance`", r["A_balance"]))
    print(line("B: raw keep-alive ureq, the same request", r["B_balance"]))
    print(line("B′: raw ureq with an overall timeout", r["B_deadline_balance"]))
    print(line("C: Python requests, keep-alive Session", r["C_balance"]))
    print(line("A: `vl_redeem` + `vl_cancel_redemption` (4 HTTP exchanges)", r["A_redeem_cancel"]))
    print(line("A, journal on disk (4 fsyncs per pair)", r["A_journal_on_disk_redeem_cancel"]))
    print(line("B: raw ureq, the same 4 requests", r["B_redeem_cancel"]))
    print(line("B′: raw ureq with an overall timeout, the same 4", r["B_deadline_redeem_cancel"]))
    print(line("C: Python requests, the same 4", r["C_redeem_cancel"]))
    print(line("D: 8 threads sharing one client, `vl_balance`", r["D_balance_8_threads"]))
    print(line("simulator capacity: raw ureq, 8 threads", r["simulator_8_threads_raw"]))
    print()
    print("| measure | value | target |")
    print("|---|---:|---|")
    print("| A/B wall clock, `vl_balance` | %.2f | ≥ 0.95 |" % r["A_over_B_balance"])
    print("| A/B wall clock, redeem + cancel | %.2f | ≥ 0.95 |" % r["A_over_B_redeem_cancel"])
    print("| A/B′ wall clock, `vl_balance` / redeem + cancel | %.2f / %.2f | |"
          % (r["A_over_B_deadline_balance"], r["A_over_B_deadline_redeem_cancel"]))
    if instructions:
        for kind, label in (("balance", "`vl_balance`"), ("pairs", "redeem + cancel pair")):
            a, b = instructions[kind]["A"], instructions[kind]["B"]
            print("| instructions per %s, A / B (B/A) | %d / %d (%.2f) | |" % (label, a, b, b / a))
        j = instructions["pairs_journal"]
        print("| instructions per pair, journal on disk: empty / 2,000 open entries (ratio) | %d / %d (%.2f) | ≈ 1 |"
              % (j["open_0"], j["open_2000"], j["open_2000"] / j["open_0"]))
    print("| A/C, `vl_balance` | %.1f | ≥ 10 |" % r["A_over_C_balance"])
    print("| A/C, redeem + cancel | %.1f | ≥ 10 |" % r["A_over_C_redeem_cancel"])
    print("| TCP connections for 1,000 sequential calls | %d | 1 |" % connections)
    print("| `vl_client_new` p50 / p99 / max | %.0f / %.0f / %.0f µs | ≤ 1 ms |" % (new["p50_us"], new["p99_us"], new["max_us"]))
    print("| RSS after %d calls / after %d calls | %d / %d KiB (%+d KiB) | flat within 1 MiB |"
          % (rss["calls_1"], rss["calls_2"], rss["kb_1"], rss["kb_2"], rss["kb_2"] - rss["kb_1"]))
    print("| cdylib size, stripped | %.2f MiB | ≤ 5 MiB |" % (r["cdylib_stripped_bytes"] / 1048576))
    if java:
        print("| `vl_balance` through Java (JNA) / through C: calls/s, p50 | %.0f / %.0f (%.2f), %.0f / %.0f µs | |"
              % (java["Java"]["per_s"], java["C"]["per_s"], java["Java_over_C"], java["Java"]["p50_us"], java["C"]["p50_us"]))


if __name__ == "__main__":
    main()
