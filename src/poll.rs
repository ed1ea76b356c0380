//! Polling image jobs: the backoff schedule, a shared rate limit, and the poll loop.
//!
//! Sans-IO: the loop is handed the status call, a `sleep` and a clock, so it runs the same
//! on a browser timer, in a native test with a fake clock, or anywhere else.

use std::collections::VecDeque;
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

/// Learns how long image jobs take, so that a new job's first status call goes out about
/// when the job should be done, instead of right away and then on a blind backoff.
///
/// It keeps the times from creation to "seen done" of the latest jobs and aims the first
/// call a little before the fastest of them ([`JobTimer::PROBE`]). A job seen done at that
/// first call lowers the aim; one still running is polled on the backoff schedule from
/// there, which raises it again. So the aim settles just under the jobs' real duration:
/// most jobs take one or two status calls and are seen soon after they finish.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobTimer {
    recent: VecDeque<Duration>,
}

impl JobTimer {
    /// How many recent jobs are remembered (older ones are forgotten, so the aim follows
    /// a service that slows down).
    pub const KEEP: usize = 16;
    /// The first status call goes at this fraction of the fastest recent job's time (a
    /// simulation of 200 jobs, in the tests, chose it: 0.9 left more jobs waiting in line).
    pub const PROBE: f64 = 0.95;

    /// A timer that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that a job was seen done `took` after it was created.
    pub fn record(&mut self, took: Duration) {
        if self.recent.len() == Self::KEEP {
            self.recent.pop_front();
        }
        self.recent.push_back(took);
    }

    /// How long after its creation a new job should first be asked about; `None` until
    /// some job was seen done (then: ask right away).
    pub fn first_poll_after(&self) -> Option<Duration> {
        self.recent.iter().min().map(|fastest| fastest.mul_f64(Self::PROBE))
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
    /// When the job is expected to be done, as far as its client knows (see [`JobTimer`]).
    /// The default knows nothing and never will.
    fn aim(&self) -> Aim {
        Aim::Never
    }
}

/// What a client knows about when a job should be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aim {
    /// Nothing, and nothing will be learnt (a job created elsewhere): plain backoff.
    Never,
    /// Nothing yet, but a job of the same client may finish and teach it: the loop checks
    /// again at least every [`AIM_CHECK_EVERY`] while it waits. `scout` marks the oldest of
    /// those jobs, polled at least every [`SCOUT_EVERY`] so the first lesson comes early.
    Unknown {
        /// Whether this job is the scout.
        scout: bool,
    },
    /// About this clock time (ms): one status call goes then, even if the backoff would wait
    /// longer.
    At(u64),
}

/// While the [`Aim`] is unknown, the loop looks again this often.
pub const AIM_CHECK_EVERY: Duration = Duration::from_millis(500);
/// While nothing is known about job times, the scout job is asked about at least this often.
pub const SCOUT_EVERY: Duration = Duration::from_secs(1);

/// Polls a job until it is done, failed, or past the policy's deadline.
///
/// The first status call goes right away; [`poll_job_after`] waits first.
pub async fn poll_job<E, G, F>(
    policy: &PollPolicy,
    env: &mut E,
    get_status: G,
    on_status: impl FnMut(&JobStatusResponse),
) -> Result<String, Error>
where
    E: PollEnv,
    G: FnMut() -> F,
    F: Future<Output = Result<JobStatusResponse, Error>>,
{
    poll_job_after(policy, env, Duration::ZERO, get_status, on_status).await
}

