//! UTC calendar arithmetic for budget periods and `usage` days (no time-zone database).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Midnight UTC of the day containing `ms`.
pub fn day_start_ms(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31). Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) → days since 1970-01-01. Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Midnight UTC of the first day of the month containing `ms`.
pub fn month_start_ms(ms: i64) -> i64 {
    let (y, m, _) = civil_from_days(ms.div_euclid(DAY_MS));
    days_from_civil(y, m, 1) * DAY_MS
}

/// Midnight UTC of the first day of the month after the one containing `ms`.
pub fn next_month_start_ms(ms: i64) -> i64 {
    let (y, m, _) = civil_from_days(ms.div_euclid(DAY_MS));
    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    days_from_civil(y, m, 1) * DAY_MS
}

/// `YYYY-MM-DD` of the UTC day containing `ms`.
pub fn day_string(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Checks a `YYYY-MM-DD` date and returns it normalised.
pub fn parse_day(s: &str) -> Option<String> {
    let mut parts = s.trim().split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(day_string(0), "1970-01-01");
        // 2024-02-29T12:00:00Z
        let leap = 1_709_208_000_000;
        assert_eq!(day_string(leap), "2024-02-29");
        assert_eq!(day_string(month_start_ms(leap)), "2024-02-01");
        assert_eq!(day_string(next_month_start_ms(leap)), "2024-03-01");
        assert_eq!(day_string(day_start_ms(leap)), "2024-02-29");
        assert_eq!(day_start_ms(leap) % DAY_MS, 0);
        // December rolls over the year.
        let dec = days_from_civil(2026, 12, 31) * DAY_MS + 1;
        assert_eq!(day_string(next_month_start_ms(dec)), "2027-01-01");
        for d in [-1000, 0, 1, 59, 365, 11_000, 20_000, 100_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn dates_parse() {
        assert_eq!(parse_day("2026-12-02").as_deref(), Some("2026-12-02"));
        assert_eq!(parse_day("2026-2-3").as_deref(), Some("2026-02-03"));
        for bad in ["", "2026-02-30", "2026-13-01", "2026-12", "x-1-1", "2026-12-02-1"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }
}
