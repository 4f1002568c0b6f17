//! Numbers and dates as people in Indonesia read them: `Rp1.250.000`, `45,67 %`,
//! `2 Desember 2026`, times in the marketplace's zone with WIB, WITA or WIT. The pages
//! and the printed documents (PDF) share these.

use crate::{Rupiah, Zone};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// A language the pages and documents speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    /// The code used in the cookie, the switch and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

fn group_thousands(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Rupiah: `Rp1.250.000` (the same in English, as Indonesian prices are written).
pub fn money(idr: i64) -> String {
    Rupiah(idr).to_string()
}

/// A plain count with thousands grouped: `12.345` (id), `12,345` (en).
pub fn count(n: u64, lang: Lang) -> String {
    group_thousands(n, if lang == Lang::Id { '.' } else { ',' })
}

/// A percentage given in basis points: `45,67 %` or `45 %` (id), `45.67%` (en).
pub fn percent_bp(bp: i64, lang: Lang) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let bp = bp.unsigned_abs();
    let whole = bp / 100;
    let frac = bp % 100;
    let number = if frac == 0 {
        whole.to_string()
    } else {
        let dec = if lang == Lang::Id { ',' } else { '.' };
        format!("{whole}{dec}{frac:02}")
    };
    match lang {
        Lang::Id => format!("{sign}{number} %"),
        Lang::En => format!("{sign}{number}%"),
    }
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A calendar day: `2 Desember 2026` / `2 December 2026`.
pub fn date(d: NaiveDate, lang: Lang) -> String {
    let months = if lang == Lang::Id { &MONTHS_ID } else { &MONTHS_EN };
    format!("{} {} {}", d.day(), months[d.month0() as usize], d.year())
}

/// `2026-12-02` as a date (`2 Desember 2026`); anything else as it is.
pub fn iso_date(s: &str, lang: Lang) -> String {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| date(d, lang)).unwrap_or_else(|_| s.to_owned())
}

/// The abbreviation of an Indonesian zone (WIB, WITA, WIT); the IANA name otherwise.
pub fn zone_abbreviation(zone: Zone) -> &'static str {
    match zone.name() {
        "Asia/Jakarta" | "Asia/Pontianak" => "WIB",
        "Asia/Makassar" => "WITA",
        "Asia/Jayapura" => "WIT",
        other => other,
    }
}

/// An instant as a day in the marketplace's zone: `2 Desember 2026`.
pub fn day(at: DateTime<Utc>, zone: Zone, lang: Lang) -> String {
    date(zone.date(at), lang)
}

/// An instant in the marketplace's zone: `2 Desember 2026 14.05 WIB` (id, whose clock
/// times take a dot) or `2 December 2026 14:05 WIB` (en).
pub fn date_time(at: DateTime<Utc>, zone: Zone, lang: Lang) -> String {
    let time = zone.time_of_day(at);
    let sep = if lang == Lang::Id { '.' } else { ':' };
    format!("{} {:02}{sep}{:02} {}", day(at, zone, lang), time.hour(), time.minute(), zone_abbreviation(zone))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn money_is_grouped_with_dots() {
        assert_eq!(money(1_250_000), "Rp1.250.000");
        assert_eq!(money(0), "Rp0");
        assert_eq!(money(999), "Rp999");
        assert_eq!(money(1000), "Rp1.000");
        assert_eq!(money(-25_000), "-Rp25.000");
        assert_eq!(count(12345, Lang::En), "12,345");
    }

    #[test]
    fn percentages_per_language() {
        assert_eq!(percent_bp(4567, Lang::Id), "45,67 %");
        assert_eq!(percent_bp(4567, Lang::En), "45.67%");
        assert_eq!(percent_bp(4500, Lang::Id), "45 %");
        assert_eq!(percent_bp(4505, Lang::Id), "45,05 %");
        assert_eq!(percent_bp(10000, Lang::En), "100%");
    }

    #[test]
    fn dates_in_the_marketplace_zone() {
        // 17:30 UTC on 1 December is already 2 December in Jakarta.
        let at = utc("2026-12-01T17:30:00Z");
        assert_eq!(day(at, Zone::JAKARTA, Lang::Id), "2 Desember 2026");
        assert_eq!(date_time(at, Zone::JAKARTA, Lang::Id), "2 Desember 2026 00.30 WIB");
        let wita = Zone::parse("Asia/Makassar").unwrap();
        assert_eq!(date_time(at, wita, Lang::En), "2 December 2026 01:30 WITA");
        let wit = Zone::parse("Asia/Jayapura").unwrap();
        assert_eq!(date_time(at, wit, Lang::Id), "2 Desember 2026 02.30 WIT");
        assert_eq!(iso_date("2030-01-01", Lang::Id), "1 Januari 2030");
    }
}
