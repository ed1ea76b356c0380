//! The spend ledger: tokens, reservations and settled costs, behind one small trait with
//! two implementations, SQLite (one file, the default) and PostgreSQL (shared by replicas).
//!
//! Every request that may cost money first *reserves* its worst case in one transaction that
//! also checks the token's rate limit, daily image cap and budget, so that concurrent
//! requests (in one process or in several replicas) cannot together overspend. When the
//! upstream answer ends, the reservation is *settled* to the real cost.

use async_trait::async_trait;

mod postgres;
mod sqlite;

pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;
use crate::clock;

/// Why the ledger failed (a database error, in words; never a key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// A ledger result.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The period a budget covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The current UTC day.
    Day,
    /// The current UTC calendar month.
    Month,
    /// Since the token was created.
    Total,
}

impl Period {
    /// The word used on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Month => "month",
            Self::Total => "total",
        }
    }

    /// Parses `day`, `month` or `total`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "month" => Some(Self::Month),
            "total" => Some(Self::Total),
            _ => None,
        }
    }

    /// When the period containing `now_ms` started (Unix ms, UTC).
    pub fn start_ms(self, now_ms: i64) -> i64 {
        match self {
            Self::Day => clock::day_start_ms(now_ms),
            Self::Month => clock::month_start_ms(now_ms),
            Self::Total => 0,
        }
    }

    /// When the period containing `now_ms` ends, if it does.
    pub fn end_ms(self, now_ms: i64) -> Option<i64> {
        match self {
            Self::Day => Some(clock::day_start_ms(now_ms) + clock::DAY_MS),
            Self::Month => Some(clock::next_month_start_ms(now_ms)),
            Self::Total => None,
        }
    }
}

/// A token's limits, as `token create` sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The budget in nano-USD per period; `None` for no budget.
    pub budget_nano: Option<u64>,
    /// The budget's period.
    pub period: Period,
    /// Requests (chats and image jobs) per minute.
    pub rpm: Option<u32>,
    /// The models the token may use; empty for all.
    pub models: Vec<String>,
    /// The most completion tokens one chat may ask for.
    pub max_completion_tokens: Option<u32>,
    /// Image jobs per UTC day.
    pub max_images_per_day: Option<u32>,
}

/// A stored access token (its hash only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The row id.
    pub id: i64,
    /// The name given at creation.
    pub name: String,
    /// Its limits.
    pub limits: Limits,
    /// When it was created, Unix ms.
    pub created_ms: i64,
    /// When it was revoked, Unix ms.
    pub revoked_ms: Option<i64>,
}

/// What a request costs money for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A chat completion.
    Chat,
    /// An image job.
    Image,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Image => "image",
        }
    }
}

/// A reservation to make.
#[derive(Debug, Clone)]
pub struct Reserve {
    /// Chat or image.
    pub kind: Kind,
    /// The model.
    pub model: String,
    /// The worst case, in nano-USD.
    pub amount_nano: u64,
    /// Now, Unix ms.
    pub now_ms: i64,
}

/// What [`Store::reserve`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    /// Reserved: settle this row later.
    Ok(i64),
    /// The budget cannot cover the worst case.
    OverBudget {
        /// What is left of the budget, in nano-USD.
        remaining_nano: u64,
    },
    /// Too many requests in the last minute; retry after this many seconds.
    RateLimited {
        /// Seconds until a slot frees.
        retry_after_s: u64,
    },
    /// The token's image jobs for today are used up.
    ImagesPerDay {
        /// Seconds until the UTC day ends.
        retry_after_s: u64,
    },
}

/// How a reservation ends.
#[derive(Debug, Clone)]
pub struct Settle {
    /// The reservation's row id.
    pub id: i64,
    /// The real cost, in nano-USD.
    pub cost_nano: u64,
    /// Prompt tokens (reported or estimated).
    pub prompt_tokens: u64,
    /// Completion tokens (reported or estimated).
    pub completion_tokens: u64,
    /// `completed`, `stopped`, `broken`, `refused`, `job_created`…
    pub outcome: &'static str,
    /// Now, Unix ms.
    pub now_ms: i64,
}

/// A token's money in its current period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spend {
    /// Settled costs, nano-USD.
    pub spent_nano: u64,
    /// Reservations still open (their worst case), nano-USD.
    pub reserved_nano: u64,
}

/// One line of `usage`: a token's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    /// The token's name.
    pub name: String,
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// Requests forwarded.
    pub requests: u64,
    /// Settled cost, nano-USD.
    pub spent_nano: u64,
    /// Still reserved, nano-USD.
    pub reserved_nano: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Image jobs.
    pub images: u64,
}

