//! `minitoolai-sandbox`: a local, faithful stand-in for the MiniToolAI HTTP API, for
//! offline development and tests. It never pretends to be the real service.
#![forbid(unsafe_code)]

mod admin;
mod art;
mod auth;
mod body;
mod cache;
mod chat;
mod config;
mod context;
mod credit;
mod errors;
mod faults;
mod font;
mod images;
mod jobs;
mod reply;
mod rng;
mod serve;
mod server;
mod sign;
mod sse;
mod state;
mod static_files;
mod stats;
mod stream;
mod text;
mod tokens;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = config::Args::parse();
    reply::set_max_bytes(args.max_reply_bytes);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(args.workers.max(1)).enable_all().build();
    let result = match runtime {
        Ok(rt) => rt.block_on(server::run(args)),
        Err(e) => Err(format!("cannot start the runtime: {e}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("minitoolai-sandbox: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
