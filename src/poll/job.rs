//! [`JobLoop`]: one job's poll loop as a state machine (backoff, aim, deadline).

use std::time::Duration;

use super::PollPolicy;
use crate::retry::Backoff;
use crate::types::image::{JobState, JobStatusResponse};
use crate::{Error, ErrorKind, Redactor};

/// What a client knows about when a job should be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aim {
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

/// While nothing is known about job times, a waiting job looks again this often (another job
/// may finish meanwhile and teach the client when this one should be done).
pub const AIM_CHECK_EVERY: Duration = Duration::from_millis(500);
/// While nothing is known about job times, the scout job is asked about at least this often.
pub const SCOUT_EVERY: Duration = Duration::from_secs(1);

/// One job's poll loop, sans-IO: told the time and the [`Aim`], it says how long to wait
/// before the next status call, and reads each answer.
///
/// Network, server and rate-limit errors of a status call do not end the job: it is polled
/// again after the backoff delay (or the server's `Retry-After`), until the deadline.
/// Authentication, credit and request errors end it.
#[derive(Debug, Clone)]
pub(crate) struct JobLoop {
    backoff: Backoff,
    deadline: Duration,
    deadline_ms: u64,
    attempt: u32,
    /// The first call at or past the aim that finds the job still running starts the backoff
    /// over from its shortest delay: the job is about to end.
    restarted: bool,
    /// When the next status call is due.
    due: u64,
    /// When the last status call went (`None`: none yet).
    asked_at: Option<u64>,
    /// The wait was the server's (`Retry-After`): an aim does not cut it short.
    server_wait: bool,
}

impl JobLoop {
    /// A loop that began at `now_ms`; the first status call is due after `first_wait` (cut to
    /// the deadline, which counts from now, that wait included).
    pub(crate) fn new(policy: &PollPolicy, now_ms: u64, first_wait: Duration) -> Self {
        let first_wait = first_wait.min(policy.deadline);
        Self {
            backoff: policy.backoff,
            deadline: policy.deadline,
            deadline_ms: now_ms.saturating_add(millis(policy.deadline)),
            attempt: 0,
            restarted: false,
            due: now_ms.saturating_add(millis(first_wait)),
            asked_at: None,
            server_wait: false,
        }
    }

    /// How long to wait before asking again; `None` when the status call is due now. The
    /// call goes at the aim if that comes first (one aim per call: only an aim after the last
    /// call); while the aim is unknown, the wait is cut to [`AIM_CHECK_EVERY`] so a lesson
    /// learnt meanwhile is heard.
    pub(crate) fn wait(&mut self, now_ms: u64, aim: Aim) -> Option<Duration> {
        if let Aim::At(at) = aim {
            if self.asked_at.is_none_or(|asked| at > asked) && !self.server_wait {
                self.due = self.due.min(at.max(now_ms));
            }
        }
        if now_ms >= self.due {
            return None;
        }
        let nap = Duration::from_millis(self.due - now_ms);
        Some(if matches!(aim, Aim::Unknown { .. }) { nap.min(AIM_CHECK_EVERY) } else { nap })
    }

