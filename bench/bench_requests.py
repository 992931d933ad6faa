"""Benchmark C: what a POS developer would write instead. The same HTTP requests as the library
makes, from Python `requests` with a keep-alive Session, answers parsed as JSON.
    python3 bench/bench_requests.py <eguma_url> <n>
Prints one JSON object like bench/abi_bench.c."""

import json
import sys
import time

import requests


def stats(name, lat, seconds):
    lat.sort()
    n = len(lat)
    return '"%s":{"n":%d,"seconds":%.4f,"per_s":%.1f,"p50_us":%.1f,"p99_us":%.1f}' % (
        name, n, seconds, n / seconds, lat[n // 2], lat[n * 99 // 100])


def main():
    base, n = sys.argv[1], int(sys.argv[2])
    key = {"apikey": "demo-outlet-1"}
    voucher = base + "/v1/vouchers/2QH3QTDM28N6"
    session = requests.Session()
    session.trust_env = False

    def balance():
        assert "is_redeemable" in session.get(base + "/v1/vouchers/L4FU5LQTKJR3/balance.json", params=key, timeout=15).json()

    for _ in range(20):
        balance()
    lat = []
    t0 = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        balance()
        lat.append((time.perf_counter() - t) * 1e6)
    a = stats("balance", lat, time.perf_counter() - t0)
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        session.get(voucher + "/balance.json", params=key, timeout=15).json()
        r = session.post(voucher + "/redeem.json", params=key, json={"amount_in_cents": 100, "reference_number": "py-%d" % i}, timeout=15).json()
        session.get(voucher + "/balance.json", params=key, timeout=15).json()
        session.post(voucher + "/cancel_redemption.json", params=key, json={"redeem_token": r["redeem_token"], "amount_in_cents": 100}, timeout=15).json()
        lat.append((time.perf_counter() - t) * 1e6)
    b = stats("redeem_cancel", lat, time.perf_counter() - t0)
    print("{%s,%s}" % (a, b))


if __name__ == "__main__":
    main()
