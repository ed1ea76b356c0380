//! What the gallery shows: status filter, prompt search, newest first; totals; file names.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::job::{Job, JobStatus};
use crate::catalog::IMAGE_PRICE_NANO_USD;

/// The gallery's status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Every job.
    #[default]
    All,
    /// Queued or running.
    Pending,
    /// Done.
    Done,
    /// Failed.
    Failed,
    /// Timed out.
    TimedOut,
}

impl StatusFilter {
    /// Every filter, in menu order.
    pub const ALL: [StatusFilter; 5] = [Self::All, Self::Pending, Self::Done, Self::Failed, Self::TimedOut];

    /// A stable name, for the `<select>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
        }
    }

    /// Reads [`StatusFilter::as_str`] back (unknown: all).
    pub fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|f| f.as_str() == s).unwrap_or_default()
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Pending => "In progress",
            Self::Done => "Done",
            Self::Failed => "Failed",
            Self::TimedOut => "Timed out",
        }
    }

    /// Whether a job with `status` passes.
    pub fn admits(self, status: JobStatus) -> bool {
        match self {
            Self::All => true,
            Self::Pending => status.is_pending(),
            Self::Done => status == JobStatus::Done,
            Self::Failed => status == JobStatus::Failed,
            Self::TimedOut => status == JobStatus::TimedOut,
        }
    }
}

/// Whether `job` passes the filter and the search (every word of `search` appears in the
/// prompt, ignoring case).
pub fn matches(job: &Job, filter: StatusFilter, search: &str) -> bool {
    if !filter.admits(job.status) {
        return false;
    }
    let prompt = job.params.prompt.to_lowercase();
    search.to_lowercase().split_whitespace().all(|word| prompt.contains(word))
}

/// The sort key for newest first (ties, such as jobs of one batch, by id descending).
pub fn newest_first(job: &Job) -> (Reverse<u64>, Reverse<String>) {
    (Reverse(job.created_ms), Reverse(job.id.clone()))
}

/// The jobs to show, newest first.
pub fn visible<'a>(jobs: impl IntoIterator<Item = &'a Job>, filter: StatusFilter, search: &str) -> Vec<&'a Job> {
    let mut out: Vec<&Job> = jobs.into_iter().filter(|j| matches(j, filter, search)).collect();
    out.sort_by_cached_key(|j| newest_first(j));
    out
}

/// The gallery's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Cards.
    pub jobs: usize,
    /// Finished images.
    pub images: usize,
    /// Queued or running.
    pub pending: usize,
    /// Failed.
    pub failed: usize,
    /// Timed out (a job the service accepted may still finish: resume asks again).
    pub timed_out: usize,
    /// What the service charged, in nano-USD: USD 0.0015 per accepted job (the service
    /// charges when it accepts a job, so failed jobs that were accepted count too).
    pub spend_nano_usd: u64,
    /// The part of `spend_nano_usd` charged for jobs deleted since (the money stays spent).
    pub deleted_spend_nano_usd: u64,
}

/// What deleted jobs were charged, in nano-USD, by job id: the money stays spent, so the
/// gallery's total keeps it, until a job comes back (Undo, an import of a file that has it),
/// when its card counts it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "StoredDeleted")]
pub struct DeletedCharges(BTreeMap<String, u64>);

/// How [`DeletedCharges`] were stored: once one sum for every deleted job (kept, for no job).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredDeleted {
    Sum(u64),
    ById(BTreeMap<String, u64>),
}

impl From<StoredDeleted> for DeletedCharges {
    fn from(stored: StoredDeleted) -> Self {
        match stored {
            StoredDeleted::Sum(0) => Self::default(),
            StoredDeleted::Sum(nano) => Self(BTreeMap::from([(String::new(), nano)])),
            StoredDeleted::ById(by_id) => Self(by_id),
        }
    }
}

impl DeletedCharges {
    /// Records that job `id`, charged `nano_usd`, was deleted.
    pub fn add(&mut self, id: &str, nano_usd: u64) {
        if nano_usd > 0 {
            self.0.insert(id.to_owned(), nano_usd);
        }
    }

