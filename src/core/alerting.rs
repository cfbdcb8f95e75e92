//! Which burn-rate tiers fire, when, and for how long (burn episodes).

use crate::core::budget::{BurnRate, spent};
use crate::core::events::{Counts, PrefixSums};
use crate::core::ratio::Target;
use crate::core::significance;
use crate::core::tiers::{Severity, Tier};
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};

/// The low-traffic guards: a tier may fire only if its long window saw at least `per_hour`
/// requests per hour on average (so three failures out of five requests at night page nobody),
/// and its short window holds at least `min_bad` bad events (so, at low traffic, one failed
/// request after an incident does not fire the tier again while the long window still burns).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrafficGuard {
    per_hour: f64,
    min_bad: u64,
}

impl TrafficGuard {
    pub const NONE: TrafficGuard = TrafficGuard {
        per_hour: 0.0,
        min_bad: 0,
    };

    /// The default short-window guard. Chosen by replaying the example (README: "Alert
    /// tiers"): with 1 a single slow request re-fires a tier after an incident.
    pub const DEFAULT_MIN_BAD: u64 = 2;

    pub fn per_hour(requests: f64) -> TrafficGuard {
        TrafficGuard {
            per_hour: requests.max(0.0),
            min_bad: 0,
        }
    }

    pub fn with_min_bad(self, min_bad: u64) -> TrafficGuard {
        TrafficGuard { min_bad, ..self }
    }

    /// Bad events a short window must hold before the tier may fire.
    pub fn min_bad(&self) -> u64 {
        self.min_bad
    }

    pub fn admits_short(&self, counts: Counts) -> bool {
        counts.bad() >= self.min_bad
    }

    pub fn requests_per_hour(&self) -> f64 {
        self.per_hour
    }

    /// Requests a window of `length` must see before its burn rate may page anyone.
    pub fn minimum_for(&self, length: TimeDelta) -> f64 {
        self.per_hour * length.num_seconds() as f64 / 3600.0
    }

    pub fn admits(&self, counts: Counts, length: TimeDelta) -> bool {
        counts.total > 0 && counts.total as f64 >= self.minimum_for(length)
    }
}

/// The short window's bad events are more than a service meeting its objective gives by
/// chance ([`significance`]): λ = (1 − target) × requests in the short window. The tier's own
/// condition says the window burns fast; this one says the burn is not luck.
///
/// λ at the budget rate, not at the tier's rate (shared/DESIGN.md's first proposal): testing
/// "significantly above the tier's rate" makes the short window of a low-traffic service sit
/// right at the threshold during a real incident — the example's `checkout` latency page
/// (≈ 9 requests in 5 minutes, two thirds slow) then fired and cleared four times instead of
/// once — while the noise it is meant to silence (a few chance errors while a long window
/// still burns after an incident) is silenced by either.
pub fn short_beyond_chance(short: Counts, target: Target) -> bool {
    let expected = target.error_allowance() * short.total as f64;
    significance::beyond_chance(short.bad(), expected)
}

/// A tier's state at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct TierState<'t> {
    pub tier: &'t Tier,
    pub long: Option<BurnRate>,
    pub short: Option<BurnRate>,
    /// The long window saw too little traffic, or the short window too few bad events (below
    /// `minBadEvents`, or within what the tier's rate gives by chance), for the tier to fire.
    pub below_guard: bool,
    pub firing: bool,
}

/// The state of every tier at `at`: a tier fires when the long and the short window both
/// burn at least at its rate (≥, as the alarms compare) and both pass the guards.
pub fn tier_states<'t>(
    sums: &PrefixSums<'_>,
    target: Target,
    tiers: &'t [Tier],
    guard: TrafficGuard,
    at: DateTime<Utc>,
) -> Vec<TierState<'t>> {
    tiers
        .iter()
        .map(|tier| tier_state(sums, target, tier, guard, at))
        .collect()
}

fn tier_state<'t>(
    sums: &PrefixSums<'_>,
    target: Target,
    tier: &'t Tier,
    guard: TrafficGuard,
    at: DateTime<Utc>,
) -> TierState<'t> {
    tier_state_secs(sums, target, tier, guard, at.timestamp())
}

