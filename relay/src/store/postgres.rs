//! The shared ledger: PostgreSQL, for several relay replicas behind a load balancer. A
//! reservation locks its token's row (`SELECT … FOR UPDATE`) for the length of one
//! transaction, so replicas serialise on each token and never on each other's.

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls, Row};

use super::{
    decide, join_models, split_models, to_i64, to_u64, Limits, Period, Reserve, Reserved, Result, Seen, Settle, Spend,
    Store, StoreError, Token, UsageRow,
};
use crate::clock;

/// Schema migrations, applied in order under an advisory lock (replicas may start at once).
const MIGRATIONS: &[&str] = &[
    // 1: tokens and requests.
    "CREATE TABLE relay_tokens (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        budget_nano BIGINT,
        period TEXT NOT NULL,
        rpm BIGINT,
        models TEXT NOT NULL,
        max_completion_tokens BIGINT,
        max_images_per_day BIGINT,
        created_ms BIGINT NOT NULL,
        revoked_ms BIGINT
    );
    CREATE TABLE relay_requests (
        id BIGSERIAL PRIMARY KEY,
        token_id BIGINT NOT NULL REFERENCES relay_tokens(id),
        kind TEXT NOT NULL,
        model TEXT NOT NULL,
        started_ms BIGINT NOT NULL,
        day TEXT NOT NULL,
        state TEXT NOT NULL,
        reserved_nano BIGINT NOT NULL,
        cost_nano BIGINT NOT NULL DEFAULT 0,
        prompt_tokens BIGINT NOT NULL DEFAULT 0,
        completion_tokens BIGINT NOT NULL DEFAULT 0,
        outcome TEXT,
        ended_ms BIGINT
    );
    CREATE INDEX relay_requests_by_token_time ON relay_requests(token_id, started_ms);
    CREATE INDEX relay_requests_by_day ON relay_requests(day, token_id);",
];

/// An arbitrary constant naming the migration lock.
const MIGRATION_LOCK: i64 = 0x6d74_7261_6c79;

/// The PostgreSQL ledger.
pub struct PostgresStore {
    url: String,
    client: Mutex<Client>,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("postgres: {e}"))
}

async fn connect(url: &str) -> Result<Client> {
    // The URL may carry a password: the error names the failure, never the URL.
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(err)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("minitoolai-relay: postgres connection ended: {e}");
        }
    });
    Ok(client)
}

