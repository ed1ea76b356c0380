//! libFuzzer entry point; the checks live in `minitoolai_fuzz::sse_chunking` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| minitoolai_fuzz::sse_chunking(data));
