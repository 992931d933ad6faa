"""The shapes of what the library answers: one ``TypedDict`` per result (checked by mypy), with
amounts as :class:`decimal.Decimal`. At run time they are plain dicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

#: An amount in a request: exact (``Decimal("12.50")``, ``"12.50"``, or whole units). Never a float.
Money = Union[Decimal, str, int]

class Common(TypedDict, total=False):
    """What every request may carry besides its own fields."""

    #: The POS receipt or transaction number (journaled, and sent where the provider takes one).
    reference: str
    #: The till, instead of the configuration's ``pos_id``.
    pos_id: str
    #: The shop, instead of the configuration's ``site_id``.
    site_id: str
    #: The cashier, instead of the configuration's ``operator_id``.
    operator_id: str
    #: The language of receipt lines and the library's own messages (``"de"``, ``"fr"``, ...).
    language: str
    #: With several providers configured: the provider to use (``"eguma"``, ...); else the code
    #: decides. Keep each result's ``provider`` with the sale and pass it back with its cancel.
    provider: str


class Card(Common, total=False):
    """What requests naming a Treazure card may carry besides ``code``."""

    #: The card's serial number (with ``scratch_code``), instead of ``code``.
    serial_number: str
    #: The scratch code that goes with ``serial_number`` (a secret: never logged).
    scratch_code: str
    #: The till's offset from UTC (``"+01:00"``), instead of the configuration's.
    utc_offset: str


#: Where a voucher stands, the same words for every provider.
VoucherStatus = Literal["created", "active", "redeemed", "expired", "void", "refunded", "locked", "unknown"]

#: Where a journal entry stands.
JournalState = Literal["sending", "in_doubt", "queued", "done", "failed", "reversed"]


class Restriction(TypedDict):
    """A limit on what a voucher may pay for."""

    kind: str
    code: str
    message: str


class Voucher(TypedDict, total=False):
    """A voucher, gift card or coupon as the provider sees it now (``balance``, ``activate``, ``lock``, ...)."""

    provider: str
    code: str
    status: VoucherStatus
    redeemable: bool
    balance: Optional[Decimal]
    initial_amount: Optional[Decimal]
    currency: Optional[str]
    message: Optional[str]
    expires_at: Optional[str]
    restrictions: List[Restriction]
    receipt_lines: List[str]
    transaction_id: str
    details: Dict[str, Any]
    raw: Any


class Redemption(TypedDict):
    """Money taken from (or given back to) a voucher (``redeem``, ``cancel_redemption``)."""

    provider: str
    code: str
    amount: Optional[Decimal]
    balance: Optional[Decimal]
    currency: Optional[str]
    transaction_id: Optional[str]
    receipt_lines: List[str]


class _ActivationStatus(TypedDict):
    code: str
    can_activate: bool
    free_amount: bool
    amount: Optional[Decimal]
    currency: Optional[str]
    message: Optional[str]


class ActivationStatus(_ActivationStatus, total=False):
    """Whether a voucher can be sold, and for how much (``activation_status``)."""

    #: The provider, named when several providers are configured.
    provider: str


class _DeactivationStatus(TypedDict):
    code: str
    can_deactivate: bool
    amount: Optional[Decimal]
    currency: Optional[str]
    message: Optional[str]


class DeactivationStatus(_DeactivationStatus, total=False):
    """Whether a sold voucher can be taken back (``deactivation_status``)."""

    #: The provider, named when several providers are configured.
    provider: str


class HistoryLine(TypedDict):
    """One balance mutation of a card."""

    at: Optional[str]
    shop_id: Optional[str]
    pos_id: Optional[str]
    receipt: Optional[str]
    operator_id: Optional[str]
    comment: Optional[str]
    old_status: Optional[VoucherStatus]
    new_status: Optional[VoucherStatus]
    mutation: Optional[Decimal]
    balance: Optional[Decimal]
    currency: Optional[str]
    transaction_id: Optional[str]


class History(TypedDict):
    """A card's balance mutations (``history``)."""

    provider: str
    code: str
    condensed: bool
    entries: List[HistoryLine]


class Member(TypedDict):
    """A loyalty member."""

    member_code: Optional[str]
    name: Optional[str]
    phone_number: Optional[str]
    email: Optional[str]


class Offer(TypedDict):
    """A GonnaOrder voucher: what it takes off an order."""

    code: str
    type: Literal["monetary", "percentage"]
    discount: Decimal
    source: Optional[str]
    description: Any


class MemberVouchers(TypedDict):
    """A loyalty member and their vouchers (``member_vouchers``)."""

    provider: str
    member: Member
    vouchers: List[Offer]
    raw: Any


class Validation(TypedDict):
    """What a voucher does to an order (``validate``)."""

    provider: str
    valid: bool
    code: str
    voucher: Offer
    discount: Decimal
    order_total: Decimal
    total_after_discount: Decimal
    raw: Any


class OrderAccepted(TypedDict):
    """The provider took the order (``submit_order``)."""

    provider: str
    accepted: bool
    order_id: Any


class ProviderCapabilities(TypedDict):
    """One provider of a client and the operations it supports."""

    provider: str
    operations: List[str]


class Capabilities(TypedDict, total=False):
    """Which operations a client supports (``capabilities``): a client of one provider names it
    (``provider``); one with several lists each (``providers``). ``operations``: every operation the
    client has."""

    provider: str
    providers: List[ProviderCapabilities]
    operations: List[str]


class Readiness(TypedDict):
    """One provider's way opened by ``prepare``."""

    provider: str
    ready: bool
    ms: int


class Prepared(TypedDict):
    """What ``prepare`` answers: each provider asked, ready for the next call."""

    providers: List[Readiness]


class Trigger(TypedDict, total=False):
    """The call during which the library made a journal entry by itself (a reversal)."""

    operation: str
    journal_id: str
    reference: str
    pos_id: str
    operator_id: str


class _JournalEntry(TypedDict):
    journal_id: str
    provider: str
    operation: str
    state: JournalState
    code: str
    amount: Optional[Decimal]
    currency: Optional[str]
    reference: Optional[str]
    pos_id: Optional[str]
    operator_id: Optional[str]
    created_at: str
    updated_at: str
    attempts: int
    next_attempt_at: Optional[str]
    may_land_until: Optional[str]
    last_error: Optional[str]
    note: Optional[str]
    reverses: Optional[str]
    reversed_by: Optional[str]
    result: Any


class JournalEntry(_JournalEntry, total=False):
    """A money-moving operation in the journal."""

    #: For a reversal the library made: the call during which it was made (``reference``,
    #: ``pos_id``, ``operator_id`` are the reversed sale's).
    triggered_by: Trigger


class Pending(TypedDict):
    """The journal entries not settled yet (``pending``)."""

    entries: List[JournalEntry]


class Recovered(TypedDict):
    """What ``recover`` settled, and what is still open."""

    resolved: List[JournalEntry]
    still_pending: List[JournalEntry]
