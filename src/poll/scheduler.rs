//! [`Scheduler`]: the bookkeeping of every image job of one client, sans-IO.

use std::collections::HashMap;
use std::time::Duration;

use super::job::{millis, Aim, JobLoop};
use super::{ImageBudget, ImageCall, JobTimer, PollPolicy, Turn};
use crate::types::image::JobStatusResponse;
use crate::{Error, Redactor};

/// One client's image jobs: its creates and its polls share one [`ImageBudget`], and what
/// is learnt from each job seen done ([`JobTimer`]) times the first status call of the next.
///
/// The client drives it and does the I/O:
/// - a create joins the line with [`Scheduler::enqueue_create`], asks [`Scheduler::turn`]
///   until told to go (sleeping for the waits it is given), sends, and reports the new job
///   with [`Scheduler::created`];
/// - a poll starts with [`Scheduler::start_poll`], then asks [`Scheduler::next`] and sleeps
///   or sends a status call as told, reporting each answer with [`Scheduler::answer`] until
///   that says the job ended. [`Scheduler::stop`] forgets a poll given up.
///
/// Each new job of this client is first asked about when jobs have been finishing; while
/// nothing is known about job times, its oldest polled job (the scout) is asked about at
/// least every [`SCOUT_EVERY`](super::SCOUT_EVERY), so the first lesson comes early.
#[derive(Debug, Clone)]
pub struct Scheduler {
    budget: ImageBudget,
    timer: JobTimer,
    redactor: Redactor,
    /// When this client created the jobs it has not finished polling (by job id), so their
    /// time to finish can be learnt. Jobs created elsewhere (or before a reload) are polled
    /// without a first wait and teach nothing.
    created_at: HashMap<String, u64>,
    polls: HashMap<u64, Poll>,
    next_poll: u64,
}

/// One poll in progress.
#[derive(Debug, Clone)]
struct Poll {
    jobid: String,
    /// When this client created the job, if it did.
    created: Option<u64>,
    /// When polling began.
    began: u64,
    job: JobLoop,
    /// The status call's place in the budget's line, while it waits its turn.
    ticket: Option<u64>,
    /// When the status call being answered went.
    asked_at: Option<u64>,
}

/// A poll in a [`Scheduler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PollId(u64);

/// What a poll should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Send the status call now, then report its answer.
    Send,
    /// Ask again after this wait.
    Wait(Duration),
}

/// More remembered creation times than this and they are all forgotten (jobs created and
/// never polled must not grow the map forever).
const MAX_REMEMBERED_JOBS: usize = 4096;

impl Scheduler {
    /// A scheduler for at most `per_second` image requests, evenly spaced; `redactor` scrubs
    /// the API key from the failure messages of jobs.
    pub fn new(per_second: f64, redactor: Redactor) -> Self {
        Self {
            budget: ImageBudget::new(per_second),
            timer: JobTimer::new(),
            redactor,
            created_at: HashMap::new(),
            polls: HashMap::new(),
            next_poll: 0,
        }
    }

    /// A create joins the line at `now_ms`; ask [`Scheduler::turn`] with the ticket.
    pub fn enqueue_create(&mut self, now_ms: u64) -> u64 {
        self.budget.enqueue(ImageCall::Create, now_ms)
    }

    /// Whether the create holding `ticket` may go now.
    pub fn turn(&mut self, ticket: u64, now_ms: u64) -> Turn {
        self.budget.turn(ticket, now_ms)
    }

    /// A create leaves the line (given up).
    pub fn cancel(&mut self, ticket: u64) {
        self.budget.cancel(ticket);
    }

    /// This client created job `jobid` at `now_ms` (its poll will learn from it).
    pub fn created(&mut self, jobid: &str, now_ms: u64) {
        if self.created_at.len() >= MAX_REMEMBERED_JOBS {
            self.created_at.clear();
        }
        self.created_at.insert(jobid.to_owned(), now_ms);
    }

    /// Starts polling job `jobid` at `now_ms`. A job this client created is first asked about
    /// when jobs have been finishing; any other job right away.
    pub fn start_poll(&mut self, jobid: &str, policy: &PollPolicy, now_ms: u64) -> PollId {
        let created = self.created_at.get(jobid).copied();
        let first_wait = match (created, self.timer.first_poll_after()) {
            (Some(created), Some(after)) => {
                Duration::from_millis(created.saturating_add(millis(after)).saturating_sub(now_ms))
            }
            _ => Duration::ZERO,
        };
        let id = self.next_poll;
        self.next_poll += 1;
        let poll = Poll {
            jobid: jobid.to_owned(),
            created,
            began: now_ms,
            job: JobLoop::new(policy, now_ms, first_wait),
            ticket: None,
            asked_at: None,
        };
        self.polls.insert(id, poll);
        PollId(id)
    }

