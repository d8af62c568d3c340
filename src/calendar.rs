//! Calendar dates (`YYYY-MM-DD`) of a definition, and today's date for the checks that
//! compare against it.
//!
//! Templates never depend on the clock: a date from the definition is written into a
//! template as given, so the same definition synthesizes byte-identical output on any
//! day. Only warnings compare a date with today ([`today`]): the system clock's UTC date,
//! or `SAGESYNTH_TODAY` when set, so that tests (and anyone asking "what will synth say on
//! that day?") get a fixed answer.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that fixes [`today`] (`YYYY-MM-DD`).
pub const TODAY_VARIABLE: &str = "SAGESYNTH_TODAY";

/// A day of the proleptic Gregorian calendar; ordered by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// `YYYY-MM-DD` with a day that exists (2027-02-29 does not); years 2000 to 9999,
    /// since a date before the tool existed is a typing mistake.
    pub fn parse(text: &str) -> Result<Date, String> {
        let expected = || format!("`{text}` is not a date: write YYYY-MM-DD, e.g. 2027-01-31");
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(expected());
        }
        let number =
            |range: std::ops::Range<usize>| text[range].parse::<u16>().map_err(|_| expected());
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        if !(2000..=9999).contains(&year) {
            return Err(format!("`{text}`: the year must be between 2000 and 9999"));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("`{text}`: there is no month {month}"));
        }
        let last = days_in_month(year, month as u8);
        if day == 0 || day > u16::from(last) {
            return Err(format!(
                "`{text}`: month {month} of {year} has days 1 to {last}"
            ));
        }
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Today: `SAGESYNTH_TODAY` when set (an error when it is not a date, rather than a
/// silent fall-back to the clock), else the system clock's date in UTC.
pub fn today() -> Result<Date, String> {
    if let Ok(text) = std::env::var(TODAY_VARIABLE) {
        return Date::parse(text.trim()).map_err(|e| format!("{TODAY_VARIABLE}: {e}"));
    }
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("the system clock is before 1970: {e}"))?
        .as_secs();
    Ok(Date::from_unix_days((seconds / 86_400) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_days_only() {
        assert_eq!(Date::parse("2027-01-31").unwrap().to_string(), "2027-01-31");
        assert_eq!(Date::parse("2028-02-29").unwrap().to_string(), "2028-02-29");
        for bad in [
            "2027-02-29",
            "2100-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-04-31",
            "2027-1-31",
            "31.01.2027",
            "2027-01-31T00:00",
            "1999-12-31",
            "",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad} parsed");
        }
        assert!(Date::parse("2000-02-29").is_ok());
    }

    #[test]
    fn dates_order_by_time() {
        let d = |t| Date::parse(t).unwrap();
        assert!(d("2026-12-31") < d("2027-01-01"));
        assert!(d("2027-01-09") < d("2027-01-10"));
        assert!(d("2027-02-01") > d("2027-01-31"));
    }

    #[test]
    fn unix_days_are_civil_dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix_days(20_793).to_string(), "2026-12-06");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
    }
}
