//! `token create|list|revoke` and `usage`: the operator's side of the ledger.

use std::io::Write;

use crate::cli::{check_name, CreateArgs, TokenCommand};
use crate::money::usd;
use crate::store::{self, Limits, Store};
use crate::{clock, secret};

async fn open(spec: &str) -> Result<Box<dyn Store>, String> {
    store::open(spec).await.map_err(|e| e.to_string())
}

/// Runs a token command, writing to `out`.
pub async fn token(cmd: TokenCommand, out: &mut impl Write) -> Result<(), String> {
    match cmd {
        TokenCommand::Create(args) => create(*args, out).await,
        TokenCommand::List { store } => {
            let tokens = open(&store.store).await?.list_tokens().await.map_err(|e| e.to_string())?;
            let w = |e: std::io::Error| e.to_string();
            writeln!(out, "name\tstatus\tbudget\trpm\tmodels\tmax_completion_tokens\tmax_images_per_day\tcreated")
                .map_err(w)?;
            for t in tokens {
                let l = &t.limits;
                let opt = |v: Option<u32>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.name,
                    if t.revoked_ms.is_some() { "revoked" } else { "live" },
                    l.budget_nano.map_or_else(|| "-".to_owned(), |b| format!("{}/{}", usd(b), l.period.as_str())),
                    opt(l.rpm),
                    if l.models.is_empty() { "all".to_owned() } else { l.models.join(",") },
                    opt(l.max_completion_tokens),
                    opt(l.max_images_per_day),
                    clock::day_string(t.created_ms),
                )
                .map_err(w)?;
            }
            Ok(())
        }
        TokenCommand::Revoke { name, store } => {
            if open(&store.store).await?.revoke(&name, clock::now_ms()).await.map_err(|e| e.to_string())? {
                writeln!(out, "revoked {name}").map_err(|e| e.to_string())
            } else {
                Err(format!("no live token named {name:?}"))
            }
        }
    }
}

async fn create(a: CreateArgs, out: &mut impl Write) -> Result<(), String> {
    check_name(&a.name)?;
    for m in &a.models {
        let known = minitoolai::catalog::chat_model(m).is_some() || minitoolai::catalog::image_model(m).is_some();
        if !known {
            return Err(format!("--models: {m:?} is not a MiniToolAI chat or image model"));
        }
    }
    let limits = Limits {
        budget_nano: a.budget_usd,
        period: a.per,
        rpm: a.rpm,
        models: a.models,
        max_completion_tokens: a.max_completion_tokens,
        max_images_per_day: a.max_images_per_day,
    };
    let token = secret::generate()?;
    let store = open(&a.store.store).await?;
    store.create_token(&a.name, &secret::hash(&token), &limits, clock::now_ms()).await.map_err(|e| e.to_string())?;
    // The only time the token is shown: stdout, one line, nothing else on it.
    writeln!(out, "{token}").map_err(|e| e.to_string())?;
    eprintln!("minitoolai-relay: created token {:?}; it is shown once, above: keep it now", a.name);
    Ok(())
}

/// `usage`.
pub async fn usage(spec: &str, name: Option<&str>, since: Option<&str>, out: &mut impl Write) -> Result<(), String> {
    let since = match since {
        Some(s) => Some(clock::parse_day(s).ok_or_else(|| format!("--since: expected a date YYYY-MM-DD (got {s:?})"))?),
        None => None,
    };
    let rows = open(spec).await?.usage(name, since.as_deref()).await.map_err(|e| e.to_string())?;
    let w = |e: std::io::Error| e.to_string();
    writeln!(
        out,
        "day\tname\trequests\timages\tprompt_tokens\tcompletion_tokens\tspent_nano_usd\treserved_nano_usd\tspent"
    )
    .map_err(w)?;
    for r in rows {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.day,
            r.name,
            r.requests,
            r.images,
            r.prompt_tokens,
            r.completion_tokens,
            r.spent_nano,
            r.reserved_nano,
            usd(r.spent_nano)
        )
        .map_err(w)?;
    }
    Ok(())
}
