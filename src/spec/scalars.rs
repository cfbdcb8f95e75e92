//! Parsers for the spec's scalar notations: `30d`, `300ms`, `99.9%`, `0.999`, `100/h`.
//! Each failure says what was wrong and how to write it instead.

use chrono::TimeDelta;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;

/// What is wrong with a value, and (often) how to write it.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

/// A YAML scalar that may be written as a number or as text (`0.999` or `99.9%`).
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Number(f64),
    Text(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Number(n) if n.abs() >= 1e15 => write!(f, "{n:e}"),
            Scalar::Number(n) => write!(f, "{n}"),
            Scalar::Text(s) => f.write_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
        }
        d.deserialize_any(ScalarVisitor)
    }
}

/// `300ms`, `1.5s`, `5m`, `1h`, `30d`, `2w`: one number (decimals allowed) and one unit,
/// with millisecond resolution.
pub fn parse_duration(text: &str) -> Result<TimeDelta, Problem> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let hint = "write a number and a unit: 300ms, 30s, 5m, 1h, 30d or 2w";
    let unit_ms: f64 = match unit {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        "w" => 604_800_000.0,
        "" => return Err(Problem::new(format!("duration `{t}` has no unit")).hint(hint)),
        _ => return Err(Problem::new(format!("`{t}` is not a duration")).hint(hint)),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| Problem::new(format!("`{t}` is not a duration")).hint(hint))?;
    let ms = value * unit_ms;
    // Ten years is far beyond any SLO window and keeps every later sum well inside i64.
    if !ms.is_finite() || ms > 10.0 * 366.0 * 86_400_000.0 {
        return Err(Problem::new(format!("duration `{t}` is too long")).hint(hint));
    }
    if ms.fract() != 0.0 {
        return Err(
            Problem::new(format!("duration `{t}` is finer than a millisecond"))
                .hint("durations have millisecond resolution"),
        );
    }
    if ms == 0.0 {
        return Err(Problem::new(format!("duration `{t}` is zero")).hint(hint));
    }
    Ok(TimeDelta::milliseconds(ms as i64))
}

/// A fraction written as `99.9%` or `0.999`. A bare number above 1 is a percentage without its
/// `%` sign: an error with a hint, never guessed.
pub fn parse_fraction(value: &Scalar) -> Result<f64, Problem> {
    let number = match value {
        Scalar::Number(n) => *n,
        Scalar::Text(s) => {
            let s = s.trim();
            if let Some(p) = s.strip_suffix('%') {
                let percent: f64 = p.trim().parse().map_err(|_| {
                    Problem::new(format!("`{s}` is not a percentage"))
                        .hint("write a percentage such as 99.9% or a fraction such as 0.999")
                })?;
                // 99.9 / 100 is 0.9990000000000001 in binary; the user meant 0.999.
                let fraction = (percent / 100.0 * 1e12).round() / 1e12;
                return check_fraction(fraction, s);
            }
            s.parse().map_err(|_| {
                Problem::new(format!("`{s}` is not a number"))
                    .hint("write a percentage such as 99.9% or a fraction such as 0.999")
            })?
        }
    };
    if number > 1.0 && number <= 100.0 {
        return Err(
            Problem::new(format!("{number} is out of range for a fraction")).hint(format!(
                "{number} looks like a percentage: write {number}% or {}",
                short_decimal(number / 100.0)
            )),
        );
    }
    check_fraction(number, &value.to_string())
}

/// A share that may be zero (`policy.freezeBelow: 0%`, the default): as
/// [`parse_fraction`], and `0`, `0%` too.
pub fn parse_share(value: &Scalar) -> Result<f64, Problem> {
    let zero = match value {
        Scalar::Number(n) => *n == 0.0,
        Scalar::Text(s) => {
            matches!(s.trim().trim_end_matches('%').trim().parse::<f64>(), Ok(z) if z == 0.0)
        }
    };
    if zero {
        return Ok(0.0);
    }
    parse_fraction(value)
}

