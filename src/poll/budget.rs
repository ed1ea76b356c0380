//! The one budget every image request of a client shares: [`RateLimiter`] spaces them,
//! [`ImageBudget`] decides whose turn it is.

use std::collections::VecDeque;
use std::time::Duration;

/// A token bucket shared by everything that polls, so many pending jobs cannot flood the API.
///
/// `capacity` requests may go at once; after that one more every `1 / per_second` seconds.
/// With a capacity of 1 (the client's choice) requests are simply spaced `1 / per_second`
/// apart, so no one-second window ever holds more than `per_second` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last_ms: Option<u64>,
}

impl RateLimiter {
    /// The default: at most 4 image requests (creates and status calls) per second.
    pub const DEFAULT_PER_SECOND: f64 = 4.0;

    /// A bucket of `capacity` tokens refilled at `per_second`.
    pub fn new(capacity: u32, per_second: f64) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self { capacity, per_second: per_second.max(0.001), tokens: capacity, last_ms: None }
    }

    fn refill(&mut self, now_ms: u64) {
        if let Some(last) = self.last_ms {
            let elapsed = now_ms.saturating_sub(last) as f64 / 1000.0;
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        }
        self.last_ms = Some(now_ms.max(self.last_ms.unwrap_or(0)));
    }

    /// Takes a token at `now_ms`, or says how long to wait before one is free.
    ///
    /// Callers that retry after the wait compete again, so under contention the same ones
    /// may keep winning; [`ImageBudget`] puts them in line.
    pub fn try_acquire(&mut self, now_ms: u64) -> Result<(), Duration> {
        self.refill(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
            Err(Duration::from_secs_f64(missing / self.per_second).max(Duration::from_millis(1)))
        }
    }
}

impl Default for RateLimiter {
    /// [`RateLimiter::DEFAULT_PER_SECOND`], evenly spaced (no burst).
    fn default() -> Self {
        Self::new(1, Self::DEFAULT_PER_SECOND)
    }
}

/// One client's budget for image requests: status calls and creates share one evenly
/// spaced [`RateLimiter`]. Each slot goes to a waiting status call if there is one (so
/// pending jobs are seen on time), the one for the oldest job first (the likeliest to be
/// done; when status calls outnumber the slots, as while nothing is known about job times,
/// younger jobs wait), else to the oldest waiting create; but once no create has gone for
/// [`ImageBudget::CREATE_AT_LEAST_EVERY`], the oldest waiting create takes the next slot, so
/// however many jobs poll, new ones still start.
///
/// Sans-IO: a request joins the line with [`ImageBudget::enqueue`], then asks
/// [`ImageBudget::turn`] until told to go, sleeping for the durations it is given; it leaves
/// with [`ImageBudget::cancel`] if it gives up.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageBudget {
    limiter: RateLimiter,
    /// Waiting status calls, oldest job first: (ticket, when the job began).
    statuses: VecDeque<(u64, u64)>,
    /// Waiting creates, oldest first: (ticket, when it joined).
    creates: VecDeque<(u64, u64)>,
    next_ticket: u64,
    /// When the last create went.
    last_create_ms: u64,
}

/// The two kinds of image request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageCall {
    /// A status call for a job that began at this clock time (ms), as far as the client
    /// knows (else: now).
    Status {
        /// When the job began.
        job_began_ms: u64,
    },
    /// A job creation.
    Create,
}

/// What a waiting request should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Send now; the ticket is used up.
    Go,
    /// Ask again after this wait.
    AskAgainIn(Duration),
}

impl ImageBudget {
    /// Under a steady load of status calls, creates still get one slot this often.
    pub const CREATE_AT_LEAST_EVERY: Duration = Duration::from_secs(1);

    /// A budget of `per_second` requests, evenly spaced.
    pub fn new(per_second: f64) -> Self {
        Self {
            limiter: RateLimiter::new(1, per_second),
            statuses: VecDeque::new(),
            creates: VecDeque::new(),
            next_ticket: 0,
            last_create_ms: 0,
        }
    }