fn tier_state_secs<'t>(
    sums: &PrefixSums<'_>,
    target: Target,
    tier: &'t Tier,
    guard: TrafficGuard,
    at: i64,
) -> TierState<'t> {
    let long_counts = sums.sum_secs(at - tier.long.num_seconds(), at);
    let short_counts = sums.sum_secs(at - tier.short.num_seconds(), at);
    let long = BurnRate::of(long_counts, target);
    let short = BurnRate::of(short_counts, target);
    let below_guard = !guard.admits(long_counts, tier.long)
        || !guard.admits_short(short_counts)
        || !short_beyond_chance(short_counts, target);
    let burning = |b: Option<BurnRate>| b.is_some_and(|b| b.get() >= tier.burn_rate);
    TierState {
        tier,
        long,
        short,
        below_guard,
        firing: !below_guard && burning(long) && burning(short),
    }
}

/// The long window's burn rate at Unix second `at` when the tier fires then: what
/// [`tier_state_secs`] says of `firing`, without the rest when the long window does not burn
/// (most evaluations of a month).
fn firing_burn(
    sums: &PrefixSums<'_>,
    target: Target,
    tier: &Tier,
    guard: TrafficGuard,
    at: i64,
) -> Option<f64> {
    let long = BurnRate::of(sums.sum_secs(at - tier.long.num_seconds(), at), target)?;
    if long.get() < tier.burn_rate {
        return None;
    }
    let state = tier_state_secs(sums, target, tier, guard, at);
    state.firing.then(|| burn_value(state.long))
}

/// A maximal interval in which one tier fired.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    pub tier: String,
    pub severity: Severity,
    /// The first evaluation at which the tier fired.
    pub start: DateTime<Utc>,
    /// The first evaluation at which it no longer fired, or the end of the range.
    pub end: DateTime<Utc>,
    /// Still firing at the end of the range.
    pub ongoing: bool,
    /// Events from one short window before `start` (the events that set it off; never before
    /// the previous episode of the same tier ended) until `end`.
    pub counts: Counts,
    /// The highest long-window burn rate seen while firing.
    pub peak_burn_rate: f64,
    /// The bad events of `counts` as a fraction of the whole window's budget.
    pub budget_spent: f64,
}

impl Episode {
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }
}

/// Burn episodes of every tier within `range`, evaluated at every bucket boundary of the
/// series, in start order. `budget_allowed` is the bad-event allowance of the whole SLO window.
pub fn episodes(
    sums: &PrefixSums<'_>,
    target: Target,
    tiers: &[Tier],
    guard: TrafficGuard,
    range: TimeRange,
    budget_allowed: f64,
) -> Vec<Episode> {
    let step = sums.series().bucket();
    let mut found = Vec::new();
    for tier in tiers {
        let mut open: Option<(DateTime<Utc>, f64)> = None;
        // Events before this were already counted by the tier's previous episode.
        let mut counted_until = range.start - tier.short;
        let mut close = |start: DateTime<Utc>, end, ongoing, peak_burn_rate| {
            let counts = sums.sum(TimeRange {
                start: (start - tier.short).max(counted_until),
                end,
            });
            counted_until = end;
            Episode {
                tier: tier.name.clone(),
                severity: tier.severity,
                start,
                end,
                ongoing,
                counts,
                peak_burn_rate,
                budget_spent: spent(counts.bad(), budget_allowed),
            }
        };
        for at in evaluation_times(range, step) {
            let firing = firing_burn(sums, target, tier, guard, at.secs);
            match (&mut open, firing) {
                (None, Some(burn)) => open = Some((at.time(range), burn)),
                (Some((_, peak)), Some(burn)) => *peak = peak.max(burn),
                (Some((start, peak)), None) => {
                    found.push(close(*start, at.time(range), false, *peak));
                    open = None;
                }
                (None, None) => {}
            }
        }
        if let Some((start, peak)) = open {
            found.push(close(start, range.end, true, peak));
        }
    }
    found.sort_by_key(|e| (e.start, e.severity));
    found
}

fn burn_value(b: Option<BurnRate>) -> f64 {
    b.map_or(0.0, BurnRate::get)
}

/// One evaluation instant, in Unix seconds: every minute of a window is evaluated, and
/// chrono's calendar arithmetic would be most of the cost.
#[derive(Clone, Copy)]
struct Evaluation {
    secs: i64,
    /// The end of the range, which need not be a whole second.
    last: bool,
}

