//! Polling image jobs, sans-IO: the backoff policy, the shared request budget, what is learnt
//! about job times, one job's poll loop, and the [`Scheduler`] that runs them all.
//!
//! Nothing here sleeps or sends. The browser client (or a test on a fake clock) drives a
//! [`Scheduler`]: it asks what to send next and when, sends it, and reports the answer and the
//! time. So the bookkeeping of many jobs at once (creation times, the scout, learnt job times,
//! the first wait, the one budget shared by creates and status calls) runs the same in a native
//! test as in the browser.

mod budget;
mod job;
mod policy;
mod scheduler;
#[cfg(test)]
mod simulation;
mod timer;

pub use budget::{ImageBudget, ImageCall, RateLimiter, Turn};
pub use job::{AIM_CHECK_EVERY, SCOUT_EVERY};
pub use policy::PollPolicy;
pub use scheduler::{Next, PollId, Scheduler};
pub use timer::JobTimer;
