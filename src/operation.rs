//! The operations of docs/api.md §6: one C function each, named `vl_<name>`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An operation a client can be asked to perform. Serialized as its [`Operation::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `vl_capabilities`: which operations this client's provider supports.
    Capabilities,
    /// `vl_balance`: look a voucher up.
    Balance,
    /// `vl_redeem`: take money from a voucher.
    Redeem,
    /// `vl_cancel_redemption`: give a redemption back.
    CancelRedemption,
    /// `vl_activation_status`: can this voucher or card be sold?
    ActivationStatus,
    /// `vl_activate`: sell (activate / load) a voucher.
    Activate,
    /// `vl_cancel_activation`: undo a sale right after it.
    CancelActivation,
    /// `vl_deactivation_status`: can a sold voucher be taken back?
    DeactivationStatus,
    /// `vl_deactivate`: take a sold voucher back.
    Deactivate,
    /// `vl_issue`: issue a new virtual card.
    Issue,
    /// `vl_history`: a card's balance mutations.
    History,
    /// `vl_member_vouchers`: a loyalty member's vouchers.
    MemberVouchers,
    /// `vl_validate`: what a voucher does to an order.
    Validate,
    /// `vl_submit_order`: report the finished order (consumes the voucher).
    SubmitOrder,
    /// `vl_lock`: reserve a coupon during checkout.
    Lock,
    /// `vl_unlock`: release a reserved coupon.
    Unlock,
    /// `vl_pending`: journal entries not yet settled.
    Pending,
    /// `vl_recover`: retry resolution of pending journal entries.
    Recover,
    /// `vl_prepare`: open the way to the provider (connection, token) before the cashier's call.
    /// Not an operation of docs/api.md §6: never in [`Operation::ALL`] nor in capabilities.
    Prepare,
}

impl Operation {
    /// Every operation, in the order of docs/api.md §6.
    pub const ALL: [Operation; 18] = [
        Operation::Capabilities,
        Operation::Balance,
        Operation::Redeem,
        Operation::CancelRedemption,
        Operation::ActivationStatus,
        Operation::Activate,
        Operation::CancelActivation,
        Operation::DeactivationStatus,
        Operation::Deactivate,
        Operation::Issue,
        Operation::History,
        Operation::MemberVouchers,
        Operation::Validate,
        Operation::SubmitOrder,
        Operation::Lock,
        Operation::Unlock,
        Operation::Pending,
        Operation::Recover,
    ];

    /// The name used in `vl_<name>`, in capabilities and in the simulator's fault rules.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Capabilities => "capabilities",
            Operation::Balance => "balance",
            Operation::Redeem => "redeem",
            Operation::CancelRedemption => "cancel_redemption",
            Operation::ActivationStatus => "activation_status",
            Operation::Activate => "activate",
            Operation::CancelActivation => "cancel_activation",
            Operation::DeactivationStatus => "deactivation_status",
            Operation::Deactivate => "deactivate",
            Operation::Issue => "issue",
            Operation::History => "history",
            Operation::MemberVouchers => "member_vouchers",
            Operation::Validate => "validate",
            Operation::SubmitOrder => "submit_order",
            Operation::Lock => "lock",
            Operation::Unlock => "unlock",
            Operation::Pending => "pending",
            Operation::Recover => "recover",
            Operation::Prepare => "prepare",
        }
    }

    /// Looks an operation up by [`Operation::name`].
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether the operation moves money (journaled before sending, never re-sent blindly).
    /// Coupontools' `redeem` (validating a coupon) counts: it consumes the coupon's value.
    pub fn moves_money(self) -> bool {
        matches!(
            self,
            Operation::Redeem
                | Operation::CancelRedemption
                | Operation::Activate
                | Operation::CancelActivation
                | Operation::Deactivate
                | Operation::Issue
                | Operation::SubmitOrder
        )
    }

    /// Whether the operation undoes an earlier one (gives value back). Undos that fail are queued in
    /// the journal and sent again until the provider answers definitely.
    pub fn is_undo(self) -> bool {
        matches!(self, Operation::CancelRedemption | Operation::CancelActivation | Operation::Deactivate)
    }

    /// Whether the client answers this operation itself, for every provider (no provider call).
    pub fn is_client_level(self) -> bool {
        matches!(self, Operation::Capabilities | Operation::Pending | Operation::Recover)
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(de)?;
        Operation::from_name(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown operation {name:?}")))
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        assert_eq!(Operation::from_name("refund"), None);
        let json = serde_json::to_string(&Operation::CancelRedemption).unwrap();
        assert_eq!(json, "\"cancel_redemption\"");
        assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), Operation::CancelRedemption);
        assert!(serde_json::from_str::<Operation>("\"refund\"").is_err());
    }
}