impl Evaluation {
    fn time(self, range: TimeRange) -> DateTime<Utc> {
        if self.last {
            range.end
        } else {
            DateTime::from_timestamp(self.secs, 0).unwrap_or(range.end)
        }
    }
}

/// Bucket boundaries in `(range.start, range.end]`, then `range.end` itself if it is not one.
fn evaluation_times(range: TimeRange, step: TimeDelta) -> impl Iterator<Item = Evaluation> {
    let step = step.num_seconds().max(1);
    let first = (range.start.timestamp().div_euclid(step) + 1) * step;
    let end = range.end.timestamp();
    // A boundary is before the end if it is before its whole second, or at it when the end has
    // a fraction.
    let before_end = match range.end.timestamp_subsec_nanos() {
        0 => end,
        _ => end + 1,
    };
    let boundaries = (first..before_end)
        .step_by(step as usize)
        .map(|secs| Evaluation { secs, last: false });
    let last = (range.start < range.end).then_some(Evaluation {
        secs: end,
        last: true,
    });
    boundaries.chain(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::EventSeries;
    use crate::core::tiers::sre_workbook;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    /// A series of `minutes` minutes of `per_minute` requests, with `bad(minute)` bad ones.
    fn series(minutes: i64, per_minute: u64, bad: impl Fn(i64) -> u64) -> EventSeries {
        let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..minutes {
            let b = bad(m).min(per_minute);
            s.add(
                t0() + TimeDelta::minutes(m),
                Counts::new(per_minute - b, per_minute),
            );
        }
        s
    }

    fn target() -> Target {
        Target::new(0.999).unwrap()
    }

    #[test]
    fn a_total_outage_fires_the_fast_tier_within_minutes() {
        // Four healthy hours, then everything fails from 04:00.
        let s = series(5 * 60, 100, |m| if m >= 240 { 100 } else { 0 });
        let sums = s.prefix_sums();
        let tiers = sre_workbook(TimeDelta::days(30));
        let at = t0() + TimeDelta::minutes(242);
        let states = tier_states(&sums, target(), &tiers, TrafficGuard::NONE, at);
        assert!(states[0].firing, "{states:?}");
    }

    #[test]
    fn a_healthy_service_fires_nothing() {
        let s = series(6 * 60, 100, |_| 0);
        let sums = s.prefix_sums();
        let tiers = sre_workbook(TimeDelta::days(30));
        let range = s.span().unwrap();
        assert!(episodes(&sums, target(), &tiers, TrafficGuard::NONE, range, 100.0).is_empty());
    }

    #[test]
    fn a_two_hour_bad_deploy_is_one_fast_episode_that_ends_after_the_fix() {
        // 10 % errors from 02:00 to 04:00 in an 8 hour day of 100 requests a minute.
        let s = series(
            8 * 60,
            100,
            |m| if (120..240).contains(&m) { 10 } else { 0 },
        );
        let sums = s.prefix_sums();
        let tiers = sre_workbook(TimeDelta::days(30));
        let range = s.span().unwrap();
        let found = episodes(&sums, target(), &tiers, TrafficGuard::NONE, range, 48.0);
        let fast: Vec<_> = found.iter().filter(|e| e.tier == "fast").collect();
        assert_eq!(fast.len(), 1, "{found:?}");
        let e = fast[0];
        // The 1h window needs 14.4/100 of an hour (8.64 min) of 10 % errors to burn at 14.4.
        assert_eq!(e.start, t0() + TimeDelta::minutes(129));
        // The 5-minute window clears five minutes after the errors stop.
        assert_eq!(e.end, t0() + TimeDelta::minutes(245));
        assert!(!e.ongoing);
        // Counted from one short window (5 min) before it fired: minutes 124 to 239.
        assert_eq!(e.counts.bad(), 116 * 10);
        assert!((e.peak_burn_rate - 100.0).abs() < 1e-9);
        assert!((e.budget_spent - 1160.0 / 48.0).abs() < 1e-9);
    }

    #[test]
    fn an_episode_still_firing_at_the_end_is_ongoing() {
        let s = series(3 * 60, 100, |m| if m >= 150 { 50 } else { 0 });
        let sums = s.prefix_sums();
        let tiers = sre_workbook(TimeDelta::days(30));
        let range = s.span().unwrap();
        let found = episodes(&sums, target(), &tiers, TrafficGuard::NONE, range, 10.0);
        assert!(
            found
                .iter()
                .any(|e| e.tier == "fast" && e.ongoing && e.end == range.end)
        );
    }

    #[test]
    fn the_traffic_guard_silences_a_quiet_night() {
        // 2 requests a minute = 120 an hour, all failing, with a guard of 200/h.
        let s = series(2 * 60, 2, |_| 2);
        let sums = s.prefix_sums();
        let tiers = sre_workbook(TimeDelta::days(30));
        let at = s.span().unwrap().end;
        let guard = TrafficGuard::per_hour(200.0);
        let states = tier_states(&sums, target(), &tiers, guard, at);
        assert!(states.iter().all(|s| !s.firing && s.below_guard));
        let open = tier_states(&sums, target(), &tiers, TrafficGuard::per_hour(100.0), at);
        assert!(open[0].firing);
    }

    #[test]
    fn no_traffic_fires_nothing_even_without_a_guard() {
        let s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        let sums = s.prefix_sums();
        let tiers = sre_workbook(TimeDelta::days(30));
        let states = tier_states(&sums, target(), &tiers, TrafficGuard::NONE, t0());
        assert!(states.iter().all(|s| !s.firing && s.long.is_none()));
    }

    #[test]
    fn evaluation_times_cover_bucket_ends_and_the_range_end() {
        let range = TimeRange {
            start: t0(),
            end: t0() + TimeDelta::seconds(150),
        };
        let times = |range: TimeRange| -> Vec<DateTime<Utc>> {
            evaluation_times(range, TimeDelta::minutes(1))
                .map(|e| e.time(range))
                .collect()
        };
        let secs = |s: i64| t0() + TimeDelta::seconds(s);
        assert_eq!(times(range), vec![secs(60), secs(120), secs(150)]);
        // An end on a boundary is evaluated once; an end with a fraction of a second, as is.
        let on_boundary = TimeRange {
            start: t0(),
            end: secs(120),
        };
        assert_eq!(times(on_boundary), vec![secs(60), secs(120)]);
        let fraction = TimeRange {
            start: t0(),
            end: secs(120) + TimeDelta::milliseconds(500),
        };
        assert_eq!(
            times(fraction),
            vec![
                secs(60),
                secs(120),
                secs(120) + TimeDelta::milliseconds(500)
            ]
        );
    }

    proptest! {
        #[test]
        fn no_tier_fires_below_the_traffic_guard(
            per_minute in 0u64..5, bad_every in 1i64..5, guard in 300.0f64..10_000.0, minutes in 1i64..600
        ) {
            // At most 4 requests a minute = 240/h < 300/h: never enough traffic.
            let s = series(minutes, per_minute, |m| u64::from(m % bad_every == 0) * per_minute);
            let sums = s.prefix_sums();
            let tiers = sre_workbook(TimeDelta::days(30));
            let range = TimeRange { start: t0(), end: t0() + TimeDelta::minutes(minutes) };
            let found = episodes(&sums, target(), &tiers, TrafficGuard::per_hour(guard), range, 1.0);
            prop_assert!(found.is_empty());
        }

        #[test]
        fn a_constant_error_ratio_fires_exactly_the_tiers_it_out_burns_beyond_chance(bad_per_1000 in 0u64..=1000) {
            let s = series(4 * 24 * 60, 1000, |_| bad_per_1000);
            let sums = s.prefix_sums();
            let tiers = sre_workbook(TimeDelta::days(30));
            let at = s.span().unwrap().end;
            let burn = (bad_per_1000 as f64 / 1000.0) / 0.001;
            for st in tier_states(&sums, target(), &tiers, TrafficGuard::NONE, at) {
                if (burn - st.tier.burn_rate).abs() < 1e-6 {
                    continue; // exactly at the threshold: floating point decides, not the rule
                }
                // A short window's excess may still be chance.
                let short = sums.sum(TimeRange::ending_at(at, st.tier.short));
                let beyond = short_beyond_chance(short, target());
                prop_assert_eq!(st.firing, burn >= st.tier.burn_rate && beyond, "{:?}", st);
                if burn >= 1.5 * st.tier.burn_rate {
                    prop_assert!(st.firing, "half again the rate is never chance here: {:?}", st);
                }
            }
        }
    }
}
