"""The Python binding against the real library and the simulator process."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from decimal import Decimal

import pytest

import voucherlink
from conftest import state


def eguma(urls, **extra):
    return voucherlink.Client({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": urls["eguma"], **extra})


def test_version_and_abi():
    assert voucherlink.library_version() == voucherlink.__version__  # tests/version.rs: Cargo's
    assert voucherlink._native.ABI_VERSION == voucherlink._lib.vl_abi_version()


def test_checkout_with_decimals(sim):
    with eguma(sim, pos_id="KASSE-3") as client:
        voucher = client.balance(code="l4fu-5lqt-kjr3")
        assert voucher["code"] == "L4FU5LQTKJR3"
        assert voucher["balance"] == Decimal("50.00") and isinstance(voucher["balance"], Decimal)
        slip = client.balance(code=voucher["code"], language="de")["receipt_lines"]
        assert slip == ["e-guma Gutschein L4FU5LQTKJR3", "Restguthaben CHF 50.00", "Gesamtwert CHF 50.00"]
        taken = client.redeem(code=voucher["code"], remaining_to_pay=Decimal("80.00"), reference="R-1")
        assert taken["amount"] == Decimal("50.00") and taken["balance"] == Decimal("0.00")
        assert taken["receipt_lines"][1] == "Redeemed CHF 50.00"
        back = client.cancel_redemption({"code": voucher["code"], "transaction_id": taken["transaction_id"]}, amount=taken["amount"])
        assert back["balance"] == Decimal("50.00")
    assert state(sim)["eguma"]["vouchers"][0]["balance"] == "50.00"


def test_each_status_raises_its_exception(sim):
    client = eguma(sim)
    with pytest.raises(voucherlink.Rejected) as refused:
        client.redeem(code="USED00000001", amount="1.00")
    assert refused.value.status == 5 and "bereits eingel" in refused.value.message
    assert refused.value.document["ok"] is False
    with pytest.raises(voucherlink.InvalidArgument) as bad:
        client.redeem(code="L4FU5LQTKJR3", amount=Decimal("1.005"))
    assert "`amount`" in bad.value.message
    with pytest.raises(voucherlink.InvalidArgument):
        client.redeem(code="L4FU5LQTKJR3", amount=0.1 + 0.2)  # a float's noise is refused, never rounded
    with pytest.raises(voucherlink.Unsupported):
        client.issue(amount="5.00")
    with pytest.raises(voucherlink.ConfigError) as config:
        voucherlink.Client({"provider": "eguma", "api_key": "k", "timeout": 5})
    assert "`timeout`" in config.value.message
    wrong = voucherlink.Client({"provider": "eguma", "api_key": "nope", "base_url": sim["eguma"]})
    with pytest.raises(voucherlink.AuthError):
        wrong.balance(code="L4FU5LQTKJR3")
    assert issubclass(voucherlink.InDoubt, voucherlink.VoucherLinkError)


def test_closed_clients_refuse_calls(sim):
    client = eguma(sim)
    client.close()
    client.close()
    with pytest.raises(ValueError):
        client.balance(code="L4FU5LQTKJR3")


def test_threads_share_a_client(sim):
    client = eguma(sim)
    errors = []

    def work():
        try:
            for _ in range(5):
                client.redeem(code="2QH3QTDM28N6", amount=Decimal("1.00"))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert client.balance(code="2QH3QTDM28N6")["balance"] == Decimal("70.00")


def test_log_lines_reach_python_logging(sim, caplog):
    voucherlink.enable_logging(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="voucherlink"):
            eguma(sim).balance(code="L4FU5LQTKJR3")
    finally:
        voucherlink.disable_logging()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "********KJR3" in text and "demo-outlet-1" not in text and "L4FU5LQTKJR3" not in text


def test_trace_lines_carry_a_trace_level_name(sim, caplog):
    voucherlink.enable_logging(voucherlink.TRACE)
    try:
        with caplog.at_level(voucherlink.TRACE, logger="voucherlink"):
            eguma(sim, pos_id="KASSE-PY").balance(code="L4FU5LQTKJR3", reference="R-9")
    finally:
        voucherlink.disable_logging()
    traces = [r for r in caplog.records if r.levelno == voucherlink.TRACE]
    assert traces and all(r.levelname == "TRACE" for r in traces)
    exchange = next(r.getMessage() for r in traces if "> GET " in r.getMessage())
    assert exchange.startswith("eguma balance [pos=KASSE-PY ref=R-9 c") and "apikey=[redacted]" in exchange


def test_every_provider_through_python(sim):
    treazure = voucherlink.Client({"provider": "treazure", "base_url": sim["treazure"], "client_id": "pos", "client_secret": "secret"})
    card = treazure.balance(serial_number="100200", scratch_code="8391")
    assert card["code"] == "6280001234567890" and card["balance"] == Decimal("25.00")
    history = treazure.history(code=card["code"], condensed=True)
    assert history["entries"] == []

    gonna = voucherlink.Client({"provider": "gonnaorder", "base_url": sim["gonnaorder"], "store_id": 155, "username": "pos@store.example", "password": "pw"})
    check = gonna.validate(code="PCT10", order_total=Decimal("19.95"))
    assert check["discount"] == Decimal("2.00") and check["total_after_discount"] == Decimal("17.95")
    assert gonna.submit_order(order_id="PY-1", order_total=Decimal("19.95"), discount=check["discount"],
                              total_after_discount=check["total_after_discount"], code="PCT10")["accepted"] is True

    coupons = voucherlink.Client({"provider": "coupontools", "base_url": sim["coupontools"], "client_id": "ct", "client_secret": "secret"})
    coupons.lock(code="https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d")
    used = coupons.redeem(code="kkfiznr8Yp8630h82es8d", money_spent=Decimal("12.00"))
    assert used["amount"] == Decimal("5.00")
    with pytest.raises(voucherlink.Rejected):
        coupons.redeem(code="kkfiznr8Yp8630h82es8d")
    assert coupons.pending() == {"entries": []}
    assert "lock" in coupons.capabilities()["operations"]


def test_the_library_is_found_or_the_search_is_explained(monkeypatch, tmp_path):
    from voucherlink import _native

    monkeypatch.setenv("VOUCHERLINK_LIB", str(tmp_path / "nowhere.so"))
    order = list(_native.candidates())
    assert order[0] == str(tmp_path / "nowhere.so")
    package_dir = str(Path(_native.__file__).resolve().parent / _native.library_file_name())
    assert order[1] == package_dir, "the package's own folder comes next"
    assert _native.library_file_name() in order[2:4], "then the system loader, by name"
    not_a_library = tmp_path / "b.so"
    not_a_library.write_text("not a library")
    monkeypatch.setattr(_native, "candidates", lambda: iter([str(tmp_path / "a.so"), str(not_a_library), "libvoucherlink-nowhere.so"]))
    with pytest.raises(OSError) as missing:
        _native.load()
    message = str(missing.value)
    assert "VOUCHERLINK_LIB" in message and str(tmp_path / "a.so") + " (no such file)" in message
    assert str(not_a_library) in message and "libvoucherlink-nowhere.so" in message, message
