//! What changes the findings of `check`: the options every policy command shares, and "today"
//! for expiring exceptions.

/// Options that change what `check` finds.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// "Today" for expiring exceptions (YYYY-MM-DD); `None` = the system date.
    pub today: Option<String>,
    pub lint: super::LintConfig,
}

/// Today's date as YYYY-MM-DD (UTC), from the system clock.
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 of a YYYY-MM-DD date, the inverse of [`civil_from_days`]; `None` for
/// text that is not such a date. Written by hand like its inverse: dates here are whole days in
/// one calendar, which two small functions cover without a date crate.
pub fn days_from_civil(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), "1970-01-01");
        assert_eq!(super::civil_from_days(20_513), "2026-03-01");
        assert_eq!(super::civil_from_days(19_782), "2024-02-29");
        for days in [0, 19_782, 20_513, -1, 60_000] {
            let date = super::civil_from_days(days);
            assert_eq!(super::days_from_civil(&date), Some(days), "{date}");
        }
        assert_eq!(super::days_from_civil("2026-13-01"), None);
        assert_eq!(super::days_from_civil("soon"), None);
    }
}
