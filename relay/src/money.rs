//! USD amounts: exact nano-USD integers in, plain words out.

/// Parses a non-negative decimal USD amount to nano-USD exactly (at most 9 decimals).
pub fn parse_usd(s: &str) -> Option<u64> {
    let s = s.trim();
    let s = s.strip_prefix('$').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || frac.len() > 9 {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_nano: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    whole.checked_mul(1_000_000_000)?.checked_add(frac_nano)
}

/// Formats nano-USD as `$0.0015` (at least two decimals, no trailing zeros beyond them).
pub fn usd(nano: u64) -> String {
    let whole = nano / 1_000_000_000;
    let frac = format!("{:09}", nano % 1_000_000_000);
    let frac = frac.trim_end_matches('0');
    let frac = if frac.len() < 2 { format!("{frac:0<2}") } else { frac.to_owned() };
    format!("${whole}.{frac}")
}

/// nano-USD as a JSON number of USD (for display; the `_nano_usd` fields are exact).
pub fn usd_f64(nano: u64) -> f64 {
    nano as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_usd("5"), Some(5_000_000_000));
        assert_eq!(parse_usd("$0.0015"), Some(1_500_000));
        assert_eq!(parse_usd(".5"), Some(500_000_000));
        for bad in ["", ".", "-1", "1e3", "1.0000000001", "abc", "99999999999999999999"] {
            assert_eq!(parse_usd(bad), None, "{bad}");
        }
        assert_eq!(usd(5_000_000_000), "$5.00");
        assert_eq!(usd(1_500_000), "$0.0015");
        assert_eq!(usd(0), "$0.00");
    }
}
