//! Polling image jobs: the backoff schedule, a shared rate limit, and the poll loop.
//!
//! Sans-IO: the loop is handed the status call, a `sleep` and a clock, so it runs the same
//! on a browser timer, in a native test with a fake clock, or anywhere else.

use std::future::Future;
use std::time::Duration;

use crate::retry::Backoff;
use crate::types::image::{JobState, JobStatusResponse};
use crate::{Error, ErrorKind};

/// How an image job is polled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    /// Delays between status calls: they start short and grow to a cap, never a hot loop.
    pub backoff: Backoff,
    /// The job fails with a timeout error when it has not finished this long after polling began.
    pub deadline: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            backoff: Backoff {
                initial: Duration::from_millis(1000),
                max: Duration::from_secs(5),
                multiplier: 1.5,
                jitter: 0.2,
            },
            deadline: Duration::from_secs(300),
        }
    }
}

/// A token bucket shared by everything that polls, so many pending jobs cannot flood the API.
///
/// `capacity` requests may go at once; after that one more every `1 / per_second` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last_ms: Option<u64>,
}

impl RateLimiter {
    /// The app's default: at most 4 status requests per second, in bursts of at most 4.
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
    /// may keep winning; [`RateLimiter::reserve`] is first come, first served.
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

impl RateLimiter {
    /// Books the next free slot at `now_ms` and returns how long to wait for it (zero: go
    /// now). Slots are handed out in the order callers ask, spaced `1 / per_second` apart
    /// once the burst is spent, so no caller starves however many wait. The caller must
    /// send after the wait without asking again (a booked slot is never given back).
    pub fn reserve(&mut self, now_ms: u64) -> Duration {
        self.refill(now_ms);
        // Tokens may go negative: the debt is the queue of callers already booked.
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_second)
        }
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(4, Self::DEFAULT_PER_SECOND)
    }
}

/// What the poll loop needs from its surroundings.
pub trait PollEnv {
    /// Milliseconds on a monotonic-enough clock.
    fn now_ms(&self) -> u64;
    /// A uniform random number in [0, 1), for jitter.
    fn random(&mut self) -> f64;
    /// Waits.
    fn sleep(&mut self, delay: Duration) -> impl Future<Output = ()>;
}

