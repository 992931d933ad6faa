"""Every operation through its typed method, against the real library and the simulator."""

from __future__ import annotations

import json
import urllib.request
from decimal import Decimal

import pytest

import voucherlink


def arm_fault(urls: dict, rule: dict) -> None:
    request = urllib.request.Request(urls["root"] + "/__sim/fault", data=json.dumps(rule).encode(), method="POST")
    urllib.request.urlopen(request).read()


def test_every_eguma_operation(sim):
    with voucherlink.Client({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim["eguma"]}) as till:
        assert "deactivate" in till.capabilities()["operations"]
        voucher = till.balance(code="L4FU-5LQT-KJR3", language="fr")
        assert voucher["status"] == "active" and voucher["receipt_lines"][1] == "Solde CHF 50.00"
        taken = till.redeem(code=voucher["code"], amount=Decimal("20.00"), reference="PY-7")
        assert taken["balance"] == Decimal("30.00") and taken["transaction_id"]
        back = till.cancel_redemption(code=taken["code"], transaction_id=taken["transaction_id"] or "", amount="20.00")
        assert back["balance"] == Decimal("50.00")
        sellable = till.activation_status(code="DEP0T0000002")
        assert sellable["can_activate"] and sellable["free_amount"] and sellable["amount"] is None
        sold = till.activate(code="DEP0T0000002", amount=25)
        assert sold["balance"] == Decimal("25.00") and "VAT 0% (voucher sale)" in sold["receipt_lines"]
        returnable = till.deactivation_status(code="DEP0T0000002")
        assert returnable["can_deactivate"] and returnable["amount"] == Decimal("25.00")
        assert till.deactivate(code="DEP0T0000002", reason="wrong voucher")["status"] == "created"


def test_every_treazure_operation(sim):
    config = {"provider": "treazure", "base_url": sim["treazure"], "client_id": "pos", "client_secret": "secret"}
    with voucherlink.Client(config) as till:
        card = till.balance(serial_number="100200", scratch_code="8391", utc_offset="+01:00")
        assert card["code"] == "6280001234567890"
        sold = till.activate(code="6280001111111111", amount=Decimal("30.00"))
        assert sold["status"] == "active" and sold["transaction_id"]
        assert till.cancel_activation(code=sold["code"], transaction_id=sold["transaction_id"])["balance"] == Decimal("0.00")
        issued = till.issue(amount="15.00")
        assert issued["balance"] == Decimal("15.00")
        till.redeem(code=card["code"], remaining_to_pay=Decimal("5.00"))
        history = till.history(code=card["code"])
        assert any(line["mutation"] == Decimal("-5.00") for line in history["entries"])


def test_every_gonnaorder_operation(sim):
    config = {"provider": "gonnaorder", "base_url": sim["gonnaorder"], "store_id": 155, "username": "pos@store.example", "password": "pw"}
    with voucherlink.Client(config) as till:
        member = till.member_vouchers(member_code="M-1")
        assert member["member"]["name"] == "John Doe"
        assert {v["code"]: v["type"] for v in member["vouchers"]}["PCT10"] == "percentage"
        check = till.validate(code="XYZ", order_total=Decimal("20.00"))
        assert check["discount"] == Decimal("5.50") and check["voucher"]["type"] == "monetary"
        accepted = till.submit_order(order_id=4711, order_total=Decimal("20.00"), discount=check["discount"],
                                     total_after_discount=check["total_after_discount"], code="XYZ", member_code="M-1")
        assert accepted["accepted"] is True


def test_every_coupontools_operation(sim):
    config = {"provider": "coupontools", "base_url": sim["coupontools"], "client_id": "ct", "client_secret": "secret"}
    with voucherlink.Client(config) as till:
        assert till.lock(code="kkfiznr8Yp8630h82es8d")["status"] == "locked"
        assert till.unlock(code="kkfiznr8Yp8630h82es8d")["status"] == "active"
        assert till.redeem(code="kkfiznr8Yp8630h82es8d", money_spent="30.00")["amount"] == Decimal("5.00")