    /// Job `id` is back.
    pub fn remove(&mut self, id: &str) {
        self.0.remove(id);
    }

    /// Whether no deleted job is counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes in the deleted jobs of `other` (an import's) not counted here; returns their
    /// ids, for an Undo. A job counted on both sides is the same job: counted once.
    pub fn merge(&mut self, other: &DeletedCharges) -> Vec<String> {
        self.merge_where(other, |_| true)
    }

    /// [`merge`](Self::merge), of the jobs `keep` says.
    pub fn merge_where(&mut self, other: &DeletedCharges, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let mut added = Vec::new();
        for (id, nano) in &other.0 {
            if *nano > 0 && !self.0.contains_key(id) && keep(id) {
                self.0.insert(id.clone(), *nano);
                added.push(id.clone());
            }
        }
        added
    }
}

/// A change to the stored [`DeletedCharges`], applied to the record as stored when it is
/// written, not to a copy: two tabs changing it at once both count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletedChange {
    /// Jobs deleted (or imported deleted), with their charges: taken in unless counted.
    pub added: DeletedCharges,
    /// Jobs back (Undo), or an import's taken back out.
    pub removed: Vec<String>,
}

impl DeletedChange {
    /// Jobs deleted.
    pub fn deleted(added: DeletedCharges) -> Self {
        Self { added, removed: Vec::new() }
    }

    /// Jobs back.
    pub fn back(removed: Vec<String>) -> Self {
        Self { added: DeletedCharges::default(), removed }
    }

    /// The change made to `record`.
    pub fn apply(&self, record: &mut DeletedCharges) {
        record.merge(&self.added);
        self.removed.iter().for_each(|id| record.remove(id));
    }
}

impl Totals {
    /// Counts what the deleted jobs were charged, except the jobs that are `here` again.
    pub fn add_deleted(&mut self, deleted: &DeletedCharges, here: impl Fn(&str) -> bool) {
        let nano: u64 = deleted.0.iter().filter(|(id, _)| id.is_empty() || !here(id)).map(|(_, n)| n).sum();
        self.spend_nano_usd += nano;
        self.deleted_spend_nano_usd += nano;
    }

    /// Adds up `jobs`.
    pub fn of<'a>(jobs: impl IntoIterator<Item = &'a Job>) -> Self {
        let mut t = Self::default();
        for j in jobs {
            t.add(j);
        }
        t
    }

    /// Counts one more job.
    pub fn add(&mut self, job: &Job) {
        self.jobs += 1;
        match job.status {
            JobStatus::Done => self.images += 1,
            JobStatus::Queued | JobStatus::Running => self.pending += 1,
            JobStatus::Failed => self.failed += 1,
            JobStatus::TimedOut => self.timed_out += 1,
        }
        self.spend_nano_usd += u64::from(job.charges) * IMAGE_PRICE_NANO_USD;
    }

    /// "3 images · $0.0060 spent ($0.0015 on deleted images) · 1 in progress · 1 failed".
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} image{} · {} spent",
            self.images,
            if self.images == 1 { "" } else { "s" },
            crate::money::exact_nano(self.spend_nano_usd)
        );
        if self.deleted_spend_nano_usd > 0 {
            s.push_str(&format!(" ({} on deleted images)", crate::money::exact_nano(self.deleted_spend_nano_usd)));
        }
        if self.pending > 0 {
            s.push_str(&format!(" · {} in progress", self.pending));
        }
        if self.failed > 0 {
            s.push_str(&format!(" · {} failed", self.failed));
        }
        if self.timed_out > 0 {
            s.push_str(&format!(" · {} timed out", self.timed_out));
        }
        s
    }
}

/// Elapsed time for a card: "0.8 s", "42.0 s", "3 min 05 s", "1 h 02 min".
pub fn format_elapsed(ms: u64) -> String {
    let s = ms / 1000;
    if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    }
}