/// `0.999` rather than `0.9990000000000001`.
fn short_decimal(x: f64) -> String {
    let s = format!("{x:.10}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn check_fraction(f: f64, written: &str) -> Result<f64, Problem> {
    if !f.is_finite() || f <= 0.0 || f > 1.0 {
        return Err(
            Problem::new(format!("`{written}` must be above 0% and at most 100%"))
                .hint("write a percentage such as 99.9% or a fraction such as 0.999"),
        );
    }
    Ok(f)
}

/// `100/h`, `5/m`, `2400/d`: a request rate, returned per hour.
pub fn parse_rate_per_hour(value: &Scalar) -> Result<f64, Problem> {
    let hint = "write a count per unit of time, such as 100/h, 5/m or 2400/d";
    let Scalar::Text(s) = value else {
        return Err(Problem::new(format!("`{value}` has no time unit")).hint(hint));
    };
    let Some((count, unit)) = s.trim().split_once('/') else {
        return Err(Problem::new(format!("`{s}` is not a rate")).hint(hint));
    };
    let per_hour = match unit.trim() {
        "s" => 3600.0,
        "m" => 60.0,
        "h" => 1.0,
        "d" => 1.0 / 24.0,
        _ => return Err(Problem::new(format!("`{s}` has an unknown time unit")).hint(hint)),
    };
    let n: f64 = count
        .trim()
        .parse()
        .map_err(|_| Problem::new(format!("`{s}` is not a rate")).hint(hint))?;
    if !(0.0..=1e12).contains(&n) {
        return Err(Problem::new(format!("`{s}` is out of range")).hint(hint));
    }
    Ok(n * per_hour)
}

/// A positive, finite number (a burn rate).
pub fn parse_positive(value: &Scalar) -> Result<f64, Problem> {
    match value {
        Scalar::Number(n) if n.is_finite() && *n > 0.0 && *n <= 1e6 => Ok(*n),
        _ => Err(Problem::new(format!("`{value}` is not a positive number"))
            .hint("a burn rate is a plain number such as 14.4")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_every_documented_unit() {
        assert_eq!(parse_duration("300ms"), Ok(TimeDelta::milliseconds(300)));
        assert_eq!(parse_duration("1.5s"), Ok(TimeDelta::milliseconds(1500)));
        assert_eq!(parse_duration("5m"), Ok(TimeDelta::minutes(5)));
        assert_eq!(parse_duration("1h"), Ok(TimeDelta::hours(1)));
        assert_eq!(parse_duration("30d"), Ok(TimeDelta::days(30)));
        assert_eq!(parse_duration("2w"), Ok(TimeDelta::days(14)));
    }

    #[test]
    fn bad_durations_are_rejected_with_a_hint() {
        for bad in [
            "",
            "30",
            "d",
            "5 minutes",
            "1e3s",
            "-5m",
            "0s",
            "0.5ms",
            "9999999999d",
            "1..5s",
        ] {
            let p = parse_duration(bad).unwrap_err();
            assert!(p.hint.is_some(), "{bad}: {p:?}");
        }
    }

    #[test]
    fn targets_are_written_as_percentages_or_fractions() {
        let t = |s: &str| parse_fraction(&Scalar::Text(s.into()));
        assert_eq!(t("99.9%"), Ok(0.999));
        assert_eq!(t("100%"), Ok(1.0));
        assert_eq!(parse_fraction(&Scalar::Number(0.999)), Ok(0.999));
        assert_eq!(parse_fraction(&Scalar::Number(1.0)), Ok(1.0));
    }

    #[test]
    fn a_bare_percentage_is_an_error_that_suggests_both_spellings() {
        let p = parse_fraction(&Scalar::Number(99.9)).unwrap_err();
        assert_eq!(
            p.hint.as_deref(),
            Some("99.9 looks like a percentage: write 99.9% or 0.999")
        );
    }

    #[test]
    fn fractions_outside_zero_to_one_are_rejected() {
        for bad in [0.0, -0.5, 101.0, 1e300, f64::NAN] {
            assert!(parse_fraction(&Scalar::Number(bad)).is_err(), "{bad}");
        }
        for bad in ["0%", "101%", "abc%", "ninety", "-1%"] {
            assert!(parse_fraction(&Scalar::Text(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_are_converted_to_requests_per_hour() {
        let r = |s: &str| parse_rate_per_hour(&Scalar::Text(s.into()));
        assert_eq!(r("100/h"), Ok(100.0));
        assert_eq!(r("5/m"), Ok(300.0));
        assert_eq!(r("2400/d"), Ok(100.0));
        assert!(r("100").is_err());
        assert!(r("100/fortnight").is_err());
        assert!(parse_rate_per_hour(&Scalar::Number(100.0)).is_err());
    }
}