/// The ledger.
#[async_trait]
pub trait Store: Send + Sync {
    /// Adds a token; an error if the name is taken.
    async fn create_token(&self, name: &str, hash: &str, limits: &Limits, now_ms: i64) -> Result<()>;
    /// Every token, oldest first.
    async fn list_tokens(&self) -> Result<Vec<Token>>;
    /// Revokes a token by name; false if there is no such live token.
    async fn revoke(&self, name: &str, now_ms: i64) -> Result<bool>;
    /// The token with this hash, revoked or not.
    async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>>;
    /// Checks the limits and reserves the worst case, atomically.
    async fn reserve(&self, token: &Token, r: &Reserve) -> Result<Reserved>;
    /// Settles a reservation to its real cost (once; later calls do nothing).
    async fn settle(&self, s: &Settle) -> Result<()>;
    /// The token's spend in the budget period containing `now_ms`.
    async fn spend(&self, token: &Token, now_ms: i64) -> Result<Spend>;
    /// Per token and UTC day, from `since_day` (`YYYY-MM-DD`) on.
    async fn usage(&self, name: Option<&str>, since_day: Option<&str>) -> Result<Vec<UsageRow>>;
}

/// Opens the store a `--store` value names: `sqlite:PATH` or `postgres://…`.
pub async fn open(spec: &str) -> Result<Box<dyn Store>> {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err(StoreError("--store sqlite:PATH needs a file path".into()));
        }
        Ok(Box::new(SqliteStore::open(std::path::Path::new(path)).await?))
    } else if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        Ok(Box::new(PostgresStore::connect(spec).await?))
    } else {
        Err(StoreError("--store: expected sqlite:PATH or postgres://USER@HOST:PORT/DB".into()))
    }
}

/// The limits check both stores share, given what the transaction read.
pub(crate) struct Seen {
    /// Requests in the last minute and the oldest of them (Unix ms).
    pub last_minute: (u64, Option<i64>),
    /// Image jobs today that were not refused.
    pub images_today: u64,
    /// Spent + reserved in the budget period.
    pub used_nano: u64,
}

/// Decides a reservation from what the transaction saw; `None` means go ahead.
pub(crate) fn decide(token: &Token, r: &Reserve, seen: &Seen) -> Option<Reserved> {
    let l = &token.limits;
    if let Some(rpm) = l.rpm {
        if seen.last_minute.0 >= u64::from(rpm) {
            let oldest = seen.last_minute.1.unwrap_or(r.now_ms);
            let wait_ms = (oldest + 60_000 - r.now_ms).max(1);
            return Some(Reserved::RateLimited { retry_after_s: (wait_ms as u64).div_ceil(1000) });
        }
    }
    if r.kind == Kind::Image {
        if let Some(max) = l.max_images_per_day {
            if seen.images_today >= u64::from(max) {
                let end = clock::day_start_ms(r.now_ms) + clock::DAY_MS;
                return Some(Reserved::ImagesPerDay { retry_after_s: ((end - r.now_ms).max(1) as u64).div_ceil(1000) });
            }
        }
    }
    if let Some(budget) = l.budget_nano {
        if seen.used_nano.saturating_add(r.amount_nano) > budget {
            return Some(Reserved::OverBudget { remaining_nano: budget.saturating_sub(seen.used_nano) });
        }
    }
    None
}

/// Nano-USD as the databases' signed 64-bit integers (amounts above 9.2 billion USD clamp).
pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A database integer as nano-USD or a count (negative values read as 0).
pub(crate) fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Models as stored: comma-separated, empty for all.
pub(crate) fn join_models(models: &[String]) -> String {
    models.join(",")
}

/// The stored models list back.
pub(crate) fn split_models(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(limits: Limits) -> Token {
        Token { id: 1, name: "t".into(), limits, created_ms: 0, revoked_ms: None }
    }

    fn limits() -> Limits {
        Limits {
            budget_nano: Some(1_000),
            period: Period::Day,
            rpm: Some(2),
            models: vec![],
            max_completion_tokens: None,
            max_images_per_day: Some(1),
        }
    }

    #[test]
    fn decisions() {
        let t = token(limits());
        let now = 10 * clock::DAY_MS + 5_000;
        let r = Reserve { kind: Kind::Chat, model: "m".into(), amount_nano: 400, now_ms: now };
        let seen = |n, used| Seen { last_minute: (n, Some(now - 59_000)), images_today: 0, used_nano: used };
        assert_eq!(decide(&t, &r, &seen(1, 600)), None);
        assert_eq!(decide(&t, &r, &seen(1, 601)), Some(Reserved::OverBudget { remaining_nano: 399 }));
        assert_eq!(decide(&t, &r, &seen(2, 0)), Some(Reserved::RateLimited { retry_after_s: 1 }));
        let img = Reserve { kind: Kind::Image, ..r };
        let s = Seen { last_minute: (0, None), images_today: 1, used_nano: 0 };
        assert!(matches!(decide(&t, &img, &s), Some(Reserved::ImagesPerDay { .. })));
        let free = token(Limits { budget_nano: None, rpm: None, max_images_per_day: None, ..limits() });
        assert_eq!(decide(&free, &img, &Seen { last_minute: (99, None), images_today: 99, used_nano: u64::MAX }), None);
    }

    #[test]
    fn models_round_trip() {
        assert_eq!(split_models(&join_models(&["a".into(), "b".into()])), ["a", "b"]);
        assert!(split_models("").is_empty());
    }
}
