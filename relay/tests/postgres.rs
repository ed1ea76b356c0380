//! The ledger cases against a real PostgreSQL server. `scripts/with-postgres` starts one in
//! a temporary directory and sets `MINITOOLAI_RELAY_POSTGRES_URL`; `scripts/test` runs this
//! file that way. Without the variable these tests say so and pass, unless
//! `MINITOOLAI_RELAY_REQUIRE_POSTGRES=1`, which turns that into a failure.

#[path = "common/cases.rs"]
mod cases;
mod common;

use common::Ledger;

fn postgres() -> Option<Ledger> {
    let ledger = Ledger::postgres();
    if ledger.is_none() {
        assert!(
            std::env::var("MINITOOLAI_RELAY_REQUIRE_POSTGRES").is_err(),
            "MINITOOLAI_RELAY_POSTGRES_URL is not set (run through scripts/with-postgres)"
        );
        eprintln!("skipped: MINITOOLAI_RELAY_POSTGRES_URL is not set (scripts/with-postgres sets it)");
    }
    ledger
}

#[test]
fn postgres_budget_holds_under_concurrency() {
    if let Some(l) = postgres() {
        cases::budget_holds_under_concurrency(&l);
    }
}

#[test]
fn postgres_budget_holds_across_two_replicas() {
    if let Some(l) = postgres() {
        cases::budget_holds_across_two_replicas(&l);
    }
}

#[test]
fn postgres_stopped_and_broken_streams_are_settled() {
    if let Some(l) = postgres() {
        cases::stopped_and_broken_streams_are_settled(&l);
    }
}

#[test]
fn postgres_rate_limit() {
    if let Some(l) = postgres() {
        cases::rate_limit(&l);
    }
}

#[test]
fn postgres_restart_keeps_spend() {
    if let Some(l) = postgres() {
        cases::restart_keeps_spend(&l);
    }
}
