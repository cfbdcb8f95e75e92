//! When a count of bad events is more than chance: the test every short window passes before
//! its tier may fire, and every minute passes before it counts as impact. At low traffic a
//! window allowed 0.3 bad events sees 1 or 2 now and then, and "burn ≥ 14.4" on them is noise.
//!
//! The rule (shared/DESIGN.md, Decisions): with λ the bad events a window may hold by chance,
//! they are significant when bad ≥ λ + 2.33·√λ + 1 — the normal approximation of the
//! Poisson's one-sided 99 % bound, plus one for the discreteness that matters most at small λ.
//! λ is what the objective allows, (1 − target) × requests (`core::alerting` says why not the
//! tier's rate).
//! The alarms' metric math writes the same formula (`^0.5` for the root), so the report, the
//! replay and CloudWatch agree.

/// The one-sided 99 % quantile of the standard normal distribution.
pub const Z_99: f64 = 2.33;

/// The fewest bad events that are more than chance when `expected` are allowed.
pub fn threshold(expected: f64) -> f64 {
    let l = expected.max(0.0);
    l + Z_99 * l.sqrt() + 1.0
}

/// `bad` events are more than chance when `expected` were allowed.
pub fn beyond_chance(bad: u64, expected: f64) -> bool {
    bad as f64 >= threshold(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_failure_is_never_significant_and_a_burst_is() {
        assert!(beyond_chance(1, 0.0));
        assert!(!beyond_chance(1, 0.1));
        assert!(beyond_chance(2, 0.1));
        // 100 requests in 5 minutes at 14.4 × 0.1 %: λ = 1.44, 6 bad needed.
        assert!(!beyond_chance(5, 1.44));
        assert!(beyond_chance(6, 1.44));
    }

    proptest! {
        #[test]
        fn the_threshold_grows_with_what_is_allowed_and_stays_above_it(a in 0.0f64..1e9, b in 0.0f64..1e9) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(threshold(lo) <= threshold(hi));
            prop_assert!(threshold(a) > a);
        }
    }
}
