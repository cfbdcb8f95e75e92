//! An objective's status in one word.

use crate::core::budget::ErrorBudget;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Overspent: less than nothing left.
    Breached,
    /// Less than a quarter of the budget left, or a paging tier firing now.
    Warning,
    Ok,
    /// No requests in the window: nothing is known, which is not the same as fine.
    NoData,
}

/// Below this fraction of budget left, an objective is in `warning`.
pub const WARNING_REMAINING: f64 = 0.25;

impl Status {
    pub fn of(budget: Option<&ErrorBudget>, page_firing: bool) -> Status {
        match budget {
            None => Status::NoData,
            Some(b) if b.remaining() < 0.0 => Status::Breached,
            Some(b) if b.remaining() < WARNING_REMAINING || page_firing => Status::Warning,
            Some(_) => Status::Ok,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::NoData => "no_data",
            Status::Breached => "breached",
            Status::Warning => "warning",
            Status::Ok => "ok",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::Counts;
    use crate::core::ratio::Target;

    fn budget(good: u64, total: u64) -> ErrorBudget {
        ErrorBudget::new(Target::new(0.99).unwrap(), Counts::new(good, total)).unwrap()
    }

    #[test]
    fn status_follows_the_budget_left() {
        assert_eq!(Status::of(None, false), Status::NoData);
        assert_eq!(Status::of(None, true), Status::NoData);
        assert_eq!(
            Status::of(Some(&budget(980, 1000)), false),
            Status::Breached
        );
        assert_eq!(Status::of(Some(&budget(990, 1000)), false), Status::Warning);
        assert_eq!(Status::of(Some(&budget(999, 1000)), false), Status::Ok);
        assert_eq!(
            Status::of(Some(&budget(9_920, 10_000)), false),
            Status::Warning
        );
        assert_eq!(Status::of(Some(&budget(1000, 1000)), true), Status::Warning);
    }
}
