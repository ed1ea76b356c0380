//! The embedded ledger: one SQLite file in WAL mode. Every write is one `BEGIN IMMEDIATE`
//! transaction, so several relay processes on one machine may even share the file.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{
    decide, join_models, split_models, to_i64, to_u64, Limits, Period, Reserve, Reserved, Result, Seen, Settle, Spend,
    Store, StoreError, Token, UsageRow,
};
use crate::clock;

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    // 1: tokens and requests.
    "CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        budget_nano INTEGER,
        period TEXT NOT NULL,
        rpm INTEGER,
        models TEXT NOT NULL,
        max_completion_tokens INTEGER,
        max_images_per_day INTEGER,
        created_ms INTEGER NOT NULL,
        revoked_ms INTEGER
    );
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        token_id INTEGER NOT NULL REFERENCES tokens(id),
        kind TEXT NOT NULL,
        model TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        day TEXT NOT NULL,
        state TEXT NOT NULL,
        reserved_nano INTEGER NOT NULL,
        cost_nano INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        outcome TEXT,
        ended_ms INTEGER
    );
    CREATE INDEX requests_by_token_time ON requests(token_id, started_ms);
    CREATE INDEX requests_by_day ON requests(day, token_id);",
];

/// The SQLite ledger.
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the ledger file and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let path = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection> {
            let mut conn =
                Connection::open(&path).map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
            conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(err)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError(format!("sqlite: cannot switch {} to WAL (got {mode})", path.display())));
            }
            // Committed spend survives a crash of the process and of the machine.
            conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;").map_err(err)?;
            migrate(&mut conn)?;
            Ok(conn)
        })
        .await
        .map_err(err)??;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic inside a transaction rolls it back when the transaction drops: the
            // connection is still sound.
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(err)?
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive).map_err(err)?;
    let done: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
    let done = usize::try_from(done).unwrap_or(0);
    if done > MIGRATIONS.len() {
        return Err(StoreError(format!(
            "sqlite: the ledger has schema version {done}, newer than this relay knows ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", i as i64 + 1).map_err(err)?;
    }
    tx.commit().map_err(err)
}

const TOKEN_COLUMNS: &str =
    "id, name, budget_nano, period, rpm, models, max_completion_tokens, max_images_per_day, created_ms, revoked_ms";

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Token> {
    let period: String = r.get(3)?;
    let models: String = r.get(5)?;
    Ok(Token {
        id: r.get(0)?,
        name: r.get(1)?,
        limits: Limits {
            budget_nano: r.get::<_, Option<i64>>(2)?.map(to_u64),
            period: Period::parse(&period).unwrap_or(Period::Total),
            rpm: r.get::<_, Option<i64>>(4)?.map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
            models: split_models(&models),
            max_completion_tokens: r.get::<_, Option<i64>>(6)?.map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
            max_images_per_day: r.get::<_, Option<i64>>(7)?.map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
        },
        created_ms: r.get(8)?,
        revoked_ms: r.get(9)?,
    })
}

/// Spent (settled) plus reserved (open) since `from_ms`.
fn used_since(tx: &Connection, token_id: i64, from_ms: i64) -> Result<Spend> {
    tx.query_row(
        "SELECT COALESCE(SUM(CASE WHEN state = 'settled' THEN cost_nano ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE 0 END), 0)
         FROM requests WHERE token_id = ?1 AND started_ms >= ?2",
        params![token_id, from_ms],
        |r| Ok(Spend { spent_nano: to_u64(r.get(0)?), reserved_nano: to_u64(r.get(1)?) }),
    )
    .map_err(err)
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_token(&self, name: &str, hash: &str, limits: &Limits, now_ms: i64) -> Result<()> {
        let (name, hash, l) = (name.to_owned(), hash.to_owned(), limits.clone());
        self.with(move |c| {
            let taken: bool =
                c.query_row("SELECT COUNT(*) > 0 FROM tokens WHERE name = ?1", [&name], |r| r.get(0)).map_err(err)?;
            if taken {
                return Err(StoreError(format!("a token named {name:?} exists already (names are never reused)")));
            }
            c.execute(
                "INSERT INTO tokens (name, hash, budget_nano, period, rpm, models, max_completion_tokens,
                 max_images_per_day, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    name,
                    hash,
                    l.budget_nano.map(to_i64),
                    l.period.as_str(),
                    l.rpm,
                    join_models(&l.models),
                    l.max_completion_tokens,
                    l.max_images_per_day,
                    now_ms
                ],
            )
            .map_err(err)?;
            Ok(())
        })
        .await
    }

    async fn list_tokens(&self) -> Result<Vec<Token>> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id")).map_err(err)?;
            let rows = st.query_map([], token_row).map_err(err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
        })
        .await
    }

    async fn revoke(&self, name: &str, now_ms: i64) -> Result<bool> {
        let name = name.to_owned();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE tokens SET revoked_ms = ?2 WHERE name = ?1 AND revoked_ms IS NULL",
                    params![name, now_ms],
                )
                .map_err(err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>> {
        let hash = hash.to_owned();
        self.with(move |c| {
            c.query_row(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = ?1"), [&hash], token_row)
                .optional()
                .map_err(err)
        })
        .await
    }

    async fn reserve(&self, token: &Token, r: &Reserve) -> Result<Reserved> {
        let (token, r) = (token.clone(), r.clone());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
            let last_minute: (i64, Option<i64>) = tx
                .query_row(
                    "SELECT COUNT(*), MIN(started_ms) FROM requests WHERE token_id = ?1 AND started_ms > ?2",
                    params![token.id, r.now_ms - 60_000],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .map_err(err)?;
            let images_today: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM requests WHERE token_id = ?1 AND kind = 'image' AND started_ms >= ?2
                     AND (state = 'reserved' OR cost_nano > 0)",
                    params![token.id, clock::day_start_ms(r.now_ms)],
                    |row| row.get(0),
                )
                .map_err(err)?;
            let used = used_since(&tx, token.id, token.limits.period.start_ms(r.now_ms))?;
            let seen = Seen {
                last_minute: (to_u64(last_minute.0), last_minute.1),
                images_today: to_u64(images_today),
                used_nano: used.spent_nano.saturating_add(used.reserved_nano),
            };
            if let Some(refusal) = decide(&token, &r, &seen) {
                return Ok(refusal);
            }
            tx.execute(
                "INSERT INTO requests (token_id, kind, model, started_ms, day, state, reserved_nano)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'reserved', ?6)",
                params![
                    token.id,
                    r.kind.as_str(),
                    r.model,
                    r.now_ms,
                    clock::day_string(r.now_ms),
                    to_i64(r.amount_nano)
                ],
            )
            .map_err(err)?;
            let id = tx.last_insert_rowid();
            tx.commit().map_err(err)?;
            Ok(Reserved::Ok(id))
        })
        .await
    }

    async fn settle(&self, s: &Settle) -> Result<()> {
        let s = s.clone();
        self.with(move |c| {
            c.execute(
                "UPDATE requests SET state = 'settled', cost_nano = ?2, prompt_tokens = ?3, completion_tokens = ?4,
                 outcome = ?5, ended_ms = ?6 WHERE id = ?1 AND state = 'reserved'",
                params![
                    s.id,
                    to_i64(s.cost_nano),
                    to_i64(s.prompt_tokens),
                    to_i64(s.completion_tokens),
                    s.outcome,
                    s.now_ms
                ],
            )
            .map_err(err)?;
            Ok(())
        })
        .await
    }

    async fn spend(&self, token: &Token, now_ms: i64) -> Result<Spend> {
        let (id, from) = (token.id, token.limits.period.start_ms(now_ms));
        self.with(move |c| used_since(c, id, from)).await
    }

    async fn usage(&self, name: Option<&str>, since_day: Option<&str>) -> Result<Vec<UsageRow>> {
        let (name, since) = (name.map(str::to_owned), since_day.unwrap_or("0000-00-00").to_owned());
        self.with(move |c| {
            let mut st = c
                .prepare(
                    "SELECT t.name, r.day, COUNT(*),
                        COALESCE(SUM(CASE WHEN r.state = 'settled' THEN r.cost_nano ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN r.state = 'reserved' THEN r.reserved_nano ELSE 0 END), 0),
                        COALESCE(SUM(r.prompt_tokens), 0), COALESCE(SUM(r.completion_tokens), 0),
                        COALESCE(SUM(CASE WHEN r.kind = 'image' THEN 1 ELSE 0 END), 0)
                     FROM requests r JOIN tokens t ON t.id = r.token_id
                     WHERE r.day >= ?1 AND (?2 IS NULL OR t.name = ?2)
                     GROUP BY t.name, r.day ORDER BY r.day, t.name",
                )
                .map_err(err)?;
            let rows = st
                .query_map(params![since, name], |r| {
                    Ok(UsageRow {
                        name: r.get(0)?,
                        day: r.get(1)?,
                        requests: to_u64(r.get(2)?),
                        spent_nano: to_u64(r.get(3)?),
                        reserved_nano: to_u64(r.get(4)?),
                        prompt_tokens: to_u64(r.get(5)?),
                        completion_tokens: to_u64(r.get(6)?),
                        images: to_u64(r.get(7)?),
                    })
                })
                .map_err(err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
        })
        .await
    }
}
