//! Many jobs at once, on a fake clock, through the real [`Scheduler`]: the client's driving
//! loop (ask, sleep or send, report) replayed event by event, with a server whose jobs take a
//! fixed time. The tests fail when the scheduler's bookkeeping regresses.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use super::job::millis;
use super::{Next, PollId, PollPolicy, RateLimiter, Scheduler, Turn};
use crate::types::image::JobStatusResponse;
use crate::Redactor;

/// What became of one job.
#[derive(Debug, Clone, Default)]
struct JobRecord {
    /// When its create went (the server created it then).
    created: Option<u64>,
    /// Its status calls.
    asked: Vec<u64>,
    /// When a status call saw it done.
    seen: Option<u64>,
}

/// One job's task in the client: first its create, then its poll.
#[derive(Clone, Copy)]
enum Task {
    Create(u64),
    Poll(PollId),
}

/// `count` jobs asked for at once at time 0, each taking `latency` ms on the server (`None`:
/// never ending), driven as the client drives them until `until` ms. Returns every request's
/// time and each job's record.
fn simulate(count: usize, latency: Option<u64>, until: u64) -> (Vec<u64>, Vec<JobRecord>) {
    let policy = PollPolicy::default();
    let mut scheduler = Scheduler::new(RateLimiter::DEFAULT_PER_SECOND, Redactor::none());
    let mut jobs = vec![JobRecord::default(); count];
    let mut tasks: Vec<Task> = (0..count).map(|_| Task::Create(scheduler.enqueue_create(0))).collect();
    // (when, order of scheduling, task): ties run in the order they were scheduled.
    let mut queue: BinaryHeap<Reverse<(u64, u64, usize)>> = (0..count).map(|i| Reverse((0, i as u64, i))).collect();
    let mut order = count as u64;
    let mut sent = vec![];
    while let Some(Reverse((now, _, i))) = queue.pop() {
        if now > until {
            break;
        }
        let wake = |wait: Duration| now + millis(wait).max(1);
        let again = match tasks[i] {
            Task::Create(ticket) => match scheduler.turn(ticket, now) {
                Turn::Go => {
                    sent.push(now);
                    jobs[i].created = Some(now);
                    let jobid = format!("job-{i}");
                    scheduler.created(&jobid, now);
                    tasks[i] = Task::Poll(scheduler.start_poll(&jobid, &policy, now));
                    Some(now)
                }
                Turn::AskAgainIn(wait) => Some(wake(wait)),
            },
            Task::Poll(id) => match scheduler.next(id, now) {
                Next::Wait(wait) => Some(wake(wait)),
                Next::Send => {
                    sent.push(now);
                    jobs[i].asked.push(now);
                    let created = jobs[i].created.unwrap_or_default();
                    let done = latency.is_some_and(|l| now >= created + l);
                    let json = if done {
                        r#"{"status":"success","image_url":"https://x.test/i.png"}"#
                    } else {
                        r#"{"status":"processing"}"#
                    };
                    let answer: JobStatusResponse = serde_json::from_str(json).expect("test json");
                    match scheduler.answer(id, now, 0.5, Ok(answer)) {
                        Some(end) => {
                            assert!(end.is_ok(), "{end:?}");
                            jobs[i].seen = Some(now);
                            None
                        }
                        None => Some(now),
                    }
                }
            },
        };
        if let Some(at) = again {
            queue.push(Reverse((at, order, i)));
            order += 1;
        }
    }
    (sent, jobs)
}

/// The most requests in any one-second window.
fn busiest_second(sent: &[u64]) -> usize {
    let mut sent = sent.to_vec();
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

const LATENCY: u64 = 10_000;

/// The benchmark's case: 200 jobs of 10 s asked for at once.
#[test]
fn two_hundred_jobs_stay_under_the_limit_and_are_seen_soon_after_they_finish() {
    let (sent, jobs) = simulate(200, Some(LATENCY), u64::MAX);
    assert_eq!(busiest_second(&sent), 4, "never more than 4 requests in a second");
    assert!(jobs.iter().all(|j| j.seen.is_some()), "every job seen done");
    // Each job costs its create and one or two status calls on average, not a blind backoff.
    assert!(sent.len() <= 200 + 2 * 200, "{} requests", sent.len());
    // Every job is seen soon after its end: the first by the scout's close polling, the others
    // by the aim learnt from it (and the backoff starting over at the aim).
    let late: Vec<u64> = jobs.iter().map(|j| j.seen.unwrap_or(u64::MAX) - j.created.unwrap_or(0) - LATENCY).collect();
    let worst = late.iter().max().copied().unwrap_or(0);
    assert!(worst <= 900, "a job seen {worst} ms late: {late:?}");
}

/// Jobs that never end keep status calls coming, more than the budget holds; creates
/// still go, one at least every second (and a slot), in the order they were asked for.
#[test]
fn creates_are_not_starved_by_status_calls() {
    let (sent, jobs) = simulate(50, None, 120_000);
    let created: Vec<u64> = jobs.iter().map(|j| j.created.unwrap_or(u64::MAX)).collect();
    assert!(created.windows(2).all(|w| w[0] < w[1]), "all created, first come, first served: {created:?}");
    let longest = created.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    assert!(longest <= 1_000 + 250, "longest wait between creates {longest} ms: {created:?}");
    assert_eq!(busiest_second(&sent), 4);
    // The status calls use the rest of the budget, the oldest job (the scout, while nothing is
    // known) first: it is asked about every second or so.
    let scout = &jobs[0].asked;
    let widest = scout.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(u64::MAX);
    assert!(widest <= 1_000 + 250, "the scout went {widest} ms without a status call");
    assert!(sent.len() >= 4 * 118, "the budget is used, not wasted: {} requests in 120 s", sent.len());
}

/// Once a job was seen done, the next jobs are first asked about just before they should be
/// done (the learnt aim), not right away and then on a blind backoff.
#[test]
fn later_jobs_are_first_asked_about_at_the_learnt_aim() {
    let (_, jobs) = simulate(200, Some(LATENCY), u64::MAX);
    let first_seen = jobs.iter().filter_map(|j| j.seen).min().expect("a job seen");
    let aim = (LATENCY as f64 * super::JobTimer::PROBE) as u64;
    let later: Vec<&JobRecord> = jobs.iter().filter(|j| j.created.is_some_and(|c| c > first_seen)).collect();
    assert!(later.len() > 150, "{}", later.len());
    for job in &later {
        let created = job.created.unwrap_or_default();
        let first = job.asked.first().copied().unwrap_or_default();
        assert!(first >= created + aim, "asked at {} ms after creation, before the aim", first - created);
        assert!(job.asked.len() <= 2, "{} status calls: {:?}", job.asked.len(), job.asked);
    }
    // The jobs created before anything was known heard the lesson while they waited.
    let early: Vec<&JobRecord> = jobs.iter().filter(|j| j.created.is_some_and(|c| c <= first_seen)).collect();
    assert!(early.iter().all(|j| j.asked.len() <= 16), "{:?}", early.iter().map(|j| j.asked.len()).collect::<Vec<_>>());
}
