"""The cashier's wait at a real round-trip time (BENCHMARKS.md, "At a real round-trip time").

    python3 bench/latency.py [--smoke] [--rtt MS ...]      (scripts/bench-latency.sh builds first)

Between the clients and the simulator sits a delaying proxy on loopback: every chunk of bytes is
held RTT/2 in each direction, so each request-answer exchange costs one round trip, and a new
connection one more (the handshake happens on loopback at once; its round trip is modelled by
holding the connection's first bytes until it is over), as on a DSL or 4G line. Through it, each provider's checkout
runs three ways:

  A cold    a new voucherlink client (through the C ABI: the Python binding, ctypes), first checkout:
            connection, token or login, the operations;
  A warm    the same client's next checkout (connections and token kept);
  A ready   a new client, vl_prepare when the payment screen opens (not counted), then the checkout;
  R cold / R warm   a raw client (Python http.client, keep-alive) that sends only the requests
            the provider's protocol needs for each operation, as a minimal integration would.

For every operation: the requests the library sent (counted by the simulator), the raw client's,
the wall time, and the ratio raw/library (1.00: as fast as the minimum). Also a scan -> balance ->
redeem through a four-provider client against a one-provider client (issue 23).
Prints markdown tables; writes target/bench/latency.json.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
OUT = TARGET / "bench"
SMOKE = "--smoke" in sys.argv
# The release build measures; a smoke run measures nothing and uses the debug build the tests made.
BUILT = TARGET / ("debug" if SMOKE else "release")
RTTS = [int(sys.argv[i + 1]) for i, a in enumerate(sys.argv) if a == "--rtt"] or ([10] if SMOKE else [20, 100])
ROUNDS = 1 if SMOKE else 5

os.environ.setdefault("VOUCHERLINK_LIB", str(BUILT / "libvoucherlink.so"))
sys.path.insert(0, str(REPO / "bindings" / "python"))
import voucherlink  # noqa: E402


# ---- the delaying proxy ---------------------------------------------------------------------

class DelayProxy:
    """A TCP proxy that delays every chunk by `one_way` seconds in each direction, in order."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.one_way = 0.0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server = socket.create_connection(self.target)
            server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # The connection's own round trip (SYN / SYN-ACK), before the first byte goes on.
            opened = time.monotonic() + 2 * self.one_way
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(a, b, opened), daemon=True).start()

    def pump(self, source, sink, opened):
        queue, lock, ready = [], threading.Lock(), threading.Condition()

        def send():
            while True:
                with ready:
                    while not queue:
                        ready.wait()
                    due, data = queue.pop(0)
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if data is None:
                    try:
                        sink.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                try:
                    sink.sendall(data)
                except OSError:
                    return

        threading.Thread(target=send, daemon=True).start()
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            with ready:
                # Nothing goes before the handshake's round trip is over; then half a round trip.
                queue.append((max(time.monotonic(), opened) + self.one_way, data or None))
                ready.notify()
            if not data:
                return


# ---- the simulator --------------------------------------------------------------------------

def fixtures(rounds):
    f = json.loads((REPO / "sim" / "src" / "demo_fixtures.json").read_text())
    f["coupontools"]["sessions"] = [
        {"session": "lat%04dsession" % i, "campaign": "c", "coupon": "v", "value": "5.00", "claimed": True,
         "validated": False, "locked": False, "voided": False, "expires_at": "2030-01-01 00:00:00"}
        for i in range(rounds * 8 + 20)
    ]
    f["gonnaorder"]["vouchers"].append({"store_id": 155, "code": "BENCH", "discount": "100000.00", "discount_type": "MONETARY",
                                        "source": "STORE", "member_code": None, "active": True, "description": "bench"})
    return f


def stats(root):
    with urllib.request.urlopen(root + "/__sim/stats") as r:
        return json.load(r)


def total(root, provider):
    return sum(n for k, n in stats(root)["requests"].items() if k.startswith(provider + "."))


# ---- the raw clients: only the requests each protocol needs ---------------------------------

class Raw:
    """A keep-alive HTTP/1.1 client of one provider, through the proxy."""

    def __init__(self, base):
        self.url = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
        self.token = None

    def call(self, method, path, body=None, headers=None, form=None):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["content-type"] = "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["content-type"] = "application/x-www-form-urlencoded"
        if self.token:
            h["authorization"] = "Bearer " + self.token
        self.conn.request(method, self.url.path + path, body=data, headers=h)
        response = self.conn.getresponse()
        text = response.read()
        return json.loads(text) if text[:1] in (b"{", b"[") else text

    def close(self):
        self.conn.close()


def raw_eguma(raw, n):
    key = "?apikey=demo-outlet-1"
    v = "/v1/vouchers/2QH3QTDM28N6"
    return [
        ("balance", lambda: raw.call("GET", v + "/balance.json" + key)),
        ("redeem", lambda: n.update(r=raw.call("POST", v + "/redeem.json" + key, {"amount_in_cents": 100}))),
        ("cancel_redemption", lambda: raw.call("POST", v + "/cancel_redemption.json" + key,
                                               {"redeem_token": n["r"]["redeem_token"], "amount_in_cents": 100})),
    ]