    /// Joins the line at `now_ms`; ask [`ImageBudget::turn`] with the ticket.
    pub fn enqueue(&mut self, call: ImageCall, now_ms: u64) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        match call {
            ImageCall::Status { job_began_ms } => {
                // After every call for an older job (or one as old): ties keep their order.
                let at = self.statuses.partition_point(|&(_, began)| began <= job_began_ms);
                self.statuses.insert(at, (ticket, job_began_ms));
            }
            ImageCall::Create => self.creates.push_back((ticket, now_ms)),
        }
        ticket
    }

    /// Leaves the line (a request given up).
    pub fn cancel(&mut self, ticket: u64) {
        self.statuses.retain(|(t, _)| *t != ticket);
        self.creates.retain(|(t, _)| *t != ticket);
    }

    /// How long the oldest waiting create has gone without any create going (zero: none waits).
    fn create_starving_for(&self, now_ms: u64) -> Duration {
        self.creates.front().map_or(Duration::ZERO, |&(_, since)| {
            Duration::from_millis(now_ms.saturating_sub(since.max(self.last_create_ms)))
        })
    }

    /// Whether the request holding `ticket` may go now.
    pub fn turn(&mut self, ticket: u64, now_ms: u64) -> Turn {
        let spacing = Duration::from_secs_f64(1.0 / self.limiter.per_second);
        let starving = self.create_starving_for(now_ms);
        // Who owns the next slot.
        let create_first = self.statuses.is_empty() || starving >= Self::CREATE_AT_LEAST_EVERY;
        let owner = if create_first { self.creates.front() } else { self.statuses.front() }.map(|&(t, _)| t);
        if owner != Some(ticket) {
            let ahead = |line: &VecDeque<(u64, u64)>| line.iter().position(|(t, _)| *t == ticket);
            let Some(position) = ahead(&self.statuses).or_else(|| ahead(&self.creates)) else {
                return Turn::Go; // not in line (cancelled): nothing to hold it back
            };
            // Not before the ones ahead have gone, one slot each; a create at the head of its
            // line also asks when it will have waited long enough to take a slot anyway.
            let mut wait = spacing * (position as u32).max(1);
            if position == 0 && self.creates.front().is_some_and(|&(t, _)| t == ticket) {
                wait = wait.min(Self::CREATE_AT_LEAST_EVERY.saturating_sub(starving));
            }
            return Turn::AskAgainIn(wait.max(Duration::from_millis(1)));
        }
        if let Err(wait) = self.limiter.try_acquire(now_ms) {
            return Turn::AskAgainIn(wait);
        }
        if create_first {
            self.creates.pop_front();
            self.last_create_ms = now_ms;
        } else {
            self.statuses.pop_front();
        }
        Turn::Go
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_serves_status_calls_first_and_creates_in_order() {
        let mut budget = ImageBudget::new(4.0);
        let a = budget.enqueue(ImageCall::Create, 0);
        let b = budget.enqueue(ImageCall::Create, 0);
        let c = budget.enqueue(ImageCall::Create, 0);
        assert_eq!(budget.turn(c, 0), Turn::AskAgainIn(Duration::from_millis(500)), "two ahead of it");
        budget.cancel(b);
        assert_eq!(budget.turn(a, 0), Turn::Go);
        assert_eq!(budget.turn(c, 0), Turn::AskAgainIn(Duration::from_millis(250)), "the next slot");
        // A status call that joins meanwhile takes that slot; the create waits.
        let s = budget.enqueue(ImageCall::Status { job_began_ms: 100 }, 100);
        assert_eq!(budget.turn(c, 250), Turn::AskAgainIn(Duration::from_millis(250)));
        assert_eq!(budget.turn(s, 250), Turn::Go);
        assert_eq!(budget.turn(c, 500), Turn::Go);
        // Once no create went for a second, the waiting create goes before status calls.
        let d = budget.enqueue(ImageCall::Create, 500);
        let statuses: Vec<u64> = (0..8).map(|_| budget.enqueue(ImageCall::Status { job_began_ms: 500 }, 500)).collect();
        for (k, &t) in statuses[..3].iter().enumerate() {
            assert_eq!(budget.turn(t, 750 + 250 * k as u64), Turn::Go);
        }
        assert!(matches!(budget.turn(statuses[3], 1500), Turn::AskAgainIn(_)), "its turn was taken");
        assert_eq!(budget.turn(d, 1500), Turn::Go);
        assert_eq!(budget.turn(statuses[3], 1750), Turn::Go);
        // Among status calls, the one for the older job goes first, whoever joined first.
        let young = budget.enqueue(ImageCall::Status { job_began_ms: 1_700 }, 1_800);
        let old = budget.enqueue(ImageCall::Status { job_began_ms: 100 }, 1_900);
        for t in &statuses[4..] {
            budget.cancel(*t);
        }
        assert!(matches!(budget.turn(young, 2_000), Turn::AskAgainIn(_)));
        assert_eq!(budget.turn(old, 2_000), Turn::Go);
        assert_eq!(budget.turn(young, 2_250), Turn::Go);
        // A ticket no longer in line is not held back.
        assert_eq!(budget.turn(statuses[4], 2_250), Turn::Go);
    }

    #[test]
    fn rate_limiter_bounds_the_rate() {
        let mut rl = RateLimiter::new(4, 4.0);
        // A burst of 4, then one every 250 ms.
        for _ in 0..4 {
            assert_eq!(rl.try_acquire(0), Ok(()));
        }
        assert_eq!(rl.try_acquire(0), Err(Duration::from_millis(250)));
        assert_eq!(rl.try_acquire(100), Err(Duration::from_millis(150)));
        assert_eq!(rl.try_acquire(250), Ok(()));
        // Over 10 s of constant demand, at most 4 + 40 requests pass.
        let mut rl = RateLimiter::new(4, 4.0);
        let granted = (0..10_000u64).filter(|ms| rl.try_acquire(*ms).is_ok()).count();
        assert!(granted <= 44, "{granted}");
        assert!(granted >= 43, "{granted}");
        // A clock that goes backwards does not mint tokens.
        let mut rl = RateLimiter::new(1, 1.0);
        assert_eq!(rl.try_acquire(5_000), Ok(()));
        assert!(rl.try_acquire(1_000).is_err());
    }
}
