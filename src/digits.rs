//! The decimal digits of an amount: a leaf under money (the JSON text of amounts) and i18n (their
//! form for people), which both write from it.

use rust_decimal::Decimal;

/// The decimal digits of an amount, least significant first: what both the JSON text of an
/// amount and its form for people are written from, without allocating.
pub(crate) struct Digits {
    reversed: [u8; 40],
    count: usize,
    scale: usize,
    negative: bool,
}

impl Digits {
    /// The digits of `amount` (at least one before the point).
    pub(crate) fn of(amount: Decimal) -> Digits {
        let scale = amount.scale() as usize;
        let mut reversed = [0u8; 40];
        let mut count = 0;
        let mantissa = amount.mantissa().unsigned_abs();
        // u64 arithmetic for every amount money sees; u128 for the rest.
        if let Ok(mut m) = u64::try_from(mantissa) {
            while m > 0 || count <= scale {
                reversed[count] = b'0' + (m % 10) as u8;
                m /= 10;
                count += 1;
            }
        } else {
            let mut m = mantissa;
            while m > 0 || count <= scale {
                reversed[count] = b'0' + (m % 10) as u8;
                m /= 10;
                count += 1;
            }
        }
        Digits { reversed, count, scale, negative: amount.is_sign_negative() && !amount.is_zero() }
    }

    /// Whether the amount is below zero.
    pub(crate) fn negative(&self) -> bool {
        self.negative
    }

    /// The digits before the point, most significant first.
    pub(crate) fn integer(&self) -> impl ExactSizeIterator<Item = char> + '_ {
        self.reversed[self.scale..self.count].iter().rev().map(|d| char::from(*d))
    }

    /// The digits after the point, most significant first (none for a whole amount).
    pub(crate) fn fraction(&self) -> impl ExactSizeIterator<Item = char> + '_ {
        self.reversed[..self.scale].iter().rev().map(|d| char::from(*d))
    }
}