/// A download file name: a slug of the prompt, the job id and the image's extension
/// ("a-red-fox-in-the-snow-12345678.png").
pub fn download_name(job: &Job) -> String {
    let stem = slug(&job.params.prompt, 60);
    let id = job.jobid.as_deref().unwrap_or(&job.id);
    let id: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).take(24).collect();
    let ext = job.image_url.as_deref().map_or("png", extension);
    if id.is_empty() {
        format!("{stem}.{ext}")
    } else {
        format!("{stem}-{id}.{ext}")
    }
}

/// The image's file extension from its URL (a `data:image/…` type or the path's ending);
/// `png` when it says nothing.
pub fn extension(url: &str) -> &'static str {
    let lower = url.trim().to_ascii_lowercase();
    let name = if let Some(data) = lower.strip_prefix("data:image/") {
        data.split([';', ',']).next().unwrap_or_default().to_owned()
    } else {
        let path = lower.split(['?', '#']).next().unwrap_or_default();
        path.rsplit('/').next().unwrap_or_default().rsplit_once('.').map(|(_, e)| e.to_owned()).unwrap_or_default()
    };
    match name.as_str() {
        "jpeg" | "jpg" => "jpg",
        "webp" => "webp",
        "gif" => "gif",
        "avif" => "avif",
        "svg+xml" | "svg" => "svg",
        _ => "png",
    }
}