    /// Reads the answer to the status call sent at `asked_at`, received at `now_ms`: the
    /// job's end (its image URL, or why it failed or timed out), or `None` to keep polling.
    /// `rand01` jitters the backoff; `redactor` scrubs the key from a failure's words.
    pub(crate) fn answer(
        &mut self,
        asked_at: u64,
        now_ms: u64,
        aim: Aim,
        rand01: f64,
        answer: Result<JobStatusResponse, Error>,
        redactor: &Redactor,
    ) -> Option<Result<String, Error>> {
        let mut server_wait = None;
        match answer {
            Ok(answer) => match answer.state() {
                JobState::Done { image_url } => return Some(Ok(image_url)),
                JobState::Failed { message } => return Some(Err(redactor.server(ErrorKind::JobFailed, &message))),
                JobState::Pending { .. } => {}
            },
            Err(err) if err.is_retryable() => server_wait = err.retry_after(),
            Err(err) => return Some(Err(err)),
        }
        if let Aim::At(at) = aim {
            if asked_at >= at && !self.restarted {
                self.restarted = true;
                self.attempt = 0;
            }
        }
        let delay = server_wait.unwrap_or_else(|| {
            let backoff = self.backoff.delay(self.attempt, rand01);
            if aim == (Aim::Unknown { scout: true }) {
                backoff.min(SCOUT_EVERY)
            } else {
                backoff
            }
        });
        self.attempt = self.attempt.saturating_add(1);
        let mut due = now_ms.saturating_add(millis(delay));
        // A backoff that would go past the deadline asks once more at the deadline itself: a
        // job "did not finish within 10 s" only once it was seen running at 10 s (it timed
        // out at 9.2 s before). A server's Retry-After past the deadline is honoured: no call.
        if due > self.deadline_ms && server_wait.is_none() && now_ms < self.deadline_ms {
            due = self.deadline_ms;
        }
        if now_ms >= self.deadline_ms || due > self.deadline_ms {
            let secs = self.deadline.as_secs();
            return Some(Err(Error::new(ErrorKind::Timeout, format!("the image job did not finish within {secs} s"))));
        }
        self.due = due;
        self.asked_at = Some(asked_at);
        self.server_wait = server_wait.is_some();
        None
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> Result<JobStatusResponse, Error> {
        Ok(serde_json::from_str(json).expect("test json"))
    }

    const DONE: &str = r#"{"status":"success","image_url":"https://x.test/i.png"}"#;
    const RUNNING: &str = r#"{"status":"processing"}"#;

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

    /// Runs one loop on a fake clock, as a client would: wait, ask, report. `answers` gives
    /// the answer at a clock time; `aims` the aim from a clock time on. Returns the end, the
    /// call times and the waits.
    fn drive(
        policy: &PollPolicy,
        first_wait: Duration,
        aims: &[(u64, Aim)],
        mut answers: impl FnMut(u64) -> Result<JobStatusResponse, Error>,
    ) -> (Result<String, Error>, Vec<u64>, Vec<u64>) {
        let aim_at = |now: u64| aims.iter().rev().find(|(from, _)| *from <= now).map_or(Aim::Never, |a| a.1);
        let mut job = JobLoop::new(policy, 0, first_wait);
        let (mut now, mut asked, mut waits) = (0, vec![], vec![]);
        loop {
            if let Some(wait) = job.wait(now, aim_at(now)) {
                waits.push(millis(wait));
                now += millis(wait);
                continue;
            }
            asked.push(now);
            if let Some(end) = job.answer(now, now, aim_at(now), 0.0, answers(now), &Redactor::none()) {
                return (end, asked, waits);
            }
        }
    }

    #[test]
    fn polls_with_growing_delays_until_success() {
        let mut answers = vec![
            answer(DONE),
            answer(r#"{"status":"mystery"}"#),
            answer(RUNNING),
            answer(RUNNING),
            answer(RUNNING),
            answer(r#"{"status":"queued"}"#),
        ];
        let (end, _, waits) = drive(&policy(), Duration::ZERO, &[], |_| answers.pop().expect("an answer"));
        assert_eq!(end.as_deref(), Ok("https://x.test/i.png"));
        assert_eq!(waits, [1_000, 2_000, 4_000, 4_000, 4_000], "capped exponential backoff, never a hot loop");
    }

    #[test]
    fn failure_carries_the_server_message_without_the_key() {
        let mut job = JobLoop::new(&policy(), 0, Duration::ZERO);
        let failed = answer(r#"{"status":"error","message":"prompt refused for sk-secret-key"}"#);
        let end = job.answer(0, 0, Aim::Never, 0.0, failed, &Redactor::new("sk-secret-key"));
        let err = end.expect("ended").expect_err("failed");
        assert_eq!(err.kind(), ErrorKind::JobFailed);
        assert_eq!(err.message(), "prompt refused for [redacted]");
    }

    #[test]
    fn a_job_that_never_ends_times_out_at_the_deadline() {
        let (end, asked, _) = drive(&policy(), Duration::ZERO, &[], |_| answer(RUNNING));
        assert_eq!(end.expect_err("times out").kind(), ErrorKind::Timeout);
        assert!(asked.iter().all(|&t| t <= 60_000), "never asks past the deadline");
        // 1 + 2 + 4×14 = 59 s of waiting, then a last call at the deadline itself: 18 calls,
        // not thousands.
        assert_eq!(asked.len(), 18);
        // Regression (user review): it gave up at 59 s, saying it did not finish within 60 s.
        assert_eq!(asked.last(), Some(&60_000), "seen running at the deadline before it times out");
    }

    #[test]
    fn transient_errors_keep_polling_and_final_ones_stop() {
        let mut answers = vec![
            answer(DONE),
            Err(Error::from_status(429).with_retry_after(Some(Duration::from_secs(7)))),
            Err(Error::from_status(503)),
        ];
        let (end, _, waits) = drive(&policy(), Duration::ZERO, &[], |_| answers.pop().expect("an answer"));
        assert!(end.is_ok());
        assert_eq!(waits, [1_000, 7_000], "Retry-After honoured");
        let (end, asked, _) = drive(&policy(), Duration::ZERO, &[], |_| Err(Error::from_status(401)));
        assert_eq!(end.expect_err("auth is final").kind(), ErrorKind::Authentication);
        assert_eq!(asked, [0]);
    }

    #[test]
    fn the_first_status_call_waits_when_told() {
        let ends_at_10s = |now: u64| answer(if now >= 10_000 { DONE } else { RUNNING });
        let (end, asked, _) = drive(&policy(), Duration::from_secs(9), &[], ends_at_10s);
        assert!(end.is_ok());
        assert_eq!(asked, [9_000, 10_000], "first at the aim, then on the backoff from its start");
        // A wait longer than the deadline is cut to it, and then the job times out.
        let (end, asked, _) = drive(&policy(), Duration::from_secs(600), &[], |_| answer(RUNNING));
        assert_eq!(end.expect_err("times out").kind(), ErrorKind::Timeout);
        assert_eq!(asked, [60_000]);
    }

    #[test]
    fn the_loop_follows_the_scout_rule_and_an_aim_learnt_while_it_waits() {
        // The job ends at 10.5 s. Nothing is known at first and this job is the scout: calls
        // at least every second, naps of at most 500 ms. At 3.2 s another job teaches the
        // client that jobs take about 9 s from this one's start: the call goes at 9 s, finds it
        // running, and the backoff starts over (1 s, then 1.5 s), where it would have waited 5 s.
        let policy = PollPolicy::default();
        let ends = |now: u64| answer(if now >= 10_500 { DONE } else { RUNNING });
        let aims = [(0, Aim::Unknown { scout: true }), (3_200, Aim::At(9_000))];
        let (end, asked, waits) = drive(&policy, Duration::ZERO, &aims, ends);
        assert!(end.is_ok());
        // (4 s: the call booked at 3 s, a second after, while the scout rule still held.)
        assert_eq!(asked, [0, 1_000, 2_000, 3_000, 4_000, 9_000, 10_000, 11_500]);
        assert!(waits.iter().take(3).all(|&ms| ms <= millis(AIM_CHECK_EVERY)), "naps while unknown: {waits:?}");
        // A job created elsewhere (nothing to learn): plain backoff, one wait per call.
        let (_, asked, waits) = drive(&policy, Duration::ZERO, &[], ends);
        assert_eq!(asked, [0, 1_000, 2_500, 4_750, 8_125, 13_125]);
        assert_eq!(waits, [1_000, 1_500, 2_250, 3_375, 5_000]);
        // The server's Retry-After is not cut short by an aim.
        let mut first = true;
        let retry_then_done = |now: u64| {
            if std::mem::take(&mut first) {
                Err(Error::from_status(503).with_retry_after(Some(Duration::from_secs(8))))
            } else {
                answer(if now >= 10_500 { DONE } else { RUNNING })
            }
        };
        let (_, asked, _) = drive(&policy, Duration::ZERO, &[(0, Aim::At(3_000))], retry_then_done);
        assert_eq!(asked[..2], [0, 8_000]);
    }
}