def raw_treazure(raw, n):
    card = {"cardId": "6280001234567890"}

    def token():
        if raw.token is None:
            answer = raw.call("POST", "/identity/connect/token", form={"grant_type": "client_credentials", "client_id": "pos",
                                                                       "client_secret": "secret", "scope": "api_switch"})
            raw.token = answer["access_token"]

    def op(path, body):
        token()
        return raw.call("POST", "/api/v1.0/Switch/giftcard/" + path, body)

    return [
        ("balance", lambda: op("GetBalance", card)),
        ("redeem", lambda: n.update(r=op("Redeem", {**card, "amount": 1.00}))),
        ("cancel_redemption", lambda: op("Redeem/Cancel", {"redeemId": n["r"]["redeemId"]})),
        ("activate", lambda: n.update(a=op("Activate", {**card, "amount": 1.00}))),
        ("cancel_activation", lambda: op("Activate/Cancel", {"activationId": n["a"]["activationId"]})),
    ]


def raw_coupontools(raw, n):
    headers = {"X-Client-Id": "ct", "X-Client-Secret": "secret"}
    s = n["session"]
    return [
        ("balance", lambda: raw.call("POST", "/v3/couponsession/data", {"couponsession": s}, headers)),
        ("lock", lambda: raw.call("POST", "/v3/couponsession/update", {"couponsession": s, "lock": "1"}, headers)),
        ("redeem", lambda: raw.call("POST", "/v3/couponsession/update", {"couponsession": s, "validate": "1"}, headers)),
    ]


def raw_gonnaorder(raw, n):
    def login():
        if raw.token is None:
            raw.token = raw.call("POST", "/api/v1/auth/login", {"username": "pos@store.example", "password": "pw"})["tokens"]["jwt"]

    def op(path, body):
        login()
        return raw.call("POST", "/api/v1/stores/155/" + path, body)

    return [
        ("validate", lambda: op("customer-voucher/validate/order", {"voucherCode": "BENCH", "totalNonDiscountedPrice": 20.0})),
        ("submit_order", lambda: op("external-order", {"externalOrderId": n["order"], "totalNonDiscountedPrice": 20.0,
                                                      "totalDiscount": 1.0, "totalDiscountedPrice": 19.0, "voucherCode": "BENCH"})),
    ]


# ---- voucherlink's checkouts ----------------------------------------------------------------

def lib_flow(provider, till, n):
    if provider == "eguma":
        return [
            ("balance", lambda: till.balance(code="2QH3QTDM28N6")),
            ("redeem", lambda: n.update(r=till.redeem(code="2QH3QTDM28N6", amount=Decimal("1.00")))),
            ("cancel_redemption", lambda: till.cancel_redemption(code="2QH3QTDM28N6", transaction_id=n["r"]["transaction_id"],
                                                                 amount=Decimal("1.00"))),
        ]
    if provider == "treazure":
        card = "6280001234567890"
        return [
            ("balance", lambda: till.balance(code=card)),
            ("redeem", lambda: n.update(r=till.redeem(code=card, amount=Decimal("1.00")))),
            ("cancel_redemption", lambda: till.cancel_redemption(code=card, transaction_id=n["r"]["transaction_id"])),
            ("activate", lambda: n.update(a=till.activate(code=card, amount=Decimal("1.00")))),
            ("cancel_activation", lambda: till.cancel_activation(code=card, transaction_id=n["a"]["transaction_id"])),
        ]
    if provider == "coupontools":
        s = n["session"]
        return [
            ("balance", lambda: till.balance(code=s)),
            ("lock", lambda: till.lock(code=s)),
            ("redeem", lambda: till.redeem(code=s)),
        ]
    return [
        ("validate", lambda: till.validate(code="BENCH", order_total=Decimal("20.00"))),
        ("submit_order", lambda: till.submit_order(order_id=n["order"], order_total=Decimal("20.00"), discount=Decimal("1.00"),
                                                   total_after_discount=Decimal("19.00"), code="BENCH")),
    ]


CONFIG = {
    "eguma": {"api_key": "demo-outlet-1"},
    "treazure": {"client_id": "pos", "client_secret": "secret"},
    "gonnaorder": {"store_id": 155, "username": "pos@store.example", "password": "pw"},
    "coupontools": {"client_id": "ct", "client_secret": "secret"},
}
RAW = {"eguma": raw_eguma, "treazure": raw_treazure, "coupontools": raw_coupontools, "gonnaorder": raw_gonnaorder}


def timed(root, provider, steps):
    """Runs the steps; per step: (ms, requests the provider received)."""
    out = {}
    for name, step in steps:
        before = total(root, provider)
        t = time.perf_counter()
        step()
        out[name] = ((time.perf_counter() - t) * 1000, total(root, provider) - before)
    return out