/// Lowercase letters and digits of `text` joined by single dashes, at most `max` characters;
/// "image" when nothing is left. Safe as a file name on every common system.
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.chars().count() >= max {
            break;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "image".to_owned()
    } else {
        out.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gallery::LocalCopy;
    use crate::types::image::{ImageRequest, JobTicket};

    fn job(id: &str, prompt: &str, created: u64, status: JobStatus) -> Job {
        let mut j = Job::new(id, ImageRequest::new("dreamshaper", prompt), 300, created);
        j.status = status;
        j
    }

    fn gallery() -> Vec<Job> {
        vec![
            job("a", "A red fox in the snow", 1_000, JobStatus::Done),
            job("b", "A blue whale", 3_000, JobStatus::Failed),
            job("c", "Red sunset over the sea", 2_000, JobStatus::Running),
            job("d", "A quiet red barn", 3_000, JobStatus::TimedOut),
            job("e", "Fox cubs", 4_000, JobStatus::Queued),
        ]
    }

    fn ids(jobs: &[&Job]) -> Vec<String> {
        jobs.iter().map(|j| j.id.clone()).collect()
    }

    #[test]
    fn newest_first_with_stable_ties() {
        let g = gallery();
        assert_eq!(ids(&visible(&g, StatusFilter::All, "")), ["e", "d", "b", "c", "a"]);
    }

    #[test]
    fn filter_by_status() {
        let g = gallery();
        let cases = [
            (StatusFilter::Pending, vec!["e", "c"]),
            (StatusFilter::Done, vec!["a"]),
            (StatusFilter::Failed, vec!["b"]),
            (StatusFilter::TimedOut, vec!["d"]),
        ];
        for (filter, want) in cases {
            assert_eq!(ids(&visible(&g, filter, "")), want, "{filter:?}");
            assert_eq!(StatusFilter::parse(filter.as_str()), filter);
        }
        assert_eq!(StatusFilter::parse("nonsense"), StatusFilter::All);
    }

    #[test]
    fn search_every_word_ignoring_case() {
        let g = gallery();
        assert_eq!(ids(&visible(&g, StatusFilter::All, "red")), ["d", "c", "a"]);
        assert_eq!(ids(&visible(&g, StatusFilter::All, "  FOX  ")), ["e", "a"]);
        assert_eq!(ids(&visible(&g, StatusFilter::All, "red fox")), ["a"]);
        assert_eq!(ids(&visible(&g, StatusFilter::Done, "whale")), Vec::<String>::new());
        assert_eq!(ids(&visible(&g, StatusFilter::Pending, "red")), ["c"]);
    }

    #[test]
    fn totals_count_images_and_every_charge() {
        let mut g = gallery();
        // Charged: the done one, the failed one (the sandbox charges at creation), the running
        // one, and a retried card twice; the queued one was never accepted.
        for (id, charges) in [("a", 1), ("b", 1), ("c", 1), ("d", 2)] {
            g.iter_mut().find(|j| j.id == id).expect("job").charges = charges;
        }
        let t = Totals::of(&g);
        assert_eq!(
            t,
            Totals {
                jobs: 5,
                images: 1,
                pending: 2,
                failed: 1,
                timed_out: 1,
                spend_nano_usd: 5 * 1_500_000,
                deleted_spend_nano_usd: 0
            }
        );
        // Regression (user review): a timed-out job counted as failed, but "Delete failed"
        // (rightly) leaves it, since it may still finish; the totals name it apart.
        assert_eq!(t.summary(), "1 image · $0.0075 spent · 2 in progress · 1 failed · 1 timed out");
        assert_eq!(Totals::of(&[]).summary(), "0 images · $0.00 spent");
        // What deleted images cost stays in the total, and is said.
        let mut deleted = DeletedCharges::default();
        deleted.add("gone", 1_500_000);
        let mut kept = Totals::of(g.iter().filter(|j| j.id == "a"));
        kept.add_deleted(&deleted, |id| id == "a");
        assert_eq!(kept.summary(), "1 image · $0.003 spent ($0.0015 on deleted images)");
    }

    /// Regression (user review): an image deleted, then imported back from a file exported
    /// before, was counted twice: by its card and in "on deleted images" ($0.009 spent for
    /// five images that cost $0.0075).
    #[test]
    fn a_deleted_job_that_comes_back_is_counted_once() {
        let mut jobs = gallery();
        jobs.iter_mut().for_each(|j| j.charges = 1);
        let all = Totals::of(&jobs).spend_nano_usd;
        let mut deleted = DeletedCharges::default();
        let gone = jobs.remove(0);
        deleted.add(&gone.id, 1_500_000);
        let totals = |jobs: &[Job]| {
            let mut t = Totals::of(jobs);
            t.add_deleted(&deleted, |id| jobs.iter().any(|j| j.id == id));
            t
        };
        assert_eq!((totals(&jobs).spend_nano_usd, totals(&jobs).deleted_spend_nano_usd), (all, 1_500_000));
        // Imported back: its card counts it, the deleted charges no longer do.
        jobs.push(gone);
        assert_eq!((totals(&jobs).spend_nano_usd, totals(&jobs).deleted_spend_nano_usd), (all, 0));
        // The sum stored before charges were kept by job still counts, whatever comes back.
        let legacy: DeletedCharges = serde_json::from_str("3000000").expect("a stored sum");
        let mut t = Totals::of(&jobs);
        t.add_deleted(&legacy, |_| true);
        assert_eq!(t.spend_nano_usd, all + 3_000_000);
        let by_id: DeletedCharges =
            serde_json::from_str(&serde_json::to_string(&deleted).expect("json")).expect("back");
        assert_eq!(by_id, deleted);
    }

    /// Regression (user review): "6 images · $0.0135 spent ($0.0045 on deleted images)"
    /// came back from Export all and Import as "$0.009": deleted and failed jobs' charges
    /// did not travel with the file.
    #[test]
    fn deleted_jobs_charges_travel_with_an_export_and_count_once() {
        let mut jobs = gallery();
        jobs.iter_mut().for_each(|j| j.charges = 1);
        let all = Totals::of(&jobs).spend_nano_usd;
        let mut there = DeletedCharges::default();
        let gone = jobs.remove(0);
        there.add(&gone.id, 1_500_000);
        there.add("", 3_000_000);
        let mut export = crate::conversation::Export::new(Vec::new(), 1);
        export.gallery = jobs.clone();
        export.deleted_images = there.clone();
        let file = serde_json::to_string(&export).expect("json");
        let read = crate::conversation::Export::read(&file).expect("read");
        // Into a fresh browser: everything spent there is spent here.
        let mut here = DeletedCharges::default();
        let mut added = here.merge(&read.deleted_images);
        added.sort();
        assert_eq!(added, ["", gone.id.as_str()]);
        let mut t = Totals::of(&read.gallery);
        t.add_deleted(&here, |id| read.gallery.iter().any(|j| j.id == id));
        assert_eq!((t.spend_nano_usd, t.deleted_spend_nano_usd), (all + 3_000_000, 4_500_000));
        // The same file again adds nothing; an export without it reads as before.
        assert!(here.merge(&read.deleted_images).is_empty());
        assert!(
            !file.is_empty()
                && !serde_json::to_string(&crate::conversation::Export::new(Vec::new(), 1))
                    .expect("json")
                    .contains("deleted_images")
        );
    }

    #[test]
    fn elapsed_formats() {
        assert_eq!(format_elapsed(0), "0.0 s");
        assert_eq!(format_elapsed(1_550), "1.6 s");
        assert_eq!(format_elapsed(59_949), "59.9 s");
        assert_eq!(format_elapsed(60_000), "1 min 00 s");
        assert_eq!(format_elapsed(185_000), "3 min 05 s");
        assert_eq!(format_elapsed(3_725_000), "1 h 02 min");
    }

    #[test]
    fn download_names_from_the_prompt() {
        let mut j = job("j17", "A Red Fox, in the snow!! (4k)", 0, JobStatus::Done);
        assert_eq!(download_name(&j), "a-red-fox-in-the-snow-4k-j17.png");
        j.accepted(JobTicket { jobid: "12345678".into(), signature: "s".into() });
        j.image_url = Some("https://cdn.test/x/y.JPEG?sig=1#f".into());
        assert_eq!(download_name(&j), "a-red-fox-in-the-snow-4k-12345678.jpg");
        j.params.prompt = "../../etc/passwd".into();
        j.image_url = Some("data:image/webp;base64,AA".into());
        assert_eq!(download_name(&j), "etc-passwd-12345678.webp");
        j.params.prompt = "!!!".into();
        assert_eq!(download_name(&j), "image-12345678.webp");
        j.params.prompt = "Größe café 日本語".into();
        assert_eq!(download_name(&j), "größe-café-日本語-12345678.webp");
        j.params.prompt = "word ".repeat(40);
        let name = download_name(&j);
        assert!(name.chars().count() <= 60 + "-12345678.webp".len(), "{name}");
        assert!(!name.contains("--"), "{name}");
        assert_eq!(j.local_copy, LocalCopy::NotYet);
    }

    #[test]
    fn extensions() {
        for (url, ext) in [
            ("http://127.0.0.1:8787/sandbox/images/ab.png", "png"),
            ("https://cdn.test/a.jpg", "jpg"),
            ("https://cdn.test/a.gif?x=1", "gif"),
            ("https://cdn.test/image", "png"),
            ("https://cdn.test.jpg/image", "png"),
            ("data:image/jpeg;base64,AA", "jpg"),
            ("data:image/svg+xml,<svg>", "svg"),
            ("data:image/x-unknown;base64,AA", "png"),
        ] {
            assert_eq!(extension(url), ext, "{url}");
        }
    }

    #[test]
    fn two_tabs_changing_the_deleted_charges_at_once_both_count() {
        // Both tabs read the record with nothing deleted; each deletes one job.
        let stored = DeletedCharges::default();
        let (mut a, mut b) = (stored.clone(), stored.clone());
        a.add("x", 1_500_000);
        b.add("y", 1_500_000);
        // Written whole, the later write would drop the other's job.
        assert_eq!(b.0.len(), 1);
        // Applied to the record as stored, one after the other, both stay.
        let mut record = stored;
        DeletedChange::deleted(a).apply(&mut record);
        DeletedChange::deleted(b).apply(&mut record);
        assert_eq!(record.0, BTreeMap::from([("x".into(), 1_500_000), ("y".into(), 1_500_000)]));
        // An Undo in one tab takes back its own job only; a job counted once stays once.
        DeletedChange::back(vec!["x".into()]).apply(&mut record);
        let mut again = DeletedCharges::default();
        again.add("y", 1_500_000);
        DeletedChange::deleted(again).apply(&mut record);
        assert_eq!(record.0, BTreeMap::from([("y".into(), 1_500_000)]));
    }
}
