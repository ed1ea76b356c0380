//! Money as the app shows it. Three rules, one for each kind of amount, so that the same
//! amount never reads two ways on two screens:
//! - [`exact`]: what was spent and what things cost (an answer, a conversation, an image, the
//!   gallery's total): to the nano-dollar the service bills in, at least cents, no trailing
//!   zeros past them ("$0.0015", "$0.00001605", "$5.00").
//! - [`left`]: a credit or budget left, which a message spends a fraction of a cent of: two
//!   significant digits at least, never more than is there ("$4.9996", "$0.50", "$0.0014").
//! - [`alike`]: amounts compared in one sentence, all with the same decimals, enough that two
//!   that differ never read the same ("$0.00149 … $0.00150").
//!
//! [`at_most`] is an estimate's upper bound ("at most $0.00062"): two significant digits,
//! rounded up.

use crate::catalog::format_nano_usd;

/// `usd` in nano-USD, to the nearest; nothing for a negative, NaN or infinite amount (a total
/// of floats can land a hair below zero).
pub fn to_nano(usd: f64) -> u64 {
    if usd.is_finite() && usd > 0.0 {
        (usd * 1e9).round() as u64
    } else {
        0
    }
}

/// What was spent or what something costs, exactly: "$0.0015", "$0.00001605", "$3.00".
pub fn exact(usd: f64) -> String {
    format_nano_usd(to_nano(usd))
}

/// [`exact`] for an amount in nano-USD.
pub fn exact_nano(nano: u64) -> String {
    format_nano_usd(nano)
}

/// A credit or budget left: with the decimals it takes to show two significant digits (at
/// least four: a message costs a fraction of a cent, and cents alone would read $4.99 after a
/// $0.0004 one), rounded down (what is shown is there), no trailing zeros past the cents.
pub fn left(usd: f64) -> String {
    let decimals = readable_decimals(usd);
    let scale = 10f64.powi(decimals as i32);
    // The epsilon keeps 2.999 (2.99899…97 in binary) from reading 2.9989.
    let floored = if usd.is_finite() && usd > 0.0 { (usd * scale + 1e-6).floor() / scale } else { 0.0 };
    trim_past_cents(fixed(floored, decimals))
}

/// An upper bound ("at most …"): two significant digits at least, rounded up (a bound shown
/// lower than the budget check's own figure read as fitting a budget it did not), no
/// trailing zeros past the cents ("$0.00061" for $0.000602, "$2.50").
pub fn at_most(usd: f64) -> String {
    let decimals = readable_decimals(usd);
    let scale = 10f64.powi(decimals as i32);
    // The epsilon keeps an exact 0.0006 (0.000600…01 in binary) from reading 0.00061.
    let ceiled = if usd.is_finite() && usd > 0.0 { (usd * scale - 1e-6).ceil() / scale } else { 0.0 };
    trim_past_cents(fixed(ceiled, decimals))
}

/// Amounts read side by side in one sentence: all with the decimals the smallest of them
/// needs (less the zeros that end them all), so that "$0.0000 of its $0.000010" does not read as two kinds of number; and two
/// amounts that differ never read the same ("spent $0.00050 of its $0.00050" for $0.000496 of
/// $0.0005): decimals are added until they read apart.
pub fn alike<const N: usize>(amounts: [f64; N]) -> [String; N] {
    let mut decimals = amounts.iter().map(|&a| readable_decimals(a)).max().unwrap_or(4);
    let blurred = |decimals: usize| {
        amounts
            .iter()
            .enumerate()
            .any(|(i, &a)| amounts[i + 1..].iter().any(|&b| a != b && fixed(a, decimals) == fixed(b, decimals)))
    };
    while decimals < 9 && blurred(decimals) {
        decimals += 1;
    }
    // Zeros that end every amount say nothing ("$0.00020 … $0.00150" reads "$0.0002 … $0.0015").
    while decimals > 2 && amounts.iter().all(|&a| fixed(a, decimals).ends_with('0')) {
        decimals -= 1;
    }
    amounts.map(|a| fixed(a, decimals))
}

