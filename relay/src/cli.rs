//! The command line: `serve`, `token create|list|revoke`, `usage`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::store::Period;

/// The default ledger: a SQLite file in the working directory.
pub const DEFAULT_STORE: &str = "sqlite:minitoolai-relay.sqlite3";

/// A MiniToolAI relay that is safe to share: it holds the MiniToolAI key, hands out its own
/// access tokens with budgets and limits, and keeps a spend ledger.
#[derive(Debug, Parser)]
#[command(name = "minitoolai-relay", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the API (and the app, with --static-dir).
    Serve(Box<ServeArgs>),
    /// Creates, lists and revokes access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Spend, requests and tokens per access token per UTC day.
    Usage {
        /// The ledger.
        #[command(flatten)]
        store: StoreArg,
        /// Only this token.
        #[arg(long)]
        name: Option<String>,
        /// From this UTC day on, `YYYY-MM-DD`.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
    },
}

/// `--store`.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The ledger: `sqlite:PATH` (one file, the default) or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, default_value = DEFAULT_STORE, value_name = "STORE")]
    pub store: String,
}

/// The token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Creates a token and prints it once (only its hash is stored).
    Create(Box<CreateArgs>),
    /// Lists tokens (names and limits, never the tokens).
    List {
        /// The ledger.
        #[command(flatten)]
        store: StoreArg,
    },
    /// Revokes a token: its next request gets 401.
    Revoke {
        /// The token's name.
        name: String,
        /// The ledger.
        #[command(flatten)]
        store: StoreArg,
    },
}

/// `token create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A name for the token (who or what uses it): 1 to 64 letters, digits, `-`, `_` or `.`.
    #[arg(long)]
    pub name: String,
    /// The budget in USD per period, e.g. 5 or 0.50; no budget without it.
    #[arg(long, value_name = "USD", value_parser = parse_budget)]
    pub budget_usd: Option<u64>,
    /// The budget's period.
    #[arg(long, value_name = "day|month|total", default_value = "month", value_parser = parse_period)]
    pub per: Period,
    /// Chats and image jobs per minute.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub rpm: Option<u32>,
    /// The models the token may use, comma-separated (chat and image models); all without it.
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// The most `max_completion_tokens` one chat may ask for (sent upstream when a chat gives none).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_completion_tokens: Option<u32>,
    /// Image jobs per UTC day.
    #[arg(long)]
    pub max_images_per_day: Option<u32>,
    /// The ledger.
    #[command(flatten)]
    pub store: StoreArg,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The MiniToolAI API base URL, e.g. `https://minitoolai.com/api/`.
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// The environment variable that holds the MiniToolAI key (never a flag: flags show in `ps`).
    #[arg(long, value_name = "VAR")]
    pub upstream_key_env: String,
    /// The ledger.
    #[command(flatten)]
    pub store: StoreArg,
    /// Serve the built app from this directory (same origin as the API).
    #[arg(long, value_name = "PATH")]
    pub static_dir: Option<PathBuf>,
    /// Another exact origin allowed to call the API from a browser, e.g. `https://app.example.com`;
    /// repeatable. Without any, only pages the relay serves itself may.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// A host name the relay answers for (the `Host` header), e.g. `relay.example.com`; repeatable.
    /// The bind address (and `localhost` on loopback) always is one.
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free port (read it from the first stdout line).
    #[arg(long, default_value_t = 8788)]
    pub port: u16,
    /// Largest request body, bytes (images as data URLs can be large).
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest image `prompt` and `negativePrompt`, characters.
    #[arg(long, default_value_t = 4000)]
    pub max_prompt_chars: usize,
    /// Longest chat conversation (the text of all messages), characters.
    #[arg(long, default_value_t = 200_000)]
    pub max_chat_chars: usize,
    /// Time a client gets to send a request's headers; also how long an idle keep-alive
    /// connection stays open (milliseconds).
    #[arg(long, default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Time a client gets to send a request's body (milliseconds).
    #[arg(long, default_value_t = 30_000)]
    pub body_timeout_ms: u64,
    /// Most open connections; more are closed at once.
    #[arg(long, default_value_t = 256)]
    pub max_connections: usize,
    /// Longest wait for the upstream's next bytes (milliseconds).
    #[arg(long, default_value_t = 120_000)]
    pub upstream_timeout_ms: u64,
    /// Worker threads of the runtime.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Do not log requests to stderr.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_budget(s: &str) -> Result<u64, String> {
    crate::money::parse_usd(s)
        .ok_or_else(|| format!("--budget-usd: expected a USD amount such as 5 or 0.50 (got {s:?})"))
}

fn parse_period(s: &str) -> Result<Period, String> {
    Period::parse(s).ok_or_else(|| format!("--per: expected day, month or total (got {s:?})"))
}

/// Checks a token name.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!("--name: 1 to 64 letters, digits, '-', '_' or '.' (got {name:?})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        let cli = Cli::parse_from([
            "r",
            "token",
            "create",
            "--name",
            "alice",
            "--budget-usd",
            "1.5",
            "--per",
            "day",
            "--models",
            "gpt-4o,gpt-4o-mini",
        ]);
        let Command::Token(TokenCommand::Create(c)) = cli.command else { panic!("create") };
        assert_eq!(c.budget_usd, Some(1_500_000_000));
        assert_eq!(c.per, Period::Day);
        assert_eq!(c.models, ["gpt-4o", "gpt-4o-mini"]);
        assert_eq!(c.store.store, DEFAULT_STORE);
        assert!(Cli::try_parse_from(["r", "token", "create", "--name", "a", "--per", "week"]).is_err());
        assert!(Cli::try_parse_from(["r", "token", "create", "--name", "a", "--rpm", "0"]).is_err());
        let cli = Cli::parse_from(["r", "serve", "--upstream", "http://x/", "--upstream-key-env", "K"]);
        let Command::Serve(s) = cli.command else { panic!("serve") };
        assert!(s.bind.is_loopback());
        assert!(check_name("team-a.1").is_ok());
        assert!(check_name("").is_err() && check_name("a b").is_err());
    }
}
