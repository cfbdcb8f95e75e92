//! Fractions. Every proportion in `slo` is a fraction in [0, 1]; percentages exist only at the
//! edges (parsing `99.9%`, printing).

use std::fmt;

/// A fraction in the closed interval [0, 1] (an SLI, a CPU threshold, …).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Ratio(f64);

impl Ratio {
    pub const ZERO: Ratio = Ratio(0.0);
    pub const ONE: Ratio = Ratio(1.0);

    /// `None` unless `value` is a finite number in [0, 1].
    pub fn new(value: f64) -> Option<Ratio> {
        (value.is_finite() && (0.0..=1.0).contains(&value)).then_some(Ratio(value))
    }

    /// `good / total`, or `None` when there is nothing to divide: no data is not 100 %.
    pub fn of(good: u64, total: u64) -> Option<Ratio> {
        if total == 0 || good > total {
            return None;
        }
        Some(Ratio(good as f64 / total as f64))
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// The ratio as a percentage for display, e.g. `99.95`.
    pub fn percent(self) -> f64 {
        self.0 * 100.0
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_percent(self.percent()))
    }
}

/// An SLO target: the fraction of events that must be good, in (0, 1].
///
/// A target of exactly 1 is allowed (with a warning at validation) and leaves no error budget.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Target(Ratio);

impl Target {
    pub fn new(value: f64) -> Option<Target> {
        Ratio::new(value).filter(|r| r.get() > 0.0).map(Target)
    }

    pub fn ratio(self) -> Ratio {
        self.0
    }

    pub fn get(self) -> f64 {
        self.0.get()
    }

    /// `1 − target`: the fraction of events allowed to be bad.
    pub fn error_allowance(self) -> f64 {
        1.0 - self.0.get()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `99.9%`, `99%`, `99.95%`: as many decimals as the value needs, at most six.
pub fn format_percent(percent: f64) -> String {
    let mut s = format!("{percent:.6}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s.push('%');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_outside_zero_to_one_is_rejected() {
        assert!(Ratio::new(-0.1).is_none());
        assert!(Ratio::new(1.000001).is_none());
        assert!(Ratio::new(f64::NAN).is_none());
        assert!(Ratio::new(f64::INFINITY).is_none());
        assert_eq!(Ratio::new(0.5).map(Ratio::get), Some(0.5));
    }

    #[test]
    fn no_events_is_no_ratio_rather_than_one_hundred_percent() {
        assert_eq!(Ratio::of(0, 0), None);
        assert_eq!(Ratio::of(3, 4).map(Ratio::get), Some(0.75));
    }

    #[test]
    fn a_target_of_zero_is_meaningless_and_rejected() {
        assert!(Target::new(0.0).is_none());
        assert!(Target::new(1.0).is_some());
    }

    #[test]
    fn targets_print_as_short_percentages() {
        assert_eq!(Target::new(0.999).unwrap().to_string(), "99.9%");
        assert_eq!(Target::new(0.99).unwrap().to_string(), "99%");
        assert_eq!(Target::new(0.9995).unwrap().to_string(), "99.95%");
    }
}