def test_pending_and_recover_typed(sim):
    with voucherlink.Client({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim["eguma"]}) as till:
        assert till.pending()["entries"] == [] and till.recover()["resolved"] == []
        arm_fault(sim, {"provider": "eguma", "operation": "redeem", "fault": "drop_before_commit"})
        with pytest.raises(voucherlink.InDoubt) as doubt:
            till.redeem(code="2QH3QTDM28N6", amount=Decimal("10.00"), reference="PY-DOUBT")
        journal_id = doubt.value.journal_id
        assert journal_id and journal_id.startswith("vl-")
        entry = till.pending()["entries"][0]
        assert (entry["journal_id"], entry["state"], entry["amount"], entry["reference"]) == (journal_id, "in_doubt", Decimal("10.00"), "PY-DOUBT")
        assert till.recover(journal_id=journal_id)["still_pending"][0]["journal_id"] == journal_id
        settled = till.recover(journal_id=journal_id, outcome="failed")
        assert settled["resolved"][0]["state"] == "failed"


def test_money_is_never_a_float(sim):
    with voucherlink.Client({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim["eguma"]}) as till:
        with pytest.raises(voucherlink.InvalidArgument) as refused:
            till.redeem(code="L4FU5LQTKJR3", amount=12.5)  # type: ignore[arg-type]
        assert "float" in refused.value.message and "`amount`" in refused.value.message
        assert till.balance(code="L4FU5LQTKJR3")["balance"] == Decimal("50.00"), "nothing was sent"


def till_config(sim: dict) -> dict:
    """One till, four providers (docs/api.md §10)."""
    return {
        "providers": [
            {"provider": "coupontools", "base_url": sim["coupontools"], "client_id": "ct", "client_secret": "secret"},
            {"provider": "eguma", "base_url": sim["eguma"], "api_key": "demo-outlet-1"},
            {
                "provider": "treazure",
                "base_url": sim["treazure"],
                "client_id": "pos",
                "client_secret": "secret",
                "codes": {"prefixes": ["628"], "lengths": [16, 19]},
            },
            {"provider": "gonnaorder", "base_url": sim["gonnaorder"], "store_id": 155, "username": "pos@store.example", "password": "pw"},
        ],
        "pos_id": "KASSE-PY",
        "language": "de",
    }


def test_one_till_finds_each_scans_provider(sim):
    with voucherlink.Client(till_config(sim)) as till:
        prepared = till.prepare()
        assert [(p["provider"], p["ready"]) for p in prepared["providers"]] == [
            ("coupontools", True), ("eguma", True), ("treazure", True), ("gonnaorder", True)]
        assert [p["provider"] for p in till.prepare(provider="eguma")["providers"]] == ["eguma"]
        with pytest.raises(voucherlink.InvalidArgument):
            till.prepare(provider="givex")
        assert [p["provider"] for p in till.description["providers"]] == ["coupontools", "eguma", "treazure", "gonnaorder"]
        caps = till.capabilities()
        assert [p["provider"] for p in caps.get("providers", [])] == ["coupontools", "eguma", "treazure", "gonnaorder"]
        assert {"balance", "validate", "lock", "issue"} <= set(caps.get("operations", []))
        assert till.balance(code="https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d")["provider"] == "coupontools"
        assert till.balance(code="6280001234567890")["provider"] == "treazure"
        assert till.validate(code="XYZ", order_total=Decimal("20.00"))["provider"] == "gonnaorder"
        status = till.activation_status(code="DEP0T0000001")
        assert status.get("provider") == "eguma"
        # Money never goes to a guess: refused before anything is sent, naming the candidates.
        with pytest.raises(voucherlink.InvalidArgument) as refused:
            till.redeem(code="2QH3QTDM28N6", amount=Decimal("5.00"))
        assert refused.value.providers == ["coupontools", "eguma", "treazure"]
        assert refused.value.provider is None
        voucher = till.balance(code="2QH3-QTDM-28N6")
        assert voucher["provider"] == "eguma"
        taken = till.redeem(code=voucher["code"], amount=Decimal("5.00"))
        assert (taken["provider"], taken["balance"]) == ("eguma", Decimal("95.00"))
        # Named: there only.
        assert till.balance(code="L4FU5LQTKJR3", provider="eguma")["provider"] == "eguma"
        with pytest.raises(voucherlink.NotFound) as unknown:
            till.balance(code="NOPE00000000")
        assert unknown.value.providers == ["coupontools", "eguma", "treazure"]
        assert unknown.value.message.startswith("Keiner der Anbieter dieser Kasse kennt diesen Gutschein")