impl PostgresStore {
    /// Connects and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let mut client = connect(url).await?;
        let tx = client.transaction().await.map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS relay_schema (version BIGINT NOT NULL)").await.map_err(err)?;
        let done: i64 =
            tx.query_one("SELECT COALESCE(MAX(version), 0) FROM relay_schema", &[]).await.map_err(err)?.get(0);
        let done = usize::try_from(done).unwrap_or(0);
        if done > MIGRATIONS.len() {
            return Err(StoreError(format!(
                "postgres: the ledger has schema version {done}, newer than this relay knows ({})",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            tx.batch_execute(sql).await.map_err(err)?;
            tx.execute("INSERT INTO relay_schema (version) VALUES ($1)", &[&(i as i64 + 1)]).await.map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(Self { url: url.to_owned(), client: Mutex::new(client) })
    }

    /// The client, reconnected if the server went away since.
    async fn client(&self) -> Result<tokio::sync::MutexGuard<'_, Client>> {
        let mut guard = self.client.lock().await;
        if guard.is_closed() {
            *guard = connect(&self.url).await?;
        }
        Ok(guard)
    }
}

const TOKEN_COLUMNS: &str =
    "id, name, budget_nano, period, rpm, models, max_completion_tokens, max_images_per_day, created_ms, revoked_ms";

fn small(v: Option<i64>) -> Option<u32> {
    v.map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

fn token_row(r: &Row) -> Token {
    let period: String = r.get(3);
    let models: String = r.get(5);
    Token {
        id: r.get(0),
        name: r.get(1),
        limits: Limits {
            budget_nano: r.get::<_, Option<i64>>(2).map(to_u64),
            period: Period::parse(&period).unwrap_or(Period::Total),
            rpm: small(r.get(4)),
            models: split_models(&models),
            max_completion_tokens: small(r.get(6)),
            max_images_per_day: small(r.get(7)),
        },
        created_ms: r.get(8),
        revoked_ms: r.get(9),
    }
}

const USED_SINCE: &str = "SELECT COALESCE(SUM(CASE WHEN state = 'settled' THEN cost_nano ELSE 0 END), 0)::BIGINT,
        COALESCE(SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE 0 END), 0)::BIGINT
     FROM relay_requests WHERE token_id = $1 AND started_ms >= $2";

#[async_trait]
impl Store for PostgresStore {
    async fn create_token(&self, name: &str, hash: &str, limits: &Limits, now_ms: i64) -> Result<()> {
        let c = self.client().await?;
        let taken: i64 =
            c.query_one("SELECT COUNT(*) FROM relay_tokens WHERE name = $1", &[&name]).await.map_err(err)?.get(0);
        if taken > 0 {
            return Err(StoreError(format!("a token named {name:?} exists already (names are never reused)")));
        }
        let l = limits;
        c.execute(
            "INSERT INTO relay_tokens (name, hash, budget_nano, period, rpm, models, max_completion_tokens,
             max_images_per_day, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &name,
                &hash,
                &l.budget_nano.map(to_i64),
                &l.period.as_str(),
                &l.rpm.map(i64::from),
                &join_models(&l.models),
                &l.max_completion_tokens.map(i64::from),
                &l.max_images_per_day.map(i64::from),
                &now_ms,
            ],
        )
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn list_tokens(&self) -> Result<Vec<Token>> {
        let c = self.client().await?;
        let rows = c.query(&format!("SELECT {TOKEN_COLUMNS} FROM relay_tokens ORDER BY id"), &[]).await.map_err(err)?;
        Ok(rows.iter().map(token_row).collect())
    }

    async fn revoke(&self, name: &str, now_ms: i64) -> Result<bool> {
        let c = self.client().await?;
        let n = c
            .execute(
                "UPDATE relay_tokens SET revoked_ms = $2 WHERE name = $1 AND revoked_ms IS NULL",
                &[&name, &now_ms],
            )
            .await
            .map_err(err)?;
        Ok(n > 0)
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<Token>> {
        let c = self.client().await?;
        let row = c
            .query_opt(&format!("SELECT {TOKEN_COLUMNS} FROM relay_tokens WHERE hash = $1"), &[&hash])
            .await
            .map_err(err)?;
        Ok(row.as_ref().map(token_row))
    }

    async fn reserve(&self, token: &Token, r: &Reserve) -> Result<Reserved> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(err)?;
        // The token's row lock: every replica's reservations for this token queue here.
        tx.execute("SELECT id FROM relay_tokens WHERE id = $1 FOR UPDATE", &[&token.id]).await.map_err(err)?;
        let row = tx
            .query_one(
                "SELECT COUNT(*), MIN(started_ms) FROM relay_requests WHERE token_id = $1 AND started_ms > $2",
                &[&token.id, &(r.now_ms - 60_000)],
            )
            .await
            .map_err(err)?;
        let last_minute: (i64, Option<i64>) = (row.get(0), row.get(1));
        let images_today: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM relay_requests WHERE token_id = $1 AND kind = 'image' AND started_ms >= $2
                 AND (state = 'reserved' OR cost_nano > 0)",
                &[&token.id, &clock::day_start_ms(r.now_ms)],
            )
            .await
            .map_err(err)?
            .get(0);
        let used =
            tx.query_one(USED_SINCE, &[&token.id, &token.limits.period.start_ms(r.now_ms)]).await.map_err(err)?;
        let (spent, reserved): (i64, i64) = (used.get(0), used.get(1));
        let seen = Seen {
            last_minute: (to_u64(last_minute.0), last_minute.1),
            images_today: to_u64(images_today),
            used_nano: to_u64(spent).saturating_add(to_u64(reserved)),
        };
        if let Some(refusal) = decide(token, r, &seen) {
            tx.rollback().await.map_err(err)?;
            return Ok(refusal);
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO relay_requests (token_id, kind, model, started_ms, day, state, reserved_nano)
                 VALUES ($1, $2, $3, $4, $5, 'reserved', $6) RETURNING id",
                &[
                    &token.id,
                    &r.kind.as_str(),
                    &r.model,
                    &r.now_ms,
                    &clock::day_string(r.now_ms),
                    &to_i64(r.amount_nano),
                ],
            )
            .await
            .map_err(err)?
            .get(0);
        tx.commit().await.map_err(err)?;
        Ok(Reserved::Ok(id))
    }

    async fn settle(&self, s: &Settle) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "UPDATE relay_requests SET state = 'settled', cost_nano = $2, prompt_tokens = $3, completion_tokens = $4,
             outcome = $5, ended_ms = $6 WHERE id = $1 AND state = 'reserved'",
            &[
                &s.id,
                &to_i64(s.cost_nano),
                &to_i64(s.prompt_tokens),
                &to_i64(s.completion_tokens),
                &s.outcome,
                &s.now_ms,
            ],
        )
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn spend(&self, token: &Token, now_ms: i64) -> Result<Spend> {
        let c = self.client().await?;
        let row = c.query_one(USED_SINCE, &[&token.id, &token.limits.period.start_ms(now_ms)]).await.map_err(err)?;
        Ok(Spend { spent_nano: to_u64(row.get(0)), reserved_nano: to_u64(row.get(1)) })
    }

    async fn usage(&self, name: Option<&str>, since_day: Option<&str>) -> Result<Vec<UsageRow>> {
        let c = self.client().await?;
        let since = since_day.unwrap_or("0000-00-00");
        let rows = c
            .query(
                "SELECT t.name, r.day, COUNT(*),
                    COALESCE(SUM(CASE WHEN r.state = 'settled' THEN r.cost_nano ELSE 0 END), 0)::BIGINT,
                    COALESCE(SUM(CASE WHEN r.state = 'reserved' THEN r.reserved_nano ELSE 0 END), 0)::BIGINT,
                    COALESCE(SUM(r.prompt_tokens), 0)::BIGINT, COALESCE(SUM(r.completion_tokens), 0)::BIGINT,
                    COALESCE(SUM(CASE WHEN r.kind = 'image' THEN 1 ELSE 0 END), 0)::BIGINT
                 FROM relay_requests r JOIN relay_tokens t ON t.id = r.token_id
                 WHERE r.day >= $1 AND ($2::TEXT IS NULL OR t.name = $2)
                 GROUP BY t.name, r.day ORDER BY r.day, t.name",
                &[&since, &name],
            )
            .await
            .map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| UsageRow {
                name: r.get(0),
                day: r.get(1),
                requests: to_u64(r.get(2)),
                spent_nano: to_u64(r.get(3)),
                reserved_nano: to_u64(r.get(4)),
                prompt_tokens: to_u64(r.get(5)),
                completion_tokens: to_u64(r.get(6)),
                images: to_u64(r.get(7)),
            })
            .collect())
    }
}