/// Polls a job until it is done, failed, or past the policy's deadline, sending the first
/// status call after `first_wait` (see [`JobTimer::first_poll_after`]); the deadline counts
/// from the call, that wait included.
///
/// `get_status` performs one status call. Network, server and rate-limit errors of a status
/// call do not end the job: it is polled again after the backoff delay (or the server's
/// `Retry-After`), until the deadline. Authentication, credit and request errors end it.
/// `on_status` sees every answer, for progress display.
pub async fn poll_job_after<E, G, F>(
    policy: &PollPolicy,
    env: &mut E,
    first_wait: Duration,
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
    let first_wait = first_wait.min(policy.deadline);
    if !first_wait.is_zero() {
        env.sleep(first_wait).await;
    }
    let mut attempt = 0u32;
    // The first call at or past the aim that finds the job still running starts the backoff
    // over from its shortest delay: the job is about to end.
    let mut restarted = false;
    loop {
        let asked_at = env.now_ms();
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
        if let Aim::At(at) = env.aim() {
            if asked_at >= at && !restarted {
                restarted = true;
                attempt = 0;
            }
        }
        let delay = wait.unwrap_or_else(|| {
            let backoff = policy.backoff.delay(attempt, env.random());
            if env.aim() == (Aim::Unknown { scout: true }) {
                backoff.min(SCOUT_EVERY)
            } else {
                backoff
            }
        });
        attempt = attempt.saturating_add(1);
        let now = env.now_ms();
        if now >= deadline_ms || now.saturating_add(delay.as_millis() as u64) > deadline_ms {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("the image job did not finish within {} s", policy.deadline.as_secs()),
            ));
        }
        // Sleep until the next call, or until the aim if that comes first (an aim only once:
        // one after the last call).
        let mut due = now.saturating_add(delay.as_millis() as u64);
        loop {
            let now = env.now_ms();
            let aim = env.aim();
            if let Aim::At(at) = aim {
                if at > asked_at && wait.is_none() {
                    due = due.min(at.max(now));
                }
            }
            if now >= due {
                break;
            }
            let mut nap = Duration::from_millis(due - now);
            if let Aim::Unknown { .. } = aim {
                nap = nap.min(AIM_CHECK_EVERY);
            }
            env.sleep(nap).await;
        }
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
            Err(Error::from_status(429).with_retry_after(Some(Duration::from_secs(7)))),
            Err(Error::from_status(503)),
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
        let err = block_on(poll_job(&policy(), &mut env, || std::future::ready(Err(Error::from_status(401))), |_| {}))
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
        // At most 4 in any one-second window (no burst)…
        assert_eq!(busiest_second(&mut sent), 4);
        // …and 4 per second over a minute: the limit, not a flood of 50 jobs × 1 per second.
        // (Slots booked past the minute are not counted.)
        let in_minute = sent.iter().filter(|&&t| t < end).count();
        assert!(in_minute <= 4 * 60, "{in_minute}");
        assert!(in_minute >= 4 * 60 - 4, "the budget is used, not wasted: {in_minute}");
        // Every job got asked about, more than once.
        let per_job_min = jobs.iter().map(|j| j.1).min().unwrap_or(0);
        assert!(per_job_min >= 3, "no job starves: {per_job_min}");
    }

    /// The most requests in any one-second window.
    fn busiest_second(sent: &mut [u64]) -> usize {
        sent.sort_unstable();
        let mut j = 0;
        let mut most = 0;
        for i in 0..sent.len() {
            while sent[i] - sent[j] >= 1000 {
                j += 1;
            }
            most = most.max(i - j + 1);
        }
        most
    }

    #[test]
    fn job_timer_aims_just_under_the_fastest_recent_job() {
        let mut timer = JobTimer::new();
        assert_eq!(timer.first_poll_after(), None, "nothing known: ask right away");
        timer.record(Duration::from_millis(13_000));
        timer.record(Duration::from_millis(10_000));
        timer.record(Duration::from_millis(12_000));
        assert_eq!(timer.first_poll_after(), Some(Duration::from_millis(9_500)));
        // Only the latest KEEP jobs count: a slower service raises the aim again.
        for _ in 0..JobTimer::KEEP {
            timer.record(Duration::from_millis(20_000));
        }
        assert_eq!(timer.first_poll_after(), Some(Duration::from_millis(19_000)));
    }

    #[test]
    fn the_first_status_call_waits_when_told() {
        let now = Cell::new(0);
        let mut env = FakeEnv { now: &now, sleeps: vec![] };
        let asked_at = RefCell::new(vec![]);
        let url = block_on(poll_job_after(
            &policy(),
            &mut env,
            Duration::from_secs(9),
            || {
                asked_at.borrow_mut().push(now.get());
                let done = now.get() >= 10_000;
                std::future::ready(answer(if done {
                    r#"{"status":"success","image_url":"https://x.test/i.png"}"#
                } else {
                    r#"{"status":"processing"}"#
                }))
            },
            |_| {},
        ));
        assert!(url.is_ok());
        assert_eq!(*asked_at.borrow(), [9_000, 10_000], "first at the aim, then on the backoff from its start");
        // A wait longer than the deadline is cut to it, and then the job times out.
        let mut env = FakeEnv { now: &now, sleeps: vec![] };
        now.set(0);
        let err = block_on(poll_job_after(
            &policy(),
            &mut env,
            Duration::from_secs(600),
            || std::future::ready(answer(r#"{"status":"processing"}"#)),
            |_| {},
        ))
        .expect_err("times out");
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(now.get(), 60_000);
    }

    /// A fake clock whose client learns job times: the aim can change while the loop sleeps.
    struct AimEnv<'a> {
        now: &'a Cell<u64>,
        sleeps: Vec<u64>,
        /// (from this time on, the aim)
        aims: Vec<(u64, Aim)>,
    }

    impl PollEnv for AimEnv<'_> {
        fn now_ms(&self) -> u64 {
            self.now.get()
        }
        fn random(&mut self) -> f64 {
            0.0
        }
        fn sleep(&mut self, delay: Duration) -> impl Future<Output = ()> {
            self.sleeps.push(delay.as_millis() as u64);
            self.now.set(self.now.get() + delay.as_millis() as u64);
            std::future::ready(())
        }
        fn aim(&self) -> Aim {
            self.aims.iter().rev().find(|(from, _)| *from <= self.now.get()).map_or(Aim::Never, |a| a.1)
        }
    }

    #[test]
    fn the_loop_follows_the_scout_rule_and_an_aim_learnt_while_it_waits() {
        // The job ends at 10.5 s. Nothing is known at first and this job is the scout: calls
        // at least every second, naps of at most 500 ms. At 3.2 s another job teaches the
        // client that jobs take about 9 s from this one's start: the call goes at 9 s, finds it
        // running, and the backoff starts over (1 s, then 1.5 s), where it would have waited 5 s.
        let (asked, sleeps) = poll_until(10_500, vec![(0, Aim::Unknown { scout: true }), (3_200, Aim::At(9_000))]);
        // (4 s: the call booked at 3 s, a second after, while the scout rule still held.)
        assert_eq!(asked, [0, 1_000, 2_000, 3_000, 4_000, 9_000, 10_000, 11_500]);
        assert!(sleeps.iter().take(3).all(|&ms| ms <= 500), "naps while the aim is unknown: {sleeps:?}");
        // A job created elsewhere (nothing to learn): plain backoff, one sleep per call.
        let (asked, sleeps) = poll_until(10_500, vec![]);
        assert_eq!(asked, [0, 1_000, 2_500, 4_750, 8_125, 13_125]);
        assert_eq!(sleeps, [1_000, 1_500, 2_250, 3_375, 5_000]);
    }

    /// Polls a job that ends at `ends_at` ms with the given aims; the call times and sleeps.
    fn poll_until(ends_at: u64, aims: Vec<(u64, Aim)>) -> (Vec<u64>, Vec<u64>) {
        let now = Cell::new(0);
        let mut env = AimEnv { now: &now, sleeps: vec![], aims };
        let mut asked = vec![];
        let url = block_on(poll_job_after(
            &PollPolicy::default(),
            &mut env,
            Duration::ZERO,
            || {
                asked.push(now.get());
                std::future::ready(answer(if now.get() >= ends_at {
                    r#"{"status":"success","image_url":"https://x.test/i.png"}"#
                } else {
                    r#"{"status":"processing"}"#
                }))
            },
            |_| {},
        ));
        assert!(url.is_ok());
        (asked, env.sleeps)
    }

    /// How the client runs many jobs, simulated event by event on a fake clock: `count` jobs
    /// of `latency` ms (`None`: never ending) asked for at once; creates and status calls
    /// wait their turn in the [`ImageBudget`]; each job's loop follows [`poll_job_after`]
    /// (the backoff, the [`Aim`] from the [`JobTimer`], which learns from each job seen done,
    /// and the scout). Returns the request times, and (created, seen done) per job.
    fn simulate(count: usize, latency: Option<u64>, until: u64) -> (Vec<u64>, Vec<(u64, Option<u64>)>) {
        let policy = PollPolicy::default();
        let mut budget = ImageBudget::new(RateLimiter::DEFAULT_PER_SECOND);
        let mut timer = JobTimer::new();
        #[derive(Clone, Copy)]
        enum Next {
            Create(u64),
            /// Waiting for the next call, due at `due` (unless the aim comes first).
            Sleep {
                created: u64,
                attempt: u32,
                asked_at: u64,
                due: u64,
                restarted: bool,
            },
            InLine {
                ticket: u64,
                created: u64,
                attempt: u32,
                restarted: bool,
            },
            Seen {
                created: u64,
                at: u64,
            },
        }
        // (when the job acts next, what it does)
        let mut jobs: Vec<(u64, Next)> =
            (0..count).map(|_| (0, Next::Create(budget.enqueue(ImageCall::Create, 0)))).collect();
        let mut sent = Vec::new();
        while let Some((i, &(now, next))) = jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| !matches!(j.1, Next::Seen { .. }) && j.0 <= until)
            .min_by_key(|(_, j)| j.0)
        {
            let later = |wait: Duration| now + (wait.as_millis() as u64).max(1);
            // What the client's env would say for a job created at `created`.
            let aim = |jobs: &[(u64, Next)], timer: &JobTimer, created: u64| match timer.first_poll_after() {
                Some(d) => Aim::At(created + d.as_millis() as u64),
                None => {
                    let oldest = jobs
                        .iter()
                        .filter_map(|j| match j.1 {
                            Next::Sleep { created, .. } | Next::InLine { created, .. } => Some(created),
                            _ => None,
                        })
                        .min();
                    Aim::Unknown { scout: oldest == Some(created) }
                }
            };
            jobs[i] = match next {
                Next::Create(ticket) => match budget.turn(ticket, now) {
                    Turn::Go => {
                        sent.push(now);
                        let first = timer.first_poll_after().unwrap_or_default().as_millis() as u64;
                        let due = now + first;
                        (due, Next::Sleep { created: now, attempt: 0, asked_at: 0, due, restarted: false })
                    }
                    Turn::AskAgainIn(wait) => (later(wait), Next::Create(ticket)),
                },
                Next::Sleep { created, attempt, asked_at, mut due, restarted } => {
                    let aim = aim(&jobs, &timer, created);
                    if let Aim::At(at) = aim {
                        if at > asked_at {
                            due = due.min(at.max(now));
                        }
                    }
                    if now >= due {
                        let call = ImageCall::Status { job_began_ms: created };
                        (now, Next::InLine { ticket: budget.enqueue(call, now), created, attempt, restarted })
                    } else {
                        let nap = if matches!(aim, Aim::Unknown { .. }) { (due - now).min(500) } else { due - now };
                        (now + nap, Next::Sleep { created, attempt, asked_at, due, restarted })
                    }
                }
                Next::InLine { ticket, created, mut attempt, mut restarted } => match budget.turn(ticket, now) {
                    Turn::Go => {
                        sent.push(now);
                        if latency.is_some_and(|l| now >= created + l) {
                            timer.record(Duration::from_millis(now - created));
                            (now, Next::Seen { created, at: now })
                        } else {
                            if let Aim::At(at) = aim(&jobs, &timer, created) {
                                if now >= at && !restarted {
                                    restarted = true;
                                    attempt = 0;
                                }
                            }
                            let mut wait = policy.backoff.delay(attempt, 0.5);
                            if aim(&jobs, &timer, created) == (Aim::Unknown { scout: true }) {
                                wait = wait.min(SCOUT_EVERY);
                            }
                            let due = now + wait.as_millis() as u64;
                            (now, Next::Sleep { created, attempt: attempt + 1, asked_at: now, due, restarted })
                        }
                    }
                    Turn::AskAgainIn(wait) => (later(wait), Next::InLine { ticket, created, attempt, restarted }),
                },
                Next::Seen { .. } => unreachable!("filtered out"),
            };
        }
        let jobs = jobs
            .iter()
            .map(|j| match j.1 {
                Next::Create(_) => (u64::MAX, None),
                Next::Sleep { created, .. } | Next::InLine { created, .. } => (created, None),
                Next::Seen { created, at } => (created, Some(at)),
            })
            .collect();
        (sent, jobs)
    }

    /// The benchmark's case: 200 jobs of 10 s asked for at once.
    #[test]
    fn two_hundred_jobs_stay_under_the_limit_and_are_seen_soon_after_they_finish() {
        const LATENCY: u64 = 10_000;
        let (mut sent, jobs) = simulate(200, Some(LATENCY), u64::MAX);
        assert_eq!(busiest_second(&mut sent), 4, "never more than 4 requests in a second");
        let seen: Vec<(u64, u64)> = jobs.iter().filter_map(|&(created, at)| Some((created, at?))).collect();
        assert_eq!(seen.len(), 200);
        // Each job costs its create and one or two status calls on average, not a blind backoff.
        assert!(sent.len() <= 200 + 2 * 200, "{} requests", sent.len());
        // Every job is seen within 2 s of its end: the first by the scout's close polling,
        // the others by the aim learnt from it (and the backoff starting over at the aim).
        for &(created, at) in &seen {
            let late = at - (created + LATENCY);
            assert!(late <= 2_000, "created at {created} ms, seen {late} ms late");
        }
    }

    /// Jobs that never end keep status calls coming, more than the budget holds; creates
    /// still go, one at least every second (and a slot), in the order they were asked for.
    #[test]
    fn creates_are_not_starved_by_status_calls() {
        let (mut sent, jobs) = simulate(50, None, 120_000);
        let created: Vec<u64> = jobs.iter().map(|j| j.0).collect();
        assert!(created.windows(2).all(|w| w[0] < w[1]), "all created, first come, first served: {created:?}");
        let longest = created.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        assert!(longest <= 1_000 + 250, "longest wait between creates {longest} ms: {created:?}");
        assert_eq!(busiest_second(&mut sent), 4);
    }

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
