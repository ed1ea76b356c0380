//! Replays the committed corpus (`corpus/TARGET/*`) through the fuzz targets' checks: the CI
//! fuzz smoke test without libFuzzer (`cargo test --no-default-features`).

use std::fs;
use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut n = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a corpus entry").path();
        let data = fs::read(&path).expect("a corpus file");
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            panic!("{} fails: {panic:?}", path.display());
        }
        n += 1;
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn sse_chunking_corpus() {
    replay("sse_chunking", minitoolai_fuzz::sse_chunking);
}

#[test]
fn chat_stream_corpus() {
    replay("chat_stream", minitoolai_fuzz::chat_stream);
}

#[test]
fn job_json_corpus() {
    replay("job_json", minitoolai_fuzz::job_json);
}

#[test]
fn markdown_corpus() {
    replay("markdown", minitoolai_fuzz::markdown);
}