    /// What the poll should do at `now_ms`: wait (then ask again), or send its status call.
    /// A poll that is not (or no longer) running is not held back.
    pub fn next(&mut self, id: PollId, now_ms: u64) -> Next {
        let aim = self.aim(id);
        let Some(poll) = self.polls.get_mut(&id.0) else { return Next::Send };
        if poll.ticket.is_none() {
            if let Some(wait) = poll.job.wait(now_ms, aim) {
                return Next::Wait(wait);
            }
            // Due: join the line. Status calls for older jobs go first; a job not created
            // here counts from when its polling began.
            let call = ImageCall::Status { job_began_ms: poll.created.unwrap_or(poll.began) };
            poll.ticket = Some(self.budget.enqueue(call, now_ms));
        }
        let ticket = poll.ticket.unwrap_or_default();
        match self.budget.turn(ticket, now_ms) {
            Turn::Go => {
                poll.ticket = None;
                poll.asked_at = Some(now_ms);
                Next::Send
            }
            Turn::AskAgainIn(wait) => Next::Wait(wait),
        }
    }

    /// Reports the answer to the poll's status call, received at `now_ms` (`rand01`, uniform
    /// in [0, 1), jitters the backoff). `Some` when the job ended: its image URL, or why it
    /// failed or timed out; the poll is then forgotten, and a job of this client seen done
    /// teaches when the next ones should be.
    pub fn answer(
        &mut self,
        id: PollId,
        now_ms: u64,
        rand01: f64,
        answer: Result<JobStatusResponse, Error>,
    ) -> Option<Result<String, Error>> {
        let aim = self.aim(id);
        let poll = self.polls.get_mut(&id.0)?;
        let asked_at = poll.asked_at.take().unwrap_or(now_ms);
        let end = poll.job.answer(asked_at, now_ms, aim, rand01, answer, &self.redactor)?;
        if let (Ok(_), Some(created)) = (&end, poll.created) {
            self.timer.record(Duration::from_millis(now_ms.saturating_sub(created)));
        }
        self.stop(id);
        Some(end)
    }

    /// Forgets a poll, however it ended (done, failed, aborted, dropped); idempotent.
    pub fn stop(&mut self, id: PollId) {
        if let Some(poll) = self.polls.remove(&id.0) {
            if let Some(ticket) = poll.ticket {
                self.budget.cancel(ticket);
            }
            self.created_at.remove(&poll.jobid);
        }
    }

    /// What is known about when the poll's job should be done.
    fn aim(&self, id: PollId) -> Aim {
        let Some(created) = self.polls.get(&id.0).and_then(|p| p.created) else { return Aim::Never };
        match self.timer.first_poll_after() {
            Some(after) => Aim::At(created.saturating_add(millis(after))),
            None => {
                // The scout: the oldest job this client created and is polling.
                let oldest = self.polls.values().filter_map(|p| p.created).min();
                Aim::Unknown { scout: oldest == Some(created) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running() -> Result<JobStatusResponse, Error> {
        Ok(serde_json::from_str(r#"{"status":"processing"}"#).expect("test json"))
    }

    fn done() -> Result<JobStatusResponse, Error> {
        Ok(serde_json::from_str(r#"{"status":"success","image_url":"https://x.test/i.png"}"#).expect("test json"))
    }

    #[test]
    fn a_job_created_elsewhere_is_polled_at_once_and_teaches_nothing() {
        let mut s = Scheduler::new(4.0, Redactor::none());
        let id = s.start_poll("elsewhere", &PollPolicy::default(), 1_000);
        assert_eq!(s.next(id, 1_000), Next::Send);
        assert_eq!(s.answer(id, 1_200, 0.0, done()).map(|e| e.is_ok()), Some(true));
        assert_eq!(s.timer.first_poll_after(), None);
        // A job of this client seen done after 10 s teaches it; the next one waits 9.5 s.
        s.created("mine", 2_000);
        let id = s.start_poll("mine", &PollPolicy::default(), 2_000);
        assert_eq!(s.next(id, 2_000), Next::Send);
        assert_eq!(s.answer(id, 2_000, 0.0, running()), None);
        assert!(matches!(s.next(id, 2_000), Next::Wait(_)));
        assert_eq!(s.next(id, 12_000), Next::Send);
        assert!(s.answer(id, 12_000, 0.0, done()).is_some());
        s.created("next", 20_000);
        let id = s.start_poll("next", &PollPolicy::default(), 20_000);
        assert_eq!(s.next(id, 20_000), Next::Wait(Duration::from_millis(9_500)));
        assert_eq!(s.next(id, 29_500), Next::Send);
    }

    #[test]
    fn a_stopped_poll_leaves_the_line() {
        let mut s = Scheduler::new(4.0, Redactor::none());
        let policy = PollPolicy::default();
        let (a, b) = (s.start_poll("a", &policy, 0), s.start_poll("b", &policy, 0));
        assert_eq!(s.next(a, 0), Next::Send);
        assert!(matches!(s.next(b, 0), Next::Wait(_)), "one slot per 250 ms");
        let c = s.start_poll("c", &policy, 0);
        s.stop(b);
        s.stop(b);
        assert_eq!(s.next(c, 250), Next::Send, "b's place went to c");
        assert_eq!(s.next(b, 250), Next::Send, "a stopped poll is not held back");
        assert_eq!(s.answer(b, 250, 0.0, running()), None, "nor remembered");
    }
}