def checkout_rows(root, base, counter):
    """Every provider: A cold, A warm, A ready, R cold, R warm; lists of {op: (ms, requests)}."""
    rows = {}
    for provider in ("eguma", "treazure", "coupontools", "gonnaorder"):
        rows[provider] = {k: [] for k in ("A cold", "A warm", "A ready", "R cold", "R warm")}
        for _ in range(ROUNDS):
            config = {"provider": provider, "base_url": base + "/" + provider, "timeout_ms": 15000, **CONFIG[provider]}
            with voucherlink.Client(config) as till:
                for label in ("A cold", "A warm"):
                    n = {"session": "lat%04dsession" % next(counter), "order": "LAT-%d" % next(counter)}
                    rows[provider][label].append(timed(root, provider, lib_flow(provider, till, n)))
            with voucherlink.Client(config) as till:
                till.prepare()
                time.sleep(0.05)   # the cashier scans a moment after the payment screen opened
                n = {"session": "lat%04dsession" % next(counter), "order": "LAT-%d" % next(counter)}
                rows[provider]["A ready"].append(timed(root, provider, lib_flow(provider, till, n)))
            raw = Raw(base + "/" + provider)
            for label in ("R cold", "R warm"):
                n = {"session": "lat%04dsession" % next(counter), "order": "LAT-%d" % next(counter)}
                rows[provider][label].append(timed(root, provider, RAW[provider](raw, n)))
            raw.close()
    return rows


def routing_rows(root, base):
    """Scan -> balance -> redeem, e-guma's voucher: a client of e-guma alone, and a till with four
    providers (Coupontools first), scanned as printed (dashes: e-guma's shape only) and as the
    barcode (also a Coupontools and Treazure shape: one read passed over)."""
    entry = lambda p: {"provider": p, "base_url": base + "/" + p, **CONFIG[p]}
    till = {"providers": [entry("coupontools"), entry("eguma"), entry("treazure"), entry("gonnaorder")]}
    results = {}
    for label, config, code in (("e-guma alone", entry("eguma"), "2QH3-QTDM-28N6"),
                                ("four providers, printed code", till, "2QH3-QTDM-28N6"),
                                ("four providers, barcode", till, "2QH3QTDM28N6")):
        runs = []
        for _ in range(ROUNDS):
            with voucherlink.Client(config) as c:
                c.prepare()
                before = stats(root)["total_requests"]
                t = time.perf_counter()
                v = c.balance(code=code)
                r = c.redeem(code=code, amount=Decimal("1.00"))
                ms = (time.perf_counter() - t) * 1000
                sent = stats(root)["total_requests"] - before
                c.cancel_redemption(code=v["code"], transaction_id=r["transaction_id"], amount=Decimal("1.00"))
            runs.append((ms, sent))
        results[label] = (statistics.median(m for m, _ in runs), runs[0][1])
    return results


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    fixture_file = OUT / "latency-fixtures.json"
    fixture_file.write_text(json.dumps(fixtures(ROUNDS * len(RTTS) * 4 + 10)))
    sim = subprocess.Popen([str(BUILT / "voucherlink"), "sim", "--listen", "127.0.0.1:0", "--fixtures", str(fixture_file)],
                           stdout=subprocess.PIPE, text=True)
    report = {"rounds": ROUNDS, "rtt_ms": {}}
    try:
        root = json.loads(sim.stdout.readline())["root"]
        proxy = DelayProxy(urllib.parse.urlparse(root).port)
        base = "http://127.0.0.1:%d" % proxy.port
        counter = iter(range(1, 10**6))
        for rtt in RTTS:
            proxy.one_way = rtt / 2000
            rows = checkout_rows(root, base, counter)
            routing = routing_rows(root, base)
            report["rtt_ms"][rtt] = {"checkouts": rows, "routing": routing}
            print_tables(rtt, rows, routing)
    finally:
        sim.kill()
    (OUT / "latency.json").write_text(json.dumps(report, indent=1, default=str))


def med(runs, op, i):
    return statistics.median(r[op][i] for r in runs)


def print_tables(rtt, rows, routing):
    print("\n### RTT %d ms (median of %d rounds; ms, and requests in brackets)\n" % (rtt, ROUNDS))
    print("| provider | operation | A cold | A warm | A ready | R cold | R warm | R warm / A warm |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for provider, runs in rows.items():
        for op in runs["A warm"][0]:
            cells = []
            for label in ("A cold", "A warm", "A ready", "R cold", "R warm"):
                cells.append("%.0f (%d)" % (med(runs[label], op, 0), runs[label][0][op][1]))
            ratio = med(runs["R warm"], op, 0) / med(runs["A warm"], op, 0)
            print("| %s | %s | %s | %.2f |" % (provider, op, " | ".join(cells), ratio))
        whole = lambda label: sum(med(runs[label], op, 0) for op in runs[label][0])
        print("| %s | **whole checkout** | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f |" % (
            provider, whole("A cold"), whole("A warm"), whole("A ready"), whole("R cold"), whole("R warm"),
            whole("R warm") / whole("A warm")))
    print("\nScan -> balance -> redeem (after vl_prepare):\n")
    print("| client | ms | requests |")
    print("|---|---:|---:|")
    for label, (ms, sent) in routing.items():
        print("| %s | %.0f | %d |" % (label, ms, sent))


if __name__ == "__main__":
    main()