/// Polls a job until it is done, failed, or past the policy's deadline.
///
/// `get_status` performs one status call. Network, server and rate-limit errors of a status
/// call do not end the job: it is polled again after the backoff delay (or the server's
/// `Retry-After`), until the deadline. Authentication, credit and request errors end it.
/// `on_status` sees every answer, for progress display.
pub async fn poll_job<E, G, F>(
    policy: &PollPolicy,
    env: &mut E,
    mut get_status: G,
    mut on_status: impl FnMut(&JobStatusResponse),
) -> Result<String, Error>
where
    E: PollEnv,
    G: FnMut() -> F,
    F: Future<Output = Result<JobStatusResponse, Error>>,
{
    let started = env.now_ms();
    let deadline_ms = started.saturating_add(policy.deadline.as_millis() as u64);
    let mut attempt = 0u32;
    loop {
        let mut wait = None;
        match get_status().await {
            Ok(answer) => {
                on_status(&answer);
                match answer.state() {
                    JobState::Done { image_url } => return Ok(image_url),
                    JobState::Failed { message } => return Err(Error::new(ErrorKind::JobFailed, message)),
                    JobState::Pending { .. } => {}
                }
            }
            Err(err) if err.is_retryable() => wait = err.retry_after(),
            Err(err) => return Err(err),
        }
        let delay = wait.unwrap_or_else(|| policy.backoff.delay(attempt, env.random()));
        attempt = attempt.saturating_add(1);
        let now = env.now_ms();
        if now >= deadline_ms || now.saturating_add(delay.as_millis() as u64) > deadline_ms {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("the image job did not finish within {} s", policy.deadline.as_secs()),
            ));
        }
        env.sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// A fake clock: sleeping advances it, and records the delay.
    struct FakeEnv<'a> {
        now: &'a Cell<u64>,
        sleeps: Vec<Duration>,
    }

    impl PollEnv for FakeEnv<'_> {
        fn now_ms(&self) -> u64 {
            self.now.get()
        }
        fn random(&mut self) -> f64 {
            0.0
        }
        fn sleep(&mut self, delay: Duration) -> impl Future<Output = ()> {
            self.sleeps.push(delay);
            self.now.set(self.now.get() + delay.as_millis() as u64);
            std::future::ready(())
        }
    }

    /// Drives a future whose every await is ready (the fake env never suspends).
    fn block_on<F: Future>(fut: F) -> F::Output {
        let mut fut = pin!(fut);
        match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the fake environment never suspends"),
        }
    }

    fn answer(json: &str) -> Result<JobStatusResponse, Error> {
        Ok(serde_json::from_str(json).expect("test json"))
    }

    fn policy() -> PollPolicy {
        PollPolicy {
            backoff: Backoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(4),
                multiplier: 2.0,
                jitter: 0.0,
            },
            deadline: Duration::from_secs(60),
        }
    }

    #[test]
    fn polls_with_growing_delays_until_success() {
        let now = Cell::new(0);
        let mut env = FakeEnv { now: &now, sleeps: vec![] };
        let answers = RefCell::new(vec![
            answer(r#"{"status":"success","image_url":"https://x.test/i.png"}"#),
            answer(r#"{"status":"mystery"}"#),
            answer(r#"{"status":"processing"}"#),
            answer(r#"{"status":"processing"}"#),
            answer(r#"{"status":"processing"}"#),
            answer(r#"{"status":"queued"}"#),
        ]);
        let mut seen = vec![];
        let url = block_on(poll_job(
            &policy(),
            &mut env,
            || std::future::ready(answers.borrow_mut().pop().expect("no more answers")),
            |s| seen.push(s.status.clone()),
        ));
        assert_eq!(url.as_deref(), Ok("https://x.test/i.png"));
        assert_eq!(seen, ["queued", "processing", "processing", "processing", "mystery", "success"]);
        let secs: Vec<u64> = env.sleeps.iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 4, 4], "capped exponential backoff, never a hot loop");
    }

    #[test]
    fn failure_carries_the_server_message() {
        let now = Cell::new(0);
        let mut env = FakeEnv { now: &now, sleeps: vec![] };
        let err = block_on(poll_job(
            &policy(),
            &mut env,
            || std::future::ready(answer(r#"{"status":"error","message":"prompt refused"}"#)),
            |_| {},
        ))
        .expect_err("fails");
        assert_eq!(err.kind(), ErrorKind::JobFailed);
        assert_eq!(err.message(), "prompt refused");
    }

    #[test]
    fn a_job_that_never_ends_times_out_at_the_deadline() {
        let now = Cell::new(0);
        let mut env = FakeEnv { now: &now, sleeps: vec![] };
        let calls = Cell::new(0);
        let err = block_on(poll_job(
            &policy(),
            &mut env,
            || {
                calls.set(calls.get() + 1);
                std::future::ready(answer(r#"{"status":"processing"}"#))
            },
            |_| {},
        ))
        .expect_err("times out");
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(now.get() <= 60_000, "never sleeps past the deadline");
        // 1 + 2 + 4×14 = 59 s of sleeping: 17 calls, not thousands.
        assert_eq!(calls.get(), 17);
    }

    #[test]
    fn transient_errors_keep_polling_and_final_ones_stop() {
        let now = Cell::new(0);
        let mut env = FakeEnv { now: &now, sleeps: vec![] };
        let answers = RefCell::new(vec![
            answer(r#"{"status":"success","image_url":"https://x.test/i.png"}"#),
            Err(Error::http(429, None).with_retry_after(Some(Duration::from_secs(7)))),
            Err(Error::http(503, None)),
        ]);
        let url = block_on(poll_job(
            &policy(),
            &mut env,
            || std::future::ready(answers.borrow_mut().pop().expect("answer")),
            |_| {},
        ));
        assert!(url.is_ok());
        assert_eq!(env.sleeps, [Duration::from_secs(1), Duration::from_secs(7)], "Retry-After honoured");

        let mut env = FakeEnv { now: &now, sleeps: vec![] };
        let err = block_on(poll_job(&policy(), &mut env, || std::future::ready(Err(Error::http(401, None))), |_| {}))
            .expect_err("auth is final");
        assert_eq!(err.kind(), ErrorKind::Authentication);
        assert!(env.sleeps.is_empty());
    }

    #[test]
    fn default_backoff_schedule_is_capped_exponential() {
        let policy = PollPolicy::default();
        // Without jitter (rand 0): 1 s, ×1.5 each time, capped at 5 s.
        let ms: Vec<u128> = (0..7).map(|a| policy.backoff.delay(a, 0.0).as_millis()).collect();
        assert_eq!(ms, [1000, 1500, 2250, 3375, 5000, 5000, 5000]);
        // Jitter only ever shortens a delay, by at most 20 %.
        for a in 0..7 {
            let full = policy.backoff.delay(a, 0.0);
            let jittered = policy.backoff.delay(a, 0.999);
            assert!(jittered <= full && jittered.as_secs_f64() >= full.as_secs_f64() * 0.8, "{a}");
        }
        assert_eq!(policy.deadline, Duration::from_secs(300));
    }

    /// The app's case: many pending jobs, each polling on its own backoff schedule, all
    /// waiting their turn at one shared limiter (as `Client::acquire_poll_slot` does).
    /// Simulated on a fake clock, event by event.
    #[test]
    fn fifty_pending_jobs_share_one_limit() {
        let policy = PollPolicy::default();
        let mut limiter = RateLimiter::default();
        // (next time the job wants to ask, backoff attempt)
        let mut jobs: Vec<(u64, u32)> = vec![(0, 0); 50];
        let mut sent: Vec<u64> = Vec::new();
        let end = 60_000;
        loop {
            // The job that wants to ask first (ties: the lowest index, a worst case for fairness).
            let (i, &(due, attempt)) = jobs.iter().enumerate().min_by_key(|(_, j)| j.0).expect("jobs");
            if due > end {
                break;
            }
            // Wait for the booked slot, ask, still pending: sleep the backoff, ask again.
            let at = due + limiter.reserve(due).as_millis() as u64;
            sent.push(at);
            jobs[i] = (at + policy.backoff.delay(attempt, 0.5).as_millis() as u64, attempt + 1);
        }
        // At most the burst of 4 plus 4 per second, in any one-second window…
        sent.sort_unstable();
        let most = sent.iter().map(|&t| sent.iter().filter(|&&u| u >= t && u < t + 1000).count()).max();
        assert!(most.is_some_and(|m| m <= 8), "{most:?}");
        // …and 4 per second over a minute: the limit, not a flood of 50 jobs × 1 per second.
        // (Slots booked past the minute are not counted.)
        let in_minute = sent.iter().filter(|&&t| t < end).count();
        assert!(in_minute <= 4 + 4 * 60, "{in_minute}");
        assert!(in_minute >= 4 * 60 - 4, "the budget is used, not wasted: {in_minute}");
        // Every job got asked about, more than once.
        let per_job_min = jobs.iter().map(|j| j.1).min().unwrap_or(0);
        assert!(per_job_min >= 3, "no job starves: {per_job_min}");
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
        // Reservations: a burst of 4 at once, then one slot every 250 ms, first come first
        // served, each caller told its own wait.
        let mut rl = RateLimiter::new(4, 4.0);
        let waits: Vec<u128> = (0..8).map(|_| rl.reserve(1_000).as_millis()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 250, 500, 750, 1000]);
        // The booked slots are honoured: a newcomer waits behind them.
        assert_eq!(rl.reserve(1_500).as_millis(), 750);
        assert_eq!(rl.try_acquire(1_500), Err(Duration::from_millis(1000)));
        // Idle time pays the debt back, up to a full burst again (never more).
        let mut rl = RateLimiter::new(4, 4.0);
        for _ in 0..6 {
            rl.reserve(0);
        }
        assert_eq!(rl.reserve(10_000), Duration::ZERO);
        let burst = (0..10).take_while(|_| rl.reserve(10_000).is_zero()).count();
        assert_eq!(burst, 3, "4 tokens after the idle time, one of them taken above");
        // A clock that goes backwards does not mint tokens.
        let mut rl = RateLimiter::new(1, 1.0);
        assert_eq!(rl.try_acquire(5_000), Ok(()));
        assert!(rl.try_acquire(1_000).is_err());
    }
}