/// `usd` with `decimals` decimals, never `$-0.000000`.
fn fixed(usd: f64, decimals: usize) -> String {
    let usd = if usd.is_finite() && usd > 0.0 { usd } else { 0.0 };
    format!("${usd:.decimals$}")
}

/// The decimals that show two significant digits of `usd`: at least 4, at most 9.
fn readable_decimals(usd: f64) -> usize {
    let usd = if usd.is_finite() && usd > 0.0 { usd } else { 0.0 };
    let mut decimals = 4;
    while decimals < 9 && usd > 0.0 && usd < 10f64.powi(1 - decimals as i32) {
        decimals += 1;
    }
    decimals
}

/// "$3.0000" → "$3.00", "$0.00020" → "$0.0002": zeros past the cents say nothing.
fn trim_past_cents(s: String) -> String {
    let Some(point) = s.find('.') else { return s };
    let keep = s.trim_end_matches('0').len().max(point + 3);
    s[..keep].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spent_amounts_are_exact_to_the_nano_dollar() {
        assert_eq!(exact(0.0015), "$0.0015");
        assert_eq!(exact(0.003), "$0.003");
        // 107 prompt tokens at $0.15 per 1M: what six decimals showed as $0.000016.
        assert_eq!(exact(107.0 * 150e-9), "$0.00001605");
        assert_eq!(exact(0.1 + 0.2), "$0.30");
        assert_eq!(exact(5.0), "$5.00");
        assert_eq!(exact(-0.0), "$0.00");
        assert_eq!(exact(0.1 + 0.2 - 0.3 - 1e-17), "$0.00");
        assert_eq!(exact(f64::NAN), "$0.00");
        assert_eq!(exact_nano(36_000_000), "$0.036");
    }

    #[test]
    fn credit_reads_to_two_significant_digits_and_never_more_than_is_there() {
        assert_eq!(left(3.0), "$3.00");
        assert_eq!(left(5.5), "$5.50");
        assert_eq!(left(2.999), "$2.999");
        assert_eq!(left(12.345_6), "$12.3456");
        assert_eq!(left(4.999_643), "$4.9996");
        assert_eq!(left(4.999_999), "$4.9999");
        assert_eq!(left(1234.5), "$1234.50");
        // Below a dollar the same rule: cents as cents, small amounts rounded down too.
        assert_eq!(left(0.5), "$0.50");
        assert_eq!(left(0.0031), "$0.0031");
        assert_eq!(left(0.001_49), "$0.0014", "not $0.0015: a $0.0015 image would not be paid");
        assert_eq!(left(0.000_02), "$0.00002");
        assert_eq!(left(0.000_019_99), "$0.000019");
        assert_eq!(left(-1.0), "$0.00");
    }

    #[test]
    fn bounds_keep_two_significant_digits_rounded_up() {
        assert_eq!(at_most(0.00001), "$0.00001");
        assert_eq!(at_most(0.000005), "$0.000005");
        assert_eq!(at_most(0.000_616), "$0.00062");
        // Regression (user review): "at most $0.00060" beside a budget dialog's "$0.000602".
        assert_eq!(at_most(0.000_602), "$0.00061");
        assert_eq!(at_most(0.0006), "$0.0006");
        assert_eq!(at_most(0.0123), "$0.0123");
        assert_eq!(at_most(2.5), "$2.50");
        assert_eq!(at_most(0.0), "$0.00");
    }

    #[test]
    fn amounts_that_differ_never_read_the_same() {
        assert_eq!(alike([0.000496, 0.0005, 0.00002]), ["$0.000496", "$0.000500", "$0.000020"]);
        assert_eq!(alike([0.25, 0.25]), ["$0.25", "$0.25"]);
        assert_eq!(alike([0.0148, 0.001, 0.0045]), ["$0.0148", "$0.0010", "$0.0045"]);
        assert_eq!(alike([0.0002, 0.0015]), ["$0.0002", "$0.0015"]);
        assert_eq!(alike([0.001_49, 0.0015]), ["$0.00149", "$0.00150"]);
        assert_eq!(alike([-0.5, 0.001]), ["$0.000", "$0.001"]);
    }
}
