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
    trim_past_cents(rounded(usd, Round::Down, readable_decimals(usd)))
}

/// An upper bound ("at most …"): two significant digits at least, rounded up (a bound shown
/// lower than the budget check's own figure read as fitting a budget it did not), no
/// trailing zeros past the cents ("$0.00061" for $0.000602, "$2.50").
pub fn at_most(usd: f64) -> String {
    trim_past_cents(rounded(usd, Round::Up, readable_decimals(usd)))
}

/// How an amount in a sentence is rounded to its decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// To the nearest (an amount spent, a budget).
    Nearest,
    /// Up: an upper bound ("may cost up to").
    Up,
    /// Down: a credit left (what is shown is there).
    Down,
}

/// Amounts read side by side in one sentence, each rounded to the nearest: see [`alike_as`].
pub fn alike<const N: usize>(amounts: [f64; N]) -> [String; N] {
    alike_as(amounts.map(|a| (a, Round::Nearest)))
}

/// Amounts read side by side in one sentence, each rounded as it says: all with the decimals
/// the smallest of them needs (less the zeros that end them all), so that "$0.0000 of its
/// $0.000010" does not read as two kinds of number; and two amounts that differ never read
/// the same ("spent $0.00050 of its $0.00050" for $0.000496 of $0.0005): decimals are added
/// until they read apart.
pub fn alike_as<const N: usize>(amounts: [(f64, Round); N]) -> [String; N] {
    let mut decimals = amounts.iter().map(|&(a, _)| readable_decimals(a)).max().unwrap_or(4);
    let blurred = |decimals: usize| {
        amounts.iter().enumerate().any(|(i, &(a, ra))| {
            amounts[i + 1..].iter().any(|&(b, rb)| a != b && rounded(a, ra, decimals) == rounded(b, rb, decimals))
        })
    };
    while decimals < 9 && blurred(decimals) {
        decimals += 1;
    }
    // Zeros that end every amount say nothing ("$0.00020 … $0.00150" reads "$0.0002 … $0.0015").
    while decimals > 2 && amounts.iter().all(|&(a, r)| rounded(a, r, decimals).ends_with('0')) {
        decimals -= 1;
    }
    amounts.map(|(a, r)| rounded(a, r, decimals))
}

/// A positive amount of US dollars as people type it ("5", "$5", "0.50 USD", "US$ 2"), or
/// `None` when it is not one (empty, negative, zero, not a number, too large to read).
pub fn parse_usd(text: &str) -> Option<f64> {
    let mut t = text.trim();
    for prefix in ["US$", "$"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim_start();
        }
    }
    for suffix in ["USD", "usd", "$"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.trim_end();
        }
    }
    t.parse::<f64>().ok().filter(|v| *v > 0.0 && v.is_finite())
}

/// `usd` with `decimals` decimals, rounded as `round` says.
fn rounded(usd: f64, round: Round, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    match round {
        Round::Nearest => fixed(usd, decimals),
        // The epsilons keep an exact 0.0006 (0.000600…01 in binary) from reading 0.00061 up,
        // and 2.999 (2.99899…97) from reading 2.9989 down.
        Round::Up if usd.is_finite() && usd > 0.0 => fixed((usd * scale - 1e-6).ceil() / scale, decimals),
        Round::Down if usd.is_finite() && usd > 0.0 => fixed((usd * scale + 1e-6).floor() / scale, decimals),
        Round::Up | Round::Down => fixed(0.0, decimals),
    }
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
    fn amounts_are_read_as_people_type_them() {
        for (typed, read) in [
            ("5", Some(5.0)),
            ("$5", Some(5.0)),
            (" $ 0.50 ", Some(0.5)),
            ("2 USD", Some(2.0)),
            ("US$ 3", Some(3.0)),
            ("4$", Some(4.0)),
        ] {
            assert_eq!(parse_usd(typed), read, "{typed}");
        }
        for typed in ["", "$", "-1", "$-1", "0", "1e999", "five", "$$5x"] {
            assert_eq!(parse_usd(typed), None, "{typed}");
        }
    }

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

    /// Regression (user review): the budget question said "this request may cost up to
    /// $0.00060" where the message box said "at most $0.00061" for the same $0.000602: a
    /// bound in a sentence was rounded to the nearest, below the real worst case.
    #[test]
    fn bounds_and_credit_in_a_sentence_round_their_own_way() {
        assert_eq!(
            alike_as([(0.0, Round::Nearest), (0.0005, Round::Nearest), (0.000_602, Round::Up)])[2],
            at_most(0.000_602)
        );
        assert_eq!(alike_as([(0.001_49, Round::Down), (0.0015, Round::Nearest)]), ["$0.0014", "$0.0015"]);
        assert_eq!(
            alike_as([(0.000_5, Round::Up), (0.000_5, Round::Down)]),
            ["$0.0005", "$0.0005"],
            "exact stays exact"
        );
        assert_eq!(alike_as([(-1.0, Round::Up), (f64::NAN, Round::Down)]), ["$0.00", "$0.00"]);
    }
}
