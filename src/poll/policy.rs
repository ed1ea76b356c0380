//! [`PollPolicy`]: how often one job is asked about, and for how long.

use std::time::Duration;

use crate::retry::Backoff;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
