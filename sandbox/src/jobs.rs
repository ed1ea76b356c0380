//! Image jobs: ids, timing, injected failures, bounded storage.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use minitoolai::types::image::ImageRequest;

use crate::art::Params;
use crate::faults::JobFault;
use crate::sign::Signer;

/// Finished jobs kept at least this many (older ones are forgotten).
const MIN_RETAINED: usize = 4096;
/// How many "seen late" figures are kept for `/sandbox/stats`.
const SEEN_KEPT: usize = 4096;

/// One job.
struct Job {
    image_id: String,
    /// What the picture needs: bounded bytes, never the request (its prompt may be huge).
    params: Params,
    created: Instant,
    fault: Option<JobFault>,
    /// Whether a status call was already told the job ended.
    seen: bool,
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// The first third of its latency.
    Queued,
    /// Running.
    Processing,
    /// Finished: its image has this id.
    Done(String),
    /// Failed with this message.
    Failed(String),
}

/// Every job, bounded.
pub struct JobStore {
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    max_running: usize,
    retained: usize,
    latency: Duration,
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<u64, Job>,
    order: VecDeque<u64>,
    by_image: HashMap<String, u64>,
    /// For each job whose end a status call reported: how long after it ended that first
    /// happened (ms), oldest first. What a client's polling costs in freshness.
    seen_late_ms: VecDeque<u64>,
}

