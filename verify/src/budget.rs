//! The wall-clock budget of one check ([`Options::budget`]): every solver
//! query's timeout is cut to what is left of it, and exploration stops
//! between block instances once it is spent, so a check costs at most about
//! its budget however many segments, queries and unrolled instances it has.
//! A check that runs out returns `Unknown` naming the budget.

use std::time::{Duration, Instant};

use crate::options::Options;

/// What is left of a check's time.
pub(crate) struct Budget {
    start: Instant,
    limit: Duration,
    /// Per-query timeout, in milliseconds.
    query_ms: u32,
}

impl Budget {
    /// Starts the clock for a check run with `opts`.
    pub(crate) fn start(opts: &Options) -> Budget {
        Budget { start: Instant::now(), limit: opts.budget(), query_ms: opts.timeout_ms }
    }

    /// Has the budget been spent?
    pub(crate) fn spent(&self) -> bool {
        self.start.elapsed() >= self.limit
    }

    /// The timeout for the next query: the per-query timeout, or what is
    /// left of the budget if that is less (at least 1 ms: Z3 reads 0 as no
    /// timeout). `None` when the budget is spent.
    pub(crate) fn query_timeout_ms(&self) -> Option<u32> {
        let left = self.limit.checked_sub(self.start.elapsed()).filter(|d| !d.is_zero())?;
        let left_ms = u32::try_from(left.as_millis()).unwrap_or(u32::MAX).max(1);
        Some(left_ms.min(self.query_ms.max(1)))
    }

    /// Is `timeout_ms` less than the per-query timeout (the budget cut it)?
    pub(crate) fn cut(&self, timeout_ms: u32) -> bool {
        timeout_ms < self.query_ms
    }

    /// Why a check that ran out of budget is `Unknown`.
    pub(crate) fn exhausted(&self, during: &str) -> String {
        format!("the check ran out of its time budget of {} ms (`Options::budget_ms`) {during}", self.limit.as_millis())
    }
}
