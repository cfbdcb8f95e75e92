//! Error budgets and burn rates, counted in events (occurrences), as the SRE Workbook does.

use crate::core::events::Counts;
use crate::core::ratio::Target;

/// The error budget of an objective over some window in which there was traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorBudget {
    target: Target,
    counts: Counts,
}

impl ErrorBudget {
    /// `None` when the window saw no events: an empty window has no budget to report,
    /// and must not read as "100 % left".
    pub fn new(target: Target, counts: Counts) -> Option<ErrorBudget> {
        (!counts.is_empty()).then_some(ErrorBudget { target, counts })
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Bad events the objective tolerates: `(1 − target) · total`.
    pub fn allowed(&self) -> f64 {
        self.target.error_allowance() * self.counts.total as f64
    }

    /// Fraction of the budget spent: `bad / allowed`. Above 1 when overspent; infinite when a
    /// 100 % target (no budget at all) saw any bad event.
    pub fn consumed(&self) -> f64 {
        spent(self.counts.bad(), self.allowed())
    }

    /// Fraction of the budget left: `1 − consumed`, negative when overspent.
    pub fn remaining(&self) -> f64 {
        1.0 - self.consumed()
    }
}

/// `bad / allowed` with the zero cases made explicit: nothing bad spends nothing, even of an
/// empty budget.
pub fn spent(bad: u64, allowed: f64) -> f64 {
    if bad == 0 {
        0.0
    } else if allowed <= 0.0 {
        f64::INFINITY
    } else {
        bad as f64 / allowed
    }
}

/// How fast the budget burns: the window's error ratio over the allowed error ratio.
/// A burn rate of 1 spends exactly the whole budget over the SLO window.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct BurnRate(f64);

impl BurnRate {
    /// `(bad / total) / (1 − target)` over the events of one window; `None` when the window
    /// saw no events.
    pub fn of(counts: Counts, target: Target) -> Option<BurnRate> {
        if counts.is_empty() {
            return None;
        }
        // (bad/total)/(1 − t) = bad / ((1 − t)·total): the budget of this window, spent.
        let allowed = target.error_allowance() * counts.total as f64;
        Some(BurnRate(spent(counts.bad(), allowed)))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn target(t: f64) -> Target {
        Target::new(t).unwrap()
    }

    #[test]
    fn the_budget_of_an_empty_window_is_no_data() {
        assert!(ErrorBudget::new(target(0.999), Counts::new(0, 0)).is_none());
        assert!(BurnRate::of(Counts::new(0, 0), target(0.999)).is_none());
    }

    #[test]
    fn one_bad_request_in_ten_thousand_spends_a_tenth_of_a_three_nines_budget() {
        let b = ErrorBudget::new(target(0.999), Counts::new(9_999, 10_000)).unwrap();
        assert!((b.allowed() - 10.0).abs() < 1e-9);
        assert!((b.consumed() - 0.1).abs() < 1e-9);
        assert!((b.remaining() - 0.9).abs() < 1e-9);
    }

    #[test]
    fn an_overspent_budget_has_negative_remaining() {
        let b = ErrorBudget::new(target(0.99), Counts::new(970, 1000)).unwrap();
        assert!((b.remaining() - -2.0).abs() < 1e-9);
    }

    #[test]
    fn a_hundred_percent_target_has_no_budget_to_spend() {
        let clean = ErrorBudget::new(target(1.0), Counts::new(10, 10)).unwrap();
        assert_eq!(clean.remaining(), 1.0);
        let dirty = ErrorBudget::new(target(1.0), Counts::new(9, 10)).unwrap();
        assert_eq!(dirty.remaining(), f64::NEG_INFINITY);
        assert_eq!(
            BurnRate::of(Counts::new(9, 10), target(1.0)).map(BurnRate::get),
            Some(f64::INFINITY)
        );
    }

    proptest! {
        #[test]
        fn a_constant_error_ratio_burns_at_ratio_over_allowance(
            bad_per_1000 in 0u64..=1000, windows in 1u64..50, t in 0.5f64..0.9999
        ) {
            let target = target(t);
            let counts = Counts::new(windows * (1000 - bad_per_1000), windows * 1000);
            let expected = (bad_per_1000 as f64 / 1000.0) / (1.0 - t);
            let got = BurnRate::of(counts, target).unwrap().get();
            prop_assert!((got - expected).abs() <= 1e-9 * expected.max(1.0));
        }

        #[test]
        fn remaining_is_one_minus_consumed_and_never_above_one(
            good in 0u64..1_000_000, bad in 0u64..1_000_000, t in 0.5f64..0.99999
        ) {
            prop_assume!(good + bad > 0);
            let b = ErrorBudget::new(target(t), Counts::new(good, good + bad)).unwrap();
            prop_assert!((b.remaining() - (1.0 - b.consumed())).abs() < 1e-12);
            prop_assert!(b.remaining() <= 1.0);
            prop_assert!(b.consumed() >= 0.0);
        }

        #[test]
        fn the_budget_is_spent_exactly_when_burning_at_one_for_the_whole_window(
            total in 1u64..10_000_000, t in 0.9f64..0.9999
        ) {
            // Burn rate over the whole window equals the fraction of budget consumed.
            let bad = ((1.0 - t) * total as f64).floor() as u64;
            let c = Counts::new(total - bad, total);
            let b = ErrorBudget::new(target(t), c).unwrap();
            let r = BurnRate::of(c, target(t)).unwrap();
            prop_assert!((b.consumed() - r.get()).abs() <= 1e-9 * r.get().max(1.0));
        }
    }
}