impl JobStore {
    /// A store allowing `max_running` running jobs, each finishing after `latency`.
    pub fn new(max_running: usize, latency: Duration, signer: &Signer) -> Self {
        // Eight-digit ids like the documented 12345678, starting somewhere unpredictable.
        let start = 10_000_000 + u64::from_str_radix(&signer.image_id(0)[..8], 16).unwrap_or(0) % 80_000_000;
        Self {
            inner: Mutex::default(),
            next_id: AtomicU64::new(start),
            max_running: max_running.max(1),
            retained: MIN_RETAINED.max(max_running.saturating_mul(2)),
            latency,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn state_of(&self, job: &Job, now: Instant) -> JobState {
        let elapsed = now.saturating_duration_since(job.created);
        let running = match job.fault {
            Some(JobFault::Never) => true,
            _ => elapsed < self.latency,
        };
        if running {
            return if elapsed < self.latency / 3 { JobState::Queued } else { JobState::Processing };
        }
        match &job.fault {
            Some(JobFault::Fail(message)) => JobState::Failed(message.clone()),
            _ => JobState::Done(job.image_id.clone()),
        }
    }

    /// Whether another job may start now (it may not when `max_running` are running and
    /// none of them is a never-ending one that can be forgotten).
    pub fn has_room(&self) -> bool {
        let now = Instant::now();
        let mut inner = self.lock();
        let running: Vec<u64> = inner
            .order
            .iter()
            .copied()
            .filter(|id| {
                inner
                    .jobs
                    .get(id)
                    .is_some_and(|j| matches!(self.state_of(j, now), JobState::Queued | JobState::Processing))
            })
            .collect();
        if running.len() < self.max_running {
            return true;
        }
        let never = running.into_iter().find(|id| inner.jobs.get(id).is_some_and(|j| j.fault == Some(JobFault::Never)));
        match never {
            Some(id) => {
                inner.remove(id);
                true
            }
            None => false,
        }
    }

    /// Starts a job; returns its id.
    pub fn insert(&self, request: ImageRequest, fault: Option<JobFault>, signer: &Signer) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let image_id = signer.image_id(id);
        let mut inner = self.lock();
        while inner.order.len() >= self.retained {
            match inner.order.front().copied() {
                Some(old) => inner.remove(old),
                None => break,
            }
        }
        inner.by_image.insert(image_id.clone(), id);
        inner.jobs.insert(
            id,
            Job { image_id, params: Params::from_request(&request), created: Instant::now(), fault, seen: false },
        );
        inner.order.push_back(id);
        id
    }

    /// Where job `id` stands, as a status call reports it: the first report of its end is
    /// timed (see [`JobStore::seen_late_ms`]).
    pub fn observe(&self, id: u64) -> Option<JobState> {
        let now = Instant::now();
        let mut inner = self.lock();
        let job = inner.jobs.get_mut(&id)?;
        let state = self.state_of(job, now);
        if matches!(state, JobState::Done(_) | JobState::Failed(_)) && !job.seen {
            job.seen = true;
            let late = now.saturating_duration_since(job.created + self.latency).as_millis() as u64;
            if inner.seen_late_ms.len() == SEEN_KEPT {
                inner.seen_late_ms.pop_front();
            }
            inner.seen_late_ms.push_back(late);
        }
        Some(state)
    }

    /// How late (ms after it ended) each of the latest jobs was first reported ended, oldest
    /// first.
    pub fn seen_late_ms(&self) -> Vec<u64> {
        self.lock().seen_late_ms.iter().copied().collect()
    }

    /// Forgets the "seen late" figures.
    pub fn reset_seen(&self) {
        self.lock().seen_late_ms.clear();
    }

    /// The picture parameters of a finished job's image.
    pub fn image_params(&self, image_id: &str) -> Option<Params> {
        let now = Instant::now();
        let inner = self.lock();
        let job = inner.by_image.get(image_id).and_then(|id| inner.jobs.get(id))?;
        matches!(self.state_of(job, now), JobState::Done(_)).then(|| job.params.clone())
    }

    /// The bytes every kept job holds (for `/sandbox/stats`): bounded per job, whatever
    /// the size of its request.
    pub fn stored_bytes(&self) -> usize {
        let inner = self.lock();
        inner
            .jobs
            .values()
            .map(|j| {
                let fault = match &j.fault {
                    Some(JobFault::Fail(m)) => m.capacity(),
                    _ => 0,
                };
                std::mem::size_of::<Job>() + j.image_id.capacity() + j.params.stored_bytes() + fault
            })
            .sum()
    }
}

impl Inner {
    fn remove(&mut self, id: u64) {
        if let Some(job) = self.jobs.remove(&id) {
            self.by_image.remove(&job.image_id);
        }
        self.order.retain(|x| *x != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> ImageRequest {
        ImageRequest::new("dreamshaper", "a cat")
    }

    #[test]
    fn lifecycle() {
        let signer = Signer::new(Some("s"));
        let store = JobStore::new(2, Duration::from_millis(60), &signer);
        let ok = store.insert(req(), None, &signer);
        let fail = store.insert(req(), Some(JobFault::Fail("nope".into())), &signer);
        assert_eq!(store.observe(ok), Some(JobState::Queued));
        assert!(!store.has_room());
        assert!(store.image_params(&signer.image_id(ok)).is_none());
        std::thread::sleep(Duration::from_millis(70));
        assert_eq!(store.observe(ok), Some(JobState::Done(signer.image_id(ok))));
        assert_eq!(store.observe(fail), Some(JobState::Failed("nope".into())));
        assert!(store.image_params(&signer.image_id(ok)).is_some());
        assert!(store.image_params(&signer.image_id(fail)).is_none());
        assert_eq!(store.observe(ok + 1000), None);
        assert!(store.has_room());
    }

    #[test]
    fn the_first_report_of_an_end_is_timed_once() {
        let signer = Signer::new(Some("s"));
        let store = JobStore::new(4, Duration::from_millis(40), &signer);
        let a = store.insert(req(), None, &signer);
        let b = store.insert(req(), Some(JobFault::Fail("nope".into())), &signer);
        store.observe(a);
        assert!(store.seen_late_ms().is_empty(), "running: nothing to time");
        std::thread::sleep(Duration::from_millis(140));
        store.observe(a);
        store.observe(a);
        store.observe(b);
        let late = store.seen_late_ms();
        assert_eq!(late.len(), 2, "each job once, failed ones too: {late:?}");
        assert!(late.iter().all(|&ms| (100..1000).contains(&ms)), "{late:?}");
        store.reset_seen();
        assert!(store.seen_late_ms().is_empty());
    }

    #[test]
    fn jobs_keep_bounded_bytes_whatever_the_prompt() {
        // Issue 13: 24 jobs with an 8 MiB prompt each kept 230 MB.
        let signer = Signer::new(Some("s"));
        let store = JobStore::new(32, Duration::from_millis(1), &signer);
        let huge = "a lighthouse in the fog ".repeat(350_000);
        assert!(huge.len() > 8_000_000);
        for _ in 0..24 {
            let mut r = req();
            r.prompt.clone_from(&huge);
            r.negative_prompt = Some(huge.clone());
            store.insert(r, None, &signer);
        }
        let bytes = store.stored_bytes();
        assert!(bytes < 24 * 1024, "24 jobs hold {bytes} bytes");
    }

    #[test]
    fn never_ending_jobs_make_room() {
        let signer = Signer::new(Some("s"));
        let store = JobStore::new(1, Duration::from_secs(60), &signer);
        let never = store.insert(req(), Some(JobFault::Never), &signer);
        assert!(store.has_room());
        assert_eq!(store.observe(never), None);
        store.insert(req(), None, &signer);
        assert!(!store.has_room());
    }
}
