//! The multiwindow, multi-burn-rate alert tiers (SRE Workbook, chapter 5), kept as data.

use chrono::TimeDelta;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Page,
    Ticket,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One alert tier, scaled to an SLO window: fires when both windows burn faster than
/// `burn_rate` (and the long window saw enough traffic).
#[derive(Clone, Debug, PartialEq)]
pub struct Tier {
    pub name: String,
    pub severity: Severity,
    pub long: TimeDelta,
    pub short: TimeDelta,
    pub burn_rate: f64,
}

impl Tier {
    /// Fraction of the window's budget spent by the time the tier fires, burning at exactly
    /// its threshold for its long window: `burn · long / window`.
    pub fn budget_spent_when_firing(&self, window: TimeDelta) -> f64 {
        self.burn_rate * seconds(self.long) / seconds(window)
    }
}

/// A catalogue row: the tier as a budget fraction, independent of the SLO window.
struct CatalogueTier {
    name: &'static str,
    severity: Severity,
    long_minutes: i64,
    short_minutes: i64,
    /// Budget spent when the tier fires at its threshold.
    budget_fraction: f64,
}

/// The SRE Workbook's recommendation. For a 30-day window the burn rates come out as
/// 14.4, 6, 3 and 1.
const SRE_WORKBOOK: [CatalogueTier; 4] = [
    CatalogueTier {
        name: "fast",
        severity: Severity::Page,
        long_minutes: 60,
        short_minutes: 5,
        budget_fraction: 0.02,
    },
    CatalogueTier {
        name: "slow",
        severity: Severity::Page,
        long_minutes: 6 * 60,
        short_minutes: 30,
        budget_fraction: 0.05,
    },
    CatalogueTier {
        name: "drift",
        severity: Severity::Ticket,
        long_minutes: 24 * 60,
        short_minutes: 2 * 60,
        budget_fraction: 0.10,
    },
    CatalogueTier {
        name: "chronic",
        severity: Severity::Ticket,
        long_minutes: 3 * 24 * 60,
        short_minutes: 6 * 60,
        budget_fraction: 0.10,
    },
];

/// No scaled tier burns slower than this: a rate below 1 leaves budget over at the window's
/// end, so a ticket on it is noise. The workbook's own 30-day table ends at exactly 1 (its
/// 3-day tier, "10% of budget consumed"), and for shorter windows the scaling would otherwise
/// fall below it (a 7-day window: `drift` at 0.7, `chronic` at 0.23).
pub const MIN_BURN_RATE: f64 = 1.0;

/// The SRE Workbook tiers for an SLO window of `window`: burn = budget fraction · window /
/// long, never below [`MIN_BURN_RATE`].
pub fn sre_workbook(window: TimeDelta) -> Vec<Tier> {
    SRE_WORKBOOK
        .iter()
        .map(|c| {
            let long = TimeDelta::minutes(c.long_minutes);
            Tier {
                name: c.name.to_owned(),
                severity: c.severity,
                long,
                short: TimeDelta::minutes(c.short_minutes),
                burn_rate: (c.budget_fraction * seconds(window) / seconds(long)).max(MIN_BURN_RATE),
            }
        })
        .collect()
}

fn seconds(d: TimeDelta) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thirty_day_window_gets_the_workbook_burn_rates() {
        let tiers = sre_workbook(TimeDelta::days(30));
        let rates: Vec<f64> = tiers.iter().map(|t| t.burn_rate).collect();
        let expected = [14.4, 6.0, 3.0, 1.0];
        for (got, want) in rates.iter().zip(expected) {
            assert!((got - want).abs() < 1e-9, "{rates:?}");
        }
        assert_eq!(tiers[0].long, TimeDelta::hours(1));
        assert_eq!(tiers[0].short, TimeDelta::minutes(5));
        assert_eq!(tiers[3].severity, Severity::Ticket);
    }

    #[test]
    fn a_seven_day_window_scales_burn_rates_down() {
        let tiers = sre_workbook(TimeDelta::days(7));
        assert!((tiers[0].burn_rate - 0.02 * 168.0).abs() < 1e-9);
    }

    #[test]
    fn each_tier_spends_at_least_its_catalogue_fraction_when_it_fires() {
        let w = TimeDelta::days(28);
        for (tier, row) in sre_workbook(w).iter().zip(SRE_WORKBOOK.iter()) {
            assert!(tier.budget_spent_when_firing(w) >= row.budget_fraction - 1e-9);
        }
        let w = TimeDelta::days(30);
        for (tier, row) in sre_workbook(w).iter().zip(SRE_WORKBOOK.iter()) {
            assert!((tier.budget_spent_when_firing(w) - row.budget_fraction).abs() < 1e-9);
        }
    }

    #[test]
    fn no_tier_of_any_window_burns_below_one() {
        for days in [1, 7, 14, 28, 30, 90, 455] {
            let tiers = sre_workbook(TimeDelta::days(days));
            assert!(
                tiers.iter().all(|t| t.burn_rate >= MIN_BURN_RATE),
                "{days}d"
            );
        }
        let week = sre_workbook(TimeDelta::days(7));
        let rates: Vec<f64> = week.iter().map(|t| t.burn_rate).collect();
        assert_eq!(rates[2..], [1.0, 1.0]);
    }
}
