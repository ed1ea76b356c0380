//! `minitoolai-relay`: a MiniToolAI relay that is safe to share. It holds the MiniToolAI key,
//! hands out its own access tokens (each with a budget, a rate limit and a model list), and
//! settles every request against a spend ledger (SQLite by default, PostgreSQL to scale
//! out). It answers only its own pages, only JSON, and never shows the key. See README.md.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod cli;
mod clock;
mod commands;
mod errors;
mod guard;
mod info;
mod meter;
mod money;
mod proxy;
mod secret;
mod server;
mod state;
mod store;
mod upstream;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let workers = match &cli.command {
        cli::Command::Serve(a) => a.workers.max(1),
        _ => 1,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build();
    let result = match runtime {
        Ok(rt) => rt.block_on(async move {
            let mut out = std::io::stdout().lock();
            match cli.command {
                cli::Command::Serve(args) => server::run(*args).await,
                cli::Command::Token(cmd) => commands::token(cmd, &mut out).await,
                cli::Command::Usage { store, name, since } => {
                    commands::usage(&store.store, name.as_deref(), since.as_deref(), &mut out).await
                }
            }
        }),
        Err(e) => Err(format!("cannot start the runtime: {e}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("minitoolai-relay: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
